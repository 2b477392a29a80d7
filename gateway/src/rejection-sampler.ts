/** One rejected SCIM request of an authenticated tenant, as the provisioning log is told it. */
export interface Rejection {
  tenantId: string;
  /** "token:<id>": who sent it. */
  actor: string;
  /** What the client sent, e.g. "GET /api/v1/scim/v2/Users/8c1…". */
  operation: string;
  /** The method and route pattern, e.g. "GET /api/v1/scim/v2/Users/:id" ("… unmatched" for none). */
  route: string;
  reason: string;
  httpStatus: number;
  scimType: string;
  resourceType: string;
  resourceId: string;
  /** The userName or displayName the request named, if any. */
  resourceName: string;
}

/** An entry to write: a rejection as it happened (repeats 0), or a summary standing for `repeats` more. */
export interface RejectionEntry extends Rejection {
  repeats: number;
}

/** How much of a tenant's rejections is logged one by one. */
export interface RejectionLogLimits {
  /** Entries per second a tenant may have written, with bursts of `burst`; for each of the two lanes. */
  rps: number;
  burst: number;
  /** How long identical repeats (and rejections over the cap) are counted before their summary is written. */
  windowMs: number;
}

export const DEFAULT_REJECTION_LOG: RejectionLogLimits = { rps: 10, burst: 50, windowMs: 60_000 };

/**
 * Two budgets per tenant: rejections that name a user or group (409 for userName X, a
 * bad body for X) answer "why is X missing?", the main support question, so a flood of
 * anonymous ones (404s for unknown ids, 429s) must not use up their budget.
 */
type Lane = 'named' | 'anonymous';

interface Bucket {
  tokens: number;
  at: number;
}

/** A logged rejection whose identical repeats are being counted. */
interface Folded {
  first: Rejection;
  opened: number;
  repeats: number;
}

/** Rejections of a tenant over its budget: only counted. */
interface Overflow {
  opened: number;
  count: number;
  last: Rejection;
  byStatus: Map<number, number>;
  /** A few of the users or groups those rejections were about, named in the summary's reason. */
  names: Set<string>;
  moreNames: boolean;
}

const NAMES_IN_SUMMARY = 20;

/**
 * Decides which rejections reach the provisioning log, so that one tenant's flood
 * cannot fill the log (and hold the directory's write lock) at the expense of others:
 *
 * - The first occurrence of a (status, scimType, method + route, subject) is logged.
 *   Identical repeats within `windowMs` of it are counted, and one summary entry
 *   ("N more like this") is written when the window closes.
 * - First occurrences spend a token of the tenant's bucket (`rps`, `burst`), one bucket
 *   for rejections naming a user or group and one for the rest. Without a token the
 *   rejection is only counted, and one summary per tenant is written when its window closes.
 *
 * Pure bookkeeping with an injected clock: the caller writes what `admit` and `due` say.
 * Memory: two buckets per tenant seen, and the keys the budgets let through in one window.
 */
export class RejectionSampler {
  private readonly buckets = new Map<string, Record<Lane, Bucket>>();
  /** Insertion order is opening order (the clock only moves forward): the oldest come first. */
  private readonly folded = new Map<string, Folded>();
  private readonly overflows = new Map<string, Overflow>();
  /** Summaries of windows found closed by `admit`, waiting for `due`. */
  private readonly closed: RejectionEntry[] = [];

  constructor(
    private readonly limits: RejectionLogLimits = DEFAULT_REJECTION_LOG,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether to write this rejection now; when not, it is counted into a later summary. */
  admit(rejection: Rejection): boolean {
    const t = this.now();
    const key = keyOf(rejection);
    const open = this.folded.get(key);
    if (open && t < open.opened + this.limits.windowMs) {
      open.repeats += 1;
      return false;
    }
    if (open) this.close(key, open);
    const lane: Lane = rejection.resourceName ? 'named' : 'anonymous';
    if (this.take(rejection.tenantId, lane, t)) {
      this.folded.set(key, { first: rejection, opened: t, repeats: 0 });
      return true;
    }
    let overflow = this.overflows.get(rejection.tenantId);
    if (overflow && t >= overflow.opened + this.limits.windowMs) {
      this.closeOverflow(rejection.tenantId, overflow);
      overflow = undefined;
    }
    if (!overflow) {
      overflow = {
        opened: t,
        count: 0,
        last: rejection,
        byStatus: new Map(),
        names: new Set(),
        moreNames: false,
      };
      this.overflows.set(rejection.tenantId, overflow);
    }
    overflow.count += 1;
    overflow.last = rejection;
    overflow.byStatus.set(rejection.httpStatus, (overflow.byStatus.get(rejection.httpStatus) ?? 0) + 1);
    const name = rejection.resourceName;
    if (name && overflow.names.size < NAMES_IN_SUMMARY) overflow.names.add(name);
    else if (name && !overflow.names.has(name)) overflow.moreNames = true;
    return false;
  }

  /** The summaries of every window that has closed by now; each is returned once. */
  due(): RejectionEntry[] {
    return this.collect(this.now());
  }

  /** Every summary still pending, closed or not (at shutdown). */
  flushAll(): RejectionEntry[] {
    return this.collect(Infinity);
  }

  private collect(until: number): RejectionEntry[] {
    for (const [key, open] of this.folded) {
      if (until < open.opened + this.limits.windowMs) break;
      this.close(key, open);
    }
    for (const [tenantId, overflow] of this.overflows) {
      if (until < overflow.opened + this.limits.windowMs) break;
      this.closeOverflow(tenantId, overflow);
    }
    return this.closed.splice(0);
  }

  private take(tenantId: string, lane: Lane, t: number): boolean {
    const { rps, burst } = this.limits;
    let buckets = this.buckets.get(tenantId);
    if (!buckets) {
      buckets = { named: { tokens: burst, at: t }, anonymous: { tokens: burst, at: t } };
      this.buckets.set(tenantId, buckets);
    }
    const bucket = buckets[lane];
    bucket.tokens = Math.min(burst, bucket.tokens + (Math.max(0, t - bucket.at) / 1000) * rps);
    bucket.at = t;
    if (bucket.tokens < 1) return false;
    bucket.tokens -= 1;
    return true;
  }

  private close(key: string, open: Folded): void {
    this.folded.delete(key);
    if (open.repeats === 0) return;
    const { first } = open;
    const subject = first.resourceName || first.resourceId;
    this.closed.push({
      ...first,
      repeats: open.repeats,
      reason:
        `${open.repeats} more like this (${first.httpStatus}${first.scimType ? ` ${first.scimType}` : ''} ` +
        `on ${first.route}${subject ? ` for ${subject}` : ''}) within ${seconds(this.limits.windowMs)} ` +
        `of the one logged: ${first.reason}`,
    });
  }

  private closeOverflow(tenantId: string, overflow: Overflow): void {
    this.overflows.delete(tenantId);
    const statuses = [...overflow.byStatus].sort((a, b) => b[1] - a[1]);
    const names = [...overflow.names];
    this.closed.push({
      tenantId,
      actor: overflow.last.actor,
      operation: 'rejections over the logging limit',
      route: '',
      reason:
        `${overflow.count} more rejection(s) within ${seconds(this.limits.windowMs)} were over this ` +
        `tenant's logging limit (${this.limits.rps}/s, bursts of ${this.limits.burst}) and were counted, ` +
        `not logged one by one: ${statuses.map(([status, n]) => `${status} ×${n}`).join(', ')}` +
        (names.length ? `; about ${names.join(', ')}${overflow.moreNames ? ', …' : ''}` : ''),
      httpStatus: statuses[0]?.[0] ?? 400,
      scimType: '',
      resourceType: 'request',
      resourceId: '',
      resourceName: '',
      repeats: overflow.count,
    });
  }
}

/** Identical rejections: same status, scimType, method and route, and subject (name, else id). */
function keyOf(r: Rejection): string {
  return JSON.stringify([
    r.tenantId,
    r.httpStatus,
    r.scimType,
    r.route,
    r.resourceName.toLowerCase() || r.resourceId,
  ]);
}

const seconds = (ms: number) => `${Math.round(ms / 1000)} s`;
