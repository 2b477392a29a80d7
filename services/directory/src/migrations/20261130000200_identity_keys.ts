import type { Knex } from 'knex';

/**
 * Recomputes the identity keys (`users.user_name_norm`, `departments.name_norm`,
 * `events.resource_name_norm`) under the identity rules of domain/identity.ts: trimmed, NFKC,
 * lower-cased, NFKC. Before, a key was the name lower-cased, so `ａｌｉｃｅ` and `alice` were two
 * users. `down` puts the lower-cased keys back.
 *
 * The key functions are copied here, not imported: a migration must go on doing what it did
 * when it shipped, whatever the application's rules become.
 *
 * Rows stored before the rules may now share a key. The unique indexes cannot hold both, and
 * a migration that fails would stop every deploy, so the row whose key is already taken (by a
 * row whose key did not change, else by the older row) gets a key that no name can produce
 * (the key, U+200B, its id: names may not contain U+200B) and a warning in its tenant's
 * provisioning log saying which two collide. It stays readable by id; `eq` finds the other.
 */

const NAME = '20261130000200_identity_keys';
const BATCH = 500;
const KEY_LENGTH = 512;
/** Zero-width space: refused in names, so a key holding it is never a name's key. */
const MARK = '\u200B';
const EDGE_SPACE = /^\p{White_Space}+|\p{White_Space}+$/gu;

const newKey = (name: string) =>
  name.replace(EDGE_SPACE, '').normalize('NFKC').toLowerCase().normalize('NFKC').slice(0, KEY_LENGTH);
const oldKey = (name: string) => name.toLowerCase();

interface KeyedTable {
  table: 'users' | 'departments';
  name: string;
  key: string;
  resourceType: 'user' | 'department';
  label: string;
}

const TABLES: KeyedTable[] = [
  { table: 'users', name: 'user_name', key: 'user_name_norm', resourceType: 'user', label: 'userName' },
  { table: 'departments', name: 'name', key: 'name_norm', resourceType: 'department', label: 'name' },
];

interface Row {
  pk: number;
  id: string;
  tenant_id: string;
  name: string;
  key: string;
}

/** Every row of `spec.table` whose key `keyOf` changes, with its new key. */
async function changing(knex: Knex, spec: KeyedTable, keyOf: (name: string) => string): Promise<Row[]> {
  const out: Row[] = [];
  for (let after = 0; ;) {
    const rows: Row[] = await knex(spec.table)
      .where('pk', '>', after)
      .orderBy('pk')
      .limit(BATCH)
      .select('pk', 'id', 'tenant_id', `${spec.name} as name`, `${spec.key} as key`);
    if (rows.length === 0) return out;
    for (const row of rows) {
      const key = keyOf(row.name);
      if (key !== row.key) out.push({ ...row, key });
    }
    after = rows[rows.length - 1]!.pk;
  }
}

/** What makes two names one key, for the warning a collision leaves in the log. */
type Rule = { keyOf: (name: string) => string; sameWhen: string };

const NEW_RULE: Rule = { keyOf: newKey, sameWhen: 'case, width and compatibility forms are ignored' };
const OLD_RULE: Rule = { keyOf: oldKey, sameWhen: 'case is ignored' };

async function rekey(knex: Knex, spec: KeyedTable, { keyOf, sameWhen }: Rule): Promise<void> {
  const rows = await changing(knex, spec, keyOf);
  // Park every changing key first, so that a key another changing row is about to give up
  // does not count as taken.
  for (const row of rows) {
    await knex(spec.table)
      .where({ pk: row.pk })
      .update({ [spec.key]: `${MARK}${row.id}` });
  }
  for (const row of rows) {
    const holder: { id: string; name: string } | undefined = await knex(spec.table)
      .where({ tenant_id: row.tenant_id, [spec.key]: row.key })
      .first('id', `${spec.name} as name`);
    if (!holder) {
      await knex(spec.table)
        .where({ pk: row.pk })
        .update({ [spec.key]: row.key });
      continue;
    }
    const key = `${row.key.slice(0, KEY_LENGTH - MARK.length - row.id.length)}${MARK}${row.id}`;
    await knex(spec.table)
      .where({ pk: row.pk })
      .update({ [spec.key]: key });
    await knex('events').insert({
      tenant_id: row.tenant_id,
      occurred_at: new Date().toISOString(),
      actor: `migration:${NAME}`,
      kind: `${spec.resourceType}.identity_collision`,
      resource_type: spec.resourceType,
      resource_id: row.id,
      resource_name: row.name.slice(0, KEY_LENGTH),
      resource_name_norm: row.key,
      outcome: 'warning',
      reason:
        `${spec.label} ${JSON.stringify(row.name)} is the same as that of ${spec.resourceType} ` +
        `${holder.id} (${JSON.stringify(holder.name)}) when ${sameWhen}; rename one of them. ` +
        `Until then a filter on the name finds only ${holder.id}.`,
    });
  }
}

/** The provisioning log's name keys: not unique, so rewritten in place, batch by batch. */
async function rekeyEvents(knex: Knex, keyOf: (name: string) => string): Promise<void> {
  for (let after = 0; ;) {
    const rows: { seq: number | string; name: string; key: string }[] = await knex('events')
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(BATCH)
      .select('seq', 'resource_name as name', 'resource_name_norm as key');
    if (rows.length === 0) return;
    for (const row of rows) {
      const key = keyOf(row.name);
      if (key !== row.key) await knex('events').where({ seq: row.seq }).update({ resource_name_norm: key });
    }
    after = Number(rows[rows.length - 1]!.seq);
  }
}

export async function up(knex: Knex): Promise<void> {
  for (const spec of TABLES) await rekey(knex, spec, NEW_RULE);
  await rekeyEvents(knex, newKey);
}

export async function down(knex: Knex): Promise<void> {
  for (const spec of TABLES) await rekey(knex, spec, OLD_RULE);
  await rekeyEvents(knex, oldKey);
}
