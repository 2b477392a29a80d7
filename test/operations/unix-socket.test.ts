import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { freePort, runTs, spawnTs, type Spawned } from '../helpers/processes.js';

const quiet = { METRICS_ADDRESS: 'off', GATEWAY_METRICS_ADDRESS: 'off' };

test("a co-located directory on a Unix domain socket: the gateway, the CLI and the console reach it, the socket is its owner's only, a stale socket file is no obstacle, a live one or another file is", async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wizer-uds-'));
  const socket = path.join(dir, 'directory.sock');
  const shared = { DATABASE_URL: `sqlite:${path.join(dir, 'w.db')}`, DIRECTORY_ADDRESS: `unix:${socket}` };
  const port = await freePort();
  const processes: Spawned[] = [];
  const start = (entry: string, env: Record<string, string> = {}) => {
    const p = spawnTs(entry, [], { ...shared, ...quiet, ...env });
    processes.push(p);
    return p;
  };
  try {
    // A path that is not a socket is refused, and kept.
    fs.writeFileSync(socket, 'not a socket');
    const refused = start('services/directory/src/main.ts');
    t.not(await refused.exited(), 0);
    t.regex(refused.output(), /directory\.sock exists and is not a socket/);
    t.is(fs.readFileSync(socket, 'utf8'), 'not a socket');
    fs.rmSync(socket);

    // A directory killed outright leaves its socket file behind; the next one starts anyway.
    const killed = start('services/directory/src/main.ts');
    await killed.waitFor(/directory listening/, 60_000);
    killed.child.kill('SIGKILL');
    await killed.exited();
    t.true(fs.statSync(socket).isSocket(), 'precondition: the killed directory left its socket file');
    const directory = start('services/directory/src/main.ts');
    await directory.waitFor(/directory listening/, 60_000);
    t.true(fs.statSync(socket).isSocket());
    t.is(fs.statSync(socket).mode & 0o777, 0o600, 'only the owner may connect');

    // A second directory on the same live socket stops with the one-line "in use" answer.
    const second = start('services/directory/src/main.ts');
    t.not(await second.exited(), 0);
    t.regex(second.output(), /the directory's socket unix:.*directory\.sock is already in use/);
    t.true(fs.statSync(socket).isSocket(), 'the first directory keeps its socket');

    const gateway = start('gateway/src/main.ts', { PORT: String(port) });
    await gateway.waitFor(/gateway listening/, 60_000);
    const created = await runTs(
      'scripts/admin.ts',
      ['tenants', 'create', '--name', 'Socket', '--json'],
      shared,
    );
    t.is(created.code, 0, created.output);
    const { token } = JSON.parse(created.output) as { token: string };
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/scim/v2/Users`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json' },
      body: JSON.stringify({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: 'ada@socket.example',
      }),
    });
    t.is(res.status, 201, await res.text());

    // The operator console reaches the directory over the same socket: an operator added with the
    // CLI signs in (the console asks the directory) and is sent on with a session.
    const added = await runTs(
      'scripts/admin.ts',
      ['operators', 'add', '--name', 'ada', '--role', 'viewer', '--json'],
      shared,
    );
    t.is(added.code, 0, added.output);
    const { password } = JSON.parse(added.output) as { password: string };
    const consolePort = await freePort();
    const consoleUrl = `http://127.0.0.1:${consolePort}`;
    const console = start('services/console/src/main.ts', { CONSOLE_ADDRESS: `127.0.0.1:${consolePort}` });
    await console.waitFor(/console listening/, 60_000);
    const signIn = await fetch(`${consoleUrl}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { Origin: consoleUrl, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ name: 'ada', password }).toString(),
    });
    t.is(signIn.status, 303, await signIn.text());
    t.truthy(signIn.headers.get('set-cookie'), 'a session was opened');
  } finally {
    for (const p of processes.reverse()) p.child.kill('SIGTERM');
    await Promise.all(processes.map((p) => p.exited()));
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
