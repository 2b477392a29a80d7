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

/**
 * knex's better-sqlite3 client, with BEGIN IMMEDIATE transactions and a cache of
 * prepared statements per connection (knex prepares every query anew, which
 * costs more than running it for the small indexed queries this service makes).
 */
export class SqliteClient extends ClientBetterSqlite3 {
  transaction(...args: unknown[]) {
    return new (ImmediateTransaction as any)(this, ...args);
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
