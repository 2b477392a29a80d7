import { status } from '@grpc/grpc-js';
import anyTest, { type TestFn } from 'ava';
import type { Event } from '#proto/event.js';
import { EventOutcome } from '#proto/event.js';
import { MembershipSource } from '#proto/user.js';
import {
  grpcError,
  newTenant,
  startDirectory,
  userInput,
  type DirectoryFixture,
} from '../helpers/directory.js';
import { eventsQuery } from '../helpers/watch.js';

const test = anyTest as TestFn<DirectoryFixture>;

test.before(async (t) => {
  t.context = await startDirectory();
});
test.after.always(async (t) => {
  await t.context.close();
});

test('every change appends one event with the actor, kind and a before/after summary', async (t) => {
  const okta = t.context.connect('token:tok-123');
  const tenantId = await newTenant(t.context.clients);
  const user = await okta.directory.createUser({
    tenantId,
    requestId: '',
    user: userInput('eve@example.com', { enterprise: { department: 'Ops' } }),
  });
  await okta.directory.updateUser({
    tenantId,
    id: user.id,
    user: userInput('', { active: false }),
    updateMask: ['active'],
    expectedVersion: undefined,
  });
  const { events } = await okta.directory.listEvents(eventsQuery(tenantId));
  t.deepEqual(events.map((e) => e.kind).reverse(), [
    'tenant.created',
    'user.created',
    'department.created',
    'department.members_changed',
    'user.deactivated',
  ]);
  const deactivated = events[0]!;
  t.is(deactivated.actor, 'token:tok-123');
  t.is(deactivated.resourceId, user.id);
  t.is(deactivated.resourceName, 'eve@example.com');
  t.like(deactivated.before, { active: true, userName: 'eve@example.com' });
  t.like(deactivated.after, { active: false, version: 2 });
  const sequences = events.map((e) => e.sequence);
  t.deepEqual(
    sequences,
    [...sequences].sort((a, b) => b - a),
    'newest first',
  );
});

test('rejections are recorded and found by name and with problems only', async (t) => {
  const { directory } = t.context.clients;
  const tenantId = await newTenant(t.context.clients);
  await directory.createUser({ tenantId, requestId: '', user: userInput('ok@example.com') });
  const rejected = await directory.recordRejection({
    tenantId,
    operation: 'POST /Users',
    reason: 'userName "Dup@Example.com" is already taken',
    httpStatus: 409,
    scimType: 'uniqueness',
    resourceType: 'user',
    resourceId: '',
    resourceName: 'Dup@Example.com',
    repeats: 0,
  });
  t.is(rejected.outcome, EventOutcome.EVENT_OUTCOME_ERROR);
  const problems = await directory.listEvents(eventsQuery(tenantId, { problemsOnly: true }));
  t.deepEqual(
    problems.events.map((e) => e.kind),
    ['request.rejected'],
  );
  t.like(problems.events[0]!.after, { operation: 'POST /Users', status: 409, scimType: 'uniqueness' });
  const byName = await directory.listEvents(eventsQuery(tenantId, { resourceName: 'dup@example.com' }));
  t.is(byName.events.length, 1);
  const byKind = await directory.listEvents(eventsQuery(tenantId, { kinds: ['user.created'] }));
  t.deepEqual(
    byKind.events.map((e) => e.resourceName),
    ['ok@example.com'],
  );
  const later = await directory.listEvents(eventsQuery(tenantId, { since: new Date(Date.now() + 60_000) }));
  t.deepEqual(later.events, []);
});

test('a rejection naming a refused userName with control characters (U+0000) is still logged, legibly', async (t) => {
  const { directory } = t.context.clients;
  const tenantId = await newTenant(t.context.clients);
  const rejected = await directory.recordRejection({
    tenantId,
    operation: 'POST /Users',
    reason: 'userName contains U+0000',
    httpStatus: 400,
    scimType: 'invalidValue',
    resourceType: 'user',
    resourceId: '',
    resourceName: 'a\u0000b\u202e',
    repeats: 0,
  });
  t.is(rejected.resourceName, 'a\uFFFDb\u202e', 'control characters shown as U+FFFD, other text kept');
});

test('the log pages backwards by sequence', async (t) => {
  const { directory } = t.context.clients;
  const tenantId = await newTenant(t.context.clients);
  for (let i = 0; i < 5; i++)
    await directory.createUser({ tenantId, requestId: '', user: userInput(`l${i}@example.com`) });
  const first = await directory.listEvents(eventsQuery(tenantId, { limit: 3 }));
  const second = await directory.listEvents(
    eventsQuery(tenantId, { limit: 3, beforeSequence: first.nextBeforeSequence }),
  );
  t.deepEqual(
    [...first.events, ...second.events].map((e) => e.kind).filter((k) => k === 'user.created').length,
    5,
  );
  t.is(second.nextBeforeSequence, 0);
});

async function take(stream: AsyncIterable<Event>, n: number): Promise<Event[]> {
  const out: Event[] = [];
  if (n === 0) return out;
  for await (const event of stream) {
    out.push(event);
    if (out.length === n) break;
  }
  return out;
}

test('watch from a sequence sees every later event exactly once, in order, across a reconnect', async (t) => {
  const { directory } = t.context.clients;
  const tenantId = await newTenant(t.context.clients);
  const other = await newTenant(t.context.clients, 'Other');
  const create = (name: string, tenant = tenantId) =>
    directory.createUser({ tenantId: tenant, requestId: '', user: userInput(name) });
  await create('before@example.com');
  const [start] = (await directory.listEvents(eventsQuery(tenantId, { limit: 1 }))).events;

  // First connection: two historical-from-N events and live ones.
  const abort1 = new AbortController();
  const stream1 = t.context.clients.watchEvents({ tenantId, afterSequence: start!.sequence }, abort1.signal);
  const firstBatch = take(stream1, 3);
  await create('one@example.com');
  await create('noise@example.com', other);
  await create('two@example.com');
  await create('three@example.com');
  const seen = await firstBatch;
  abort1.abort();

  // While disconnected, more changes land; the resumed watch replays them, then follows live.
  await create('four@example.com');
  await create('five@example.com');
  const abort2 = new AbortController();
  const stream2 = t.context.clients.watchEvents(
    { tenantId, afterSequence: seen[seen.length - 1]!.sequence },
    abort2.signal,
  );
  const secondBatch = take(stream2, 3);
  await create('six@example.com');
  seen.push(...(await secondBatch));
  abort2.abort();

  t.deepEqual(
    seen.map((e) => e.resourceName),
    [
      'one@example.com',
      'two@example.com',
      'three@example.com',
      'four@example.com',
      'five@example.com',
      'six@example.com',
    ],
  );
  t.true(seen.every((e) => e.tenantId === tenantId));
  const sequences = seen.map((e) => e.sequence);
  t.deepEqual(
    sequences,
    [...new Set(sequences)].sort((a, b) => a - b),
  );
});

test('event bodies never carry tokens or passwords', async (t) => {
  const { directory, admin } = t.context.clients;
  const tenantId = await newTenant(t.context.clients);
  const { token } = await admin.issueToken({ tenantId, description: 'okta', expiresAt: undefined });
  await directory.createUser({
    tenantId,
    requestId: '',
    user: userInput('pw@example.com', { extra: { password: 'hunter2-hunter2' } }),
  });
  await admin.authenticateToken({ token });
  const { events } = await directory.listEvents(eventsQuery(tenantId));
  const text = JSON.stringify(events);
  t.false(text.includes(token));
  t.false(text.includes(token.slice(15)));
  t.false(text.includes('hunter2'));
});

test('a watch that cannot start ends with its status (INVALID_ARGUMENT), not a stream left open', async (t) => {
  const stream = t.context.clients.watchEvents({ tenantId: '', afterSequence: 0 });
  const refused = await grpcError(
    (async () => {
      for await (const event of stream) return event;
    })(),
  );
  t.is(refused.code, status.INVALID_ARGUMENT);
  t.regex(refused.details, /tenant_id is required/);
});

test('a create that joins an existing department logs the user, then the membership, once even when retried', async (t) => {
  const okta = t.context.connect('token:tok-join');
  const tenantId = await newTenant(t.context.clients);
  const first = userInput('first@example.com', { enterprise: { department: 'Ops' } });
  await okta.directory.createUser({ tenantId, requestId: '', user: first });
  const { events: before } = await okta.directory.listEvents(eventsQuery(tenantId));
  // Precondition: the department exists before the create below.
  t.true(before.some((e) => e.kind === 'department.created' && e.resourceName === 'Ops'));
  const create = () =>
    okta.directory.createUser({
      tenantId,
      requestId: 'http:join-retried',
      user: userInput('second@example.com', { enterprise: { department: 'OPS ' } }),
    });
  const user = await create();
  t.is((await create()).id, user.id);
  t.deepEqual(
    user.memberships.map((m) => [m.departmentName, m.source]),
    [['Ops', MembershipSource.MEMBERSHIP_SOURCE_ATTRIBUTE]],
  );
  const { events } = await okta.directory.listEvents(eventsQuery(tenantId));
  const added = events.slice(0, events.length - before.length).reverse();
  t.deepEqual(
    added.map((e) => [e.kind, e.resourceName]),
    [
      ['user.created', 'second@example.com'],
      ['department.members_changed', 'Ops'],
    ],
  );
  t.true(added[0]!.sequence < added[1]!.sequence);
  t.deepEqual(added[1]!.after, { source: 'attribute', added: [user.id], userName: 'second@example.com' });
  t.is(added[1]!.actor, 'token:tok-join');
  // The membership event is indexed by the user's id: the explanation finds it as the membership's start.
  const x = await t.context.clients.directory.explainUser({ tenantId, user: user.id });
  t.deepEqual(
    x.memberships.map((m) => [m.departmentName, m.since?.kind, m.since?.sequence]),
    [['Ops', 'department.members_changed', added[1]!.sequence]],
  );
});
