import type { Knex } from 'knex';
import type { Tenant, TokenInfo } from '../domain/types.js';
import type { DbTenantRow, DbTokenRow } from './rows.js';

type Db = Knex | Knex.Transaction;

export function rowToTenant(row: DbTenantRow): Tenant {
  return {
    id: row.id,
    name: row.name,
    disabled: row.disabled_at !== null,
    createdAt: new Date(row.created_at),
  };
}

export function rowToToken(row: DbTokenRow): TokenInfo {
  const date = (value: string | null) => (value ? new Date(value) : undefined);
  return {
    id: row.id,
    tenantId: row.tenant_id,
    prefix: row.prefix,
    description: row.description,
    createdAt: new Date(row.created_at),
    lastUsedAt: date(row.last_used_at),
    expiresAt: date(row.expires_at),
    revokedAt: date(row.revoked_at),
  };
}

export async function insertTenant(db: Db, row: DbTenantRow): Promise<void> {
  await db('tenants').insert(row);
}

export async function findTenantRow(db: Db, id: string): Promise<DbTenantRow | undefined> {
  return db('tenants').where({ id }).first();
}

export async function allTenantRows(db: Db): Promise<DbTenantRow[]> {
  return db('tenants').orderBy('created_at');
}

export async function disableTenantRow(db: Db, id: string, now: string): Promise<void> {
  await db('tenants').where({ id }).whereNull('disabled_at').update({ disabled_at: now });
}

/** Enables a disabled tenant; 0 when it was not disabled. */
export async function enableTenantRow(db: Db, id: string): Promise<number> {
  return db('tenants').where({ id }).whereNotNull('disabled_at').update({ disabled_at: null });
}

export async function insertToken(db: Db, row: DbTokenRow): Promise<void> {
  await db('api_tokens').insert(row);
}

export async function tokenRowsOf(db: Db, tenantId: string): Promise<DbTokenRow[]> {
  return db('api_tokens').where({ tenant_id: tenantId }).orderBy('created_at');
}

export async function findTokenRowByHash(db: Db, hash: string): Promise<DbTokenRow | undefined> {
  return db('api_tokens').where({ hash }).first();
}

export async function revokeTokenRow(db: Db, tenantId: string, id: string, now: string): Promise<number> {
  return db('api_tokens')
    .where({ tenant_id: tenantId, id })
    .whereNull('revoked_at')
    .update({ revoked_at: now });
}

export async function touchTokenRow(db: Db, id: string, now: string): Promise<void> {
  await db('api_tokens').where({ id }).update({ last_used_at: now });
}
