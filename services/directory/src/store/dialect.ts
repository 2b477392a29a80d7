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

/**
 * knex gave up waiting for a free connection (`acquireConnectionTimeout`): the pool is
 * exhausted or every connection attempt hangs. Either way, a retry later may succeed.
 */
function isAcquireTimeout(error: unknown): boolean {
  return error instanceof Error && error.name === 'KnexTimeoutError';
}

/**
 * What a log line may say about a store fault: the driver's or the system's code
 * (`57P01`, `ECONNREFUSED`, `SQLITE_BUSY`), else a fixed word for the code-less ones.
 * Never the message: knex prepends the SQL and its bound values to it.
 */
export function faultCode(error: unknown): string {
  const code = codeOf(error);
  if (code && /^[A-Za-z0-9_]{1,40}$/.test(code)) return code;
  if (isAcquireTimeout(error)) return 'KnexTimeoutError';
  if (isConnectionLost(error)) return 'connection-lost';
  return error instanceof Error ? error.name : typeof error;
}

export const sqlite: Dialect = {
  name: 'sqlite',
  isUniqueViolation: (e) =>
    codeOf(e) === 'SQLITE_CONSTRAINT_UNIQUE' || codeOf(e) === 'SQLITE_CONSTRAINT_PRIMARYKEY',
  isRetryable: (e) => codeOf(e) === 'SQLITE_BUSY' || codeOf(e) === 'SQLITE_BUSY_SNAPSHOT',
  isUnavailable: (e) =>
    codeOf(e) === 'SQLITE_CANTOPEN' || codeOf(e) === 'SQLITE_IOERR' || isAcquireTimeout(e),
  // As fast as `IN (?, ?, …)` from 1 to 100 values (measured), and one statement for all.
  inList: '?? IN (SELECT value FROM json_each(?))',
  listParameter: (values) => JSON.stringify(values),
};

/**
 * PostgreSQL (SQLSTATE) and socket codes of a server that is gone, going or not there yet:
 * 57P01 admin_shutdown (a fast restart), 57P02 crash_shutdown, 57P03 cannot_connect_now
 * (starting up or shutting down), 53300 too_many_connections, the 08 class (connection
 * exception: 08000, 08003 does not exist, 08006 failure, 08001 cannot establish, 08004
 * rejected), and the network's own.
 */
const POSTGRES_UNAVAILABLE = new Set([
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '08000',
  '08003',
  '08006',
  '08001',
  '08004',
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * pg's code-less errors for a connection that died under a query ("Connection terminated
 * unexpectedly", "… is not queryable"); knex's "Connection ended unexpectedly". Matched at
 * the end of the message, after the SQL knex prepends.
 */
function isConnectionLost(error: unknown): boolean {
  return (
    error instanceof Error &&
    /(Connection terminated( unexpectedly)?|Connection ended unexpectedly|is not queryable)$/.test(
      error.message,
    )
  );
}

export const postgres: Dialect = {
  name: 'postgres',
  isUniqueViolation: (e) => codeOf(e) === '23505',
  // serialization_failure, deadlock_detected
  isRetryable: (e) => codeOf(e) === '40001' || codeOf(e) === '40P01',
  isUnavailable: (e) =>
    POSTGRES_UNAVAILABLE.has(codeOf(e) ?? '') || isAcquireTimeout(e) || isConnectionLost(e),
  inList: '?? = ANY(?)',
  listParameter: (values) => values,
};
