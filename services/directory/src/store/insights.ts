import type { Knex } from 'knex';
import type { DbEventRow } from './rows.js';
import { problemCondition } from './events.js';

/**
 * Aggregates for the operator console, each one an index range: a tenant of 100,000 users
 * answers in milliseconds. Counts come back as numbers on SQLite and strings on PostgreSQL.
 */

const n = (value: unknown) => Number(value ?? 0);

/** Users by `active` (index tenant_id, active, pk). */
export async function userCounts(db: Knex, tenantId: string): Promise<{ active: number; inactive: number }> {
  const rows: { active: unknown; n: unknown }[] = await db('users')
    .where('tenant_id', tenantId)
    .groupBy('active')
    .select('active', db.raw('count(*) as n'));
  let active = 0;
  let inactive = 0;
  for (const row of rows) {
    if (row.active === true || Number(row.active) === 1) active += n(row.n);
    else inactive += n(row.n);
  }
  return { active, inactive };
}

/** Departments by `pushed` (index tenant_id, pushed, pk). */
export async function departmentCounts(
  db: Knex,
  tenantId: string,
): Promise<{ pushed: number; attribute: number }> {
  const rows: { pushed: unknown; n: unknown }[] = await db('departments')
    .where('tenant_id', tenantId)
    .groupBy('pushed')
    .select('pushed', db.raw('count(*) as n'));
  let pushed = 0;
  let attribute = 0;
  for (const row of rows) {
    if (row.pushed === true || Number(row.pushed) === 1) pushed += n(row.n);
    else attribute += n(row.n);
  }
  return { pushed, attribute };
}

/** When one of the tenant's tokens was last used (index tenant_id). */
export async function lastTokenUse(db: Knex, tenantId: string): Promise<string | undefined> {
  const row: { at?: string | null } | undefined = await db('api_tokens')
    .where('tenant_id', tenantId)
    .max({ at: 'last_used_at' })
    .first();
  return row?.at ?? undefined;
}

/** The tenant's newest event (index tenant_id, seq). */
export async function lastSequence(db: Knex, tenantId: string): Promise<number> {
  const row: { seq?: unknown } | undefined = await db('events')
    .where('tenant_id', tenantId)
    .max({ seq: 'seq' })
    .first();
  return n(row?.seq);
}

/**
 * The tenant's rejections (events with outcome 'error') since `since`: a range of the partial
 * index events_problems_by_time, which the planner takes only given its condition as text.
 */
const rejectionsSince = (db: Knex, tenantId: string, since: string) =>
  db('events')
    .where({ tenant_id: tenantId, outcome: 'error' })
    .whereRaw(problemCondition())
    .andWhere('occurred_at', '>=', since);

/** Rejections logged since `since`. */
export async function rejectionCount(db: Knex, tenantId: string, since: string): Promise<number> {
  const row: { n?: unknown } | undefined = await rejectionsSince(db, tenantId, since)
    .count({ n: '*' })
    .first();
  return n(row?.n);
}

/** Users created per minute in [since, until) (index tenant_id, created_at, pk). */
export async function creationsPerMinute(
  db: Knex,
  tenantId: string,
  since: string,
  until: string,
): Promise<{ minute: string; count: number }[]> {
  const minute = db.raw('substr(created_at, 1, 16)');
  const rows: { minute: string; n: unknown }[] = await db('users')
    .where('tenant_id', tenantId)
    .andWhere('created_at', '>=', since)
    .andWhere('created_at', '<', until)
    .groupBy(minute)
    .orderBy(minute)
    .select({ minute }, db.raw('count(*) as n'));
  return rows.map((row) => ({ minute: row.minute, count: n(row.n) }));
}

/** Rejections since `since` by reason, most frequent first. */
export async function rejectionsByReason(
  db: Knex,
  tenantId: string,
  since: string,
  limit: number,
): Promise<{ reason: string; count: number; lastSeq: number }[]> {
  const rows: { reason: string; n: unknown; last: unknown }[] = await rejectionsSince(db, tenantId, since)
    .groupBy('reason')
    .orderBy([
      { column: 'n', order: 'desc' },
      { column: 'last', order: 'desc' },
    ])
    .limit(limit)
    .select('reason', db.raw('count(*) as n'), db.raw('max(seq) as last'));
  return rows.map((row) => ({ reason: row.reason, count: n(row.n), lastSeq: n(row.last) }));
}

/** The latest rejections since `since`, newest first. */
export async function latestRejections(
  db: Knex,
  tenantId: string,
  since: string,
  limit: number,
): Promise<DbEventRow[]> {
  return rejectionsSince(db, tenantId, since).orderBy('seq', 'desc').limit(limit);
}

export async function eventsBySequence(db: Knex, tenantId: string, seqs: number[]): Promise<DbEventRow[]> {
  if (!seqs.length) return [];
  return db('events').where('tenant_id', tenantId).whereIn('seq', seqs);
}

/** Members of the named departments by source (primary key department_pk, source, user_pk). */
export async function memberCounts(
  db: Knex,
  tenantId: string,
  departmentIds: string[],
): Promise<{ departmentId: string; source: string; count: number }[]> {
  if (!departmentIds.length) return [];
  const rows: { id: string; source: string; n: unknown }[] = await db('memberships as m')
    .join('departments as d', 'd.pk', 'm.department_pk')
    .where('d.tenant_id', tenantId)
    .whereIn('d.id', departmentIds)
    .groupBy('d.id', 'm.source')
    .select('d.id', 'm.source', db.raw('count(*) as n'));
  return rows.map((row) => ({ departmentId: row.id, source: row.source, count: n(row.n) }));
}
