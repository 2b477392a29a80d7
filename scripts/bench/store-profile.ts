/**
 * The directory's domain operations behind the SCIM requests the benchmark drives (create,
 * replace, patch, a page of 100), called in-process one at a time: the store and domain
 * write path without gRPC or HTTP. Several rounds, each operation in turn, so that a noisy
 * machine shows in every operation alike; the median round is reported.
 *
 *   npx tsx scripts/bench/store-profile.ts [--users 5000] [--ops 1000] [--rounds 3] [--postgres]
 *   node --cpu-prof --cpu-prof-dir=bench/profiles --import tsx scripts/bench/store-profile.ts --only create
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { ChangeFeed, type CallContext } from '../../services/directory/src/domain/context.js';
import { createUser, listUsers, replaceUser, updateUser } from '../../services/directory/src/domain/users.js';
import type { Query } from '../../services/directory/src/domain/types.js';
import { openDatabase } from '../../services/directory/src/store/db.js';
import { benchDatabase } from './postgres.js';
import { benchProfile, bulkUsers, createTenantWithToken } from './seed.js';
import { medianOf, timeSequential, type LoadResult } from './load.js';

const { values: args } = parseArgs({
  options: {
    users: { type: 'string', default: '5000' },
    ops: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '3' },
    postgres: { type: 'boolean', default: false },
    only: { type: 'string' },
    /** Calls in flight at once (as requests from several connections): each timed step runs this many. */
    concurrency: { type: 'string', default: '1' },
  },
});

const OPS = Number(args.ops);
const CONCURRENCY = Number(args.concurrency);
const only = args.only?.split(',');
const wanted = (name: string) => !only || only.includes(name);

async function main() {
  let url: string;
  let cleanup: () => Promise<void>;
  if (args.postgres) {
    const database = await benchDatabase();
    url = database.url;
    cleanup = () => database.drop();
  } else {
    const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'wizer-store-profile-'));
    url = `sqlite:${path.join(folder, 'bench.db')}`;
    cleanup = async () => fs.rmSync(folder, { recursive: true, force: true });
  }
  try {
    const { tenantId } = await createTenantWithToken(url, 'profile');
    const seeded = await bulkUsers(url, tenantId, Number(args.users), 'seed');
    const db = await openDatabase(url);
    if (args.postgres) await db.knex.raw('ANALYZE');
    const deps = { db, feed: new ChangeFeed() };
    const ctx: CallContext = { tenantId, actor: 'token:bench' };
    const pick = (i: number) => seeded.ids[(i * 7919) % seeded.ids.length]!;
    const page: Query = { offset: 0, limit: 100, descending: false, skipTotal: false };
    let created = 0;
    // Every write changes something (an identical write is a no-op).
    let written = 0;
    const operations: Record<string, (i: number) => Promise<unknown>> = {
      create: () => {
        const n = created++;
        // As the benchmark's Okta body: with a department (one of 40), so a membership and its event.
        const profile = benchProfile(`new${n}@bench.example`, n);
        profile.enterprise = { department: `Department ${n % 40}` };
        return createUser(deps, ctx, profile, `req-${n}`);
      },
      replace: (i) => {
        const id = pick(i);
        const n = seeded.ids.indexOf(id);
        return replaceUser(deps, ctx, id, { ...benchProfile(seeded.names[n]!, n), title: `t${written++}` });
      },
      // As the benchmark's PATCH: deactivate, then reactivate.
      patch: (i) => updateUser(deps, ctx, pick(Math.floor(i / 2)), { active: i % 2 === 1 }, ['active']),
      page100: () => listUsers(deps, ctx, page),
    };
    const rounds: Record<string, LoadResult[]> = {};
    /** The process's CPU time (every thread, user and system) per operation, µs: less noisy than the clock. */
    const cpuPerOp: Record<string, number[]> = {};
    // A warm-up pass, not reported.
    for (const [name, operation] of Object.entries(operations))
      if (wanted(name)) await timeSequential(operation, 100);
    for (let round = 0; round < Number(args.rounds); round++) {
      for (const [name, operation] of Object.entries(operations)) {
        if (!wanted(name)) continue;
        const count = name === 'page100' ? OPS / 2 : OPS;
        const cpu = process.cpuUsage();
        const result = await timeSequential(
          (i) => Promise.all(Array.from({ length: CONCURRENCY }, (_, k) => operation(i * CONCURRENCY + k))),
          count / CONCURRENCY,
        );
        result.rps *= CONCURRENCY;
        const used = process.cpuUsage(cpu);
        if (result.errors) throw new Error(`${name}: ${result.errors} errors`);
        (rounds[name] ??= []).push(result);
        (cpuPerOp[name] ??= []).push((used.user + used.system) / count);
      }
    }
    console.log(
      `${args.postgres ? 'PostgreSQL' : 'SQLite'}, ${args.users} users, ${OPS} ops × ${args.rounds} rounds`,
    );
    for (const [name, list] of Object.entries(rounds)) {
      const m = medianOf(list);
      console.log(
        `${name.padEnd(8)} ${m.rps.toFixed(0).padStart(6)} ops/s  p50 ${m.p50.toFixed(2)} ms  p99 ${m.p99.toFixed(2)} ms  CPU ${Math.min(
          ...cpuPerOp[name]!,
        )
          .toFixed(0)
          .padStart(4)} µs/op  (rounds: ${list.map((r) => r.rps.toFixed(0)).join(', ')})`,
      );
    }
    await db.close();
  } finally {
    await cleanup();
  }
}

await main();
