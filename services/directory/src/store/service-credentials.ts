import type { Role, ServiceCredentialInfo } from '../domain/types.js';
import { compiled, type Db } from './compiled.js';
import type { DbServiceCredentialRow } from './rows.js';

const CREDENTIAL_COLUMNS = [
  'id',
  'name',
  'role',
  'tenant_ids',
  'prefix',
  'hash',
  'created_at',
  'last_used_at',
  'revoked_at',
] as const satisfies readonly (keyof DbServiceCredentialRow)[];

export function rowToServiceCredential(row: DbServiceCredentialRow): ServiceCredentialInfo {
  return {
    id: row.id,
    name: row.name,
    role: row.role as Role,
    tenantIds: JSON.parse(row.tenant_ids) as string[],
    prefix: row.prefix,
    createdAt: new Date(row.created_at),
    lastUsedAt: row.last_used_at ? new Date(row.last_used_at) : undefined,
    revokedAt: row.revoked_at ? new Date(row.revoked_at) : undefined,
  };
}

export async function insertServiceCredential(db: Db, row: DbServiceCredentialRow): Promise<void> {
  await db('service_credentials').insert(row);
}

const credentialByHash = compiled<{ hash: string }, DbServiceCredentialRow>((db, $) =>
  db('service_credentials').where({ hash: $.hash }).first(CREDENTIAL_COLUMNS),
);

export async function findServiceCredentialByHash(
  db: Db,
  hash: string,
): Promise<DbServiceCredentialRow | undefined> {
  return credentialByHash.first(db, { hash });
}

export async function findServiceCredential(db: Db, id: string): Promise<DbServiceCredentialRow | undefined> {
  return db('service_credentials').where({ id }).first();
}

export async function allServiceCredentials(db: Db): Promise<DbServiceCredentialRow[]> {
  return db('service_credentials').orderBy('created_at');
}

/** Marks a credential revoked; 0 when it already was (or does not exist). */
export async function revokeServiceCredentialRow(db: Db, id: string, now: string): Promise<number> {
  return db('service_credentials').where({ id }).whereNull('revoked_at').update({ revoked_at: now });
}

const touchCredential = compiled<{ id: string; now: string }>((db, $) =>
  db('service_credentials').where({ id: $.id }).update({ last_used_at: $.now }),
);

export async function touchServiceCredential(db: Db, id: string, now: string): Promise<void> {
  await touchCredential.run(db, { id, now });
}
