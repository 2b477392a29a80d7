import { oldestSequence, prunedThrough } from '../store/event-retention.js';
import { appendEvent, eventsAfter, rowToEvent, searchEvents, type EventSearch } from '../store/events.js';
import { findTenantRow } from '../store/tenants.js';
import { read, writeTransaction } from '../store/transaction.js';
import { now, type CallContext, type Deps } from './context.js';
import { EventsPrunedError, InvalidArgumentError, NotFoundError } from './errors.js';
import type { DirectoryEvent } from './types.js';
import { askedUser, resolveSubject, subjectEvents } from './user-history.js';

export const MAX_EVENTS_PAGE = 1000;
/** Events a watcher reads from the table at a time. */
const BATCH = 500;

/**
 * A tenant's provisioning log, newest first: NotFoundError for a tenant that does not exist
 * (rather than an empty log, which would hide a mistyped tenant id). With `user`, every event
 * that touched that user (see `subjectEvents`) instead of a resource id or name.
 */
export async function listEvents(
  deps: Deps,
  ctx: CallContext,
  search: Omit<EventSearch, 'limit'> & { limit?: number; user?: string },
): Promise<{ events: DirectoryEvent[]; nextBeforeSequence: number }> {
  const limit = search.limit ?? 100;
  if (limit > MAX_EVENTS_PAGE)
    throw new InvalidArgumentError('TOO_MANY', `limit is at most ${MAX_EVENTS_PAGE}`);
  const { user: userQuery, ...rest } = search;
  const user = userQuery === undefined ? undefined : askedUser(userQuery);
  if (user && (rest.resourceId || rest.resourceName))
    throw new InvalidArgumentError('INVALID_VALUE', 'user is not combined with resource_id or resource_name');
  // One extra event tells whether an older page exists.
  const events = await read(deps.db, async (db) => {
    if (!(await findTenantRow(db, ctx.tenantId))) throw new NotFoundError('no such tenant');
    if (!user) return (await searchEvents(db, ctx.tenantId, { ...rest, limit: limit + 1 })).map(rowToEvent);
    const subject = await resolveSubject(db, ctx.tenantId, user);
    return subjectEvents(db, ctx.tenantId, subject, rest, limit + 1);
  });
  const page = events.slice(0, limit);
  const last = page[page.length - 1];
  return { events: page, nextBeforeSequence: events.length > limit && last ? last.sequence : 0 };
}

export interface Rejection {
  operation: string;
  reason: string;
  httpStatus: number;
  scimType: string;
  resourceType: string;
  resourceId: string;
  resourceName: string;
  /** Non-zero: a summary standing for this many further rejections that were only counted. */
  repeats?: number;
}

/** Records a client request that was refused, so the log explains failures too. */
/**
 * What a rejected request said, fit for the log: control characters (a refused userName
 * may hold U+0000, which PostgreSQL text cannot store) shown as U+FFFD, and bounded.
 */
const printable = (text: string, max: number) => text.replace(/\p{Cc}/gu, '\uFFFD').slice(0, max);

export async function recordRejection(
  deps: Deps,
  ctx: CallContext,
  rejection: Rejection,
): Promise<DirectoryEvent> {
  const row = await writeTransaction(deps.db, ctx.tenantId, (trx) =>
    appendEvent(trx, {
      tenantId: ctx.tenantId,
      occurredAt: now(),
      actor: ctx.actor,
      kind: 'request.rejected',
      resourceType: printable(rejection.resourceType, 32) || 'request',
      resourceId: printable(rejection.resourceId, 64),
      resourceName: printable(rejection.resourceName, 512),
      outcome: 'error',
      reason: printable(rejection.reason, 2000),
      after: {
        operation: printable(rejection.operation, 200),
        status: rejection.httpStatus,
        ...(rejection.scimType && { scimType: rejection.scimType }),
        ...(rejection.repeats && { repeats: rejection.repeats }),
      },
    }),
  );
  deps.feed.notify(ctx.tenantId);
  return rowToEvent(row);
}

/**
 * Every event of the tenant after `afterSequence`, oldest first, then live ones as
 * they commit, until `signal` aborts. Reading by sequence from the table (rather
 * than forwarding in-memory notifications) means nothing is skipped or repeated
 * across reconnects: a client resumes from the last sequence it saw.
 *
 * Retention: `afterSequence` 0 starts at the oldest event kept. A non-zero one before
 * events of this tenant that the retention policy removed fails with EventsPrunedError
 * (OUT_OF_RANGE) rather than skip them, and so does a watcher that falls that far
 * behind while it streams; the client reads the current state again and resumes
 * after the sequence the error names.
 */
export async function* watchEvents(
  deps: Deps,
  ctx: CallContext,
  afterSequence: number,
  signal: AbortSignal,
): AsyncGenerator<DirectoryEvent> {
  let last = afterSequence || (await read(deps.db, (db) => prunedThrough(db, ctx.tenantId)));
  while (!signal.aborted) {
    // Subscribe before reading, so a commit between the read and the wait still wakes us.
    const wake = deps.feed.next(ctx.tenantId, deps.feed.pollMs, signal);
    const rows = await read(deps.db, (db) => eventsAfter(db, ctx.tenantId, last, BATCH));
    // After the read: a prune that committed before it shows here, so no removal goes unseen.
    const pruned = await read(deps.db, (db) => prunedThrough(db, ctx.tenantId));
    if (pruned > last) throw await prunedError(deps, ctx.tenantId, pruned);
    for (const row of rows) {
      const event = rowToEvent(row);
      last = event.sequence;
      yield event;
    }
    if (rows.length < BATCH) await wake;
  }
}

async function prunedError(deps: Deps, tenantId: string, pruned: number): Promise<EventsPrunedError> {
  const oldest = await read(deps.db, (db) => oldestSequence(db, tenantId));
  return new EventsPrunedError(
    `events of this tenant up to sequence ${pruned} were removed by the retention policy; ` +
      `the oldest available is ${oldest ?? 'none (no event is kept)'}. ` +
      `Read the current state again, then watch after ${pruned}.`,
    pruned,
  );
}
