import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { connectDirectory, query, targetFor } from '@wizer/directory-client';
import { startDirectory } from '../helpers/directory.js';

test('targetFor: one address as given, a list of replicas as an ipv4/ipv6 target', (t) => {
  t.is(targetFor('directory.internal:50051'), 'directory.internal:50051');
  t.is(targetFor(' unix:/run/wizer/directory.sock '), 'unix:/run/wizer/directory.sock');
  t.is(targetFor('10.0.0.5:50051, 10.0.0.6:50051'), 'ipv4:10.0.0.5:50051,10.0.0.6:50051');
  t.is(targetFor('[::1]:50051,[::2]:50051'), 'ipv6:[::1]:50051,[::2]:50051');
});

test('the client reaches a directory over a unix socket (`unix:/path`); health answers without a credential', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wizer-unix-'));
  const socket = path.join(dir, 'directory.sock');
  const directory = await startDirectory(undefined, { address: `unix:${socket}` });
  const anonymous = connectDirectory(`unix:${socket}`, { actor: 'service:test' });
  const admin = connectDirectory(`unix:${socket}`, {
    actor: 'service:test',
    credential: directory.credentials.admin,
  });
  try {
    t.true(await anonymous.serving(30_000));
    const tenant = await admin.admin.createTenant({ name: 'Over a socket' });
    const users = await admin.directory.listUsers({
      tenantId: tenant.id,
      query: query(),
      withoutMemberships: true,
    });
    t.deepEqual(users.users, []);
  } finally {
    anonymous.close();
    admin.close();
    await directory.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
