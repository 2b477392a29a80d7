import { once } from 'node:events';
import http from 'node:http';
import anyTest, { type TestFn } from 'ava';
import { loadConfig } from '../../gateway/src/config.js';
import { DEFAULT_LIMITS } from '../../gateway/src/limits.js';
import {
  oktaUser,
  patchOp,
  startGateway,
  type GatewayFixture,
  type ScimResponse,
} from '../helpers/gateway.js';

/**
 * What an unauthenticated or hostile client can make the gateway do: every SCIM path is
 * authenticated before its body is read, whatever its case; a deep body is refused before it
 * is parsed; a PATCH is checked as it is applied; a list page carries a bounded number of
 * members; and crafted input gets a SCIM 4xx, never a 500 or an error in the log.
 */
interface Ctx extends GatewayFixture {
  token: string;
}
const test = anyTest as TestFn<Ctx>;

const MEMBER_BUDGET = 10;

test.before(async (t) => {
  const fixture = await startGateway({
    limits: { listMembers: MEMBER_BUDGET },
    rateLimits: { default: { rps: 100_000, burst: 100_000 }, tenants: {} },
  });
  t.context = { ...fixture, token: (await fixture.tenant()).token };
});
test.after.always(async (t) => {
  await t.context.close();
});

const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

function isScimError(t: any, res: ScimResponse, status: number, scimType?: string) {
  t.is(res.status, status, JSON.stringify(res.body));
  t.is(res.headers.get('content-type'), 'application/scim+json; charset=utf-8');
  t.deepEqual(res.body?.schemas, [ERROR]);
  t.is(res.body?.status, String(status));
  t.is(res.body?.scimType, scimType);
}

/** An absolute URL on the gateway for a path that starts at the server root. */
const at = (t: { context: Ctx }, path: string) => new URL(path, t.context.base).toString();

const RESOURCE_PATHS: Array<[method: string, path: string]> = [
  ['GET', '/API/V1/SCIM/V2/Users'],
  ['GET', '/Scim/V2/Users'],
  ['GET', '/api/v1/scim/v2/USERS'],
  ['GET', '/api/v1/scim/v2/Users/'],
  ['GET', '/SCIM/V2/groups'],
  ['GET', '/Api/V1/Scim/V2/Groups/00000000-0000-4000-8000-000000000000'],
  ['POST', '/API/V1/SCIM/V2/Users'],
  ['POST', '/scim/v2/.SEARCH'],
  ['POST', '/Scim/v2/Groups/.search'],
  ['PATCH', '/SCIM/V2/Users/00000000-0000-4000-8000-000000000000'],
  ['DELETE', '/api/V1/scim/V2/Groups/00000000-0000-4000-8000-000000000000'],
  ['GET', '/API/V1/SCIM/V2'],
];

test('every SCIM path, in any case, answers 401 without a token and is served with one', async (t) => {
  for (const [method, path] of RESOURCE_PATHS) {
    const body = method === 'POST' || method === 'PATCH' ? { displayName: 'x' } : undefined;
    const anonymous = await t.context.scim(method, at(t, path), { body });
    isScimError(t, anonymous, 401);
    t.regex(anonymous.headers.get('www-authenticate') ?? '', /^Bearer/, `${method} ${path}`);
    // The same path with a token is routed as its canonical spelling is: never a crash.
    const served = await t.context.scim(method, at(t, path), { token: t.context.token, body });
    t.not(served.status, 401, `${method} ${path}`);
    t.true(served.status < 500, `${method} ${path}: ${JSON.stringify(served.body)}`);
  }
  const list = await t.context.scim('GET', at(t, '/API/V1/SCIM/V2/Users'), { token: t.context.token });
  t.is(list.status, 200);
  t.is(list.body.schemas[0], 'urn:ietf:params:scim:api:messages:2.0:ListResponse');
});

test('discovery and health endpoints stay open, in any case', async (t) => {
  for (const path of [
    '/api/v1/scim/v2/ServiceProviderConfig',
    '/API/V1/SCIM/V2/serviceproviderconfig',
    '/scim/v2/Schemas',
    '/Scim/V2/schemas/urn:ietf:params:scim:schemas:core:2.0:User',
    '/SCIM/V2/ResourceTypes/User',
    '/healthz',
  ]) {
    const res = await t.context.scim('GET', at(t, path));
    t.is(res.status, 200, path);
  }
  const config = await t.context.scim('GET', at(t, '/API/V1/SCIM/V2/ServiceProviderConfig'));
  t.regex(config.body.meta.location, /\/api\/v1\/scim\/v2\/ServiceProviderConfig$/);
});

/**
 * POSTs `chunk` as the start of a body declared `declared` bytes long, and returns the response
 * without ever sending the rest: an answer proves the server did not wait to read the body.
 */
async function postUnfinished(url: string, chunk: string, declared: number) {
  const req = http.request(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/scim+json', 'Content-Length': String(declared) },
  });
  req.on('error', () => {}); // the server may drop the connection once it has answered
  req.write(chunk);
  const [res] = (await once(req, 'response')) as [http.IncomingMessage];
  res.setEncoding('utf8');
  let text = '';
  for await (const piece of res) text += piece;
  req.destroy();
  return { status: res.statusCode, type: res.headers['content-type'], body: JSON.parse(text) };
}

test('an unauthenticated body is refused before it is read, on every spelling of the path', async (t) => {
  const declared = 1024 * 1024;
  const chunk = `{"userName":${'['.repeat(64 * 1024)}`;
  t.true(chunk.length < declared);
  for (const path of [
    '/api/v1/scim/v2/Users',
    '/API/V1/SCIM/V2/Users',
    '/Scim/V2/Groups',
    '/scim/v2/.search',
  ]) {
    const res = await postUnfinished(at(t, path), chunk, declared);
    t.is(res.status, 401, path);
    t.is(res.type, 'application/scim+json; charset=utf-8');
    t.is(res.body.status, '401');
  }
});

test('a body nested 500,000 deep is refused by its depth, before JSON.parse runs', async (t) => {
  const { token } = t.context;
  // Never closed, so it is not JSON: had JSON.parse run first, it would be "not valid JSON".
  const unclosed = `{"userName":"deep@example.com","blob":${'['.repeat(500_000)}`;
  const closed = `{"userName":"deep@example.com","blob":${'['.repeat(500_000)}${']'.repeat(500_000)}}`;
  for (const body of [unclosed, closed]) {
    const res = await t.context.scim('POST', '/Users', { token, body });
    isScimError(t, res, 400, 'invalidSyntax');
    t.regex(res.body.detail, /deeper than 32 levels/);
  }
});

test('a PATCH past 100 values of an attribute is refused as it is applied (400 tooMany)', async (t) => {
  const { token } = t.context;
  const user = (await t.context.scim('POST', '/Users', { token, body: oktaUser('many.emails@example.com') }))
    .body;
  // The reported request: 200 operations of 40 emails each.
  const operations = Array.from({ length: 200 }, (_, i) => ({
    op: 'add',
    path: 'emails',
    value: Array.from({ length: 40 }, (_, j) => ({ value: `u${i}.${j}@example.com`, type: 'work' })),
  }));
  // An operation that cannot be applied, after the one that passes the limit: never reached.
  operations.splice(3, 0, { op: 'add', path: 'emails[type eq "work"].nonsense', value: [] });
  const res = await t.context.scim('PATCH', `/Users/${user.id}`, { token, body: patchOp(...operations) });
  isScimError(t, res, 400, 'tooMany');
  t.regex(res.body.detail, /more than 100 values/);
  const after = await t.context.scim('GET', `/Users/${user.id}`, { token });
  t.is(after.body.emails.length, 1, 'nothing was stored');
});

const cursorOf = (state: unknown) => Buffer.from(JSON.stringify(state)).toString('base64url');

test('crafted cursors, out-of-range indexes and unknown methods are SCIM 4xx/501, never a logged 500', async (t) => {
  const { token } = t.context;
  const crafted: Array<[string, string]> = [
    ['/Users?sortBy=userName', cursorOf({ o: 'user_name', d: false, k: [1, 2], p: 0 })],
    ['/Users?sortBy=userName', cursorOf({ o: 'user_name', d: false, k: { a: 1 }, p: 0 })],
    ['/Users?sortBy=userName', cursorOf({ o: 'user_name', d: false, k: null, p: 0 })],
    ['/Users?sortBy=userName', cursorOf({ o: 'user_name', d: false, k: true, p: 0 })],
    ['/Users?sortBy=userName', cursorOf({ o: 'user_name', d: false, k: 'x'.repeat(5000), p: 0 })],
    ['/Users?sortBy=active', cursorOf({ o: 'active', d: false, k: 'yes', p: 0 })],
    ['/Users', cursorOf({ o: '', d: false, k: 1, p: -1 })],
    ['/Users', cursorOf({ o: '', d: false, k: 1, p: 1.5 })],
    ['/Users', cursorOf({ o: '', d: false, k: 1, p: 2 ** 40 })],
    ['/Users', cursorOf({ o: '', d: false, k: 1, p: '1' })],
    ['/Users', cursorOf({ o: '', d: 'false', k: 1, p: 1 })],
    ['/Users', cursorOf({ o: 5, d: false, k: 1, p: 1 })],
    ['/Users', cursorOf([1, 2])],
    ['/Users', cursorOf(null)],
    ['/Users', '!!not base64!!'],
    ['/Users', 'A'.repeat(10_000)],
    ['/Groups?sortBy=displayName', cursorOf({ o: 'name', d: false, k: [1], p: 0 })],
  ];
  for (const [path, cursor] of crafted) {
    const sep = path.includes('?') ? '&' : '?';
    const res = await t.context.scim('GET', `${path}${sep}cursor=${encodeURIComponent(cursor)}`, { token });
    isScimError(t, res, 400, 'invalidValue');
  }
  for (const startIndex of ['4294967297', '2147483648', '1e30']) {
    isScimError(
      t,
      await t.context.scim('GET', `/Users?startIndex=${startIndex}`, { token }),
      400,
      'invalidValue',
    );
  }
  isScimError(
    t,
    await t.context.scim('POST', '/Groups/.search', { token, body: { startIndex: 4294967297 } }),
    400,
    'invalidValue',
  );
  const last = await t.context.scim('GET', '/Users?startIndex=2147483647', { token });
  t.like(last.body, { startIndex: 2147483647, itemsPerPage: 0 });

  for (const method of ['PROPFIND', 'QUERY', 'MKCOL']) {
    isScimError(t, await t.context.scim(method, '/Users', { token }), 501);
  }
  const notAllowed = await t.context.scim('PUT', '/Users', { token, body: {} });
  isScimError(t, notAllowed, 405);
  t.regex(notAllowed.headers.get('allow') ?? '', /\bGET\b.*\bPOST\b/);

  const failures = t.context.logs.filter((line) => 'err' in line || 'errorClass' in line);
  t.deepEqual(failures, [], 'no request failed on the server');
});

interface Group {
  id: string;
  displayName: string;
  members?: Array<{ value: string }>;
}

test('a list page carries at most the member budget; a group larger than it is listed without members', async (t) => {
  const { token } = await t.context.tenant('Budget');
  const users: string[] = [];
  for (let i = 0; i < 15; i++) {
    users.push(
      (await t.context.scim('POST', '/Users', { token, body: oktaUser(`budget.${i}@example.com`) })).body.id,
    );
  }
  const sizes: Array<[string, number]> = [
    ['A', 4],
    ['B', 4],
    ['C', 4],
    ['D', 15],
    ['E', 2],
  ];
  for (const [name, size] of sizes) {
    const members = users.slice(0, size).map((value) => ({ value }));
    const res = await t.context.scim('POST', '/Groups', { token, body: { displayName: name, members } });
    t.is(res.body.members.length, size);
  }
  const names = (page: ScimResponse) =>
    (page.body.Resources as Group[]).map((g) => `${g.displayName}:${g.members?.length ?? '-'}`);

  // By startIndex: each page stops before the group that would pass 10 members.
  const pages: string[][] = [];
  for (let start = 1; start <= 5;) {
    const page = await t.context.scim('GET', `/Groups?count=100&startIndex=${start}`, { token });
    t.like(page.body, { totalResults: 5, startIndex: start, itemsPerPage: page.body.Resources.length });
    t.is(page.body.nextCursor, undefined);
    pages.push(names(page));
    start += page.body.itemsPerPage;
  }
  t.deepEqual(pages, [['A:4', 'B:4'], ['C:4'], ['D:-', 'E:2']]);

  // By cursor: the same pages, each cursor starting at the group left out.
  const walked: string[][] = [];
  let cursor = '';
  do {
    const page = await t.context.scim('GET', `/Groups?count=100&cursor=${encodeURIComponent(cursor)}`, {
      token,
    });
    walked.push(names(page));
    cursor = page.body.nextCursor ?? '';
  } while (cursor && walked.length < 10);
  t.deepEqual(walked, pages);

  const search = await t.context.scim('POST', '/Groups/.search', { token, body: { count: 100 } });
  t.deepEqual(names(search), ['A:4', 'B:4']);
  const without = await t.context.scim('GET', '/Groups?count=100&excludedAttributes=members', { token });
  t.is(without.body.itemsPerPage, 5, 'without members, the page is not cut');
  const d = (without.body.Resources as Group[]).find((g) => g.displayName === 'D')!;
  t.is((await t.context.scim('GET', `/Groups/${d.id}`, { token })).body.members.length, 15);
});

test('the member budget is a configurable limit, LIST_MAX_MEMBERS', (t) => {
  t.is(loadConfig({}).limits.listMembers, DEFAULT_LIMITS.listMembers);
  t.is(DEFAULT_LIMITS.listMembers, 10_000);
  t.is(loadConfig({ LIST_MAX_MEMBERS: '500' }).limits.listMembers, 500);
  t.throws(() => loadConfig({ LIST_MAX_MEMBERS: '0' }), { message: /LIST_MAX_MEMBERS/ });
});
