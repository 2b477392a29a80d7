import anyTest, { type TestFn } from 'ava';
import { status } from '@grpc/grpc-js';
import { OperatorRole } from '#proto/admin.js';
import { MembershipSource } from '#proto/user.js';
import {
  grpcError,
  newTenant,
  startDirectory,
  userInput,
  type DirectoryFixture,
} from '../helpers/directory.js';

/** What the operator console needs of the directory: operators, and the tenant aggregates. */

const test = anyTest as TestFn<DirectoryFixture>;

test.before(async (t) => {
  t.context = await startDirectory();
});
test.after.always(async (t) => {
  await t.context.close();
});

test('operators: added with a generated password shown once and kept as a scrypt hash; sign-in checks it', async (t) => {
  const { admin } = t.context.clients;
  const { operator, password } = await admin.addOperator({
    name: 'Alice',
    role: OperatorRole.OPERATOR_ROLE_ADMIN,
  });
  t.like(operator, { name: 'Alice', role: OperatorRole.OPERATOR_ROLE_ADMIN });
  t.true(password.length >= 20);
  const rows = JSON.stringify(await t.context.db.knex('operators').select());
  t.false(rows.includes(password), 'no plaintext password is stored');
  t.regex(rows, /scrypt\$16384\$8\$1\$/);
  t.like(await admin.authenticateOperator({ name: 'alice', password }), { name: 'Alice' });
  for (const [name, wrong] of [
    ['Alice', `${password}x`],
    ['Alice', ''],
    ['nobody', password],
    ['bad name!', password],
  ] as const)
    t.is(
      (await grpcError(admin.authenticateOperator({ name, password: wrong }))).code,
      status.UNAUTHENTICATED,
    );
  t.is(
    (await grpcError(admin.addOperator({ name: 'ALICE', role: OperatorRole.OPERATOR_ROLE_VIEWER }))).code,
    status.ALREADY_EXISTS,
  );
  t.is(
    (await grpcError(admin.addOperator({ name: 'eve', role: OperatorRole.OPERATOR_ROLE_UNSPECIFIED }))).code,
    status.INVALID_ARGUMENT,
  );
  const viewer = await admin.addOperator({ name: 'bob', role: OperatorRole.OPERATOR_ROLE_VIEWER });
  t.deepEqual(
    (await admin.listOperators({})).operators.map((o) => [o.name, o.role]),
    [
      ['Alice', OperatorRole.OPERATOR_ROLE_ADMIN],
      ['bob', OperatorRole.OPERATOR_ROLE_VIEWER],
    ],
  );
  await admin.removeOperator({ name: 'BOB' });
  t.is(
    (await grpcError(admin.authenticateOperator({ name: 'bob', password: viewer.password }))).code,
    status.UNAUTHENTICATED,
  );
  t.is((await grpcError(admin.removeOperator({ name: 'bob' }))).code, status.NOT_FOUND);
});

test('a tenant summary, the creations per minute, rejections by reason and member counts by source', async (t) => {
  const { admin, directory } = t.context.clients;
  const tenantId = await newTenant(t.context.clients, 'Counted');
  const started = new Date(Date.now() - 60_000);
  const ids: string[] = [];
  for (let i = 0; i < 5; i++) {
    const user = await directory.createUser({
      tenantId,
      user: userInput(`u${i}@example.com`, {
        active: i !== 4,
        enterprise: {
          department: 'Engineering',
          employeeNumber: '',
          costCenter: '',
          organization: '',
          division: '',
        },
      }),
      requestId: '',
    });
    ids.push(user.id);
  }
  const pushed = await directory.pushDepartment({
    tenantId,
    name: 'Platform',
    extra: undefined,
    memberUserIds: ids.slice(0, 2),
    requestId: '',
  });
  for (const reason of ['duplicate userName', 'duplicate userName', 'unknown id'])
    await directory.recordRejection({
      tenantId,
      operation: 'POST /Users',
      reason,
      httpStatus: 409,
      scimType: 'uniqueness',
      resourceType: 'user',
      resourceId: '',
      resourceName: 'x@example.com',
      repeats: 0,
    });
  const { token } = await admin.issueToken({ tenantId, description: '', expiresAt: undefined });
  await admin.authenticateToken({ token });

  const summary = await directory.summarizeTenant({ tenantId, since: undefined });
  t.like(summary, {
    tenantId,
    activeUsers: 4,
    inactiveUsers: 1,
    pushedDepartments: 1,
    attributeDepartments: 1,
    rejections: 3,
  });
  t.truthy(summary.lastRequestAt, 'the token’s use is the last request');
  t.true(summary.lastSequence > 0);

  const curve = await directory.countUserCreations({ tenantId, since: started, until: undefined });
  t.is(curve.total, 5);
  t.is(
    curve.minutes.reduce((sum, m) => sum + m.count, 0),
    5,
  );
  for (const m of curve.minutes) t.is(m.minute!.getUTCSeconds(), 0);
  t.is(
    (await grpcError(directory.countUserCreations({ tenantId, since: new Date(0), until: undefined }))).code,
    status.INVALID_ARGUMENT,
    'a window longer than 7 days is refused',
  );

  const { groups } = await directory.summarizeRejections({ tenantId, since: undefined, examples: 1 });
  t.deepEqual(
    groups.map((g) => [g.reason, g.count, g.examples.length]),
    [
      ['duplicate userName', 2, 1],
      ['unknown id', 1, 1],
    ],
  );

  const { departments } = await directory.listDepartments({ tenantId, query: undefined });
  const engineering = departments.find((d) => d.name === 'Engineering')!;
  const { counts } = await directory.countMembers({
    tenantId,
    departmentIds: [engineering.id, pushed.department!.id],
  });
  t.deepEqual(
    counts.map((c) => [c.departmentId, c.attribute, c.pushed]),
    [
      [engineering.id, 5, 0],
      [pushed.department!.id, 0, 2],
    ],
  );
  const members = await directory.listMembers({
    tenantId,
    departmentId: pushed.department!.id,
    source: MembershipSource.MEMBERSHIP_SOURCE_PUSHED,
    cursor: '',
  });
  t.is(members.members.length, 2);
  t.is(
    (await grpcError(directory.summarizeTenant({ tenantId: 'nope', since: undefined }))).code,
    status.NOT_FOUND,
  );
});
