import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import { buildApp } from '../../gateway/src/app.js';
import { rejectionLog } from '../../gateway/src/errors/rejection-log.js';
import { OKTA_HEADERS, oktaUser, startGateway } from '../helpers/gateway.js';
import { silentLogger } from '../helpers/directory.js';
import { fullLog } from '../helpers/watch.js';

test('a flood of 404s from one tenant writes a bounded number of events; a distinct rejection still appears', async (t) => {
  const fixture = await startGateway();
  // The fixture's directory and gateway credentials, with a gateway whose rejection log has a hand-moved clock.
  let now = 1_000_000;
  const rejections = rejectionLog(fixture.gatewayClients, {
    limits: { rps: 10, burst: 50, windowMs: 60_000 },
    now: () => now,
    logger: silentLogger,
  });
  const app = buildApp({
    directory: fixture.gatewayClients,
    rejections,
    rateLimits: { default: { rps: 1e6, burst: 1e6 }, tenants: {} },
    bodyLimit: 1 << 20,
    logger: silentLogger,
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/scim/v2`;
  try {
    const noisy = await fixture.tenant('Noisy');
    const quiet = await fixture.tenant('Quiet');
    const send = (token: string, method: string, path: string, body?: unknown) =>
      fetch(`${base}${path}`, {
        method,
        headers: { ...OKTA_HEADERS, Authorization: `Bearer ${token}` },
        body: body === undefined ? undefined : JSON.stringify(body),
      }).then((r) => r.status);
    const flood = async (paths: string[]) => {
      for (let i = 0; i < paths.length; i += 10)
        for (const status of await Promise.all(
          paths.slice(i, i + 10).map((p) => send(noisy.token, 'GET', p)),
        ))
          t.is(status, 404);
    };
    const sameId = randomUUID();
    await flood(Array.from({ length: 200 }, () => `/Users/${sameId}`));
    await flood(Array.from({ length: 300 }, () => `/Users/${randomUUID()}`));
    // Okta creating a user that exists: the question support gets is "why is Dana missing?".
    t.is(await send(noisy.token, 'POST', '/Users', oktaUser('dana@example.com')), 201);
    t.is(await send(noisy.token, 'POST', '/Users', oktaUser('Dana@example.com')), 409);
    t.is(await send(quiet.token, 'GET', `/Users/${sameId}`), 404);

    const rejected = async (tenantId: string) =>
      (await fullLog(fixture.clients, tenantId)).filter((e) => e.kind === 'request.rejected');
    const logged = await rejected(noisy.tenantId);
    // 501 rejections: the first of the 200 identical ones, then distinct ones up to the burst of 50,
    // and the 409 (a budget of its own).
    t.is(logged.length, 51);
    t.is(logged.filter((e) => e.resourceId === sameId).length, 1);
    const dana = logged.find((e) => e.resourceName === 'Dana@example.com');
    t.like(dana, { resourceType: 'user' });
    t.like(dana?.after, { status: 409, scimType: 'uniqueness' });
    t.is((await rejected(quiet.tenantId)).length, 1, 'another tenant’s rejection is logged');

    // When the window closes, what was only counted is written as summaries.
    now += 60_000;
    await rejections.flush();
    const after = await rejected(noisy.tenantId);
    t.is(after.length, 53);
    const summaries = after.filter((e) => Number(e.after?.repeats) > 0);
    t.deepEqual(
      summaries.map((e) => Number(e.after?.repeats)).sort((a, b) => a - b),
      [199, 251],
    );
    t.true(
      summaries.some((e) => e.resourceId === sameId && /^199 more like this \(404 on GET /.test(e.reason)),
    );
    t.true(summaries.some((e) => /^251 more rejection\(s\) within 60 s .*404 ×251/.test(e.reason)));
  } finally {
    await new Promise((r) => server.close(r));
    await fixture.close();
  }
});
