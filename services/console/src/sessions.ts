import { randomBytes, timingSafeEqual } from 'node:crypto';

/** Who signed in, as the directory answered AuthenticateOperator. */
export interface Operator {
  name: string;
  role: 'admin' | 'viewer';
}

export interface Session {
  id: string;
  operator: Operator;
  /** The form token of this session: every POST carries it in a hidden field. */
  csrf: string;
  expiresAt: number;
}

/**
 * Server-side sessions: the cookie holds only a random id (256 bits). A session lasts
 * `lifetimeMs` after its last request; `now` is injectable so tests expire one without waiting.
 */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(
    private readonly lifetimeMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  create(operator: Operator): Session {
    this.sweep();
    const session: Session = {
      id: randomBytes(32).toString('base64url'),
      operator,
      csrf: randomBytes(32).toString('base64url'),
      expiresAt: this.now() + this.lifetimeMs,
    };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session of that id, its lifetime renewed; undefined when unknown or expired. */
  get(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    if (session.expiresAt <= this.now()) {
      this.sessions.delete(id);
      return undefined;
    }
    session.expiresAt = this.now() + this.lifetimeMs;
    return session;
  }

  /** Whether the session is live, without renewing it (an open event stream is not activity). */
  alive(id: string): boolean {
    const session = this.sessions.get(id);
    return session !== undefined && session.expiresAt > this.now();
  }

  destroy(id: string | undefined): void {
    if (id) this.sessions.delete(id);
  }

  private sweep(): void {
    const at = this.now();
    for (const [id, session] of this.sessions) if (session.expiresAt <= at) this.sessions.delete(id);
  }
}

/** Whether a form's token is the session's, in constant time. */
export function csrfMatches(session: Session, given: unknown): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(session.csrf);
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Sign-in attempts per operator name: after `max` failures in `windowMs`, further attempts
 * of that name are refused until the window has passed, whatever the password.
 */
export class LoginLimiter {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly max = 5,
    private readonly windowMs = 15 * 60_000,
    private readonly now: () => number = Date.now,
  ) {}

  private recent(name: string): number[] {
    const key = name.trim().toLowerCase();
    const since = this.now() - this.windowMs;
    const list = (this.failures.get(key) ?? []).filter((t) => t > since);
    if (list.length) this.failures.set(key, list);
    else this.failures.delete(key);
    return list;
  }

  blocked(name: string): boolean {
    return this.recent(name).length >= this.max;
  }

  failed(name: string): void {
    const list = this.recent(name);
    list.push(this.now());
    this.failures.set(name.trim().toLowerCase(), list);
    if (this.failures.size > 10_000) this.failures.clear();
  }

  succeeded(name: string): void {
    this.failures.delete(name.trim().toLowerCase());
  }
}
