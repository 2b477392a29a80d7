import type { Knex } from 'knex';

/**
 * Per tenant, the highest sequence the event retention policy has removed, so that a
 * watch resuming before it is refused instead of silently skipping what was removed.
 * No foreign key to tenants: on PostgreSQL it would make every prune share-lock the
 * tenant rows that writers lock for update, coupling the prune to their write path.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('event_retention', (t) => {
    t.string('tenant_id', 36).primary();
    t.bigInteger('pruned_through').notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('event_retention');
}
