import type { Deps } from '../domain/context.js';
import { InvalidArgumentError, NotFoundError } from '../domain/errors.js';
import { findTenantRow } from '../store/tenants.js';
import { read } from '../store/transaction.js';

const REMEMBERED = 100_000;

/**
 * Every DirectoryService call names a tenant; one that does not exist is NOT_FOUND, on
 * reads, writes and WatchEvents alike (rather than an empty list, or a watch that waits
 * forever). Tenants are never deleted, so a tenant seen once is remembered and checking
 * costs a lookup only the first time.
 */
export class KnownTenants {
  private readonly known = new Set<string>();

  constructor(private readonly deps: Deps) {}

  async check(tenantId: unknown): Promise<void> {
    if (typeof tenantId !== 'string' || !tenantId)
      throw new InvalidArgumentError('INVALID_VALUE', 'tenant_id is required');
    if (this.known.has(tenantId)) return;
    if (!(await read(this.deps.db, (db) => findTenantRow(db, tenantId))))
      throw new NotFoundError('no such tenant');
    if (this.known.size < REMEMBERED) this.known.add(tenantId);
  }
}
