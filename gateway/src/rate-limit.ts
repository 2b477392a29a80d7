import type { Middleware } from 'koa';
import type { Caller } from './auth.js';
import { ScimError } from './errors/scim-error.js';

/** Requests per second a tenant may sustain, and the burst it may send at once. */
export interface RateLimit {
  rps: number;
  burst: number;
}

export interface RateLimits {
  default: RateLimit;
  /** Per-tenant overrides, by tenant id. */
  tenants: Record<string, RateLimit>;
}

/**
 * Okta and Entra send a few requests per second per app in steady state; an initial sync of a large
 * customer is the peak, which these defaults still leave room for.
 */
export const DEFAULT_RATE_LIMITS: RateLimits = { default: { rps: 1000, burst: 2000 }, tenants: {} };

interface Bucket {
  tokens: number;
  at: number;
}

/**
 * A token bucket per tenant (after authentication), so one tenant's flood is refused
 * with 429 before it costs the directory anything, and the others keep their latency.
 * The defaults sit far above what an Okta or Entra push sends.
 */
export function rateLimit(limits: RateLimits, now: () => number = Date.now): Middleware {
  const buckets = new Map<string, Bucket>();
  return async (ctx, next) => {
    const caller = ctx.state.caller as Caller | undefined;
    if (caller) {
      const limit = limits.tenants[caller.tenantId] ?? limits.default;
      const t = now();
      const bucket = buckets.get(caller.tenantId) ?? { tokens: limit.burst, at: t };
      bucket.tokens = Math.min(limit.burst, bucket.tokens + ((t - bucket.at) / 1000) * limit.rps);
      bucket.at = t;
      buckets.set(caller.tenantId, bucket);
      if (bucket.tokens < 1) {
        const wait = Math.max(1, Math.ceil((1 - bucket.tokens) / limit.rps));
        throw new ScimError(
          429,
          `Too many requests for this tenant (limit ${limit.rps}/s); retry after ${wait} s.`,
          undefined,
          {
            'Retry-After': String(wait),
          },
        );
      }
      bucket.tokens -= 1;
    }
    await next();
  };
}
