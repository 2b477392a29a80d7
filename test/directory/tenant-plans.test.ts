import Database from 'better-sqlite3';
import test from 'ava';
import pg from 'pg';
import { openDatabase } from '../../services/directory/src/store/db.js';
import { queryUserRows } from '../../services/directory/src/store/users.js';
import { freshDatabase, TEST_STORE } from '../helpers/database.js';

// A page of a tenant's users must be read through the tenant's index whichever tenant asks.
// Statements are prepared once and run with each tenant's id: a plan made without that id
// (SQLite's always; PostgreSQL's "generic" one) that walked the primary key and filtered by
// tenant would be quick for the first tenant and slow for every tenant created after a big
// one (83 ms a page behind 110,000 users, measured on PostgreSQL before its connections were
// set to plan each run for its values).

const FIRST = 'tenant-first';
const LATE = 'tenant-late';

/** The SQL texts the store sends while `run` runs, from the driver itself. */
async function statementsSent(run: () => Promise<unknown>): Promise<string[]> {
  const sent: string[] = [];
  if (TEST_STORE === 'sqlite') {
    const prototype = Database.prototype as unknown as { prepare(sql: string): unknown };
    const prepare = prototype.prepare;
    prototype.prepare = function (this: unknown, sql: string) {
      sent.push(sql);
      return prepare.call(this, sql);
    };
    try {
      await run();
    } finally {
      prototype.prepare = prepare;
    }
  } else {
    const prototype = pg.Client.prototype as unknown as { query(...args: unknown[]): unknown };
    const query = prototype.query;
    prototype.query = function (this: unknown, ...args: unknown[]) {
      const config = args[0] as string | { text?: string };
      sent.push(typeof config === 'string' ? config : (config.text ?? ''));
      return query.apply(this, args);
    };
    try {
      await run();
    } finally {
      prototype.query = query;
    }
  }
  return sent;
}

test("a page of a late tenant's users is read through the tenant's index, however often it was asked for", async (t) => {
  const database = await freshDatabase();
  const db = await openDatabase(database.url);
  try {
    const knex = db.knex;
    const at = new Date().toISOString();
    await knex('tenants').insert([
      { id: FIRST, name: 'First', created_at: at, disabled_at: null },
      { id: LATE, name: 'Late', created_at: at, disabled_at: null },
    ]);
    // The first tenant's 3,000 users come first in primary-key order, the late tenant's 30 after.
    const users = (tenant: string, count: number, from: number) =>
      Array.from({ length: count }, (_, i) => {
        const name = `u${from + i}@${tenant}.example`;
        return {
          id: `${tenant}-${from + i}`,
          tenant_id: tenant,
          user_name: name,
          user_name_norm: name,
          active: true,
          profile: JSON.stringify({ userName: name, active: true, emails: [] }),
          version: 1,
          created_at: at,
          updated_at: at,
        };
      });
    for (let from = 0; from < 3000; from += 500)
      await knex.batchInsert('users', users(FIRST, 500, from), 500);
    await knex.batchInsert('users', users(LATE, 30, 3000), 30);
    await knex.raw('ANALYZE');

    const page = { offset: 0, limit: 100, descending: false, skipTotal: true };
    // More runs than PostgreSQL makes before it may switch a prepared statement to its generic plan.
    const sent = await statementsSent(async () => {
      for (let i = 0; i < 3; i++) await queryUserRows(knex, FIRST, page);
      for (let i = 0; i < 8; i++) t.is((await queryUserRows(knex, LATE, page)).items.length, 30);
    });
    const pageSql = [
      ...new Set(sent.filter((sql) => /from [`"]?users[`"]? where/i.test(sql) && /order by/i.test(sql))),
    ];
    t.is(pageSql.length, 1, pageSql.join('\n'));

    if (TEST_STORE === 'sqlite') {
      const plan: { detail: string }[] = await knex.raw(`EXPLAIN QUERY PLAN ${pageSql[0]}`, [LATE, 101]);
      t.regex(plan.map((row) => row.detail).join(' | '), /USING (COVERING )?INDEX users_tenant_id_pk_index/);
      return;
    }
    // On one connection of the store's pool, as the store's own statements run: prepared once,
    // run as often as above, then explained for the late tenant.
    const plan = await knex.transaction(async (trx) => {
      t.is((await trx.raw('SHOW plan_cache_mode')).rows[0].plan_cache_mode, 'force_custom_plan');
      await trx.raw(`PREPARE page_of(text, bigint) AS ${pageSql[0]}`);
      for (let i = 0; i < 8; i++) await trx.raw(`EXECUTE page_of('${LATE}', 101)`);
      const explained: { rows: { 'QUERY PLAN': string }[] } = await trx.raw(
        `EXPLAIN EXECUTE page_of('${LATE}', 101)`,
      );
      return explained.rows.map((row) => row['QUERY PLAN']).join(' | ');
    });
    t.notRegex(plan, /users_pkey/, plan);
    t.regex(plan, /users_tenant_id/, plan);
  } finally {
    await db.close();
    await database.drop();
  }
});
