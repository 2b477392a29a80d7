import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { freePort, runTs, spawnTs } from '../helpers/processes.js';

const lines = (output: string) => output.trim().split('\n');

test('a second instance on the same ports fails fast: one line naming the taken port, exit 1, nothing that looks like success; the first keeps serving', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wizer-second-'));
  const [port, grpc, metrics, gatewayMetrics] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const env = {
    DATABASE_URL: `sqlite:${path.join(dir, 'w.db')}`,
    // The console too, on a port of its own (npm start runs it).
    CONSOLE_ADDRESS: '127.0.0.1:0',
    PORT: String(port),
    DIRECTORY_ADDRESS: `127.0.0.1:${grpc}`,
    METRICS_ADDRESS: `127.0.0.1:${metrics}`,
    GATEWAY_METRICS_ADDRESS: `127.0.0.1:${gatewayMetrics}`,
  };
  const first = spawnTs('scripts/start.ts', [], env);
  try {
    const [, token] = await first.waitFor(/shown this once:\s+(wzr_scim_\S+)/);
    const users = `http://127.0.0.1:${port}/api/v1/scim/v2/Users?count=1`;
    const headers = { Authorization: `Bearer ${token}` };
    t.is((await fetch(users, { headers })).status, 200, 'precondition: the first instance serves');

    // npm start again: refused before it spawns anything.
    const second = await runTs('scripts/start.ts', [], env);
    t.is(second.code, 1);
    t.deepEqual(lines(second.output), [
      `the directory's port 127.0.0.1:${grpc} is already in use — is another instance running?`,
    ]);
    t.notRegex(second.output, /Wizer SCIM base URL|Tenants:/);

    // Each service alone (npm run start:directory / start:gateway): the same one line.
    const directory = await runTs('services/directory/src/main.ts', [], env);
    t.is(directory.code, 1);
    t.deepEqual(lines(directory.output), [
      `the directory's port 127.0.0.1:${grpc} is already in use — is another instance running?`,
    ]);
    const directoryMetrics = await runTs('services/directory/src/main.ts', [], {
      ...env,
      DIRECTORY_ADDRESS: `127.0.0.1:${await freePort()}`,
    });
    t.is(directoryMetrics.code, 1);
    t.deepEqual(lines(directoryMetrics.output), [
      `the directory's metrics port 127.0.0.1:${metrics} is already in use — is another instance running?`,
    ]);
    const gateway = await runTs('gateway/src/main.ts', [], { ...env, GATEWAY_METRICS_ADDRESS: 'off' });
    t.is(gateway.code, 1);
    t.deepEqual(lines(gateway.output), [
      `the gateway's port 127.0.0.1:${port} is already in use — is another instance running?`,
    ]);
    const gatewayMetricsTaken = await runTs('gateway/src/main.ts', [], {
      ...env,
      PORT: String(await freePort()),
    });
    t.is(gatewayMetricsTaken.code, 1);
    t.deepEqual(lines(gatewayMetricsTaken.output), [
      `the gateway's metrics port 127.0.0.1:${gatewayMetrics} is already in use — is another instance running?`,
    ]);

    t.is(first.child.exitCode, null, 'the first instance still runs');
    t.is((await fetch(users, { headers })).status, 200, 'and still serves');
  } finally {
    first.child.kill('SIGTERM');
    await first.exited();
    fs.rmSync(dir, { recursive: true, force: true });
  }
  t.is(first.child.exitCode, 0);
});
