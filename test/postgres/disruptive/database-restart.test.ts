import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import knexFactory from 'knex';
import { connectDirectory } from '@wizer/directory-client';
import { credentialFromEnv } from '../../../services/directory/credentials-file.js';
import { freshDatabase, postgresServerUrl } from '../../helpers/database.js';
import { oktaUser } from '../../helpers/gateway.js';
import { freePort, spawnTs, type Spawned } from '../../helpers/processes.js';

/**
 * PostgreSQL restarted (`-m fast`: every session is terminated) while eight clients create
 * users through the gateway. Disruptive for anything else on that server: it runs in a pass
 * of its own, after the main PostgreSQL pass (ava.postgres-disruptive.config.js).
 */

const CLIENTS = 8;
/** The restart is triggered by the Nth acknowledged create, not by time. */
const RESTART_AFTER = 40;
/** Recovered: this many creates acknowledged after the server is back. */
const RECOVERED_AFTER = 3 * CLIENTS;

/** The command that restarts the server TEST_POSTGRES_URL names (Debian's pg_ctlcluster). */
async function restartCommand(server: string): Promise<[string, string[]]> {
  const knex = knexFactory({ client: 'pg', connection: server, pool: { min: 0, max: 1 } });
  try {
    const { rows } = await knex.raw<{ rows: { cluster_name: string }[] }>('SHOW cluster_name');
    const [version, cluster] = (rows[0]?.cluster_name ?? '').split('/');
    if (!version || !cluster)
      throw new Error(`cannot tell the cluster to restart (cluster_name is "${rows[0]?.cluster_name}")`);
    return ['pg_ctlcluster', ['--skip-systemctl-redirect', version, cluster, 'restart', '-m', 'fast']];
  } finally {
    await knex.destroy();
  }
}

async function postmasterStart(server: string): Promise<string> {
  const knex = knexFactory({ client: 'pg', connection: server, pool: { min: 0, max: 1 } });
  try {
    const { rows } = await knex.raw<{ rows: { at: string }[] }>(
      'SELECT pg_postmaster_start_time()::text AS at',
    );
    return rows[0]!.at;
  } finally {
    await knex.destroy();
  }
}

async function until(what: string, probe: () => Promise<boolean>, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`${what} did not start:\n${output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

interface Outcome {
  status: number;
  retryAfter: string | null;
  userName: string;
  id?: string;
}

test('PostgreSQL restarted under load: only 201 or 503 with Retry-After, nothing acknowledged is lost, creates succeed again, the directory logs one line per fault and no stack or SQL', async (t) => {
  const server = postgresServerUrl();
  if (!server) throw new Error('this suite needs TEST_POSTGRES_URL');
  const [command, args] = await restartCommand(server);
  const database = await freshDatabase('postgres');
  const processes: Spawned[] = [];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wizer-pg-restart-'));
  const credentialsFile = path.join(dir, 'creds.json');
  const [grpc, port] = [await freePort(), await freePort()];
  const admin = connectDirectory(`127.0.0.1:${grpc}`, {
    actor: 'admin',
    credential: credentialFromEnv({ DIRECTORY_CREDENTIALS_FILE: credentialsFile }, 'admin'),
  });
  let restart: Promise<unknown> | undefined;
  try {
    const directory = spawnTs('services/directory/src/main.ts', [], {
      DATABASE_URL: database.url,
      DIRECTORY_CREDENTIALS_FILE: credentialsFile,
      DIRECTORY_ADDRESS: `127.0.0.1:${grpc}`,
      METRICS_ADDRESS: 'off',
    });
    processes.push(directory);
    await until('the directory', () => admin.serving(500), directory.output);
    const gateway = spawnTs('gateway/src/main.ts', [], {
      PORT: String(port),
      DIRECTORY_ADDRESS: `127.0.0.1:${grpc}`,
      DIRECTORY_CREDENTIALS_FILE: credentialsFile,
      GATEWAY_METRICS_ADDRESS: 'off',
    });
    processes.push(gateway);
    const base = `http://127.0.0.1:${port}/api/v1/scim/v2`;
    await until(
      'the gateway',
      () =>
        fetch(base.replace('/api/v1/scim/v2', '/readyz')).then(
          (r) => r.ok,
          () => false,
        ),
      gateway.output,
    );
    const tenant = await admin.admin.createTenant({ name: 'Weather' });
    const { token } = await admin.admin.issueToken({
      tenantId: tenant.id,
      description: '',
      expiresAt: undefined,
    });
    const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json' };

    const startedAt = await postmasterStart(server);
    const outcomes: Outcome[] = [];
    let acknowledged = 0;
    let restarted = false;
    let recovered = 0;
    let stop = false;
    // A guard against a service that never recovers, not a measure: the test fails then.
    const giveUp = setTimeout(() => (stop = true), 90_000);
    const client = async (c: number) => {
      for (let i = 0; !stop; i++) {
        const userName = `c${c}.n${i}@example.com`;
        const res = await fetch(`${base}/Users`, {
          method: 'POST',
          headers,
          body: JSON.stringify(oktaUser(userName)),
        });
        const body = (await res.json()) as { id?: string };
        outcomes.push({
          status: res.status,
          retryAfter: res.headers.get('retry-after'),
          userName,
          id: body.id,
        });
        if (res.status !== 201) continue;
        if (++acknowledged === RESTART_AFTER) {
          restart = promisify(execFile)(command, args).then(
            () => (restarted = true),
            (error: unknown) => {
              stop = true;
              throw error;
            },
          );
          restart.catch(() => {}); // awaited below
        }
        if (restarted && ++recovered >= RECOVERED_AFTER) stop = true;
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, (_, c) => client(c)));
    clearTimeout(giveUp);
    await restart;

    t.not(await postmasterStart(server), startedAt, 'precondition: PostgreSQL was restarted');
    t.true(recovered >= RECOVERED_AFTER, `creates succeed again after the restart (${recovered})`);
    const unexpected = outcomes.filter((o) => o.status !== 201 && o.status !== 503);
    t.deepEqual(unexpected, [], 'only 201, or 503 while the database is away');
    const unavailable = outcomes.filter((o) => o.status === 503);
    t.true(
      unavailable.every((o) => /^\d+$/.test(o.retryAfter ?? '')),
      'every 503 says when to retry',
    );
    t.log(`${outcomes.length} requests: ${acknowledged} created, ${unavailable.length} answered 503`);

    // Nothing acknowledged is lost.
    const created = outcomes.filter((o) => o.status === 201);
    for (let i = 0; i < created.length; i += CLIENTS) {
      const batch = created.slice(i, i + CLIENTS);
      const reads = await Promise.all(
        batch.map((o) =>
          fetch(`${base}/Users/${o.id}`, { headers }).then(async (r) => ({
            status: r.status,
            userName: ((await r.json()) as { userName?: string }).userName,
          })),
        ),
      );
      t.deepEqual(
        reads,
        batch.map((o) => ({ status: 200, userName: o.userName })),
      );
    }

    // The directory's account of it: structured lines, each fault one line with its cause. Read
    // once it has stopped, so every batched log line has been written, none half-way.
    directory.child.kill('SIGTERM');
    await directory.exited();
    const output = directory.output();
    t.notRegex(output, /^\s+at /m, 'no stack frame');
    t.notRegex(output, /\b(insert into|select .* from|update "?\w+"? set|delete from)\b/i, 'no SQL');
    const lines = output.split('\n').filter(Boolean);
    const unparsed = lines.filter((l) => {
      try {
        JSON.parse(l);
        return false;
      } catch {
        return true;
      }
    });
    t.deepEqual(unparsed, [], 'every line is a JSON log line');
    const faults = lines
      .map((l) => JSON.parse(l) as { msg: string; cause?: string })
      .filter((l) => l.msg === 'database unavailable; answered UNAVAILABLE');
    t.log(
      `the directory noted ${faults.length} faults: ${[...new Set(faults.map((l) => l.cause))].join(', ')}`,
    );
    t.true(faults.length > 0, 'the restart was felt: the directory noted database faults');
    t.true(
      faults.every((l) => /^[A-Za-z0-9_-]+$/.test(l.cause ?? '')),
      `each with its cause: ${[...new Set(faults.map((l) => l.cause))].join(', ')}`,
    );
  } finally {
    // PostgreSQL is left running: the restart is awaited whatever happened above.
    await restart?.catch(() => {});
    admin.close();
    for (const p of processes) p.child.kill('SIGTERM');
    await Promise.all(processes.map((p) => p.exited()));
    await database.drop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
