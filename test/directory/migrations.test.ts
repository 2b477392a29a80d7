import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import knexFactory from 'knex';
import { knexConfigFor } from '../../services/directory/src/store/db.js';
import { freshDatabase } from '../helpers/database.js';
import { migrationRoundTrip } from '../helpers/migration-checks.js';

test('migrations go up with data in every table, down to nothing, and up again', async (t) => {
  const database = await freshDatabase();
  try {
    await migrationRoundTrip(t, database.url);
  } finally {
    await database.drop();
  }
});

test('the SQLite connection runs in WAL mode with foreign keys, a busy timeout and case-sensitive LIKE', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wizer-mig-'));
  const knex = knexFactory(knexConfigFor(`sqlite:${path.join(dir, 'p.db')}`).config);
  try {
    t.deepEqual(await knex.raw('PRAGMA journal_mode'), [{ journal_mode: 'wal' }]);
    t.deepEqual(await knex.raw('PRAGMA foreign_keys'), [{ foreign_keys: 1 }]);
    t.deepEqual(await knex.raw('PRAGMA busy_timeout'), [{ timeout: 5000 }]);
    t.deepEqual(await knex.raw("SELECT 'ABC' LIKE 'abc' AS hit"), [{ hit: 0 }]);
  } finally {
    await knex.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
