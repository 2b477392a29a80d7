import test from 'ava';
import { ChangeFeed } from '../../services/directory/src/domain/context.js';
import { createTenant } from '../../services/directory/src/domain/tokens.js';
import { createUser, replaceUser, updateUser } from '../../services/directory/src/domain/users.js';
import type { UserProfile } from '../../services/directory/src/domain/types.js';
import { openDatabase } from '../../services/directory/src/store/db.js';
import { searchColumns } from '../../services/directory/src/store/users.js';
import { freshDatabase } from '../helpers/database.js';

// A write sets only the search columns whose value changes (store/users.ts updateUserRow):
// after any sequence of writes, every column still holds what the profile says.

const base: UserProfile = {
  userName: 'cols@example.com',
  externalId: 'x1',
  active: true,
  displayName: 'Col Umns',
  name: { givenName: 'Col', familyName: 'Umns' },
  emails: [{ value: 'cols@example.com', type: 'work', primary: true }],
  phoneNumbers: [],
  addresses: [],
  enterprise: { employeeNumber: 'e1', department: 'Sales', manager: { value: 'm1' } },
};

test('the search columns follow every write, changed or not, on this store', async (t) => {
  const database = await freshDatabase();
  const db = await openDatabase(database.url);
  try {
    const deps = { db, feed: new ChangeFeed() };
    const tenant = await createTenant(deps, 'Columns', 'admin:test');
    const ctx = { tenantId: tenant.id, actor: 'test' };
    const user = await createUser(deps, ctx, base);
    const stored = async (profile: UserProfile) => {
      const row = await db.knex('users').where({ id: user.id }).first();
      const expected = searchColumns(profile);
      const { profile: _json, ...columns } = expected;
      for (const [column, value] of Object.entries(columns))
        t.deepEqual(column === 'active' ? Boolean(row[column]) : row[column], value, column);
      t.deepEqual(JSON.parse(row.profile), JSON.parse(expected.profile));
    };
    const steps: UserProfile[] = [
      { ...base, displayName: 'Only The Display Name' },
      { ...base, title: 'no search column changes' },
      { ...base, userName: 'COLS@example.com', active: false, externalId: '' },
      { ...base, userName: 'renamed@example.com', name: { givenName: 'Re' }, enterprise: undefined },
      base,
    ];
    for (const step of steps) {
      await replaceUser(deps, ctx, user.id, step);
      await stored(step);
    }
    await updateUser(deps, ctx, user.id, { active: false }, ['active']);
    await stored({ ...base, active: false });
  } finally {
    await db.close();
    await database.drop();
  }
});
