import anyTest, { type TestFn } from 'ava';
import { status } from '@grpc/grpc-js';
import { fullLog, watchAll } from '../helpers/watch.js';
import {
  grpcError,
  newTenant,
  startDirectory,
  userInput,
  type DirectoryFixture,
} from '../helpers/directory.js';

/** Two directory replicas on one PostgreSQL database, in one process (the cheap half of scale-out). */
interface Ctx {
  a: DirectoryFixture;
  b: DirectoryFixture;
}
const test = anyTest as TestFn<Ctx>;

test.before(async (t) => {
  const a = await startDirectory();
  const b = await startDirectory(a.url);
  t.context = { a, b };
});
test.after.always(async (t) => {
  await t.context.b.close();
  await t.context.a.close();
});

test('the store is PostgreSQL', (t) => {
  t.is(t.context.a.db.dialect.name, 'postgres');
  t.regex(t.context.a.url, /^postgres(ql)?:\/\//);
});

test('50 creates of one userName across both replicas: one wins, 49 ALREADY_EXISTS', async (t) => {
  const { a, b } = t.context;
  const tenantId = await newTenant(a.clients);
  const results = await Promise.allSettled(
    Array.from({ length: 50 }, (_, i) =>
      (i % 2 ? a : b).clients.directory.createUser({
        tenantId,
        requestId: '',
        user: userInput(i % 3 ? 'Twin@Example.com' : 'twin@example.COM'),
      }),
    ),
  );
  t.is(results.filter((r) => r.status === 'fulfilled').length, 1);
  t.true(
    results.every(
      (r) => r.status === 'fulfilled' || (r.reason as { code: number }).code === status.ALREADY_EXISTS,
    ),
  );
});

test('20 member adds and a retried create with one request id, spread over both replicas', async (t) => {
  const { a, b } = t.context;
  const tenantId = await newTenant(a.clients);
  const users = await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      a.clients.directory.createUser({ tenantId, requestId: '', user: userInput(`r${i}@example.com`) }),
    ),
  );
  const { department } = await a.clients.directory.pushDepartment({
    tenantId,
    name: 'Both',
    externalId: '',
    extra: undefined,
    memberUserIds: [],
    requestId: '',
  });
  await Promise.all(
    users.map((u, i) =>
      (i % 2 ? a : b).clients.directory.changePushedMembers({
        tenantId,
        departmentId: department!.id,
        replace: undefined,
        addUserIds: [u.id],
        removeUserIds: [],
        expectedVersion: undefined,
      }),
    ),
  );
  const members = await b.clients.directory.listMembers({
    tenantId,
    departmentId: department!.id,
    source: 0,
    limit: 100,
    cursor: '',
  });
  t.is(members.total, 20);
  const retried = await Promise.all(
    [a, b, a, b].map((r) =>
      r.clients.directory.createUser({ tenantId, requestId: 'once', user: userInput('once@example.com') }),
    ),
  );
  t.is(new Set(retried.map((u) => u.id)).size, 1);
  const stale = await grpcError(
    b.clients.directory.replaceUser({ tenantId, user: { ...users[0]!, title: 'x' }, expectedVersion: 99 }),
  );
  t.is(stale.code, status.FAILED_PRECONDITION);
});

test('a watcher on one replica sees every change committed through the other, once and in order', async (t) => {
  const { a, b } = t.context;
  const tenantId = await newTenant(a.clients);
  const watch = watchAll(a.clients, tenantId);
  // Concurrent writers on both replicas, for this tenant and for another (whose events interleave in the sequence).
  const other = await newTenant(a.clients, 'Other');
  await Promise.all(
    Array.from({ length: 60 }, (_, i) =>
      (i % 2 ? b : a).clients.directory.createUser({
        tenantId: i % 3 ? tenantId : other,
        requestId: '',
        user: userInput(`c${i}@example.com`),
      }),
    ),
  );
  const all = await fullLog(b.clients, tenantId);
  const seen = await watch.stopAfter(all.length);
  t.deepEqual(
    seen.map((e) => e.sequence),
    all.map((e) => e.sequence),
  );
  t.is(seen.filter((e) => e.kind === 'user.created').length, 40);
});

test('a watcher on one replica is woken by a commit on another (LISTEN/NOTIFY), not by polling', async (t) => {
  // Replicas that would poll only once a minute: within the test's 10 s wait, only the
  // notification relayed through PostgreSQL can deliver the change.
  const a = await startDirectory(t.context.a.url, { pollMs: 60_000 });
  const b = await startDirectory(t.context.a.url, { pollMs: 60_000 });
  try {
    const tenantId = await newTenant(a.clients);
    const watcher = watchAll(b.clients, tenantId);
    // The watcher has caught up (it saw the tenant's creation) and now waits for a wake-up.
    t.is((await waitFor(watcher.seen, 1)).at(-1)?.kind, 'tenant.created');
    await a.clients.directory.createUser({ tenantId, user: userInput('relay@example.com'), requestId: '' });
    const seen = await watcher.stopAfter(2);
    t.deepEqual(
      seen.map((e) => e.kind),
      ['tenant.created', 'user.created'],
    );
  } finally {
    await b.close();
    await a.close();
  }
});

/** Waits (up to 10 s) until `events` holds `count`. */
async function waitFor<T>(events: T[], count: number): Promise<T[]> {
  for (let waited = 0; events.length < count && waited < 10_000; waited += 50)
    await new Promise((r) => setTimeout(r, 50));
  return events;
}
