import type Router from '@koa/router';
import type { Context } from 'koa';
import { Department, DepartmentOrigin, type Member } from '#proto/department.js';
import type { Query } from '#proto/query.js';
import { MembershipSource } from '#proto/user.js';
import { ScimError, versionMismatch } from '../errors/scim-error.js';
import { groupFromScim, groupToScim } from '../scim/group-mapper.js';
import { listParams, listResponse, PUSHED_ONLY } from '../scim/list-params.js';
import { groupChanges } from '../scim/patch/group-changes.js';
import { parseOperations } from '../scim/patch/operations.js';
import { project, projectionOf, wantsMembers } from '../scim/projection.js';
import { GROUP_TYPE } from '../scim/schemas.js';
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

const MEMBERS_PAGE = 1000;

/** /Groups: the pushed departments (DESIGN §3), with their pushed members. */
export function groupRoutes(router: Router, deps: RouteDeps): void {
  const { directory } = deps.directory;

  /**
   * A group's pushed members, page by page (only when the response includes members); undefined,
   * without reading further, as soon as the group proves to have more than `budget`.
   */
  const membersOf = async (
    ctx: Context,
    departmentId: string,
    budget = Infinity,
  ): Promise<Member[] | undefined> => {
    const members: Member[] = [];
    let cursor = '';
    do {
      const page = await directory.listMembers(
        {
          tenantId: callerOf(ctx).tenantId,
          departmentId,
          source: MembershipSource.MEMBERSHIP_SOURCE_PUSHED,
          limit: Math.min(MEMBERS_PAGE, budget - members.length + 1),
          cursor,
        },
        asCaller(ctx),
      );
      if (page.total > budget) return undefined;
      members.push(...page.members);
      if (members.length > budget) return undefined;
      cursor = page.nextCursor;
    } while (cursor);
    return members;
  };

  /** A department that is a SCIM Group: attribute-only departments are not groups (404). */
  const getGroup = async (ctx: Context, id: string): Promise<Department> => {
    const department = await directory.getDepartment({ tenantId: callerOf(ctx).tenantId, id }, asCaller(ctx));
    if (department.origin !== DepartmentOrigin.DEPARTMENT_ORIGIN_PUSHED)
      throw new ScimError(404, `no group with id ${id}`);
    return department;
  };

  const respond = async (ctx: Context, status: number, department: Department) => {
    const { attributes, excludedAttributes } = projectionOf(ctx.query);
    const members = wantsMembers(attributes, excludedAttributes)
      ? await membersOf(ctx, department.id)
      : undefined;
    const resource = groupToScim(department, members, baseUrlOf(ctx));
    send(ctx, status, project(GROUP_TYPE, resource, attributes, excludedAttributes), department.version);
    if (status === 201) ctx.set('Location', `${baseUrlOf(ctx)}/Groups/${department.id}`);
  };

  /**
   * A page of groups. With members, a page carries at most `limits.listMembers` of them in all: it
   * ends before the first group that would pass the budget, so it may hold fewer groups than
   * `count` (RFC 7644 §3.4.2.4 allows it; itemsPerPage says how many, and the client's next
   * startIndex or cursor starts at the group left out). A group larger than the whole budget,
   * first on its page, is listed without `members`: read those with GET /Groups/{id}.
   */
  const list = async (ctx: Context, source: Record<string, unknown>) => {
    const params = listParams(GROUP_TYPE, source, deps.limits, PUSHED_ONLY);
    const tenantId = callerOf(ctx).tenantId;
    const page = await directory.listDepartments({ tenantId, query: params.query }, asCaller(ctx));
    const loadMembers = wantsMembers(params.attributes, params.excludedAttributes);
    const base = baseUrlOf(ctx);
    const resources = [];
    let budget = deps.limits.listMembers;
    let nextCursor = page.nextCursor;
    for (const department of page.departments) {
      const members = loadMembers ? await membersOf(ctx, department.id, budget) : undefined;
      if (loadMembers && !members && resources.length > 0) {
        nextCursor = params.cursorPaging
          ? await cursorAfter(ctx, params.query, page.departments, resources.length)
          : '';
        break;
      }
      budget -= members?.length ?? 0;
      resources.push(
        project(
          GROUP_TYPE,
          groupToScim(department, members, base),
          params.attributes,
          params.excludedAttributes,
        ),
      );
    }
    send(ctx, 200, listResponse(resources, page.total, params.startIndex, nextCursor));
  };

  /**
   * The cursor after the first `kept` groups of a page that ended early: the directory's cursor
   * is opaque, so the page is asked again with that size. Should the groups have changed in
   * between, the client retries rather than page past a group it never saw.
   */
  const cursorAfter = async (ctx: Context, query: Query, shown: Department[], kept: number) => {
    const again = await directory.listDepartments(
      { tenantId: callerOf(ctx).tenantId, query: { ...query, limit: kept } },
      asCaller(ctx),
    );
    const same =
      again.departments.length === kept && again.departments.every((d, i) => d.id === shown[i]?.id);
    if (!same)
      throw new ScimError(503, 'The groups changed while this page was read; retry.', undefined, {
        'Retry-After': '1',
      });
    return again.nextCursor;
  };

  router.get('/Groups', (ctx) => list(ctx, ctx.query));
  router.post('/Groups/.search', async (ctx) => list(ctx, await bodyOf(ctx, deps)));

  router.post('/Groups', async (ctx) => {
    const input = groupFromScim(await bodyOf(ctx, deps), deps.limits.membersPerRequest);
    const pushed = await directory.pushDepartment(
      {
        tenantId: callerOf(ctx).tenantId,
        name: input.displayName,
        externalId: input.externalId,
        extra: input.extra,
        memberUserIds: input.memberIds,
        requestId: requestIdOf(ctx),
      },
      asCaller(ctx),
    );
    await respond(ctx, 201, pushed.department!);
  });

  router.get('/Groups/:id', async (ctx) => {
    await respond(ctx, 200, await getGroup(ctx, ctx.params.id!));
  });

  // PUT and PATCH are one UpdateDepartment each: the fields and the member change are one
  // directory transaction, and If-Match is compared inside it (412 means nothing was written).
  router.put('/Groups/:id', async (ctx) => {
    const input = groupFromScim(await bodyOf(ctx, deps), deps.limits.membersPerRequest);
    const department = await directory.updateDepartment(
      {
        tenantId: callerOf(ctx).tenantId,
        id: ctx.params.id!,
        department: Department.fromPartial({
          name: input.displayName,
          externalId: input.externalId,
          extra: input.extra,
        }),
        updateMask: ['name', 'external_id', 'extra'],
        members: { replace: { userIds: input.memberIds }, addUserIds: [], removeUserIds: [] },
        expectedVersion: ifMatch(ctx),
      },
      asCaller(ctx),
    );
    await respond(ctx, 200, department);
  });

  router.patch('/Groups/:id', async (ctx) => {
    const changes = groupChanges(
      parseOperations(await bodyOf(ctx, deps), deps.limits.patchOperations),
      deps.limits.membersPerRequest,
    );
    const expectedVersion = ifMatch(ctx);
    const mask = [
      ...(changes.displayName !== undefined ? ['name'] : []),
      ...(changes.externalId !== undefined ? ['external_id'] : []),
    ];
    const changesMembers = Boolean(changes.replace || changes.add.length || changes.remove.length);
    let department: Department;
    if (mask.length || changesMembers) {
      department = await directory.updateDepartment(
        {
          tenantId: callerOf(ctx).tenantId,
          id: ctx.params.id!,
          department: Department.fromPartial({
            name: changes.displayName ?? '',
            externalId: changes.externalId ?? undefined,
          }),
          updateMask: mask,
          members: changesMembers
            ? {
                replace: changes.replace && { userIds: changes.replace },
                addUserIds: changes.add,
                removeUserIds: changes.remove,
              }
            : undefined,
          expectedVersion,
        },
        asCaller(ctx),
      );
    } else {
      // Only read-only attributes (Okta echoes the id): nothing to write, but If-Match still holds.
      department = await getGroup(ctx, ctx.params.id!);
      if (expectedVersion !== undefined && department.version !== expectedVersion) throw versionMismatch();
    }
    // RFC 7644 §3.5.2: 204 unless the client asked for attributes back, so a push to a large
    // group never reads the whole group.
    if (ctx.query.attributes || ctx.query.excludedAttributes) return respond(ctx, 200, department);
    ctx.status = 204;
    ctx.set('ETag', `W/"${department.version}"`);
  });

  router.delete('/Groups/:id', async (ctx) => {
    await directory.deleteDepartmentPush(
      { tenantId: callerOf(ctx).tenantId, id: ctx.params.id!, expectedVersion: ifMatch(ctx) },
      asCaller(ctx),
    );
    ctx.status = 204;
  });
}
