/**
 * Another Wizer service, as scripts/client-consumer-check.sh builds it: a TypeScript project of
 * its own outside this repository whose only dependency on the directory is the packed
 * @wizer/directory-client tarball, type-checked under strict and run with node. It reads a
 * tenant with a reader credential and follows its log until it sees the event for
 * EXPECT_USER_NAME, printing one JSON line per step (the test reads them).
 *
 * Environment: DIRECTORY_ADDRESS, DIRECTORY_CREDENTIAL (reader), TENANT_ID, OTHER_TENANT_ID (a
 * tenant the credential is not for), EXPECT_USER_NAME, DEPARTMENT (a department name),
 * CONSUMER_TIMEOUT_MS (a failure bound, default 120 s).
 */
import {
  cmp,
  connectDirectory,
  ErrorReason,
  ListEventsRequest,
  MembershipSource,
  query,
  reasonOf,
  type Event,
  type User,
} from '@wizer/directory-client';
import type { ListMembersRequest } from '@wizer/directory-client/gen/directory.js';

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

const print = (step: string, value: object) => console.log(JSON.stringify({ step, ...value }));

const tenantId = env('TENANT_ID');
const expectUserName = env('EXPECT_USER_NAME');
const bound = AbortSignal.timeout(Number(process.env.CONSUMER_TIMEOUT_MS ?? 120_000));

const { directory, follow, serving, close } = connectDirectory(env('DIRECTORY_ADDRESS'), {
  actor: 'service:consumer-check',
  credential: env('DIRECTORY_CREDENTIAL'),
  deadlineMs: 30_000,
});

try {
  print('serving', { serving: await serving(30_000) });

  const all = await directory.listUsers({
    tenantId,
    query: query({ orderBy: 'user_name', limit: 100 }),
    withoutMemberships: false,
  });
  const names = (users: User[]) => users.map((user) => user.userName);
  print('users', { total: all.total ?? null, userNames: names(all.users) });

  const inDepartment = await directory.listUsers({
    tenantId,
    query: query({
      filter: cmp('enterprise.department', 'eq', env('DEPARTMENT')),
      orderBy: 'user_name',
      descending: true,
    }),
    withoutMemberships: true,
  });
  print('usersInDepartment', { userNames: names(inDepartment.users) });

  const { departments } = await directory.listDepartments({ tenantId, query: query({ orderBy: 'name' }) });
  print('departments', { names: departments.map((department) => department.name) });

  const department = departments.find((d) => d.name === env('DEPARTMENT'));
  if (!department) throw new Error(`no department ${env('DEPARTMENT')}`);
  const membersRequest: ListMembersRequest = {
    tenantId,
    departmentId: department.id,
    source: MembershipSource.MEMBERSHIP_SOURCE_UNSPECIFIED,
    cursor: '',
  };
  const { members, total } = await directory.listMembers(membersRequest);
  print('members', { total, userNames: members.map((member) => member.userName) });

  try {
    await directory.listUsers({ tenantId: env('OTHER_TENANT_ID'), query: query(), withoutMemberships: true });
    print('otherTenant', { refused: false });
  } catch (error) {
    const { code } = error as { code?: number };
    print('otherTenant', { refused: true, code, reason: ErrorReason[reasonOf(error)] });
  }

  // Where to start following: the newest event now (a service would store the last sequence
  // it handled and resume after it, across its own restarts).
  const newest = await directory.listEvents(ListEventsRequest.fromPartial({ tenantId, limit: 1 }));
  const after = newest.events[0]?.sequence ?? 0;
  print('ready', { afterSequence: after });

  let seen: Event | undefined;
  for await (const event of follow({ tenantId, afterSequence: after }, bound)) {
    print('event', { sequence: event.sequence, kind: event.kind, resourceName: event.resourceName });
    if (event.resourceName === expectUserName) {
      seen = event;
      break;
    }
  }
  if (!seen) throw new Error(`no event for ${expectUserName} within the bound`);
  print('done', { sequence: seen.sequence });
} finally {
  close();
}
