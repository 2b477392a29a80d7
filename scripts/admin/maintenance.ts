import Database from 'better-sqlite3';
import fs from 'node:fs';
import path from 'node:path';
import { UsageError } from './grammar.js';
import { given, print, type Command } from './session.js';
import { iso } from './table.js';
import { parseDuration } from './values.js';

export const eventsPrune: Command = {
  name: 'events prune',
  summary:
    'Removes every tenant’s events older than that: the retention policy (EVENT_RETENTION_DAYS) on demand.',
  options: {
    'older-than': {
      type: 'string',
      value: 'AGE',
      help: 'a duration with its unit: 30d (days), 12h (hours), 90m (minutes)',
      required: true,
    },
  },
  examples: ['events prune --older-than 30d'],
  needsDirectory: true,
  async run(session, args) {
    const olderThanSeconds = parseDuration('--older-than', given(args['older-than']));
    // A first prune of a large log takes a while: it removes in small batches.
    const { removed, cutoff } = await session.clients.admin.pruneEvents(
      { olderThanSeconds },
      { deadlineMs: 600_000 },
    );
    print(
      session,
      args.json,
      { removed, cutoff },
      () => `Removed ${removed} event(s) that occurred before ${iso(cutoff)}.`,
    );
  },
};

/**
 * A consistent copy of the SQLite database while the directory writes to it:
 * VACUUM INTO reads one snapshot (a read transaction in WAL mode), so the copy
 * holds every commit made before it began and none half-made.
 */
export const backup: Command = {
  name: 'backup',
  summary:
    'Writes a consistent copy of the SQLite database (DATABASE_URL) while the directory runs, and checks it.',
  description:
    'Restore: stop the directory, put the copy in place of the database file (remove its -wal and -shm files), start. For PostgreSQL use pg_dump.',
  options: {},
  operand: { value: 'FILE', help: 'the new file to write (never overwritten)' },
  examples: ['backup /backups/wizer-$(date +%F).db'],
  needsDirectory: false,
  run(session, args, file) {
    const url = session.databaseUrl;
    if (!url.startsWith('sqlite:'))
      throw new UsageError('backup copies a SQLite database; for PostgreSQL use pg_dump');
    if (fs.existsSync(file!)) throw new UsageError(`${file} exists; choose a new file`);
    // SQLite's own errors here name no file ("unable to open database file").
    if (!fs.existsSync(path.dirname(path.resolve(file!))))
      throw new UsageError(`cannot write ${file}: its folder does not exist`);
    const database = url.slice('sqlite:'.length);
    if (!fs.existsSync(database)) throw new Error(`no SQLite database at ${database} (DATABASE_URL)`);
    const source = new Database(database, { readonly: true, fileMustExist: true });
    try {
      source.pragma('busy_timeout = 5000');
      source.prepare('VACUUM INTO ?').run(file);
    } finally {
      source.close();
    }
    const check = new Database(file!, { readonly: true });
    const integrity = check.pragma('integrity_check', { simple: true });
    check.close();
    print(
      session,
      args.json,
      { file, integrity },
      () =>
        `Backed up to ${file} (integrity_check: ${integrity}). Restore: stop the directory, copy it over the database file, start.`,
    );
  },
};
