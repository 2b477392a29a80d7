import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import knexFactory from 'knex';
import { migrationSource } from '../../services/directory/src/migrations/index.js';
import { knexConfigFor } from '../../services/directory/src/store/db.js';

test('migrations go up with data in every table, down to nothing, and up again', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wizer-mig-'));
  const knex = knexFactory(knexConfigFor(`sqlite:${path.join(dir, 'm.db')}`).config);
  try {
    await knex.migrate.latest({ migrationSource });
    const at = new Date().toISOString();
    await knex('tenants').insert({ id: 't1', name: 'T', created_at: at });
    await knex('api_tokens').insert({
      id: 'k1',
      tenant_id: 't1',
      prefix: 'wzr_scim_abc',
      hash: 'h'.repeat(64),
      created_at: at,
    });
    const [user] = await knex('users')
      .insert({
        id: 'u1',
        tenant_id: 't1',
        user_name: 'A',
        user_name_norm: 'a',
        active: true,
        profile: '{}',
        version: 1,
        created_at: at,
        updated_at: at,
      })
      .returning('pk');
    await knex('user_emails').insert({
      user_pk: user.pk,
      tenant_id: 't1',
      position: 0,
      value: 'a@x',
      primary: true,
    });
    const [dept] = await knex('departments')
      .insert({
        id: 'd1',
        tenant_id: 't1',
        name: 'D',
        name_norm: 'd',
        pushed: true,
        version: 1,
        created_at: at,
        updated_at: at,
      })
      .returning('pk');
    await knex('memberships').insert({ department_pk: dept.pk, user_pk: user.pk, source: 'pushed' });
    await knex('events').insert({
      tenant_id: 't1',
      occurred_at: at,
      actor: 'a',
      kind: 'k',
      resource_type: 'user',
      outcome: 'ok',
    });
    // Constraints hold: a second user with the same normalised name is refused.
    await t.throwsAsync(
      knex('users').insert({
        id: 'u2',
        tenant_id: 't1',
        user_name: 'a',
        user_name_norm: 'a',
        active: true,
        profile: '{}',
        version: 1,
        created_at: at,
        updated_at: at,
      }),
      { any: true, code: 'SQLITE_CONSTRAINT_UNIQUE' } as never,
    );
    // Foreign keys are on: deleting the user cascades to its memberships and emails.
    await knex('users').where({ id: 'u1' }).delete();
    t.is((await knex('memberships').count({ n: '*' }))[0]!.n, 0);
    t.is((await knex('user_emails').count({ n: '*' }))[0]!.n, 0);

    await knex.migrate.rollback({ migrationSource }, true);
    const tables = await knex.raw(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'knex_%' AND name NOT LIKE 'sqlite_%'",
    );
    t.deepEqual(tables, []);
    await knex.migrate.latest({ migrationSource });
    t.is((await knex('tenants').count({ n: '*' }))[0]!.n, 0);
  } finally {
    await knex.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
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
