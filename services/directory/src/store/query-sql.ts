import type { Knex } from 'knex';
import { InvalidArgumentError } from '../domain/errors.js';
import { foldIdentity } from '../domain/identity.js';
import { MAX_KEY_LENGTH } from '../domain/validation.js';
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
  /** An `eq` on it finds one row or a handful: the lookups SCIM clients make (see query-page.ts). */
  readonly key?: boolean;
  /** An `eq` on it finds at most one row of a tenant: a unique index holds it. */
  readonly unique?: boolean;
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
  if (!spec) invalid(`unknown or unfilterable field: ${field} (fields: ${Object.keys(fields).join(', ')})`);
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

/**
 * Sort keys are indexed columns of at most MAX_KEY_LENGTH characters; lower-casing may lengthen a
 * few characters (İ → i̇), hence the factor of two. Its cursor, base64 of up to 3 bytes a character, stays within MAX_CURSOR_LENGTH.
 */
const MAX_SORT_KEY_LENGTH = 2 * MAX_KEY_LENGTH;
const MAX_CURSOR_LENGTH = 8192;
/** Primary keys are 32-bit serials in both stores. */
const MAX_PK = 2 ** 31 - 1;

const invalidCursor = (why = 'the cursor is not one this service issued') =>
  new InvalidArgumentError('INVALID_CURSOR', why);

/**
 * Every field of a decoded cursor is checked before any of it reaches SQL: a cursor is client
 * input, and a sort key that is an array or an object, or a primary key past the column's range,
 * made the driver throw (a 500 whose message held the statement and its values).
 */
function isCursorState(state: unknown): state is CursorState {
  if (typeof state !== 'object' || state === null || Array.isArray(state)) return false;
  const { o, d, k, p } = state as Record<string, unknown>;
  const sortKey =
    (typeof k === 'string' && k.length <= MAX_SORT_KEY_LENGTH) ||
    (typeof k === 'number' && Number.isFinite(k)) ||
    typeof k === 'boolean';
  return (
    typeof o === 'string' &&
    typeof d === 'boolean' &&
    sortKey &&
    Number.isSafeInteger(p) &&
    (p as number) >= 0 &&
    (p as number) <= MAX_PK
  );
}

function decodeCursor(cursor: string): CursorState {
  if (cursor.length > MAX_CURSOR_LENGTH) throw invalidCursor();
  let state: unknown;
  try {
    state = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (!isCursorState(state)) throw invalidCursor();
  return state;
}

/** Whether a sort key has the type the field's rows give it (SQLite returns booleans as 0 or 1). */
function keyFits(spec: FieldSpec | undefined, key: CursorState['k']): boolean {
  if (!spec) return true; // ordered by the primary key alone: the key is not used
  if (spec.type === 'boolean') return typeof key === 'boolean' || key === 0 || key === 1;
  return typeof key === 'string';
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
    if (!spec)
      throw new InvalidArgumentError(
        'INVALID_VALUE',
        `cannot order by ${orderField} (fields: ${Object.keys(catalog.fields).join(', ')})`,
      );
    orderExpr = spec.caseMode === 'lower' ? `lower(${spec.expr})` : spec.expr;
  }
  let after: CursorState | undefined;
  if (query.cursor) {
    if (query.offset) throw new InvalidArgumentError('INVALID_VALUE', 'use either a cursor or an offset');
    after = decodeCursor(query.cursor);
    if (after.o !== orderField || after.d !== query.descending) {
      throw invalidCursor('the cursor belongs to a query with another ordering');
    }
    if (!keyFits(orderField ? catalog.fields[orderField] : undefined, after.k)) throw invalidCursor();
  }
  return { orderExpr, orderField, descending: query.descending, limit, offset: query.offset, after };
}

/** The values of a plan that a statement binds (the rest of the plan is the statement's shape). */
export interface PlanValues {
  afterKey: CursorState['k'] | null;
  afterPk: number | null;
  /** The page size plus one: the extra row tells whether another page follows. */
  limit: number;
  offset: number;
}

/**
 * Applies ordering (with the primary key as tie-breaker, so pages are stable),
 * keyset position and limit, binding `values`. Selects the sort key as `_sort_key` for the
 * next cursor.
 */
export function applyPlan(
  builder: Knex.QueryBuilder,
  plan: Plan,
  pk: string,
  values: PlanValues,
): Knex.QueryBuilder {
  builder.select(builder.client.raw(`${plan.orderExpr} AS _sort_key`));
  return positionPage(builder, plan, pk, values);
}

/** The page's place: after the cursor's key, in the plan's order, its limit and offset. */
export function positionPage(
  builder: Knex.QueryBuilder,
  plan: Plan,
  pk: string,
  values: PlanValues,
): Knex.QueryBuilder {
  const dir = plan.descending ? 'DESC' : 'ASC';
  const cmp = plan.descending ? '<' : '>';
  if (plan.after) {
    if (plan.orderExpr === pk) {
      builder.whereRaw(`${pk} ${cmp} ?`, [values.afterPk]);
    } else {
      builder.whereRaw(`(${plan.orderExpr} ${cmp} ? OR (${plan.orderExpr} = ? AND ${pk} ${cmp} ?))`, [
        values.afterKey,
        values.afterKey,
        values.afterPk,
      ]);
    }
  }
  if (plan.orderExpr !== pk) builder.orderByRaw(`${plan.orderExpr} ${dir}`);
  builder.orderByRaw(`${pk} ${dir}`);
  builder.limit(values.limit);
  if (plan.offset) builder.offset(values.offset);
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
