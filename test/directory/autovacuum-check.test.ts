import test from 'ava';
import type { Database } from '../../services/directory/src/store/db.js';
import { warnIfAutovacuumOff } from '../../services/directory/src/store/autovacuum-check.js';

// The check against stand-ins for the server (the real one: test/postgres/autovacuum-check.test.ts).
const database = (dialect: string, setting: string | undefined, asked: string[]) =>
  ({
    dialect: { name: dialect },
    knex: {
      raw: async (sql: string) => {
        asked.push(sql);
        return { rows: setting === undefined ? [] : [{ setting }] };
      },
    },
  }) as unknown as Database;

const warnings = () => {
  const lines: string[] = [];
  return { lines, logger: { warn: (_: object, msg: string) => void lines.push(msg) } };
};

test('a PostgreSQL server with autovacuum off is named in one warning', async (t) => {
  const asked: string[] = [];
  const { lines, logger } = warnings();
  t.true(await warnIfAutovacuumOff(database('postgres', 'off', asked), logger));
  t.is(asked.length, 1);
  t.is(lines.length, 1);
  t.regex(lines[0]!, /autovacuum off/);
});

test('with autovacuum on, or no answer, nothing is said', async (t) => {
  for (const setting of ['on', undefined]) {
    const asked: string[] = [];
    const { lines, logger } = warnings();
    t.false(await warnIfAutovacuumOff(database('postgres', setting, asked), logger));
    t.is(asked.length, 1, 'the server was asked');
    t.deepEqual(lines, []);
  }
});

test('a server that cannot be asked does not stop the start', async (t) => {
  const { lines, logger } = warnings();
  const failing = {
    dialect: { name: 'postgres' },
    knex: { raw: () => Promise.reject(new Error('connection terminated')) },
  } as unknown as Database;
  t.false(await warnIfAutovacuumOff(failing, logger));
  t.deepEqual(lines, []);
});

test('SQLite is not asked', async (t) => {
  const asked: string[] = [];
  const { lines, logger } = warnings();
  t.false(await warnIfAutovacuumOff(database('sqlite', 'off', asked), logger));
  t.deepEqual(asked, []);
  t.deepEqual(lines, []);
});
