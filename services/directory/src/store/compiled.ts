import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type BetterSqlite3 from 'better-sqlite3';
import { postgres, sqlite, type Dialect, type DialectName } from './dialect.js';
import { SqliteClient } from './sqlite-client.js';

/** A store handle: the knex instance, or the transaction the caller owns. */
export type Db = Knex | Knex.Transaction;

/**
 * Statements built by knex once per dialect and then run with their bindings alone.
 *
 * knex rebuilds a query's SQL on every call: builder, compiler, identifier quoting, its
 * runner and events. For the small indexed statements this service makes, that cost more
 * than running them. Here knex builds each statement *shape* once, with placeholders
 * standing for the parameters; each call binds values to the ready SQL and runs it on the
 * caller's connection or transaction: a cached better-sqlite3 statement on SQLite, a named
 * prepared statement on PostgreSQL (parsed and planned once per connection).
 *
 *     const byId = compiled<{ tenantId: string; id: string }, Row>((db, $) =>
 *       db('users').where({ tenant_id: $.tenantId, id: $.id }).first(COLUMNS));
 *     const row = await byId.first(trx, { tenantId, id });
 */
export interface Statement<P, Row> {
  /** The rows of a SELECT, or of a write with RETURNING. */
  all(db: Db, params: P): Promise<Row[]>;
  /** The first row, if any. */
  first(db: Db, params: P): Promise<Row | undefined>;
  /** How many rows a write changed (with RETURNING: returned). */
  run(db: Db, params: P): Promise<number>;
}

type Build<P> = (db: Knex, $: P) => Knex.QueryBuilder | Knex.Raw;

/** A parameter's place in a statement while knex builds it. */
class Slot {
  /** A list parameter (see `inList`): one binding holding every value. */
  list = false;
  constructor(
    readonly name: string,
    private readonly sentinel: number,
  ) {}

  /**
   * knex parses `limit` and `offset` with parseInt, so a slot must also pass for an integer
   * there: a number no statement uses as a constant, which `shapeOf` maps back to the slot.
   */
  [Symbol.toPrimitive](): number {
    return this.sentinel;
  }
}

const SENTINEL_BASE = 1_987_000_000;

/** A constant knex bound itself (`.first()`'s limit 1, a literal in a where clause). */
interface Constant {
  readonly value: unknown;
}

interface Shape {
  /** The statement in the driver's placeholders: `?` on SQLite, `$1`… on PostgreSQL. */
  readonly text: string;
  readonly bindings: readonly (Slot | Constant)[];
  /** PostgreSQL: the name it is prepared under on each connection; unnamed when absent. */
  readonly name?: string;
  /**
   * SQLite: the bindings that are a LIMIT's operand, by index, and the text around their
   * placeholders (one more piece than places); empty when the statement has no LIMIT.
   */
  readonly limits: readonly number[];
  readonly pieces: readonly string[];
  /** SQLite: the prepared statements, per connection, by the values of its LIMITs. */
  readonly prepared: WeakMap<object, Map<string, BetterSqlite3.Statement>>;
}

/**
 * Where a statement's placeholders stand after the keyword LIMIT: their positions among its
 * `?`s, and the text cut at them. Quoted text (identifiers, string literals) is skipped.
 */
function limitPlaceholders(sql: string): { limits: number[]; pieces: string[] } {
  const limits: number[] = [];
  const pieces: string[] = [];
  let placeholder = 0;
  let start = 0;
  for (let i = 0; i < sql.length; i++) {
    const c = sql[i]!;
    if (c === "'" || c === '"' || c === '`') {
      i = sql.indexOf(c, i + 1);
      if (i < 0) break;
    } else if (c === '?') {
      if (/\blimit\s*$/i.test(sql.slice(start, i))) {
        limits.push(placeholder);
        pieces.push(sql.slice(start, i));
        start = i + 1;
      }
      placeholder++;
    }
  }
  pieces.push(sql.slice(start));
  return { limits, pieces };
}

/** The dialect of a store handle (the knex instance or a transaction). */
export const dialectOf = (db: Db): Dialect => (db.client instanceof SqliteClient ? sqlite : postgres);

function shapeOf<P>(db: Db, build: Build<P>, named: boolean): Shape {
  const slots = new Map<number, Slot>();
  const $ = new Proxy(
    {},
    {
      get(_, name) {
        const sentinel = SENTINEL_BASE + slots.size;
        const slot = new Slot(String(name), sentinel);
        slots.set(sentinel, slot);
        return slot;
      },
    },
  ) as P;
  const sql = build(db as Knex, $).toSQL() as Knex.Sql;
  const native = sql.toNative();
  return {
    ...(dialectOf(db) === sqlite ? limitPlaceholders(native.sql) : { limits: [], pieces: [] }),
    text: native.sql,
    bindings: sql.bindings.map((value) =>
      value instanceof Slot
        ? value
        : typeof value === 'number' && slots.has(value)
          ? slots.get(value)!
          : { value },
    ),
    // Named after the text, so a shape built again (after leaving a cache) is the one prepared.
    name: named
      ? `wz_${createHash('sha256').update(native.sql).digest('base64url').slice(0, 24)}`
      : undefined,
    prepared: new WeakMap(),
  };
}

/**
 * One statement, its SQL built by `build` on first use per dialect. `$.name` stands for the
 * parameter `name`; wherever knex takes a value, it takes one. Only constants and `$` values
 * may appear in `build`: it runs once, not per call. A parameter is always bound as a value:
 * `where({ x: $.x })` is `x = ?`, which a null never satisfies (knex writes `x IS NULL` for a
 * literal null), so a condition on NULL is written as such.
 */
export function compiled<P extends object, Row = never>(build: Build<P>): Statement<P, Row> {
  return statement(build, true);
}

/**
 * `$`'s parameters of a second part of one statement (a second event…), named with `prefix`
 * so that they do not meet the first's; its values are given with `prefixed`.
 */
export const withPrefix = <P extends object>($: object, prefix: string): P =>
  new Proxy({}, { get: (_, name) => ($ as Record<string, unknown>)[`${prefix}${String(name)}`] }) as P;

/** `params` under the names `withPrefix(…, prefix)` gives them. */
export const prefixed = (params: object, prefix: string) =>
  Object.fromEntries(Object.entries(params).map(([name, value]) => [`${prefix}${name}`, value]));

/** `$`'s parameters for the named columns, each under its column's name: an insert's or update's values. */
export const slotsFor = <P extends object>($: P, columns: readonly (keyof P)[]) =>
  Object.fromEntries(columns.map((column) => [column, $[column]]));

/**
 * Statements whose shape depends on the call (a count of rows, a filter's structure): one
 * per key, built by the `build` given with the key's first use, the least recently used
 * dropped past `limit`. On PostgreSQL a shape is prepared by name when the caller says
 * `named`: for the few common shapes, not for every shape a client could make (a prepared
 * statement lives as long as its connection).
 */
export class StatementCache {
  private readonly statements = new Map<string, Statement<never, unknown>>();

  constructor(private readonly limit: number) {}

  get<P extends object, Row = never>(key: string, build: Build<P>, named: boolean): Statement<P, Row> {
    let found = this.statements.get(key) as Statement<P, Row> | undefined;
    if (found) {
      this.statements.delete(key);
    } else {
      found = statement(build, named);
      if (this.statements.size >= this.limit) this.statements.delete(this.statements.keys().next().value!);
    }
    this.statements.set(key, found as Statement<never, unknown>);
    return found;
  }
}

function statement<P extends object, Row>(build: Build<P>, named: boolean): Statement<P, Row> {
  const shapes: Partial<Record<DialectName, Shape>> = {};
  const shape = (db: Db) => (shapes[dialectOf(db).name] ??= shapeOf(db, build, named));
  return {
    all: async (db, params) => (await execute(db, shape(db), params)).rows as Row[],
    first: async (db, params) => (await execute(db, shape(db), params)).rows[0] as Row | undefined,
    run: async (db, params) => (await execute(db, shape(db), params)).changes,
  };
}

/**
 * `column` is one of the values of `list`: one binding whatever the list's length, so one
 * statement (see Dialect.inList). In a compiled statement `list` is a parameter (`$.ids`);
 * in a query knex runs as usual, the values.
 */
export function inList(db: Knex, column: string, list: readonly unknown[]): Knex.Raw {
  const dialect = dialectOf(db);
  if (list instanceof Slot) list.list = true;
  const binding = list instanceof Slot ? list : dialect.listParameter(list);
  return db.raw(dialect.inList, [column, binding as Knex.Value]);
}

interface Result {
  rows: unknown[];
  changes: number;
}

/** What a statement needs of a pooled connection's client (knex's, or a transaction's). */
interface ConnectionSource {
  acquireConnection(): Promise<unknown>;
  releaseConnection(connection: unknown): Promise<unknown>;
}

/** The part of a `pg` client used here. */
interface PgConnection {
  query(config: { name?: string; text: string; values: unknown[] }): Promise<{
    rows: unknown[];
    rowCount: number | null;
  }>;
}

function valuesOf(shape: Shape, params: object, dialect: Dialect): unknown[] {
  const sqliteDriver = dialect === sqlite;
  return shape.bindings.map((binding) => {
    if (!(binding instanceof Slot)) return sqliteDriver ? sqliteValue(binding.value) : binding.value;
    const value = (params as Record<string, unknown>)[binding.name];
    if (value === undefined) throw new Error(`statement parameter ${binding.name} is missing`);
    if (binding.list) return dialect.listParameter(value as unknown[]);
    return sqliteDriver ? sqliteValue(value) : value;
  });
}

/** better-sqlite3 binds no booleans: 1 and 0, as knex does. */
const sqliteValue = (value: unknown) => (typeof value === 'boolean' ? Number(value) : value);

async function execute(db: Db, shape: Shape, params: object): Promise<Result> {
  const dialect = dialectOf(db);
  const values = valuesOf(shape, params, dialect);
  // As knex refuses it: a statement after the commit would run outside the transaction.
  if ((db as Knex.Transaction).isCompleted?.()) throw new Error('the transaction has already ended');
  // Outside a transaction on SQLite, the connection at once when nothing holds it (see
  // SqliteClient.idleConnection).
  if (dialect === sqlite && !(db as Knex.Transaction).isTransaction) {
    const idle = (db.client as SqliteClient).idleConnection();
    if (idle) return runOnSqlite(idle, shape, values);
  }
  // A transaction's client hands out its own connection; knex's, one from the pool (on
  // SQLite the writer's or the reader's only one: on the writer's, a statement waits for a
  // running transaction as through knex).
  const client = db.client as ConnectionSource;
  const connection = await client.acquireConnection();
  try {
    if (dialect === sqlite) return runOnSqlite(connection as BetterSqlite3.Database, shape, values);
    const result = await (connection as PgConnection).query({ name: shape.name, text: shape.text, values });
    return { rows: result.rows, changes: result.rowCount ?? 0 };
  } finally {
    await client.releaseConnection(connection);
  }
}

function runOnSqlite(connection: BetterSqlite3.Database, shape: Shape, values: unknown[]): Result {
  const prepared = preparedOn(connection, shape, values);
  if (prepared.reader) {
    const rows = prepared.all(values);
    return { rows, changes: rows.length };
  }
  return { rows: [], changes: prepared.run(values).changes };
}

/** Prepared statements kept per shape and connection: one per LIMIT value used. */
const LIMIT_VALUES_KEPT = 64;

/**
 * The shape prepared on a SQLite connection, its LIMITs written into the text (and taken out
 * of `values`). SQLite 3.53 lets a bound LIMIT's value steer the plan, and so marks the
 * statement to be prepared again whenever that parameter is bound — on every run: measured,
 * a one-row lookup by a unique key took 16 µs with `LIMIT ?` and 6 µs with `LIMIT 101`, and
 * `.first()` binds its `LIMIT 1`. So each LIMIT value gets its own prepared statement; a
 * statement's callers use few (1, a page size + 1).
 */
function preparedOn(conn: BetterSqlite3.Database, shape: Shape, values: unknown[]): BetterSqlite3.Statement {
  let byLimits = shape.prepared.get(conn);
  if (!byLimits) shape.prepared.set(conn, (byLimits = new Map()));
  // Most statements have no LIMIT: their one statement, under the empty key.
  const limits = shape.limits.length === 0 ? undefined : shape.limits.map((at) => values[at]);
  let key = '';
  if (limits) {
    for (let i = shape.limits.length - 1; i >= 0; i--) values.splice(shape.limits[i]!, 1);
    key = limits.join(',');
    if (!limits.every((n) => Number.isSafeInteger(n) && (n as number) >= 0))
      throw new Error(`a LIMIT must be a whole number ≥ 0, not ${key}`);
  }
  let prepared = byLimits.get(key);
  if (!prepared) {
    // The text with each LIMIT's value where its placeholder stood.
    const text = limits
      ? shape.pieces.map((piece, i) => (i === 0 ? piece : `${limits[i - 1]}${piece}`)).join('')
      : shape.text;
    if (byLimits.size >= LIMIT_VALUES_KEPT) byLimits.clear();
    byLimits.set(key, (prepared = conn.prepare(text)));
  }
  return prepared;
}
