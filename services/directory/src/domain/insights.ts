import * as store from '../store/insights.js';
import { rowToEvent } from '../store/events.js';
import { read } from '../store/transaction.js';
import type { Deps } from './context.js';
import { InvalidArgumentError } from './errors.js';
import type { DirectoryEvent } from './types.js';

/** What the operator console shows of a tenant; each figure is one indexed aggregate. */

const DAY_MS = 86_400_000;
const MAX_WINDOW_MS = 7 * DAY_MS;
const MAX_GROUPS = 50;
const MAX_DEPARTMENTS = 200;

export interface TenantSummary {
  tenantId: string;
  activeUsers: number;
  inactiveUsers: number;
  pushedDepartments: number;
  attributeDepartments: number;
  lastRequestAt?: Date;
  rejections: number;
  since: Date;
  lastSequence: number;
}

export async function summarizeTenant(deps: Deps, tenantId: string, since?: Date): Promise<TenantSummary> {
  const from = since ?? new Date(Date.now() - DAY_MS);
  return read(deps.db, async (db) => {
    const users = await store.userCounts(db, tenantId);
    const departments = await store.departmentCounts(db, tenantId);
    const lastUse = await store.lastTokenUse(db, tenantId);
    return {
      tenantId,
      activeUsers: users.active,
      inactiveUsers: users.inactive,
      pushedDepartments: departments.pushed,
      attributeDepartments: departments.attribute,
      lastRequestAt: lastUse ? new Date(lastUse) : undefined,
      rejections: await store.rejectionCount(db, tenantId, from.toISOString()),
      since: from,
      lastSequence: await store.lastSequence(db, tenantId),
    };
  });
}

export async function countUserCreations(
  deps: Deps,
  tenantId: string,
  since: Date | undefined,
  until: Date | undefined,
): Promise<{ minutes: { minute: Date; count: number }[]; total: number }> {
  const to = until ?? new Date();
  const from = since ?? new Date(to.getTime() - DAY_MS);
  if (from.getTime() >= to.getTime())
    throw new InvalidArgumentError('INVALID_VALUE', 'since must be before until');
  if (to.getTime() - from.getTime() > MAX_WINDOW_MS)
    throw new InvalidArgumentError('INVALID_VALUE', 'the window is at most 7 days');
  const rows = await read(deps.db, (db) =>
    store.creationsPerMinute(db, tenantId, from.toISOString(), to.toISOString()),
  );
  return {
    minutes: rows.map((row) => ({ minute: new Date(`${row.minute}:00.000Z`), count: row.count })),
    total: rows.reduce((sum, row) => sum + row.count, 0),
  };
}

export interface RejectionGroup {
  reason: string;
  count: number;
  lastAt?: Date;
  examples: DirectoryEvent[];
}

export async function summarizeRejections(
  deps: Deps,
  tenantId: string,
  since: Date | undefined,
  examples = 3,
): Promise<RejectionGroup[]> {
  const from = (since ?? new Date(Date.now() - DAY_MS)).toISOString();
  const perGroup = Math.min(Math.max(examples, 1), 10);
  return read(deps.db, async (db) => {
    const groups = await store.rejectionsByReason(db, tenantId, from, MAX_GROUPS);
    const recent = (await store.latestRejections(db, tenantId, from, 500)).map(rowToEvent);
    const byReason = new Map<string, DirectoryEvent[]>();
    for (const event of recent) {
      const list = byReason.get(event.reason) ?? [];
      if (list.length < perGroup) list.push(event);
      byReason.set(event.reason, list);
    }
    // A reason none of whose entries is among the latest: its newest entry, by sequence.
    const missing = groups.filter((g) => !byReason.has(g.reason)).map((g) => g.lastSeq);
    for (const event of (await store.eventsBySequence(db, tenantId, missing)).map(rowToEvent))
      byReason.set(event.reason, [event]);
    return groups.map((group) => {
      const list = byReason.get(group.reason) ?? [];
      return { reason: group.reason, count: group.count, lastAt: list[0]?.occurredAt, examples: list };
    });
  });
}

export async function countMembers(
  deps: Deps,
  tenantId: string,
  departmentIds: string[],
): Promise<{ departmentId: string; attribute: number; pushed: number }[]> {
  const ids = [...new Set(departmentIds)];
  if (ids.length > MAX_DEPARTMENTS)
    throw new InvalidArgumentError('TOO_MANY', `at most ${MAX_DEPARTMENTS} departments a call`);
  const rows = await read(deps.db, (db) => store.memberCounts(db, tenantId, ids));
  return ids.map((departmentId) => {
    const of = (source: string) =>
      rows.find((r) => r.departmentId === departmentId && r.source === source)?.count ?? 0;
    return { departmentId, attribute: of('attribute'), pushed: of('pushed') };
  });
}
