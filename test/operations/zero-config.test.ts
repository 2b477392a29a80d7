import { status, type ServiceError } from '@grpc/grpc-js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { connectDirectory } from '@wizer/directory-client';
import { freePort, runTs, spawnTs, type Spawned } from '../helpers/processes.js';

test('start:directory and start:gateway with only DATABASE_URL, DIRECTORY_ADDRESS and PORT: credentials made locally, the CLI finds them, strangers are refused', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wizer-zero-'));
  const [grpc, port] = [await freePort(), await freePort()];
  const shared = { DATABASE_URL: `sqlite:${path.join(dir, 'w.db')}`, DIRECTORY_ADDRESS: `127.0.0.1:${grpc}` };
  // Only the metrics listeners are turned off, so parallel test files do not collide on their ports.
  const quiet = { METRICS_ADDRESS: 'off', GATEWAY_METRICS_ADDRESS: 'off' };
  const processes: Spawned[] = [];
  const stranger = connectDirectory(shared.DIRECTORY_ADDRESS, { actor: 'admin', deadlineMs: 5000 });
  try {
    const directory = spawnTs('services/directory/src/main.ts', [], { ...shared, ...quiet });
    processes.push(directory);
    await directory.waitFor(/directory listening/);
    t.regex(directory.output(), /issued local service credentials/);

    const file = path.join(dir, 'directory-credentials.json');
    t.is(fs.statSync(file).mode & 0o777, 0o600, 'the credentials file is readable by its owner only');
    const written = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, string>;
    t.regex(written.admin!, /^wzr_svc_/);
    t.regex(written.gateway!, /^wzr_svc_/);

    const gateway = spawnTs('gateway/src/main.ts', [], { ...shared, ...quiet, PORT: String(port) });
    processes.push(gateway);
    await gateway.waitFor(/gateway listening/);

    const created = await runTs(
      'scripts/admin.ts',
      ['tenants', 'create', '--name', 'Zero', '--json'],
      shared,
    );
    t.is(created.code, 0, created.output);
    const { tenantId, token } = JSON.parse(created.output) as { tenantId: string; token: string };
    t.regex(tenantId, /^[0-9a-f-]{36}$/);
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/scim/v2/Users?startIndex=1&count=2`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    t.is(res.status, 200, 'the gateway reached the directory with the local gateway credential');

    // Finding 1 of the review, replayed against the real process: no credential, no data.
    const refused = await stranger.admin.listTenants({}).then(
      () => undefined,
      (e: ServiceError) => e.code,
    );
    t.is(refused, status.UNAUTHENTICATED);

    // A restart keeps the credentials it wrote (the gateway's keeps working).
    directory.child.kill('SIGTERM');
    t.is(await directory.exited(), 0);
    const again = spawnTs('services/directory/src/main.ts', [], { ...shared, ...quiet });
    processes.push(again);
    await again.waitFor(/directory listening/);
    t.notRegex(again.output(), /issued local service credentials/);
    t.deepEqual(JSON.parse(fs.readFileSync(file, 'utf8')), written);

    for (const p of processes)
      t.false(
        p.output().includes(written.admin!) || p.output().includes(written.gateway!),
        'no secret logged',
      );
  } finally {
    stranger.close();
    for (const p of processes) if (p.child.exitCode === null) p.child.kill('SIGTERM');
    await Promise.all(processes.map((p) => p.exited()));
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
