import { randomUUID } from 'node:crypto';
import Router from '@koa/router';
import Koa from 'koa';
import type { DirectoryClients } from '@wizer/directory-client';
import { errorSummary } from '../../services/directory/error-summary.js';
import { authenticate, type Caller } from './auth.js';
import { scimErrors } from './errors/middleware.js';
import { rejectionLog, type RejectionLog } from './errors/rejection-log.js';
import { DEFAULT_LIMITS, type Limits } from './limits.js';
import { DEFAULT_RATE_LIMITS, rateLimit, type RateLimits } from './rate-limit.js';
import type { RouteDeps } from './routes/context.js';
import { discoveryRoutes } from './routes/discovery.js';
import { groupRoutes } from './routes/groups.js';
import { rootSearchRoute } from './routes/search.js';
import { userRoutes } from './routes/users.js';
import { operationRoutes } from './routes/operations.js';
import { observeRequest, rejectedRequests } from './metrics.js';
import { scimGate, SCIM_PREFIXES } from './scim-gate.js';

export { SCIM_PREFIXES } from './scim-gate.js';

export interface Logger {
  info(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  /** Where the full error of a failed request goes: off at the default level. */
  debug?(obj: object, msg?: string): void;
}

export interface AppOptions {
  directory: DirectoryClients;
  /** Request limits; any left out take their defaults. */
  limits?: Partial<Limits>;
  /** Per-tenant request rates; default 1,000/s with bursts of 2,000. */
  rateLimits?: RateLimits;
  /** Largest accepted request body, in bytes. */
  bodyLimit: number;
  /** How long an authenticated token is trusted before asking the directory again. */
  authCacheMs?: number;
  /** The clock (milliseconds) of the auth cache and the rate limiter; default Date.now. Tests pass their own. */
  clock?: () => number;
  /** Trust X-Forwarded-* (only behind a proxy that sets them). */
  trustProxy?: boolean;
  /** Where rejected requests are logged; by default sampled with the default limits. */
  rejections?: RejectionLog;
  logger: Logger;
}

/** Builds the SCIM gateway. It does not listen: main.ts or a test does. */
export function buildApp(options: AppOptions): Koa {
  const app = new Koa({ proxy: options.trustProxy ?? false });
  const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
  const deps: RouteDeps = { directory: options.directory, limits, bodyLimit: options.bodyLimit };

  // One line per request: never a token, a password or a body.
  app.use(async (ctx, next) => {
    const started = performance.now();
    const given = ctx.get('x-request-id');
    const requestId = /^[\w-]{1,64}$/.test(given) ? given : randomUUID();
    ctx.set('X-Request-Id', requestId);
    try {
      await next();
    } finally {
      const route = ctx._matchedRoute ? String(ctx._matchedRoute) : 'unmatched';
      const ms = performance.now() - started;
      observeRequest(ctx.method, route, ctx.status, ms / 1000);
      const tenant = (ctx.state.caller as Caller | undefined)?.tenantId;
      if (tenant && ctx.status >= 400 && ctx.status < 500)
        rejectedRequests.inc({ tenant, status: String(ctx.status) });
      options.logger.info({
        requestId,
        tenant,
        method: ctx.method,
        route,
        status: ctx.status,
        ms,
        ...(ctx.state.scimType && { scimType: ctx.state.scimType }),
      });
    }
  });
  app.use(scimErrors(options.rejections ?? rejectionLog(options.directory, { logger: options.logger })));

  const operations = new Router();
  operationRoutes(operations, options.directory);
  app.use(operations.routes());

  // Authentication comes before every router, so no path variant reaches a handler without it.
  app.use(
    scimGate(
      authenticate(options.directory, options.authCacheMs, options.clock),
      rateLimit(options.rateLimits ?? DEFAULT_RATE_LIMITS, options.clock),
    ),
  );
  for (const prefix of SCIM_PREFIXES) {
    const discovery = new Router({ prefix });
    discoveryRoutes(discovery, limits, options.bodyLimit);

    const resources = new Router({ prefix });
    userRoutes(resources, deps);
    groupRoutes(resources, deps);
    rootSearchRoute(resources, deps);

    for (const router of [discovery, resources]) {
      app.use(router.routes());
      // Not thrown: the router then sets `Allow` on a 405, and scimErrors gives it a SCIM body.
      app.use(router.allowedMethods());
    }
  }
  // The error's class and code only: its message and stack (SQL from a driver, file paths) at debug.
  app.on('error', (error: unknown, ctx?: Koa.Context) => {
    const request = { method: ctx?.method, path: ctx?.path };
    options.logger.error({ ...request, ...errorSummary(error) }, 'request failed');
    options.logger.debug?.({ ...request, err: error }, 'request failed: details');
  });
  return app;
}
