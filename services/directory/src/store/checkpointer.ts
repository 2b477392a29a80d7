import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Copies a SQLite database's write-ahead log back into the database file on a thread of its
 * own, so that the event loop never waits for it.
 *
 * In WAL mode a commit appends the pages it changed to the log; a checkpoint copies them
 * into the database file and syncs both to disk. SQLite runs one on the committing
 * connection every 1,000 log pages by default: with a user's row and its ~15 index entries,
 * its emails and its event, that was every ~20 creates, and each one held the event loop
 * for the copy and two fsyncs (milliseconds on a busy disk: most of a create's time and all
 * of its p99). Here a second connection, in a worker thread, runs a PASSIVE checkpoint
 * instead, every `activeMs` while the log grows and every `idleMs` once it stops: PASSIVE
 * never blocks the writer nor readers, and the writer starts the log over once a checkpoint
 * has copied all of it.
 *
 * The service's connection keeps an automatic checkpoint, at `fallbackPages` (see db.ts), as
 * a bound: should this thread fall behind or stop, the log is checkpointed there as before,
 * only more rarely. Under a steady stream of writes it does run: a PASSIVE checkpoint copies
 * the log as it was when it started, commits land meanwhile, so the log is never all copied
 * and never started over. That checkpoint then holds the event loop while it copies what
 * this thread has not yet copied, and syncs. Hence the short interval while writes come: the
 * less is left, the shorter that pause. Measured, 10 connections of POST /Users (~1,750/s,
 * ~30,000 log pages a second): every 100 ms, 32 commits over 5 ms in 8 s, up to 27 ms, and a
 * request p99 of 21 ms; every 10 ms, 14 such commits, up to 9 ms, p99 11 ms. The same
 * throughput each way on that machine. But each pass copies every page changed since the one
 * before, and the pages most writes change (the ends of the tables and of their time- and
 * id-ordered indexes) are copied once per pass: on a host where file I/O weighs more (~700
 * creates/s), 40 ms against 10 ms, 11 alternating pairs: the directory's CPU a create 935
 * against 1,050 µs (its kernel time ~130 against ~210 µs), request p99 the same (25.5 against
 * 25.8 ms on average); a sync of 2,000 users by 8 clients, 5 pairs: 1,228 against 1,394 µs a
 * user, 502 against 478 users/s. Hence 40 ms while the log grows, else 100.
 *
 * Durability is unchanged in kind: with synchronous = NORMAL a commit is in the log (safe
 * from a process crash) and reaches the disk at the next checkpoint's sync, so an OS crash
 * or power loss can roll back the commits of the last interval (before: the last ~20).
 */
export class Checkpointer {
  private readonly worker: Worker;
  private readonly exited: Promise<void>;

  constructor(filename: string, activeMs = 40, idleMs = 100) {
    // The worker's code is plain JavaScript given as text (no file to find under tsx, ava or
    // the production build), requiring the driver the service itself loaded.
    const driver = createRequire(import.meta.url).resolve('better-sqlite3');
    this.worker = new Worker(WORKER, { eval: true, workerData: { driver, filename, activeMs, idleMs } });
    // Never keeps the process alive, and an error there only leaves the fallback to work.
    this.worker.unref();
    this.worker.on('error', () => {});
    this.exited = new Promise((resolve) => this.worker.once('exit', () => resolve()));
  }

  /** Stops the thread (its connection closes with it; a checkpoint under way finishes first). */
  async close(): Promise<void> {
    this.worker.postMessage('stop');
    const timer = setTimeout(() => void this.worker.terminate(), 5000);
    await this.exited;
    clearTimeout(timer);
  }
}

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.filename, { fileMustExist: true });
db.pragma('busy_timeout = 1000');
db.pragma('synchronous = NORMAL');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
// The log's length in frames at the last pass: when it has not changed, nothing was written.
let last = -1;
let timer;
const pass = () => {
  let log = last;
  try {
    log = checkpoint.get().log;
  } catch {
    // Busy (another checkpoint is running) or briefly unavailable: the next pass tries again.
  }
  const writing = log !== last;
  last = log;
  timer = setTimeout(pass, writing ? workerData.activeMs : workerData.idleMs);
};
pass();
parentPort.on('message', () => {
  clearTimeout(timer);
  db.close();
  parentPort.close();
});
`;
