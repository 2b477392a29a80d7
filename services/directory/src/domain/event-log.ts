import type { Knex } from 'knex';
import { appendEvent } from '../store/events.js';
import type { CallContext } from './context.js';
import type { EventOutcome, JsonObject, User, UserProfile } from './types.js';

export interface EventDraft {
  kind: string;
  resourceType: 'user' | 'department' | 'request' | 'token' | 'tenant';
  resourceId?: string;
  resourceName?: string;
  outcome?: EventOutcome;
  reason?: string;
  before?: JsonObject;
  after?: JsonObject;
}

/** Appends one event in the caller's transaction. */
export async function record(
  trx: Knex.Transaction,
  ctx: CallContext,
  draft: EventDraft,
  at: string,
): Promise<void> {
  await appendEvent(trx, {
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
  });
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
