import type { Knex } from 'knex';

// Credentials of the services that call the directory (the gateway, the admin CLI, other Wizer
// services). Like SCIM tokens they are stored only as a SHA-256 of a 256-bit random secret.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('service_credentials', (t) => {
    t.string('id', 36).primary();
    t.string('name', 100).notNullable();
    // admin | gateway | reader (see domain/service-credentials.ts)
    t.string('role', 16).notNullable();
    // JSON array of tenant ids a reader is limited to; '[]' means every tenant.
    t.text('tenant_ids').notNullable().defaultTo('[]');
    t.string('prefix', 32).notNullable();
    t.string('hash', 64).notNullable().unique();
    t.string('created_at', 30).notNullable();
    t.string('last_used_at', 30);
    t.string('revoked_at', 30);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('service_credentials');
}
