import type Router from '@koa/router';
import { ScimError } from '../errors/scim-error.js';
import { groupToScim } from '../scim/group-mapper.js';
import { listParams, listResponse, PUSHED_ONLY } from '../scim/list-params.js';
import { project } from '../scim/projection.js';
import { GROUP_TYPE, USER_TYPE } from '../scim/schemas.js';
import { userToScim } from '../scim/user-mapper.js';
import { asCaller, baseUrlOf, bodyOf, callerOf, send, type RouteDeps } from './context.js';

/**
 * POST /.search at the root (RFC 7644 §3.4.3): users, then groups, as one list.
 * A filter naming an attribute one type lacks matches nothing of that type.
 */
export function rootSearchRoute(router: Router, deps: RouteDeps): void {
  const { directory } = deps.directory;
  router.post('/.search', async (ctx) => {
    const body = await bodyOf(ctx, deps);
    const tenantId = callerOf(ctx).tenantId;
    const paramsFor = (type: typeof USER_TYPE) => {
      try {
        return listParams(type, body, deps.limits, type === GROUP_TYPE ? PUSHED_ONLY : undefined);
      } catch (error) {
        if (
          error instanceof ScimError &&
          error.scimType === 'invalidFilter' &&
          /unknown attribute/.test(error.detail)
        )
          return undefined;
        throw error;
      }
    };
    const userParams = paramsFor(USER_TYPE);
    const groupParams = paramsFor(GROUP_TYPE);
    const params = userParams ?? groupParams;
    if (!params)
      throw new ScimError(400, 'The filter names no attribute of Users or Groups.', 'invalidFilter');
    const count = params.query.limit ?? deps.limits.defaultCount;
    const base = baseUrlOf(ctx);
    const resources: unknown[] = [];
    let userTotal = 0;
    if (userParams) {
      const users = await directory.listUsers(
        { tenantId, query: userParams.query, withoutMemberships: false },
        asCaller(ctx),
      );
      userTotal = users.total ?? 0;
      resources.push(
        ...users.users.map((u) =>
          project(USER_TYPE, userToScim(u, base), params.attributes, params.excludedAttributes),
        ),
      );
    }
    let groupTotal = 0;
    if (groupParams) {
      const offset = Math.max(0, params.query.offset - userTotal);
      const limit = Math.max(0, count - resources.length);
      const groups = await directory.listDepartments(
        { tenantId, query: { ...groupParams.query, offset, limit } },
        asCaller(ctx),
      );
      groupTotal = groups.total ?? 0;
      resources.push(
        ...groups.departments.map((d) =>
          project(GROUP_TYPE, groupToScim(d, undefined, base), params.attributes, params.excludedAttributes),
        ),
      );
    }
    send(ctx, 200, listResponse(resources, userTotal + groupTotal, params.startIndex));
  });
}
