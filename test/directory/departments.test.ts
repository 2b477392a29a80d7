import anyTest, { type TestFn } from 'ava';
import { status } from '@grpc/grpc-js';
import { DepartmentOrigin } from '#proto/department.js';
import { MembershipSource } from '#proto/user.js';
import {
  grpcError,
  newTenant,
  startDirectory,
  userInput,
  type DirectoryFixture,
} from '../helpers/directory.js';
import { cmp, query } from '@wizer/directory-client';
import { eventsQuery } from '../helpers/watch.js';

const test = anyTest as TestFn<DirectoryFixture>;

test.before(async (t) => {
  t.context = await startDirectory();
});
test.after.always(async (t) => {
  await t.context.close();
});

const { ATTRIBUTE, PUSHED } = {
  ATTRIBUTE: MembershipSource.MEMBERSHIP_SOURCE_ATTRIBUTE,
  PUSHED: MembershipSource.MEMBERSHIP_SOURCE_PUSHED,
};

async function setup(t: { context: DirectoryFixture }) {
  const { directory } = t.context.clients;
  const tenantId = await newTenant(t.context.clients);
  const createUser = (userName: string, department?: string) =>
    directory.createUser({
      tenantId,
      requestId: '',
      user: userInput(userName, department ? { enterprise: { department } } : {}),
    });
  const departmentNamed = async (name: string) =>
    (await directory.listDepartments({ tenantId, query: query({ filter: cmp('name', 'eq', name) }) }))
      .departments[0];
  const members = async (departmentId: string, source = MembershipSource.MEMBERSHIP_SOURCE_UNSPECIFIED) =>
    (await directory.listMembers({ tenantId, departmentId, source, limit: 1000, cursor: '' })).members
      .map((m) => `${m.userName}:${m.source === ATTRIBUTE ? 'attribute' : 'pushed'}`)
      .sort();
  return { directory, tenantId, createUser, departmentNamed, members };
}

test('the department attribute finds or creates the department, moves on change and is removed when cleared', async (t) => {
  const { directory, tenantId, createUser, departmentNamed, members } = await setup(t);
  const ann = await createUser('ann@example.com', 'Engineering');
  t.deepEqual(
    ann.memberships.map((m) => [m.departmentName, m.source]),
    [['Engineering', ATTRIBUTE]],
  );
  const eng = (await departmentNamed('engineering'))!;
  t.is(eng.name, 'Engineering');
  t.is(eng.origin, DepartmentOrigin.DEPARTMENT_ORIGIN_ATTRIBUTE);
  const bob = await createUser('bob@example.com', 'ENGINEERING');
  t.is(bob.memberships[0]?.departmentId, eng.id, 'names match case-insensitively');

  const moved = await directory.updateUser({
    tenantId,
    id: ann.id,
    user: userInput('', { enterprise: { department: 'Sales' } }),
    updateMask: ['enterprise.department'],
    expectedVersion: undefined,
  });
  t.deepEqual(
    moved.memberships.map((m) => m.departmentName),
    ['Sales'],
  );
  t.deepEqual(await members(eng.id), ['bob@example.com:attribute']);

  await directory.updateUser({
    tenantId,
    id: bob.id,
    user: userInput(''),
    updateMask: ['enterprise.department'],
    expectedVersion: undefined,
  });
  t.is(
    await departmentNamed('Engineering'),
    undefined,
    'an attribute-only department goes with its last user',
  );
});

test('push adopts an attribute-only department of the same name; a second push of the name is ALREADY_EXISTS', async (t) => {
  const { directory, tenantId, createUser, departmentNamed, members } = await setup(t);
  const ann = await createUser('ann@example.com', 'Design');
  const attributeOnly = (await departmentNamed('Design'))!;
  const pushed = await directory.pushDepartment({
    tenantId,
    name: 'design',
    externalId: 'okta-grp-1',
    extra: undefined,
    memberUserIds: [ann.id],
    requestId: '',
  });
  t.true(pushed.adopted);
  t.is(pushed.department?.id, attributeOnly.id);
  t.is(pushed.department?.origin, DepartmentOrigin.DEPARTMENT_ORIGIN_PUSHED);
  t.is(pushed.department?.externalId, 'okta-grp-1');
  t.deepEqual(await members(attributeOnly.id), ['ann@example.com:attribute', 'ann@example.com:pushed']);
  const again = await grpcError(
    directory.pushDepartment({
      tenantId,
      name: 'DESIGN',
      externalId: '',
      extra: undefined,
      memberUserIds: [],
      requestId: '',
    }),
  );
  t.is(again.code, status.ALREADY_EXISTS);
});

test('member deltas touch only pushed memberships; unknown ids are skipped and logged as a warning', async (t) => {
  const { directory, tenantId, createUser, members } = await setup(t);
  const ann = await createUser('ann@example.com', 'Ops');
  const bob = await createUser('bob@example.com');
  const cat = await createUser('cat@example.com');
  const { department } = await directory.pushDepartment({
    tenantId,
    name: 'Ops',
    externalId: '',
    extra: undefined,
    memberUserIds: [],
    requestId: '',
  });
  const id = department!.id;
  const stranger = '00000000-0000-4000-8000-00000000beef';
  const added = await directory.changePushedMembers({
    tenantId,
    departmentId: id,
    replace: undefined,
    addUserIds: [ann.id, bob.id, stranger],
    removeUserIds: [],
    expectedVersion: undefined,
  });
  t.is(added.added, 2);
  t.deepEqual(added.skippedUserIds, [stranger]);
  t.is(added.department?.version, department!.version + 1);
  // Removing ann from the group leaves her attribute membership alone.
  await directory.changePushedMembers({
    tenantId,
    departmentId: id,
    replace: undefined,
    addUserIds: [],
    removeUserIds: [ann.id],
    expectedVersion: undefined,
  });
  t.deepEqual(await members(id), ['ann@example.com:attribute', 'bob@example.com:pushed']);
  // Replace: the pushed set becomes exactly this.
  const replaced = await directory.changePushedMembers({
    tenantId,
    departmentId: id,
    replace: { userIds: [cat.id, ann.id] },
    addUserIds: [],
    removeUserIds: [],
    expectedVersion: undefined,
  });
  t.is(replaced.added, 2);
  t.is(replaced.removed, 1);
  t.deepEqual(await members(id, PUSHED), ['ann@example.com:pushed', 'cat@example.com:pushed']);
  await directory.changePushedMembers({
    tenantId,
    departmentId: id,
    replace: { userIds: [] },
    addUserIds: [],
    removeUserIds: [],
    expectedVersion: undefined,
  });
  t.deepEqual(await members(id), ['ann@example.com:attribute']);
  // Repeating a change is a no-op, not an error; the version stays.
  const before = await directory.getDepartment({ tenantId, id });
  const noop = await directory.changePushedMembers({
    tenantId,
    departmentId: id,
    replace: undefined,
    addUserIds: [],
    removeUserIds: [bob.id],
    expectedVersion: undefined,
  });
  t.is(noop.removed, 0);
  t.is(noop.department?.version, before.version);

  const log = await directory.listEvents(
    eventsQuery(tenantId, { resourceId: id, problemsOnly: true, limit: 10 }),
  );
  t.is(log.events.length, 1);
  t.regex(log.events[0]!.reason, /skipped 1 member id/);
  t.deepEqual(log.events[0]!.after?.skipped, [stranger]);
  const overlap = await grpcError(
    directory.changePushedMembers({
      tenantId,
      departmentId: id,
      replace: undefined,
      addUserIds: [bob.id],
      removeUserIds: [bob.id],
      expectedVersion: undefined,
    }),
  );
  t.is(overlap.code, status.INVALID_ARGUMENT);
});

test('20 concurrent pushed-member adds to one department: none is lost', async (t) => {
  const { directory, tenantId, createUser, members } = await setup(t);
  const users = await Promise.all(Array.from({ length: 20 }, (_, i) => createUser(`u${i}@example.com`)));
  const { department } = await directory.pushDepartment({
    tenantId,
    name: 'Crowd',
    externalId: '',
    extra: undefined,
    memberUserIds: [],
    requestId: '',
  });
  await Promise.all(
    users.map((u) =>
      directory.changePushedMembers({
        tenantId,
        departmentId: department!.id,
        replace: undefined,
        addUserIds: [u.id],
        removeUserIds: [],
        expectedVersion: undefined,
      }),
    ),
  );
  t.is((await members(department!.id, PUSHED)).length, 20);
  t.is((await directory.getDepartment({ tenantId, id: department!.id })).version, 21);
});

test('renaming a pushed department onto an attribute-only one merges them; the pushed one keeps its id', async (t) => {
  const { directory, tenantId, createUser, departmentNamed, members } = await setup(t);
  const ann = await createUser('ann@example.com', 'Platform');
  const bob = await createUser('bob@example.com', 'Infra');
  const pushed = (
    await directory.pushDepartment({
      tenantId,
      name: 'Infra',
      externalId: '',
      extra: undefined,
      memberUserIds: [ann.id],
      requestId: '',
    })
  ).department!;
  const renamed = await directory.updateDepartment({
    tenantId,
    id: pushed.id,
    department: { ...pushed, name: 'Platform' },
    updateMask: ['name'],
    expectedVersion: undefined,
  });
  t.is(renamed.id, pushed.id);
  t.is(renamed.name, 'Platform');
  t.deepEqual(await members(pushed.id), ['ann@example.com:attribute', 'ann@example.com:pushed']);
  // bob's attribute still says "Infra": he stays in a department of that name.
  const infra = (await departmentNamed('Infra'))!;
  t.not(infra.id, pushed.id);
  t.is(infra.origin, DepartmentOrigin.DEPARTMENT_ORIGIN_ATTRIBUTE);
  t.deepEqual(await members(infra.id), ['bob@example.com:attribute']);
  t.deepEqual(
    (await directory.getUser({ tenantId, id: bob.id })).memberships.map((m) => m.departmentId),
    [infra.id],
  );
  const all = await directory.listDepartments({ tenantId, query: query({ orderBy: 'name' }) });
  t.deepEqual(
    all.departments.map((d) => d.name),
    ['Infra', 'Platform'],
  );

  const other = (
    await directory.pushDepartment({
      tenantId,
      name: 'Other',
      externalId: '',
      extra: undefined,
      memberUserIds: [],
      requestId: '',
    })
  ).department!;
  const taken = await grpcError(
    directory.updateDepartment({
      tenantId,
      id: other.id,
      department: { ...other, name: 'PLATFORM' },
      updateMask: ['name'],
      expectedVersion: undefined,
    }),
  );
  t.is(taken.code, status.ALREADY_EXISTS);
  const caseOnly = await directory.updateDepartment({
    tenantId,
    id: other.id,
    department: { ...other, name: 'OTHER' },
    updateMask: ['name'],
    expectedVersion: undefined,
  });
  t.is(caseOnly.name, 'OTHER');
});

test('deleting a push removes the group and its pushed members; the department stays only while attributes name it', async (t) => {
  const { directory, tenantId, createUser, departmentNamed, members } = await setup(t);
  const ann = await createUser('ann@example.com', 'Legal');
  const bob = await createUser('bob@example.com');
  const legal = (
    await directory.pushDepartment({
      tenantId,
      name: 'Legal',
      externalId: '',
      extra: undefined,
      memberUserIds: [ann.id, bob.id],
      requestId: '',
    })
  ).department!;
  const solo = (
    await directory.pushDepartment({
      tenantId,
      name: 'Solo',
      externalId: '',
      extra: undefined,
      memberUserIds: [bob.id],
      requestId: '',
    })
  ).department!;
  t.deepEqual(
    (await directory.getUser({ tenantId, id: bob.id })).memberships.map((m) => m.departmentName),
    ['Legal', 'Solo'],
  );

  t.true((await directory.deleteDepartmentPush({ tenantId, id: legal.id })).departmentRemains);
  const kept = (await departmentNamed('Legal'))!;
  t.is(kept.id, legal.id);
  t.is(kept.origin, DepartmentOrigin.DEPARTMENT_ORIGIN_ATTRIBUTE);
  t.deepEqual(await members(legal.id), ['ann@example.com:attribute']);
  // As a pushed group it is gone.
  t.is((await grpcError(directory.deleteDepartmentPush({ tenantId, id: legal.id }))).code, status.NOT_FOUND);

  t.false((await directory.deleteDepartmentPush({ tenantId, id: solo.id })).departmentRemains);
  t.is((await grpcError(directory.getDepartment({ tenantId, id: solo.id }))).code, status.NOT_FOUND);
  t.deepEqual((await directory.getUser({ tenantId, id: bob.id })).memberships, []);
});

test('deleting a user removes their memberships and the departments only they named', async (t) => {
  const { directory, tenantId, createUser, departmentNamed, members } = await setup(t);
  const ann = await createUser('ann@example.com', 'Lonely');
  const g = (
    await directory.pushDepartment({
      tenantId,
      name: 'Group',
      externalId: '',
      extra: undefined,
      memberUserIds: [ann.id],
      requestId: '',
    })
  ).department!;
  await directory.deleteUser({ tenantId, id: ann.id, expectedVersion: undefined });
  t.is(await departmentNamed('Lonely'), undefined);
  t.deepEqual(await members(g.id), []);
  t.is((await directory.getDepartment({ tenantId, id: g.id })).version, g.version + 1);
});

test('members page in a stable order with a total and a cursor', async (t) => {
  const { directory, tenantId, createUser } = await setup(t);
  const users = [];
  for (let i = 0; i < 25; i++) users.push(await createUser(`m${String(i).padStart(2, '0')}@example.com`));
  const g = (
    await directory.pushDepartment({
      tenantId,
      name: 'Big',
      externalId: '',
      extra: undefined,
      memberUserIds: users.map((u) => u.id),
      requestId: '',
    })
  ).department!;
  const seen: string[] = [];
  let cursor = '';
  do {
    const page = await directory.listMembers({
      tenantId,
      departmentId: g.id,
      source: PUSHED,
      limit: 10,
      cursor,
    });
    t.is(page.total, 25);
    seen.push(...page.members.map((m) => m.userId));
    cursor = page.nextCursor;
  } while (cursor);
  t.deepEqual(
    seen,
    users.map((u) => u.id),
  );
});

test('departments of another tenant behave as missing on every call', async (t) => {
  const { directory, tenantId } = await setup(t);
  const intruder = await newTenant(t.context.clients, 'Intruder');
  const g = (
    await directory.pushDepartment({
      tenantId,
      name: 'Secret',
      externalId: '',
      extra: undefined,
      memberUserIds: [],
      requestId: '',
    })
  ).department!;
  const calls = [
    directory.getDepartment({ tenantId: intruder, id: g.id }),
    directory.updateDepartment({
      tenantId: intruder,
      id: g.id,
      department: { ...g, name: 'x' },
      updateMask: ['name'],
      expectedVersion: undefined,
    }),
    directory.deleteDepartmentPush({ tenantId: intruder, id: g.id }),
    directory.changePushedMembers({
      tenantId: intruder,
      departmentId: g.id,
      replace: { userIds: [] },
      addUserIds: [],
      removeUserIds: [],
      expectedVersion: undefined,
    }),
    directory.listMembers({ tenantId: intruder, departmentId: g.id, source: 0, limit: 10, cursor: '' }),
  ];
  for (const call of calls) t.is((await grpcError(call)).code, status.NOT_FOUND);
  t.is((await directory.listDepartments({ tenantId: intruder, query: query() })).total, 0);
  // A user of the intruder cannot be pushed into the owner's group either: it is skipped.
  const theirs = await directory.createUser({
    tenantId: intruder,
    requestId: '',
    user: userInput('spy@example.com'),
  });
  const res = await directory.changePushedMembers({
    tenantId,
    departmentId: g.id,
    replace: undefined,
    addUserIds: [theirs.id],
    removeUserIds: [],
    expectedVersion: undefined,
  });
  t.deepEqual(res.skippedUserIds, [theirs.id]);
  t.is((await directory.getDepartment({ tenantId, id: g.id })).version, g.version);
});
