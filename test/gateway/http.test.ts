import http from 'node:http';
import type { AddressInfo } from 'node:net';
import anyTest, { type TestFn } from 'ava';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import { AdminServiceService } from '#proto/admin.js';
import { DirectoryServiceService } from '#proto/directory.js';
import { buildApp } from '../../gateway/src/app.js';
import { connectDirectory } from '@wizer/directory-client';
import { oktaUser, patchOp, startGateway, type GatewayFixture } from '../helpers/gateway.js';
import { eventsQuery } from '../helpers/watch.js';

const test = anyTest as TestFn<GatewayFixture>;

test.before(async (t) => {
  t.context = await startGateway({ authCacheMs: 1000 });
});
test.after.always(async (t) => {
  await t.context.close();
});

const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

function isScimError(
  t: any,
  res: { status: number; headers: Headers; body: any },
  status: number,
  scimType?: string,
) {
  t.is(res.status, status);
  t.is(res.headers.get('content-type'), 'application/scim+json; charset=utf-8');
  t.deepEqual(res.body.schemas, [ERROR]);
  t.is(res.body.status, String(status));
  t.is(res.body.scimType, scimType);
  t.is(typeof res.body.detail, 'string');
  t.notRegex(JSON.stringify(res.body), /sqlite|knex|grpc|stack|at \w+ \(|\/work\//i);
}

test('401 for a missing, unknown or malformed token, always as a SCIM error with WWW-Authenticate', async (t) => {
  for (const auth of [undefined, '', 'Bearer', 'Bearer wzr_scim_nope', 'Basic dXNlcjpwYXNz', 'Bearer a b']) {
    const res = await t.context.scim('GET', '/Users', auth === undefined ? {} : { auth });
    isScimError(t, res, 401);
    t.regex(res.headers.get('www-authenticate') ?? '', /^Bearer/);
  }
});

test('a revoked token is refused once the auth cache time has passed (gateway clock injected, no sleep)', async (t) => {
  // The gateway's clock only moves when the test moves it.
  let now = 0;
  const gateway = await startGateway({ authCacheMs: 1000, clock: () => now });
  try {
    const { token, tenantId, tokenId } = await gateway.tenant();
    t.is((await gateway.scim('GET', '/Users', { token })).status, 200);
    await gateway.clients.admin.revokeToken({ tenantId, tokenId });
    // Within the cache time the gateway does not ask the directory again (one call per token per
    // second is what the cache is for); this also shows the injected clock is the one in use.
    now += 999;
    t.is((await gateway.scim('GET', '/Users', { token })).status, 200, 'still cached');
    now += 1;
    isScimError(t, await gateway.scim('GET', '/Users', { token }), 401);
    now += 60_000;
    isScimError(t, await gateway.scim('GET', '/Users', { token }), 401);
  } finally {
    await gateway.close();
  }
});

test('the error table: 400s, 404, 405, 409, 412, 413, 415', async (t) => {
  const { token } = await t.context.tenant();
  const scim = (m: string, p: string, o: { body?: unknown; headers?: Record<string, string> } = {}) =>
    t.context.scim(m, p, { token, ...o });
  isScimError(t, await scim('GET', '/Nope'), 404);
  isScimError(t, await scim('GET', '/Users/not-a-uuid'), 404);
  isScimError(t, await scim('GET', '/Groups/00000000-0000-4000-8000-000000000000'), 404);
  isScimError(t, await scim('DELETE', '/Users'), 405);
  isScimError(t, await scim('POST', '/Users', { body: '{not json' }), 400, 'invalidSyntax');
  isScimError(t, await scim('POST', '/Users', { body: '[1,2]' }), 400, 'invalidSyntax');
  isScimError(
    t,
    await scim('POST', '/Users', { body: { name: { givenName: 'No userName' } } }),
    400,
    'invalidValue',
  );
  isScimError(t, await scim('POST', '/Users', { body: { userName: { nested: true } } }), 400, 'invalidValue');
  isScimError(
    t,
    await scim('POST', '/Users', {
      body: oktaUser('x@example.com'),
      headers: { 'Content-Type': 'text/plain' },
    }),
    415,
  );
  isScimError(
    t,
    await scim('GET', `/Users?filter=${encodeURIComponent('userName eq')}`),
    400,
    'invalidFilter',
  );
  isScimError(
    t,
    await scim('GET', `/Users?filter=${encodeURIComponent('password eq "x"')}`),
    400,
    'invalidFilter',
  );
  isScimError(t, await scim('GET', '/Users?count=abc'), 400, 'invalidValue');
  isScimError(t, await scim('GET', '/Users?sortBy=emails'), 400, 'invalidValue');

  const user = (await scim('POST', '/Users', { body: oktaUser('etag@example.com') })).body;
  isScimError(t, await scim('POST', '/Users', { body: oktaUser('ETAG@example.com') }), 409, 'uniqueness');
  isScimError(
    t,
    await scim('PUT', `/Users/${user.id}`, {
      body: { ...user, title: 'x' },
      headers: { 'If-Match': 'W/"7"' },
    }),
    412,
  );
  const ok = await scim('PUT', `/Users/${user.id}`, {
    body: { ...user, title: 'x' },
    headers: { 'If-Match': 'W/"1"' },
  });
  t.is(ok.status, 200);
  t.is(ok.headers.get('etag'), 'W/"2"');
  isScimError(
    t,
    await scim('PATCH', `/Users/${user.id}`, {
      body: patchOp({ op: 'replace', path: 'title', value: 'y' }),
      headers: { 'If-Match': 'W/"1"' },
    }),
    412,
  );
  isScimError(
    t,
    await scim('PATCH', `/Users/${user.id}`, { body: patchOp({ op: 'replace', path: 'id', value: 'y' }) }),
    400,
    'mutability',
  );
  isScimError(
    t,
    await scim('PATCH', `/Users/${user.id}`, {
      body: patchOp({ op: 'add', path: '__proto__.polluted', value: 1 }),
    }),
    400,
    'invalidPath',
  );
  isScimError(
    t,
    await scim('PATCH', `/Users/${user.id}`, { body: patchOp({ op: 'remove' }) }),
    400,
    'noTarget',
  );
  isScimError(
    t,
    await scim('PATCH', `/Users/${user.id}`, { body: { Operations: [] } }),
    400,
    'invalidSyntax',
  );
  isScimError(
    t,
    await scim('PATCH', `/Users/${user.id}`, { body: patchOp({ op: 'jump', path: 'title' }) }),
    400,
    'invalidSyntax',
  );
  t.is(({} as Record<string, unknown>).polluted, undefined);
  isScimError(
    t,
    await scim('PUT', '/Users/00000000-0000-4000-8000-000000000000', { body: oktaUser('ghost@example.com') }),
    404,
  );
  t.is(
    (await scim('GET', `/Users?filter=${encodeURIComponent('userName eq "ghost@example.com"')}`)).body
      .totalResults,
    0,
    'PUT never upserts',
  );
  // A GET with an empty JSON body and content type is fine.
  t.is(
    (await scim('GET', `/Users/${user.id}`, { headers: { 'Content-Type': 'application/json' } })).status,
    200,
  );
  t.is(
    (
      await scim('POST', '/Users', {
        body: oktaUser('json@example.com'),
        headers: { 'Content-Type': 'application/json; charset=UTF-8' },
      })
    ).status,
    201,
  );
});

test('413 before reading a declared large body, and while streaming a chunked one', async (t) => {
  const { token } = await t.context.tenant();
  const big = JSON.stringify(oktaUser('big@example.com', { title: 'x'.repeat(1024 * 1024 + 10) }));
  isScimError(t, await t.context.scim('POST', '/Users', { token, body: big }), 413);
  const url = new URL(`${t.context.base}/Users`);
  const res = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method: 'POST',
        headers: {
          Authorization: `Bearer ${token}`,
          'Content-Type': 'application/scim+json',
          'Transfer-Encoding': 'chunked',
        },
      },
      (response) => {
        let body = '';
        response.on('data', (c) => (body += c));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      },
    );
    req.on('error', reject);
    for (let i = 0; i < 20; i++) req.write('x'.repeat(64 * 1024));
    req.end();
  });
  t.is(res.status, 413);
  t.is(JSON.parse(res.body).status, '413');
});

test('paging: startIndex below 1 counts as 1, count=0 returns the total only, counts are numbers, sort and projection', async (t) => {
  const { token } = await t.context.tenant();
  const scim = (m: string, p: string, body?: unknown) => t.context.scim(m, p, { token, body });
  for (const n of ['c', 'a', 'd', 'b', 'e']) await scim('POST', '/Users', oktaUser(`${n}.user@example.com`));
  const page = await scim('GET', '/Users?startIndex=0&count=2&sortBy=userName&sortOrder=descending');
  t.deepEqual(
    page.body.Resources.map((u: any) => u.userName),
    ['e.user@example.com', 'd.user@example.com'],
  );
  t.like(page.body, { totalResults: 5, startIndex: 1, itemsPerPage: 2 });
  const last = await scim('GET', '/Users?startIndex=5&count=2&sortBy=userName');
  t.like(last.body, { totalResults: 5, startIndex: 5, itemsPerPage: 1 });
  t.deepEqual((await scim('GET', '/Users?count=0')).body, {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
    totalResults: 5,
    startIndex: 1,
    itemsPerPage: 0,
    Resources: [],
  });
  t.is((await scim('GET', '/Users?count=100000')).body.itemsPerPage, 5, 'count is clamped, not refused');
  const projected = await scim('GET', '/Users?count=1&attributes=userName,name.givenName,emails.value');
  t.deepEqual(Object.keys(projected.body.Resources[0]).sort(), [
    'emails',
    'id',
    'name',
    'schemas',
    'userName',
  ]);
  t.deepEqual(Object.keys(projected.body.Resources[0].name), ['givenName']);
  t.deepEqual(Object.keys(projected.body.Resources[0].emails[0]), ['value']);
  const excluded = await scim('GET', '/Users?count=1&excludedAttributes=emails,meta,id');
  t.is(excluded.body.Resources[0].emails, undefined);
  t.is(excluded.body.Resources[0].meta, undefined);
  t.truthy(excluded.body.Resources[0].id, 'id is always returned');
  const search = await scim('POST', '/Users/.search', {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
    filter: 'userName sw "b"',
    attributes: ['userName'],
    startIndex: 1,
    count: 10,
  });
  t.deepEqual(search.body.Resources, [
    {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      id: search.body.Resources[0].id,
      userName: 'b.user@example.com',
    },
  ]);
  await scim('POST', '/Groups', { displayName: 'Search Me', members: [] });
  const root = await scim('POST', '/.search', {
    filter: 'displayName sw "Search" or userName sw "a."',
    count: 10,
  });
  t.is(root.body.totalResults, 2);
  t.is(root.status, 200);
});

test('discovery endpoints come from the schema definitions', async (t) => {
  const spc = await t.context.scim('GET', '/ServiceProviderConfig');
  t.is(spc.status, 200);
  t.like(spc.body, {
    patch: { supported: true },
    filter: { supported: true, maxResults: 1000 },
    etag: { supported: true },
    sort: { supported: true },
  });
  const types = await t.context.scim('GET', '/ResourceTypes');
  t.deepEqual(
    types.body.Resources.map((r: any) => r.endpoint),
    ['/Users', '/Groups'],
  );
  const schemas = await t.context.scim('GET', '/Schemas');
  const user = schemas.body.Resources.find((s: any) => s.id === 'urn:ietf:params:scim:schemas:core:2.0:User');
  t.like(
    user.attributes.find((a: any) => a.name === 'userName'),
    { required: true, uniqueness: 'server', caseExact: false },
  );
  t.like(
    user.attributes.find((a: any) => a.name === 'password'),
    { returned: 'never', mutability: 'writeOnly' },
  );
  t.false(JSON.stringify(schemas.body).includes('queryField'));
  t.is(
    (await t.context.scim('GET', '/Schemas/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User')).body
      .name,
    'EnterpriseUser',
  );
  t.is(
    (await t.context.scim('GET', '/scim/v2/ResourceTypes/Group'.replace('/scim/v2', '').replace(/^/, '')))
      .status,
    200,
  );
  const short = await fetch(t.context.base.replace('/api/v1/scim/v2', '/scim/v2') + '/ServiceProviderConfig');
  t.is(short.status, 200);
});

test('two tenants are isolated on every route', async (t) => {
  const a = await t.context.tenant('A');
  const b = await t.context.tenant('B');
  const user = (
    await t.context.scim('POST', '/Users', { token: a.token, body: oktaUser('shared@example.com') })
  ).body;
  const group = (
    await t.context.scim('POST', '/Groups', {
      token: a.token,
      body: { displayName: 'A team', members: [{ value: user.id }] },
    })
  ).body;
  const asB = (m: string, p: string, body?: unknown) => t.context.scim(m, p, { token: b.token, body });
  for (const [m, p, body] of [
    ['GET', `/Users/${user.id}`],
    ['PUT', `/Users/${user.id}`, oktaUser('shared@example.com')],
    ['PATCH', `/Users/${user.id}`, patchOp({ op: 'replace', value: { active: false } })],
    ['DELETE', `/Users/${user.id}`],
    ['GET', `/Groups/${group.id}`],
    ['PUT', `/Groups/${group.id}`, { displayName: 'mine', members: [] }],
    ['PATCH', `/Groups/${group.id}`, patchOp({ op: 'replace', path: 'members', value: [] })],
    ['DELETE', `/Groups/${group.id}`],
  ] as const) {
    t.is((await asB(m, p, body)).status, 404, `${m} ${p}`);
  }
  t.is((await asB('GET', '/Users')).body.totalResults, 0);
  t.is((await asB('GET', '/Groups')).body.totalResults, 0);
  t.is(
    (await asB('GET', `/Groups?filter=${encodeURIComponent(`members[value eq "${user.id}"]`)}`)).body
      .totalResults,
    0,
  );
  // B may reuse the userName: uniqueness is per tenant.
  t.is((await asB('POST', '/Users', oktaUser('SHARED@example.com'))).status, 201);
  // B cannot push A's user into its own group either.
  const bGroup = (await asB('POST', '/Groups', { displayName: 'B team', members: [{ value: user.id }] }))
    .body;
  t.false('members' in bGroup, 'an empty group has no members attribute');
  const stillA = await t.context.scim('GET', `/Groups/${group.id}`, { token: a.token });
  t.deepEqual(
    stillA.body.members.map((m: any) => m.value),
    [user.id],
  );
  t.true((await t.context.scim('GET', `/Users/${user.id}`, { token: a.token })).body.active);
});

test('concurrency: one userName in parallel, and concurrent member adds and removes', async (t) => {
  const { token } = await t.context.tenant();
  const names = Array.from({ length: 50 }, (_, i) =>
    (i % 2 ? 'Same.Name@Example.com' : 'same.name@example.com').replace('e', i % 3 ? 'E' : 'e'),
  );
  const results = await Promise.all(
    names.map((n) => t.context.scim('POST', '/Users', { token, body: oktaUser(n) })),
  );
  t.is(results.filter((r) => r.status === 201).length, 1);
  t.is(results.filter((r) => r.status === 409).length, 49);

  const users = [];
  for (let i = 0; i < 20; i++)
    users.push((await t.context.scim('POST', '/Users', { token, body: oktaUser(`m${i}@example.com`) })).body);
  const group = (
    await t.context.scim('POST', '/Groups', {
      token,
      body: { displayName: 'Busy', members: users.slice(10).map((u) => ({ value: u.id })) },
    })
  ).body;
  // Add the first ten and remove the last ten, all at once.
  await Promise.all([
    ...users.slice(0, 10).map((u) =>
      t.context.scim('PATCH', `/Groups/${group.id}`, {
        token,
        body: patchOp({ op: 'add', path: 'members', value: [{ value: u.id }] }),
      }),
    ),
    ...users.slice(10).map((u) =>
      t.context.scim('PATCH', `/Groups/${group.id}`, {
        token,
        body: patchOp({ op: 'remove', path: `members[value eq "${u.id}"]` }),
      }),
    ),
  ]);
  const members = (await t.context.scim('GET', `/Groups/${group.id}`, { token })).body.members
    .map((m: any) => m.value)
    .sort();
  t.deepEqual(
    members,
    users
      .slice(0, 10)
      .map((u) => u.id)
      .sort(),
  );
});

test('rejected requests land in the tenant’s provisioning log with the reason', async (t) => {
  const { token, tenantId } = await t.context.tenant();
  await t.context.scim('POST', '/Users', { token, body: oktaUser('dup@example.com') });
  await t.context.scim('POST', '/Users', { token, body: oktaUser('DUP@example.com') });
  const log = await t.context.clients.directory.listEvents(
    eventsQuery(tenantId, {
      resourceName: 'dup@example.com',
      kinds: ['request.rejected'],
      problemsOnly: true,
      limit: 10,
    }),
  );
  t.is(log.events.length, 1);
  t.like(log.events[0]!.after, {
    operation: 'POST /api/v1/scim/v2/Users',
    status: 409,
    scimType: 'uniqueness',
  });
  t.regex(log.events[0]!.reason, /already exists/);
  t.regex(log.events[0]!.actor, /^token:/);
});

test('directory down → 503 with Retry-After; directory too slow → 504 within the deadline', async (t) => {
  // A port with nothing behind it.
  const closed = http.createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
  const deadPort = (closed.address() as AddressInfo).port;
  await new Promise((r) => closed.close(r));
  // A directory that accepts calls and never answers; it notes how long each call had left.
  const hung = new Server();
  const msLeft: number[] = [];
  const never = (call: { getDeadline(): Date | number }) => {
    const deadline = call.getDeadline();
    msLeft.push((deadline instanceof Date ? deadline.getTime() : deadline) - Date.now());
  };
  hung.addService(DirectoryServiceService, new Proxy({}, { get: () => never }));
  hung.addService(AdminServiceService, new Proxy({}, { get: () => never }));
  const hungPort = await new Promise<number>((res, rej) =>
    hung.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? rej(e) : res(p))),
  );

  for (const [address, status] of [
    [`127.0.0.1:${deadPort}`, 503],
    [`127.0.0.1:${hungPort}`, 504],
  ] as const) {
    const clients = connectDirectory(address, { actor: 'service:scim-gateway', deadlineMs: 1000 });
    const app = buildApp({
      directory: clients,
      limits: { defaultCount: 100, maxCount: 1000 },
      bodyLimit: 1024,
      logger: { info() {}, error() {} },
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const started = Date.now();
    const res = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/scim/v2/Users`, {
      headers: { Authorization: 'Bearer wzr_scim_' + 'a'.repeat(43) },
    });
    const body = (await res.json()) as { status: string };
    t.is(res.status, status);
    t.is(body.status, String(status));
    t.log(`${status} answered in ${Date.now() - started} ms`);
    if (status === 503) t.is(res.headers.get('retry-after'), '2');
    if (status === 504) {
      // The 504 comes from the gateway's own deadline (1 s here), carried on the call (grpc-timeout),
      // not from the HTTP request timeout or the client giving up.
      t.true(msLeft.length > 0, 'the hung directory received the call');
      for (const left of msLeft) t.true(left <= 1000, `the call carried a deadline of ${left} ms`);
    }
    await new Promise((r) => server.close(r));
    clients.close();
  }
  hung.forceShutdown();
});

test('cursor paging (RFC 9865) walks every user once, without counting', async (t) => {
  const { token } = await t.context.tenant();
  for (let i = 0; i < 7; i++)
    await t.context.scim('POST', '/Users', { token, body: oktaUser(`cur${i}@example.com`) });
  const seen: string[] = [];
  let cursor = '';
  for (let pages = 0; pages < 10; pages++) {
    const page = await t.context.scim('GET', `/Users?count=3&cursor=${encodeURIComponent(cursor)}`, {
      token,
    });
    t.is(page.status, 200);
    t.is(page.body.totalResults, undefined);
    seen.push(...page.body.Resources.map((u: { userName: string }) => u.userName));
    if (!page.body.nextCursor) break;
    cursor = page.body.nextCursor;
  }
  t.deepEqual(
    seen,
    Array.from({ length: 7 }, (_, i) => `cur${i}@example.com`),
  );
  const bad = await t.context.scim('GET', '/Users?cursor=garbage', { token });
  t.is(bad.status, 400);
  t.is(bad.body.scimType, 'invalidValue');
});
