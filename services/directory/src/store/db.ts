import fs from 'node:fs';
import path from 'node:path';
import knexFactory, { type Knex } from 'knex';
import { postgres, sqlite, type Dialect } from './dialect.js';
import { SqliteClient } from './sqlite-client.js';
import { migrationSource } from '../migrations/index.js';
import { Checkpointer } from './checkpointer.js';

/** The WAL size (4 KiB pages) at which the service's own connection checkpoints (see Checkpointer). */
const FALLBACK_CHECKPOINT_PAGES = 10_000;

/** An open store: the knex instance and the dialect it speaks. */
export interface Database {
  /** Writes, and reads that must wait for them (SQLite: the one connection that writes). */
  readonly knex: Knex;
  /**
   * Reads outside a transaction (store/transaction.ts `read`). On a SQLite file, a connection
   * of its own: in WAL mode it reads the last commit while a write transaction is open on the
   * other, so a lookup or a GET does not wait for a group of writes to commit (on the one
   * connection it did, for a turn of the event loop and the COMMIT). Elsewhere `knex` itself
   * (PostgreSQL's pool; an in-memory SQLite database, which a second connection would not see).
   */
  readonly reader: Knex;
  readonly dialect: Dialect;
  close(): Promise<void>;
}

/**
 * Parses `sqlite:<path>` (or `sqlite::memory:`) and `postgres://…` URLs. A SQLite file's
 * folder must exist, unless `createFolder` (the default database's ./data/, see config.ts).
 */
export function knexConfigFor(
  url: string,
  options: { createFolder?: boolean; backgroundCheckpoints?: boolean } = {},
): {
  config: Knex.Config;
  /** A SQLite file's: the reader connection's (Database.reader), which refuses writes. */
  readerConfig?: Knex.Config;
  dialect: Dialect;
  sqliteFile?: string;
} {
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    return {
      dialect: postgres,
      config: { client: 'pg', connection: url, pool: { min: 0, max: 10 } },
    };
  }
  if (url.startsWith('sqlite:')) {
    const filename = url.slice('sqlite:'.length);
    const backgroundCheckpoints = Boolean(options.backgroundCheckpoints) && filename !== ':memory:';
    if (filename !== ':memory:') {
      const folder = path.dirname(path.resolve(filename));
      if (options.createFolder) fs.mkdirSync(folder, { recursive: true });
      // better-sqlite3's own error names no file ("the directory does not exist").
      else if (!fs.existsSync(folder))
        throw new Error(`the folder of the SQLite database ${filename} does not exist`);
    }
    // better-sqlite3 is synchronous: one connection writes for the process (knex's pool queues
    // its callers while a transaction holds it), a second one reads (Database.reader).
    const sqliteConfig = (readOnly: boolean): Knex.Config => ({
      client: SqliteClient as unknown as typeof Knex.Client,
      connection: { filename },
      useNullAsDefault: true,
      pool: {
        min: 1,
        max: 1,
        afterCreate(conn: any, done: (err: Error | null, conn: unknown) => void) {
          try {
            conn.pragma('journal_mode = WAL');
            // NORMAL in WAL mode loses nothing on a process crash (kill -9); only an OS crash
            // can roll back the last commits.
            conn.pragma('synchronous = NORMAL');
            conn.pragma('foreign_keys = ON');
            conn.pragma('busy_timeout = 5000');
            // LIKE is case-sensitive, as in PostgreSQL; case-insensitive matches lower() both sides.
            conn.pragma('case_sensitive_like = ON');
            // Statement and savepoint journals in memory, not in a temporary file. Inside a
            // transaction, an INSERT or UPDATE that could fail halfway (a unique index) first
            // copies every page it changes to a statement journal, to undo just itself; as a
            // file that was a write() per page, ~12 % of a create's CPU (perf, SQLite's
            // subjournalPageIfRequired). The journal lives only for its statement or
            // savepoint; nothing of durability rests on it (the WAL holds the commits).
            conn.pragma('temp_store = MEMORY');
            // Checkpoints run on a thread of their own (store/checkpointer.ts); this one's are
            // the fallback, should that thread fall behind: the log is bounded at ~40 MB.
            if (backgroundCheckpoints) conn.pragma(`wal_autocheckpoint = ${FALLBACK_CHECKPOINT_PAGES}`);
            if (readOnly) conn.pragma('query_only = ON');
            done(null, conn);
          } catch (error) {
            done(error as Error, conn);
          }
        },
      },
    });
    return {
      dialect: sqlite,
      sqliteFile: backgroundCheckpoints ? filename : undefined,
      config: sqliteConfig(false),
      // A second connection to an in-memory database would open another, empty one.
      readerConfig: filename === ':memory:' ? undefined : sqliteConfig(true),
    };
  }
  throw new Error(
    `unsupported database URL (expected sqlite:<path> or postgres://…): ${url.split(':')[0]}:…`,
  );
}

/**
 * Applies pending migrations. When several replicas start at once, one holds knex's
 * migration lock and the others wait for it (up to a minute) rather than fail; so do
 * those that lose the race to create knex's own bookkeeping tables.
 */
async function migrate(knex: Knex): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      await knex.migrate.latest({ migrationSource });
      return;
    } catch (error) {
      const { name, code } = error as { name?: string; code?: string };
      // 42P07 duplicate table, 42710 duplicate object ("type knex_migrations already exists":
      // two replicas creating knex's bookkeeping table at once), 23505 its unique index.
      const raced = name === 'MigrationLocked' || ['42P07', '42710', '23505'].includes(code ?? '');
      if (!raced || Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/** Where knex's own messages go (the process's logger). */
export interface StoreLogger {
  debug(obj: object, msg: string): void;
}

/**
 * knex prints what it sees to the console itself, stack and all: "Acquire connection error:
 * <stack>" whenever a connection cannot be opened (a database restarting), "Connection
 * Error: …" for each pooled connection the server closed. Every such fault that matters
 * also fails a query, which the store translates and the caller logs as one line with its
 * code; knex's own account of it goes to the debug level.
 */
function knexLog(logger: StoreLogger | undefined): Knex.Config['log'] {
  const line = (message: unknown) =>
    logger?.debug({ source: 'knex' }, typeof message === 'string' ? message : String(message));
  return { warn: line, error: line, deprecate: line, debug: line };
}

/**
 * Opens the store and applies every pending migration. A SQLite file's log is checkpointed on
 * a thread of its own (store/checkpointer.ts) unless `backgroundCheckpoints` is false.
 */
export async function openDatabase(
  url: string,
  options: { logger?: StoreLogger; createFolder?: boolean; backgroundCheckpoints?: boolean } = {},
): Promise<Database> {
  const { config, readerConfig, dialect, sqliteFile } = knexConfigFor(url, {
    ...options,
    backgroundCheckpoints: options.backgroundCheckpoints ?? true,
  });
  const knex = knexFactory({ ...config, log: knexLog(options.logger) });
  try {
    await migrate(knex);
  } catch (error) {
    await knex.destroy();
    throw error;
  }
  const checkpointer = sqliteFile === undefined ? undefined : new Checkpointer(sqliteFile);
  const reader = readerConfig ? knexFactory({ ...readerConfig, log: knexLog(options.logger) }) : knex;
  return {
    knex,
    reader,
    dialect,
    async close() {
      await checkpointer?.close();
      if (reader !== knex) await reader.destroy();
      await knex.destroy();
    },
  };
}
