/**
 * The benchmark measures what production runs: the services from dist/ (`npm run build`),
 * started with `node --enable-source-maps` as `npm start` starts them. Floor (b)'s two scripts
 * are compiled by the same build beside them (dist/scripts/bench/floor/, which a plain
 * `npm run build` leaves out), so that both sides of the full / floor (b) ratio run compiled
 * code: from source, tsx's transform adds a `__name` call to every function a request
 * creates (measured: 1.7 % of the gateway's time on a page of 100).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
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

/** `npm run build`, with floor (b) in dist/ too; returns how long it took, in seconds. */
export function buildForBench(): number {
  const t0 = performance.now();
  const built = spawnSync(process.execPath, [path.join(ROOT, 'scripts/build.mjs'), 'scripts/bench/floor'], {
    cwd: ROOT,
    stdio: 'inherit',
  });
  if (built.status !== 0) throw new Error('npm run build failed');
  return (performance.now() - t0) / 1000;
}
