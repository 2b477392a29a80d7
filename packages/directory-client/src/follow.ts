import { status, type ServiceError } from '@grpc/grpc-js';
import type { WatchEventsRequest } from './gen/wizer/directory/v1/directory.js';
import type { Event } from './gen/wizer/directory/v1/event.js';

type Watch = (request: WatchEventsRequest, signal?: AbortSignal) => AsyncIterable<Event>;

/**
 * Ends of a watch that resuming cannot mend: the tenant is unknown (NOT_FOUND) or not the
 * caller's (PERMISSION_DENIED), the credential is refused (UNAUTHENTICATED), the request is
 * wrong (INVALID_ARGUMENT), or the events it would resume after were removed (OUT_OF_RANGE,
 * reason EVENTS_PRUNED: read the current state again, then follow after the named sequence).
 * Anything else — a drain (UNAVAILABLE), a restart, a lost connection — is resumed.
 */
const FINAL = new Set<number>([
  status.NOT_FOUND,
  status.PERMISSION_DENIED,
  status.UNAUTHENTICATED,
  status.INVALID_ARGUMENT,
  status.OUT_OF_RANGE,
  status.FAILED_PRECONDITION,
  status.UNIMPLEMENTED,
]);
const FIRST_DELAY_MS = 100;
const MAX_DELAY_MS = 2000;

function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * Follows a tenant's provisioning log through `watch`, resuming after the last event it
 * yielded whenever the stream ends for a reason that passes (with a backoff of 0.1 s to 2 s,
 * reset by every event), until `signal` aborts.
 */
export async function* follow(
  watch: Watch,
  request: WatchEventsRequest,
  signal?: AbortSignal,
): AsyncGenerator<Event> {
  let after = request.afterSequence;
  let delay = FIRST_DELAY_MS;
  while (!signal?.aborted) {
    try {
      for await (const event of watch({ ...request, afterSequence: after }, signal)) {
        after = event.sequence;
        delay = FIRST_DELAY_MS;
        yield event;
      }
    } catch (error) {
      if (signal?.aborted) return;
      if (FINAL.has((error as ServiceError).code)) throw error;
    }
    await pause(delay, signal);
    delay = Math.min(delay * 2, MAX_DELAY_MS);
  }
}
