import type { Middleware } from 'koa';
import type { DirectoryClients } from '@wizer/directory-client';
import { grpcToScim } from './errors/grpc-to-scim.js';
import { ScimError } from './errors/scim-error.js';

export interface Caller {
  tenantId: string;
  tokenId: string;
  /** Recorded in the provisioning log for every change this request makes. */
  actor: string;
}

/** The 401 every unauthenticated SCIM request gets (RFC 6750 §3: with a WWW-Authenticate challenge). */
export const UNAUTHORIZED = () =>
  new ScimError(
    401,
    'Authentication required: send the API token Wizer issued as "Authorization: Bearer <token>".',
    undefined,
    {
      'WWW-Authenticate': 'Bearer realm="Wizer SCIM"',
    },
  );

/**
 * The token from the Authorization header: `Bearer <token>` with the scheme in
 * any case, or the bare token, since Okta's Header Auth app sends the API Token
 * field verbatim and admins paste either form.
 */
export function tokenOf(header: string): string | undefined {
  const value = header.trim();
  const match = /^bearer\s+(\S+)$/i.exec(value);
  if (match) return match[1];
  return value && !/\s/.test(value) ? value : undefined;
}

/** The shape of every token Wizer issues: anything else is refused without asking the directory. */
const TOKEN_SHAPE = /^wzr_scim_[A-Za-z0-9_-]{43}$/;
const CACHE_LIMIT = 10_000;

/**
 * Authenticates every request through the directory. Answers, and refusals, are
 * cached for `cacheMs` (default 1 s), so a revoked token
 * stops working within that time on every gateway, and a flood of bad tokens costs
 * at most one directory call per token per second. `now` (milliseconds) is the
 * cache's clock; tests pass their own.
 */
export function authenticate(
  directory: DirectoryClients,
  cacheMs = 1000,
  now: () => number = Date.now,
): Middleware {
  // Keyed by the token itself: it is in this process's memory for the request anyway, and
  // hashing it on every request cost more than the lookup.
  const cache = new Map<string, { answer: Promise<Caller | undefined>; until: number }>();
  const ask = async (token: string): Promise<Caller | undefined> => {
    try {
      const auth = await directory.admin.authenticateToken({ token });
      return { tenantId: auth.tenantId, tokenId: auth.tokenId, actor: `token:${auth.tokenId}` };
    } catch (error) {
      const mapped = grpcToScim(error);
      if (mapped?.status !== 401) throw mapped ?? error;
      return undefined;
    }
  };
  return async (ctx, next) => {
    const token = tokenOf(ctx.get('authorization'));
    if (!token || !TOKEN_SHAPE.test(token)) throw UNAUTHORIZED();
    const at = now();
    let hit = cache.get(token);
    if (!hit || hit.until <= at) {
      // Requests arriving together share one directory call (an expiry under load is one call, not many).
      hit = { answer: ask(token), until: at + cacheMs };
      if (cache.size >= CACHE_LIMIT) cache.clear();
      cache.set(token, hit);
      const asked = hit;
      // A failed call (directory down) is not remembered: the next request asks again.
      asked.answer.catch(() => {
        if (cache.get(token) === asked) cache.delete(token);
      });
    }
    const caller = await hit.answer;
    if (!caller) throw UNAUTHORIZED();
    ctx.state.caller = caller;
    await next();
  };
}
