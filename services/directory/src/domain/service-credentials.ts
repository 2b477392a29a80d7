import { randomUUID } from 'node:crypto';
import {
  allServiceCredentials,
  findServiceCredential,
  findServiceCredentialByHash,
  insertServiceCredential,
  revokeServiceCredentialRow,
  rowToServiceCredential,
  touchServiceCredential,
} from '../store/service-credentials.js';
import { findTenantRow } from '../store/tenants.js';
import { read, writeTransaction } from '../store/transaction.js';
import { now, type Deps } from './context.js';
import { InvalidArgumentError, NotFoundError, UnauthenticatedError } from './errors.js';
import { hashSecret, newSecret, secretPattern, visiblePrefix } from './secrets.js';
import type { Role, ServiceCredentialInfo } from './types.js';

/**
 * Service credentials: how the gateway, the admin CLI and other Wizer services prove
 * who they are to the directory. `wzr_svc_` + 256 random bits, shown once, stored as
 * a SHA-256, revocable. The role decides what the caller may do (rpc/authorize.ts).
 */
export const CREDENTIAL_PREFIX = 'wzr_svc_';
const CREDENTIAL_PATTERN = secretPattern(CREDENTIAL_PREFIX);
export const ROLES: readonly Role[] = ['admin', 'gateway', 'reader', 'console'];
/** `last_used_at` is written at most this often, so authentication stays a read. */
const TOUCH_INTERVAL_MS = 60_000;

/** An authenticated caller of the directory. */
export interface Principal {
  /** The credential's id, or `cert:<CN>` for an mTLS identity. */
  readonly id: string;
  readonly name: string;
  readonly role: Role;
  /** Tenants a reader is limited to; empty is every tenant. */
  readonly tenantIds: readonly string[];
}

export const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value);

export async function issueServiceCredential(
  deps: Deps,
  input: { name: string; role: string; tenantIds?: string[] },
): Promise<{ secret: string; info: ServiceCredentialInfo }> {
  const name = input.name.trim();
  if (!name || name.length > 100 || !/^[\w.@:-]+$/.test(name))
    throw new InvalidArgumentError('INVALID_VALUE', 'name is 1–100 letters, digits or . _ - @ :');
  if (!isRole(input.role))
    throw new InvalidArgumentError('INVALID_VALUE', `role must be one of ${ROLES.join(', ')}`);
  const tenantIds = [...new Set(input.tenantIds ?? [])];
  if (tenantIds.length && input.role !== 'reader')
    throw new InvalidArgumentError('INVALID_VALUE', 'only a reader can be limited to tenants');
  const secret = newSecret(CREDENTIAL_PREFIX);
  const row = {
    id: randomUUID(),
    name,
    role: input.role,
    tenant_ids: JSON.stringify(tenantIds),
    prefix: visiblePrefix(secret, CREDENTIAL_PREFIX),
    hash: hashSecret(secret),
    created_at: now(),
    last_used_at: null,
    revoked_at: null,
  };
  await writeTransaction(deps.db, undefined, async (trx) => {
    for (const id of tenantIds)
      if (!(await findTenantRow(trx, id))) throw new NotFoundError(`no such tenant: ${id}`);
    await insertServiceCredential(trx, row);
  });
  return { secret, info: rowToServiceCredential(row) };
}

export async function listServiceCredentials(deps: Deps): Promise<ServiceCredentialInfo[]> {
  return read(deps.db, async (db) => (await allServiceCredentials(db)).map(rowToServiceCredential));
}

/** Revokes a credential; `changed` is false when it already was revoked. */
export async function revokeServiceCredential(
  deps: Deps,
  id: string,
): Promise<{ info: ServiceCredentialInfo; changed: boolean }> {
  return writeTransaction(deps.db, undefined, async (trx) => {
    const changed = (await revokeServiceCredentialRow(trx, id, now())) > 0;
    const row = await findServiceCredential(trx, id);
    if (!row) throw new NotFoundError(`no service credential with id ${id}`);
    return { info: rowToServiceCredential(row), changed };
  });
}

/** Resolves a presented secret to its principal, or throws UnauthenticatedError. */
export async function authenticateServiceCredential(deps: Deps, secret: string): Promise<Principal> {
  if (!CREDENTIAL_PATTERN.test(secret)) throw new UnauthenticatedError('not a Wizer service credential');
  // The lookup is by hash, so its timing says nothing about the secret.
  const row = await read(deps.db, (db) => findServiceCredentialByHash(db, hashSecret(secret)));
  if (!row) throw new UnauthenticatedError('unknown service credential');
  if (row.revoked_at) throw new UnauthenticatedError('the service credential was revoked');
  const at = new Date();
  if (!row.last_used_at || at.getTime() - new Date(row.last_used_at).getTime() > TOUCH_INTERVAL_MS) {
    await writeTransaction(deps.db, undefined, (trx) =>
      touchServiceCredential(trx, row.id, at.toISOString()),
    );
  }
  const info = rowToServiceCredential(row);
  return { id: info.id, name: info.name, role: info.role, tenantIds: info.tenantIds };
}
