/**
 * The benchmark measures what production runs: the services from dist/ (`npm run build`),
 * started with `node --enable-source-maps` as `npm start` starts them. Floor (b)'s two scripts
 * are compiled the same way beside them (dist/scripts/bench/floor/, which `npm run build`
 * leaves out), so that both sides of the full / floor (b) ratio run compiled code: from
 * source, tsx's transform adds a `__name` call to every function a request creates (measured:
 * 1.7 % of the gateway's time on a page of 100).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';
import { ROOT } from './system.js';

/** Where each process of the benchmark starts, in dist/. */
export const ENTRIES = {
  directory: 'dist/services/directory/src/main.js',
  gateway: 'dist/gateway/src/main.js',
  minimalDirectory: 'dist/scripts/bench/floor/minimal-directory.js',
  minimalGateway: 'dist/scripts/bench/floor/minimal-gateway.js',
} as const;

/** How `npm start` runs node: stack traces point into the TypeScript. */
export const NODE_ARGS = ['--enable-source-maps'];

/** `npm run build`, then floor (b) into dist/; returns how long `npm run build` took, in seconds. */
export async function buildForBench(): Promise<number> {
  const t0 = performance.now();
  const built = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs')], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (built.status !== 0) throw new Error('npm run build failed');
  const seconds = (performance.now() - t0) / 1000;
  const floor = path.join('scripts', 'bench', 'floor');
  await build({
    absWorkingDir: ROOT,
    // The options of scripts/build.mjs.
    entryPoints: fs.readdirSync(path.join(ROOT, floor)).map((file) => path.join(floor, file)),
    outdir: path.join(ROOT, 'dist'),
    outbase: '.',
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    logLevel: 'warning',
  });
  return seconds;
}
