import test from 'ava';
import { ScimError } from '../../gateway/src/errors/scim-error.js';
import { rateLimit } from '../../gateway/src/rate-limit.js';
import { registry } from '../../services/directory/src/metrics.js';
import { startGateway } from '../helpers/gateway.js';

test('the token bucket: per-tenant overrides, refill over time, other tenants untouched', async (t) => {
  let now = 0;
  const limiter = rateLimit(
    { default: { rps: 100, burst: 100 }, tenants: { small: { rps: 1, burst: 2 } } },
    () => now,
  );
  const call = (tenantId: string) =>
    limiter(
      { state: { caller: { tenantId, tokenId: 'k', actor: 'token:k' } } } as never,
      async () => {},
    ).then(
      () => 'ok',
      (e: ScimError) => `${e.status} retry-after ${e.headers['Retry-After']}`,
    );
  t.deepEqual(
    [await call('small'), await call('small'), await call('small')],
    ['ok', 'ok', '429 retry-after 1'],
  );
  t.is(await call('big'), 'ok');
  now += 1000;
  t.deepEqual([await call('small'), await call('small')], ['ok', '429 retry-after 1']);
});

test('one tenant flooding gets exactly its burst, then 429 with an integer Retry-After; a neighbour is served; the clock refills exactly', async (t) => {
  // The gateway's clock stands still unless the test moves it, so the counts below hold on any machine.
  let now = 0;
  const fixture = await startGateway({
    rateLimits: { default: { rps: 20, burst: 20 }, tenants: {} },
    clock: () => now,
  });
  try {
    const flooder = await fixture.tenant('Flooder');
    const neighbour = await fixture.tenant('Neighbour');
    const burst = (token: string, n: number) =>
      Promise.all(Array.from({ length: n }, () => fixture.scim('GET', '/Users?count=1', { token })));
    const statuses = (responses: { status: number }[]) =>
      responses.reduce<Record<number, number>>((n, r) => ({ ...n, [r.status]: (n[r.status] ?? 0) + 1 }), {});

    // A burst of 20 plus 10: exactly 20 served, exactly 10 refused.
    const flood = await burst(flooder.token, 30);
    t.deepEqual(statuses(flood), { 200: 20, 429: 10 });
    for (const res of flood.filter((r) => r.status === 429)) {
      // 1 token at 20/s is 50 ms away, rounded up to whole seconds (RFC 9110 §10.2.3).
      t.is(res.headers.get('retry-after'), '1');
      t.is(res.body.status, '429');
      t.deepEqual(res.body.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error']);
    }
    t.deepEqual(statuses(await burst(flooder.token, 5)), { 429: 5 }, 'no time passed, nothing refilled');
    t.deepEqual(statuses(await burst(neighbour.token, 20)), { 200: 20 }, 'the neighbour has its own bucket');

    // Half a second at 20/s refills exactly 10 tokens.
    now += 500;
    t.deepEqual(statuses(await burst(flooder.token, 13)), { 200: 10, 429: 3 });
    // A long pause refills up to the burst, never beyond it.
    now += 60_000;
    t.deepEqual(statuses(await burst(flooder.token, 25)), { 200: 20, 429: 5 });

    // Malformed tokens are refused by the gateway alone: no AuthenticateToken call reaches the directory.
    const calls = async () => {
      const text = await registry.getSingleMetricAsString('wizer_directory_grpc_requests_total');
      return [...text.matchAll(/method="AdminService\/AuthenticateToken",code="\w+"\} (\d+)/g)].reduce(
        (n, m) => n + Number(m[1]),
        0,
      );
    };
    const before = await calls();
    t.true(before > 0, 'the counter sees the calls made so far');
    const bad = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        fixture.scim('GET', '/Users', { auth: `Bearer not-a-token-${i}` }),
      ),
    );
    t.deepEqual([...new Set(bad.map((r) => r.status))], [401]);
    t.deepEqual(await calls(), before);
  } finally {
    await fixture.close();
  }
});
