import type { Middleware } from 'koa';

/** Where the SCIM API is served: Wizer's published base path, and the short one. */
export const SCIM_PREFIXES = ['/api/v1/scim/v2', '/scim/v2'];

/**
 * The SCIM prefixes as @koa/router matches them: path-to-regexp compiles routes with the `i`
 * flag (case-insensitive, no `u`), so the gate uses the very same flag. Any path a SCIM route
 * matches therefore starts with a string these match, whatever its case.
 */
const PREFIX_PATTERNS = SCIM_PREFIXES.map(
  (prefix) => [prefix, new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?=/|$)`, 'i')] as const,
);

/**
 * RFC 7644 §4 discovery endpoints, which a client reads before it has a token. Matched with the
 * router's own rules (any case, an optional trailing slash, one path segment after the name).
 * None of the resource routes (/Users, /Groups, /.search) can match a path these match.
 */
const DISCOVERY = /^\/(?:serviceproviderconfig|resourcetypes|schemas)(?:\/[^/]+)?\/?$/i;

/** The published SCIM prefix a request path is under, and the rest of the path; undefined if none. */
export function scimPathOf(path: string): { prefix: string; rest: string } | undefined {
  for (const [prefix, pattern] of PREFIX_PATTERNS) {
    const match = pattern.exec(path);
    if (match) return { prefix, rest: path.slice(match[0].length) };
  }
  return undefined;
}

/** Whether the part of a path after the SCIM prefix is a discovery endpoint (served without a token). */
export const isDiscovery = (rest: string): boolean => DISCOVERY.test(rest);

/**
 * The door to the SCIM API, mounted on the app before any router: every request under a SCIM
 * prefix, in any case, is authenticated and rate-limited here, except the discovery endpoints.
 * A router's own `use()` middleware is not enough: @koa/router matches it case-sensitively
 * while its routes match case-insensitively, so `/API/V1/SCIM/V2/Users` reached a handler with
 * no caller. Handlers read bodies, so nothing is read before the caller is known.
 */
export function scimGate(authenticate: Middleware, rateLimit: Middleware): Middleware {
  return async (ctx, next) => {
    const scim = scimPathOf(ctx.path);
    if (!scim) return next();
    // Location and $ref use the published spelling of the prefix the request came in on.
    ctx.state.scimPrefix = scim.prefix;
    if (isDiscovery(scim.rest)) return next();
    return authenticate(ctx, () => rateLimit(ctx, next));
  };
}
