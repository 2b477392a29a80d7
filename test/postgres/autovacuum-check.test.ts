import test from 'ava';
import { openDatabase } from '../../services/directory/src/store/db.js';
import { warnIfAutovacuumOff } from '../../services/directory/src/store/autovacuum-check.js';
import { freshDatabase } from '../helpers/database.js';

test('the warning follows the server’s own autovacuum setting', async (t) => {
  const database = await freshDatabase('postgres');
  const db = await openDatabase(database.url);
  try {
    const { rows } = (await db.knex.raw('SHOW autovacuum')) as { rows: { autovacuum: string }[] };
    const setting = rows[0]!.autovacuum;
    t.true(setting === 'on' || setting === 'off', setting);
    const lines: string[] = [];
    const warned = await warnIfAutovacuumOff(db, { warn: (_, msg) => void lines.push(msg) });
    t.is(warned, setting === 'off');
    t.is(lines.length, setting === 'off' ? 1 : 0);
  } finally {
    await db.close();
    await database.drop();
  }
});
