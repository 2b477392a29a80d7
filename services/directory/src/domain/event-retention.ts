import { errorSummary } from '../../error-summary.js';
import { pruneEventBatch } from '../store/event-retention.js';
import { writeTransaction } from '../store/transaction.js';
import type { Deps } from './context.js';

/** Rows removed per write transaction: a few milliseconds of the write lock at a time. */
export const PRUNE_BATCH = 1000;
const DAY_MS = 86_400_000;

/** The time before which a retention of `days` removes events, at `now`. */
export function retentionCutoff(now: Date, days: number): Date {
  return new Date(now.getTime() - days * DAY_MS);
}

/**
 * Removes every tenant's events that occurred before `cutoff`, oldest first, in
 * batches of `batch` rows, each its own short write transaction, yielding between
 * them so that queued writes go first. Returns how many were removed. Stops between
 * batches when `signal` aborts (shutdown).
 */
export async function pruneEvents(
  deps: Deps,
  cutoff: Date,
  options: { batch?: number; signal?: AbortSignal } = {},
): Promise<number> {
  const at = cutoff.toISOString();
  let removed = 0;
  while (!options.signal?.aborted) {
    const result = await writeTransaction(deps.db, undefined, (trx) =>
      pruneEventBatch(trx, at, options.batch ?? PRUNE_BATCH),
    );
    removed += result.removed;
    if (!result.more) break;
    await new Promise((resolve) => setImmediate(resolve));
  }
  return removed;
}

export interface RetentionSchedule {
  /** Stops the timer and waits for a prune in progress to end (after its current batch). */
  stop(): Promise<void>;
}

/**
 * Applies a retention of `days` now and then every `everyMs`. Each replica runs its
 * own: a prune finding nothing to remove costs one indexed read.
 */
export function scheduleEventRetention(
  deps: Deps,
  options: {
    days: number;
    everyMs: number;
    now?: () => Date;
    logger: { info(obj: object, msg: string): void; error(obj: object, msg: string): void };
  },
): RetentionSchedule {
  const abort = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> = Promise.resolve();
  const run = async () => {
    const cutoff = retentionCutoff(options.now?.() ?? new Date(), options.days);
    try {
      const removed = await pruneEvents(deps, cutoff, { signal: abort.signal });
      if (removed) options.logger.info({ removed, cutoff: cutoff.toISOString() }, 'pruned old events');
    } catch (error) {
      // One line, class and code: a database that is away is weather, and a driver error's
      // message and stack hold SQL and file paths.
      options.logger.error(errorSummary(error), 'event retention: prune failed; retrying at the next run');
    }
    if (!abort.signal.aborted) {
      timer = setTimeout(() => {
        running = run();
      }, options.everyMs);
      timer.unref();
    }
  };
  running = run();
  return {
    async stop() {
      abort.abort();
      clearTimeout(timer);
      await running;
    },
  };
}
