import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import test from 'ava';
import type { Event } from '#proto/event.js';
import { ChangeFeed } from '../../services/directory/src/domain/context.js';
import {
  pruneEvents,
  retentionCutoff,
  scheduleEventRetention,
} from '../../services/directory/src/domain/event-retention.js';
import { watchEvents } from '../../services/directory/src/domain/provisioning-log.js';
import { pruneEventBatch, prunedThrough } from '../../services/directory/src/store/event-retention.js';
import { appendEvent } from '../../services/directory/src/store/events.js';
import { writeTransaction } from '../../services/directory/src/store/transaction.js';
import type { Database } from '../../services/directory/src/store/db.js';
import { grpcError, startDirectory, userInput, type DirectoryFixture } from '../helpers/directory.js';
import { fullLog } from '../helpers/watch.js';

/*
 * Each test has a database of its own: a prune is across all tenants. Old events are
 * written through the store with times in January 2020, ahead of anything made through
 * the API (which carries today's time); the prunes are given a "now" in 2020, so none
 * of this waits for time to pass.
 */

const at = (second: number) => new Date(Date.UTC(2020, 0, 1, 0, 0, second)).toISOString();
/** With a retention of 30 days on 2020-02-01, events before 2020-01-02 go. */
const NOW = new Date('2020-02-01T00:00:00.000Z');

/** A tenant row with no tenant.created event, so that old events can come first in the log. */
async function bareTenant(db: Database): Promise<string> {
  const id = randomUUID();
  await db.knex('tenants').insert({ id, name: 'Old Co', created_at: at(0), disabled_at: null });
  return id;
}

/** An event from January 2020; returns its sequence. */
async function oldEvent(db: Database, tenantId: string, second: number): Promise<number> {
  const row = await appendEvent(db.knex, {
    tenantId,
    occurredAt: at(second),
    actor: 'service:test',
    kind: 'user.created',
    resourceType: 'user',
    resourceId: '',
    resourceName: `old${second}@example.com`,
    outcome: 'ok',
    reason: '',
  });
  return Number(row.seq);
}

async function withDirectory(run: (fixture: DirectoryFixture) => Promise<void>): Promise<void> {
  const fixture = await startDirectory();
  try {
    await run(fixture);
  } finally {
    await fixture.close();
  }
}

/** The first `n` events of a stream, then the stream is cancelled. */
async function take(fixture: DirectoryFixture, tenantId: string, afterSequence: number, n: number) {
  const abort = new AbortController();
  const out: Event[] = [];
  try {
    for await (const event of fixture.clients.watchEvents({ tenantId, afterSequence }, abort.signal)) {
      out.push(event);
      if (out.length === n) break;
    }
  } finally {
    abort.abort();
  }
  return out;
}

test('a prune removes, oldest first in short batches, every event older than the retention and keeps the rest', async (t) => {
  await withDirectory(async (fixture) => {
    const deps = { db: fixture.db, feed: new ChangeFeed() };
    const [a, b] = [await bareTenant(fixture.db), await bareTenant(fixture.db)];
    const last: Record<string, number> = {};
    for (let i = 1; i <= 12; i++) last[i % 3 ? a : b] = await oldEvent(fixture.db, i % 3 ? a : b, i);
    await fixture.clients.directory.createUser({
      tenantId: a,
      requestId: '',
      user: userInput('kept@example.com'),
    });
    t.is((await fullLog(fixture.clients, a)).length, 9, 'precondition: 8 old events and a new one');
    t.is((await fullLog(fixture.clients, b)).length, 4);

    const cutoff = retentionCutoff(NOW, 30);
    t.is(cutoff.toISOString(), '2020-01-02T00:00:00.000Z');
    // One batch holds the write lock for at most `batch` rows.
    t.deepEqual(
      await writeTransaction(fixture.db, undefined, (trx) => pruneEventBatch(trx, cutoff.toISOString(), 5)),
      { removed: 5, more: true },
    );
    t.is(await pruneEvents(deps, cutoff, { batch: 5 }), 7);
    t.deepEqual(
      (await fullLog(fixture.clients, a)).map((e) => e.resourceName),
      ['kept@example.com'],
    );
    t.deepEqual(await fullLog(fixture.clients, b), []);
    t.is(await pruneEvents(deps, cutoff), 0, 'nothing more to remove');
    // What a watch needs to know: per tenant, the last sequence removed.
    t.is(await prunedThrough(fixture.db.knex, a), last[a]!);
    t.is(await prunedThrough(fixture.db.knex, b), last[b]!);
  });
});

test('WatchEvents after a removed sequence fails with OUT_OF_RANGE naming the oldest available; after the watermark or from 0 it streams', async (t) => {
  await withDirectory(async (fixture) => {
    const { directory } = fixture.clients;
    const tenantId = await bareTenant(fixture.db);
    const quiet = await bareTenant(fixture.db);
    const o1 = await oldEvent(fixture.db, tenantId, 1);
    await oldEvent(fixture.db, tenantId, 2);
    const o3 = await oldEvent(fixture.db, tenantId, 3);
    const create = (name: string, tenant = tenantId) =>
      directory.createUser({ tenantId: tenant, requestId: '', user: userInput(name) });
    await create('r1@example.com');
    await create('r2@example.com');
    const [r1] = await fullLog(fixture.clients, tenantId).then((log) => log.slice(3));
    t.is(await pruneEvents({ db: fixture.db, feed: new ChangeFeed() }, retentionCutoff(NOW, 30)), 3);

    const refused = await grpcError(take(fixture, tenantId, o1, 1));
    t.is(refused.code, status.OUT_OF_RANGE);
    t.is(refused.reason, 'EVENTS_PRUNED');
    t.regex(
      refused.details,
      new RegExp(`up to sequence ${o3} were removed.*oldest available is ${r1!.sequence}`),
    );
    t.deepEqual(refused.metadata.get('x-wizer-pruned-through'), [String(o3)]);

    const names = (events: Event[]) => events.map((e) => e.resourceName);
    t.deepEqual(names(await take(fixture, tenantId, o3, 2)), ['r1@example.com', 'r2@example.com']);
    t.deepEqual(names(await take(fixture, tenantId, 0, 2)), ['r1@example.com', 'r2@example.com']);
    // A tenant none of whose events were removed resumes from any sequence, however old.
    await create('q@example.com', quiet);
    t.deepEqual(names(await take(fixture, quiet, o1, 1)), ['q@example.com']);
  });
});

test('a watcher that falls behind a prune while it streams fails rather than skip; one that is caught up goes on', async (t) => {
  await withDirectory(async (fixture) => {
    const deps = { db: fixture.db, feed: new ChangeFeed() };
    const [behind, caughtUp] = [await bareTenant(fixture.db), await bareTenant(fixture.db)];
    const ctx = (tenantId: string) => ({ tenantId, actor: 'service:test' });
    const abort = new AbortController();
    t.teardown(() => abort.abort());
    const lagging = watchEvents(deps, ctx(behind), 0, abort.signal);
    const following = watchEvents(deps, ctx(caughtUp), 0, abort.signal);
    await oldEvent(fixture.db, behind, 1);
    await oldEvent(fixture.db, caughtUp, 2);
    t.is((await lagging.next()).value?.resourceName, 'old1@example.com');
    t.is((await following.next()).value?.resourceName, 'old2@example.com');
    // Old events the lagging watcher has not read yet are removed under it.
    const unseen = await oldEvent(fixture.db, behind, 3);
    t.is(await pruneEvents(deps, retentionCutoff(NOW, 30)), 3);
    // Live events follow; the lagging watcher must not jump to them over the gap.
    const live = (tenantId: string) =>
      appendEvent(fixture.db.knex, {
        tenantId,
        occurredAt: new Date().toISOString(),
        actor: 'service:test',
        kind: 'user.created',
        resourceType: 'user',
        resourceId: '',
        resourceName: 'live@example.com',
        outcome: 'ok',
        reason: '',
      });
    await live(behind);
    await live(caughtUp);
    deps.feed.notify(behind);
    deps.feed.notify(caughtUp);
    await t.throwsAsync(lagging.next(), {
      name: 'EventsPrunedError',
      message: new RegExp(`up to sequence ${unseen} `),
    });
    t.is((await following.next()).value?.resourceName, 'live@example.com');
  });
});

test('the schedule applies the retention at start with the clock it is given, and stops cleanly', async (t) => {
  await withDirectory(async (fixture) => {
    const tenantId = await bareTenant(fixture.db);
    for (let i = 1; i <= 3; i++) await oldEvent(fixture.db, tenantId, i);
    const logged: object[] = [];
    const schedule = scheduleEventRetention(
      { db: fixture.db, feed: new ChangeFeed() },
      {
        days: 30,
        everyMs: 3_600_000,
        now: () => NOW,
        logger: { info: (o) => logged.push(o), error: (o) => logged.push(o) },
      },
    );
    await schedule.stop();
    t.deepEqual(await fullLog(fixture.clients, tenantId), []);
    t.deepEqual(logged, [{ removed: 3, cutoff: '2020-01-02T00:00:00.000Z' }]);
  });
});

test('PruneEvents: the policy on demand, through AdminService; an unset age is refused, never "everything"', async (t) => {
  await withDirectory(async (fixture) => {
    const tenantId = await bareTenant(fixture.db);
    await oldEvent(fixture.db, tenantId, 1);
    await fixture.clients.directory.createUser({
      tenantId,
      requestId: '',
      user: userInput('new@example.com'),
    });
    const refused = await grpcError(fixture.clients.admin.pruneEvents({ olderThanSeconds: 0 }));
    t.is(refused.code, status.INVALID_ARGUMENT);
    t.is((await fullLog(fixture.clients, tenantId)).length, 2);
    const { removed, cutoff } = await fixture.clients.admin.pruneEvents({ olderThanSeconds: 30 * 86_400 });
    t.is(removed, 1);
    t.true(cutoff!.getTime() < Date.now() - 29 * 86_400_000);
    t.deepEqual(
      (await fullLog(fixture.clients, tenantId)).map((e) => e.resourceName),
      ['new@example.com'],
    );
  });
});
