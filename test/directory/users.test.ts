import anyTest, { type TestFn } from 'ava';
import { status } from '@grpc/grpc-js';
import { validate, version } from 'uuid';
import { and, anyEmail, cmp, query } from '@wizer/directory-client';
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

test('create keeps userName in its case and returns a stable id, version 1 and timestamps', async (t) => {
  const { directory } = t.context.clients;
  const tenantId = await newTenant(t.context.clients);
  const user = await directory.createUser({
    tenantId,
    requestId: '',
    user: userInput('Ada.Lovelace@Example.com', {
      externalId: '00uAbC123',
      name: { givenName: 'Ada', familyName: 'Lovelace' },
      emails: [{ value: 'ada@example.com', type: 'work', primary: true }],
    }),
  });
  t.regex(user.id, /^[0-9a-f-]{36}$/);
  t.is(user.userName, 'Ada.Lovelace@Example.com');
  t.is(user.externalId, '00uAbC123');
  t.is(user.version, 1);
  t.true(user.active);
  t.truthy(user.createdAt);
  const fetched = await directory.getUser({ tenantId, id: user.id });
  t.deepEqual(fetched, user);
});

test('ids are time-ordered UUIDv7: users and departments created one after another sort in that order', async (t) => {
  const { directory } = t.context.clients;
  const tenantId = await newTenant(t.context.clients);
  const userIds: string[] = [];
  const departmentIds: string[] = [];
  for (let i = 0; i < 20; i++) {
    // Each user brings a department of its own by attribute: both kinds of id, interleaved.
    const user = await directory.createUser({
      tenantId,
      requestId: '',
      user: userInput(`ordered${i}@example.com`, { enterprise: { department: `Ordered ${i}` } }),
    });
    userIds.push(user.id);
    departmentIds.push(user.memberships[0]!.departmentId);
  }
  const { department: pushed } = await directory.pushDepartment({
    tenantId,
    name: 'Pushed after them',
    externalId: '',
    extra: undefined,
    memberUserIds: [],
    requestId: '',
  });
  departmentIds.push(pushed!.id);
  t.is(userIds.length, 20);
  t.is(new Set(departmentIds).size, 21, 'every department is a new one');
  for (const id of [...userIds, ...departmentIds]) t.true(validate(id) && version(id) === 7, id);
  t.deepEqual([...userIds].sort(), userIds);
  t.deepEqual([...departmentIds].sort(), departmentIds);
});

test('userName is unique case-insensitively within a tenant, but not across tenants', async (t) => {
  const { directory } = t.context.clients;
  const a = await newTenant(t.context.clients, 'A');
  const b = await newTenant(t.context.clients, 'B');
  await directory.createUser({ tenantId: a, requestId: '', user: userInput('grace@example.com') });
  const err = await grpcError(
    directory.createUser({ tenantId: a, requestId: '', user: userInput('GRACE@example.COM') }),
  );
  t.is(err.code, status.ALREADY_EXISTS);
  t.notRegex(err.details, /sqlite|constraint|insert/i);
  const other = await directory.createUser({
    tenantId: b,
    requestId: '',
    user: userInput('GRACE@example.COM'),
  });
  t.is(other.userName, 'GRACE@example.COM');
});

test('50 concurrent creates of one userName in mixed case: exactly one succeeds', async (t) => {
  const { directory } = t.context.clients;
  const tenantId = await newTenant(t.context.clients);
  const names = Array.from({ length: 50 }, (_, i) =>
    [...'race@example.com'].map((c, j) => ((i >> (j % 6)) & 1 ? c.toUpperCase() : c)).join(''),
  );
  const results = await Promise.allSettled(
    names.map((userName) => directory.createUser({ tenantId, requestId: '', user: userInput(userName) })),
  );
  t.is(results.filter((r) => r.status === 'fulfilled').length, 1);
  const codes = results.flatMap((r) =>
    r.status === 'rejected' ? [(r.reason as { code: number }).code] : [],
  );
  t.deepEqual([...new Set(codes)], [status.ALREADY_EXISTS]);
  const page = await directory.listUsers({ tenantId, query: undefined, withoutMemberships: false });
  t.is(page.total, 1);
});

test('a retried create with the same request id creates one user, with its emails and its event once', async (t) => {
  const { directory } = t.context.clients;
  const tenantId = await newTenant(t.context.clients);
  const emails = [
    { value: 'retry@example.com', type: 'work', primary: true, display: undefined },
    { value: 'retry@home.example', type: undefined, primary: false, display: undefined },
  ];
  const request = { tenantId, requestId: 'req-7f3a', user: userInput('retry@example.com', { emails }) };
  const [first, second] = await Promise.all([directory.createUser(request), directory.createUser(request)]);
  const third = await directory.createUser(request);
  t.is(first.id, second.id);
  t.is(first.id, third.id);
  t.is((await directory.listUsers({ tenantId, query: undefined, withoutMemberships: false })).total, 1);
  // The stored emails (the rows email filters read), each once and in order.
  for (const [value, type] of [
    ['RETRY@example.com', 'work'],
    ['retry@home.example', ''],
  ] as const) {
    const found = await directory.listUsers({
      tenantId,
      query: query({ filter: anyEmail(and(cmp('value', 'eq', value), cmp('type', 'eq', type))) }),
      withoutMemberships: true,
    });
    t.deepEqual(
      found.users.map((u) => u.id),
      [first.id],
      `${value} is stored once, typed "${type}"`,
    );
  }
  const { events } = await directory.listEvents(eventsQuery(tenantId, { resourceId: first.id }));
  t.deepEqual(
    events.map((e) => [e.kind, e.resourceId, e.resourceName, e.after?.email]),
    [['user.created', first.id, 'retry@example.com', 'retry@example.com']],
  );
});

test('replace bumps the version and honours expected_version', async (t) => {
  const { directory } = t.context.clients;
  const tenantId = await newTenant(t.context.clients);
  const user = await directory.createUser({ tenantId, requestId: '', user: userInput('v@example.com') });
  const replaced = await directory.replaceUser({
    tenantId,
    user: { ...user, displayName: 'Vee', active: false },
    expectedVersion: 1,
  });
  t.is(replaced.version, 2);
  t.is(replaced.displayName, 'Vee');
  t.false(replaced.active);
  const stale = await grpcError(
    directory.replaceUser({ tenantId, user: { ...user, displayName: 'X' }, expectedVersion: 1 }),
  );
  t.is(stale.code, status.FAILED_PRECONDITION);
  t.is((await directory.getUser({ tenantId, id: user.id })).displayName, 'Vee');
});

test('update sets exactly the masked fields; deactivation keeps the user readable and findable', async (t) => {
  const { directory } = t.context.clients;
  const tenantId = await newTenant(t.context.clients);
  const user = await directory.createUser({
    tenantId,
    requestId: '',
    user: userInput('u@example.com', {
      displayName: 'U',
      title: 'Engineer',
      name: { givenName: 'Una', familyName: 'Ulm' },
    }),
  });
  const deactivated = await directory.updateUser({
    tenantId,
    id: user.id,
    user: userInput('', { active: false }),
    updateMask: ['active'],
    expectedVersion: undefined,
  });
  t.false(deactivated.active);
  t.is(deactivated.displayName, 'U');
  t.is(deactivated.title, 'Engineer');
  t.is(deactivated.version, 2);
  const renamed = await directory.updateUser({
    tenantId,
    id: user.id,
    user: userInput('', { name: { givenName: 'Ursula' } }),
    updateMask: ['name.given_name', 'title'],
    expectedVersion: 2,
  });
  t.like(renamed.name, { givenName: 'Ursula', familyName: 'Ulm', formatted: undefined });
  t.is(renamed.title, undefined);
  const found = await directory.listUsers({
    tenantId,
    withoutMemberships: true,
    query: {
      filter: {
        node: {
          $case: 'compare',
          value: {
            field: 'user_name',
            op: 1,
            value: { kind: { $case: 'stringValue', value: 'U@EXAMPLE.COM' } },
          },
        },
      },
      orderBy: '',
      descending: false,
      offset: 0,
      limit: undefined,
      cursor: '',
      skipTotal: false,
    },
  });
  t.deepEqual(
    found.users.map((u) => u.id),
    [user.id],
  );
  const reactivated = await directory.updateUser({
    tenantId,
    id: user.id,
    user: userInput('', { active: true }),
    updateMask: ['active'],
    expectedVersion: undefined,
  });
  t.is(reactivated.id, user.id);
  t.true(reactivated.active);
  const badPath = await grpcError(
    directory.updateUser({
      tenantId,
      id: user.id,
      user: userInput(''),
      updateMask: ['__proto__'],
      expectedVersion: undefined,
    }),
  );
  t.is(badPath.code, status.INVALID_ARGUMENT);
  t.is(badPath.reason, 'INVALID_PATH');
});

test('unmodelled attributes are kept verbatim; a password is never stored', async (t) => {
  const { directory } = t.context.clients;
  const tenantId = await newTenant(t.context.clients);
  const extra = {
    'urn:example:params:scim:schemas:extension:custom:2.0:User': { badge: 'B-17', floors: [3, 4] },
    ims: [{ value: 'ada', type: 'xmpp' }],
    password: 'Sup3r-Secret-Pa55',
  };
  const user = await directory.createUser({
    tenantId,
    requestId: '',
    user: userInput('x@example.com', { extra }),
  });
  t.deepEqual(user.extra, {
    'urn:example:params:scim:schemas:extension:custom:2.0:User': { badge: 'B-17', floors: [3, 4] },
    ims: [{ value: 'ada', type: 'xmpp' }],
  });
  const tooBig = await grpcError(
    directory.createUser({
      tenantId,
      requestId: '',
      user: userInput('big@example.com', { extra: { blob: 'x'.repeat(70_000) } }),
    }),
  );
  t.is(tooBig.code, status.INVALID_ARGUMENT);
  t.is(tooBig.reason, 'TOO_LARGE');
  // Nothing on disk holds the password: not the table, not the event log, not the WAL.
  t.false(await t.context.storeContains('Sup3r-Secret-Pa55'));
  t.true(await t.context.storeContains('B-17'), 'the scan does find what is stored');
});

test('delete removes the user: then NOT_FOUND, and the id is never reused', async (t) => {
  const { directory } = t.context.clients;
  const tenantId = await newTenant(t.context.clients);
  const user = await directory.createUser({ tenantId, requestId: '', user: userInput('gone@example.com') });
  await directory.deleteUser({ tenantId, id: user.id, expectedVersion: undefined });
  t.is((await grpcError(directory.getUser({ tenantId, id: user.id }))).code, status.NOT_FOUND);
  t.is(
    (await grpcError(directory.deleteUser({ tenantId, id: user.id, expectedVersion: undefined }))).code,
    status.NOT_FOUND,
  );
  const again = await directory.createUser({ tenantId, requestId: '', user: userInput('gone@example.com') });
  t.not(again.id, user.id);
});

test('another tenant’s user id behaves exactly like a missing id on every call, and nothing changes', async (t) => {
  const { directory } = t.context.clients;
  const owner = await newTenant(t.context.clients, 'Owner');
  const intruder = await newTenant(t.context.clients, 'Intruder');
  const user = await directory.createUser({
    tenantId: owner,
    requestId: '',
    user: userInput('private@example.com', { enterprise: { department: 'Finance' } }),
  });
  const missing = '00000000-0000-4000-8000-000000000000';
  for (const id of [user.id, missing]) {
    const calls = [
      directory.getUser({ tenantId: intruder, id }),
      directory.replaceUser({
        tenantId: intruder,
        user: { ...user, id, displayName: 'pwned' },
        expectedVersion: undefined,
      }),
      directory.updateUser({
        tenantId: intruder,
        id,
        user: userInput('', { active: false }),
        updateMask: ['active'],
        expectedVersion: undefined,
      }),
      directory.deleteUser({ tenantId: intruder, id, expectedVersion: undefined }),
    ];
    for (const call of calls) {
      const err = await grpcError(call);
      t.is(err.code, status.NOT_FOUND);
      t.is(err.details.replace(id, '<id>'), 'no user with id <id>');
    }
  }
  const list = await directory.listUsers({ tenantId: intruder, query: undefined, withoutMemberships: false });
  t.is(list.total, 0);
  t.deepEqual(await directory.getUser({ tenantId: owner, id: user.id }), user);
});

test('a missing tenant_id is INVALID_ARGUMENT and an unknown tenant is NOT_FOUND', async (t) => {
  const { directory } = t.context.clients;
  t.is((await grpcError(directory.getUser({ tenantId: '', id: 'x' }))).code, status.INVALID_ARGUMENT);
  const err = await grpcError(
    directory.createUser({ tenantId: 'no-such-tenant', requestId: '', user: userInput('a@b.c') }),
  );
  t.is(err.code, status.NOT_FOUND);
});
