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

type Control = 'begin' | 'commit' | 'rollback' | 'savepoint' | 'release' | 'rollbackTo';
const statements = new WeakMap<Connection, Record<Control, BetterSqlite3.Statement>>();

function controlOf(connection: Connection): Record<Control, BetterSqlite3.Statement> {
  let control = statements.get(connection);
  if (!control) {
    control = {
      begin: connection.prepare('BEGIN IMMEDIATE'),
      commit: connection.prepare('COMMIT'),
      rollback: connection.prepare('ROLLBACK'),
      savepoint: connection.prepare('SAVEPOINT grouped'),
      release: connection.prepare('RELEASE grouped'),
      rollbackTo: connection.prepare('ROLLBACK TO grouped'),
    };
    statements.set(connection, control);
  }
  return control;
}

/**
 * Transactions run in one SQLite transaction at most: statements on the writer connection
 * outside them wait for the group to commit (the store's reads use the reader, db.ts).
 *
 * Small, so that groups overlap with the rest of a request's path: with 10 clients writing,
 * a group of all ten is answered at once and the directory then idles while the answers
 * travel out and the next requests in; groups of four are answered while the next group
 * runs. Measured side by side (`npm run bench:ab`, 6 alternating rounds, against 16): POST
 * /Users +13 %, PUT +16 %, PATCH +3 %, an initial sync by 8 clients +13 % (ahead in 6, 6, 5
 * and 6 rounds), for ~4 % more directory CPU a write and a p99 2–4 ms higher (10–12 → 12–15
 * ms for POST). Groups of at most 2 cost 22 % more CPU a write and gained nothing.
 */
export const MAX_GROUP = 4;

interface Pending {
  work: (trx: Knex.Transaction) => Promise<unknown>;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

const queues = new WeakMap<Knex, { pending: Pending[]; running: boolean }>();

/**
 * Runs `work` as one SQLite write transaction: BEGIN IMMEDIATE, as SqliteClient's knex
 * transactions do, then COMMIT, or ROLLBACK when `work` or the commit fails.
 *
 * Not through knex.transaction: knex builds a new knex instance, client and event wiring for
 * every transaction (~40 µs of a ~450 µs create, with the garbage it leaves). Here the
 * store's writer connection is taken from the pool (so its other users wait, as for knex's), and
 * `work` gets a handle made once per store whose queries run on it. Each call's handle is its
 * own (`isCompleted` is per call, and compiled statements refuse to run after it); a knex
 * query builder on a handle kept past its call is refused only while no other write runs.
 *
 * Group commit: write transactions that arrive while one runs (concurrent requests; a group
 * turns the event loop after each of its writes, see runGroup) wait for the connection
 * anyway; they run next, one after the other, inside the same SQLite transaction, each in a
 * savepoint of its own, and commit together (at most MAX_GROUP). A commit writes every page
 * the group changed once: the pages writes share (the tail of the events table and of its
 * indexes, of users' time and tenant indexes, the sequence table) are written once per group
 * instead of once per write, and the commit's own cost is shared. Each call still sees exactly
 * its own effects and those committed or grouped before it, in order, so ordering, If-Match
 * checks and idempotency are as before; a call whose work fails is rolled back to its
 * savepoint alone and rejected at once, and the others resolve only once the COMMIT succeeded
 * (if it fails, every call of the group fails with its error). The first call of a group needs
 * no savepoint: when it fails the transaction is rolled back and the group starts again.
 */
export function sqliteWriteTransaction<T>(
  knex: Knex,
  work: (trx: Knex.Transaction) => Promise<T>,
): Promise<T> {
  let queue = queues.get(knex);
  if (!queue) queues.set(knex, (queue = { pending: [], running: false }));
  const q = queue;
  return new Promise<T>((resolve, reject) => {
    q.pending.push({ work, resolve: resolve as (value: unknown) => void, reject });
    if (!q.running) void drain(knex, q);
  });
}

async function drain(knex: Knex, queue: { pending: Pending[]; running: boolean }): Promise<void> {
  queue.running = true;
  const pool = knex.client as {
    acquireConnection(): Promise<Connection>;
    releaseConnection(c: Connection): Promise<unknown>;
  };
  try {
    while (queue.pending.length > 0) {
      let connection: Connection;
      try {
        connection = await pool.acquireConnection();
      } catch (error) {
        for (const call of queue.pending.splice(0)) call.reject(error);
        return;
      }
      try {
        await runGroup(writerFor(knex), connection, queue.pending);
      } finally {
        await pool.releaseConnection(connection);
      }
    }
  } finally {
    queue.running = false;
  }
}

async function runGroup(writer: Writer, connection: Connection, pending: Pending[]): Promise<void> {
  const control = controlOf(connection);
  const { transactor } = writer;
  /** Calls done, waiting for the commit. */
  const done: { call: Pending; value: unknown }[] = [];
  const failAll = (error: unknown) => {
    for (const { call } of done.splice(0)) call.reject(error);
  };
  try {
    control.begin.run();
  } catch (error) {
    // The store is busy or unavailable: this call fails (its caller may retry), the rest wait.
    pending.shift()!.reject(error);
    return;
  }
  writer.held = connection;
  try {
    let count = 0;
    for (;;) {
      // After each write of the group (and so before committing), one turn of the event
      // loop: requests already read off the sockets (the channel's other streams, other
      // connections) are then dispatched, and their writes join this group instead of each
      // paying for a commit of its own. Without it a group rarely held more than one write
      // under load (measured: 1.00 per commit at 10 connections of POST /Users; with it,
      // 7–8, before groups were capped at MAX_GROUP). Turning between the writes too, not only once the queue is empty, keeps a
      // group's writes from holding the event loop: reads, which the reader
      // connection serves meanwhile, and the requests of other tenants go on. Measured, an
      // initial sync of 10,000 users by 8 clients (lookup, then create): 10.5–11.0 s against
      // 10.9–13.0 s turning only before the commit, lookups 1.34–1.43 ms against 1.48–1.72
      // ms on average at the gateway; 10 connections of POST /Users: the same throughput
      // and p99.
      if (count > 0 && count < MAX_GROUP) await nextTurn();
      if (pending.length === 0 || count >= MAX_GROUP) break;
      const call = pending.shift()!;
      const first = count++ === 0;
      let completed = false;
      const trx = Object.setPrototypeOf(
        (table: Knex.TableDescriptor) => transactor(table),
        transactor,
      ) as Knex.Transaction;
      Object.defineProperty(trx, 'isCompleted', { value: () => completed });
      try {
        if (!first) control.savepoint.run();
        const value = await call.work(trx);
        if (!first) control.release.run();
        done.push({ call, value });
      } catch (error) {
        call.reject(error);
        if (first) {
          if (connection.inTransaction) control.rollback.run();
          return;
        }
        if (!connection.inTransaction) {
          // SQLite rolled the whole transaction back (an I/O error, a full disk): the calls
          // done before this one are lost with it.
          failAll(error);
          return;
        }
        control.rollbackTo.run();
        control.release.run();
      } finally {
        completed = true;
      }
    }
    control.commit.run();
  } catch (error) {
    if (connection.inTransaction) control.rollback.run();
    failAll(error);
    return;
  } finally {
    writer.held = undefined;
  }
  for (const { call, value } of done) call.resolve(value);
}
