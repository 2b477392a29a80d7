import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import anyTest, { type TestFn } from 'ava';
import { connectDirectory } from '../../services/directory/client.js';
import { credentialFromEnv } from '../../services/directory/credentials-file.js';
import { oktaUser, patchOp } from '../helpers/gateway.js';
import { freePort, spawnTs, type Spawned } from '../helpers/processes.js';

/**
 * Real processes on 127.0.0.1: the directory killed, stopped and restarted under
 * load; the gateway stopped under load. Outcomes are checked, not timings (those are
 * logged).
 */
interface Ctx {
  file: string;
  directoryEnv: Record<string, string>;
  /** Shared by reference: ava hands each test a shallow copy of the context. */
  procs: { directory: Spawned; gateway: Spawned };
  base: string;
  token: string;
  tenantId: string;
  startDirectory(): Promise<void>;
  startGateway(): Promise<void>;
  closeAdmin(): void;
}
const test = anyTest as TestFn<Ctx>;

async function until(what: string, probe: () => Promise<boolean>, timeoutMs = 30_000): Promise<number> {
  const started = Date.now();
  while (!(await probe().catch(() => false))) {
    if (Date.now() - started > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return Date.now() - started;
}

test.before(async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wizer-faults-'));
  const file = path.join(dir, 'w.db');
  const [grpc, http] = [await freePort(), await freePort()];
  const directoryEnv = {
    DATABASE_URL: `sqlite:${file}`,
    DIRECTORY_ADDRESS: `127.0.0.1:${grpc}`,
    METRICS_ADDRESS: 'off',
    LOG_LEVEL: 'warn',
  };
  const gatewayEnv = {
    ...directoryEnv,
    PORT: String(http),
    GATEWAY_METRICS_ADDRESS: 'off',
    DIRECTORY_DEADLINE_MS: '1500',
    RATE_LIMIT_RPS: '100000',
    RATE_LIMIT_BURST: '100000',
  };
  // The admin credential the directory writes beside its database on first start.
  const admin = connectDirectory(directoryEnv.DIRECTORY_ADDRESS, {
    actor: 'admin',
    deadlineMs: 1000,
    credential: credentialFromEnv(directoryEnv, 'admin'),
  });
  const ctx = {
    procs: {},
    file,
    directoryEnv,
    base: `http://127.0.0.1:${http}/api/v1/scim/v2`,
    async startDirectory() {
      ctx.procs.directory = spawnTs('services/directory/src/main.ts', [], directoryEnv);
      await until('directory serving', () => admin.serving(500));
    },
    async startGateway() {
      ctx.procs.gateway = spawnTs('gateway/src/main.ts', [], gatewayEnv);
      await until('gateway listening', async () => (await fetch(`http://127.0.0.1:${http}/healthz`)).ok);
    },
  } as unknown as Ctx;
  await ctx.startDirectory();
  await ctx.startGateway();
  const tenant = await admin.admin.createTenant({ name: 'Faults' });
  ctx.tenantId = tenant.id;
  ctx.token = (
    await admin.admin.issueToken({ tenantId: tenant.id, description: '', expiresAt: undefined })
  ).token;
  ctx.closeAdmin = () => admin.close();
  t.context = ctx;
});

test.after.always(async (t) => {
  t.context.closeAdmin?.();
  for (const p of [t.context.procs.gateway, t.context.procs.directory]) {
    if (p && p.child.exitCode === null) {
      p.child.kill('SIGCONT');
      p.child.kill('SIGKILL');
      await p.exited();
    }
  }
});

const scim = async (
  t: { context: Ctx },
  method: string,
  p: string,
  body?: unknown,
  headers: Record<string, string> = {},
) => {
  const res = await fetch(`${t.context.base}${p}`, {
    method,
    headers: {
      Authorization: `Bearer ${t.context.token}`,
      'Content-Type': 'application/scim+json',
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
};

async function killDirectory(t: { context: Ctx }, signal: NodeJS.Signals = 'SIGKILL') {
  t.context.procs.directory.child.kill(signal);
  await t.context.procs.directory.exited();
}

test.serial(
  'kill -9 during an import by 16 clients: every acknowledged user is there once, whole; retries do not duplicate',
  async (t) => {
    const acknowledged = new Map<string, string>();
    const unanswered = new Set<string>();
    let running = true;
    const client = async (c: number) => {
      for (let i = 0; running; i++) {
        const userName = `import-${c}-${i}@example.com`;
        try {
          const res = await scim(t, 'POST', '/Users', oktaUser(userName), { 'Idempotency-Key': userName });
          if (res.status === 201) acknowledged.set(userName, res.body.id);
          else unanswered.add(userName);
        } catch {
          unanswered.add(userName);
        }
      }
    };
    const clients = Array.from({ length: 16 }, (_, c) => client(c));
    await new Promise((r) => setTimeout(r, 1500));
    await killDirectory(t);
    const before = acknowledged.size;
    await new Promise((r) => setTimeout(r, 500));
    await t.context.startDirectory();
    await new Promise((r) => setTimeout(r, 1000));
    running = false;
    await Promise.all(clients);
    t.log(
      `${acknowledged.size} acknowledged (${before} before the kill), ${unanswered.size} failed or unanswered`,
    );
    t.true(before > 50 && unanswered.size > 0, 'the kill landed mid-import');

    // Clients retry what was not acknowledged, with the same request: no duplicates.
    await until(
      'the gateway answers again',
      async () => (await scim(t, 'GET', '/Users?count=0')).status === 200,
    );
    for (const userName of unanswered) {
      const res = await scim(t, 'POST', '/Users', oktaUser(userName), { 'Idempotency-Key': userName });
      t.is(res.status, 201, `${userName}: ${JSON.stringify(res.body)}`);
      acknowledged.set(userName, res.body.id);
    }
    const all = await scim(t, 'GET', '/Users?count=1000&attributes=userName,emails,name');
    const pages = [all.body.Resources];
    for (let start = 1001; start <= all.body.totalResults; start += 1000)
      pages.push(
        (await scim(t, 'GET', `/Users?count=1000&startIndex=${start}&attributes=userName,emails,name`)).body
          .Resources,
      );
    const users = pages.flat() as Array<{
      id: string;
      userName: string;
      emails: unknown[];
      name: { givenName: string };
    }>;
    t.is(users.length, acknowledged.size, 'exactly the acknowledged users, once each');
    const byName = new Map(users.map((u) => [u.userName, u]));
    for (const [userName, id] of acknowledged) {
      const user = byName.get(userName);
      t.is(user?.id, id, userName);
      t.is(user?.emails.length, 1, `${userName} kept its email`);
      t.truthy(user?.name.givenName);
    }
    const db = new Database(t.context.file, { readonly: true });
    t.is(db.pragma('integrity_check', { simple: true }), 'ok');
    t.deepEqual(
      db
        .prepare(
          'SELECT count(*) AS n FROM users u LEFT JOIN user_emails e ON e.user_pk = u.pk WHERE e.user_pk IS NULL',
        )
        .get(),
      { n: 0 },
    );
    db.close();
  },
);

test.serial('a 500-member group PATCH interrupted by a crash leaves all 500 or none', async (t) => {
  const ids: string[] = [];
  for (let batch = 0; batch < 10; batch++) {
    const created = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        scim(t, 'POST', '/Users', oktaUser(`member-${batch}-${i}@example.com`)),
      ),
    );
    ids.push(...created.map((r) => r.body.id as string));
  }
  for (const delay of [0, 5, 20, 60]) {
    const group = (await scim(t, 'POST', '/Groups', { displayName: `Crash ${delay}`, members: [] })).body;
    const patch = scim(
      t,
      'PATCH',
      `/Groups/${group.id}`,
      patchOp({ op: 'add', path: 'members', value: ids.map((value) => ({ value })) }),
    ).catch(() => undefined);
    await new Promise((r) => setTimeout(r, delay));
    await killDirectory(t);
    const answer = await patch;
    await t.context.startDirectory();
    await until(
      'the gateway answers again',
      async () => (await scim(t, 'GET', '/Users?count=0')).status === 200,
    );
    const members = (await scim(t, 'GET', `/Groups/${group.id}`)).body.members.length;
    t.log(
      `killed ${delay} ms in: PATCH answered ${answer?.status ?? 'nothing'}, ${members} members after restart`,
    );
    t.true(members === 0 || members === 500, `${members} members`);
    if (answer?.status === 204) t.is(members, 500, 'an acknowledged PATCH is kept');
  }
});

test.serial(
  'directory down: 503 with Retry-After, not ready; it recovers on its own when the directory returns',
  async (t) => {
    await killDirectory(t);
    const started = Date.now();
    const down = await scim(t, 'GET', '/Users?count=1');
    t.log(`answered ${down.status} in ${Date.now() - started} ms`);
    t.is(down.status, 503);
    t.regex(down.headers.get('retry-after') ?? '', /^\d+$/);
    t.is((await fetch(t.context.base.replace('/api/v1/scim/v2', '/readyz'))).status, 503);
    await new Promise((r) => setTimeout(r, 3000)); // long enough for reconnect backoff to grow
    await t.context.startDirectory();
    const recovered = await until(
      'the gateway recovers',
      async () => (await scim(t, 'GET', '/Users?count=1')).status === 200,
      15_000,
    );
    t.log(`recovered ${recovered} ms after the directory was back`);
    t.is((await fetch(t.context.base.replace('/api/v1/scim/v2', '/readyz'))).status, 200);
  },
);

/** Resident memory (MB) and open file descriptors (sockets included) of a process. */
function footprint(pid: number): { rssMb: number; fds: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  return {
    rssMb: Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024,
    fds: fs.readdirSync(`/proc/${pid}/fd`).length,
  };
}

test.serial(
  'directory hung (SIGSTOP): 504 within the deadline, memory and sockets bounded, then back to normal',
  async (t) => {
    const gatewayPid = t.context.procs.gateway.child.pid!;
    const before = footprint(gatewayPid);
    t.context.procs.directory.child.kill('SIGSTOP');
    try {
      for (let round = 0; round < 3; round++) {
        const started = Date.now();
        const results = await Promise.all(
          Array.from({ length: 200 }, () => scim(t, 'GET', '/Users?count=1')),
        );
        t.log(`200 requests answered in ${Date.now() - started} ms while the directory was stopped`);
        t.deepEqual([...new Set(results.map((r) => r.status))], [504]);
      }
      // The 200 client connections stay open while idle; the server closes them after its keep-alive
      // timeout (5 s). What must not remain is anything per hung request.
      await new Promise((r) => setTimeout(r, 6000));
      const after = footprint(gatewayPid);
      t.log(`gateway before ${JSON.stringify(before)}, after 600 hung requests ${JSON.stringify(after)}`);
      t.true(after.rssMb - before.rssMb < 100, 'memory stays bounded');
      t.true(after.fds - before.fds < 50, 'no sockets pile up');
    } finally {
      t.context.procs.directory.child.kill('SIGCONT');
    }
    await until('answers again', async () => (await scim(t, 'GET', '/Users?count=1')).status === 200, 15_000);
  },
);

test.serial(
  'SIGTERM to the gateway under load: in-flight requests finish, new ones are refused, nothing acknowledged is lost',
  async (t) => {
    const acknowledged: string[] = [];
    const outcomes = new Map<string, number>();
    let running = true;
    const client = async (c: number) => {
      for (let i = 0; running; i++) {
        try {
          const res = await scim(t, 'POST', '/Users', oktaUser(`term-${c}-${i}@example.com`));
          outcomes.set(String(res.status), (outcomes.get(String(res.status)) ?? 0) + 1);
          if (res.status === 201) acknowledged.push(res.body.id);
        } catch {
          outcomes.set('refused', (outcomes.get('refused') ?? 0) + 1);
          await new Promise((r) => setTimeout(r, 20));
        }
      }
    };
    const clients = Array.from({ length: 8 }, (_, c) => client(c));
    await new Promise((r) => setTimeout(r, 800));
    t.context.procs.gateway.child.kill('SIGTERM');
    t.is(await t.context.procs.gateway.exited(), 0, 'the gateway exits cleanly');
    await new Promise((r) => setTimeout(r, 300));
    running = false;
    await Promise.all(clients);
    t.log(JSON.stringify(Object.fromEntries(outcomes)));
    t.deepEqual(
      [...outcomes.keys()].filter((k) => k !== '201' && k !== 'refused'),
      [],
      'only 201 or a refused connection',
    );
    await t.context.startGateway();
    for (const id of acknowledged) t.is((await scim(t, 'GET', `/Users/${id}?attributes=id`)).status, 200);
  },
);

test.serial(
  'SIGTERM to the directory under load: it drains and exits cleanly, the gateway answers 503 meanwhile, nothing acknowledged is lost',
  async (t) => {
    await until('the gateway answers', async () => (await scim(t, 'GET', '/Users?count=0')).status === 200);
    const acknowledged: string[] = [];
    const outcomes = new Map<string, number>();
    let running = true;
    const client = async (c: number) => {
      for (let i = 0; running; i++) {
        const res = await scim(t, 'POST', '/Users', oktaUser(`dterm-${c}-${i}@example.com`));
        outcomes.set(String(res.status), (outcomes.get(String(res.status)) ?? 0) + 1);
        if (res.status === 201) acknowledged.push(res.body.id);
        else await new Promise((r) => setTimeout(r, 20));
      }
    };
    const clients = Array.from({ length: 8 }, (_, c) => client(c));
    await new Promise((r) => setTimeout(r, 800));
    t.context.procs.directory.child.kill('SIGTERM');
    t.is(await t.context.procs.directory.exited(), 0, 'the directory exits cleanly');
    await new Promise((r) => setTimeout(r, 300));
    running = false;
    await Promise.all(clients);
    t.log(JSON.stringify(Object.fromEntries(outcomes)));
    t.deepEqual(
      [...outcomes.keys()].filter((k) => k !== '201' && k !== '503'),
      [],
      'only 201, or 503 while it is away',
    );
    await t.context.startDirectory();
    await until(
      'the gateway answers again',
      async () => (await scim(t, 'GET', '/Users?count=0')).status === 200,
    );
    for (const id of acknowledged) t.is((await scim(t, 'GET', `/Users/${id}?attributes=id`)).status, 200);
  },
);
