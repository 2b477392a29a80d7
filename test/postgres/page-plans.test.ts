import anyTest, { type TestFn } from 'ava';
import type { Knex } from 'knex';
import type { Query } from '../../services/directory/src/domain/types.js';
import { openDatabase, type Database } from '../../services/directory/src/store/db.js';
import { encodeCursor } from '../../services/directory/src/store/query-sql.js';
import { queryUserRows } from '../../services/directory/src/store/users.js';
import { freshDatabase, type TestDatabase } from '../helpers/database.js';

// A page of a tenant whose users were stored after another tenant's, in PostgreSQL: what the
// store reads for it, counted by PostgreSQL itself (the transaction's index statistics), so
// that the check is of the plan's work, not of time.

interface Ctx {
  database: TestDatabase;
  db: Database;
}
const test = anyTest as TestFn<Ctx>;

const EARLY_USERS = 10_000;
const LATE_USERS = 3_000;

test.before(async (t) => {
  const database = await freshDatabase('postgres');
  const db = await openDatabase(database.url);
  const now = new Date().toISOString();
  await db.knex('tenants').insert([
    { id: 'early', name: 'early', created_at: now },
    { id: 'late', name: 'late', created_at: now },
  ]);
  // The late tenant's users all come after the early tenant's, as a new customer's do.
  for (const [tenant, count] of [
    ['early', EARLY_USERS],
    ['late', LATE_USERS],
  ] as const) {
    await db.knex.raw(
      `INSERT INTO users (id, tenant_id, user_name, user_name_norm, active, profile, version, created_at, updated_at)
       SELECT ? || '-' || n, ?, ? || n || '@example.com', ? || n || '@example.com', true,
              '{"emails":[],"phoneNumbers":[],"addresses":[]}', 1, ?, ?
       FROM generate_series(1, ?) AS n`,
      [tenant, tenant, tenant, tenant, now, now, count],
    );
  }
  // As autovacuum leaves a table: statistics, and pages marked all-visible.
  await db.knex.raw('VACUUM ANALYZE users');
  t.context = { database, db };
});
test.after.always(async (t) => {
  await t.context.db?.close();
  await t.context.database?.drop();
});

/**
 * Index entries the connection's scans returned so far, by index name, and the pages of the
 * table it read (`table pages read`).
 */
async function entriesReturned(trx: Knex.Transaction): Promise<Record<string, number>> {
  const { rows } = await trx.raw(
    `SELECT indexrelid::regclass::text AS name, pg_stat_get_xact_tuples_returned(indexrelid) AS n
     FROM pg_index WHERE indrelid = 'users'::regclass
     UNION ALL SELECT 'table pages read', pg_stat_get_xact_blocks_fetched('users'::regclass)`,
  );
  return Object.fromEntries(rows.map((r: { name: string; n: string }) => [r.name, Number(r.n)]));
}

/**
 * Index entries `work` read, by index name. The counters also hold what
 * the connection's earlier transactions read until they are reported (PostgreSQL 15 does so
 * when the connection is idle), never during a transaction: so the difference across `work`,
 * in one.
 */
async function entriesRead(
  db: Database,
  work: (trx: Knex.Transaction) => Promise<void>,
): Promise<Record<string, number>> {
  return db.knex.transaction(async (trx) => {
    const before = await entriesReturned(trx);
    await work(trx);
    const after = await entriesReturned(trx);
    return Object.fromEntries(Object.entries(after).map(([name, n]) => [name, n - (before[name] ?? 0)]));
  });
}

const page = (offset: number, descending = false): Query => ({
  offset,
  limit: 100,
  descending,
  skipTotal: true,
});

test('the plain form of a page, tenant = $1 ORDER BY pk, walks the primary key past the other tenant', async (t) => {
  // The precondition of the tests below: with these statistics, PostgreSQL's plan for the plain
  // form reads every user of the other tenant before the first of the tenant asked for.
  for (const [tenant, direction, other] of [
    ['late', 'asc', EARLY_USERS],
    ['early', 'desc', LATE_USERS],
  ] as const) {
    const read = await entriesRead(t.context.db, async (trx) => {
      await trx('users').where('tenant_id', tenant).orderBy('pk', direction).limit(101).select('profile');
    });
    t.true(read['users_pkey']! >= other, `${tenant}: ${JSON.stringify(read)}`);
  }
});

// Each tenant read in the direction in which the other's users come first.
for (const [name, tenant, query, first] of [
  ["the late tenant's first page", 'late', page(0), 1],
  ["a page further on of the late tenant's", 'late', page(1_000), 1_001],
  ["the early tenant's first page, last users first,", 'early', page(0, true), EARLY_USERS],
] as const) {
  test(`${name} reads its own users through the tenant's index`, async (t) => {
    let items: { id: string; user_name: string }[] = [];
    const read = await entriesRead(t.context.db, async (trx) => {
      items = (await queryUserRows(trx, tenant, query)).items;
    });
    t.is(items.length, 100);
    t.is(items[0]!.user_name, `${tenant}${first}@example.com`);
    t.true(items.every((row) => row.id.startsWith(`${tenant}-`)));
    // The tenant's index up to the page (and the extra row that tells whether another follows);
    // the primary key for the page's own rows.
    t.true(read['users_tenant_id_pk_index']! <= query.offset + 101, JSON.stringify(read));
    t.true(read['users_pkey']! <= 101, JSON.stringify(read));
  });
}

test("the early tenant's last page after a cursor reads its own users through the tenant's index", async (t) => {
  // After its 9,950th user: 50 users left, and the late tenant's 3,000 after them in the table.
  const { pk } = (await t.context.db.knex('users').where('id', 'early-9950').first('pk'))!;
  let items: { user_name: string }[] = [];
  const read = await entriesRead(t.context.db, async (trx) => {
    const cursor = encodeCursor({ o: '', d: false, k: pk, p: pk });
    items = (await queryUserRows(trx, 'early', { ...page(0), cursor })).items;
  });
  t.is(items.length, 50);
  t.is(items[0]!.user_name, 'early9951@example.com');
  t.true(read['users_tenant_id_pk_index']! <= 51, JSON.stringify(read));
  t.true(read['users_pkey']! <= 51, JSON.stringify(read));
});

test("a deep page reads the tenant's index up to it, and from the table only the page", async (t) => {
  let items: { user_name: string }[] = [];
  const read = await entriesRead(t.context.db, async (trx) => {
    items = (await queryUserRows(trx, 'early', page(9_800))).items;
  });
  t.is(items.length, 100);
  t.is(items[0]!.user_name, 'early9801@example.com');
  t.true(read['users_tenant_id_pk_index']! <= 9_800 + 101, JSON.stringify(read));
  // The few pages that hold the page's users, not the pages of the 9,800 before them (the
  // plain form read 268; a plan that sorts the tenant's users reads them all too).
  t.true(read['table pages read']! <= 10, JSON.stringify(read));
});
