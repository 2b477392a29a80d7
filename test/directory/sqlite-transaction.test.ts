import test from 'ava';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { compiled } from '../../services/directory/src/store/compiled.js';
import { openDatabase, type Database } from '../../services/directory/src/store/db.js';
import { MAX_GROUP } from '../../services/directory/src/store/sqlite-transaction.js';
import { read, writeTransaction } from '../../services/directory/src/store/transaction.js';

// SQLite's write transactions bypass knex.transaction (store/sqlite-transaction.ts): they
// must commit, roll back and refuse late statements as knex's did.

/** Runs `run` on a store in a fresh SQLite file, removed afterwards. */
async function withStore(run: (db: Database) => Promise<void>): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wizer-trx-'));
  const db = await openDatabase(`sqlite:${path.join(dir, 't.db')}`);
  try {
    await run(db);
  } finally {
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const tenantName = compiled<{ id: string }, { name: string }>((db, $) =>
  db('tenants').where({ id: $.id }).first('name'),
);

test('commit, rollback, and no statement after the end', async (t) => {
  await withStore(async (db) => {
    const at = new Date().toISOString();
    await writeTransaction(db, undefined, async (trx) => {
      await trx('tenants').insert({ id: 't1', name: 'one', created_at: at });
    });
    t.is((await tenantName.first(db.knex, { id: 't1' }))?.name, 'one');

    await t.throwsAsync(
      writeTransaction(db, undefined, async (trx) => {
        await trx('tenants').insert({ id: 't2', name: 'two', created_at: at });
        t.is((await tenantName.first(trx, { id: 't2' }))?.name, 'two');
        throw new Error('no');
      }),
      { message: 'no' },
    );
    t.is(await tenantName.first(db.knex, { id: 't2' }), undefined);

    // A unique violation inside: translated, rolled back, and the store still writes.
    await t.throwsAsync(
      writeTransaction(db, undefined, async (trx) => {
        await trx('tenants').insert({ id: 't3', name: 'three', created_at: at });
        await trx('tenants').insert({ id: 't1', name: 'again', created_at: at });
      }),
      { name: 'ConflictError' },
    );
    t.is(await tenantName.first(db.knex, { id: 't3' }), undefined);

    let kept: Parameters<Parameters<typeof writeTransaction>[2]>[0] | undefined;
    await writeTransaction(db, undefined, async (trx) => {
      kept = trx;
    });
    await t.throwsAsync(tenantName.first(kept!, { id: 't1' }), { message: /already ended/ });
    await t.throwsAsync(kept!('tenants').select('id'), { message: /already ended/ });
    // Reads and writes outside go on as before.
    t.is((await tenantName.first(db.knex, { id: 't1' }))?.name, 'one');
    await writeTransaction(db, 't1', async (trx) => {
      await trx('tenants').where({ id: 't1' }).update({ name: 'uno' });
    });
    t.is((await tenantName.first(db.knex, { id: 't1' }))?.name, 'uno');
    await t.throwsAsync(
      writeTransaction(db, 'none', async () => {}),
      { name: 'NotFoundError' },
    );
  });
});

test('concurrent writes commit together; one that fails leaves the others and nothing of its own', async (t) => {
  await withStore(async (db) => {
    const at = new Date().toISOString();
    const order: number[] = [];
    const calls = Array.from({ length: 40 }, (_, i) =>
      writeTransaction(db, undefined, async (trx) => {
        order.push(i);
        await trx('tenants').insert({ id: `g${i}`, name: `n${i}`, created_at: at });
        // Sees the writes of the calls before it that succeeded, committed yet or not.
        const before = Array.from({ length: i }, (_, j) => j).filter((j) => j % 7 !== 3 && j % 7 !== 5);
        if (before.length) t.truthy(await tenantName.first(trx, { id: `g${before.at(-1)}` }));
        if (i % 7 === 3) throw new Error(`fail ${i}`);
        if (i % 7 === 5) await trx('tenants').insert({ id: 'g0', name: 'duplicate', created_at: at });
        return i;
      }),
    );
    const results = await Promise.allSettled(calls);
    t.deepEqual(
      order,
      Array.from({ length: 40 }, (_, i) => i),
    );
    for (const [i, result] of results.entries()) {
      const row = await tenantName.first(db.knex, { id: `g${i}` });
      if (i % 7 === 3 || i % 7 === 5) {
        t.is(result.status, 'rejected', `call ${i}`);
        t.is(row, undefined, `call ${i}`);
      } else {
        t.deepEqual(result, { status: 'fulfilled', value: i });
        t.is(row?.name, `n${i}`);
      }
    }
    t.is((await tenantName.first(db.knex, { id: 'g0' }))?.name, 'n0');
  });
});

test('a write dispatched before the next check phase joins the running group and commits with it', async (t) => {
  await withStore(async (db) => {
    const at = new Date().toISOString();
    let firstSettled = false;
    const first = writeTransaction(db, undefined, async (trx) => {
      await trx('tenants').insert({ id: 'a', name: 'first', created_at: at });
    }).then(() => {
      firstSettled = true;
    });
    // As a request read off another socket in the same turn of the event loop: the first
    // write's work is done by now, and without the group it would already have committed.
    const second = new Promise<{ firstSettledBefore: boolean; sawFirst: boolean }>((resolve, reject) =>
      setImmediate(() => {
        writeTransaction(db, undefined, async (trx) => {
          const sawFirst = (await tenantName.first(trx, { id: 'a' }))?.name === 'first';
          await trx('tenants').insert({ id: 'b', name: 'second', created_at: at });
          return { firstSettledBefore: firstSettled, sawFirst };
        }).then(resolve, reject);
      }),
    );
    const [, joined] = await Promise.all([first, second]);
    t.true(joined.sawFirst);
    // The first call is answered only after the commit it shares with the second.
    t.false(joined.firstSettledBefore);
    t.is((await tenantName.first(db.knex, { id: 'b' }))?.name, 'second');
  });
});

test('a group of writes lets the event loop turn between them, and still commits them together', async (t) => {
  await withStore(async (db) => {
    const at = new Date().toISOString();
    const order: string[] = [];
    // For each write, how much had happened when it was answered.
    const seenWhenAnswered: number[] = [];
    const write = (id: string) =>
      writeTransaction(db, undefined, async (trx) => {
        order.push(id);
        await trx('tenants').insert({ id, name: id, created_at: at });
      }).then(() => seenWhenAnswered.push(order.length));
    const writes = ['w1', 'w2', 'w3'].map(write);
    // Queued behind the three writes, as an incoming request would be.
    setImmediate(() => order.push('event loop'));
    await Promise.all(writes);
    t.deepEqual(order, ['w1', 'event loop', 'w2', 'w3']);
    t.deepEqual(
      seenWhenAnswered,
      [4, 4, 4],
      'no write was answered before the last one of the group was done',
    );
    for (const id of ['w1', 'w2', 'w3']) t.is((await tenantName.first(db.knex, { id }))?.name, id);
  });
});

test('a group commits at most MAX_GROUP writes: the next ones start a group of their own', async (t) => {
  await withStore(async (db) => {
    t.true(MAX_GROUP >= 2, 'a group holds more than one write');
    t.not(db.reader, db.knex, 'the reader sees committed rows only');
    const at = new Date().toISOString();
    const tenantCount = compiled<Record<string, never>, { n: number }>((db) =>
      db('tenants').count({ n: '*' }).first(),
    );
    // For each write, how many rows were committed when its work ran (read on the reader).
    const committedBefore = await Promise.all(
      Array.from({ length: MAX_GROUP + 2 }, (_, i) =>
        writeTransaction(db, undefined, async (trx) => {
          const committed = await read(db, (reader) => tenantCount.first(reader, {}));
          await trx('tenants').insert({ id: `c${i}`, name: `c${i}`, created_at: at });
          return Number(committed?.n);
        }),
      ),
    );
    t.deepEqual(committedBefore, [...Array.from({ length: MAX_GROUP }, () => 0), MAX_GROUP, MAX_GROUP]);
  });
});

test('a read does not wait for an open write transaction, and sees only what was committed', async (t) => {
  await withStore(async (db) => {
    t.not(db.reader, db.knex, 'a SQLite file gets a reader connection of its own');
    const at = new Date().toISOString();
    await writeTransaction(db, undefined, async (trx) => {
      await trx('tenants').insert({ id: 't1', name: 'one', created_at: at });
    });
    let updated!: () => void;
    const updatedSignal = new Promise<void>((resolve) => (updated = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    // The write holds the writer connection until the gate opens.
    const write = writeTransaction(db, undefined, async (trx) => {
      await trx('tenants').where({ id: 't1' }).update({ name: 'uno' });
      updated();
      await gate;
    });
    await updatedSignal;
    // On the writer's connection this read would wait for the gate: it answers first.
    const seen = await Promise.race([
      read(db, (reader) => tenantName.first(reader, { id: 't1' })),
      write.then(() => 'the write committed first'),
    ]);
    t.deepEqual(seen, { name: 'one' });
    release();
    await write;
    t.is((await read(db, (reader) => tenantName.first(reader, { id: 't1' })))?.name, 'uno');
    // Nothing is ever written through the reader.
    // (`any`: better-sqlite3's SqliteError is not a native Error object, which ava expects.)
    await t.throwsAsync(db.reader('tenants').insert({ id: 't2', name: 'two', created_at: at }), {
      any: true,
      code: 'SQLITE_READONLY',
    });
  });
});

test('an in-memory store reads on its one connection', async (t) => {
  const db = await openDatabase('sqlite::memory:');
  try {
    t.is(db.reader, db.knex);
  } finally {
    await db.close();
  }
});
