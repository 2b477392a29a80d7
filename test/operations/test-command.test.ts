import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { ROOT } from '../helpers/processes.js';

/**
 * `npm test` (scripts/test.sh) runs every step whatever failed before, ends with one line
 * saying which stores it covered, and fails when any step failed. Run here on a copy of the
 * scripts with ava replaced by a stub that prints ava's summary lines, so what is checked is
 * the script, not the suites.
 */

const AVA_STUB = `#!/usr/bin/env bash
case "$*" in
  *postgres-disruptive*) echo "  1 test passed" ;;
  *postgres*) echo "  2 tests passed"; [ -n "\${STUB_POSTGRES_FAILS:-}" ] && { echo "  1 test failed"; exit 1; } ;;
  *) echo "  5 tests passed"; [ -n "\${STUB_SQLITE_FAILS:-}" ] && { echo "  2 tests failed"; exit 1; } ;;
esac
exit 0
`;

function stubbedCheckout(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wizer-npm-test-'));
  fs.mkdirSync(path.join(dir, 'scripts'));
  for (const script of ['test.sh', 'test-postgres.sh'])
    fs.copyFileSync(path.join(ROOT, 'scripts', script), path.join(dir, 'scripts', script));
  fs.writeFileSync(
    path.join(dir, 'package.json'),
    JSON.stringify({ name: 'stub', private: true, scripts: { typecheck: 'true', lint: 'true' } }),
  );
  fs.mkdirSync(path.join(dir, 'node_modules', '.bin'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'node_modules', '.bin', 'ava'), AVA_STUB, { mode: 0o755 });
  return dir;
}

async function npmTest(env: Record<string, string>) {
  const dir = stubbedCheckout();
  const base = { ...process.env };
  delete base.TEST_POSTGRES_URL;
  delete base.CI;
  delete base.WIZER_TEST_STORE;
  try {
    return await new Promise<{ code: number; lastLine: string; totals: string; output: string }>(
      (resolve) => {
        execFile(
          'bash',
          [path.join(dir, 'scripts', 'test.sh')],
          { env: { ...base, ...env } },
          (error, stdout) => {
            const lines = stdout.trim().split('\n');
            // The summary, then the plain totals line ("Tests: N passed, M failed") last.
            resolve({
              code: error ? Number(error.code) : 0,
              lastLine: lines.at(-2) ?? '',
              totals: lines.at(-1) ?? '',
              output: stdout,
            });
          },
        );
      },
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test('both stores pass: exit 0, and the last line counts each', async (t) => {
  const run = await npmTest({ TEST_POSTGRES_URL: 'postgres://stub' });
  t.is(run.code, 0, run.output);
  t.is(run.lastLine, 'npm test: typecheck ok; lint ok; SQLite: 5 passed; PostgreSQL: 3 passed');
  t.is(run.totals, 'Tests: 8 passed, 0 failed');
});

test('no TEST_POSTGRES_URL: the last line says PostgreSQL was skipped; CI fails instead', async (t) => {
  const local = await npmTest({});
  t.is(local.code, 0, local.output);
  t.is(
    local.lastLine,
    'npm test: typecheck ok; lint ok; SQLite: 5 passed; PostgreSQL: SKIPPED (TEST_POSTGRES_URL not set)',
  );
  const ci = await npmTest({ CI: 'true' });
  t.is(ci.code, 1);
  t.regex(ci.lastLine, /^npm test FAILED: .*PostgreSQL: FAILED \(TEST_POSTGRES_URL not set/);
  t.is(
    ci.totals,
    'Tests: 5 passed, 1 failed',
    'a failed step without a failing test still counts as a failure',
  );
});

test('the SQLite pass fails: the PostgreSQL pass still runs, and the command fails', async (t) => {
  const run = await npmTest({ TEST_POSTGRES_URL: 'postgres://stub', STUB_SQLITE_FAILS: '1' });
  t.is(run.code, 1);
  t.is(
    run.lastLine,
    'npm test FAILED: typecheck ok; lint ok; SQLite: 5 passed, 2 failed; PostgreSQL: 3 passed',
  );
  t.is(run.totals, 'Tests: 8 passed, 2 failed');
});

test('the main PostgreSQL pass fails: the disruptive pass still runs after it', async (t) => {
  const run = await npmTest({ TEST_POSTGRES_URL: 'postgres://stub', STUB_POSTGRES_FAILS: '1' });
  t.is(run.code, 1);
  t.is(
    run.lastLine,
    'npm test FAILED: typecheck ok; lint ok; SQLite: 5 passed; PostgreSQL: 3 passed, 1 failed',
  );
});
