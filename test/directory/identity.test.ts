import anyTest, { type TestFn } from 'ava';
import { status } from '@grpc/grpc-js';
import { cmp, query } from '@wizer/directory-client';
import {
  grpcError,
  newTenant,
  startDirectory,
  userInput,
  type DirectoryFixture,
} from '../helpers/directory.js';
import { eventsQuery } from '../helpers/watch.js';

/** The identity rules (domain/identity.ts) at the contract: stored forms, keys, refusals. */
const test = anyTest as TestFn<DirectoryFixture>;

test.before(async (t) => {
  t.context = await startDirectory();
});
test.after.always(async (t) => {
  await t.context.close();
});

test('a look-alike is the same user for uniqueness, filters and the provisioning log', async (t) => {
  const { directory } = t.context.clients;
  const tenantId = await newTenant(t.context.clients);
  const created = await directory.createUser({
    tenantId,
    requestId: '',
    user: userInput(' ＡＬＩＣＥ@Example.com\n'),
  });
  t.is(created.userName, 'ＡＬＩＣＥ@Example.com');
  const taken = await grpcError(
    directory.createUser({ tenantId, requestId: '', user: userInput('alice@example.com') }),
  );
  t.is(taken.code, status.ALREADY_EXISTS);
  for (const [op, value] of [
    ['eq', 'Alice@EXAMPLE.com'],
    ['sw', 'ａｌｉ'],
    ['ew', '@EXAMPLE.COM'],
  ] as const) {
    const found = await directory.listUsers({
      tenantId,
      query: query({ filter: cmp('user_name', op, value) }),
      withoutMemberships: true,
    });
    t.deepEqual(
      found.users.map((u) => u.id),
      [created.id],
      `${op} ${value}`,
    );
  }
  const log = await directory.listEvents(
    eventsQuery(tenantId, { resourceName: 'alice@example.com', kinds: ['user.created'], limit: 10 }),
  );
  t.deepEqual(
    log.events.map((e) => e.resourceId),
    [created.id],
  );
});

test('a name stored before the rules does not block other changes, but a new invisible character is refused', async (t) => {
  const { directory } = t.context.clients;
  const tenantId = await newTenant(t.context.clients);
  const user = await directory.createUser({
    tenantId,
    requestId: '',
    user: userInput('legacy@example.com', { emails: [{ value: 'legacy@example.com', primary: true }] }),
  });
  // As an earlier release could have stored it.
  const legacy = 'leg\u200Bacy@example.com';
  const row = await t.context.db.knex('users').where({ id: user.id }).first('profile');
  const profile = {
    ...JSON.parse(row.profile),
    userName: legacy,
    emails: [{ value: legacy, primary: true }],
  };
  await t.context.db
    .knex('users')
    .where({ id: user.id })
    .update({ user_name: legacy, profile: JSON.stringify(profile) });

  // Okta deactivates it (PATCH active=false, PUT of what it read): the stored name is kept.
  const deactivated = await directory.updateUser({
    tenantId,
    id: user.id,
    user: { ...userInput(''), active: false },
    updateMask: ['active'],
  });
  t.false(deactivated.active);
  t.is(deactivated.userName, legacy);
  const replaced = await directory.replaceUser({ tenantId, user: { ...deactivated, title: 'Former' } });
  t.is(replaced.title, 'Former');

  const renamed = await grpcError(
    directory.updateUser({
      tenantId,
      id: user.id,
      user: userInput('leg\u200Bacy\u202E@example.com'),
      updateMask: ['user_name'],
    }),
  );
  t.is(renamed.code, status.INVALID_ARGUMENT);
  t.is(renamed.reason, 'INVALID_VALUE');
  t.regex(renamed.details, /^userName contains U\+200B/);
});

test('a legacy user whose key the migration parked (it collides with another) can still be deactivated', async (t) => {
  const { directory } = t.context.clients;
  const tenantId = await newTenant(t.context.clients);
  const alice = await directory.createUser({ tenantId, requestId: '', user: userInput('alice@a.com') });
  // What 20261130000200_identity_keys leaves for a second, older-rule "alice".
  const id = '00000000-0000-4000-8000-00000000a11c';
  const at = new Date().toISOString();
  const profile = {
    ...userInput('ａｌｉｃｅ@a.com'),
    id: undefined,
    version: undefined,
    memberships: undefined,
  };
  await t.context.db.knex('users').insert({
    id,
    tenant_id: tenantId,
    user_name: 'ａｌｉｃｅ@a.com',
    user_name_norm: `alice@a.com\u200B${id}`,
    active: true,
    profile: JSON.stringify(profile),
    version: 1,
    created_at: at,
    updated_at: at,
  });
  const deactivated = await directory.updateUser({
    tenantId,
    id,
    user: { ...userInput(''), active: false },
    updateMask: ['active'],
  });
  t.false(deactivated.active);
  t.is(deactivated.userName, 'ａｌｉｃｅ@a.com');
  // Renaming it onto the other user is still refused.
  const renamed = await grpcError(
    directory.updateUser({ tenantId, id, user: userInput('ALICE@a.com'), updateMask: ['user_name'] }),
  );
  t.is(renamed.code, status.ALREADY_EXISTS);
  const found = await directory.listUsers({
    tenantId,
    query: query({ filter: cmp('user_name', 'eq', 'alice@a.com') }),
    withoutMemberships: true,
  });
  t.deepEqual(
    found.users.map((u) => u.id),
    [alice.id],
  );
});
