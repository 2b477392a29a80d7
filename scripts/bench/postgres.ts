import { randomBytes } from 'node:crypto';
import knexFactory from 'knex';
import { autovacuumOff } from '../../services/directory/src/store/autovacuum-check.js';
import { openDatabase } from '../../services/directory/src/store/db.js';

/** The PostgreSQL server `--postgres` runs on; BENCH_POSTGRES_URL overrides it. */
export const POSTGRES_SERVER =
  process.env.BENCH_POSTGRES_URL || 'postgres://postgres@127.0.0.1:5432/postgres';

/** A fresh database on the server for one run, dropped again by `drop()`. */
export async function benchDatabase(
  server = POSTGRES_SERVER,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `wizer_bench_${randomBytes(6).toString('hex')}`;
  const admin = () => knexFactory({ client: 'pg', connection: server, pool: { min: 0, max: 1 } });
  const create = admin();
  try {
    await create.raw(`CREATE DATABASE ${name}`);
  } finally {
    await create.destroy();
  }
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const again = admin();
      try {
        await again.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await again.destroy();
      }
    },
  };
}

/**
 * Planner statistics for bulk-inserted rows, as a database in service has them (else the first
 * measurements would run on plans made without them, until autovacuum runs ANALYZE).
 */
export async function gatherStatistics(url: string): Promise<void> {
  const db = await openDatabase(url);
  try {
    await db.knex.raw('ANALYZE');
  } finally {
    await db.close();
  }
}

/**
 * What autovacuum would do for a database in service, for a server that runs without it (the
 * CI server here does: `autovacuum = off`): VACUUM (ANALYZE) between a benchmark's rows, or
 * nothing where autovacuum is on. Without it a row measured what came before it: plans cached
 * while a table was nearly empty read it whole as it grows (see the directory's own check,
 * store/autovacuum-check.ts, for the measurement). Returns the function, and whether it does
 * anything.
 */
export async function autovacuumStandIn(url: string): Promise<{ run(): Promise<void>; active: boolean }> {
  const db = await openDatabase(url);
  const off = await autovacuumOff(db).finally(() => db.close());
  if (!off) return { run: async () => {}, active: false };
  return {
    active: true,
    async run() {
      // A plain connection: VACUUM runs outside a transaction, and nothing here needs migrating.
      const client = knexFactory({ client: 'pg', connection: url, pool: { min: 0, max: 1 } });
      try {
        await client.raw('VACUUM (ANALYZE)');
      } finally {
        await client.destroy();
      }
    },
  };
}
