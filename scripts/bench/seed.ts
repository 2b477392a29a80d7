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

/**
 * Bulk-inserts users straight into the SQLite file, in one transaction with
 * prepared statements: seeding a million users through the API would take longer
 * than the benchmark itself. Rows are the ones the store writes (same columns).
 */
export function bulkUsers(
  file: string,
  tenantId: string,
  count: number,
  prefix: string,
): { ids: string[]; names: string[] } {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = OFF');
  const now = new Date().toISOString();
  const insertUser =
    db.prepare(`INSERT INTO users (id, tenant_id, user_name, user_name_norm, external_id, active, display_name,
    given_name, family_name, employee_number, department, manager_id, profile, version, created_at, updated_at)
    VALUES (@id, @tenant_id, @user_name, @user_name_norm, @external_id, @active, @display_name, @given_name, @family_name,
    @employee_number, @department, @manager_id, @profile, 1, @now, @now)`);
  const insertEmail = db.prepare(
    `INSERT INTO user_emails (user_pk, tenant_id, position, value, type, "primary") VALUES (?, ?, 0, ?, 'work', 1)`,
  );
  const ids: string[] = [];
  const names: string[] = [];
  db.transaction(() => {
    for (let i = 0; i < count; i++) {
      const userName = `${prefix}${i}@bench.example`;
      const id = randomUUID();
      const columns = searchColumns(benchProfile(userName, i));
      const { lastInsertRowid } = insertUser.run({ ...columns, active: 1, id, tenant_id: tenantId, now });
      insertEmail.run(lastInsertRowid, tenantId, userName);
      ids.push(id);
      names.push(userName);
    }
  })();
  db.close();
  return { ids, names };
}

/** Bulk-creates a pushed department with the given members. */
export function bulkGroup(file: string, tenantId: string, name: string, memberIds: string[]): string {
  const db = new Database(file);
  db.pragma('synchronous = OFF');
  const now = new Date().toISOString();
  const id = randomUUID();
  db.transaction(() => {
    const { lastInsertRowid } = db
      .prepare(
        `INSERT INTO departments (id, tenant_id, name, name_norm, pushed, external_id, version, created_at, updated_at)
        VALUES (?, ?, ?, ?, 1, '', 1, ?, ?)`,
      )
      .run(id, tenantId, name, name.toLowerCase(), now, now);
    const pkOf = db.prepare('SELECT pk FROM users WHERE id = ?');
    const insert = db.prepare(
      `INSERT INTO memberships (department_pk, user_pk, source) VALUES (?, ?, 'pushed')`,
    );
    for (const userId of memberIds) insert.run(lastInsertRowid, (pkOf.get(userId) as { pk: number }).pk);
  })();
  db.close();
  return id;
}
