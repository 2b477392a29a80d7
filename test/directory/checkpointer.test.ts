import test from 'ava';
import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openDatabase } from '../../services/directory/src/store/db.js';
import { writeTransaction } from '../../services/directory/src/store/transaction.js';

// The store's SQLite log is copied into the database file by a thread of its own
// (store/checkpointer.ts), not by the service's connection, whose own checkpoint waits for
// 10,000 log pages: far more than this test writes.

const WRITES = 200;

test('committed writes reach the database file itself, copied there by the checkpoint thread', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wizer-checkpoint-'));
  const file = path.join(dir, 't.db');
  const db = await openDatabase(`sqlite:${file}`);
  // How much of the database (with the log) the file itself holds: a checkpoint writes the
  // log's pages into it, extending it to the database's size.
  const pages = async () =>
    Number((await db.knex.raw('PRAGMA page_count'))[0].page_count) *
    Number((await db.knex.raw('PRAGMA page_size'))[0].page_size);
  const inFile = () => fs.statSync(file).size;
  // A reader whose snapshot predates the writes: no checkpoint can copy them while it is open.
  const pinned = new Database(file, { readonly: true });
  try {
    pinned.exec('BEGIN');
    pinned.prepare('SELECT count(*) FROM tenants').get();
    const at = new Date().toISOString();
    await writeTransaction(db, undefined, async (trx) => {
      for (let i = 0; i < WRITES; i++)
        await trx('tenants').insert({ id: `t${i}`, name: `n${i}`, created_at: at });
    });
    const size = await pages();
    t.true(inFile() < size, 'the writes are in the log only while the reader pins it');

    pinned.exec('COMMIT');
    // Nothing else writes or checkpoints from here: only the thread can bring them into the file.
    const deadline = Date.now() + 60_000;
    while (inFile() < size && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    t.is(inFile(), size);
  } finally {
    pinned.close();
    await db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
