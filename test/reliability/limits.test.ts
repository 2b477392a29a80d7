import net from 'node:net';
import anyTest, { type TestFn } from 'ava';
import { oktaUser, patchOp, startGateway, type GatewayFixture } from '../helpers/gateway.js';

/** Every limit answers with a SCIM error, never a crash; a slow client is cut off while others are served. */
const test = anyTest as TestFn<GatewayFixture>;

test.before(async (t) => {
  t.context = await startGateway({
    limits: { patchOperations: 50, membersPerRequest: 100, jsonDepth: 16 },
    rateLimits: { default: { rps: 1000, burst: 1000 }, tenants: {} },
    headersTimeoutMs: 1500,
  });
});
test.after.always(async (t) => {
  await t.context.close();
});

function scimError(t: any, res: { status: number; body: any }, status: number, scimType?: string) {
  t.is(res.status, status, JSON.stringify(res.body));
  t.is(res.body.status, String(status));
  t.is(res.body.scimType, scimType);
}

test('filters: 10,000 nested parentheses and oversized filters are invalidFilter, fast', async (t) => {
  const { token } = await t.context.tenant();
  const deep = '('.repeat(10_000) + 'userName pr' + ')'.repeat(10_000);
  const started = performance.now();
  scimError(
    t,
    await t.context.scim('GET', `/Users?filter=${encodeURIComponent(deep)}`, { token }),
    400,
    'invalidFilter',
  );
  t.log(`10,000 nested parentheses answered in ${(performance.now() - started).toFixed(1)} ms`);
  const nested = '('.repeat(40) + 'userName pr' + ')'.repeat(40);
  scimError(
    t,
    await t.context.scim('GET', `/Users?filter=${encodeURIComponent(nested)}`, { token }),
    400,
    'invalidFilter',
  );
  const viaSearch = await t.context.scim('POST', '/Users/.search', {
    token,
    body: { filter: 'not ('.repeat(100) + 'title pr' + ')'.repeat(100) },
  });
  scimError(t, viaSearch, 400, 'invalidFilter');
});

test('bodies: nesting, operations, members, strings and multi-valued attributes past their limits', async (t) => {
  const { token } = await t.context.tenant();
  const deep = `{"userName":"deep@example.com","blob":${'['.repeat(5000)}1${']'.repeat(5000)}}`;
  scimError(t, await t.context.scim('POST', '/Users', { token, body: deep }), 400, 'invalidSyntax');
  const user = (await t.context.scim('POST', '/Users', { token, body: oktaUser('limits@example.com') })).body;
  const ops = Array.from({ length: 51 }, () => ({ op: 'replace', path: 'title', value: 'x' }));
  scimError(
    t,
    await t.context.scim('PATCH', `/Users/${user.id}`, { token, body: patchOp(...ops) }),
    400,
    'tooMany',
  );
  const members = Array.from({ length: 101 }, (_, i) => ({
    value: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
  }));
  scimError(
    t,
    await t.context.scim('POST', '/Groups', { token, body: { displayName: 'Big', members } }),
    400,
    'tooMany',
  );
  scimError(
    t,
    await t.context.scim('POST', '/Users', { token, body: oktaUser(`${'x'.repeat(600)}@example.com`) }),
    400,
    'invalidValue',
  );
  scimError(
    t,
    await t.context.scim('POST', '/Users', {
      token,
      body: oktaUser('title@example.com', { title: 'x'.repeat(5000) }),
    }),
    400,
    'invalidValue',
  );
  const emails = Array.from({ length: 101 }, (_, i) => ({ value: `e${i}@example.com`, type: 'other' }));
  scimError(
    t,
    await t.context.scim('POST', '/Users', { token, body: { userName: 'many@example.com', emails } }),
    400,
    'tooMany',
  );
  scimError(
    t,
    await t.context.scim('POST', '/Users', {
      token,
      body: { userName: 'big@example.com', custom: 'x'.repeat(70_000) },
    }),
    400,
    'invalidValue',
  );
  // Nothing was created by any of these.
  t.is((await t.context.scim('GET', '/Users?count=0', { token })).body.totalResults, 1);
});

test('nothing a client sends can pollute an object prototype', async (t) => {
  const { token } = await t.context.tenant();
  const user = (await t.context.scim('POST', '/Users', { token, body: oktaUser('proto@example.com') })).body;
  const attempts = [
    t.context.scim('POST', '/Users', {
      token,
      body: '{"userName":"p1@example.com","__proto__":{"polluted":1}}',
    }),
    t.context.scim('POST', '/Users', {
      token,
      body: '{"userName":"p2@example.com","constructor":{"prototype":{"polluted":1}}}',
    }),
    t.context.scim('PATCH', `/Users/${user.id}`, {
      token,
      body: patchOp({ op: 'add', path: '__proto__.polluted', value: 1 }),
    }),
    t.context.scim('PATCH', `/Users/${user.id}`, {
      token,
      body: patchOp({ op: 'add', path: 'constructor.prototype.polluted', value: 1 }),
    }),
    t.context.scim('PATCH', `/Users/${user.id}`, {
      token,
      body: '{"Operations":[{"op":"add","value":{"__proto__":{"polluted":1}}}]}',
    }),
    t.context.scim('PATCH', `/Users/${user.id}`, {
      token,
      body: patchOp({ op: 'add', path: 'emails[type eq "x"].__proto__', value: 1 }),
    }),
  ];
  for (const res of await Promise.all(attempts)) {
    t.true(res.status === 400, JSON.stringify(res.body));
    t.true(['invalidPath', 'invalidValue', 'invalidSyntax'].includes(res.body.scimType), res.body.scimType);
  }
  t.is(({} as Record<string, unknown>).polluted, undefined);
  t.is(Object.prototype.hasOwnProperty.call(Object.prototype, 'polluted'), false);
});

test('a client that trickles its headers is cut off; the others keep being served', async (t) => {
  // Well past the 1.5 s headers timeout and short of the 30 s request timeout, which would also end it.
  t.timeout(20_000, 'the slow connection was not closed');
  const { token } = await t.context.tenant();
  const url = new URL(t.context.base);
  const socket = net.connect(Number(url.port), url.hostname);
  // The event, not a time: the server's headers timeout (1.5 s, checked every second) ends it.
  const closed = new Promise<void>((resolve) => {
    socket.on('close', () => resolve());
    socket.on('error', () => resolve());
  });
  socket.write('GET /api/v1/scim/v2/Users HTTP/1.1\r\nHost: x\r\n');
  const trickle = setInterval(() => socket.write('X-Slow: 1\r\n'), 200);
  try {
    for (let i = 0; i < 5; i++) t.is((await t.context.scim('GET', '/Users?count=1', { token })).status, 200);
    await closed;
    t.pass('the slow connection was closed');
  } finally {
    clearInterval(trickle);
    socket.destroy();
  }
});
