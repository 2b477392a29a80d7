import { EventEmitter } from 'node:events';
import type { Database } from '../store/db.js';

/**
 * Wakes watchers of a tenant's provisioning log when a transaction that appended
 * events commits, in this process or (through the relay) in another replica. Watchers
 * also poll, so a missed wake-up only delays them by `pollMs`.
 */
export class ChangeFeed {
  private readonly emitter = new EventEmitter().setMaxListeners(0);
  private readonly closing = new AbortController();
  private relay?: (tenantId: string) => void;

  /**
   * @param pollMs how long a watcher waits for a wake-up before it reads the log anyway:
   * the bound on how late it sees a change no wake-up told it about.
   */
  constructor(readonly pollMs = 1000) {}

  /** Also tells other replicas (PostgreSQL NOTIFY): see store/change-relay.ts. */
  relayTo(relay: (tenantId: string) => void): void {
    this.relay = relay;
  }

  /** Aborts when the service shuts down, so that watch streams end and calls can drain. */
  get closed(): AbortSignal {
    return this.closing.signal;
  }

  close(): void {
    this.closing.abort();
  }

  /** A transaction of this process that appended events to the tenant's log committed. */
  notify(tenantId: string): void {
    this.emitter.emit(tenantId);
    this.relay?.(tenantId);
  }

  /** Another replica committed events to the tenant's log: wake the watchers here only. */
  wake(tenantId: string): void {
    this.emitter.emit(tenantId);
  }

  /** Resolves on the tenant's next commit, after `timeoutMs`, or when `signal` aborts. */
  next(tenantId: string, timeoutMs: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.emitter.off(tenantId, done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.emitter.on(tenantId, done);
      signal.addEventListener('abort', done);
    });
  }
}

/** What every domain operation needs. */
export interface Deps {
  readonly db: Database;
  readonly feed: ChangeFeed;
}

/** Who is calling, for which tenant. */
export interface CallContext {
  readonly tenantId: string;
  /** "token:<id>", "service:<name>" or "admin": recorded in events. */
  readonly actor: string;
}

export const now = (): string => new Date().toISOString();
