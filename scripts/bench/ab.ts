/**
 * A/B: two systems side by side on one temporary database (SQLite; with `--postgres`, one
 * made on BENCH_POSTGRES_URL's server and dropped after), in alternating rounds — A
 * first in even rounds, B first in odd ones, so that a machine whose pace drifts favours
 * neither — and, per side and round, requests a second, p99 and the CPU a request costs in
 * each process (every thread, user and system time, from /proc). A is the production build
 * (dist/, built first); B is `--variant <folder>`, a copy of dist/ with one change made in it,
 * or, without it, floor (b). How bench/analysis.md's experiments are measured: on these shared
 * machines only figures taken side by side like this can be compared.
 * Both sides load the client package (@wizer/directory-client) from packages/directory-client/
 * dist/, so a change to it cannot be compared this way.
 *
 *   npx tsx scripts/bench/ab.ts [--variant dist-b] [--rounds 6] [--seconds 4]
 *     [--connections 10] [--users 5000] [--warmup 3] lookup,create,…   (see requestShapes)
 *   npx tsx scripts/bench/ab.ts --variant dist-b sync:3000    (an initial sync by 8 clients)
 *   npx tsx scripts/bench/ab.ts --variant dist-b groupMember   (one-member changes, a group of 1,000)
 *   npx tsx scripts/bench/ab.ts --postgres --variant dist-b lookup,get
 *   BENCH_CPU_PROF=1 npx tsx scripts/bench/ab.ts firstPage    (profiles in bench/profiles/)
 *   npx tsx scripts/bench/ab.ts --rate 3000 get   (both at one pace: their CPU a request compares
 *     like for like, where at full speed the slower system also pays for its slower pace)
 *   BENCH_STRACE=1 npx tsx scripts/bench/ab.ts --rate 2000 get    (system calls a request)
 *   BENCH_FLOOR_PAYLOAD=whole npx tsx scripts/bench/ab.ts get   (floor (b) reads whole users)
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildForBench } from './build.js';
import { load, type LoadResult } from './load.js';
import { autovacuumStandIn, benchDatabase, gatherStatistics } from './postgres.js';
import { churn, requestShapes, syncCycle } from './scenarios.js';
import { bulkGroup, bulkUsers, createTenantWithToken } from './seed.js';
import type { Proc } from './system.js';
import { profileArgs, startSystem, type SystemUnderTest } from './under-test.js';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    variant: { type: 'string' },
    rounds: { type: 'string', default: '6' },
    seconds: { type: 'string', default: '4' },
    connections: { type: 'string', default: '10' },
    users: { type: 'string', default: '5000' },
    warmup: { type: 'string', default: '3' },
    postgres: { type: 'boolean', default: false },
    rate: { type: 'string' },
  },
});
const rows = (positionals[0] ?? '').split(',').filter(Boolean);
if (rows.length === 0) throw new Error('name the rows to measure, e.g. lookup,create or sync:3000');
if (rows.includes('groupMember') && Number(args.users) < 2000)
  throw new Error('groupMember needs --users 2000 or more: a group of 1,000 and 1,000 to join it');
// Floor (b) serves no lookups by token: a sync compares two full systems.
if (!args.variant && rows.some((row) => row.startsWith('sync')))
  throw new Error('sync compares two full systems: give --variant');
if (args.variant && !fs.existsSync(path.join(args.variant, 'gateway/src/main.js')))
  throw new Error(`${args.variant} is not a build folder (a copy of dist/)`);
const ROUNDS = Number(args.rounds);
const SECONDS = Number(args.seconds);
const CONNECTIONS = Number(args.connections);
const rate = args.rate ? Number(args.rate) : undefined;

interface Round {
  /** requests (or, for a sync, users) a second */
  rate: number;
  p99?: number;
  /** CPU µs a request (or user), per process, in start order */
  cpu: number[];
  /** µs a request (or user): the load generator's CPU (this process), and the machine's idle time (both cores) */
  generator: number;
  idle: number;
  errors: number;
}

/**
 * BENCH_STRACE=1: the system calls a process makes while a round runs, by name (`strace -c`,
 * attached for the round; it slows the process, so compare rounds at one `--rate`).
 */
async function countSyscalls(proc: Proc): Promise<{ stop(): Promise<Record<string, number>> }> {
  const out = path.join(dir, `strace-${proc.child.pid}-${Date.now()}.txt`);
  const strace = spawn('strace', ['-c', '-f', '-o', out, '-p', String(proc.child.pid)], { stdio: 'ignore' });
  // strace prints nothing once attached: give it a moment.
  await new Promise((resolve) => setTimeout(resolve, 300));
  return {
    async stop() {
      const exited = new Promise((resolve) => strace.on('exit', resolve));
      strace.kill('SIGINT');
      await exited;
      // Rows: % time, seconds, usecs/call, calls, [errors,] syscall.
      const rows = fs
        .readFileSync(out, 'utf8')
        .split('\n')
        .filter((line) => /^\s*[\d.]+\s+[\d.]+\s+\d+\s+\d+/.test(line));
      return Object.fromEntries(
        rows.map((line) => {
          const fields = line.trim().split(/\s+/);
          return [fields.at(-1)!, Number(fields[3])];
        }),
      );
    },
  };
}

/** The machine's idle time so far, in µs (all cores; /proc/stat counts hundredths of a second). */
const machineIdle = () =>
  Number(fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/)[4]) * 10_000;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wizer-ab-'));
const postgres = args.postgres ? await benchDatabase() : undefined;
const processes: Proc[] = [];
try {
  buildForBench();
  const databaseUrl = postgres?.url ?? `sqlite:${path.join(dir, 'ab.db')}`;
  const seeded = await createTenantWithToken(databaseUrl, 'A/B');
  const tenant = { ...seeded, ...(await bulkUsers(databaseUrl, seeded.tenantId, Number(args.users), 'u')) };
  // groupMember: a pushed group of the first 1,000 users, joined and left by the next 1,000
  // (made only when the row is asked for).
  const group = rows.includes('groupMember')
    ? await bulkGroup(databaseUrl, seeded.tenantId, 'A/B group', tenant.ids.slice(0, 1000))
    : undefined;
  if (postgres) await gatherStatistics(databaseUrl);
  const upkeep = postgres ? await autovacuumStandIn(databaseUrl) : undefined;
  // A build folder starts the full system from it; none, floor (b).
  const start = (build: string | undefined) =>
    startSystem({
      kind: build ? 'full' : 'minimal',
      build,
      databaseUrl,
      credentialsFile: path.join(dir, 'directory-credentials.json'),
      tenant,
      benchCredential: randomBytes(16).toString('hex'),
      streams: process.env.DIRECTORY_STREAMS || '4',
      logFile: (name) => path.join(dir, `${name.replace(/\W+/g, '-')}.log`),
      started: (p) => processes.push(p),
      // As in `npm run bench`: BENCH_CPU_PROF=1 writes every process's profile to bench/profiles/,
      // floor (b)'s too, so that a function's cost can be compared with the floor's.
      nodeArgs: profileArgs(),
    });
  const sides = { A: await start('dist'), B: await start(args.variant) };
  const headers = { authorization: `Bearer ${tenant.token}` };
  // A freshly started system runs its first seconds well below its pace (JIT, caches).
  for (const side of Object.values(sides)) {
    const cycle = Object.values(requestShapes(side.prefix, tenant));
    await load({ url: side.base, connections: CONNECTIONS, duration: Number(args.warmup), headers, cycle });
  }
  console.log(
    `${postgres ? 'PostgreSQL' : 'SQLite'}, ${args.users} users. A: dist/ (full system); B: ${args.variant ? `${args.variant} (full system)` : 'floor (b)'}` +
      (upkeep?.active
        ? '. The server runs without autovacuum: VACUUM (ANALYZE) before each row in its place'
        : ''),
  );

  /**
   * CPU µs each process of `side` spends while `run` runs, the load generator's (this process)
   * and the machine's idle time, each divided by `count(result)`: where a request's time went.
   */
  const withCpu = async <T>(side: SystemUnderTest, run: () => Promise<T>, count: (r: T) => number) => {
    const traces = process.env.BENCH_STRACE ? await Promise.all(side.procs.map(countSyscalls)) : [];
    const before = side.procs.map((p) => p.cpuMicros());
    const generator = process.cpuUsage();
    const idle = machineIdle();
    const result = await run();
    for (const [i, trace] of traces.entries()) {
      const calls = await trace.stop();
      const per = Object.entries(calls).map(([name, n]) => `${name} ${(n / count(result)).toFixed(2)}`);
      console.log(`  ${side.procs[i]!.name}: system calls a request: ${per.join(', ')}`);
    }
    const per = (micros: number) => Math.round(micros / count(result));
    const cpu = side.procs.map((p, i) => per(p.cpuMicros() - before[i]!));
    const own = process.cpuUsage(generator);
    return { result, cpu, generator: per(own.user + own.system), idle: per(machineIdle() - idle) };
  };

  const shapeRound = async (side: SystemUnderTest, shape: string): Promise<Round> => {
    const cycle =
      shape === 'groupMember'
        ? churn(`${side.prefix}/Groups/${group}`, tenant.ids.slice(1000, 2000), 'add-first')
        : undefined;
    const next = requestShapes(side.prefix, tenant)[shape];
    if (!next && !cycle) throw new Error(`no request shape ${shape}`);
    const { result, ...cpu } = await withCpu(
      side,
      () => load({ url: side.base, connections: CONNECTIONS, duration: SECONDS, headers, next, cycle, rate }),
      (r: LoadResult) => r.requests,
    );
    return { rate: result.rps, p99: result.p99, ...cpu, errors: result.errors };
  };

  // Okta's initial sync, as `npm run bench` drives it: 8 clients, each looking a user up, then
  // creating them; a fresh tenant each round.
  let syncs = 0;
  const syncRound = async (side: SystemUnderTest, users: number): Promise<Round> => {
    const fresh = await createTenantWithToken(databaseUrl, `sync ${++syncs}`);
    let index = 0;
    let errors = 0;
    const started = performance.now();
    let lastAnswer = started;
    const { result, ...cpu } = await withCpu(
      side,
      () =>
        load({
          url: side.base,
          connections: 8,
          amount: 2 * users,
          headers: { authorization: `Bearer ${fresh.token}` },
          cycle: syncCycle(() => index++),
          onResponse: (status) => {
            lastAnswer = performance.now();
            if (status >= 300) errors++;
          },
        }),
      () => users,
    );
    return {
      rate: users / ((lastAnswer - started) / 1000),
      ...cpu,
      errors: errors + result.errors - result.non2xx,
    };
  };

  for (const row of rows) {
    await upkeep?.run();
    const [shape, amount] = row.split(':');
    const measure = (side: SystemUnderTest) =>
      shape === 'sync' ? syncRound(side, Number(amount ?? 3000)) : shapeRound(side, shape!);
    const rounds: Record<'A' | 'B', Round[]> = { A: [], B: [] };
    for (let r = 0; r < ROUNDS; r++) {
      for (const name of r % 2 === 0 ? (['A', 'B'] as const) : (['B', 'A'] as const)) {
        rounds[name].push(await measure(sides[name]));
      }
    }
    const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
    const unit = shape === 'sync' ? 'users/s' : 'req/s';
    for (const name of ['A', 'B'] as const) {
      const own = rounds[name];
      const cpu = sides[name].procs.map(
        (p, i) => `${p.name} ${mean(own.map((r) => r.cpu[i]!)).toFixed(0)} µs`,
      );
      console.log(
        `${row} ${name}: ${mean(own.map((r) => r.rate)).toFixed(0)} ${unit} (${own.map((r) => r.rate.toFixed(0)).join(' / ')})` +
          (shape === 'sync' ? '' : `, p99 ${own.map((r) => r.p99).join(' / ')} ms`) +
          `; CPU a ${shape === 'sync' ? 'user' : 'request'}: ${cpu.join(', ')}` +
          ` (load generator ${mean(own.map((r) => r.generator)).toFixed(0)} µs, machine idle ${mean(own.map((r) => r.idle)).toFixed(0)} µs)` +
          `; errors ${own.reduce((s, r) => s + r.errors, 0)}`,
      );
    }
    // Round by round, B against A: how often B was ahead says more than the means on a noisy machine.
    const ahead = rounds.A.filter((a, i) => rounds.B[i]!.rate > a.rate).length;
    console.log(`${row}: B ahead of A in ${ahead} of ${ROUNDS} rounds`);
  }
} finally {
  for (const p of processes.reverse()) await p.stop();
  await postgres?.drop();
  fs.rmSync(dir, { recursive: true, force: true });
}
