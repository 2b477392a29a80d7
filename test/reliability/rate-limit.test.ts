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

test('one tenant flooding gets 429 with an integer Retry-After; a neighbour is served; malformed tokens never reach the directory', async (t) => {
  const fixture = await startGateway({ rateLimits: { default: { rps: 20, burst: 20 }, tenants: {} } });
  try {
    const flooder = await fixture.tenant('Flooder');
    const neighbour = await fixture.tenant('Neighbour');
    const flood = await Promise.all(
      Array.from({ length: 120 }, () => fixture.scim('GET', '/Users?count=1', { token: flooder.token })),
    );
    const limited = flood.filter((r) => r.status === 429);
    // A burst of 20, refilling at 20/s while the flood lasts: most of the 120 are refused.
    const ok = flood.filter((r) => r.status === 200).length;
    t.true(limited.length >= 60, `${limited.length} of 120 limited`);
    t.true(ok >= 20, `${ok} served`);
    t.is(ok + limited.length, 120);
    for (const res of limited.slice(0, 5)) {
      t.regex(res.headers.get('retry-after') ?? '', /^\d+$/);
      t.is(res.body.status, '429');
      t.deepEqual(res.body.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error']);
    }
    const served = await Promise.all(
      Array.from({ length: 10 }, () => fixture.scim('GET', '/Users?count=1', { token: neighbour.token })),
    );
    t.deepEqual([...new Set(served.map((r) => r.status))], [200]);

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
