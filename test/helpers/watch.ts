import type { Event } from '#proto/event.js';
import type { DirectoryClients } from '@wizer/directory-client';

/** Collects a tenant's watch stream from sequence 0 until stopped. */
export function watchAll(clients: DirectoryClients, tenantId: string) {
  const abort = new AbortController();
  const seen: Event[] = [];
  const done = (async () => {
    try {
      for await (const event of clients.watchEvents({ tenantId, afterSequence: 0 }, abort.signal))
        seen.push(event);
    } catch {
      // cancelled when stopped
    }
  })();
  return {
    seen,
    /** Waits (up to 10 s) until the stream has delivered `count` events, then stops it. */
    async stopAfter(count: number): Promise<Event[]> {
      const deadline = Date.now() + 10_000;
      while (seen.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      abort.abort();
      await done;
      return seen;
    },
  };
}

/** A tenant's whole provisioning log (up to 1,000 events), oldest first. */
export async function fullLog(clients: DirectoryClients, tenantId: string): Promise<Event[]> {
  const { events } = await clients.directory.listEvents(eventsQuery(tenantId, { limit: 1000 }));
  return events.reverse();
}

/** A ListEvents request for a tenant: everything, newest first, unless `search` narrows it. */
export function eventsQuery(
  tenantId: string,
  search: Partial<{
    resourceId: string;
    resourceName: string;
    kinds: string[];
    problemsOnly: boolean;
    since: Date;
    until: Date;
    beforeSequence: number;
    limit: number;
    user: string;
  }> = {},
) {
  return {
    tenantId,
    resourceId: '',
    resourceName: '',
    kinds: [] as string[],
    problemsOnly: false,
    since: undefined as Date | undefined,
    until: undefined as Date | undefined,
    beforeSequence: 0,
    limit: 100,
    ...search,
  };
}
