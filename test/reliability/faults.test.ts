import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import anyTest, { type TestFn } from 'ava';
import { connectDirectory } from '@wizer/directory-client';
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

/**
 * Conditions over the test's own counters, as signals: `when(ready)` resolves as soon as `ready()`
 * holds, checked at once and at every `changed()`, which the clients call after each outcome.
 */
function signals() {
  const waiting = new Set<{ ready: () => boolean; resolve: () => void }>();
  return {
    changed() {
      for (const w of waiting)
        if (w.ready()) {
          waiting.delete(w);
          w.resolve();
        }
    },
    when(ready: () => boolean): Promise<void> {
      if (ready()) return Promise.resolve();
      return new Promise((resolve) => waiting.add({ ready, resolve }));
    },
  };
}

/** Client-side pause between failed attempts, so a flood of refusals does not starve the restart. */
const backoff = () => new Promise((r) => setTimeout(r, 20));

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
    const KILL_AFTER = 60;
    const acknowledged = new Map<string, string>();
    const unanswered = new Set<string>();
    let phase: 'importing' | 'killed' | 'restarted' = 'importing';
    let failedAfterKill = 0;
    let acknowledgedAfterRestart = 0;
    let running = true;
    const progress = signals();
    const client = async (c: number) => {
      for (let i = 0; running; i++) {
        const userName = `import-${c}-${i}@example.com`;
        let ok = false;
        try {
          const res = await scim(t, 'POST', '/Users', oktaUser(userName), { 'Idempotency-Key': userName });
          ok = res.status === 201;
          if (ok) acknowledged.set(userName, res.body.id);
        } catch {
          // no answer at all
        }
        if (ok && phase === 'restarted') acknowledgedAfterRestart++;
        if (!ok) {
          unanswered.add(userName);
          if (phase === 'killed') failedAfterKill++;
        }
        progress.changed();
        if (!ok) await backoff();
      }
    };
    const clients = Array.from({ length: 16 }, (_, c) => client(c));
    // The kill follows the test's own count of acknowledged users, not a time.
    await progress.when(() => acknowledged.size >= KILL_AFTER);
    await killDirectory(t);
    phase = 'killed';
    const before = acknowledged.size;
    await progress.when(() => failedAfterKill > 0);
    await t.context.startDirectory();
    phase = 'restarted';
    await progress.when(() => acknowledgedAfterRestart > 0);
    running = false;
    await Promise.all(clients);
    t.log(
      `${acknowledged.size} acknowledged (${before} before the kill), ${unanswered.size} failed or unanswered`,
    );
    t.true(before >= KILL_AFTER, 'the kill came after the import was under way');
    t.true(unanswered.size > 0, 'the kill cut requests off');

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

/** The gateway's answer to one request sent with node:http, and when its body was handed to the socket. */
function send(t: { context: Ctx }, method: string, p: string, body: unknown) {
  const url = new URL(`${t.context.base}${p}`);
  const payload = JSON.stringify(body);
  let bodySent!: () => void;
  const sent = new Promise<void>((resolve) => (bodySent = resolve));
  const answer = new Promise<{ status: number } | undefined>((resolve) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method,
        agent: false,
        headers: {
          Authorization: `Bearer ${t.context.token}`,
          'Content-Type': 'application/scim+json',
          'Content-Length': Buffer.byteLength(payload),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode ?? 0 }));
        res.on('error', () => resolve(undefined));
      },
    );
    req.on('error', () => {
      bodySent();
      resolve(undefined);
    });
    req.on('finish', () => bodySent());
    req.end(payload);
  });
  return { sent, answer };
}

test.serial('a 500-member group PATCH interrupted by a crash leaves all 500 or none', async (t) => {
  await until('the gateway answers', async () => (await scim(t, 'GET', '/Users?count=0')).status === 200);
  // 500 real users first: a crash test over members that were never created proves nothing.
  const names = Array.from({ length: 500 }, (_, i) => `member-${i}@example.com`);
  const created: Array<{ status: number; body: { id?: string } }> = [];
  for (let i = 0; i < names.length; i += 10)
    created.push(
      ...(await Promise.all(names.slice(i, i + 10).map((n) => scim(t, 'POST', '/Users', oktaUser(n))))),
    );
  const failed = created.flatMap((r, i) => (r.status === 201 ? [] : [`${names[i]}: ${r.status}`]));
  if (!t.deepEqual(failed, [], 'every member was created')) return;
  const ids = created.map((r) => r.body.id!);
  t.is(new Set(ids).size, 500);
  const found = await scim(t, 'GET', `/Users?count=0&filter=${encodeURIComponent('userName sw "member-"')}`);
  if (!t.is(found.body.totalResults, 500, 'the 500 members exist before any crash')) return;
  const sortedIds = [...ids].sort();

  const membersVisible = (groupId: string) => {
    const db = new Database(t.context.file, { readonly: true });
    try {
      const row = db
        .prepare(
          'SELECT count(*) AS n FROM memberships m JOIN departments d ON d.pk = m.department_pk WHERE d.id = ?',
        )
        .get(groupId) as { n: number };
      return row.n;
    } finally {
      db.close();
    }
  };

  // Where the kill lands, each decided by an event rather than a delay: as soon as the request body is
  // out (before any answer can be seen), as soon as a reader of the database sees any of the group's
  // members (the PATCH committed, or part of it did), and after a 2xx answer.
  for (const point of ['body sent', 'members visible', 'acknowledged'] as const) {
    const group = (await scim(t, 'POST', '/Groups', { displayName: `Crash ${point}`, members: [] })).body;
    if (!t.truthy(group?.id, `group for ${point}`)) return;
    const add = patchOp({ op: 'add', path: 'members', value: ids.map((value) => ({ value })) });
    let patch = send(t, 'PATCH', `/Groups/${group.id}`, add);
    let answered = false;
    void patch.answer.then(() => (answered = true));
    let seen = 0;
    if (point === 'body sent') await patch.sent;
    if (point === 'members visible') {
      while (!answered && (seen = membersVisible(group.id)) === 0) await new Promise((r) => setTimeout(r, 1));
    }
    if (point === 'acknowledged') {
      // Adding members is idempotent: a PATCH that ran out of time on a loaded machine is sent again.
      for (let attempt = 1; [503, 504].includes((await patch.answer)?.status ?? 0) && attempt < 5; attempt++)
        patch = send(t, 'PATCH', `/Groups/${group.id}`, add);
      await patch.answer;
      answered = true;
    }
    const answeredBeforeKill = answered;
    await killDirectory(t);
    const status = (await patch.answer)?.status;
    await t.context.startDirectory();
    await until(
      'the gateway answers again',
      async () => (await scim(t, 'GET', '/Users?count=0')).status === 200,
    );
    const after = await scim(t, 'GET', `/Groups/${group.id}`);
    t.is(after.status, 200);
    // An empty group has no members attribute (RFC 7643 §2.5).
    const members = ((after.body.members ?? []) as Array<{ value: string }>).map((m) => m.value).sort();
    t.log(
      `killed at "${point}"${answeredBeforeKill ? ' after the answer' : ''}${seen ? ` (${seen} members seen)` : ''}: ` +
        `PATCH answered ${status ?? 'nothing'}, ${members.length} members after restart`,
    );
    // All or nothing, and "all" is exactly the 500 sent.
    t.true(members.length === 0 || members.length === 500, `${members.length} members`);
    if (members.length === 500) t.deepEqual(members, sortedIds);
    // Answered 2xx, or cut off by the crash (503, 504, no answer): nothing else.
    const acknowledged = status !== undefined && status >= 200 && status < 300;
    t.true(
      acknowledged || status === undefined || status === 503 || status === 504,
      `PATCH answered ${status}`,
    );
    if (acknowledged) t.is(members.length, 500, 'an acknowledged PATCH is kept');
    if (point === 'body sent') t.false(answeredBeforeKill, 'the kill came before any answer');
    if (seen > 0) t.is(members.length, 500, 'members once committed survive the kill');
    if (point === 'acknowledged') t.is(status, 204, 'the PATCH was acknowledged before the kill');
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
      // timeout (5 s). What must not remain is anything per hung request: wait for the sockets to go.
      const settled = await until(
        'the gateway releases the idle connections',
        async () => footprint(gatewayPid).fds - before.fds < 50,
      );
      t.log(`connections released ${settled} ms after the last answer`);
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
    const STOP_AFTER = 40;
    const acknowledged: string[] = [];
    const outcomes = new Map<string, number>();
    const count = (outcome: string) => outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    let exited = false;
    const progress = signals();
    // Each client writes until a connection is refused after the gateway has exited.
    const client = async (c: number) => {
      for (let i = 0; ; i++) {
        try {
          const res = await scim(t, 'POST', '/Users', oktaUser(`term-${c}-${i}@example.com`));
          count(String(res.status));
          if (res.status === 201) acknowledged.push(res.body.id);
        } catch {
          count('refused');
          if (exited) return;
          await backoff();
        }
        progress.changed();
      }
    };
    const clients = Array.from({ length: 8 }, (_, c) => client(c));
    await progress.when(() => acknowledged.length >= STOP_AFTER);
    t.context.procs.gateway.child.kill('SIGTERM');
    t.is(await t.context.procs.gateway.exited(), 0, 'the gateway exits cleanly');
    exited = true;
    await Promise.all(clients);
    t.log(JSON.stringify(Object.fromEntries(outcomes)));
    t.true(acknowledged.length >= STOP_AFTER, 'SIGTERM came under load');
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
    const STOP_AFTER = 40;
    const acknowledged: string[] = [];
    const outcomes = new Map<string, number>();
    let exited = false;
    const progress = signals();
    // Each client writes until it is refused after the directory has exited.
    const client = async (c: number) => {
      for (let i = 0; ; i++) {
        const res = await scim(t, 'POST', '/Users', oktaUser(`dterm-${c}-${i}@example.com`));
        outcomes.set(String(res.status), (outcomes.get(String(res.status)) ?? 0) + 1);
        if (res.status === 201) acknowledged.push(res.body.id);
        else if (exited) return;
        else await backoff();
        progress.changed();
      }
    };
    const clients = Array.from({ length: 8 }, (_, c) => client(c));
    await progress.when(() => acknowledged.length >= STOP_AFTER);
    t.context.procs.directory.child.kill('SIGTERM');
    t.is(await t.context.procs.directory.exited(), 0, 'the directory exits cleanly');
    exited = true;
    await Promise.all(clients);
    t.log(JSON.stringify(Object.fromEntries(outcomes)));
    t.true(acknowledged.length >= STOP_AFTER, 'SIGTERM came under load');
    t.deepEqual(
      [...outcomes.keys()].filter((k) => k !== '201' && k !== '503'),
      [],
      'only 201, or 503 while it is away',
    );
    t.true((outcomes.get('503') ?? 0) >= 8, 'every client saw the directory away');
    await t.context.startDirectory();
    await until(
      'the gateway answers again',
      async () => (await scim(t, 'GET', '/Users?count=0')).status === 200,
    );
    for (const id of acknowledged) t.is((await scim(t, 'GET', `/Users/${id}?attributes=id`)).status, 200);
  },
);
