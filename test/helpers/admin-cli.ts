import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import type { DirectoryFixture } from './directory.js';
import { ROOT } from './processes.js';

const exec = promisify(execFile);

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

type Env = Record<string, string | undefined>;

/** The environment that points the admin CLI at a directory fixture, with its admin credential. */
export function adminEnv(fixture: DirectoryFixture): Env {
  return {
    DIRECTORY_ADDRESS: fixture.address,
    DIRECTORY_CREDENTIAL: fixture.credentials.admin,
    DATABASE_URL: fixture.dbFile ? `sqlite:${fixture.dbFile}` : 'postgres://in-use',
  };
}

/**
 * Runs the admin CLI as an operator does (a process of its own: node, tsx, scripts/admin.ts),
 * with `env` over this process's environment (an undefined value unsets the variable).
 */
export async function runAdmin(env: Env, ...args: string[]): Promise<CliResult> {
  const merged: Env = { ...process.env, ...env };
  for (const [key, value] of Object.entries(env)) if (value === undefined) delete merged[key];
  try {
    const { stdout, stderr } = await exec(
      process.execPath,
      ['--import', 'tsx', path.join(ROOT, 'scripts/admin.ts'), ...args],
      { cwd: ROOT, env: merged as NodeJS.ProcessEnv },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}
