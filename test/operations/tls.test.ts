import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { ChangeFeed } from '../../services/directory/src/domain/context.js';
import { issueServiceCredential } from '../../services/directory/src/domain/service-credentials.js';
import { buildServer } from '../../services/directory/src/server.js';
import { openDatabase } from '../../services/directory/src/store/db.js';
import { clientCredentials, connectDirectory } from '@wizer/directory-client';
import { serverCredentials } from '../../services/directory/tls.js';
import { buildApp } from '../../gateway/src/app.js';
import { silentLogger } from '../helpers/directory.js';

/** A CA, and certificates it signs for 127.0.0.1 (server) and for the gateway (client), made by openssl. */
function makeCertificates(dir: string) {
  const run = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'ca.key',
    '-out',
    'ca.pem',
    '-days',
    '1',
    '-subj',
    '/CN=Wizer Test CA',
  );
  for (const [name, ext] of [
    ['server', 'subjectAltName=IP:127.0.0.1,DNS:localhost'],
    ['client', 'extendedKeyUsage=clientAuth'],
  ] as const) {
    run(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      `/CN=${name}`,
    );
    fs.writeFileSync(path.join(dir, `${name}.ext`), `${ext}\n`);
    run(
      'x509',
      '-req',
      '-in',
      `${name}.csr`,
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      `${name}.pem`,
      '-days',
      '1',
      '-extfile',
      `${name}.ext`,
    );
  }
  const f = (name: string) => path.join(dir, name);
  return {
    ca: f('ca.pem'),
    serverCert: f('server.pem'),
    serverKey: f('server.key'),
    clientCert: f('client.pem'),
    clientKey: f('client.key'),
  };
}

function get(
  url: string,
  ca: Buffer,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    https
      .get(url, { ca, headers }, (res) => {
        let body = '';
        res.on('data', (c) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
      .on('error', reject);
  });
}

test('HTTPS on the gateway and mutual TLS between gateway and directory; the certificate stands for the gateway role', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wizer-tls-'));
  const certs = makeCertificates(dir);
  const db = await openDatabase(`sqlite:${path.join(dir, 'd.db')}`);
  const feed = new ChangeFeed();
  const { secret: adminSecret } = await issueServiceCredential({ db, feed }, { name: 'ops', role: 'admin' });
  // The client certificate (CN=client) is the gateway: no bearer credential needed on that channel.
  const { server } = buildServer({ db, feed }, silentLogger, {
    certificateRoles: { client: { role: 'gateway' } },
  });
  const grpcPort = await new Promise<number>((res, rej) =>
    server.bindAsync(
      '127.0.0.1:0',
      serverCredentials({ cert: certs.serverCert, key: certs.serverKey, clientCa: certs.ca }),
      (e, p) => (e ? rej(e) : res(p)),
    ),
  );
  const address = `127.0.0.1:${grpcPort}`;
  const mtls = clientCredentials({ ca: certs.ca, cert: certs.clientCert, key: certs.clientKey });
  // As the gateway runs: its requests over the multiplexed channel, authenticated by the certificate.
  const withCert = connectDirectory(address, {
    actor: 'service:scim-gateway',
    credentials: mtls,
    multiplex: { streams: 1 },
  });
  const adminWithCert = connectDirectory(address, {
    actor: 'admin',
    credentials: mtls,
    credential: adminSecret,
  });
  const withoutCert = connectDirectory(address, {
    actor: 'admin',
    deadlineMs: 2000,
    credentials: clientCredentials({ ca: certs.ca }),
    credential: adminSecret,
  });
  const plaintext = connectDirectory(address, { actor: 'admin', deadlineMs: 2000, credential: adminSecret });
  try {
    const denied = await withCert.admin.createTenant({ name: 'x' }).then(
      () => undefined,
      (e: { code: number }) => e.code,
    );
    t.is(denied, 7, 'the certificate is the gateway role, which may not create tenants (PERMISSION_DENIED)');
    const tenant = await adminWithCert.admin.createTenant({ name: 'TLS' });
    const { token } = await adminWithCert.admin.issueToken({
      tenantId: tenant.id,
      description: '',
      expiresAt: undefined,
    });
    await t.throwsAsync(
      withoutCert.admin.listTenants({}),
      undefined,
      'mTLS refuses a client without a certificate',
    );
    await t.throwsAsync(plaintext.admin.listTenants({}), undefined, 'and a plaintext client');

    const app = buildApp({
      directory: withCert,
      limits: { defaultCount: 100, maxCount: 1000 },
      bodyLimit: 1 << 20,
      logger: silentLogger,
    });
    const handle = app.callback();
    const web = https.createServer(
      { cert: fs.readFileSync(certs.serverCert), key: fs.readFileSync(certs.serverKey) },
      (req, res) => void handle(req, res),
    );
    await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
    const base = `https://127.0.0.1:${(web.address() as AddressInfo).port}/api/v1/scim/v2`;
    const ca = fs.readFileSync(certs.ca);
    const res = await get(`${base}/Users?startIndex=1&count=2`, ca, { Authorization: `Bearer ${token}` });
    t.is(res.status, 200);
    t.is(JSON.parse(res.body).totalResults, 0);
    await t.throwsAsync(
      get(`${base}/Users`, Buffer.from('')),
      undefined,
      'an untrusted certificate is refused by the client',
    );
    await new Promise((r) => web.close(r));
  } finally {
    for (const c of [withCert, adminWithCert, withoutCert, plaintext]) c.close();
    server.forceShutdown();
    await db.close();
  }
});
