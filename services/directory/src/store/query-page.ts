import type { Knex } from 'knex';
import type { Page, Query } from '../domain/types.js';
import { applyPlan, compileFilter, finishPage, planQuery, type Catalog } from './query-sql.js';

type Db = Knex | Knex.Transaction;

/** A queryable table: its name, primary key column and field catalog. */
export interface Queryable {
  table: 'users' | 'departments';
  catalog: Catalog;
}

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
  const { table, catalog } = source;
  const pk = `${table}.pk`;
  const plan = planQuery(catalog, query, pk);
  const where = (builder: Knex.QueryBuilder) => {
    builder.where(`${table}.tenant_id`, tenantId);
    if (query.filter) {
      const { sql, bindings } = compileFilter(catalog, tenantId, query.filter);
      builder.whereRaw(`(${sql})`, bindings);
    }
    return builder;
  };
  const count = async () =>
    Number(((await where(db(table)).count({ n: '*' }).first()) as { n: number | string }).n);
  if (plan.limit === 0) return { items: [], total: query.skipTotal ? undefined : await count() };
  const rows = (await applyPlan(where(db(table)).select(`${table}.*`), plan, pk)) as (Row & {
    _sort_key: unknown;
  })[];
  const page = finishPage(rows, plan);
  let total: number | undefined;
  if (!query.skipTotal) {
    const endSeen = !page.nextCursor && !plan.after && (rows.length > 0 || plan.offset === 0);
    total = endSeen ? plan.offset + rows.length : await count();
  }
  return { items: page.rows, total, nextCursor: page.nextCursor };
}
