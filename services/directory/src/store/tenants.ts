import type { Tenant, TokenInfo } from '../domain/types.js';
import { compiled, type Db } from './compiled.js';
import type { DbTenantRow, DbTokenRow } from './rows.js';

const TENANT_COLUMNS = [
  'id',
  'name',
  'created_at',
  'disabled_at',
] as const satisfies readonly (keyof DbTenantRow)[];

const TOKEN_COLUMNS = [
  'id',
  'tenant_id',
  'prefix',
  'hash',
  'description',
  'created_at',
  'last_used_at',
  'expires_at',
  'revoked_at',
] as const satisfies readonly (keyof DbTokenRow)[];

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

const tenantById = compiled<{ id: string }, DbTenantRow>((db, $) =>
  db('tenants').where({ id: $.id }).first(TENANT_COLUMNS),
);

export async function findTenantRow(db: Db, id: string): Promise<DbTenantRow | undefined> {
  return tenantById.first(db, { id });
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

const tokenAndTenant = compiled<
  { hash: string },
  DbTokenRow & { tenant_name: string; tenant_created_at: string; tenant_disabled_at: string | null }
>((db, $) =>
  db('api_tokens')
    .join('tenants', 'tenants.id', 'api_tokens.tenant_id')
    .where('api_tokens.hash', $.hash)
    .first([
      ...TOKEN_COLUMNS.map((column) => `api_tokens.${column}`),
      'tenants.name as tenant_name',
      'tenants.created_at as tenant_created_at',
      'tenants.disabled_at as tenant_disabled_at',
    ]),
);

/** The token with that hash and its tenant, in one read (every SCIM request authenticates). */
export async function findTokenAndTenantByHash(
  db: Db,
  hash: string,
): Promise<{ token: DbTokenRow; tenant: DbTenantRow } | undefined> {
  const row = await tokenAndTenant.first(db, { hash });
  if (!row) return undefined;
  const { tenant_name, tenant_created_at, tenant_disabled_at, ...token } = row;
  const tenant = {
    id: token.tenant_id,
    name: tenant_name,
    created_at: tenant_created_at,
    disabled_at: tenant_disabled_at,
  };
  return { token, tenant };
}

export async function revokeTokenRow(db: Db, tenantId: string, id: string, now: string): Promise<number> {
  return db('api_tokens')
    .where({ tenant_id: tenantId, id })
    .whereNull('revoked_at')
    .update({ revoked_at: now });
}

const touchToken = compiled<{ id: string; now: string }>((db, $) =>
  db('api_tokens').where({ id: $.id }).update({ last_used_at: $.now }),
);

export async function touchTokenRow(db: Db, id: string, now: string): Promise<void> {
  await touchToken.run(db, { id, now });
}
