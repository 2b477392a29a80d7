import anyTest, { type TestFn } from 'ava';
import type { Knex } from 'knex';
import { ChangeFeed } from '../../services/directory/src/domain/context.js';
import { pushDepartment } from '../../services/directory/src/domain/departments.js';
import { createTenant, issueToken } from '../../services/directory/src/domain/tokens.js';
import { createUser } from '../../services/directory/src/domain/users.js';
import type { UserProfile } from '../../services/directory/src/domain/types.js';
import { compiled, inList, StatementCache } from '../../services/directory/src/store/compiled.js';
import { openDatabase, type Database } from '../../services/directory/src/store/db.js';
import { writeTransaction } from '../../services/directory/src/store/transaction.js';
import { freshDatabase, TEST_STORE, type TestDatabase } from '../helpers/database.js';

interface Ctx {
  database: TestDatabase;
  db: Database;
  tenantId: string;
  userIds: string[];
  userPks: number[];
}
const test = anyTest as TestFn<Ctx>;

const profile = (userName: string, i: number): UserProfile => ({
  userName,
  active: i % 3 !== 0,
  displayName: `Person ${i}`,
  emails: [{ value: userName, type: 'work', primary: true }],
  phoneNumbers: [],
  addresses: [],
  enterprise: { department: i % 2 ? 'Odd' : 'Even' },
});

test.before(async (t) => {
  const database = await freshDatabase();
  const db = await openDatabase(database.url);
  const deps = { db, feed: new ChangeFeed() };
  const tenant = await createTenant(deps, 'Compiled', 'admin:test');
  await issueToken(deps, tenant.id, 'one', undefined, 'admin:test');
  const ctx = { tenantId: tenant.id, actor: 'test' };
  const users = [];
  for (let i = 0; i < 12; i++) users.push(await createUser(deps, ctx, profile(`p${i}@example.com`, i)));
  const userIds = users.map((u) => u.id);
  await pushDepartment(deps, ctx, { name: 'Pushed', memberIds: userIds.slice(0, 5) });
  const pks = await db.knex('users').whereIn('id', userIds).orderBy('pk').pluck('pk');
  t.context = { database, db, tenantId: tenant.id, userIds, userPks: pks.map(Number) };
});

test.after.always(async (t) => {
  await t.context.db?.close();
  await t.context.database?.drop();
});

/**
 * A query both ways: knex builds and runs it with the values as usual, and the compiled
 * statement built from the same function runs with them as bindings. `first`: a query
 * that ends in `.first()`.
 */
interface Case {
  name: string;
  build: (db: Knex, $: any) => Knex.QueryBuilder | Knex.Raw;
  params: (ctx: Ctx) => object;
  first?: boolean;
  /** A plain knex query (no helper of compiled.ts) that reads the same rows. */
  plain?: (db: Knex, params: any) => Knex.QueryBuilder;
}

const CASES: Case[] = [
  {
    name: 'a row by two keys (.first, knex binding the limit itself)',
    build: (db, $) => db('users').where({ tenant_id: $.tenantId, id: $.id }).first(['pk', 'id', 'profile']),
    params: (c) => ({ tenantId: c.tenantId, id: c.userIds[3] }),
    first: true,
  },
  {
    name: 'no row',
    build: (db, $) => db('users').where({ tenant_id: $.tenantId, id: $.id }).first('pk'),
    params: (c) => ({ tenantId: c.tenantId, id: 'no-such-id' }),
    first: true,
  },
  {
    name: 'a boolean parameter (SQLite binds 1 or 0)',
    build: (db, $) =>
      db('users').where({ tenant_id: $.tenantId, active: $.active }).orderBy('pk').select('id', 'active'),
    params: (c) => ({ tenantId: c.tenantId, active: false }),
  },
  {
    name: 'a list parameter, several values',
    build: (db, $) =>
      db('memberships')
        .join('departments', 'departments.pk', 'memberships.department_pk')
        .where(inList(db, 'memberships.user_pk', $.pks))
        .orderBy(['memberships.user_pk', 'departments.name_norm', 'memberships.source'])
        .select('memberships.user_pk', 'departments.name', 'memberships.source'),
    params: (c) => ({ pks: c.userPks.slice(2, 9) }),
    plain: (db, p) =>
      db('memberships')
        .join('departments', 'departments.pk', 'memberships.department_pk')
        .whereIn('memberships.user_pk', p.pks)
        .orderBy(['memberships.user_pk', 'departments.name_norm', 'memberships.source'])
        .select('memberships.user_pk', 'departments.name', 'memberships.source'),
  },
  {
    name: 'a list parameter, one value',
    build: (db, $) =>
      db('users')
        .where(inList(db, 'id', $.ids))
        .select('id', 'user_name'),
    params: (c) => ({ ids: [c.userIds[0]] }),
    plain: (db, p) => db('users').whereIn('id', p.ids).select('id', 'user_name'),
  },
  {
    name: 'a list parameter, empty',
    build: (db, $) =>
      db('users')
        .where(inList(db, 'id', $.ids))
        .select('id'),
    params: () => ({ ids: [] }),
    plain: (db, p) => db('users').whereIn('id', p.ids).select('id'),
  },
  {
    name: 'limit and offset as parameters',
    build: (db, $) =>
      db('users')
        .where('tenant_id', $.tenantId)
        .orderBy('pk', 'desc')
        .limit($.limit)
        .offset($.offset)
        .select('pk', 'user_name'),
    params: (c) => ({ tenantId: c.tenantId, limit: 4, offset: 3 }),
  },
  {
    name: 'a raw condition with LIKE … ESCAPE, a constant and a parameter',
    build: (db, $) =>
      db('users')
        .where('tenant_id', $.tenantId)
        .whereRaw("lower(display_name) LIKE lower(?) ESCAPE '\\'", [$.pattern])
        .andWhere('active', true)
        .orderBy('pk')
        .select('user_name'),
    params: (c) => ({ tenantId: c.tenantId, pattern: 'person 1%' }),
  },
  {
    name: 'a count',
    build: (db, $) => db('users').where('tenant_id', $.tenantId).count({ n: '*' }),
    params: (c) => ({ tenantId: c.tenantId }),
  },
  {
    name: 'a join with aliased columns',
    build: (db, $) =>
      db('api_tokens')
        .join('tenants', 'tenants.id', 'api_tokens.tenant_id')
        .where('api_tokens.tenant_id', $.tenantId)
        .first(['api_tokens.prefix', 'tenants.name as tenant_name']),
    params: (c) => ({ tenantId: c.tenantId }),
    first: true,
  },
  {
    name: 'one parameter used twice, next to another',
    build: (db, $) =>
      db('events')
        .where('tenant_id', $.tenantId)
        .andWhere((q) => {
          q.where('seq', '>', $.after).orWhere('seq', '=', $.after);
        })
        .orderBy('seq')
        .select('kind', 'resource_name'),
    params: (c) => ({ tenantId: c.tenantId, after: 20 }),
  },
];

for (const c of CASES) {
  test(`compiled and knex read the same rows: ${c.name}`, async (t) => {
    const { knex } = t.context.db;
    const params = c.params(t.context);
    const statement = compiled<any, unknown>(c.build);
    const viaKnex: unknown = await c.build(knex, params);
    const run = () => (c.first ? statement.first(knex, params) : statement.all(knex, params));
    t.deepEqual(await run(), viaKnex);
    // The second run takes the prepared statement (and, on PostgreSQL, the named one).
    t.deepEqual(await run(), viaKnex);
    if (!c.first) t.true((viaKnex as unknown[]).length > 0 || c.name.includes('empty'));
    if (c.plain) t.deepEqual(await c.plain(knex, params), viaKnex);
  });
}

const insertTenant = compiled<{ id: string; name: string; at: string }, { id: string; name: string }>(
  (db, $) =>
    db('tenants')
      .insert({ id: $.id, name: $.name, created_at: $.at })
      .onConflict('id')
      .ignore()
      .returning(['id', 'name', 'created_at', 'disabled_at']),
);

test('a write with RETURNING gives the row knex then reads; a repeat that conflicts gives none', async (t) => {
  const { knex } = t.context.db;
  const params = { id: `t-${TEST_STORE}-1`, name: 'Returned', at: new Date().toISOString() };
  const [row] = await insertTenant.all(knex, params);
  t.deepEqual(row, await knex('tenants').where({ id: params.id }).first());
  t.deepEqual(await insertTenant.all(knex, params), []);
});

const renameTenant = compiled<{ id: string; name: string }>((db, $) =>
  db('tenants').where({ id: $.id }).update({ name: $.name }),
);

test('run counts the rows a write changed', async (t) => {
  const { knex } = t.context.db;
  await insertTenant.all(knex, { id: `t-${TEST_STORE}-2`, name: 'Before', at: new Date().toISOString() });
  t.is(await renameTenant.run(knex, { id: `t-${TEST_STORE}-2`, name: 'After' }), 1);
  t.is(await renameTenant.run(knex, { id: 'nobody', name: 'After' }), 0);
  const renamed = await knex('tenants')
    .where({ id: `t-${TEST_STORE}-2` })
    .first('name');
  t.is(renamed?.name, 'After');
  // With RETURNING too: the rows written.
  const fresh = { id: `t-${TEST_STORE}-4`, name: 'Counted', at: new Date().toISOString() };
  t.is(await insertTenant.run(knex, fresh), 1);
  t.is(await insertTenant.run(knex, fresh), 0);
});

/** The two ways the store runs a transaction: knex's own, and its SQLite write groups (writeTransaction). */
const TRANSACTIONS: [
  string,
  (db: Database, work: (trx: Knex.Transaction) => Promise<void>) => Promise<unknown>,
  number,
][] = [
  ['knex’s transaction', (db, work) => db.knex.transaction(work), 3],
  ['the store’s write transaction', (db, work) => writeTransaction(db, undefined, work), 5],
];

for (const [name, transaction, n] of TRANSACTIONS) {
  test(`a statement runs in ${name}: rolled back with it; one outside it waits, unseen until then`, async (t) => {
    const { db } = t.context;
    const id = `t-${TEST_STORE}-${n}`;
    const byId = compiled<{ id: string }, { id: string }>((k, $) =>
      k('tenants').where({ id: $.id }).first('id'),
    );
    let outside: Promise<unknown> | undefined;
    await t.throwsAsync(
      transaction(db, async (trx) => {
        await insertTenant.all(trx, { id, name: 'Doomed', at: new Date().toISOString() });
        t.deepEqual(await byId.first(trx, { id }), { id });
        // SQLite: the writer's one connection is held, so it waits rather than run on it;
        // PostgreSQL: another connection, which cannot see it.
        outside = byId.first(db.knex, { id });
        throw new Error('roll back');
      }),
      { message: 'roll back' },
    );
    t.is(await outside, undefined);
    t.is(await byId.first(db.knex, { id }), undefined);
  });
}

test.serial(
  'SQLite: a statement outside a transaction runs on the idle connection without the pool',
  async (t) => {
    if (TEST_STORE !== 'sqlite') return t.pass('PostgreSQL: every statement takes a pooled connection');
    const { knex } = t.context.db;
    const client = knex.client as { acquireConnection(): Promise<unknown> };
    const acquire = client.acquireConnection;
    let acquired = 0;
    client.acquireConnection = function (this: unknown) {
      acquired++;
      return acquire.call(this);
    };
    try {
      const byId = compiled<{ id: string }, { id: string }>((k, $) =>
        k('users').where({ id: $.id }).first('id'),
      );
      const id = t.context.userIds[0]!;
      t.deepEqual(await byId.first(knex, { id }), { id });
      t.is(acquired, 0);
      // While a transaction holds the connection, the pool hands it on when the transaction ends.
      let waiting: Promise<unknown> | undefined;
      await knex.transaction(async (trx) => {
        t.deepEqual(await byId.first(trx, { id }), { id });
        waiting = byId.first(knex, { id });
        t.is(acquired, 2, 'the transaction and the statement outside it took the pool');
      });
      t.deepEqual(await waiting, { id });
    } finally {
      client.acquireConnection = acquire;
    }
  },
);

test('a transaction that has ended refuses a statement rather than run it outside', async (t) => {
  const { knex } = t.context.db;
  let ended: Knex.Transaction | undefined;
  await knex.transaction(async (trx) => {
    ended = trx;
  });
  await t.throwsAsync(renameTenant.run(ended!, { id: 'x', name: 'y' }), { message: /already ended/ });
});

test('a missing parameter is an error, not a NULL', async (t) => {
  await t.throwsAsync(renameTenant.run(t.context.db.knex, { id: 'x' } as never), {
    message: /parameter name is missing/,
  });
});

test('a statement cache keeps one statement per key and drops the least recently used', (t) => {
  const cache = new StatementCache(2);
  const build = (db: Knex) => db('tenants').select('id');
  const a = cache.get('a', build, true);
  const b = cache.get('b', build, true);
  t.is(cache.get('a', build, true), a);
  cache.get('c', build, true);
  t.is(cache.get('a', build, true), a);
  t.not(cache.get('b', build, true), b);
});

const page = compiled<{ tenantId: string; limit: number; offset: number }, { user_name: string }>((db, $) =>
  db('users')
    .where('tenant_id', $.tenantId)
    .whereRaw("display_name <> 'no limit'")
    .orderBy('pk')
    .limit($.limit)
    .offset($.offset)
    .select('user_name'),
);

test('a LIMIT parameter reads its own count each call, whatever the values before it', async (t) => {
  const { knex } = t.context.db;
  const { tenantId } = t.context;
  const viaKnex = (limit: number, offset: number) =>
    knex('users').where('tenant_id', tenantId).orderBy('pk').limit(limit).offset(offset).select('user_name');
  for (const [limit, offset] of [
    [4, 0],
    [2, 3],
    [0, 0],
    [4, 1],
    [12, 0],
  ] as const) {
    const rows = await page.all(knex, { tenantId, limit, offset });
    t.is(rows.length, limit, `limit ${limit}`);
    t.deepEqual(rows, await viaKnex(limit, offset));
  }
});

test('a LIMIT that is no whole number ≥ 0 is refused', async (t) => {
  const { knex } = t.context.db;
  const error = await t.throwsAsync(page.all(knex, { tenantId: t.context.tenantId, limit: -1, offset: 0 }));
  if (TEST_STORE === 'sqlite') t.regex(error.message, /LIMIT must be a whole number/);
});

// Serial: the other tests of this file would prepare their statements on the same connection meanwhile.
test.serial(
  'SQLite: a LIMIT is written into the prepared text, not bound (a bound one is prepared again each run)',
  async (t) => {
    if (TEST_STORE !== 'sqlite') return t.pass('PostgreSQL binds it: its plans do not depend on it');
    const { knex } = t.context.db;
    const client = knex.client as {
      acquireConnection(): Promise<any>;
      releaseConnection(c: unknown): Promise<void>;
    };
    const connection = await client.acquireConnection();
    await client.releaseConnection(connection);
    const prepared: string[] = [];
    const prepare = connection.prepare;
    connection.prepare = function (this: unknown, source: string) {
      prepared.push(source);
      return prepare.call(this, source);
    };
    try {
      const statement = compiled<{ tenantId: string; limit: number }, { pk: number }>((db, $) =>
        db('users')
          .where('tenant_id', $.tenantId)
          // A question mark in quotes is text, not a placeholder: the scan for LIMITs steps over it.
          .whereRaw("display_name <> 'limit ?'")
          .orderBy('pk')
          .limit($.limit)
          .select('pk'),
      );
      const byId = compiled<{ id: string }, { pk: number }>((db, $) =>
        db('users').where('id', $.id).first('pk'),
      );
      for (const limit of [3, 5, 3])
        t.is((await statement.all(knex, { tenantId: t.context.tenantId, limit })).length, limit);
      t.truthy(await byId.first(knex, { id: t.context.userIds[0]! }));
      t.is(prepared.length, 3, 'one per LIMIT value: 3, 5 and 1');
      t.regex(prepared[0]!, /limit 3$/);
      t.regex(prepared[1]!, /limit 5$/);
      t.regex(prepared[2]!, /limit 1$/);
      t.false(prepared.some((sql) => /limit \?$/i.test(sql)));
    } finally {
      connection.prepare = prepare;
    }
  },
);
