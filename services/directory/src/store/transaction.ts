import type { Knex } from 'knex';
import { ConflictError, isDomainError, NotFoundError, RetryableError } from '../domain/errors.js';
import { transactionTimer } from '../metrics.js';
import { compiled } from './compiled.js';
import type { Database } from './db.js';
import { faultCode, sqlite } from './dialect.js';
import { postgresWriteTransaction } from './postgres-transaction.js';
import { sqliteWriteTransaction } from './sqlite-transaction.js';

const ATTEMPTS = 3;

/**
 * Finds the tenant's row and, on PostgreSQL, locks it for the rest of the transaction, so
 * that writers of one tenant's rows take turns. knex leaves FOR UPDATE out on SQLite, where
 * BEGIN IMMEDIATE already holds the database-wide write lock.
 */
const lockTenant = compiled<{ tenantId: string }, { id: string }>((db, $) =>
  db('tenants').where({ id: $.tenantId }).forUpdate().first('id'),
);

/**
 * Turns a driver error into a domain error by its code, so that nothing above the
 * store sees SQL. Unknown errors pass through unchanged (they become INTERNAL).
 */
export function translateStoreError(database: Database, error: unknown): unknown {
  if (isDomainError(error)) return error;
  const { dialect } = database;
  if (dialect.isUniqueViolation(error))
    return new ConflictError('a resource with that name or id already exists');
  if (dialect.isRetryable(error))
    return new RetryableError('the store is busy; retry', 'aborted', faultCode(error));
  if (dialect.isUnavailable(error))
    return new RetryableError('the store is unavailable; retry', 'unavailable', faultCode(error));
  return error;
}

/**
 * Runs `work` in one write transaction (BEGIN IMMEDIATE on SQLite, see sqlite-transaction.ts; on PostgreSQL
 * after locking the tenant's row, see postgres-transaction.ts), retrying the whole of it when
 * the database reports a lost race. Both stores may group it with other writes in one
 * transaction. `work` may run more than once: it must not have effects outside the transaction.
 */
export async function writeTransaction<T>(
  database: Database,
  tenantId: string | undefined,
  work: (trx: Knex.Transaction) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const timer = transactionTimer();
    try {
      const lock = async (trx: Knex.Transaction) => {
        if (tenantId !== undefined && !(await lockTenant.first(trx, { tenantId }))) {
          throw new NotFoundError('no such tenant');
        }
      };
      const locked = async (trx: Knex.Transaction) => {
        await lock(trx);
        return work(trx);
      };
      const result =
        database.dialect === sqlite
          ? await sqliteWriteTransaction(database.knex, locked)
          : tenantId !== undefined
            ? await postgresWriteTransaction(database.knex, tenantId, lock, work)
            : await database.knex.transaction(locked);
      timer('commit');
      return result;
    } catch (error) {
      timer('rollback');
      const translated = translateStoreError(database, error);
      if (translated instanceof RetryableError && translated.kind === 'aborted' && attempt < ATTEMPTS)
        continue;
      throw translated;
    }
  }
}

/**
 * Runs a read, translating driver errors like a write. It sees what was committed before each
 * of its statements (on SQLite, on the reader connection: never a write still in progress).
 */
export async function read<T>(database: Database, work: (db: Knex) => Promise<T>): Promise<T> {
  try {
    return await work(database.reader);
  } catch (error) {
    throw translateStoreError(database, error);
  }
}
