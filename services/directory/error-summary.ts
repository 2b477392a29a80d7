/** What an unexpected error may say in a log line at the default level. */
export interface ErrorSummary {
  /** The error's class: `SqliteError`, `DatabaseError`, `TypeError`… */
  errorClass: string;
  /** A driver or system code (`SQLITE_CONSTRAINT`, `23505`, `ECONNRESET`, a gRPC status number). */
  code?: string;
}

const CODE = /^[A-Za-z0-9_.-]{1,40}$/;

/**
 * The class and code of an unexpected error, and nothing else. A driver error's message holds the
 * SQL statement with its bound values (knex prepends it), and its stack holds file paths: those go
 * to a debug-level line only, so that no log at the default level carries client data or internals.
 */
export function errorSummary(error: unknown): ErrorSummary {
  // Not `instanceof Error`: better-sqlite3's SqliteError, for one, is not a native error.
  const errorClass =
    typeof error === 'object' && error !== null
      ? (error as { constructor?: { name?: string } }).constructor?.name || 'Object'
      : typeof error;
  const raw = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
  return { errorClass, ...(CODE.test(raw) && { code: raw }) };
}
