import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import knexFactory from 'knex';
import { migrationSource } from '../../services/directory/src/migrations/index.js';
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

test('the SQLite connection runs in WAL mode with foreign keys, a busy timeout, case-sensitive LIKE and journals in memory', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wizer-mig-'));
  const knex = knexFactory(knexConfigFor(`sqlite:${path.join(dir, 'p.db')}`).config);
  try {
    t.deepEqual(await knex.raw('PRAGMA journal_mode'), [{ journal_mode: 'wal' }]);
    t.deepEqual(await knex.raw('PRAGMA foreign_keys'), [{ foreign_keys: 1 }]);
    t.deepEqual(await knex.raw('PRAGMA busy_timeout'), [{ timeout: 5000 }]);
    // 2 = MEMORY: statement journals never become temporary files.
    t.deepEqual(await knex.raw('PRAGMA temp_store'), [{ temp_store: 2 }]);
    t.deepEqual(await knex.raw("SELECT 'ABC' LIKE 'abc' AS hit"), [{ hit: 0 }]);
  } finally {
    await knex.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the identity-keys migration rekeys rows stored before it, parks collisions with a warning, and goes back down', async (t) => {
  const database = await freshDatabase();
  const knex = knexFactory(knexConfigFor(database.url).config);
  try {
    await knex.migrate.up({ migrationSource, name: '20261129000000_initial' });
    const at = new Date().toISOString();
    await knex('tenants').insert([
      { id: 't1', name: 'One', created_at: at },
      { id: 't2', name: 'Two', created_at: at },
    ]);
    const base = { active: true, profile: '{}', version: 1, created_at: at, updated_at: at };
    // [id, tenant, userName, key as the release before stored it], in insertion (pk) order.
    const users: [string, string, string, string][] = [
      ['alice', 't1', 'alice@a.com', 'alice@a.com'],
      ['fullwidth', 't1', 'ＡＬＩＣＥ@a.com', 'ａｌｉｃｅ@a.com'],
      ['spaced', 't1', ' Bob@a.com ', ' bob@a.com '],
      ['elsewhere', 't2', 'ＡＬＩＣＥ@a.com', 'ａｌｉｃｅ@a.com'],
      ['carol-wide', 't1', 'ｃａｒｏｌ', 'ｃａｒｏｌ'],
      ['carol', 't1', 'CAROL', 'carol'],
      // A key another changing row is about to give up is free for this one.
      ['yvonne', 't1', 'ＹＶＯＮＮＥ', 'ｙｖｏｎｎｅ'],
      ['xavier', 't1', 'xavier', 'yvonne'],
    ];
    for (const [id, tenant, name, key] of users) {
      await knex('users').insert({ ...base, id, tenant_id: tenant, user_name: name, user_name_norm: key });
    }
    const department = { pushed: true, version: 1, created_at: at, updated_at: at, tenant_id: 't1' };
    await knex('departments').insert([
      { ...department, id: 'sales', name: 'Sales', name_norm: 'sales' },
      { ...department, id: 'sales-wide', name: 'ｓａｌｅｓ', name_norm: 'ｓａｌｅｓ' },
    ]);
    const event = {
      tenant_id: 't1',
      occurred_at: at,
      actor: 'a',
      kind: 'user.created',
      resource_type: 'user',
    };
    await knex('events').insert({
      ...event,
      outcome: 'ok',
      resource_id: 'fullwidth',
      resource_name: 'ＡＬＩＣＥ@a.com',
      resource_name_norm: 'ａｌｉｃｅ@a.com',
    });
    const keys = async (table: string, key: string) =>
      Object.fromEntries(
        (await knex(table).select('id', `${key} as key`)).map((r: { id: string; key: string }) => [
          r.id,
          r.key,
        ]),
      );

    await knex.migrate.latest({ migrationSource });
    t.deepEqual(await keys('users', 'user_name_norm'), {
      alice: 'alice@a.com',
      fullwidth: 'alice@a.com\u200Bfullwidth',
      spaced: 'bob@a.com',
      elsewhere: 'alice@a.com',
      'carol-wide': 'carol\u200Bcarol-wide',
      carol: 'carol',
      yvonne: 'yvonne',
      xavier: 'xavier',
    });
    t.deepEqual(await keys('departments', 'name_norm'), {
      sales: 'sales',
      'sales-wide': 'sales\u200Bsales-wide',
    });
    t.deepEqual(
      (await knex('events').where({ resource_id: 'fullwidth', kind: 'user.created' }).first())
        .resource_name_norm,
      'alice@a.com',
    );
    const warnings = await knex('events').where({ outcome: 'warning' }).orderBy('seq');
    t.deepEqual(
      warnings.map((w: { kind: string; resource_id: string; tenant_id: string }) => [
        w.kind,
        w.resource_id,
        w.tenant_id,
      ]),
      [
        ['user.identity_collision', 'fullwidth', 't1'],
        ['user.identity_collision', 'carol-wide', 't1'],
        ['department.identity_collision', 'sales-wide', 't1'],
      ],
    );
    t.regex(
      warnings[0].reason,
      /userName "ＡＬＩＣＥ@a.com" is the same as that of user alice \("alice@a.com"\)/,
    );
    // The unique index now holds the new keys.
    const duplicate = await knex('users')
      .insert({
        ...base,
        id: 'again',
        tenant_id: 't1',
        user_name: 'Alice@a.com',
        user_name_norm: 'alice@a.com',
      })
      .then(
        () => undefined,
        (error: { code?: string }) => error.code,
      );
    t.true(duplicate === 'SQLITE_CONSTRAINT_UNIQUE' || duplicate === '23505', String(duplicate));

    // Down: every key is the lower-cased name again.
    await knex.migrate.down({ migrationSource, name: '20261130000200_identity_keys' });
    t.deepEqual(
      await keys('users', 'user_name_norm'),
      Object.fromEntries(users.map(([id, , name]) => [id, name.toLowerCase()])),
    );
    t.deepEqual(await keys('departments', 'name_norm'), { sales: 'sales', 'sales-wide': 'ｓａｌｅｓ' });
    await knex.migrate.latest({ migrationSource });
    t.is((await keys('users', 'user_name_norm')).spaced, 'bob@a.com');
  } finally {
    await knex.destroy();
    await database.drop();
  }
});

test('the event-member-ids migration indexes the membership events stored before it, and goes back down', async (t) => {
  const database = await freshDatabase();
  const knex = knexFactory(knexConfigFor(database.url).config);
  try {
    for (const name of [
      '20261129000000_initial',
      '20261130000000_service_credentials',
      '20261130000200_identity_keys',
      '20261210000000_event_retention',
    ])
      await knex.migrate.up({ migrationSource, name });
    t.false(await knex.schema.hasTable('event_member_ids'));
    const at = new Date().toISOString();
    await knex('tenants').insert({ id: 't1', name: 'One', created_at: at });
    const event = (kind: string, after: object | null) => ({
      tenant_id: 't1',
      occurred_at: at,
      actor: 'token:x',
      kind,
      resource_type: kind.startsWith('user') ? 'user' : 'department',
      outcome: 'ok',
      after: after && JSON.stringify(after),
    });
    const [pushed] = await knex('events')
      .insert(event('department.members_changed', { source: 'pushed', added: ['u1'], skipped: ['00u-x'] }))
      .returning('seq');
    await knex('events').insert(event('user.created', { userName: 'u1@a.com' }));
    // More membership events than the migration reads at a time.
    for (let i = 0; i < 3; i++)
      await knex('events').insert(
        Array.from({ length: 250 }, (_, j) =>
          event('department.members_changed', { source: 'attribute', removed: [`m${i * 250 + j}`] }),
        ),
      );
    await knex.migrate.latest({ migrationSource });
    const rows: { seq: number | string; member_id: string; tenant_id: string }[] = await knex(
      'event_member_ids',
    ).orderBy(['seq', 'member_id']);
    t.is(rows.length, 2 + 750);
    t.deepEqual(
      rows.slice(0, 2).map((r) => [Number(r.seq), r.member_id, r.tenant_id]),
      [
        [Number(pushed.seq), '00u-x', 't1'],
        [Number(pushed.seq), 'u1', 't1'],
      ],
    );
    t.is(new Set(rows.slice(2).map((r) => r.member_id)).size, 750);
    await knex.migrate.down({ migrationSource, name: '20261215000000_event_member_ids' });
    t.false(await knex.schema.hasTable('event_member_ids'));
    t.is(Number((await knex('events').count({ n: '*' }))[0]!.n), 752, 'the events stay');
  } finally {
    await knex.destroy();
    await database.drop();
  }
});
