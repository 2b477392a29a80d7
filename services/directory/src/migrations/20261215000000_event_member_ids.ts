import type { Knex } from 'knex';

/**
 * The member ids each `department.members_changed` event names (added, removed or skipped),
 * one row per id, so that "every membership change that touched this user" is an index range
 * (`tenant_id, member_id, seq`) instead of a scan of the JSON of every membership event.
 * Rows go with their event (ON DELETE CASCADE, by the primary key's leading `seq`), so the
 * retention policy's prune needs no change. `up` indexes the events already stored.
 *
 * The JSON reading is copied here, not imported: a migration must go on doing what it did when
 * it shipped, whatever the application's event shapes become.
 */

const TABLE = 'event_member_ids';
const BATCH = 500;
/** Rows per insert: three parameters each, well under SQLite's and PostgreSQL's limits. */
const CHUNK = 500;

const idsOf = (after: string | null): string[] => {
  if (!after) return [];
  const parsed = JSON.parse(after) as Record<string, unknown>;
  const ids = ['added', 'removed', 'skipped'].flatMap((key) => {
    const list = parsed[key];
    return Array.isArray(list) ? list.filter((id): id is string => typeof id === 'string') : [];
  });
  return [...new Set(ids)];
};

export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable(TABLE, (t) => {
    t.bigInteger('seq').notNullable().references('events.seq').onDelete('CASCADE');
    t.string('member_id', 512).notNullable();
    t.string('tenant_id', 36).notNullable();
    t.primary(['seq', 'member_id']);
    t.index(['tenant_id', 'member_id', 'seq']);
  });
  for (let after = 0; ;) {
    const batch: { seq: number | string; tenant_id: string; after: string | null }[] = await knex('events')
      .where('seq', '>', after)
      .andWhere('kind', 'department.members_changed')
      .orderBy('seq')
      .limit(BATCH)
      .select('seq', 'tenant_id', 'after');
    if (batch.length === 0) return;
    after = Number(batch[batch.length - 1]!.seq);
    const entries = batch.flatMap((row) =>
      idsOf(row.after).map((member_id) => ({ seq: row.seq, member_id, tenant_id: row.tenant_id })),
    );
    for (let i = 0; i < entries.length; i += CHUNK) await knex(TABLE).insert(entries.slice(i, i + CHUNK));
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable(TABLE);
}
