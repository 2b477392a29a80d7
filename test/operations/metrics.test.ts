import type { AddressInfo } from 'node:net';
import test from 'ava';
import { registry as gatewayRegistry } from '../../gateway/src/metrics.js';
import { serveMetrics } from '../../services/shared/metrics-server.js';
import { startGateway } from '../helpers/gateway.js';

test('the SCIM port serves no /metrics: a SCIM 404 like any unknown path, tenant ids nowhere', async (t) => {
  const gateway = await startGateway();
  try {
    const { token, tenantId } = await gateway.tenant();
    t.is((await gateway.scim('GET', '/Users/no-such-id', { token })).status, 404);
    // Precondition: the registry does hold the tenant id that must not leak.
    t.true((await gatewayRegistry.metrics()).includes(tenantId));
    const root = gateway.base.replace('/api/v1/scim/v2', '');
    for (const path of ['/metrics', '/api/v1/scim/v2/metrics']) {
      const res = await fetch(`${root}${path}`, { headers: { Authorization: `Bearer ${token}` } });
      t.is(res.status, 404, path);
      t.regex(res.headers.get('content-type') ?? '', /^application\/scim\+json/, path);
      const body = (await res.json()) as { schemas: string[]; status: string };
      t.deepEqual(body.schemas, ['urn:ietf:params:scim:api:messages:2.0:Error']);
      t.is(body.status, '404');
      t.false(JSON.stringify(body).includes(tenantId));
    }
  } finally {
    await gateway.close();
  }
});

test('serveMetrics: GET /metrics on its own listener, 404 elsewhere, and a taken address fails the start', async (t) => {
  const server = await serveMetrics('127.0.0.1:0', gatewayRegistry);
  try {
    const { port } = server.address() as AddressInfo;
    const res = await fetch(`http://127.0.0.1:${port}/metrics`);
    t.is(res.status, 200);
    t.regex(await res.text(), /wizer_gateway_http_requests_total/);
    t.is((await fetch(`http://127.0.0.1:${port}/`)).status, 404);
    await t.throwsAsync(serveMetrics(`127.0.0.1:${port}`, gatewayRegistry), { message: /EADDRINUSE/ });
  } finally {
    await new Promise((r) => server.close(r));
  }
});
