import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connectDirectory } from '@wizer/directory-client';
import { credentialFromEnv } from '../../services/directory/credentials-file.js';
import { fullLog, watchAll } from '../helpers/watch.js';
import { freshDatabase } from '../helpers/database.js';
import { oktaUser, patchOp } from '../helpers/gateway.js';
import { freePort, spawnTs, type Spawned } from '../helpers/processes.js';

/**
 * Two directory processes and two gateway processes on one PostgreSQL database,
 * with Okta-shaped provisioning spread over both gateways.
 */
test('scale-out: no duplicate, no lost or phantom membership, and a watcher on one replica sees every change once', async (t) => {
  const database = await freshDatabase('postgres');
  const processes: Spawned[] = [];
  const clients: ReturnType<typeof connectDirectory>[] = [];
  try {
    const [d1, d2, g1, g2] = [await freePort(), await freePort(), await freePort(), await freePort()];
    // PostgreSQL has no default credentials file: name one that both replicas and gateways share.
    const credentialsFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'wizer-scale-')), 'creds.json');
    const directoryEnv = (port: number) => ({
      DATABASE_URL: database.url,
      DIRECTORY_CREDENTIALS_FILE: credentialsFile,
      DIRECTORY_ADDRESS: `127.0.0.1:${port}`,
      METRICS_ADDRESS: 'off',
      // info: a replica that does not come up says how far it got.
      LOG_LEVEL: 'info',
    });
    const dirs = [
      spawnTs('services/directory/src/main.ts', [], directoryEnv(d1)),
      spawnTs('services/directory/src/main.ts', [], directoryEnv(d2)),
    ];
    processes.push(...dirs);
    const admin = credentialFromEnv({ DIRECTORY_CREDENTIALS_FILE: credentialsFile }, 'admin');
    const replica1 = connectDirectory(`127.0.0.1:${d1}`, { actor: 'admin', credential: admin });
    const replica2 = connectDirectory(`127.0.0.1:${d2}`, { actor: 'admin', credential: admin });
    clients.push(replica1, replica2);
    // Each replica says when it listens (or exits, and the wait fails with its output): a signal,
    // not a deadline, since a busy 2-core machine compiles and migrates two replicas slowly.
    await Promise.all(dirs.map((dir) => dir.waitFor(/directory listening/, Infinity)));
    for (const replica of [replica1, replica2]) t.true(await replica.serving(30_000), 'a replica serves');
    // Gateway A balances over both replicas; gateway B talks to replica 2 only.
    const gateways = [
      spawnTs('gateway/src/main.ts', [], {
        PORT: String(g1),
        GATEWAY_METRICS_ADDRESS: 'off',
        DIRECTORY_ADDRESS: `127.0.0.1:${d1},127.0.0.1:${d2}`,
        DIRECTORY_CREDENTIALS_FILE: credentialsFile,
        LOG_LEVEL: 'warn',
      }),
      spawnTs('gateway/src/main.ts', [], {
        PORT: String(g2),
        GATEWAY_METRICS_ADDRESS: 'off',
        DIRECTORY_ADDRESS: `127.0.0.1:${d2}`,
        DIRECTORY_CREDENTIALS_FILE: credentialsFile,
        LOG_LEVEL: 'warn',
      }),
    ];
    processes.push(...gateways);
    const bases = [g1, g2].map((p) => `http://127.0.0.1:${p}/api/v1/scim/v2`);
    for (const base of bases) {
      // Generous: on a busy 2-core machine two replicas compile, migrate and bind one after the other.
      const deadline = Date.now() + 60_000;
      for (;;) {
        const ok = await fetch(base.replace('/api/v1/scim/v2', '/readyz')).then(
          (r) => r.ok,
          () => false,
        );
        if (ok) break;
        if (Date.now() > deadline) throw new Error('a gateway did not start');
        await new Promise((r) => setTimeout(r, 200));
      }
    }

    const tenant = await replica1.admin.createTenant({ name: 'Scale' });
    const { token } = await replica1.admin.issueToken({
      tenantId: tenant.id,
      description: '',
      expiresAt: undefined,
    });
    const scim = async (i: number, method: string, path: string, body?: unknown) => {
      const res = await fetch(`${bases[i % 2]}${path}`, {
        method,
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json; charset=utf-8' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    };

    // A watcher on replica 1 from the start of the tenant's log.
    const watch = watchAll(replica1, tenant.id);

    // 1. Creates, each userName sent twice at once through both gateways in different case.
    const names = Array.from({ length: 30 }, (_, i) => `person.${i}@example.com`);
    const creates = await Promise.all(
      names.flatMap((name, i) => [
        scim(i, 'POST', '/Users', oktaUser(name)),
        scim(i + 1, 'POST', '/Users', oktaUser(name.toUpperCase())),
      ]),
    );
    t.is(creates.filter((r) => r.status === 201).length, 30);
    t.is(creates.filter((r) => r.status === 409).length, 30);
    const ids = creates.filter((r) => r.status === 201).map((r) => r.body.id as string);

    // 2. A group push with concurrent member adds (gateway A) and removes (gateway B).
    const group = (
      await scim(0, 'POST', '/Groups', {
        displayName: 'Everyone',
        members: ids.slice(15).map((value) => ({ value })),
      })
    ).body;
    await Promise.all([
      ...ids
        .slice(0, 15)
        .map((id) =>
          scim(
            0,
            'PATCH',
            `/Groups/${group.id}`,
            patchOp({ op: 'add', path: 'members', value: [{ value: id }] }),
          ),
        ),
      ...ids
        .slice(15, 25)
        .map((id) =>
          scim(
            1,
            'PATCH',
            `/Groups/${group.id}`,
            patchOp({ op: 'remove', path: `members[value eq "${id}"]` }),
          ),
        ),
      scim(
        1,
        'PATCH',
        `/Groups/${group.id}`,
        patchOp({ op: 'replace', value: { id: group.id, displayName: 'Everyone' } }),
      ),
    ]);
    // 3. Deactivations through both gateways.
    await Promise.all(
      ids
        .slice(0, 10)
        .map((id, i) =>
          scim(i, 'PATCH', `/Users/${id}`, patchOp({ op: 'replace', value: { active: false } })),
        ),
    );

    const users = (await scim(1, 'GET', '/Users?count=1000')).body;
    t.is(users.totalResults, 30);
    t.is(
      new Set(users.Resources.map((u: { userName: string }) => u.userName.toLowerCase())).size,
      30,
      'no duplicate user',
    );
    t.is(users.Resources.filter((u: { active: boolean }) => !u.active).length, 10);
    const members = (await scim(0, 'GET', `/Groups/${group.id}`)).body.members
      .map((m: { value: string }) => m.value)
      .sort();
    t.deepEqual(members, [...ids.slice(0, 15), ...ids.slice(25)].sort(), 'no lost or phantom membership');

    // Every change, in the complete log, reached the watcher on replica 1 exactly once, in order.
    const log = await fullLog(replica2, tenant.id);
    const seen = await watch.stopAfter(log.length);
    t.true(log.length >= 90, `${log.length} events`);
    t.deepEqual(
      seen.map((e) => e.sequence),
      log.map((e) => e.sequence),
    );
  } finally {
    for (const c of clients) c.close();
    for (const p of processes) p.child.kill('SIGTERM');
    await Promise.all(processes.map((p) => p.exited()));
    await database.drop();
  }
});
