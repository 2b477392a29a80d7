import anyTest, { type TestFn } from 'ava';
import type { Filter, Query } from '#proto/query.js';
import { and, cmp, query } from '@wizer/directory-client';
import { queryFromProto } from '../../services/directory/src/rpc/mappers.js';
import { lookupUserWithMemberships } from '../../services/directory/src/store/users.js';
import { read } from '../../services/directory/src/store/transaction.js';
import { newTenant, startDirectory, userInput, type DirectoryFixture } from '../helpers/directory.js';

// A lookup by a unique field (userName, id) is read with the user's memberships in one
// statement (store/users.ts, lookupUserWithMemberships). The general path — the page, then its
// memberships — is the oracle: the same filter with a condition every user meets added goes
// that way, and both must give the same answer.

interface Ctx extends DirectoryFixture {
  tenantId: string;
  otherTenantId: string;
  ada: string;
  bob: string;
}
const test = anyTest as TestFn<Ctx>;

test.before(async (t) => {
  const fixture = await startDirectory();
  const { directory } = fixture.clients;
  const tenantId = await newTenant(fixture.clients);
  const create = async (tenant: string, userName: string, department?: string) =>
    (
      await directory.createUser({
        tenantId: tenant,
        requestId: '',
        user: userInput(userName, department ? { enterprise: { department } } : {}),
      })
    ).id;
  const ada = await create(tenantId, 'Ada@Example.com', 'Research');
  const bob = await create(tenantId, 'bob@example.com');
  await create(tenantId, 'carol@example.com', 'Research');
  // Ada belongs to three departments, by both sources; Bob to none.
  for (const name of ['Zeta', 'Alpha'])
    await directory.pushDepartment({ tenantId, name, extra: undefined, memberUserIds: [ada], requestId: '' });
  // Another tenant with a user of the same name: never in this tenant's answers.
  const otherTenantId = await newTenant(fixture.clients, 'Other');
  await create(otherTenantId, 'ada@example.com', 'Elsewhere');
  await create(otherTenantId, 'only-there@example.com');
  t.context = { ...fixture, tenantId, otherTenantId, ada, bob };
});
test.after.always(async (t) => {
  await t.context.close();
});

/** The same users, by the general path: a second condition every user meets. */
const general = (filter: Filter) => and(filter, cmp('user_name', 'pr'));

const list = (t: { context: Ctx }, q: Query) =>
  t.context.clients.directory.listUsers({
    tenantId: t.context.tenantId,
    query: q,
    withoutMemberships: false,
  });

const lookups: Array<[string, (c: Ctx) => Partial<Query> & { filter: Filter }, number]> = [
  [
    'userName in another case, three memberships',
    () => ({ filter: cmp('user_name', 'eq', 'ADA@example.COM') }),
    1,
  ],
  ['id', (c) => ({ filter: cmp('id', 'eq', c.ada) }), 1],
  ['a user without memberships', () => ({ filter: cmp('user_name', 'eq', 'bob@example.com') }), 1],
  ['nobody of that name', () => ({ filter: cmp('user_name', 'eq', 'nobody@example.com') }), 0],
  ['a name only another tenant has', () => ({ filter: cmp('user_name', 'eq', 'only-there@example.com') }), 0],
  ['without the total', () => ({ filter: cmp('user_name', 'eq', 'ada@example.com'), skipTotal: true }), 1],
  ['a page of one', () => ({ filter: cmp('user_name', 'eq', 'ada@example.com'), limit: 1 }), 1],
];

for (const [name, make, found] of lookups) {
  test(`a lookup answers as the general path: ${name}`, async (t) => {
    const q = make(t.context);
    const fast = await list(t, query(q));
    const oracle = await list(t, query({ ...q, filter: general(q.filter) }));
    t.is(fast.users.length, found);
    t.deepEqual(fast, oracle);
    if (found) {
      // And as a GET by id: the same user, with the same memberships in the same order.
      const user = await t.context.clients.directory.getUser({
        tenantId: t.context.tenantId,
        id: fast.users[0]!.id,
      });
      t.deepEqual(fast.users[0], user);
    }
  });
}

test("Ada's lookup holds her three departments, in a GET's order", async (t) => {
  const page = await list(t, query({ filter: cmp('user_name', 'eq', 'ada@example.com') }));
  t.deepEqual(
    page.users[0]?.memberships.map((m) => m.departmentName),
    ['Alpha', 'Research', 'Zeta'],
  );
  t.is(page.total, 1);
});

test('only a first page of an eq on a unique field takes the one-statement lookup', async (t) => {
  const { db, tenantId, ada } = t.context;
  const take = (q: Partial<Query>) =>
    read(db, (reader) => lookupUserWithMemberships(reader, tenantId, queryFromProto(query(q))));
  t.truthy(await take({ filter: cmp('user_name', 'eq', 'ada@example.com') }));
  t.truthy(await take({ filter: cmp('id', 'eq', ada) }));
  // Not unique, not an eq, not a first page, or only the total: the general path.
  t.is(await take({ filter: cmp('external_id', 'eq', 'x') }), undefined);
  t.is(await take({ filter: cmp('user_name', 'sw', 'ada') }), undefined);
  t.is(await take({ filter: general(cmp('user_name', 'eq', 'ada@example.com')) }), undefined);
  t.is(await take({ filter: cmp('user_name', 'eq', 'ada@example.com'), offset: 1 }), undefined);
  t.is(await take({ filter: cmp('user_name', 'eq', 'ada@example.com'), limit: 0 }), undefined);
  t.is(await take({}), undefined);
});

test('past the first page and only the total, as the general path answers them', async (t) => {
  const filter = cmp('user_name', 'eq', 'ada@example.com');
  for (const q of [{ offset: 1 }, { limit: 0 }]) {
    const page = await list(t, query({ ...q, filter }));
    t.deepEqual(page.users, []);
    t.is(page.total, 1);
  }
});
