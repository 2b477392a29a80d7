import type { Context } from 'koa';
import type { DirectoryClients } from '@wizer/directory-client';
import { UNAUTHORIZED, type Caller } from '../auth.js';
import { readJson } from '../body.js';
import { SCIM_CONTENT_TYPE } from '../errors/middleware.js';
import { ScimError } from '../errors/scim-error.js';
import type { Limits } from '../limits.js';
import { etagOf } from '../scim/user-mapper.js';
import { uuid7 } from '../../../services/shared/uuid7.js';

export interface RouteDeps {
  directory: DirectoryClients;
  limits: Limits;
  bodyLimit: number;
}

/**
 * The authenticated caller of this request. The SCIM gate sets it before any route runs; should a
 * route ever be reached without one, the request is refused (401) rather than served or crashed.
 */
export function callerOf(ctx: Context): Caller {
  const caller = ctx.state.caller as Caller | undefined;
  if (!caller) throw UNAUTHORIZED();
  return caller;
}

/** Settings for every directory call made on behalf of this request. */
export const asCaller = (ctx: Context) => ({ actor: callerOf(ctx).actor });

/** The SCIM base URL this request came in on, for `Location` and `$ref`. */
export const baseUrlOf = (ctx: Context): string =>
  `${ctx.protocol}://${ctx.host}${ctx.state.scimPrefix as string}`;

/** The request's JSON body, read only for an authenticated caller (see callerOf). */
export async function bodyOf(ctx: Context, deps: RouteDeps): Promise<Record<string, unknown>> {
  callerOf(ctx);
  const body = await readJson(ctx, deps.bodyLimit, deps.limits.jsonDepth);
  ctx.state.body = body;
  return body;
}

/**
 * The version an `If-Match` header asks for: `W/"3"` or `"3"`; `*` or none is no
 * condition. A tag this service never issued cannot match (412).
 */
export function ifMatch(ctx: Context): number | undefined {
  const header = ctx.get('if-match').trim();
  if (!header || header === '*') return undefined;
  const match = /^(?:W\/)?"(\d+)"$/.exec(header);
  if (!match) throw new ScimError(412, 'If-Match does not name a version of this resource.');
  return Number(match[1]);
}

export function send(ctx: Context, status: number, body: unknown, version?: number): void {
  ctx.status = status;
  ctx.type = SCIM_CONTENT_TYPE;
  ctx.body = body;
  if (version !== undefined) ctx.set('ETag', etagOf(version));
}

/**
 * The request id a create carries to the directory: the client's Idempotency-Key, or
 * one per HTTP request, so that the gRPC client may retry a create after UNAVAILABLE
 * without creating twice. Time-ordered (UUIDv7), as the directory's resource ids are
 * (services/directory/src/domain/resource-ids.ts): the store keeps it in a unique index.
 */
export const requestIdOf = (ctx: Context): string =>
  ctx.get('idempotency-key').slice(0, 128) || `http:${uuid7()}`;
