import type { AddressInfo } from 'node:net';
import test from 'ava';
import { buildApp } from '../../gateway/src/app.js';
import { connectDirectory } from '@wizer/directory-client';
import { startGateway } from '../helpers/gateway.js';
import { oktaUser } from '../helpers/gateway.js';
import { freePort } from '../helpers/processes.js';
import { silentLogger } from '../helpers/directory.js';

test('/healthz is alive; /readyz follows the directory', async (t) => {
  const deadAddress = `127.0.0.1:${await freePort()}`;
  const clients = connectDirectory(deadAddress, { actor: 'test', deadlineMs: 500 });
  const app = buildApp({
    directory: clients,
    limits: { defaultCount: 100, maxCount: 1000 },
    bodyLimit: 1024,
    logger: silentLogger,
  });
  const server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  t.is((await fetch(`${base}/healthz`)).status, 200);
  const notReady = await fetch(`${base}/readyz`);
  t.is(notReady.status, 503);
  await new Promise((r) => server.close(r));
  clients.close();

  const live = await startGateway();
  t.is((await fetch(live.base.replace('/api/v1/scim/v2', '/readyz'))).status, 200);
  await live.close();
});

test('behind a TLS-terminating proxy: forwarded headers are used only when trusted', async (t) => {
  for (const trustProxy of [false, true]) {
    const fixture = await startGateway();
    const app = buildApp({
      directory: fixture.gatewayClients,
      limits: { defaultCount: 100, maxCount: 1000 },
      bodyLimit: 1 << 20,
      trustProxy,
      logger: silentLogger,
    });
    const server = app.listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const { token } = await fixture.tenant();
    const res = await fetch(
      `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v1/scim/v2/Users`,
      {
        method: 'POST',
        headers: {
          Authorization: `Bearer ${token}`,
          'Content-Type': 'application/scim+json',
          'X-Forwarded-Proto': 'https',
          'X-Forwarded-Host': 'api.wizer-training.com',
        },
        body: JSON.stringify(oktaUser('proxy@example.com')),
      },
    );
    const location = res.headers.get('location') ?? '';
    if (trustProxy)
      t.true(location.startsWith('https://api.wizer-training.com/api/v1/scim/v2/Users/'), location);
    else t.true(location.startsWith('http://127.0.0.1:'), location);
    await new Promise((r) => server.close(r));
    await fixture.close();
  }
});
