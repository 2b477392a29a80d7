import type { Context, Middleware } from 'koa';
import type { Caller } from '../auth.js';
import { grpcToScim } from './grpc-to-scim.js';
import type { RejectionLog } from './rejection-log.js';
import { ScimError } from './scim-error.js';

export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';

/** Any thrown thing → the ScimError the client sees. */
export function toScimError(error: unknown): ScimError {
  if (error instanceof ScimError) return error;
  const mapped = grpcToScim(error);
  if (mapped) return mapped;
  // Koa / router errors (405, 404…) carry a status and an exposable message.
  const status = (error as { status?: number }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new ScimError(
      status,
      status === 405 ? 'Method not allowed on this resource.' : 'The request was refused.',
    );
  }
  return new ScimError(500, 'An internal error occurred.');
}

/**
 * The SCIM error for a status Koa or the router set without a body: 404 for a path no route
 * matches, 405 for a method a path does not take (the router has set `Allow`), 501 for a method
 * no route takes (PROPFIND, QUERY…).
 */
function bodilessError(ctx: Context): ScimError {
  switch (ctx.status) {
    case 404:
      return new ScimError(404, `No such endpoint: ${ctx.method} ${ctx.path}`);
    case 405:
      return new ScimError(405, `Method ${ctx.method} is not allowed on this resource.`);
    case 501:
      return new ScimError(501, `Method ${ctx.method} is not supported.`);
    default:
      return new ScimError(ctx.status, 'The request was refused.');
  }
}

/** What the provisioning log should say the rejected request was about. */
function subjectOf(ctx: Context): { resourceType: string; resourceId: string; resourceName: string } {
  const path = ctx.path.toLowerCase();
  const body = ctx.state.body as Record<string, unknown> | undefined;
  const resourceType = path.includes('/groups') ? 'group' : path.includes('/users') ? 'user' : 'request';
  const name = body && (body.userName ?? body.displayName);
  return {
    resourceType,
    resourceId: typeof ctx.params?.id === 'string' ? ctx.params.id : '',
    resourceName: typeof name === 'string' ? name : '',
  };
}

/**
 * The first middleware: turns every failure into a SCIM Error response (RFC 7644
 * §3.12), and tells the (sampled) provisioning log of rejected requests of an
 * authenticated tenant, so support can answer "why is this user missing?".
 */
export function scimErrors(rejections: RejectionLog): Middleware {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status >= 400 && ctx.body == null) throw bodilessError(ctx);
    } catch (error) {
      const scim = toScimError(error);
      ctx.status = scim.status;
      ctx.type = SCIM_CONTENT_TYPE;
      ctx.body = scim.toJSON();
      for (const [name, value] of Object.entries(scim.headers)) ctx.set(name, value);
      ctx.state.scimType = scim.scimType;
      // 501 is a client's unknown method, not a failure of ours.
      if (scim.status >= 500 && scim.status !== 501) ctx.app.emit('error', error, ctx);
      const caller = ctx.state.caller as Caller | undefined;
      if (caller && scim.status >= 400 && scim.status < 500) {
        await rejections.rejected({
          tenantId: caller.tenantId,
          actor: caller.actor,
          operation: `${ctx.method} ${ctx.path}`,
          route: `${ctx.method} ${ctx._matchedRoute ? String(ctx._matchedRoute) : 'unmatched'}`,
          reason: scim.detail,
          httpStatus: scim.status,
          scimType: scim.scimType ?? '',
          ...subjectOf(ctx),
        });
      }
    }
  };
}
