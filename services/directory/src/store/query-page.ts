import type { Knex } from 'knex';
import type { Page, Query } from '../domain/types.js';
import { compiled, dialectOf, StatementCache, type Db } from './compiled.js';
import { postgres } from './dialect.js';
import {
  applyPlan,
  compileFilter,
  finishPage,
  planQuery,
  positionPage,
  type Catalog,
  type Plan,
  type PlanValues,
} from './query-sql.js';

/** A queryable table: its name, field catalog and the columns its rows are read with. */
export interface Queryable {
  table: 'users' | 'departments';
  catalog: Catalog;
  columns: readonly string[];
}

interface PageParams extends PlanValues {
  tenantId: string;
  /** The filter's bindings, in order. */
  [binding: `f${number}`]: Knex.Value;
}

/**
 * Page and count statements by shape: the table, the filter's SQL (its values are bindings)
 * and the paging plan's form.
 */
const statements = new StatementCache(512);

/**
 * Whether a query's statements are prepared by name on PostgreSQL: the lookups SCIM clients
 * make all the time (one `eq` on a catalog's key field: Okta's userName, Entra's externalId,
 * a group's displayName). Every other query is sent unnamed and so planned with its values. Clients
 * choose filters, and a prepared statement lives as long as its connection; and a named
 * statement may get PostgreSQL's "generic" plan after five runs, made without the tenant's
 * id: for an unfiltered page (`tenant_id = $1 ORDER BY pk`) that plan walked the primary key
 * and filtered by tenant — quick for the first tenant, 83 ms a page for one created after
 * 110,000 other users (measured). A key lookup's generic plan is its unique index.
 */
const isKeyLookup = (catalog: Catalog, query: Query) =>
  query.filter !== undefined &&
  'op' in query.filter &&
  query.filter.op === 'eq' &&
  catalog.fields[query.filter.field]?.key === true;

/**
 * Whether a page is read in two steps, PostgreSQL's form of a tenant's unfiltered page in
 * primary-key order: first the keys, from the tenant's index, the tenant bounded by a range
 * and the order naming it; then the page's rows by key. Written as `tenant_id = $1 ORDER BY
 * pk`, the page could be read by walking the primary key and filtering by tenant — the planner
 * assumes a tenant's rows spread evenly over the table, so it expects a page after a few
 * hundred rows — and a tenant whose rows come after another's read all of the other's first
 * (the first page of 5,000 users stored after 10,000 of another tenant: 75 req/s against
 * 648). A range is not an equality, so the order (tenant_id, pk) is one only the tenant's
 * index gives; a page after a cursor still starts at its key there. Reading the keys alone
 * keeps a deep page from fetching (or sorting) every row before it: with the rows in the same
 * statement, the planner sorted the tenant's users for a page 9,900 in (~250 ms). Filtered
 * pages keep the equality, which their indexes need to seek on the field.
 */
const readsKeysFirst = (knex: Knex, plan: Plan, pk: string, filtered: boolean) =>
  plan.orderExpr === pk && !filtered && dialectOf(knex) === postgres;

/** The tenant's newest event: every change to its users and departments appends one. */
const lastEvent = compiled<{ tenantId: string }, { seq: number | string | null }>((db, $) =>
  db('events').where('tenant_id', $.tenantId).max({ seq: 'seq' }),
);

/**
 * Totals counted, per store, by statement and bindings, with the tenant's newest event when counted
 * (read before the count). A COUNT walks every matching index entry (a page of 100 of 5,000
 * users spent as long counting as reading); while the tenant's log has no newer event, no
 * row it counts has changed, so the total stands. Sound because every write that changes a
 * tenant's users, departments or memberships appends to its log in the same transaction,
 * and a tenant's writers take turns (its row is locked first), so its sequence numbers
 * follow commit order. Only outside a transaction: one that rolls back could have counted
 * its own changes under a sequence number SQLite then hands out again.
 */
const totalsByStore = new WeakMap<object, Map<string, { seq: string; n: number }>>();
const TOTALS_KEPT = 1000;

/**
 * One page of a tenant's rows matching a query, with the total unless skipped. The
 * page is read first: when it shows where the matches end (a short page), the total
 * follows from it and the COUNT query is not run — the common case of a lookup.
 */
export async function queryPage<Row extends { pk: number }>(
  db: Db,
  source: Queryable,
  tenantId: string,
  query: Query,
): Promise<Page<Row>> {
  const { table, catalog, columns } = source;
  const pk = `${table}.pk`;
  const plan = planQuery(catalog, query, pk);
  const filter = query.filter ? compileFilter(catalog, tenantId, query.filter) : undefined;
  const params: PageParams = {
    tenantId,
    afterKey: plan.after?.k ?? null,
    afterPk: plan.after?.p ?? null,
    limit: plan.limit + 1,
    offset: plan.offset,
  };
  for (const [i, value] of (filter?.bindings ?? []).entries()) params[`f${i}`] = value;
  const where = (knex: Knex, $: PageParams) => {
    const builder = knex(table).where(`${table}.tenant_id`, $.tenantId);
    if (filter)
      builder.whereRaw(
        `(${filter.sql})`,
        filter.bindings.map((_, i) => $[`f${i}`] as Knex.Value),
      );
    return builder;
  };
  const shape = `${table} ${filter?.sql ?? ''}`;
  const keyLookup = isKeyLookup(catalog, query);
  const count = async () => {
    const counting = statements.get<PageParams, { n: number | string }>(
      `count ${shape}`,
      (knex, $) => where(knex, $).count({ n: '*' }),
      keyLookup,
    );
    if ((db as Knex.Transaction).isTransaction) return Number((await counting.first(db, params))!.n);
    let totals = totalsByStore.get(db.client as object);
    if (!totals) totalsByStore.set(db.client as object, (totals = new Map()));
    const key = `${shape}\u0000${tenantId}\u0000${JSON.stringify(filter?.bindings ?? [])}`;
    const newest = (await lastEvent.first(db, { tenantId }))?.seq;
    // None (a new tenant, or one whose every event the retention policy removed): counted
    // each time, as a pruned newest event could otherwise bring back a key counted before it.
    if (newest === null || newest === undefined) return Number((await counting.first(db, params))!.n);
    const seq = String(newest);
    const known = totals.get(key);
    if (known && known.seq === seq) return known.n;
    const n = Number((await counting.first(db, params))!.n);
    totals.delete(key);
    if (totals.size >= TOTALS_KEPT) totals.delete(totals.keys().next().value!);
    totals.set(key, { seq, n });
    return n;
  };
  if (plan.limit === 0) return { items: [], total: query.skipTotal ? undefined : await count() };
  const paging = `${plan.orderExpr} ${plan.descending ? 'desc' : 'asc'} ${plan.after ? 'after' : ''} ${plan.offset ? 'offset' : ''}`;
  const reading = statements.get<PageParams, Row & { _sort_key: unknown }>(
    `rows ${shape} ${paging}`,
    (knex, $) => {
      const select = columns.map((column) => `${table}.${column}`);
      if (!readsKeysFirst(knex, plan, pk, filter !== undefined))
        return applyPlan(where(knex, $).select(select), plan, pk, $);
      const keys = knex(table)
        .select(pk)
        .where(`${table}.tenant_id`, '>=', $.tenantId)
        .where(`${table}.tenant_id`, '<=', $.tenantId)
        .orderBy(`${table}.tenant_id`, plan.descending ? 'desc' : 'asc');
      // The keys as one array, looked up in the primary key: against `pk IN (keys)` the
      // planner chose to hash the keys and scan the whole table.
      return knex(table)
        .select(select)
        .select(knex.raw(`${pk} AS _sort_key`))
        .whereRaw(`${pk} = ANY(ARRAY(?))`, [positionPage(keys, plan, pk, $)])
        .orderByRaw(`${pk} ${plan.descending ? 'DESC' : 'ASC'}`);
    },
    keyLookup && !query.orderBy,
  );
  const rows = await reading.all(db, params);
  const page = finishPage(rows, plan);
  let total: number | undefined;
  if (!query.skipTotal) {
    const endSeen = !page.nextCursor && !plan.after && (rows.length > 0 || plan.offset === 0);
    total = endSeen ? plan.offset + rows.length : await count();
  }
  return { items: page.rows, total, nextCursor: page.nextCursor };
}
