import anyTest, { type TestFn } from 'ava';
import type { Knex } from 'knex';
import { openDatabase, type Database } from '../../services/directory/src/store/db.js';
import { MAX_GROUP } from '../../services/directory/src/store/postgres-transaction.js';
import { writeTransaction } from '../../services/directory/src/store/transaction.js';
import { freshDatabase, type TestDatabase } from '../helpers/database.js';

// PostgreSQL's group commit (store/postgres-transaction.ts): a tenant's writes queued together
// run in one transaction, with the semantics of running one at a time.

interface Ctx {
  database: TestDatabase;
  db: Database;
}
const test = anyTest as TestFn<Ctx>;

test.before(async (t) => {
  const database = await freshDatabase('postgres');
  const db = await openDatabase(database.url);
  await db.knex('tenants').insert({ id: 't1', name: 'one', created_at: new Date().toISOString() });
  // What the writes below write: a number, and how many rows the write saw before its own.
  await db.knex.raw('CREATE TABLE probe (n integer PRIMARY KEY, seen integer NOT NULL)');
  // Checked only at COMMIT: two writes of one group that each insert 1 fail the group's COMMIT.
  await db.knex.raw('CREATE TABLE deferred (n integer UNIQUE DEFERRABLE INITIALLY DEFERRED)');
  t.context = { database, db };
});
test.after.always(async (t) => {
  await t.context.db?.close();
  await t.context.database?.drop();
});
test.beforeEach(async (t) => {
  await t.context.db.knex.raw('TRUNCATE probe, deferred');
});

const txid = async (trx: Knex.Transaction) =>
  String((await trx.raw('SELECT txid_current() AS id')).rows[0].id);

const insertProbe = async (trx: Knex.Transaction, n: number) => {
  const counted = await trx('probe').count({ count: '*' });
  await trx('probe').insert({ n, seen: Number(counted[0]!.count) });
  return txid(trx);
};

test.serial('the store is PostgreSQL', (t) => {
  t.is(t.context.db.dialect.name, 'postgres');
  t.true(MAX_GROUP >= 2, 'writes can be grouped');
});

test.serial(
  "a tenant's writes queued together share transactions of at most MAX_GROUP, each seeing those before it",
  async (t) => {
    const { db } = t.context;
    const ids = await Promise.all(
      Array.from({ length: MAX_GROUP + 2 }, (_, n) =>
        writeTransaction(db, 't1', (trx) => insertProbe(trx, n)),
      ),
    );
    // All were queued before the first transaction began: MAX_GROUP of them, then two.
    t.is(new Set(ids.slice(0, MAX_GROUP)).size, 1, 'the first MAX_GROUP share one transaction');
    t.is(new Set(ids.slice(MAX_GROUP)).size, 1, 'the last two share the next');
    t.not(ids[0], ids[MAX_GROUP]);
    const rows = await db.knex('probe').orderBy('n').select('n', 'seen');
    t.deepEqual(
      rows,
      Array.from({ length: MAX_GROUP + 2 }, (_, n) => ({ n, seen: n })),
      'each write saw exactly the writes before it',
    );
  },
);

test.serial(
  'a write that fails is rejected alone: the writes before it in its group run again and commit once',
  async (t) => {
    const { db } = t.context;
    const runs = { first: 0 };
    const [first, failing, last] = await Promise.allSettled([
      writeTransaction(db, 't1', async (trx) => {
        runs.first++;
        return insertProbe(trx, 1);
      }),
      // The same key again: a unique violation, which aborts a PostgreSQL transaction.
      writeTransaction(db, 't1', (trx) => insertProbe(trx, 1)),
      writeTransaction(db, 't1', (trx) => insertProbe(trx, 3)),
    ]);
    t.is(first.status, 'fulfilled');
    t.is(failing.status, 'rejected');
    t.is((failing as PromiseRejectedResult).reason.name, 'ConflictError');
    t.is(last.status, 'fulfilled');
    t.is(runs.first, 2, 'the first write ran in the group that failed, then again');
    t.deepEqual(await db.knex('probe').orderBy('n').select('n', 'seen'), [
      { n: 1, seen: 0 },
      { n: 3, seen: 1 },
    ]);
  },
);

test.serial('a COMMIT that fails fails every write of its group, and keeps none of them', async (t) => {
  const { db } = t.context;
  const groups: string[] = [];
  const write = () =>
    writeTransaction(db, 't1', async (trx) => {
      await trx('deferred').insert({ n: 1 });
      groups.push(await txid(trx));
    });
  const results = await Promise.allSettled([write(), write()]);
  t.is(groups.length, 2);
  t.is(groups[0], groups[1], 'both writes ran in one transaction');
  t.deepEqual(
    results.map((r) => (r.status === 'rejected' ? r.reason.name : r.status)),
    ['ConflictError', 'ConflictError'],
  );
  t.deepEqual(await db.knex('deferred').select('n'), []);
});

test.serial('writes to a tenant that does not exist fail each, and do not hold up the others', async (t) => {
  const { db } = t.context;
  const [a, b, ok] = await Promise.allSettled([
    writeTransaction(db, 'none', (trx) => insertProbe(trx, 7)),
    writeTransaction(db, 'none', (trx) => insertProbe(trx, 8)),
    writeTransaction(db, 't1', (trx) => insertProbe(trx, 9)),
  ]);
  t.is(a.status === 'rejected' && a.reason.name, 'NotFoundError');
  t.is(b.status === 'rejected' && b.reason.name, 'NotFoundError');
  t.is(ok.status, 'fulfilled');
  t.deepEqual(await db.knex('probe').select('n'), [{ n: 9 }]);
});

test.serial(
  'a connection lost under a group: the write that met it fails as unavailable, the writes before it run again',
  async (t) => {
    const { db } = t.context;
    const runs = { first: 0 };
    const [first, cut] = await Promise.allSettled([
      writeTransaction(db, 't1', async (trx) => {
        runs.first++;
        return insertProbe(trx, 1);
      }),
      writeTransaction(db, 't1', async (trx) => {
        const pid = (await trx.raw('SELECT pg_backend_pid() AS pid')).rows[0].pid as number;
        // Another session ends this one's connection, as a server restart or a failover does.
        await db.knex.raw('SELECT pg_terminate_backend(?)', [pid]);
        return insertProbe(trx, 2);
      }),
    ]);
    t.is(cut.status, 'rejected');
    const reason = (cut as PromiseRejectedResult).reason as { name: string; kind?: string };
    t.is(reason.name, 'RetryableError', 'a fault of the store, which the gateway answers 503');
    t.is(reason.kind, 'unavailable');
    t.is(first.status, 'fulfilled');
    t.is(runs.first, 2, 'the first write ran in the lost group, then again');
    t.deepEqual(await db.knex('probe').select('n'), [{ n: 1 }]);
  },
);
