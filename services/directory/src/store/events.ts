import type { Knex } from 'knex';
import { identityKey, MAX_IDENTITY_KEY_LENGTH } from '../domain/identity.js';
import type { DirectoryEvent, EventOutcome, JsonObject } from '../domain/types.js';
import { problemEvents } from '../metrics.js';
import type { DbEventRow } from './rows.js';

type Db = Knex | Knex.Transaction;

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

export async function appendEvent(db: Db, event: NewEvent): Promise<DbEventRow> {
  // Counted when written; a transaction that rolls back after this is rare enough to ignore.
  if (event.outcome !== 'ok') problemEvents.inc({ tenant: event.tenantId, outcome: event.outcome });
  const [row] = await db('events')
    .insert({
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
    })
    .returning('*');
  return row as DbEventRow;
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

/** A tenant's events matching the search, newest first. */
export async function searchEvents(db: Db, tenantId: string, search: EventSearch): Promise<DbEventRow[]> {
  const q = db('events').where('tenant_id', tenantId);
  if (search.resourceId) q.andWhere('resource_id', search.resourceId);
  if (search.resourceName)
    q.andWhere('resource_name_norm', identityKey(search.resourceName).slice(0, MAX_IDENTITY_KEY_LENGTH));
  if (search.kinds?.length) q.whereIn('kind', search.kinds);
  if (search.problemsOnly) q.whereIn('outcome', ['warning', 'error']);
  if (search.since) q.andWhere('occurred_at', '>=', search.since.toISOString());
  if (search.until) q.andWhere('occurred_at', '<', search.until.toISOString());
  if (search.beforeSequence) q.andWhere('seq', '<', search.beforeSequence);
  return q.orderBy('seq', 'desc').limit(search.limit);
}

/** A tenant's events after a sequence number, oldest first. */
export async function eventsAfter(
  db: Db,
  tenantId: string,
  afterSequence: number,
  limit: number,
): Promise<DbEventRow[]> {
  return db('events')
    .where('tenant_id', tenantId)
    .andWhere('seq', '>', afterSequence)
    .orderBy('seq', 'asc')
    .limit(limit);
}
