import type { Knex } from 'knex';
import { InvalidArgumentError } from '../domain/errors.js';
import { foldIdentity } from '../domain/identity.js';
import type { Filter, FilterValue, Operator, Query } from '../domain/types.js';

/**
 * How one queryable field maps to SQL. `expr` is a trusted constant from a catalog
 * below, never client input; values are always bound parameters.
 */
export interface FieldSpec {
  readonly expr: string;
  readonly type: 'string' | 'boolean' | 'time';
  /**
   * How string comparisons treat case: `exact`; `lower` (compare lower() of both
   * sides, indexed by an expression index); `normalized` (the column holds the
   * identity key, domain/identity.ts, so the parameter is folded the same way in JavaScript).
   */
  readonly caseMode?: 'exact' | 'lower' | 'normalized';
}

/** A queryable resource: its table alias, its fields, and what `any_email` means for it. */
export interface Catalog {
  readonly fields: Readonly<Record<string, FieldSpec>>;
  /** `sql` has a `?` for the tenant id, then `%s` where the email condition goes. */
  readonly emailSubquery?: { readonly sql: string; readonly fields: Readonly<Record<string, FieldSpec>> };
  /** Custom fields compiled to a membership test, e.g. a department's `member_user_id`. */
  readonly memberships?: Readonly<Record<string, string>>;
}

export interface Sql {
  sql: string;
  bindings: Knex.Value[];
}

export const DEFAULT_PAGE_SIZE = 100;
export const MAX_PAGE_SIZE = 1000;
const MAX_FILTER_NODES = 200;

function invalid(message: string): never {
  throw new InvalidArgumentError('INVALID_FILTER', message);
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

function bindValue(field: string, spec: FieldSpec, value: FilterValue): Knex.Value {
  switch (spec.type) {
    case 'boolean':
      if (typeof value !== 'boolean') invalid(`${field} compares with true or false`);
      return value;
    case 'time': {
      const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : undefined;
      if (!date || Number.isNaN(date.getTime())) invalid(`${field} compares with a date and time`);
      return date.toISOString();
    }
    case 'string':
      if (typeof value !== 'string') invalid(`${field} compares with a string`);
      return spec.caseMode === 'normalized' ? foldIdentity(value) : value;
  }
}

function compileComparison(fields: Catalog['fields'], field: string, op: Operator, value: FilterValue): Sql {
  const spec = fields[field];
  if (!spec) invalid(`unknown or unfilterable field: ${field}`);
  const column = spec.caseMode === 'lower' ? `lower(${spec.expr})` : spec.expr;
  const param = spec.caseMode === 'lower' ? 'lower(?)' : '?';

  if (op === 'pr' || value === null) {
    // Absent and empty are one: the store keeps '' for an absent string.
    const present = spec.type === 'string' ? `${spec.expr} <> ''` : `${spec.expr} IS NOT NULL`;
    if (op === 'pr') return { sql: present, bindings: [] };
    if (op === 'eq') return { sql: `(${present}) IS NOT TRUE`, bindings: [] };
    if (op === 'ne') return { sql: present, bindings: [] };
    invalid(`${op} does not compare with null`);
  }
  if (spec.type === 'boolean' && op !== 'eq' && op !== 'ne') invalid(`${field} supports only eq, ne and pr`);
  const bound = bindValue(field, spec, value);
  switch (op) {
    case 'eq':
      return { sql: `${column} = ${param}`, bindings: [bound] };
    case 'ne':
      return { sql: `(${column} = ${param}) IS NOT TRUE`, bindings: [bound] };
    case 'gt':
      return { sql: `${column} > ${param}`, bindings: [bound] };
    case 'ge':
      return { sql: `${column} >= ${param}`, bindings: [bound] };
    case 'lt':
      return { sql: `${column} < ${param}`, bindings: [bound] };
    case 'le':
      return { sql: `${column} <= ${param}`, bindings: [bound] };
    case 'co':
    case 'sw':
    case 'ew': {
      if (spec.type !== 'string') invalid(`${op} applies to strings only, not ${field}`);
      const text = escapeLike(String(bound));
      const pattern = op === 'co' ? `%${text}%` : op === 'sw' ? `${text}%` : `%${text}`;
      return { sql: `${column} LIKE ${param} ESCAPE '\\'`, bindings: [pattern] };
    }
  }
}

interface Context {
  readonly catalog: Catalog;
  readonly tenantId: string;
  nodes: number;
}

function compileNode(ctx: Context, fields: Catalog['fields'], filter: Filter): Sql {
  const { catalog } = ctx;
  if (--ctx.nodes < 0) invalid(`the filter has more than ${MAX_FILTER_NODES} terms`);
  if ('and' in filter || 'or' in filter) {
    const parts = 'and' in filter ? filter.and : filter.or;
    if (parts.length === 0) invalid('and/or needs at least one term');
    const compiled = parts.map((part) => compileNode(ctx, fields, part));
    return {
      sql: compiled.map((c) => `(${c.sql})`).join('and' in filter ? ' AND ' : ' OR '),
      bindings: compiled.flatMap((c) => c.bindings),
    };
  }
  if ('not' in filter) {
    const inner = compileNode(ctx, fields, filter.not);
    // IS NOT TRUE, not NOT: a comparison with an absent value is NULL, and "not" of it must match.
    return { sql: `(${inner.sql}) IS NOT TRUE`, bindings: inner.bindings };
  }
  if ('anyEmail' in filter) {
    const emails = catalog.emailSubquery;
    if (!emails || fields !== catalog.fields) invalid('emails cannot be filtered here');
    const inner = compileNode(ctx, emails.fields, filter.anyEmail);
    return { sql: emails.sql.replace('%s', inner.sql), bindings: [ctx.tenantId, ...inner.bindings] };
  }
  const membership = catalog.memberships?.[filter.field];
  if (membership && fields === catalog.fields) {
    if (filter.op !== 'eq' || typeof filter.value !== 'string') invalid(`${filter.field} supports only eq`);
    return { sql: membership, bindings: [filter.value] };
  }
  return compileComparison(fields, filter.field, filter.op, filter.value);
}

/** Compiles a filter tree to a SQL condition, or throws INVALID_FILTER. */
export function compileFilter(catalog: Catalog, tenantId: string, filter: Filter): Sql {
  return compileNode({ catalog, tenantId, nodes: MAX_FILTER_NODES }, catalog.fields, filter);
}

interface CursorState {
  /** order field and direction, so a cursor cannot be replayed against another ordering */
  o: string;
  d: boolean;
  /** the last row's sort key and primary key */
  k: string | number | boolean;
  p: number;
}

export function encodeCursor(state: CursorState): string {
  return Buffer.from(JSON.stringify(state)).toString('base64url');
}

function decodeCursor(cursor: string): CursorState {
  try {
    const state = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (typeof state.o === 'string' && typeof state.d === 'boolean' && Number.isInteger(state.p))
      return state;
  } catch {
    // fall through
  }
  throw new InvalidArgumentError('INVALID_CURSOR', 'the cursor is not one this service issued');
}

/** The validated paging and ordering of a query, ready to apply. */
export interface Plan {
  /** The SQL expression to order by (before the primary-key tie-breaker), and the key's alias. */
  orderExpr: string;
  orderField: string;
  descending: boolean;
  limit: number;
  offset: number;
  after?: CursorState;
}

export function planQuery(catalog: Catalog, query: Query, pk: string): Plan {
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 0)
    throw new InvalidArgumentError('INVALID_VALUE', 'limit must be ≥ 0');
  if (limit > MAX_PAGE_SIZE) throw new InvalidArgumentError('TOO_MANY', `limit is at most ${MAX_PAGE_SIZE}`);
  const orderField = query.orderBy || '';
  let orderExpr = pk;
  if (orderField) {
    const spec = catalog.fields[orderField];
    if (!spec) throw new InvalidArgumentError('INVALID_VALUE', `cannot order by ${orderField}`);
    orderExpr = spec.caseMode === 'lower' ? `lower(${spec.expr})` : spec.expr;
  }
  let after: CursorState | undefined;
  if (query.cursor) {
    if (query.offset) throw new InvalidArgumentError('INVALID_VALUE', 'use either a cursor or an offset');
    after = decodeCursor(query.cursor);
    if (after.o !== orderField || after.d !== query.descending) {
      throw new InvalidArgumentError('INVALID_CURSOR', 'the cursor belongs to a query with another ordering');
    }
  }
  return { orderExpr, orderField, descending: query.descending, limit, offset: query.offset, after };
}

/**
 * Applies ordering (with the primary key as tie-breaker, so pages are stable),
 * keyset position and limit. Selects the sort key as `_sort_key` for the next cursor.
 */
export function applyPlan(builder: Knex.QueryBuilder, plan: Plan, pk: string): Knex.QueryBuilder {
  const dir = plan.descending ? 'DESC' : 'ASC';
  const cmp = plan.descending ? '<' : '>';
  if (plan.after) {
    if (plan.orderExpr === pk) {
      builder.whereRaw(`${pk} ${cmp} ?`, [plan.after.p]);
    } else {
      builder.whereRaw(`(${plan.orderExpr} ${cmp} ? OR (${plan.orderExpr} = ? AND ${pk} ${cmp} ?))`, [
        plan.after.k,
        plan.after.k,
        plan.after.p,
      ]);
    }
  }
  builder.select(builder.client.raw(`${plan.orderExpr} AS _sort_key`));
  if (plan.orderExpr !== pk) builder.orderByRaw(`${plan.orderExpr} ${dir}`);
  builder.orderByRaw(`${pk} ${dir}`);
  // One extra row tells whether another page follows.
  builder.limit(plan.limit + 1);
  if (plan.offset) builder.offset(plan.offset);
  return builder;
}

/** Splits the extra row off a fetched page and makes the cursor for the next one. */
export function finishPage<R extends { _sort_key: unknown; pk: number }>(
  rows: R[],
  plan: Plan,
): { rows: R[]; nextCursor?: string } {
  if (rows.length <= plan.limit) return { rows };
  const page = rows.slice(0, plan.limit);
  const last = page[page.length - 1];
  if (!last) return { rows: page };
  const key = last._sort_key as string | number | boolean;
  return {
    rows: page,
    nextCursor: encodeCursor({ o: plan.orderField, d: plan.descending, k: key, p: last.pk }),
  };
}
