import test from 'ava';
import { ChangeFeed } from '../../services/directory/src/domain/context.js';
import { createTenant } from '../../services/directory/src/domain/tokens.js';
import { createUser, deleteUser, listUsers, updateUser } from '../../services/directory/src/domain/users.js';
import type { Query, UserProfile } from '../../services/directory/src/domain/types.js';
import { openDatabase } from '../../services/directory/src/store/db.js';
import { freshDatabase } from '../helpers/database.js';

// A page's total is counted once and kept while the tenant's log has no newer event
// (store/query-page.ts): every change that moves a total must show in the next page.

const profile = (i: number): UserProfile => ({
  userName: `total${i}@example.com`,
  active: true,
  emails: [],
  phoneNumbers: [],
  addresses: [],
});

test('totals follow creates, deactivations and deletes, per tenant and per filter', async (t) => {
  const database = await freshDatabase();
  const db = await openDatabase(database.url);
  try {
    const deps = { db, feed: new ChangeFeed() };
    const a = { tenantId: (await createTenant(deps, 'A', 'admin:test')).id, actor: 'test' };
    const b = { tenantId: (await createTenant(deps, 'B', 'admin:test')).id, actor: 'test' };
    // A page of one, so the total is never read off a short page.
    const all: Query = { offset: 0, limit: 1, descending: false, skipTotal: false };
    const active: Query = { ...all, filter: { field: 'active', op: 'eq', value: true } };
    const total = async (ctx: typeof a, query: Query) => (await listUsers(deps, ctx, query)).total;
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await createUser(deps, a, profile(i))).id);
    await createUser(deps, b, profile(0));
    t.is(await total(a, all), 3);
    t.is(await total(a, all), 3);
    t.is(await total(a, active), 3);
    t.is(await total(b, all), 1);
    await createUser(deps, a, profile(3));
    t.is(await total(a, all), 4);
    await updateUser(deps, a, ids[0]!, { active: false }, ['active']);
    t.is(await total(a, active), 3);
    t.is(await total(a, all), 4);
    await deleteUser(deps, a, ids[1]!);
    t.is(await total(a, all), 3);
    t.is(await total(a, active), 2);
    t.is(await total(b, all), 1);
  } finally {
    await db.close();
    await database.drop();
  }
});
