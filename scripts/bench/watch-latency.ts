/**
 * Cross-replica watch latency on PostgreSQL: two directory processes on one database, a
 * watcher (WatchEvents, admin credential) on replica 2, writes (CreateUser) on replica 1, one
 * at a time; the latency is from the write's acknowledgement to the event's delivery.
 */
import { randomUUID } from 'node:crypto';
import { User } from '#proto/user.js';
import { connectDirectory } from '@wizer/directory-client';
import { percentiles } from './load.js';
import { ENTRIES, NODE_ARGS } from './build.js';
import { freePort, startProcess, waitFor } from './system.js';

export interface WatchLatency {
  writes: number;
  /** events that did not arrive within 5 s of their write's acknowledgement */
  missed: number;
  /** events that arrived before the write's acknowledgement (counted as 0 ms) */
  early: number;
  p50: number;
  p99: number;
  max: number;
}

export async function watchLatency(options: {
  env: Record<string, string>;
  /** replica 1, already running */
  replica1: string;
  credential: string;
  tenantId: string;
  writes: number;
  logFile: string;
}): Promise<WatchLatency> {
  const replica2 = `127.0.0.1:${await freePort()}`;
  const proc = startProcess(
    'directory replica 2',
    ENTRIES.directory,
    { ...options.env, DIRECTORY_ADDRESS: replica2 },
    NODE_ARGS,
    options.logFile,
  );
  const writer = connectDirectory(options.replica1, { actor: 'bench', credential: options.credential });
  const watcher = connectDirectory(replica2, { actor: 'bench', credential: options.credential });
  const abort = new AbortController();
  try {
    await waitFor('directory replica 2', () => watcher.serving());
    // Who waits for the event about which userName.
    const waiting = new Map<string, (at: number) => void>();
    let watching!: () => void;
    const ready = new Promise<void>((resolve) => (watching = resolve));
    const watch = (async () => {
      try {
        for await (const event of watcher.watchEvents(
          { tenantId: options.tenantId, afterSequence: 0 },
          abort.signal,
        )) {
          const at = performance.now();
          if (event.resourceName === 'watch-ready@bench.example') watching();
          waiting.get(event.resourceName)?.(at);
        }
      } catch {
        // cancelled at the end
      }
    })();
    const create = (userName: string) =>
      writer.directory.createUser({
        tenantId: options.tenantId,
        user: User.fromPartial({ userName, active: true }),
        requestId: randomUUID(),
      });
    // The watch is live once it delivers a write made after it opened.
    await create('watch-ready@bench.example');
    await Promise.race([ready, new Promise((r) => setTimeout(r, 10_000))]);
    const latencies: number[] = [];
    let missed = 0;
    let early = 0;
    for (let i = 0; i < options.writes; i++) {
      const userName = `watch${i}-${Date.now()}@bench.example`;
      const delivered = new Promise<number>((resolve) => waiting.set(userName, resolve));
      await create(userName);
      const acknowledged = performance.now();
      const at = await Promise.race([
        delivered,
        new Promise<number>((r) => setTimeout(() => r(-1), 5000).unref()),
      ]);
      waiting.delete(userName);
      if (at < 0) missed++;
      else {
        if (at < acknowledged) early++;
        latencies.push(Math.max(0, at - acknowledged));
      }
    }
    abort.abort();
    await watch;
    return {
      writes: options.writes,
      missed,
      early,
      ...percentiles(latencies),
      max: Math.max(...latencies),
    };
  } finally {
    abort.abort();
    writer.close();
    watcher.close();
    await proc.stop();
  }
}
