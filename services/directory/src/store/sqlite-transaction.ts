import { createRequire } from 'node:module';
import type { Knex } from 'knex';
import type BetterSqlite3 from 'better-sqlite3';

// knex ≥ 3 ships its internals as CommonJS (as sqlite-client.ts uses them).
const require = createRequire(import.meta.url);
const makeKnex = require('knex/lib/knex-builder/make-knex.js') as (client: unknown) => Knex;

type Connection = BetterSqlite3.Database;

interface Writer {
  /** A knex instance whose queries run on `held`: made once per store, not per transaction. */
  transactor: Knex;
  held?: Connection;
}

const writers = new WeakMap<Knex, Writer>();

function writerFor(knex: Knex): Writer {
  let writer = writers.get(knex);
  if (writer) return writer;
  // As knex's own transactions do (makeTxClient): a client like the store's whose every query
  // runs on the transaction's connection, never returned to the pool by a query.
  const client = Object.create(knex.client) as Knex.Client & { transacting: boolean };
  client.transacting = true;
  client.acquireConnection = async () => {
    if (!writer!.held) throw new Error('the transaction has already ended');
    return writer!.held;
  };
  client.releaseConnection = async () => {};
  const transactor = makeKnex(client);
  transactor.isTransaction = true;
  writer = { transactor };
  writers.set(knex, writer);
  return writer;
}

const statements = new WeakMap<
  Connection,
  Record<'begin' | 'commit' | 'rollback', BetterSqlite3.Statement>
>();

function controlOf(connection: Connection) {
  let control = statements.get(connection);
  if (!control) {
    control = {
      begin: connection.prepare('BEGIN IMMEDIATE'),
      commit: connection.prepare('COMMIT'),
      rollback: connection.prepare('ROLLBACK'),
    };
    statements.set(connection, control);
  }
  return control;
}

/**
 * Runs `work` in one SQLite write transaction: BEGIN IMMEDIATE, as SqliteClient's knex
 * transactions do, then COMMIT, or ROLLBACK when `work` or the commit fails.
 *
 * What knex.transaction does, for a fraction of its cost: knex builds a new knex instance,
 * client and event wiring for every transaction (~40 µs of a ~450 µs create, with the garbage
 * it leaves). Here the store's one connection is taken from the pool (so reads and other
 * transactions wait, as they did for knex's), and `work` gets a handle made once per store
 * whose queries run on it. Each call's handle is its own (`isCompleted` is per transaction,
 * and compiled statements refuse to run after it); a knex query builder on a handle kept past
 * its transaction is refused only while no other transaction runs.
 */
export async function sqliteWriteTransaction<T>(
  knex: Knex,
  work: (trx: Knex.Transaction) => Promise<T>,
): Promise<T> {
  const writer = writerFor(knex);
  const pool = knex.client as {
    acquireConnection(): Promise<Connection>;
    releaseConnection(c: Connection): Promise<unknown>;
  };
  const connection = await pool.acquireConnection();
  try {
    const control = controlOf(connection);
    control.begin.run();
    let completed = false;
    const { transactor } = writer;
    const trx = Object.setPrototypeOf(
      (table: Knex.TableDescriptor) => transactor(table),
      transactor,
    ) as Knex.Transaction;
    Object.defineProperty(trx, 'isCompleted', { value: () => completed });
    writer.held = connection;
    try {
      const result = await work(trx);
      control.commit.run();
      return result;
    } catch (error) {
      if (connection.inTransaction) control.rollback.run();
      throw error;
    } finally {
      completed = true;
      writer.held = undefined;
    }
  } finally {
    await pool.releaseConnection(connection);
  }
}
