import anyTest, { type TestFn } from 'ava';
import { status } from '@grpc/grpc-js';
import type { Filter } from '#proto/query.js';
import {
  grpcError,
  newTenant,
  startDirectory,
  userInput,
  type DirectoryFixture,
} from '../helpers/directory.js';
import { and, anyEmail, cmp, not, or, query } from '@wizer/directory-client';

interface Ctx extends DirectoryFixture {
  tenantId: string;
  ids: Record<string, string>;
}
const test = anyTest as TestFn<Ctx>;

const PEOPLE = [
  {
    userName: 'alice@example.com',
    externalId: 'ext-A',
    displayName: 'Alice Archer',
    active: true,
    title: 'CEO',
    emails: [
      { value: 'alice@example.com', type: 'work', primary: true },
      { value: 'ali@home.example', type: 'home', primary: false },
    ],
    enterprise: { department: 'Exec', employeeNumber: '001' },
  },
  {
    userName: 'Bob@Example.com',
    externalId: 'ext-b',
    displayName: 'bob baker',
    active: false,
    emails: [{ value: 'bob@example.com', type: 'work', primary: true }],
    enterprise: { department: 'Sales' },
  },
  {
    userName: 'carol@corp.example',
    externalId: '',
    displayName: 'Carol 100%_done',
    active: true,
    emails: [{ value: 'carol@corp.example', type: 'home', primary: false }],
  },
  { userName: 'dave@example.com', active: true, emails: [] },
];

test.before(async (t) => {
  const fixture = await startDirectory();
  const tenantId = await newTenant(fixture.clients);
  const ids: Record<string, string> = {};
  for (const p of PEOPLE) {
    const { userName, ...rest } = p;
    const u = await fixture.clients.directory.createUser({
      tenantId,
      requestId: '',
      user: userInput(userName, rest),
    });
    ids[userName.toLowerCase().split('@')[0]!] = u.id;
  }
  // A user of another tenant that matches every filter below must never appear.
  const other = await newTenant(fixture.clients, 'Other');
  for (const p of PEOPLE) {
    const { userName, ...rest } = p;
    await fixture.clients.directory.createUser({
      tenantId: other,
      requestId: '',
      user: userInput(userName, rest),
    });
  }
  t.context = { ...fixture, tenantId, ids };
});
test.after.always(async (t) => {
  await t.context.close();
});

const cases: Array<[string, Filter, string[]]> = [
  ['userName eq, any case', cmp('user_name', 'eq', 'BOB@example.COM'), ['bob']],
  ['externalId eq is case-exact', cmp('external_id', 'eq', 'ext-B'), []],
  ['externalId eq', cmp('external_id', 'eq', 'ext-b'), ['bob']],
  ['ne includes absent values', cmp('external_id', 'ne', 'ext-A'), ['bob', 'carol', 'dave']],
  ['co, case-insensitive on displayName', cmp('display_name', 'co', 'BAKER'), ['bob']],
  ['co treats % and _ literally', cmp('display_name', 'co', '100%_'), ['carol']],
  ['sw', cmp('user_name', 'sw', 'CA'), ['carol']],
  ['ew', cmp('user_name', 'ew', '@EXAMPLE.com'), ['alice', 'bob', 'dave']],
  ['pr', cmp('external_id', 'pr'), ['alice', 'bob']],
  ['eq null is absent', cmp('display_name', 'eq', null), ['dave']],
  ['boolean eq', cmp('active', 'eq', false), ['bob']],
  ['gt on strings', cmp('user_name', 'gt', 'bob@example.com'), ['carol', 'dave']],
  ['le on strings', cmp('user_name', 'le', 'bob@example.com'), ['alice', 'bob']],
  ['enterprise department', cmp('enterprise.department', 'eq', 'sales'), ['bob']],
  ['and', and(cmp('active', 'eq', true), cmp('user_name', 'ew', 'example.com')), ['alice', 'dave']],
  ['or', or(cmp('external_id', 'eq', 'ext-A'), cmp('user_name', 'sw', 'dave')), ['alice', 'dave']],
  [
    'not includes users without the attribute',
    not(cmp('enterprise.department', 'eq', 'Exec')),
    ['bob', 'carol', 'dave'],
  ],
  ['any email value', anyEmail(cmp('value', 'eq', 'ALI@home.example')), ['alice']],
  [
    'any email type and primary together',
    anyEmail(and(cmp('type', 'eq', 'work'), cmp('primary', 'eq', true))),
    ['alice', 'bob'],
  ],
  [
    'any email is per email, not per user',
    anyEmail(and(cmp('type', 'eq', 'home'), cmp('primary', 'eq', true))),
    [],
  ],
  ['no email at all', not(anyEmail(cmp('value', 'pr'))), ['dave']],
  [
    'created_at compares as time',
    cmp('created_at', 'gt', new Date('2000-01-01T00:00:00Z')),
    ['alice', 'bob', 'carol', 'dave'],
  ],
];

for (const [name, filter, expected] of cases) {
  test(`filter: ${name}`, async (t) => {
    const page = await t.context.clients.directory.listUsers({
      tenantId: t.context.tenantId,
      query: query({ filter }),
      withoutMemberships: true,
    });
    const byId = Object.fromEntries(Object.entries(t.context.ids).map(([k, v]) => [v, k]));
    t.deepEqual(page.users.map((u) => byId[u.id]).sort(), expected);
    t.is(page.total, expected.length);
  });
}

const invalid: Array<[string, Filter, string]> = [
  ['an unknown field', cmp('password', 'eq', 'x'), 'INVALID_FILTER'],
  ['gt on a boolean', cmp('active', 'gt', true), 'INVALID_FILTER'],
  ['a string against a boolean field', cmp('active', 'eq', 'yes'), 'INVALID_FILTER'],
  ['a bad date', cmp('created_at', 'gt', 'yesterday'), 'INVALID_FILTER'],
  ['an email field outside any_email', cmp('primary', 'eq', true), 'INVALID_FILTER'],
];
for (const [name, filter, reason] of invalid) {
  test(`invalid filter: ${name}`, async (t) => {
    const err = await grpcError(
      t.context.clients.directory.listUsers({
        tenantId: t.context.tenantId,
        query: query({ filter }),
        withoutMemberships: true,
      }),
    );
    t.is(err.code, status.INVALID_ARGUMENT);
    t.is(err.reason, reason);
  });
}

test('offset paging and ordering, with the total on every page', async (t) => {
  const { directory } = t.context.clients;
  const tenantId = t.context.tenantId;
  const p1 = await directory.listUsers({
    tenantId,
    query: query({ orderBy: 'user_name', limit: 2 }),
    withoutMemberships: true,
  });
  const p2 = await directory.listUsers({
    tenantId,
    query: query({ orderBy: 'user_name', limit: 2, offset: 2 }),
    withoutMemberships: true,
  });
  t.deepEqual(
    [...p1.users, ...p2.users].map((u) => u.userName),
    ['alice@example.com', 'Bob@Example.com', 'carol@corp.example', 'dave@example.com'],
  );
  t.is(p1.total, 4);
  t.is(p2.total, 4);
  const desc = await directory.listUsers({
    tenantId,
    query: query({ orderBy: 'display_name', descending: true }),
    withoutMemberships: true,
  });
  t.deepEqual(
    desc.users.map((u) => u.displayName ?? ''),
    ['Carol 100%_done', 'bob baker', 'Alice Archer', ''],
  );
  const onlyTotal = await directory.listUsers({
    tenantId,
    query: query({ limit: 0 }),
    withoutMemberships: true,
  });
  t.deepEqual(onlyTotal.users, []);
  t.is(onlyTotal.total, 4);
  const tooMany = await grpcError(
    directory.listUsers({ tenantId, query: query({ limit: 5000 }), withoutMemberships: true }),
  );
  t.is(tooMany.reason, 'TOO_MANY');
});

test('a cursor walks every user exactly once, even with writes between pages', async (t) => {
  const { directory } = t.context.clients;
  const tenantId = await newTenant(t.context.clients, 'Paging');
  for (let i = 0; i < 30; i++) {
    await directory.createUser({
      tenantId,
      requestId: '',
      user: userInput(`p${i}@x.example`, { displayName: `Name ${i % 7}` }),
    });
  }
  for (const orderBy of ['', 'display_name', 'user_name']) {
    const seen: string[] = [];
    let cursor = '';
    let pages = 0;
    do {
      const page = await directory.listUsers({
        tenantId,
        query: query({ orderBy, limit: 7, cursor, skipTotal: true }),
        withoutMemberships: true,
      });
      t.is(page.total, undefined);
      seen.push(...page.users.map((u) => u.userName));
      cursor = page.nextCursor;
      if (pages++ === 1 && orderBy === '') {
        // A user created mid-walk lands after the cursor in creation order, and is seen once.
        await directory.createUser({ tenantId, requestId: '', user: userInput(`late@x.example`) });
      }
    } while (cursor);
    t.is(new Set(seen).size, seen.length, `no repeats ordering by ${orderBy || 'creation'}`);
    t.is(seen.length, 31);
  }
  const bad = await grpcError(
    directory.listUsers({ tenantId, query: query({ cursor: 'not-a-cursor' }), withoutMemberships: true }),
  );
  t.is(bad.reason, 'INVALID_CURSOR');
});

test('departments filter by name, pushed and pushed member', async (t) => {
  const { directory } = t.context.clients;
  const tenantId = t.context.tenantId;
  await directory.pushDepartment({
    tenantId,
    name: 'Board',
    externalId: 'g1',
    extra: undefined,
    memberUserIds: [t.context.ids.alice!],
    requestId: '',
  });
  const byMember = await directory.listDepartments({
    tenantId,
    query: query({ filter: cmp('member_user_id', 'eq', t.context.ids.alice!) }),
  });
  t.deepEqual(
    byMember.departments.map((d) => d.name),
    ['Board'],
  );
  const attributeOnly = await directory.listDepartments({
    tenantId,
    query: query({ filter: cmp('pushed', 'eq', false), orderBy: 'name' }),
  });
  t.deepEqual(
    attributeOnly.departments.map((d) => d.name),
    ['Exec', 'Sales'],
  );
  const byName = await directory.listDepartments({
    tenantId,
    query: query({ filter: cmp('name', 'eq', 'BOARD') }),
  });
  t.is(byName.departments[0]?.externalId, 'g1');
});
