import anyTest, { type TestFn } from 'ava';
import { status } from '@grpc/grpc-js';
import { MembershipSource } from '#proto/user.js';
import {
  grpcError,
  newTenant,
  startDirectory,
  userInput,
  type DirectoryFixture,
} from '../helpers/directory.js';

/**
 * Optimistic concurrency is checked inside the write's transaction: a mismatch writes
 * nothing, racers naming one version have one winner, and a group's rename and member
 * change are one transaction (security review, finding 5).
 */

const test = anyTest as TestFn<DirectoryFixture>;

test.before(async (t) => {
  t.context = await startDirectory();
});
test.after.always(async (t) => {
  await t.context.close();
});

async function setup(t: { context: DirectoryFixture }) {
  const { directory } = t.context.clients;
  const tenantId = await newTenant(t.context.clients);
  const users = await Promise.all(
    ['ann', 'bob', 'cat'].map((name) =>
      directory.createUser({ tenantId, requestId: '', user: userInput(`${name}@example.com`) }),
    ),
  );
  const group = (
    await directory.pushDepartment({
      tenantId,
      name: 'Ops',
      externalId: '',
      extra: undefined,
      memberUserIds: [users[0]!.id],
      requestId: '',
    })
  ).department!;
  const pushed = async () =>
    (
      await directory.listMembers({
        tenantId,
        departmentId: group.id,
        source: MembershipSource.MEMBERSHIP_SOURCE_PUSHED,
        limit: 100,
        cursor: '',
      })
    ).members
      .map((m) => m.userName)
      .sort();
  return { directory, tenantId, users, group, pushed };
}

test('a rename with a member change is one write: one new version, and a stale expected_version writes neither', async (t) => {
  const { directory, tenantId, users, group, pushed } = await setup(t);
  const stale = await grpcError(
    directory.updateDepartment({
      tenantId,
      id: group.id,
      department: { ...group, name: 'Operations' },
      updateMask: ['name'],
      members: { addUserIds: [users[1]!.id], removeUserIds: [] },
      expectedVersion: group.version + 1,
    }),
  );
  t.is(stale.code, status.FAILED_PRECONDITION);
  t.is(stale.reason, 'VERSION_MISMATCH');
  t.deepEqual(await directory.getDepartment({ tenantId, id: group.id }), group);
  t.deepEqual(await pushed(), ['ann@example.com']);

  const updated = await directory.updateDepartment({
    tenantId,
    id: group.id,
    department: { ...group, name: 'Operations' },
    updateMask: ['name'],
    members: { addUserIds: [users[1]!.id], removeUserIds: [users[0]!.id] },
    expectedVersion: group.version,
  });
  t.is(updated.name, 'Operations');
  t.is(updated.version, group.version + 1);
  t.deepEqual(await pushed(), ['bob@example.com']);

  // Members alone (an empty mask) also move the version once.
  const membersOnly = await directory.updateDepartment({
    tenantId,
    id: group.id,
    department: undefined,
    updateMask: [],
    members: { replace: { userIds: [users[2]!.id] }, addUserIds: [], removeUserIds: [] },
    expectedVersion: updated.version,
  });
  t.is(membersOnly.version, updated.version + 1);
  t.deepEqual(await pushed(), ['cat@example.com']);
});

test('when the member part of an update is refused, the rename is not applied either', async (t) => {
  const { directory, tenantId, users, group, pushed } = await setup(t);
  for (const members of [
    { addUserIds: [users[1]!.id], removeUserIds: [users[1]!.id] },
    { addUserIds: ['x'.repeat(513)], removeUserIds: [] },
  ]) {
    const err = await grpcError(
      directory.updateDepartment({
        tenantId,
        id: group.id,
        department: { ...group, name: 'Renamed' },
        updateMask: ['name'],
        members,
        expectedVersion: undefined,
      }),
    );
    t.is(err.code, status.INVALID_ARGUMENT);
    t.is(err.reason, 'INVALID_VALUE');
  }
  t.deepEqual(await directory.getDepartment({ tenantId, id: group.id }), group);
  t.deepEqual(await pushed(), ['ann@example.com']);
});

test('racing updates that name one version: exactly one succeeds, the others write nothing', async (t) => {
  const { directory, tenantId, users, group, pushed } = await setup(t);
  // Each racer renames and adds bob or cat (ann is the member already): every one a real change.
  const addedBy = (i: number) => users[1 + (i % 2)]!;
  const results = await Promise.allSettled(
    Array.from({ length: 6 }, (_, i) =>
      directory.updateDepartment({
        tenantId,
        id: group.id,
        department: { ...group, name: `Ops ${i}` },
        updateMask: ['name'],
        members: { addUserIds: [addedBy(i).id], removeUserIds: [] },
        expectedVersion: group.version,
      }),
    ),
  );
  const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
  t.is(won.length, 1);
  for (const r of results) {
    if (r.status === 'rejected') t.is((r.reason as { code: number }).code, status.FAILED_PRECONDITION);
  }
  const after = await directory.getDepartment({ tenantId, id: group.id });
  t.is(after.version, group.version + 1);
  t.is(after.name, `Ops ${won[0]}`);
  t.deepEqual(await pushed(), ['ann@example.com', addedBy(won[0]!).userName].sort());
});

test('deleting a push honours expected_version inside its transaction', async (t) => {
  const { directory, tenantId, group, pushed } = await setup(t);
  const stale = await grpcError(
    directory.deleteDepartmentPush({ tenantId, id: group.id, expectedVersion: group.version + 7 }),
  );
  t.is(stale.code, status.FAILED_PRECONDITION);
  t.is(stale.reason, 'VERSION_MISMATCH');
  t.deepEqual(await directory.getDepartment({ tenantId, id: group.id }), group);
  t.deepEqual(await pushed(), ['ann@example.com']);
  await directory.deleteDepartmentPush({ tenantId, id: group.id, expectedVersion: group.version });
  t.is((await grpcError(directory.getDepartment({ tenantId, id: group.id }))).code, status.NOT_FOUND);
});
