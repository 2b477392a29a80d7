import { randomUUID, timingSafeEqual } from 'node:crypto';
import {
  allTenantRows,
  disableTenantRow,
  enableTenantRow,
  findTenantRow,
  findTokenAndTenantByHash,
  insertTenant,
  insertToken,
  revokeTokenRow,
  rowToTenant,
  rowToToken,
  tokenRowsOf,
  touchTokenRow,
} from '../store/tenants.js';
import { read, writeTransaction } from '../store/transaction.js';
import { now, type Deps } from './context.js';
import { InvalidArgumentError, NotFoundError, PreconditionError, UnauthenticatedError } from './errors.js';
import { record } from './event-log.js';
import { hashSecret, newSecret, secretPattern, visiblePrefix } from './secrets.js';
import type { Tenant, TokenInfo } from './types.js';

/**
 * Token format: `wzr_scim_` + 43 base64url characters (256 random bits). The fixed
 * prefix lets secret scanners recognise a leaked token; the directory stores
 * only its SHA-256, which is safe for secrets of this entropy.
 */
export const TOKEN_PREFIX = 'wzr_scim_';
const TOKEN_PATTERN = secretPattern(TOKEN_PREFIX);
/** Live tokens a tenant may hold at once: two, to rotate without downtime. */
export const MAX_LIVE_TOKENS = 2;
/** `last_used_at` is written at most this often, so authentication stays a read. */
const TOUCH_INTERVAL_MS = 60_000;

/** The actor of an admin change: who called, as the directory authenticated them. */
const by = (tenantId: string, actor: string) => ({ tenantId, actor });

export async function createTenant(deps: Deps, name: string, actor: string): Promise<Tenant> {
  const trimmed = name.trim();
  if (!trimmed || trimmed.length > 200)
    throw new InvalidArgumentError('INVALID_VALUE', 'a tenant needs a name of 1–200 characters');
  const row = { id: randomUUID(), name: trimmed, created_at: now(), disabled_at: null };
  await writeTransaction(deps.db, undefined, async (trx) => {
    await insertTenant(trx, row);
    await record(
      trx,
      by(row.id, actor),
      { kind: 'tenant.created', resourceType: 'tenant', resourceId: row.id, resourceName: trimmed },
      row.created_at,
    );
  });
  return rowToTenant(row);
}

export async function listTenants(deps: Deps): Promise<Tenant[]> {
  return read(deps.db, async (db) => (await allTenantRows(db)).map(rowToTenant));
}

/**
 * Disables a tenant: its tokens stop authenticating, its data stays. Idempotent: disabling a
 * disabled tenant changes nothing and records nothing.
 */
export async function disableTenant(deps: Deps, tenantId: string, actor: string): Promise<Tenant> {
  return writeTransaction(deps.db, tenantId, async (trx) => {
    const current = (await findTenantRow(trx, tenantId))!;
    if (current.disabled_at) return rowToTenant(current);
    const at = now();
    await disableTenantRow(trx, tenantId, at);
    await record(
      trx,
      by(tenantId, actor),
      { kind: 'tenant.disabled', resourceType: 'tenant', resourceId: tenantId, resourceName: current.name },
      at,
    );
    return rowToTenant((await findTenantRow(trx, tenantId))!);
  });
}

/**
 * Enables a disabled tenant again: its live (unrevoked, unexpired) tokens authenticate again.
 * Idempotent: enabling an enabled tenant changes nothing and records nothing.
 */
export async function enableTenant(deps: Deps, tenantId: string, actor: string): Promise<Tenant> {
  return writeTransaction(deps.db, tenantId, async (trx) => {
    if ((await enableTenantRow(trx, tenantId)) > 0) {
      const row = (await findTenantRow(trx, tenantId))!;
      await record(
        trx,
        by(tenantId, actor),
        { kind: 'tenant.enabled', resourceType: 'tenant', resourceId: tenantId, resourceName: row.name },
        now(),
      );
    }
    return rowToTenant((await findTenantRow(trx, tenantId))!);
  });
}

const isLive = (token: TokenInfo, at: Date) => !token.revokedAt && (!token.expiresAt || token.expiresAt > at);

/** Issues a token for an enabled tenant; the plaintext is returned here only. */
export async function issueToken(
  deps: Deps,
  tenantId: string,
  description: string,
  expiresAt: Date | undefined,
  actor: string,
): Promise<{ token: string; info: TokenInfo }> {
  if (expiresAt && expiresAt.getTime() <= Date.now()) {
    throw new InvalidArgumentError('INVALID_VALUE', 'expires_at is in the past');
  }
  const token = newSecret(TOKEN_PREFIX);
  const info = await writeTransaction(deps.db, tenantId, async (trx) => {
    // Checked in the transaction that holds the tenant's lock, so a token cannot slip in
    // beside a concurrent disable: it would be refused at every use anyway, and a token
    // handed out for a switched-off customer is a secret with no purpose.
    if ((await findTenantRow(trx, tenantId))?.disabled_at) {
      throw new PreconditionError('the tenant is disabled; no token can be issued for it');
    }
    const at = now();
    const live = (await tokenRowsOf(trx, tenantId)).map(rowToToken).filter((t) => isLive(t, new Date(at)));
    if (live.length >= MAX_LIVE_TOKENS) {
      throw new PreconditionError(`the tenant already has ${MAX_LIVE_TOKENS} live tokens; revoke one first`);
    }
    const row = {
      id: randomUUID(),
      tenant_id: tenantId,
      prefix: visiblePrefix(token, TOKEN_PREFIX),
      hash: hashSecret(token),
      description: description.slice(0, 200),
      created_at: at,
      last_used_at: null,
      expires_at: expiresAt?.toISOString() ?? null,
      revoked_at: null,
    };
    await insertToken(trx, row);
    await record(
      trx,
      by(tenantId, actor),
      { kind: 'token.issued', resourceType: 'token', resourceId: row.id, resourceName: row.prefix },
      at,
    );
    return rowToToken(row);
  });
  return { token, info };
}

export async function listTokens(deps: Deps, tenantId: string): Promise<TokenInfo[]> {
  return read(deps.db, async (db) => {
    if (!(await findTenantRow(db, tenantId))) throw new NotFoundError('no such tenant');
    return (await tokenRowsOf(db, tenantId)).map(rowToToken);
  });
}

export async function revokeToken(
  deps: Deps,
  tenantId: string,
  tokenId: string,
  actor: string,
): Promise<TokenInfo> {
  return writeTransaction(deps.db, tenantId, async (trx) => {
    const at = now();
    const changed = await revokeTokenRow(trx, tenantId, tokenId, at);
    const row = (await tokenRowsOf(trx, tenantId)).find((t) => t.id === tokenId);
    if (!row) throw new NotFoundError(`no token with id ${tokenId}`);
    if (changed) {
      await record(
        trx,
        by(tenantId, actor),
        { kind: 'token.revoked', resourceType: 'token', resourceId: tokenId, resourceName: row.prefix },
        at,
      );
    }
    return rowToToken(row);
  });
}

/** Resolves a presented token to its tenant, or throws UnauthenticatedError. */
export async function authenticateToken(
  deps: Deps,
  presented: string,
): Promise<{ tenantId: string; tokenId: string; tenantName: string }> {
  if (!TOKEN_PATTERN.test(presented)) throw new UnauthenticatedError('not a Wizer SCIM token');
  const hash = hashSecret(presented);
  const found = await read(deps.db, (db) => findTokenAndTenantByHash(db, hash));
  // The lookup is by hash, so its timing says nothing about the token; the compare
  // below is constant-time all the same, as a second line of defence.
  if (!found || !timingSafeEqual(Buffer.from(found.token.hash, 'hex'), Buffer.from(hash, 'hex'))) {
    throw new UnauthenticatedError('unknown token');
  }
  const { token, tenant } = found;
  const at = new Date();
  const problem = token.revoked_at
    ? 'the token was revoked'
    : token.expires_at && new Date(token.expires_at) <= at
      ? 'the token has expired'
      : tenant.disabled_at
        ? 'the tenant is disabled'
        : undefined;
  if (problem) {
    await writeTransaction(deps.db, tenant.id, (trx) =>
      record(
        trx,
        { tenantId: tenant.id, actor: `token:${token.id}` },
        {
          kind: 'request.rejected',
          resourceType: 'token',
          resourceId: token.id,
          resourceName: token.prefix,
          outcome: 'error',
          reason: `authentication failed: ${problem}`,
        },
        at.toISOString(),
      ),
    );
    deps.feed.notify(tenant.id);
    throw new UnauthenticatedError(problem);
  }
  if (!token.last_used_at || at.getTime() - new Date(token.last_used_at).getTime() > TOUCH_INTERVAL_MS) {
    await writeTransaction(deps.db, undefined, (trx) => touchTokenRow(trx, token.id, at.toISOString()));
  }
  return { tenantId: tenant.id, tokenId: token.id, tenantName: tenant.name };
}
