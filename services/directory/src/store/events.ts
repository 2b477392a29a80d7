import type { Knex } from 'knex';
import { compiled, inList, slotsFor, StatementCache, type Db } from './compiled.js';
import { identityKey, MAX_IDENTITY_KEY_LENGTH } from '../domain/identity.js';
import type { DirectoryEvent, EventOutcome, JsonObject } from '../domain/types.js';
import { problemEvents } from '../metrics.js';
import type { DbEventRow } from './rows.js';

export type NewEvent = Omit<DirectoryEvent, 'sequence' | 'occurredAt'> & { occurredAt: string };

export function rowToEvent(row: DbEventRow): DirectoryEvent {
  return {
    sequence: Number(row.seq),
    tenantId: row.tenant_id,
    occurredAt: new Date(row.occurred_at),
    actor: row.actor,
    kind: row.kind,
    resourceType: row.resource_type,
    resourceId: row.resource_id,
    resourceName: row.resource_name,
    outcome: row.outcome as EventOutcome,
    reason: row.reason,
    before: row.before ? (JSON.parse(row.before) as JsonObject) : undefined,
    after: row.after ? (JSON.parse(row.after) as JsonObject) : undefined,
  };
}

/**
 * The condition of the partial indexes on an event's outcome (migration
 * 20261230000000_problem_event_indexes), on `column`: written out in a query's WHERE clause,
 * as SQL text and not a bound value, for the planner to consider them. Outcomes are 'ok',
 * 'warning' and 'error'.
 */
export const problemCondition = (column = 'outcome') => `${column} <> 'ok'`;

/**
 * Keeps warnings and errors. Both forms on purpose: the partial indexes need the condition's
 * text, and SQLite, given planner statistics, ranges over the index once per listed value
 * (measured at 200,000 events: 0.36 ms, against 1.3 ms with either form alone).
 */
export const onlyProblems = (q: Knex.QueryBuilder, column = 'outcome') =>
  q.whereIn(column, ['warning', 'error']).whereRaw(problemCondition(column));

/** An event's columns as read (DbEventRow), its sequence included. */
const EVENT_COLUMNS = [
  'seq',
  'tenant_id',
  'occurred_at',
  'actor',
  'kind',
  'resource_type',
  'resource_id',
  'resource_name',
  'outcome',
  'reason',
  'before',
  'after',
] as const satisfies readonly (keyof DbEventRow)[];

export type EventParams = Omit<DbEventRow, 'seq'> & { resource_name_norm: string };

/**
 * The columns an event is written with: those it is read with but its sequence (the table's
 * own), and the search key of its resource's name.
 */
const INSERT_COLUMNS = [
  ...EVENT_COLUMNS.filter((column) => column !== 'seq'),
  'resource_name_norm',
] as const satisfies readonly (keyof EventParams)[];

/** The insert of one event row (the statements below, and event-members.ts's). */
export const eventInsert = (db: Knex, $: EventParams) => db('events').insert(slotsFor($, INSERT_COLUMNS));

/**
 * The same insert as one part of a larger statement, made for each row `source` (a CTE of that
 * statement) returns: the event of a resource is written only when the resource's row was.
 * `fromSource` names the event's columns taken from that row's columns instead of `$`. It
 * returns the sequence given, so that a later part can follow it: a part that reads another's
 * rows runs after it, which orders the events of one statement.
 */
export const eventInsertForEach = (
  db: Knex,
  $: EventParams,
  source: string,
  fromSource: Partial<Record<keyof EventParams, string>> = {},
) =>
  db.raw(
    `insert into ?? (${INSERT_COLUMNS.map(() => '??').join(', ')}) select ${INSERT_COLUMNS.map((column) => (fromSource[column] ? '??' : '?')).join(', ')} from ?? returning seq`,
    [
      'events',
      ...INSERT_COLUMNS,
      ...INSERT_COLUMNS.map((column) => (fromSource[column] ? `${source}.${fromSource[column]}` : $[column])),
      source,
    ],
  );

const insertEventRow = compiled<EventParams>(eventInsert);
const appendEventRow = compiled<EventParams, DbEventRow>((db, $) =>
  eventInsert(db, $).returning(EVENT_COLUMNS),
);

/** An event's columns as the events table stores them. */
export function eventParams(event: NewEvent): EventParams {
  // Counted when written; a transaction that rolls back after this is rare enough to ignore.
  if (event.outcome !== 'ok') problemEvents.inc({ tenant: event.tenantId, outcome: event.outcome });
  return {
    tenant_id: event.tenantId,
    occurred_at: event.occurredAt,
    actor: event.actor,
    kind: event.kind,
    resource_type: event.resourceType,
    resource_id: event.resourceId,
    resource_name: event.resourceName,
    resource_name_norm: identityKey(event.resourceName).slice(0, MAX_IDENTITY_KEY_LENGTH),
    outcome: event.outcome,
    reason: event.reason,
    before: event.before ? JSON.stringify(event.before) : null,
    after: event.after ? JSON.stringify(event.after) : null,
  };
}

/** Appends an event and returns it as stored. */
export async function appendEvent(db: Db, event: NewEvent): Promise<DbEventRow> {
  return (await appendEventRow.first(db, eventParams(event)))!;
}

/** Appends an event, for a caller that needs nothing back. */
export async function insertEvent(db: Db, event: NewEvent): Promise<void> {
  await insertEventRow.run(db, eventParams(event));
}

export interface EventSearch {
  resourceId?: string;
  resourceName?: string;
  kinds?: readonly string[];
  problemsOnly?: boolean;
  since?: Date;
  until?: Date;
  beforeSequence?: number;
  limit: number;
}

type SearchParams = Required<Omit<EventSearch, 'problemsOnly' | 'since' | 'until'>> & {
  tenantId: string;
  since: string;
  until: string;
};

/** Searches by the set of conditions used: at most 2⁶ shapes. */
const searches = new StatementCache(64);

/** A tenant's events matching the search, newest first. */
export async function searchEvents(db: Db, tenantId: string, search: EventSearch): Promise<DbEventRow[]> {
  const used = {
    resourceId: Boolean(search.resourceId),
    resourceName: Boolean(search.resourceName),
    kinds: Boolean(search.kinds?.length),
    problemsOnly: Boolean(search.problemsOnly),
    since: Boolean(search.since),
    until: Boolean(search.until),
    beforeSequence: Boolean(search.beforeSequence),
  };
  const statement = searches.get<SearchParams, DbEventRow>(
    Object.values(used).map(Number).join(''),
    (knex, $) => {
      const q = knex('events').where('tenant_id', $.tenantId);
      if (used.resourceId) q.andWhere('resource_id', $.resourceId);
      if (used.resourceName) q.andWhere('resource_name_norm', $.resourceName);
      if (used.kinds) q.andWhere(inList(knex, 'kind', $.kinds));
      if (used.problemsOnly) onlyProblems(q);
      if (used.since) q.andWhere('occurred_at', '>=', $.since);
      if (used.until) q.andWhere('occurred_at', '<', $.until);
      if (used.beforeSequence) q.andWhere('seq', '<', $.beforeSequence);
      return q.orderBy('seq', 'desc').limit($.limit).select(EVENT_COLUMNS);
    },
    true,
  );
  return statement.all(db, {
    tenantId,
    resourceId: search.resourceId ?? '',
    resourceName: identityKey(search.resourceName ?? '').slice(0, MAX_IDENTITY_KEY_LENGTH),
    kinds: search.kinds ?? [],
    since: search.since?.toISOString() ?? '',
    until: search.until?.toISOString() ?? '',
    beforeSequence: search.beforeSequence ?? 0,
    limit: search.limit,
  });
}

const rowsAfter = compiled<{ tenantId: string; afterSequence: number; limit: number }, DbEventRow>((db, $) =>
  db('events')
    .where('tenant_id', $.tenantId)
    .andWhere('seq', '>', $.afterSequence)
    .orderBy('seq', 'asc')
    .limit($.limit)
    .select(EVENT_COLUMNS),
);

/** A tenant's events after a sequence number, oldest first. */
export async function eventsAfter(
  db: Db,
  tenantId: string,
  afterSequence: number,
  limit: number,
): Promise<DbEventRow[]> {
  return rowsAfter.all(db, { tenantId, afterSequence, limit });
}
