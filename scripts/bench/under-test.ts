/**
 * The systems a benchmark drives over HTTP: the full system (directory + gateway) or floor (b)
 * (scripts/bench/floor/), each started from a build folder with node as `npm start` runs it.
 * Shared by `npm run bench` (main.ts) and the A/B comparison of two builds (ab.ts).
 */
import fs from 'node:fs';
import path from 'node:path';
import { SCIM } from './scenarios.js';
import { ENTRIES, NODE_ARGS } from './build.js';
import { request } from './http-client.js';
import { freePort, portOpen, ROOT, startProcess, waitFor, type Proc } from './system.js';

export interface SystemOptions {
  kind: 'full' | 'minimal';
  /** The build folder the processes start from: dist/ by default, or a copy with a change (ab.ts). */
  build?: string;
  databaseUrl: string;
  /** Where the directory writes the gateway's service credential (and the gateway reads it). */
  credentialsFile: string;
  /** The tenant floor (b) serves, whose token tells when the system answers. */
  tenant: { tenantId: string; token: string };
  /** Floor (b)'s service credential. */
  benchCredential: string;
  /** Streams of the gateway's multiplexed channel to the directory. */
  streams: string;
  /**
   * Floor (b)'s answers to reads: four fields a user ('fields'), or each user whole as the
   * directory stores it ('whole'; scripts/bench/floor/minimal-directory.ts). Unset: as the
   * environment's BENCH_FLOOR_PAYLOAD says.
   */
  floorPayload?: 'fields' | 'whole';
  /** node options of the system's two processes besides NODE_ARGS (a CPU profile, say). */
  nodeArgs?: string[];
  /** Where a process's standard output goes. */
  logFile(name: string): string;
  /** Called with each process as it starts, so a caller can stop it whatever happens. */
  started?(proc: Proc): void;
}

export interface SystemUnderTest {
  procs: Proc[];
  /** The directory's gRPC address (host:port). */
  directoryAddress: string;
  /** http://127.0.0.1:<port> */
  base: string;
  /** Where the SCIM API is: the published prefix on the full system, the root on floor (b). */
  prefix: string;
}

/** With BENCH_CPU_PROF set, the node flags that write a process's CPU profile to bench/profiles/. */
export const profileArgs = (): string[] =>
  process.env.BENCH_CPU_PROF ? ['--cpu-prof', `--cpu-prof-dir=${path.join(ROOT, 'bench/profiles')}`] : [];

/** The environment every process of a benchmark runs with, but for its addresses. */

export const benchEnv = (databaseUrl: string, credentialsFile: string, streams: string) => ({
  DATABASE_URL: databaseUrl,
  DIRECTORY_CREDENTIALS_FILE: credentialsFile,
  METRICS_ADDRESS: 'off',
  GATEWAY_METRICS_ADDRESS: 'off',
  LOG_LEVEL: 'info',
  DIRECTORY_STREAMS: streams,
  // The benchmark measures capacity, not the per-tenant rate limit (README: Limits).
  RATE_LIMIT_RPS: '1000000',
  RATE_LIMIT_BURST: '1000000',
});

/** Starts a system and resolves once it answers a list request with the tenant's token. */
export async function startSystem(options: SystemOptions): Promise<SystemUnderTest> {
  const [grpcPort, httpPort] = [await freePort(), await freePort()];
  const env = {
    ...benchEnv(options.databaseUrl, options.credentialsFile, options.streams),
    DIRECTORY_ADDRESS: `127.0.0.1:${grpcPort}`,
    PORT: String(httpPort),
    BENCH_TENANT: options.tenant.tenantId,
    BENCH_CREDENTIAL: options.benchCredential,
    ...(options.floorPayload && { BENCH_FLOOR_PAYLOAD: options.floorPayload }),
  };
  const build = options.build ?? 'dist';
  const start = (name: string, entry: string, nodeArgs: string[] = []) => {
    const p = startProcess(
      name,
      entry.replace(/^dist\//, `${build}/`),
      env,
      [...NODE_ARGS, ...nodeArgs],
      options.logFile(name),
    );
    options.started?.(p);
    return p;
  };
  const procs: Proc[] = [];
  if (options.kind === 'full') {
    // The gateway reads its credential from the file the directory writes on start (or keeps,
    // when it already holds live credentials of this database).
    procs.push(start('directory', ENTRIES.directory, options.nodeArgs));
    await waitFor('credentials file', async () => fs.existsSync(options.credentialsFile));
    procs.push(start('gateway', ENTRIES.gateway, options.nodeArgs));
  } else {
    procs.push(start('minimal directory', ENTRIES.minimalDirectory, options.nodeArgs));
    await waitFor('minimal directory', () => portOpen(env.DIRECTORY_ADDRESS));
    procs.push(start('minimal gateway', ENTRIES.minimalGateway, options.nodeArgs));
  }
  const base = `http://127.0.0.1:${httpPort}`;
  const prefix = options.kind === 'full' ? SCIM : '';
  await waitFor(
    options.kind,
    async () =>
      (
        await request(`${base}${prefix}/Users?count=0`, {
          headers: { authorization: `Bearer ${options.tenant.token}` },
        })
      ).ok,
  );
  await new Promise((r) => setTimeout(r, 500));
  return { procs, directoryAddress: env.DIRECTORY_ADDRESS, base, prefix };
}
