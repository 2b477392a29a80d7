import type Router from '@koa/router';
import type { Context } from 'koa';
import { isVersionMismatch } from '../errors/grpc-to-scim.js';
import { ScimError, versionMismatch } from '../errors/scim-error.js';
import { listParams, listResponse } from '../scim/list-params.js';
import { applyOperations } from '../scim/patch/apply.js';
import { parseOperations } from '../scim/patch/operations.js';
import { project, projectionOf } from '../scim/projection.js';
import { USER_SCHEMA, USER_TYPE } from '../scim/schemas.js';
import { userFromScim, userToScim } from '../scim/user-mapper.js';
import {
  asCaller,
  baseUrlOf,
  bodyOf,
  callerOf,
  ifMatch,
  send,
  requestIdOf,
  type RouteDeps,
} from './context.js';
import { updateMaskOf } from '../scim/user-mask.js';
import type { User } from '#proto/user.js';

/**
 * How often a PATCH without If-Match re-reads and re-applies after losing a race. Every lost
 * race means another write to the user committed, so the cap is reached only under a
 * sustained stream of writes to one user; the answer is then 503 with Retry-After, never
 * 412: the client named no version, and Okta and Entra log a 412 as a failed push.
 */
const PATCH_ATTEMPTS = 100;

const wantsGroups = (attributes?: string[], excluded?: string[]) => {
  const has = (list: string[]) =>
    list.some((a) => a.toLowerCase().replace(`${USER_SCHEMA.toLowerCase()}:`, '').startsWith('groups'));
  return attributes ? has(attributes) : !(excluded && has(excluded));
};

/** /Users: list, search, create, read, replace, patch, delete (RFC 7644 §3). */
export function userRoutes(router: Router, deps: RouteDeps): void {
  const { directory } = deps.directory;

  const respond = (ctx: Context, status: number, user: User) => {
    const resource = userToScim(user, baseUrlOf(ctx));
    const { attributes, excludedAttributes } = projectionOf(ctx.query);
    send(ctx, status, project(USER_TYPE, resource, attributes, excludedAttributes), user.version);
    if (status === 201)
      ctx.set('Location', resource.meta ? (resource.meta as { location: string }).location : '');
  };

  const list = async (ctx: Context, source: Record<string, unknown>) => {
    const params = listParams(USER_TYPE, source, deps.limits);
    const page = await directory.listUsers(
      {
        tenantId: callerOf(ctx).tenantId,
        query: params.query,
        withoutMemberships: !wantsGroups(params.attributes, params.excludedAttributes),
      },
      asCaller(ctx),
    );
    const base = baseUrlOf(ctx);
    const resources = page.users.map((u) =>
      project(USER_TYPE, userToScim(u, base), params.attributes, params.excludedAttributes),
    );
    send(ctx, 200, listResponse(resources, page.total, params.startIndex, page.nextCursor));
  };

  router.get('/Users', (ctx) => list(ctx, ctx.query));
  router.post('/Users/.search', async (ctx) => list(ctx, await bodyOf(ctx, deps)));

  router.post('/Users', async (ctx) => {
    const body = await bodyOf(ctx, deps);
    const user = await directory.createUser(
      {
        tenantId: callerOf(ctx).tenantId,
        user: userFromScim(body),
        requestId: requestIdOf(ctx),
      },
      asCaller(ctx),
    );
    respond(ctx, 201, user);
  });

  router.get('/Users/:id', async (ctx) => {
    respond(
      ctx,
      200,
      await directory.getUser({ tenantId: callerOf(ctx).tenantId, id: ctx.params.id! }, asCaller(ctx)),
    );
  });

  router.put('/Users/:id', async (ctx) => {
    const body = await bodyOf(ctx, deps);
    const user = await directory.replaceUser(
      {
        tenantId: callerOf(ctx).tenantId,
        user: userFromScim(body, ctx.params.id),
        expectedVersion: ifMatch(ctx),
      },
      asCaller(ctx),
    );
    respond(ctx, 200, user);
  });

  router.patch('/Users/:id', async (ctx) => {
    const operations = parseOperations(await bodyOf(ctx, deps), deps.limits.patchOperations);
    const expected = ifMatch(ctx);
    const tenantId = callerOf(ctx).tenantId;
    for (let attempt = 1; ; attempt++) {
      const current = await directory.getUser({ tenantId, id: ctx.params.id! }, asCaller(ctx));
      if (expected !== undefined && current.version !== expected) {
        throw versionMismatch();
      }
      // Patch the document the client would read, then send the directory only the touched fields.
      const { meta: _meta, groups: _groups, ...doc } = userToScim(current, baseUrlOf(ctx));
      const touched = applyOperations(USER_TYPE, doc, operations);
      const mask = updateMaskOf(touched);
      if (mask.length === 0) return respond(ctx, 200, current);
      try {
        const user = await directory.updateUser(
          {
            tenantId,
            id: current.id,
            user: userFromScim(doc, current.id),
            updateMask: mask,
            expectedVersion: current.version,
          },
          asCaller(ctx),
        );
        return respond(ctx, 200, user);
      } catch (error) {
        // With If-Match the directory's VERSION_MISMATCH is the client's 412: nothing was written.
        if (!isVersionMismatch(error) || expected !== undefined) throw error;
        if (attempt >= PATCH_ATTEMPTS) {
          throw new ScimError(
            503,
            'The user is changing too fast to apply this PATCH; retry shortly.',
            undefined,
            {
              'Retry-After': '1',
            },
          );
        }
      }
    }
  });

  router.delete('/Users/:id', async (ctx) => {
    await directory.deleteUser(
      { tenantId: callerOf(ctx).tenantId, id: ctx.params.id!, expectedVersion: ifMatch(ctx) },
      asCaller(ctx),
    );
    ctx.status = 204;
  });
}
