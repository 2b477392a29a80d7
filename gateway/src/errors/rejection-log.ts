import type { DirectoryClients } from '@wizer/directory-client';
import { errorSummary } from '../../../services/directory/error-summary.js';
import {
  RejectionSampler,
  type Rejection,
  type RejectionEntry,
  type RejectionLogLimits,
} from '../rejection-sampler.js';

/** The tenants' provisioning log of rejected requests, sampled (see RejectionSampler). */
export interface RejectionLog {
  /**
   * Writes the rejection when the sampler admits it, and resolves once it is written, so a
   * logged rejection is in the log by the time the client has its answer; otherwise counts it.
   */
  rejected(rejection: Rejection): Promise<void>;
  /** Writes the summaries of closed windows (every pending one with `everything`). Calls run in turn. */
  flush(everything?: boolean): Promise<void>;
}

export interface RejectionLogOptions {
  limits?: RejectionLogLimits;
  /** The clock, injected by tests. */
  now?: () => number;
  logger: { error(obj: object, msg?: string): void };
}

export function rejectionLog(directory: DirectoryClients, options: RejectionLogOptions): RejectionLog {
  const sampler = new RejectionSampler(options.limits, options.now);
  const write = async (entry: RejectionEntry) => {
    try {
      await directory.directory.recordRejection(
        {
          tenantId: entry.tenantId,
          operation: entry.operation,
          reason: entry.reason,
          httpStatus: entry.httpStatus,
          scimType: entry.scimType,
          resourceType: entry.resourceType,
          resourceId: entry.resourceId,
          resourceName: entry.resourceName,
          repeats: entry.repeats,
        },
        { actor: entry.actor, deadlineMs: 1000 },
      );
    } catch (error) {
      // Class and code (a gRPC status: the directory away is weather), never a stack.
      options.logger.error(
        { ...errorSummary(error), tenant: entry.tenantId },
        'could not record a rejected request',
      );
    }
  };
  let flushing = Promise.resolve();
  const flush = (everything = false) =>
    (flushing = flushing.then(async () => {
      // One at a time: a window closing for many keys must not become a burst of writes.
      for (const entry of everything ? sampler.flushAll() : sampler.due()) await write(entry);
    }));
  return {
    async rejected(rejection) {
      const admitted = sampler.admit(rejection);
      // Summaries go out as rejections arrive, as well as on main.ts's timer.
      void flush();
      if (admitted) await write({ ...rejection, repeats: 0 });
    },
    flush,
  };
}
