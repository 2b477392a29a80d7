import test from 'ava';
import type { Knex } from 'knex';
import { openDatabase } from '../../services/directory/src/store/db.js';
import { appendEvent, searchEvents } from '../../services/directory/src/store/events.js';
import {
  latestRejections,
  rejectionCount,
  rejectionsByReason,
} from '../../services/directory/src/store/insights.js';
import { freshDatabase, TEST_STORE } from '../helpers/database.js';

// The indexes on an event's outcome are partial: they hold warnings and errors only
// (migration 20261230000000_problem_event_indexes). The queries that need them must still
// reach them, or a tenant's rejections would be found by walking its whole log.

const SINCE = '2026-01-01T00:00:00.000Z';

async function plan(knex: Knex, sql: string, bindings: readonly unknown[]): Promise<string> {
  const text = sql.replace(/\$\d+/g, '?');
  if (TEST_STORE === 'sqlite') {
    const rows: { detail: string }[] = await knex.raw(
      `EXPLAIN QUERY PLAN ${text}`,
      bindings as Knex.RawBinding[],
    );
    return rows.map((row) => row.detail).join(' | ');
  }
  // A table this small is cheapest to scan: ask PostgreSQL which index it would take.
  return knex.transaction(async (trx) => {
    await trx.raw('SET LOCAL enable_seqscan = off');
    const result: { rows: { 'QUERY PLAN': string }[] } = await trx.raw(
      `EXPLAIN ${text}`,
      bindings as Knex.RawBinding[],
    );
    return result.rows.map((row) => row['QUERY PLAN']).join(' | ');
  });
}

test('warnings and errors are found through the partial indexes, and only they are in them', async (t) => {
  const database = await freshDatabase();
  const db = await openDatabase(database.url);
  try {
    const knex = db.knex;
    await knex('tenants').insert({ id: 't1', name: 'T', created_at: SINCE, disabled_at: null });
    const outcomes = ['ok', 'ok', 'error', 'ok', 'warning', 'error', 'ok'] as const;
    for (const [i, outcome] of outcomes.entries()) {
      await appendEvent(knex, {
        tenantId: 't1',
        occurredAt: `2026-06-01T00:00:0${i}.000Z`,
        actor: 'token:test',
        kind: outcome === 'error' ? 'request.rejected' : 'user.created',
        resourceType: outcome === 'error' ? 'request' : 'user',
        resourceId: '',
        resourceName: `u${i}`,
        outcome,
        reason: outcome === 'ok' ? '' : `reason ${outcome}`,
      });
    }

    // Both outcome indexes are partial, on the problems alone; no index on every outcome is left.
    const definitions: string[] =
      TEST_STORE === 'sqlite'
        ? (
            await knex.raw<{ sql: string }[]>(
              "SELECT sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events' AND sql LIKE '%outcome%'",
            )
          ).map((row) => row.sql)
        : (
            await knex.raw<{ rows: { indexdef: string }[] }>(
              "SELECT indexdef FROM pg_indexes WHERE tablename = 'events' AND indexdef LIKE '%outcome%'",
            )
          ).rows.map((row) => row.indexdef);
    t.is(definitions.length, 2, definitions.join('\n'));
    for (const definition of definitions)
      t.regex(definition, /WHERE \(*\s*\(*outcome\)*(::text)?\s*<>\s*'ok'/i);

    // The problems-only search finds the 3 problems of the 7 events, newest first.
    const problems = await searchEvents(knex, 't1', { problemsOnly: true, limit: 50 });
    t.deepEqual(
      problems.map((e) => e.outcome),
      ['error', 'warning', 'error'],
    );

    const captured: { sql: string; bindings: readonly unknown[] }[] = [];
    const listen = (query: { sql: string; bindings?: readonly unknown[] }) =>
      captured.push({ sql: query.sql, bindings: query.bindings ?? [] });
    knex.on('query', listen);
    t.is(await rejectionCount(knex, 't1', SINCE), 2);
    t.deepEqual(
      (await rejectionsByReason(knex, 't1', SINCE, 10)).map((r) => [r.reason, r.count]),
      [['reason error', 2]],
    );
    t.is((await latestRejections(knex, 't1', SINCE, 10)).length, 2);
    knex.off('query', listen);

    // Each of the console's three rejection queries ranges over one of the partial indexes.
    t.is(captured.length, 3);
    for (const { sql, bindings } of captured) {
      t.regex(await plan(knex, sql, bindings), /events_problems_by_(time|seq)/, sql);
    }
  } finally {
    await db.close();
    await database.drop();
  }
});
