import type { Knex } from 'knex';

type Db = Knex | Knex.Transaction;

/**
 * Removes one batch of the oldest events, in sequence order, up to the first one that
 * occurred at or after `cutoff` (an ISO time), and records per tenant the highest
 * sequence removed. It walks the primary key from its start, so it reads at most
 * `batch` rows and needs no index on the time (nothing added to every insert). Sequences
 * follow time (an event's time is taken as its write transaction runs), so stopping at
 * the first recent event leaves at most a few seconds' worth of old ones for the next run.
 */
export async function pruneEventBatch(
  db: Db,
  cutoff: string,
  batch: number,
): Promise<{ removed: number; more: boolean }> {
  const head: { seq: number | string; tenant_id: string; occurred_at: string }[] = await db('events')
    .orderBy('seq', 'asc')
    .limit(batch)
    .select('seq', 'tenant_id', 'occurred_at');
  const through = new Map<string, number>();
  let last = 0;
  let old = 0;
  for (const row of head) {
    if (row.occurred_at >= cutoff) break;
    last = Number(row.seq);
    through.set(row.tenant_id, last);
    old++;
  }
  if (old === 0) return { removed: 0, more: false };
  const removed = await db('events').where('seq', '<=', last).andWhere('occurred_at', '<', cutoff).delete();
  // Tenants in one order, so concurrent prunes of two replicas cannot deadlock on these rows.
  for (const [tenantId, seq] of [...through].sort(([a], [b]) => (a < b ? -1 : 1))) {
    await db('event_retention')
      .insert({ tenant_id: tenantId, pruned_through: seq })
      .onConflict('tenant_id')
      .merge()
      .where('event_retention.pruned_through', '<', seq);
  }
  return { removed, more: old === head.length };
}

/** The highest sequence of the tenant's events the retention policy removed (0: none). */
export async function prunedThrough(db: Db, tenantId: string): Promise<number> {
  const row = await db('event_retention').where('tenant_id', tenantId).first('pruned_through');
  return row ? Number(row.pruned_through) : 0;
}

/** The sequence of the tenant's oldest kept event, if it has any. */
export async function oldestSequence(db: Db, tenantId: string): Promise<number | undefined> {
  const row = await db('events').where('tenant_id', tenantId).orderBy('seq', 'asc').first('seq');
  return row ? Number(row.seq) : undefined;
}
