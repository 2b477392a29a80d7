import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory from 'knex';

/**
 * Which store the suites run on: SQLite by default; PostgreSQL when
 * WIZER_TEST_STORE=postgres, on the server TEST_POSTGRES_URL names (`npm run test:postgres`).
 */
export const TEST_STORE: 'sqlite' | 'postgres' =
  process.env.WIZER_TEST_STORE === 'postgres' ? 'postgres' : 'sqlite';

export interface TestDatabase {
  url: string;
  /** The SQLite file, when the store is SQLite. */
  file?: string;
  drop(): Promise<void>;
}

/** The PostgreSQL server URL for tests, or undefined. */
export const postgresServerUrl = (): string | undefined => process.env.TEST_POSTGRES_URL || undefined;

/** A fresh, empty database of the suite's store, dropped again by `drop()`. */
export async function freshDatabase(store = TEST_STORE): Promise<TestDatabase> {
  if (store === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wizer-db-'));
    const file = path.join(dir, 'directory.db');
    return {
      url: `sqlite:${file}`,
      file,
      drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  }
  const server = postgresServerUrl();
  if (!server)
    throw new Error(
      'WIZER_TEST_STORE=postgres needs TEST_POSTGRES_URL (e.g. postgres://postgres@127.0.0.1:5432/postgres)',
    );
  const name = `wizer_test_${randomBytes(6).toString('hex')}`;
  const admin = knexFactory({ client: 'pg', connection: server, pool: { min: 0, max: 1 } });
  try {
    await admin.raw(`CREATE DATABASE ${name}`);
  } finally {
    await admin.destroy();
  }
  const url = new URL(server);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const again = knexFactory({ client: 'pg', connection: server, pool: { min: 0, max: 1 } });
      try {
        await again.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await again.destroy();
      }
    },
  };
}
