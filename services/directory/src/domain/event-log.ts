import type { Knex } from 'knex';
import type { MembersEventWrite } from '../store/departments.js';
import { appendMembersEvent } from '../store/event-members.js';
import { appendEvent, type NewEvent } from '../store/events.js';
import type { CallContext } from './context.js';
import type { EventKind } from './event-kinds.js';
import type { EventOutcome, JsonObject, User, UserProfile } from './types.js';

export interface EventDraft {
  kind: EventKind;
  resourceType: 'user' | 'department' | 'request' | 'token' | 'tenant';
  resourceId?: string;
  resourceName?: string;
  outcome?: EventOutcome;
  reason?: string;
  before?: JsonObject;
  after?: JsonObject;
}

/** The event a call records, as the store writes it. */
export function eventOf(ctx: CallContext, draft: EventDraft, at: string): NewEvent {
  return {
    tenantId: ctx.tenantId,
    occurredAt: at,
    actor: ctx.actor,
    kind: draft.kind,
    resourceType: draft.resourceType,
    resourceId: draft.resourceId ?? '',
    resourceName: draft.resourceName ?? '',
    outcome: draft.outcome ?? 'ok',
    reason: draft.reason ?? '',
    before: draft.before,
    after: draft.after,
  };
}

/** Appends one event in the caller's transaction; answers its sequence. */
export async function record(
  trx: Knex.Transaction,
  ctx: CallContext,
  draft: EventDraft,
  at: string,
): Promise<number> {
  const row = await appendEvent(trx, eventOf(ctx, draft, at));
  return Number(row.seq);
}

/**
 * What the log keeps of a user: enough to answer "what changed", never a
 * password (the profile cannot hold one) nor the unmodelled attributes.
 */
export function userSummary(user: UserProfile & Partial<Pick<User, 'version'>>): JsonObject {
  return {
    userName: user.userName,
    ...(user.externalId && { externalId: user.externalId }),
    active: user.active,
    ...(user.displayName && { displayName: user.displayName }),
    ...(user.emails[0] && { email: user.emails.find((e) => e.primary)?.value ?? user.emails[0].value }),
    ...(user.enterprise?.department && { department: user.enterprise.department }),
    ...(user.version !== undefined && { version: user.version }),
  };
}

/** One membership change of a department, as the log and the watch stream carry it. */
export interface MembersChange {
  source: 'attribute' | 'pushed';
  added?: string[];
  removed?: string[];
  skipped?: string[];
  userName?: string;
}

/**
 * Appends `department.members_changed` for a department; a skipped member makes it a warning.
 * Every id it names is indexed with it, so a user's membership history is found by index.
 */
export async function recordMembersChange(
  trx: Knex.Transaction,
  ctx: CallContext,
  department: { id: string; name: string },
  change: MembersChange,
  at: string,
  reason = '',
): Promise<void> {
  const { event, memberIds } = membersChangeWrite(ctx, department, change, at, reason);
  await appendMembersEvent(trx, event, memberIds);
}

/**
 * The event of a membership change and the member ids it is indexed by: what
 * recordMembersChange appends, for a store function that writes it with the change itself.
 */
export function membersChangeWrite(
  ctx: CallContext,
  department: { id: string; name: string },
  change: MembersChange,
  at: string,
  reason = '',
): MembersEventWrite {
  const skipped = change.skipped ?? [];
  const event = eventOf(
    ctx,
    {
      kind: 'department.members_changed',
      resourceType: 'department',
      resourceId: department.id,
      resourceName: department.name,
      outcome: skipped.length ? 'warning' : 'ok',
      reason: skipped.length
        ? `skipped ${skipped.length} member id(s) that are not users of this tenant: ${skipped.slice(0, 20).join(', ')}${skipped.length > 20 ? ', …' : ''}`
        : reason,
      after: {
        source: change.source,
        ...(change.added && { added: change.added }),
        ...(change.removed && { removed: change.removed }),
        ...(skipped.length && { skipped }),
        ...(change.userName && { userName: change.userName }),
      },
    },
    at,
  );
  return { event, memberIds: [...(change.added ?? []), ...(change.removed ?? []), ...skipped] };
}
