import type { Knex } from 'knex';
import { identityKey, MAX_IDENTITY_KEY_LENGTH } from '../domain/identity.js';
import type { DbEventRow, DbUserRow } from './rows.js';
import { compiled, dialectOf, StatementCache } from './compiled.js';
import { sqlite } from './dialect.js';
import {
  appendEvent,
  eventInsert,
  eventParams,
  onlyProblems,
  type EventParams,
  type NewEvent,
} from './events.js';

type Db = Knex | Knex.Transaction;

/** Rows per insert: three parameters each, well under SQLite's and PostgreSQL's limits. */
const CHUNK = 500;

/**
 * Records the member ids a membership event names (added, removed, skipped), so that the
 * membership changes that touched a user are found by index (migration 20261215000000).
 */
export async function indexEventMembers(
  db: Db,
  tenantId: string,
  seq: number,
  memberIds: readonly string[],
): Promise<void> {
  const unique = [...new Set(memberIds)];
  for (let i = 0; i < unique.length; i += CHUNK) {
    const chunk = unique.slice(i, i + CHUNK);
    const params: MemberParams = { seq, tenant_id: tenantId };
    chunk.forEach((id, position) => (params[`member${position}`] = id));
    await insertRows(chunk.length).run(db, params);
  }
}

/**
 * PostgreSQL: the event and its member ids in one statement, the ids bound as one array (so one
 * shape whatever their number). A write of a tenant's waits on its statements' round trips
 * (see postgres-transaction.ts).
 */
const appendWithMembers = compiled<MembersEventParams, { seq: number | string }>((db, $) =>
  db
    .with('ev', eventInsert(db, $).returning(['seq']))
    .with('m', memberIdsInsert(db, $, 'ev'))
    .select('seq')
    .from('ev'),
);

export type MembersEventParams = EventParams & { members: string[] };

/** PostgreSQL: the member ids of the event `source` (a part of the statement) returns. */
export const memberIdsInsert = (db: Knex, $: MembersEventParams, source: string) =>
  db.raw(
    `insert into event_member_ids (seq, member_id, tenant_id)
       select ev.seq, m.id, ? from ?? as ev cross join unnest(?::text[]) as m(id)`,
    [$.tenant_id, source, $.members],
  );

/** A membership event's parameters for appendWithMembers and memberIdsInsert. */
export const membersEventParams = (event: NewEvent, memberIds: readonly string[]): MembersEventParams => ({
  ...eventParams(event),
  members: [...new Set(memberIds)],
});

/** Appends a membership event and records the member ids it names; answers its sequence. */
export async function appendMembersEvent(
  db: Db,
  event: NewEvent,
  memberIds: readonly string[],
): Promise<number> {
  if (dialectOf(db) === sqlite) {
    const seq = Number((await appendEvent(db, event)).seq);
    await indexEventMembers(db, event.tenantId, seq, memberIds);
    return seq;
  }
  const row = await appendWithMembers.first(db, membersEventParams(event, memberIds));
  return Number(row!.seq);
}

interface MemberParams {
  seq: number;
  tenant_id: string;
  [member: `member${number}`]: string;
}

/** One multi-row insert per count of ids; the counts a change names one user with, prepared by name. */
const inserts = new StatementCache(64);

const insertRows = (count: number) =>
  inserts.get<MemberParams>(
    String(count),
    (knex, $) =>
      knex('event_member_ids').insert(
        Array.from({ length: count }, (_, position) => ({
          seq: $.seq,
          member_id: $[`member${position}`],
          tenant_id: $.tenant_id,
        })),
      ),
    count <= 8,
  );

/** Narrows a search of the log; every condition is on the event row. */
export interface EventFilter {
  kinds?: readonly string[];
  problemsOnly?: boolean;
  since?: Date;
  until?: Date;
  beforeSequence?: number;
}

function filtered(q: Knex.QueryBuilder, filter: EventFilter, table: string): Knex.QueryBuilder {
  if (filter.kinds?.length) q.whereIn(`${table}.kind`, filter.kinds);
  if (filter.problemsOnly) onlyProblems(q, `${table}.outcome`);
  if (filter.since) q.andWhere(`${table}.occurred_at`, '>=', filter.since.toISOString());
  if (filter.until) q.andWhere(`${table}.occurred_at`, '<', filter.until.toISOString());
  if (filter.beforeSequence) q.andWhere(`${table}.seq`, '<', filter.beforeSequence);
  return q;
}

/**
 * The newest membership events that name `memberId`, newest first: one range of the
 * (tenant_id, member_id, seq) index, each event then read by its primary key.
 */
export async function eventsNamingMember(
  db: Db,
  tenantId: string,
  memberId: string,
  filter: EventFilter,
  limit: number,
): Promise<DbEventRow[]> {
  const q = db('event_member_ids as m')
    .join('events as e', 'e.seq', 'm.seq')
    .where('m.tenant_id', tenantId)
    .andWhere('m.member_id', memberId);
  if (filter.beforeSequence) q.andWhere('m.seq', '<', filter.beforeSequence);
  return filtered(q, { ...filter, beforeSequence: undefined }, 'e')
    .orderBy('m.seq', 'desc')
    .limit(limit)
    .select('e.*');
}

/**
 * The newest events about the user resource `id` (its own changes, and requests about it that
 * were rejected), newest first: one range of the (tenant_id, resource_id, seq) index.
 */
export async function eventsOfUserId(
  db: Db,
  tenantId: string,
  id: string,
  filter: EventFilter,
  limit: number,
): Promise<DbEventRow[]> {
  const q = db('events')
    .where('tenant_id', tenantId)
    .andWhere('resource_id', id)
    .andWhere('resource_type', 'user');
  return filtered(q, filter, 'events').orderBy('seq', 'desc').limit(limit);
}

/**
 * The newest events about a user of that userName (case- and width-insensitively, as userName
 * is unique), newest first, including rejected requests that never got as far as an id: one
 * range of the (tenant_id, resource_name_norm, seq) index.
 */
export async function eventsOfUserName(
  db: Db,
  tenantId: string,
  userName: string,
  filter: EventFilter,
  limit: number,
): Promise<DbEventRow[]> {
  const q = db('events')
    .where('tenant_id', tenantId)
    .andWhere('resource_name_norm', identityKey(userName).slice(0, MAX_IDENTITY_KEY_LENGTH))
    .andWhere('resource_type', 'user');
  return filtered(q, filter, 'events').orderBy('seq', 'desc').limit(limit);
}

/** The user of that userName now (the unique (tenant_id, user_name_norm) index). */
export async function findUserRowByUserName(
  db: Db,
  tenantId: string,
  userName: string,
): Promise<DbUserRow | undefined> {
  return db('users')
    .where({ tenant_id: tenantId, user_name_norm: identityKey(userName) })
    .first();
}
