import type { Database } from './db.js';

/**
 * Whether the database is PostgreSQL running with autovacuum off. The directory depends on it
 * for more than disk space: each connection caches the plans of its prepared statements and of
 * PostgreSQL's own foreign-key checks, made from the statistics of the moment, and only an
 * ANALYZE makes them again. Plans made while a table was nearly empty scan the whole table;
 * without autovacuum they go on doing so as it grows. Measured on such a server (`npm run
 * bench:ab -- --postgres`, one-member changes to a group of 1,000): the events table read in
 * full some 2,400 times and the departments table (41 rows, and 28,000 dead versions: each
 * member change bumps its department's version) some 34,000 times in three minutes, group
 * changes falling from ~700 to ~450 req/s and lower; after one ANALYZE, back to ~700 at once.
 * A server that will not say (a pooler in between, a database restarting) counts as on.
 */
export async function autovacuumOff(db: Database): Promise<boolean> {
  if (db.dialect.name !== 'postgres') return false;
  const setting = await db.knex.raw(`SELECT setting FROM pg_settings WHERE name = 'autovacuum'`).then(
    (result: { rows: { setting: string }[] }) => result.rows[0]?.setting,
    () => undefined,
  );
  return setting === 'off';
}

/** Warns at start when autovacuum is off (advice, not a condition of starting). */
export async function warnIfAutovacuumOff(
  db: Database,
  logger: { warn(obj: object, msg: string): void },
): Promise<boolean> {
  if (!(await autovacuumOff(db))) return false;
  logger.warn(
    { setting: 'autovacuum', value: 'off' },
    'PostgreSQL runs with autovacuum off: without its ANALYZE the plans cached while tables were small go on scanning them whole as they grow, and writes slow down; turn it on, or run VACUUM ANALYZE regularly',
  );
  return true;
}
