import type { Knex } from 'knex';

// Times are ISO-8601 UTC strings (`2026-11-29T16:28:02.123Z`): they sort and compare
// as text identically on SQLite and PostgreSQL. JSON is text for the same reason.

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('tenants', (t) => {
    t.string('id', 36).primary();
    t.string('name', 200).notNullable();
    t.string('created_at', 30).notNullable();
    t.string('disabled_at', 30);
  });

  await knex.schema.createTable('api_tokens', (t) => {
    t.string('id', 36).primary();
    t.string('tenant_id', 36).notNullable().references('tenants.id').onDelete('CASCADE');
    t.string('prefix', 32).notNullable();
    // SHA-256 of the token: tokens are 256-bit random, so a fast hash is as safe as a slow one.
    t.string('hash', 64).notNullable().unique();
    t.string('description', 200).notNullable().defaultTo('');
    t.string('created_at', 30).notNullable();
    t.string('last_used_at', 30);
    t.string('expires_at', 30);
    t.string('revoked_at', 30);
    t.index(['tenant_id']);
  });

  await knex.schema.createTable('users', (t) => {
    t.increments('pk');
    t.string('id', 36).notNullable().unique();
    t.string('tenant_id', 36).notNullable().references('tenants.id').onDelete('CASCADE');
    t.string('request_id', 128);
    t.string('user_name', 512).notNullable();
    t.string('user_name_norm', 512).notNullable();
    t.boolean('active').notNullable();
    // Columns copied out of `profile` so that queries filter and sort on indexes. An absent
    // value is '' (SCIM treats empty and absent alike), so keyset paging never meets NULL.
    for (const column of [
      'external_id',
      'display_name',
      'given_name',
      'family_name',
      'employee_number',
      'department',
      'manager_id',
    ]) {
      t.string(column, 512).notNullable().defaultTo('');
    }
    // Everything else the user carries, including unmodelled attributes, as JSON.
    t.text('profile').notNullable();
    t.bigInteger('version').notNullable();
    t.string('created_at', 30).notNullable();
    t.string('updated_at', 30).notNullable();
    t.unique(['tenant_id', 'user_name_norm']);
    t.unique(['tenant_id', 'request_id']);
    t.index(['tenant_id', 'pk']);
    t.index(['tenant_id', 'external_id', 'pk']);
    t.index(['tenant_id', 'employee_number', 'pk']);
    t.index(['tenant_id', 'manager_id', 'pk']);
    t.index(['tenant_id', 'active', 'pk']);
    t.index(['tenant_id', 'created_at', 'pk']);
    t.index(['tenant_id', 'updated_at', 'pk']);
  });
  for (const column of ['display_name', 'given_name', 'family_name', 'department']) {
    await knex.raw(`CREATE INDEX users_${column}_ci ON users (tenant_id, lower(${column}), pk)`);
  }

  await knex.schema.createTable('user_emails', (t) => {
    t.integer('user_pk').notNullable().references('users.pk').onDelete('CASCADE');
    t.string('tenant_id', 36).notNullable();
    t.integer('position').notNullable();
    t.string('value', 512).notNullable();
    t.string('type', 64).notNullable().defaultTo('');
    t.boolean('primary').notNullable();
    t.primary(['user_pk', 'position']);
  });
  await knex.raw('CREATE INDEX user_emails_value_ci ON user_emails (tenant_id, lower(value))');

  await knex.schema.createTable('departments', (t) => {
    t.increments('pk');
    t.string('id', 36).notNullable().unique();
    t.string('tenant_id', 36).notNullable().references('tenants.id').onDelete('CASCADE');
    t.string('request_id', 128);
    t.string('name', 512).notNullable();
    t.string('name_norm', 512).notNullable();
    t.boolean('pushed').notNullable();
    t.string('external_id', 512).notNullable().defaultTo('');
    t.text('extra');
    t.bigInteger('version').notNullable();
    t.string('created_at', 30).notNullable();
    t.string('updated_at', 30).notNullable();
    t.unique(['tenant_id', 'name_norm']);
    t.unique(['tenant_id', 'request_id']);
    t.index(['tenant_id', 'pk']);
    t.index(['tenant_id', 'external_id', 'pk']);
    t.index(['tenant_id', 'pushed', 'pk']);
    t.index(['tenant_id', 'created_at', 'pk']);
    t.index(['tenant_id', 'updated_at', 'pk']);
  });

  await knex.schema.createTable('memberships', (t) => {
    t.integer('department_pk').notNullable().references('departments.pk').onDelete('CASCADE');
    t.integer('user_pk').notNullable().references('users.pk').onDelete('CASCADE');
    // 'attribute' | 'pushed'
    t.string('source', 16).notNullable();
    t.primary(['department_pk', 'source', 'user_pk']);
    t.index(['user_pk']);
  });

  await knex.schema.createTable('events', (t) => {
    t.bigIncrements('seq');
    t.string('tenant_id', 36).notNullable().references('tenants.id').onDelete('CASCADE');
    t.string('occurred_at', 30).notNullable();
    t.string('actor', 128).notNullable();
    t.string('kind', 64).notNullable();
    t.string('resource_type', 32).notNullable();
    t.string('resource_id', 64).notNullable().defaultTo('');
    t.string('resource_name', 512).notNullable().defaultTo('');
    t.string('resource_name_norm', 512).notNullable().defaultTo('');
    // 'ok' | 'warning' | 'error'
    t.string('outcome', 8).notNullable();
    t.text('reason').notNullable().defaultTo('');
    t.text('before');
    t.text('after');
    t.index(['tenant_id', 'seq']);
    t.index(['tenant_id', 'resource_id', 'seq']);
    t.index(['tenant_id', 'resource_name_norm', 'seq']);
    t.index(['tenant_id', 'outcome', 'seq']);
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'events',
    'memberships',
    'departments',
    'user_emails',
    'users',
    'api_tokens',
    'tenants',
  ]) {
    await knex.schema.dropTable(table);
  }
}
