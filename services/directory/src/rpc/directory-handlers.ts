import { status, type ServerWritableStream } from '@grpc/grpc-js';
import type { DirectoryServiceServer } from '#proto/directory.js';
import type { Event } from '#proto/event.js';
import type { WatchEventsRequest } from '#proto/directory.js';
import type { Deps } from '../domain/context.js';
import * as departments from '../domain/departments.js';
import { InvalidArgumentError } from '../domain/errors.js';
import * as log from '../domain/provisioning-log.js';
import { explainUser } from '../domain/user-explanation.js';
import * as users from '../domain/users.js';
import { toStatus, type Logger } from './errors.js';
import { insightHandlers } from './insight-handlers.js';
import { contextOf, unary } from './handle.js';
import {
  departmentToProto,
  eventToProto,
  explanationToProto,
  memberToProto,
  profileFromProto,
  queryFromProto,
  sourceFromProto,
  userToProto,
} from './mappers.js';

/** How a watch ends when the directory shuts down: retryable, resume after the last sequence. */
const DRAINING = {
  code: status.UNAVAILABLE,
  details: 'the directory is shutting down; watch again after the last sequence you received',
};

/** DirectoryService: proto in → domain → proto out. No SQL and no rules here. */
export function directoryHandlers(deps: Deps, logger: Logger): DirectoryServiceServer {
  return {
    createUser: unary(logger, async (req, call) =>
      userToProto(
        await users.createUser(
          deps,
          contextOf(call, req.tenantId),
          profileFromProto(req.user),
          req.requestId,
        ),
      ),
    ),

    getUser: unary(logger, async (req, call) =>
      userToProto(await users.getUser(deps, contextOf(call, req.tenantId), req.id)),
    ),

    listUsers: unary(logger, async (req, call) => {
      const page = await users.listUsers(
        deps,
        contextOf(call, req.tenantId),
        queryFromProto(req.query),
        !req.withoutMemberships,
      );
      return { users: page.items.map(userToProto), total: page.total, nextCursor: page.nextCursor ?? '' };
    }),

    replaceUser: unary(logger, async (req, call) => {
      if (!req.user?.id) throw new InvalidArgumentError('INVALID_VALUE', 'user.id is required');
      const profile = profileFromProto(req.user);
      return userToProto(
        await users.replaceUser(
          deps,
          contextOf(call, req.tenantId),
          req.user.id,
          profile,
          req.expectedVersion,
        ),
      );
    }),

    updateUser: unary(logger, async (req, call) => {
      const mask = req.updateMask ?? [];
      if (mask.length === 0) throw new InvalidArgumentError('INVALID_PATH', 'update_mask names no field');
      // The patch may be partial (no userName): validation happens on the merged result.
      const patch = profileFromProto({ ...req.user!, userName: req.user?.userName ?? '' } as never);
      const user = await users.updateUser(
        deps,
        contextOf(call, req.tenantId),
        req.id,
        patch,
        mask,
        req.expectedVersion,
      );
      return userToProto(user);
    }),

    deleteUser: unary(logger, async (req, call) => {
      await users.deleteUser(deps, contextOf(call, req.tenantId), req.id, req.expectedVersion);
      return {};
    }),

    pushDepartment: unary(logger, async (req, call) => {
      const result = await departments.pushDepartment(deps, contextOf(call, req.tenantId), {
        name: req.name,
        externalId: req.externalId || undefined,
        extra: req.extra,
        memberIds: req.memberUserIds,
        requestId: req.requestId || undefined,
      });
      return {
        department: departmentToProto(result.department),
        adopted: result.adopted,
        skippedUserIds: result.skipped,
      };
    }),

    getDepartment: unary(logger, async (req, call) =>
      departmentToProto(await departments.getDepartment(deps, contextOf(call, req.tenantId), req.id)),
    ),

    listDepartments: unary(logger, async (req, call) => {
      const page = await departments.listDepartments(
        deps,
        contextOf(call, req.tenantId),
        queryFromProto(req.query),
      );
      return {
        departments: page.items.map(departmentToProto),
        total: page.total,
        nextCursor: page.nextCursor ?? '',
      };
    }),

    updateDepartment: unary(logger, async (req, call) => {
      const mask = req.updateMask ?? [];
      if (mask.length === 0 && !req.members)
        throw new InvalidArgumentError('INVALID_PATH', 'update_mask names no field and members is not set');
      const changes = {
        name: req.department?.name,
        externalId: req.department?.externalId || undefined,
        extra: req.department?.extra,
      };
      const department = await departments.updateDepartment(
        deps,
        contextOf(call, req.tenantId),
        req.id,
        changes,
        mask,
        req.expectedVersion,
        req.members && {
          replace: req.members.replace?.userIds,
          add: req.members.addUserIds,
          remove: req.members.removeUserIds,
        },
      );
      return departmentToProto(department);
    }),

    deleteDepartmentPush: unary(logger, async (req, call) => {
      const { remains } = await departments.deleteDepartmentPush(
        deps,
        contextOf(call, req.tenantId),
        req.id,
        req.expectedVersion,
      );
      return { departmentRemains: remains };
    }),

    changePushedMembers: unary(logger, async (req, call) => {
      const result = await departments.changePushedMembers(
        deps,
        contextOf(call, req.tenantId),
        req.departmentId,
        { replace: req.replace?.userIds, add: req.addUserIds, remove: req.removeUserIds },
        req.expectedVersion,
      );
      return {
        department: departmentToProto(result.department),
        added: result.added,
        removed: result.removed,
        skippedUserIds: result.skipped,
      };
    }),

    listMembers: unary(logger, async (req, call) => {
      const page = await departments.listMembers(
        deps,
        contextOf(call, req.tenantId),
        req.departmentId,
        sourceFromProto(req.source),
        req.limit,
        req.cursor || undefined,
      );
      return {
        members: page.members.map(memberToProto),
        total: page.total,
        nextCursor: page.nextCursor ?? '',
      };
    }),

    listEvents: unary(logger, async (req, call) => {
      const page = await log.listEvents(deps, contextOf(call, req.tenantId), {
        resourceId: req.resourceId || undefined,
        resourceName: req.resourceName || undefined,
        kinds: req.kinds,
        problemsOnly: req.problemsOnly,
        since: req.since,
        until: req.until,
        beforeSequence: req.beforeSequence || undefined,
        limit: req.limit,
        user: req.user || undefined,
      });
      return { events: page.events.map(eventToProto), nextBeforeSequence: page.nextBeforeSequence };
    }),

    recordRejection: unary(logger, async (req, call) =>
      eventToProto(await log.recordRejection(deps, contextOf(call, req.tenantId), req)),
    ),

    explainUser: unary(logger, async (req, call) =>
      explanationToProto(await explainUser(deps, contextOf(call, req.tenantId), req.user)),
    ),

    ...insightHandlers(deps, logger),

    watchEvents: (call: ServerWritableStream<WatchEventsRequest, Event>) => {
      const abort = new AbortController();
      call.on('cancelled', () => abort.abort());
      call.on('close', () => abort.abort());
      // The service's shutdown ends the watch; the listener goes with the watch (each watch
      // would otherwise leave one on the service-long signal).
      const onShutdown = () => abort.abort();
      if (deps.feed.closed.aborted) abort.abort();
      else {
        deps.feed.closed.addEventListener('abort', onShutdown, { once: true });
        abort.signal.addEventListener(
          'abort',
          () => deps.feed.closed.removeEventListener('abort', onShutdown),
          { once: true },
        );
      }
      void (async () => {
        try {
          const ctx = contextOf(call, call.request.tenantId);
          for await (const event of log.watchEvents(deps, ctx, call.request.afterSequence, abort.signal)) {
            // Respect back-pressure: a slow reader must not make us buffer the whole log.
            if (!call.write(eventToProto(event))) {
              await new Promise<void>((resolve) => {
                const done = () => {
                  call.off('drain', done);
                  abort.signal.removeEventListener('abort', done);
                  resolve();
                };
                call.once('drain', done);
                abort.signal.addEventListener('abort', done, { once: true });
              });
            }
          }
          // A watch only ends because the directory drains (the caller's cancel ends the call
          // itself): UNAVAILABLE, so a client's loop resumes elsewhere instead of stopping as on OK.
          if (deps.feed.closed.aborted) call.emit('error', DRAINING);
          else call.end();
        } catch (error) {
          // 'error' ends the stream with this status; destroy() would drop it and leave the caller hanging.
          if (!abort.signal.aborted) call.emit('error', toStatus(error, logger));
          else if (deps.feed.closed.aborted) call.emit('error', DRAINING);
          else call.end();
        }
      })();
    },
  };
}
