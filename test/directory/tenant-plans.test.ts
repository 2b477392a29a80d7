import { createRequire } from 'node:module';
import Database from 'better-sqlite3';
import test from 'ava';
import { openDatabase } from '../../services/directory/src/store/db.js';
import { queryUserRows } from '../../services/directory/src/store/users.js';
import type { Query } from '../../services/directory/src/domain/types.js';
import { freshDatabase, TEST_STORE } from '../helpers/database.js';

// A page of a tenant's users must be read through the tenant's index whichever tenant asks.
// A plan made without the tenant's id (SQLite plans without values; PostgreSQL may give a
// statement prepared by name a "generic" plan after five runs) that walked the primary key
// and filtered by tenant would be quick for the first tenant and slow for every tenant
// created after a big one: 83 ms a page behind 110,000 users, measured on PostgreSQL.

const FIRST = 'tenant-first';
const LATE = 'tenant-late';

interface Sent {
  text: string;
  /** PostgreSQL: the name it was prepared under; unnamed statements are planned with their values. */
  name?: string;
}

/** The statements the store sends while `run` runs, as the driver receives them. */
async function statementsSent(run: () => Promise<unknown>): Promise<Sent[]> {
  const sent: Sent[] = [];
  const prototype = (
    TEST_STORE === 'sqlite'
      ? Database.prototype
      : (createRequire(import.meta.url)('pg') as { Client: { prototype: object } }).Client.prototype
  ) as Record<string, (...args: unknown[]) => unknown>;
  const method = TEST_STORE === 'sqlite' ? 'prepare' : 'query';
  const original = prototype[method]!;
  prototype[method] = function (this: unknown, ...args: unknown[]) {
    const config = args[0] as string | { text?: string; name?: string };
    sent.push(typeof config === 'string' ? { text: config } : { text: config.text ?? '', name: config.name });
    return original.apply(this, args);
  };
  try {
    await run();
  } finally {
    prototype[method] = original;
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

    const page: Query = { offset: 0, limit: 100, descending: false, skipTotal: true };
    const lookup: Query = {
      ...page,
      filter: { field: 'user_name', op: 'eq', value: `u3005@${LATE}.example` },
    };
    // More runs of each than PostgreSQL makes before it may settle on a generic plan.
    const sent = await statementsSent(async () => {
      for (let i = 0; i < 3; i++) await queryUserRows(knex, FIRST, page);
      for (let i = 0; i < 8; i++) {
        t.is((await queryUserRows(knex, LATE, page)).items.length, 30);
        t.is((await queryUserRows(knex, LATE, lookup)).items.length, 1);
      }
    });
    const reads = sent.filter((s) => /from [`"]?users[`"]? where/i.test(s.text) && /order by/i.test(s.text));
    const pageRead = reads.filter((s) => !/user_name_norm/.test(s.text));
    const lookupRead = reads.filter((s) => /user_name_norm/.test(s.text));
    t.true(pageRead.length >= 1 && lookupRead.length >= 1, reads.map((s) => s.text).join('\n'));
    t.is(new Set(pageRead.map((s) => s.text)).size, 1);

    if (TEST_STORE === 'sqlite') {
      // SQLite plans every statement without its values: the page must still take the tenant's index.
      // (Its LIMIT is in the text: compiled.ts writes it there.)
      const plan: { detail: string }[] = await knex.raw(`EXPLAIN QUERY PLAN ${pageRead[0]!.text}`, [LATE]);
      t.regex(plan.map((row) => row.detail).join(' | '), /USING (COVERING )?INDEX users_tenant_id_pk_index/);
      return;
    }
    // PostgreSQL: the page goes unnamed every time, so it is planned with the tenant's id…
    t.true(
      pageRead.every((s) => s.name === undefined),
      'an unfiltered page is never prepared by name',
    );
    // …while the lookup is prepared once, and even its generic plan is the tenant's unique index.
    t.true(lookupRead.every((s) => s.name !== undefined));
    const generic = await knex.transaction(async (trx) => {
      await trx.raw('SET LOCAL plan_cache_mode = force_generic_plan');
      const explain = async (sql: string, args: string) => {
        await trx.raw(
          `PREPARE explained_${args.length}(text, text, bigint) AS ${sql.replace('$3', '$3::bigint')}`,
        );
        const result: { rows: { 'QUERY PLAN': string }[] } = await trx.raw(
          `EXPLAIN EXECUTE explained_${args.length}(${args})`,
        );
        return result.rows.map((row) => row['QUERY PLAN']).join(' | ');
      };
      return explain(lookupRead[0]!.text, `'${LATE}', 'u3005@${LATE}.example', 101`);
    });
    t.regex(generic, /users_tenant_id_user_name_norm_unique/, generic);
  } finally {
    await db.close();
    await database.drop();
  }
});
