import type { DirectoryServiceServer } from '#proto/directory.js';
import type { Deps } from '../domain/context.js';
import * as insights from '../domain/insights.js';
import type { Logger } from './errors.js';
import { contextOf, unary } from './handle.js';
import { eventToProto } from './mappers.js';

type InsightCalls = Pick<
  DirectoryServiceServer,
  'summarizeTenant' | 'countUserCreations' | 'summarizeRejections' | 'countMembers'
>;

/** The operator console's aggregates (DirectoryService reads): proto in → domain → proto out. */
export function insightHandlers(deps: Deps, logger: Logger): InsightCalls {
  return {
    summarizeTenant: unary(logger, async (req, call) => {
      const { tenantId } = contextOf(call, req.tenantId);
      const summary = await insights.summarizeTenant(deps, tenantId, req.since);
      return { ...summary, lastRequestAt: summary.lastRequestAt };
    }),
    countUserCreations: unary(logger, async (req, call) => {
      const { tenantId } = contextOf(call, req.tenantId);
      return insights.countUserCreations(deps, tenantId, req.since, req.until);
    }),
    summarizeRejections: unary(logger, async (req, call) => {
      const { tenantId } = contextOf(call, req.tenantId);
      const groups = await insights.summarizeRejections(deps, tenantId, req.since, req.examples ?? 3);
      return {
        groups: groups.map((g) => ({ ...g, lastAt: g.lastAt, examples: g.examples.map(eventToProto) })),
      };
    }),
    countMembers: unary(logger, async (req, call) => {
      const { tenantId } = contextOf(call, req.tenantId);
      return { counts: await insights.countMembers(deps, tenantId, req.departmentIds) };
    }),
  };
}
