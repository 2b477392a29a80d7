import type Router from '@koa/router';
import { groupToScim } from '../scim/group-mapper.js';
import { listParams, listResponse, PUSHED_ONLY } from '../scim/list-params.js';
import { project } from '../scim/projection.js';
import { GROUP_TYPE, USER_TYPE } from '../scim/schemas.js';
import { userToScim } from '../scim/user-mapper.js';
import { asCaller, baseUrlOf, bodyOf, callerOf, send, type RouteDeps } from './context.js';

/**
 * POST /.search at the root (RFC 7644 §3.4.3): users, then groups, as one list.
 * A filter term about an attribute one type lacks is false for that type.
 */
export function rootSearchRoute(router: Router, deps: RouteDeps): void {
  const { directory } = deps.directory;
  router.post('/.search', async (ctx) => {
    const body = await bodyOf(ctx, deps);
    const tenantId = callerOf(ctx).tenantId;
    const lenient = { unknownMatchesNothing: true };
    const userParams = listParams(USER_TYPE, body, deps.limits, undefined, lenient);
    const groupParams = listParams(GROUP_TYPE, body, deps.limits, PUSHED_ONLY, lenient);
    const { attributes, excludedAttributes, startIndex } = userParams;
    const count = userParams.query.limit ?? deps.limits.defaultCount;
    const base = baseUrlOf(ctx);
    const resources: unknown[] = [];
    const users = await directory.listUsers(
      { tenantId, query: userParams.query, withoutMemberships: false },
      asCaller(ctx),
    );
    const userTotal = users.total ?? 0;
    for (const user of users.users) {
      resources.push(project(USER_TYPE, userToScim(user, base), attributes, excludedAttributes));
    }
    // Groups follow users: their page starts where the users ran out.
    const offset = Math.max(0, userParams.query.offset - userTotal);
    const limit = Math.max(0, count - resources.length);
    const groups = await directory.listDepartments(
      { tenantId, query: { ...groupParams.query, offset, limit } },
      asCaller(ctx),
    );
    for (const department of groups.departments) {
      resources.push(
        project(GROUP_TYPE, groupToScim(department, undefined, base), attributes, excludedAttributes),
      );
    }
    send(ctx, 200, listResponse(resources, userTotal + (groups.total ?? 0), startIndex));
  });
}
