import type { Knex } from 'knex';

// The operator console counts a tenant's rejected requests of the last 24 hours and groups
// them by reason: an index range over (tenant_id, outcome, occurred_at) rather than a scan of
// every rejection the retention period keeps.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('events', (t) => {
    t.index(['tenant_id', 'outcome', 'occurred_at'], 'events_tenant_outcome_occurred_at_index');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('events', (t) => {
    t.dropIndex(['tenant_id', 'outcome', 'occurred_at'], 'events_tenant_outcome_occurred_at_index');
  });
}
