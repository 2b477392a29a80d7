import { status } from '@grpc/grpc-js';
import anyTest, { type TestFn } from 'ava';
import { SkippedIdKind, type UserExplanation } from '#proto/directory.js';
import { EventOutcome } from '#proto/event.js';
import { MembershipSource } from '#proto/user.js';
import {
  grpcError,
  newTenant,
  startDirectory,
  userInput,
  type DirectoryFixture,
} from '../helpers/directory.js';
import { eventsQuery, fullLog } from '../helpers/watch.js';

const test = anyTest as TestFn<DirectoryFixture>;

test.before(async (t) => {
  t.context = await startDirectory();
});
test.after.always(async (t) => {
  await t.context.close();
});

const rejection = (userName: string, reason: string) => ({
  operation: 'POST /api/v1/scim/v2/Users',
  reason,
  httpStatus: 400,
  scimType: 'invalidValue',
  resourceType: 'user',
  resourceId: '',
  resourceName: userName,
  repeats: 0,
});

/**
 * Okta, as it goes: pushes "Platform" naming Ada by its own id before she is provisioned,
 * fails to create her once, creates her (department attribute Engineering), adds her to
 * Platform by her directory id, then pushes "Sales" naming her by its own id again.
 */
async function adaStory(t: { context: DirectoryFixture }) {
  const okta = t.context.connect('token:okta');
  const tenantId = await newTenant(t.context.clients);
  const { directory } = okta;
  const platform = await directory.pushDepartment({
    tenantId,
    name: 'Platform',
    memberUserIds: ['00u-ada'],
    requestId: '',
    extra: undefined,
  });
  await directory.recordRejection({
    tenantId,
    ...rejection('ada@example.com', 'emails[0].value is not an email address'),
  });
  const ada = await directory.createUser({
    tenantId,
    requestId: '',
    user: userInput('Ada@Example.com', { externalId: '00u-ada', enterprise: { department: 'Engineering' } }),
  });
  await directory.changePushedMembers({
    tenantId,
    departmentId: platform.department!.id,
    replace: undefined,
    addUserIds: [ada.id],
    removeUserIds: [],
  });
  const sales = await directory.pushDepartment({
    tenantId,
    name: 'Sales',
    memberUserIds: ['00u-ada'],
    requestId: '',
    extra: undefined,
  });
  return { tenantId, ada, platform: platform.department!, sales: sales.department! };
}

test('ExplainUser: memberships with their source and the change that made them, skipped pushes, rejections, history in order', async (t) => {
  const { tenantId, ada, platform, sales } = await adaStory(t);
  const x: UserExplanation = await t.context.clients.directory.explainUser({
    tenantId,
    user: 'ADA@example.com',
  });
  t.is(x.user?.id, ada.id);
  t.true(x.user?.active);
  t.deepEqual(
    x.memberships.map((m) => [m.departmentName, m.source, m.since?.kind, m.since?.actor]),
    [
      [
        'Engineering',
        MembershipSource.MEMBERSHIP_SOURCE_ATTRIBUTE,
        'department.members_changed',
        'token:okta',
      ],
      ['Platform', MembershipSource.MEMBERSHIP_SOURCE_PUSHED, 'department.members_changed', 'token:okta'],
    ],
  );
  t.deepEqual(x.memberships[1]!.since!.after!.added, [ada.id]);
  // Newest first: Sales (after she was created, not a member), then Platform (before; a member now).
  t.deepEqual(
    x.skipped.map((s) => [s.departmentId, s.memberId, s.idKind, s.beforeCreated, s.memberNow]),
    [
      [sales.id, '00u-ada', SkippedIdKind.SKIPPED_ID_KIND_EXTERNAL_ID, false, false],
      [platform.id, '00u-ada', SkippedIdKind.SKIPPED_ID_KIND_EXTERNAL_ID, true, true],
    ],
  );
  t.is(x.skipped[1]!.event!.outcome, EventOutcome.EVENT_OUTCOME_WARNING);
  t.deepEqual(
    x.rejections.map((e) => e.reason),
    ['emails[0].value is not an email address'],
  );
  // The story, oldest first: the skipped push, the refused create, the create, the memberships.
  t.deepEqual(
    x.history.map((e) => [e.kind, e.resourceName]),
    [
      ['department.members_changed', 'Platform'],
      ['request.rejected', 'ada@example.com'],
      ['user.created', 'Ada@Example.com'],
      ['department.members_changed', 'Engineering'],
      ['department.members_changed', 'Platform'],
      ['department.members_changed', 'Sales'],
    ],
  );
  const sequences = x.history.map((e) => e.sequence);
  t.deepEqual(
    sequences,
    [...sequences].sort((a, b) => a - b),
  );
  const findings = x.findings.join('\n');
  t.regex(findings, new RegExp(`^Ada@Example.com exists \\(id ${ada.id}\\)`));
  t.regex(findings, /They are active\./);
  t.regex(
    findings,
    /In "Engineering" by attribute: their department attribute names it since .* by token:okta/,
  );
  t.regex(findings, /In "Platform" as a pushed member of that group since/);
  t.regex(
    findings,
    /"Platform" .* named 00u-ada, their externalId .* they were created only at .* A later change added them/,
  );
  t.regex(
    findings,
    /"Sales" .* named 00u-ada.* They are not a pushed member of "Sales": push the group again/,
  );
  t.regex(findings, /refused \(400\): emails\[0\]\.value is not an email address/);
  // By id, the same explanation.
  const byId = await t.context.clients.directory.explainUser({ tenantId, user: ada.id });
  t.deepEqual(byId.history, x.history);
});

test('ListEvents with user: every event that touched the user, membership changes included, newest first and in pages', async (t) => {
  const { tenantId, ada } = await adaStory(t);
  const { directory } = t.context.clients;
  const byName = (await directory.listEvents(eventsQuery(tenantId, { user: 'ada@EXAMPLE.com' }))).events;
  t.deepEqual(byName.map((e) => [e.kind, e.resourceName]).reverse(), [
    ['department.members_changed', 'Platform'],
    ['request.rejected', 'ada@example.com'],
    ['user.created', 'Ada@Example.com'],
    ['department.members_changed', 'Engineering'],
    ['department.members_changed', 'Platform'],
    ['department.members_changed', 'Sales'],
  ]);
  // Events about others are not there: the tenant, the departments' creation.
  t.true((await fullLog(t.context.clients, tenantId)).length > byName.length);
  const byId = (await directory.listEvents(eventsQuery(tenantId, { user: ada.id }))).events;
  t.deepEqual(byId, byName);
  // Filters apply: only problems.
  const problems = (await directory.listEvents(eventsQuery(tenantId, { user: ada.id, problemsOnly: true })))
    .events;
  t.deepEqual(
    problems.map((e) => e.outcome),
    [
      EventOutcome.EVENT_OUTCOME_WARNING,
      EventOutcome.EVENT_OUTCOME_ERROR,
      EventOutcome.EVENT_OUTCOME_WARNING,
    ],
  );
  // Paged backwards, two at a time, the same events.
  const paged = [];
  for (let before = 0; ;) {
    const page = await directory.listEvents(
      eventsQuery(tenantId, { user: ada.id, limit: 2, beforeSequence: before }),
    );
    paged.push(...page.events);
    if (!page.nextBeforeSequence) break;
    before = page.nextBeforeSequence;
  }
  t.deepEqual(paged, byName);
  const both = await grpcError(
    directory.listEvents(eventsQuery(tenantId, { user: ada.id, resourceId: ada.id })),
  );
  t.is(both.code, status.INVALID_ARGUMENT);
});

test('ExplainUser: a push that named the id of an earlier, deleted account of the same userName', async (t) => {
  const okta = t.context.connect('token:okta');
  const tenantId = await newTenant(t.context.clients);
  const { directory } = okta;
  const first = await directory.createUser({ tenantId, requestId: '', user: userInput('bob@example.com') });
  const team = (
    await directory.pushDepartment({
      tenantId,
      name: 'Team',
      memberUserIds: [first.id],
      requestId: '',
      extra: undefined,
    })
  ).department!;
  await directory.deleteUser({ tenantId, id: first.id });
  // Okta still holds the old id.
  await directory.changePushedMembers({
    tenantId,
    departmentId: team.id,
    replace: { userIds: [first.id] },
    addUserIds: [],
    removeUserIds: [],
  });
  const again = await directory.createUser({ tenantId, requestId: '', user: userInput('bob@example.com') });
  const x = await t.context.clients.directory.explainUser({ tenantId, user: 'bob@example.com' });
  t.is(x.user?.id, again.id);
  t.deepEqual(
    x.formerAccounts.map((a) => [a.id, a.userName, Boolean(a.createdAt), Boolean(a.deletedAt)]),
    [[first.id, 'bob@example.com', true, true]],
  );
  t.deepEqual(
    x.skipped.map((s) => [s.memberId, s.idKind, s.beforeCreated, s.memberNow]),
    [[first.id, SkippedIdKind.SKIPPED_ID_KIND_FORMER_ACCOUNT, true, false]],
  );
  t.deepEqual(x.memberships, []);
  const findings = x.findings.join('\n');
  t.regex(findings, /They are in no department\./);
  t.regex(findings, new RegExp(`named ${first.id}, the id of their earlier account deleted at `));
  t.regex(findings, new RegExp(`push the group again .* names their id ${again.id}`));
  // The whole history of the person: the first account's membership, its deletion, the skip.
  t.deepEqual(
    x.history.map((e) => e.kind),
    [
      'user.created',
      'department.members_changed',
      'department.members_changed',
      'user.deleted',
      'department.members_changed',
      'user.created',
    ],
  );
  // Asked by the old id, the same person.
  t.is((await t.context.clients.directory.explainUser({ tenantId, user: first.id })).user?.id, again.id);
  // Deactivated, the explanation says so and since when.
  await directory.updateUser({
    tenantId,
    id: again.id,
    user: userInput('', { active: false }),
    updateMask: ['active'],
    expectedVersion: undefined,
  });
  t.regex(
    (await t.context.clients.directory.explainUser({ tenantId, user: again.id })).findings.join('\n'),
    /They are deactivated since .* by token:okta/,
  );
});

test('ExplainUser: a user who does not exist, with and without requests about them', async (t) => {
  const tenantId = await newTenant(t.context.clients);
  const { directory } = t.context.clients;
  const nobody = await directory.explainUser({ tenantId, user: 'nobody@example.com' });
  t.is(nobody.user, undefined);
  t.deepEqual([nobody.history, nobody.skipped, nobody.rejections], [[], [], []]);
  t.regex(nobody.findings[0]!, /No user nobody@example.com exists, and the log holds no request about them/);
  await directory.recordRejection({
    tenantId,
    ...rejection('Refused@example.com', 'a user with that userName already exists in this tenant'),
  });
  const refused = await directory.explainUser({ tenantId, user: 'refused@example.com' });
  t.is(refused.user, undefined);
  t.is(refused.rejections.length, 1);
  t.deepEqual(refused.findings, [
    'No user refused@example.com exists in this tenant.',
    `The latest request about them that was refused: ${refused.rejections[0]!.occurredAt!.toISOString().replace(/\.\d{3}Z$/, 'Z')} POST /api/v1/scim/v2/Users was refused (400): a user with that userName already exists in this tenant.`,
  ]);
  for (const user of [' ', 'ada\u0000@example.com', 'a'.repeat(513)]) {
    t.is((await grpcError(directory.explainUser({ tenantId, user }))).code, status.INVALID_ARGUMENT);
    t.is(
      (await grpcError(directory.listEvents(eventsQuery(tenantId, { user })))).code,
      status.INVALID_ARGUMENT,
    );
  }
});

test('an unknown tenant is NOT_FOUND for ExplainUser and ListEvents, not an empty answer', async (t) => {
  const { directory } = t.context.clients;
  for (const call of [
    directory.explainUser({ tenantId: 'no-such-tenant', user: 'ada@example.com' }),
    directory.listEvents(eventsQuery('no-such-tenant')),
    directory.listEvents(eventsQuery('no-such-tenant', { user: 'ada@example.com' })),
  ]) {
    const error = await grpcError(call);
    t.is(error.code, status.NOT_FOUND);
    t.is(error.details, 'no such tenant');
  }
});

test('ExplainUser is a read: a reader may call it for its tenants only', async (t) => {
  const tenantId = await newTenant(t.context.clients);
  const other = await newTenant(t.context.clients);
  const reader = t.context.connectWith((await t.context.issueCredential('reader', [tenantId])).secret);
  t.is((await reader.directory.explainUser({ tenantId, user: 'x@example.com' })).user, undefined);
  const denied = await grpcError(reader.directory.explainUser({ tenantId: other, user: 'x@example.com' }));
  t.is(denied.code, status.PERMISSION_DENIED);
});

test('a replace of the pushed members names the members it drops in the log, so their history shows it', async (t) => {
  const tenantId = await newTenant(t.context.clients);
  const { directory } = t.context.connect('token:okta');
  const ann = await directory.createUser({ tenantId, requestId: '', user: userInput('ann@example.com') });
  const bob = await directory.createUser({ tenantId, requestId: '', user: userInput('bob@example.com') });
  const { department } = await directory.pushDepartment({
    tenantId,
    name: 'Ops',
    memberUserIds: [ann.id, bob.id],
    requestId: '',
    extra: undefined,
  });
  // Okta's PUT of the group without Bob: the request never names him.
  await directory.changePushedMembers({
    tenantId,
    departmentId: department!.id,
    replace: { userIds: [ann.id] },
    addUserIds: [],
    removeUserIds: [],
  });
  const [latest] = (await directory.listEvents(eventsQuery(tenantId, { user: 'bob@example.com' }))).events;
  t.is(latest?.kind, 'department.members_changed');
  t.deepEqual(latest?.after, { source: 'pushed', added: [], removed: [bob.id] });
  const x = await directory.explainUser({ tenantId, user: bob.id });
  t.deepEqual(x.memberships, []);
});

test('ExplainUser: a user who was deleted: when, by whom, and that only a new create brings them back', async (t) => {
  const tenantId = await newTenant(t.context.clients);
  const { directory } = t.context.connect('token:okta');
  const carol = await directory.createUser({ tenantId, requestId: '', user: userInput('carol@example.com') });
  await directory.deleteUser({ tenantId, id: carol.id });
  for (const asked of ['Carol@example.com', carol.id]) {
    const x = await t.context.clients.directory.explainUser({ tenantId, user: asked });
    t.is(x.user, undefined, asked);
    t.deepEqual(
      x.formerAccounts.map((a) => a.id),
      [carol.id],
    );
    t.regex(
      x.findings[0]!,
      new RegExp(
        `^No user carol@example.com exists now: their account ${carol.id} was deleted at \\S+ by token:okta\\. The provisioning client brings them back only by creating them again \\(a new id\\)\\.$`,
      ),
    );
    t.deepEqual(
      x.history.map((e) => e.kind),
      ['user.created', 'user.deleted'],
    );
  }
});
