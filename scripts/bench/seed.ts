import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { ChangeFeed } from '../../services/directory/src/domain/context.js';
import { createTenant, issueToken } from '../../services/directory/src/domain/tokens.js';
import type { UserProfile } from '../../services/directory/src/domain/types.js';
import { openDatabase } from '../../services/directory/src/store/db.js';
import { searchColumns } from '../../services/directory/src/store/users.js';

export interface SeededTenant {
  tenantId: string;
  token: string;
  userIds: string[];
  userNames: string[];
}

/** Creates the database (migrations), a tenant and its token through the domain. */
export async function createTenantWithToken(
  url: string,
  name: string,
): Promise<{ tenantId: string; token: string }> {
  const db = await openDatabase(url);
  try {
    const deps = { db, feed: new ChangeFeed() };
    const tenant = await createTenant(deps, name, 'admin:bench');
    const { token } = await issueToken(deps, tenant.id, 'bench', undefined, 'admin:bench');
    return { tenantId: tenant.id, token };
  } finally {
    await db.close();
  }
}

export const benchProfile = (userName: string, i: number): UserProfile => ({
  userName,
  externalId: `00u${i.toString(36).padStart(17, '0')}`,
  active: true,
  name: { givenName: `Given${i}`, familyName: `Family${i}` },
  displayName: `Given${i} Family${i}`,
  emails: [{ value: userName, type: 'work', primary: true }],
  phoneNumbers: [],
  addresses: [],
  locale: 'en-US',
});

const sqliteFile = (url: string) => (url.startsWith('sqlite:') ? url.slice('sqlite:'.length) : undefined);

/**
 * Bulk-inserts users straight into the database: seeding a million users through the API
 * would take longer than the benchmark itself. Rows are the ones the store writes (same
 * columns). SQLite: one transaction with prepared statements; PostgreSQL: multi-row inserts.
 */
export async function bulkUsers(
  url: string,
  tenantId: string,
  count: number,
  prefix: string,
): Promise<{ ids: string[]; names: string[] }> {
  const now = new Date().toISOString();
  const ids: string[] = [];
  const names: string[] = [];
  const rowFor = (i: number) => {
    const userName = `${prefix}${i}@bench.example`;
    const id = randomUUID();
    ids.push(id);
    names.push(userName);
    const columns = searchColumns(benchProfile(userName, i));
    return { ...columns, id, tenant_id: tenantId, version: 1, created_at: now, updated_at: now };
  };
  const file = sqliteFile(url);
  if (!file) {
    const db = await openDatabase(url);
    try {
      for (let start = 0; start < count; start += 1000) {
        const rows = Array.from({ length: Math.min(1000, count - start) }, (_, k) => rowFor(start + k));
        await db.knex.transaction(async (trx) => {
          const inserted = (await trx('users').insert(rows).returning(['pk', 'id'])) as {
            pk: number;
            id: string;
          }[];
          const pkOf = new Map(inserted.map((row) => [row.id, row.pk]));
          await trx('user_emails').insert(
            rows.map((row) => ({
              user_pk: pkOf.get(row.id)!,
              tenant_id: tenantId,
              position: 0,
              value: row.user_name,
              type: 'work',
              primary: true,
            })),
          );
        });
      }
    } finally {
      await db.close();
    }
    return { ids, names };
  }
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const insertUser =
    db.prepare(`INSERT INTO users (id, tenant_id, user_name, user_name_norm, external_id, active, display_name,
    given_name, family_name, employee_number, department, manager_id, profile, version, created_at, updated_at)
    VALUES (@id, @tenant_id, @user_name, @user_name_norm, @external_id, @active, @display_name, @given_name, @family_name,
    @employee_number, @department, @manager_id, @profile, @version, @created_at, @updated_at)`);
  const insertEmail = db.prepare(
    `INSERT INTO user_emails (user_pk, tenant_id, position, value, type, "primary") VALUES (?, ?, 0, ?, 'work', 1)`,
  );
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const row = rowFor(i);
      const { lastInsertRowid } = insertUser.run({ ...row, active: 1 });
      insertEmail.run(lastInsertRowid, tenantId, row.user_name);
    }
  })();
  db.close();
  return { ids, names };
}

/** Bulk-creates a pushed department with the given members. */
export async function bulkGroup(
  url: string,
  tenantId: string,
  name: string,
  memberIds: string[],
): Promise<string> {
  const now = new Date().toISOString();
  const id = randomUUID();
  const department = {
    id,
    tenant_id: tenantId,
    name,
    name_norm: name.toLowerCase(),
    pushed: true,
    external_id: '',
    version: 1,
    created_at: now,
    updated_at: now,
  };
  const file = sqliteFile(url);
  if (!file) {
    const db = await openDatabase(url);
    try {
      await db.knex.transaction(async (trx) => {
        const [{ pk }] = (await trx('departments').insert(department).returning('pk')) as [{ pk: number }];
        for (let start = 0; start < memberIds.length; start += 5000) {
          const rows = (await trx('users')
            .whereIn('id', memberIds.slice(start, start + 5000))
            .select('pk')) as { pk: number }[];
          if (rows.length)
            await trx('memberships').insert(
              rows.map((row) => ({ department_pk: pk, user_pk: row.pk, source: 'pushed' })),
            );
        }
      });
    } finally {
      await db.close();
    }
    return id;
  }
  const { pushed: _pushed, ...withoutPushed } = department;
  const db = new Database(file);
  db.pragma('synchronous = OFF');
  db.transaction(() => {
    const { lastInsertRowid } = db
      .prepare(
        `INSERT INTO departments (id, tenant_id, name, name_norm, pushed, external_id, version, created_at, updated_at)
        VALUES (@id, @tenant_id, @name, @name_norm, 1, @external_id, @version, @created_at, @updated_at)`,
      )
      .run(withoutPushed);
    const pkOf = db.prepare('SELECT pk FROM users WHERE id = ?');
    const insert = db.prepare(
      `INSERT INTO memberships (department_pk, user_pk, source) VALUES (?, ?, 'pushed')`,
    );
    for (const userId of memberIds) insert.run(lastInsertRowid, (pkOf.get(userId) as { pk: number }).pk);
  })();
  db.close();
  return id;
}
