/**
 * The production build, before and after: how long the directory and the gateway take from
 * process start to listening, and their resident memory just after, run from dist/ with node
 * (`npm run build`, as `npm start` runs them) and from source with tsx (as `npm run dev` does).
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { connectDirectory } from '@wizer/directory-client';
import { ENTRIES as DIST, NODE_ARGS } from './build.js';
import { freePort, procStatusMb, ROOT, startProcess, waitFor } from './system.js';

export interface StartupFigure {
  process: 'directory' | 'gateway';
  how: 'dist/ (node)' | 'source (tsx)';
  /** ms from spawn to the "listening" log line, per start */
  startMs: number[];
  /** MB resident, half a second after listening, per start */
  rssMb: number[];
}

const ENTRIES = {
  directory: { dist: DIST.directory, source: 'services/directory/src/main.ts' },
  gateway: { dist: DIST.gateway, source: 'gateway/src/main.ts' },
} as const;

/** Spawns one process, waits for its "listening" line, reads its RSS, stops it. */
async function startOnce(
  entry: string,
  env: Record<string, string>,
): Promise<{ startMs: number; rssMb: number }> {
  const args = entry.endsWith('.ts')
    ? ['--import', 'tsx', path.join(ROOT, entry)]
    : [...NODE_ARGS, path.join(ROOT, entry)];
  const started = performance.now();
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  try {
    const startMs = await new Promise<number>((resolve, reject) => {
      let buffered = '';
      const timer = setTimeout(() => reject(new Error(`${entry} did not start in 60 s`)), 60_000);
      child.stdout.on('data', (chunk: Buffer) => {
        buffered += chunk.toString('utf8');
        if (/"msg":"(directory|gateway) listening"/.test(buffered)) {
          clearTimeout(timer);
          resolve(performance.now() - started);
        }
      });
      child.once('exit', (code) => reject(new Error(`${entry} exited (${code}) before listening`)));
    });
    child.stdout.resume();
    await new Promise((r) => setTimeout(r, 500));
    return { startMs, rssMb: procStatusMb(child.pid, 'VmRSS') };
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

/**
 * Starts each process `repeats` times each way, from dist/ (built by buildForBench) and from
 * source, the two ways alternating. The gateway starts against a directory that is up.
 */
export async function startupFigures(
  env: Record<string, string>,
  repeats: number,
  log: (message: string) => void,
): Promise<StartupFigure[]> {
  const figures: StartupFigure[] = [];
  const measure = async (name: 'directory' | 'gateway', processEnv: Record<string, string>) => {
    const dist: StartupFigure = { process: name, how: 'dist/ (node)', startMs: [], rssMb: [] };
    const source: StartupFigure = { process: name, how: 'source (tsx)', startMs: [], rssMb: [] };
    for (let i = 0; i < repeats; i++) {
      for (const [figure, entry] of [
        [dist, ENTRIES[name].dist],
        [source, ENTRIES[name].source],
      ] as const) {
        const { startMs, rssMb } = await startOnce(entry, processEnv);
        figure.startMs.push(startMs);
        figure.rssMb.push(rssMb);
      }
    }
    figures.push(dist, source);
    log(
      `  ${name}: dist ${dist.startMs.map((ms) => ms.toFixed(0)).join('/')} ms, ` +
        `source ${source.startMs.map((ms) => ms.toFixed(0)).join('/')} ms`,
    );
  };
  const directoryAddress = `127.0.0.1:${await freePort()}`;
  await measure('directory', { ...env, DIRECTORY_ADDRESS: directoryAddress });
  // The gateway's directory, from dist/, for all of the gateway's starts.
  const directory = startProcess(
    'directory (for gateway starts)',
    ENTRIES.directory.dist,
    { ...env, DIRECTORY_ADDRESS: directoryAddress },
    NODE_ARGS,
  );
  const probe = connectDirectory(directoryAddress, { actor: 'bench' });
  try {
    await waitFor('directory', () => probe.serving());
    await measure('gateway', { ...env, DIRECTORY_ADDRESS: directoryAddress, PORT: String(await freePort()) });
  } finally {
    probe.close();
    await directory.stop();
  }
  return figures;
}
