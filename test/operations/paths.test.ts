import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import test from 'ava';
import { loadConfig } from '../../services/directory/src/config.js';
import { openDatabase } from '../../services/directory/src/store/db.js';
import { freePort, ROOT, runTs } from '../helpers/processes.js';

const scratch = () => fs.mkdtempSync(path.join(os.tmpdir(), 'wizer-paths-'));

test('a SQLite file in a folder that does not exist is a configuration error naming it; nothing is created', async (t) => {
  const dir = scratch();
  try {
    const file = path.join(dir, 'missing', 'x.db');
    const credentials = path.join(dir, 'elsewhere', 'creds.json');
    t.throws(() => loadConfig({ DATABASE_URL: `sqlite:${file}` }), { message: new RegExp(file) });
    const run = await runTs('services/directory/src/main.ts', [], {
      DATABASE_URL: `sqlite:${file}`,
      DIRECTORY_CREDENTIALS_FILE: credentials,
      METRICS_ADDRESS: 'off',
    });
    t.is(run.code, 2);
    t.regex(run.output, new RegExp(`DATABASE_URL .*${file}`));
    t.regex(run.output, new RegExp(`DIRECTORY_CREDENTIALS_FILE .*${credentials}`));
    t.notRegex(run.output, /\n\s+at /, 'no stack');
    t.false(fs.existsSync(path.join(dir, 'missing')), 'the folder was not created');
    // The store refuses it too, in its own words, for any other caller.
    await t.throwsAsync(openDatabase(`sqlite:${file}`), { message: new RegExp(file) });
    t.false(fs.existsSync(path.join(dir, 'missing')));

    // A folder that exists is all it takes.
    t.like(loadConfig({ DATABASE_URL: `sqlite:${path.join(dir, 'x.db')}` }), { createDatabaseFolder: false });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('the default database: the directory on a fresh clone (no DATABASE_URL) creates ./data/', async (t) => {
  t.like(loadConfig({}), { createDatabaseFolder: true });
  const clone = scratch();
  const grpc = await freePort();
  const env: Record<string, string | undefined> = {
    ...process.env,
    DIRECTORY_ADDRESS: `127.0.0.1:${grpc}`,
    METRICS_ADDRESS: 'off',
    LOG_LEVEL: 'info',
    // tsx finds tsconfig.json from the working directory; outside the repository it must be told,
    // or @wizer/directory-client resolves to the package's compiled dist/ (absent before a build).
    TSX_TSCONFIG_PATH: path.join(ROOT, 'tsconfig.json'),
  };
  delete env.DATABASE_URL;
  delete env.DIRECTORY_CREDENTIALS_FILE;
  t.false(fs.existsSync(path.join(clone, 'data')), 'precondition: no data folder');
  // Run from the fresh folder, as `npm start` in a fresh clone does: ./data/ is relative to it.
  const tsx = pathToFileURL(path.join(ROOT, 'node_modules/tsx/dist/loader.mjs')).href;
  const child = spawn(
    process.execPath,
    ['--import', tsx, path.join(ROOT, 'services/directory/src/main.ts')],
    {
      cwd: clone,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  try {
    await new Promise<void>((resolve, reject) => {
      const check = () => (/directory listening/.test(output) ? resolve() : undefined);
      child.stdout.on('data', check);
      child.once('exit', () => reject(new Error(`the directory exited:\n${output}`)));
    });
    t.true(fs.existsSync(path.join(clone, 'data', 'wizer-directory.db')));
    t.true(fs.existsSync(path.join(clone, 'data', 'directory-credentials.json')));
  } finally {
    child.kill('SIGTERM');
    await exited;
    fs.rmSync(clone, { recursive: true, force: true });
  }
});

test('npm run demo runs on a directory of its own: the development database is left alone', async (t) => {
  const dir = scratch();
  try {
    const development = path.join(dir, 'dev.db');
    // DIRECTORY_ADDRESS unset (empty): the demo must not go looking for a running directory.
    const demo = await runTs('scripts/demo-contract.ts', [], {
      DATABASE_URL: `sqlite:${development}`,
      DIRECTORY_ADDRESS: '',
      DIRECTORY_CREDENTIALS_FILE: '',
    });
    t.is(demo.code, 0, demo.output);
    t.regex(demo.output, /its own, on a throw-away database/);
    t.regex(demo.output, /#\d+ department\.adopted/);
    t.false(fs.existsSync(development), 'nothing written to the development database');
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('backup names the file it cannot write or read', async (t) => {
  const dir = scratch();
  try {
    const target = path.join(dir, 'no-such-folder', 'copy.db');
    const database = path.join(dir, 'none.db');
    const missingFolder = await runTs('scripts/admin.ts', ['backup', target], {
      DATABASE_URL: `sqlite:${database}`,
    });
    t.is(missingFolder.code, 2);
    t.regex(missingFolder.output, new RegExp(`cannot write ${target}: its folder does not exist`));
    const missingDatabase = await runTs('scripts/admin.ts', ['backup', path.join(dir, 'copy.db')], {
      DATABASE_URL: `sqlite:${database}`,
    });
    t.is(missingDatabase.code, 1);
    t.regex(missingDatabase.output, new RegExp(`no SQLite database at ${database}`));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
