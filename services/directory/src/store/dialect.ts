/** The storage engines the directory runs on. */
export type DialectName = 'sqlite' | 'postgres';

/**
 * Everything that differs between SQLite and PostgreSQL, in one place, so that
 * the rest of the store is written once.
 */
export interface Dialect {
  readonly name: DialectName;
  /** A unique index refused the row (SQLite SQLITE_CONSTRAINT_UNIQUE, PostgreSQL 23505). */
  isUniqueViolation(error: unknown): boolean;
  /** The write lost a race that a retry of the whole transaction resolves. */
  isRetryable(error: unknown): boolean;
  /** The database is unreachable or shutting down. */
  isUnavailable(error: unknown): boolean;
  /**
   * The condition that column `??` holds one of the values of a list bound as one
   * parameter (`listParameter`): one statement then serves lists of every length.
   */
  readonly inList: string;
  listParameter(values: readonly unknown[]): unknown;
}

function codeOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : undefined;
}

export const sqlite: Dialect = {
  name: 'sqlite',
  isUniqueViolation: (e) =>
    codeOf(e) === 'SQLITE_CONSTRAINT_UNIQUE' || codeOf(e) === 'SQLITE_CONSTRAINT_PRIMARYKEY',
  isRetryable: (e) => codeOf(e) === 'SQLITE_BUSY' || codeOf(e) === 'SQLITE_BUSY_SNAPSHOT',
  isUnavailable: (e) => codeOf(e) === 'SQLITE_CANTOPEN' || codeOf(e) === 'SQLITE_IOERR',
  // As fast as `IN (?, ?, …)` from 1 to 100 values (measured), and one statement for all.
  inList: '?? IN (SELECT value FROM json_each(?))',
  listParameter: (values) => JSON.stringify(values),
};

export const postgres: Dialect = {
  name: 'postgres',
  isUniqueViolation: (e) => codeOf(e) === '23505',
  // serialization_failure, deadlock_detected
  isRetryable: (e) => codeOf(e) === '40001' || codeOf(e) === '40P01',
  isUnavailable: (e) =>
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', '57P01', '57P03', '08006', '08001'].includes(codeOf(e) ?? ''),
  inList: '?? = ANY(?)',
  listParameter: (values) => values,
};
