import type { Knex } from 'knex';

// The people who sign in to the operator console (services/console). Their password is kept
// only as a scrypt hash with a salt of its own (domain/operators.ts); never in clear, never
// in an event.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('operators', (t) => {
    t.string('id', 36).primary();
    t.string('name', 64).notNullable();
    // The name as compared: lower case, so "Alice" and "alice" are one operator.
    t.string('name_norm', 64).notNullable().unique();
    // admin | viewer
    t.string('role', 16).notNullable();
    // scrypt$<N>$<r>$<p>$<salt, base64url>$<hash, base64url>
    t.string('password_hash', 200).notNullable();
    t.string('created_at', 30).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('operators');
}
