import type { Knex } from 'knex';

// The two indexes on an event's outcome serve questions about problems only (the log's
// "problems only" filter, the console's rejections by time and by reason), yet every event
// was entered in both, and nearly every event is 'ok': two B-tree inserts and their pages on
// every write, ~9 % of a PATCH's CPU. As partial indexes they hold the warnings and errors
// alone. A query reaches them by naming the same predicate in its WHERE clause (the store's
// problemCondition): SQLite and PostgreSQL use a partial index only when the query implies its
// predicate, and a bound parameter implies nothing.

const PROBLEMS = "outcome <> 'ok'";

const INDEXES = [
  ['events_tenant_id_outcome_seq_index', 'events_problems_by_seq', 'seq'],
  ['events_tenant_outcome_occurred_at_index', 'events_problems_by_time', 'occurred_at'],
] as const;

export async function up(knex: Knex): Promise<void> {
  for (const [whole, partial, column] of INDEXES) {
    await knex.raw(`CREATE INDEX ${partial} ON events (tenant_id, outcome, ${column}) WHERE ${PROBLEMS}`);
    await knex.raw(`DROP INDEX ${whole}`);
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const [whole, partial, column] of INDEXES) {
    await knex.raw(`CREATE INDEX ${whole} ON events (tenant_id, outcome, ${column})`);
    await knex.raw(`DROP INDEX ${partial}`);
  }
}
