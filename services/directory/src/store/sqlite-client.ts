import { createRequire } from 'node:module';
import type BetterSqlite3 from 'better-sqlite3';

// knex has no public hook for either change below, so we extend its own
// better-sqlite3 client and transaction classes (knex ≥ 3 ships them as CommonJS).
const require = createRequire(import.meta.url);
const ClientBetterSqlite3 = require('knex/lib/dialects/better-sqlite3/index.js');
const TransactionSqlite = require('knex/lib/dialects/sqlite3/execution/sqlite-transaction.js');

/**
 * Every knex transaction on SQLite starts with `BEGIN IMMEDIATE`: in WAL mode a
 * deferred transaction that reads and then writes fails with SQLITE_BUSY at once
 * when another connection wrote in between, whatever the busy timeout. Taking
 * the write lock up front makes writers queue on the busy timeout instead.
 * Reads are never wrapped in knex transactions, so this costs readers nothing.
 */
class ImmediateTransaction extends TransactionSqlite {
  begin(conn: unknown) {
    return (this as any).query(conn, 'BEGIN IMMEDIATE;');
  }
}

type Statement = BetterSqlite3.Statement;

/** What idleConnection reads of knex's pool (tarn's public counters). */
interface Pool {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
  numPendingCreates(): number;
}

/**
 * knex's better-sqlite3 client, with BEGIN IMMEDIATE transactions and a cache of
 * prepared statements per connection (knex prepares every query anew, which
 * costs more than running it for the small indexed queries this service makes).
 */
export class SqliteClient extends ClientBetterSqlite3 {
  /** The pool's connection (a store's pool holds one, db.ts). */
  private connection?: BetterSqlite3.Database;

  transaction(...args: unknown[]) {
    return new (ImmediateTransaction as any)(this, ...args);
  }

  async acquireRawConnection(): Promise<BetterSqlite3.Database> {
    const connection: BetterSqlite3.Database = await super.acquireRawConnection();
    this.connection = connection;
    return connection;
  }

  async destroyRawConnection(connection: BetterSqlite3.Database) {
    if (connection === this.connection) this.connection = undefined;
    return super.destroyRawConnection(connection);
  }

  /**
   * The pool's one connection when nothing holds it and nobody waits for it, else undefined.
   * better-sqlite3 runs a statement synchronously, so a statement run on it now is over before
   * anyone else can take it: the pool's asynchronous hand-off (acquire and release, with a
   * timer and several promises each: ~5 µs, as long as a lookup by key takes) buys nothing
   * then. When a transaction holds it, the statement must wait for the pool, as before.
   */
  idleConnection(): BetterSqlite3.Database | undefined {
    const pool = (this as any).pool as Pool | undefined;
    if (!pool || !this.connection?.open) return undefined;
    const idle =
      pool.numUsed() === 0 &&
      pool.numFree() === 1 &&
      pool.numPendingAcquires() === 0 &&
      pool.numPendingCreates() === 0;
    return idle ? this.connection : undefined;
  }

  async _query(connection: BetterSqlite3.Database & { __statements?: Map<string, Statement> }, obj: any) {
    if (!obj.sql) throw new Error('The query is empty');
    const cache = (connection.__statements ??= new Map());
    let statement = cache.get(obj.sql);
    if (!statement) {
      statement = connection.prepare(obj.sql);
      if (cache.size > 500) cache.clear();
      cache.set(obj.sql, statement);
    }
    const bindings = (this as any)._formatBindings(obj.bindings);
    if (statement.reader) {
      obj.response = statement.all(bindings);
      return obj;
    }
    const response = statement.run(bindings);
    obj.response = response;
    obj.context = { lastID: response.lastInsertRowid, changes: response.changes };
    return obj;
  }
}
