import type { ExecutionContext } from 'ava';
import knexFactory from 'knex';
import { migrationSource } from '../../services/directory/src/migrations/index.js';
import { knexConfigFor } from '../../services/directory/src/store/db.js';

const TABLES = [
  'tenants',
  'api_tokens',
  'users',
  'user_emails',
  'departments',
  'memberships',
  'events',
  'service_credentials',
  'event_retention',
  'event_member_ids',
  'operators',
];

/** Moves real rows through the migrations on the database at `url`: up, constraints hold, down to nothing, up again. */
export async function migrationRoundTrip(t: ExecutionContext, url: string): Promise<void> {
  const knex = knexFactory(knexConfigFor(url).config);
  try {
    await knex.migrate.latest({ migrationSource });
    const at = new Date().toISOString();
    await knex('tenants').insert({ id: 't1', name: 'T', created_at: at });
    await knex('api_tokens').insert({
      id: 'k1',
      tenant_id: 't1',
      prefix: 'wzr_scim_abc',
      hash: 'h'.repeat(64),
      created_at: at,
    });
    const user = { tenant_id: 't1', active: true, profile: '{}', version: 1, created_at: at, updated_at: at };
    const [u] = await knex('users')
      .insert({ ...user, id: 'u1', user_name: 'A', user_name_norm: 'a' })
      .returning('pk');
    await knex('user_emails').insert({
      user_pk: u.pk,
      tenant_id: 't1',
      position: 0,
      value: 'a@x',
      primary: true,
    });
    const [d] = await knex('departments')
      .insert({
        id: 'd1',
        tenant_id: 't1',
        name: 'D',
        name_norm: 'd',
        pushed: true,
        version: 1,
        created_at: at,
        updated_at: at,
      })
      .returning('pk');
    await knex('memberships').insert({ department_pk: d.pk, user_pk: u.pk, source: 'pushed' });
    const [event] = await knex('events')
      .insert({
        tenant_id: 't1',
        occurred_at: at,
        actor: 'a',
        kind: 'k',
        resource_type: 'user',
        outcome: 'ok',
      })
      .returning('seq');
    await knex('event_member_ids').insert({ seq: event.seq, member_id: 'u1', tenant_id: 't1' });
    await knex('service_credentials').insert({
      id: 'c1',
      name: 'gateway',
      role: 'gateway',
      prefix: 'wzr_svc_abc',
      hash: 'c'.repeat(64),
      created_at: at,
    });
    await knex('event_retention').insert({ tenant_id: 't1', pruned_through: 0 });
    await knex('operators').insert({
      id: 'o1',
      name: 'Alice',
      name_norm: 'alice',
      role: 'admin',
      password_hash: 'scrypt$x',
      created_at: at,
    });
    for (const table of TABLES) t.is(Number((await knex(table).count({ n: '*' }))[0]!.n), 1, table);
    // A service credential's hash is unique, like a token's.
    const sameHash = await knex('service_credentials')
      .insert({ id: 'c2', name: 'x', role: 'admin', prefix: 'p', hash: 'c'.repeat(64), created_at: at })
      .then(
        () => undefined,
        (error: { code?: string }) => error.code,
      );
    t.true(sameHash === 'SQLITE_CONSTRAINT_UNIQUE' || sameHash === '23505', String(sameHash));

    // The unique index on the normalised userName refuses a second "a".
    const duplicate = await knex('users')
      .insert({ ...user, id: 'u2', user_name: 'a', user_name_norm: 'a' })
      .then(
        () => undefined,
        (error: { code?: string }) => error.code,
      );
    t.true(duplicate === 'SQLITE_CONSTRAINT_UNIQUE' || duplicate === '23505', String(duplicate));
    // Foreign keys are enforced: deleting the user cascades to its memberships and emails.
    await knex('users').where({ id: 'u1' }).delete();
    t.is(Number((await knex('memberships').count({ n: '*' }))[0]!.n), 0);
    t.is(Number((await knex('user_emails').count({ n: '*' }))[0]!.n), 0);
    // An event's member index goes with it (the retention policy deletes events only).
    await knex('events').where({ seq: event.seq }).delete();
    t.is(Number((await knex('event_member_ids').count({ n: '*' }))[0]!.n), 0);

    await knex.migrate.rollback({ migrationSource }, true);
    for (const table of TABLES) t.false(await knex.schema.hasTable(table), table);
    await knex.migrate.latest({ migrationSource });
    t.is(Number((await knex('tenants').count({ n: '*' }))[0]!.n), 0);
  } finally {
    await knex.destroy();
  }
}
