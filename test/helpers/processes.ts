import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export { freePort } from '../../scripts/lib/free-port.js';

export interface Spawned {
  child: ChildProcess;
  output(): string;
  /** Resolves when the output matches, or rejects after `timeoutMs`. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exited(): Promise<number | null>;
}

/** Runs a TypeScript entry point of this repository under tsx, collecting stdout and stderr. */
export function spawnTs(entry: string, args: string[], env: Record<string, string>): Spawned {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, entry), ...args], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  child.stderr!.on('data', (chunk) => (output += chunk));
  const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => output,
    exited: () => exit,
    async waitFor(pattern, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const match = output.match(pattern);
        if (match) return match;
        if (Date.now() > deadline || child.exitCode !== null) {
          throw new Error(`did not see ${pattern} in:\n${output.slice(-3000)}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
  };
}

/** Runs a command to completion. */
export async function runTs(entry: string, args: string[], env: Record<string, string>) {
  const run = spawnTs(entry, args, env);
  const code = await run.exited();
  return { code, output: run.output() };
}
