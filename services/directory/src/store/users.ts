import type { Knex } from 'knex';
import { identityKey } from '../domain/identity.js';
import type { MembershipSource, Page, Query, User, UserMembership, UserProfile } from '../domain/types.js';
import { userCatalog } from './catalogs.js';
import { queryPage } from './query-page.js';
import type { DbUserRow } from './rows.js';

type Db = Knex | Knex.Transaction;

/** The indexed columns copied out of a profile; '' stands for absent. */
export function searchColumns(profile: UserProfile) {
  return {
    user_name: profile.userName,
    user_name_norm: identityKey(profile.userName),
    external_id: profile.externalId ?? '',
    active: profile.active,
    display_name: profile.displayName ?? '',
    given_name: profile.name?.givenName ?? '',
    family_name: profile.name?.familyName ?? '',
    employee_number: profile.enterprise?.employeeNumber ?? '',
    department: profile.enterprise?.department ?? '',
    manager_id: profile.enterprise?.manager?.value ?? '',
    profile: JSON.stringify(profile),
  };
}

export function rowToUser(row: DbUserRow, memberships: UserMembership[] = []): User {
  const profile = JSON.parse(row.profile) as UserProfile;
  return {
    ...profile,
    id: row.id,
    version: Number(row.version),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    memberships,
  };
}

export async function insertUser(
  db: Db,
  tenantId: string,
  id: string,
  profile: UserProfile,
  requestId: string | undefined,
  now: string,
): Promise<DbUserRow> {
  const [row] = await db('users')
    .insert({
      id,
      tenant_id: tenantId,
      request_id: requestId || null,
      ...searchColumns(profile),
      version: 1,
      created_at: now,
      updated_at: now,
    })
    .returning('*');
  return row as DbUserRow;
}

/**
 * Writes a new profile. With `keepKey` (the userName did not change) the row keeps its
 * identity key: a key the identity-keys migration parked for a colliding legacy name stays
 * parked, so that user can still be updated and deactivated.
 */
export async function updateUserRow(
  db: Db,
  pk: number,
  profile: UserProfile,
  version: number,
  now: string,
  keepKey = false,
): Promise<DbUserRow> {
  const { user_name_norm, ...columns } = searchColumns(profile);
  const [row] = await db('users')
    .where({ pk })
    .update({ ...columns, ...(!keepKey && { user_name_norm }), version, updated_at: now })
    .returning('*');
  return row as DbUserRow;
}

export async function deleteUserRow(db: Db, pk: number): Promise<void> {
  await db('users').where({ pk }).delete();
}

export async function findUserRow(db: Db, tenantId: string, id: string): Promise<DbUserRow | undefined> {
  return db('users').where({ tenant_id: tenantId, id }).first();
}

export async function findUserRowByRequestId(
  db: Db,
  tenantId: string,
  requestId: string,
): Promise<DbUserRow | undefined> {
  return db('users').where({ tenant_id: tenantId, request_id: requestId }).first();
}

/**
 * Resolves user ids of one tenant to primary keys; ids of other tenants or none are absent.
 * The rows are found by the unique id index alone and their tenant checked on the (at most
 * as many as asked) rows returned: with `tenant_id = ?` in the WHERE clause, SQLite's planner
 * picks a tenant index and walks every user of the tenant.
 */
export async function userPksByIds(
  db: Db,
  tenantId: string,
  ids: readonly string[],
): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  for (let i = 0; i < ids.length; i += 500) {
    const rows: { id: string; pk: number; tenant_id: string }[] = await db('users')
      .whereIn('id', ids.slice(i, i + 500))
      .select('id', 'pk', 'tenant_id');
    for (const row of rows) if (row.tenant_id === tenantId) found.set(row.id, row.pk);
  }
  return found;
}

export async function replaceEmails(
  db: Db,
  tenantId: string,
  userPk: number,
  profile: UserProfile,
): Promise<void> {
  await db('user_emails').where({ user_pk: userPk }).delete();
  if (profile.emails.length === 0) return;
  await db('user_emails').insert(
    profile.emails.map((email, position) => ({
      user_pk: userPk,
      tenant_id: tenantId,
      position,
      value: email.value,
      type: email.type ?? '',
      primary: email.primary,
    })),
  );
}

/** The departments each of the given users belongs to, by user primary key. */
export async function membershipsOf(
  db: Db,
  userPks: readonly number[],
): Promise<Map<number, UserMembership[]>> {
  const byUser = new Map<number, UserMembership[]>();
  if (userPks.length === 0) return byUser;
  const rows: { user_pk: number; id: string; name: string; source: MembershipSource }[] = await db(
    'memberships',
  )
    .join('departments', 'departments.pk', 'memberships.department_pk')
    .whereIn('memberships.user_pk', userPks)
    .orderBy(['departments.name_norm', 'memberships.source'])
    .select('memberships.user_pk', 'departments.id', 'departments.name', 'memberships.source');
  for (const row of rows) {
    const list = byUser.get(row.user_pk) ?? [];
    list.push({ departmentId: row.id, departmentName: row.name, source: row.source });
    byUser.set(row.user_pk, list);
  }
  return byUser;
}

/** One page of a tenant's users matching a query, with the total unless skipped. */
export function queryUserRows(db: Db, tenantId: string, query: Query): Promise<Page<DbUserRow>> {
  return queryPage<DbUserRow>(db, { table: 'users', catalog: userCatalog }, tenantId, query);
}

/** The ids of users by primary key (pks of no user are absent). */
export async function userIdsByPks(db: Db, pks: readonly number[]): Promise<Map<number, string>> {
  const found = new Map<number, string>();
  for (let i = 0; i < pks.length; i += 500) {
    const rows: { id: string; pk: number }[] = await db('users')
      .whereIn('pk', pks.slice(i, i + 500))
      .select('id', 'pk');
    for (const row of rows) found.set(row.pk, row.id);
  }
  return found;
}
