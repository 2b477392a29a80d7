import { ServiceRole, type ServiceCredential, type Tenant, type TokenInfo } from '#proto/admin.js';
import { SkippedIdKind, type UserExplanation } from '#proto/directory.js';
import { EventOutcome, type Event } from '#proto/event.js';
import { MembershipSource, type User } from '#proto/user.js';

/**
 * What `--json` prints: the contract's messages with every enum by name (`"outcome": "warning"`,
 * `"role": "reader"`, `"source": "pushed"`), never by number, and times as ISO 8601.
 */

const named =
  <E extends number>(names: Record<number, string>) =>
  (value: E): string =>
    names[value as number] ?? 'unspecified';

export const outcomeName = named<EventOutcome>({
  [EventOutcome.EVENT_OUTCOME_OK]: 'ok',
  [EventOutcome.EVENT_OUTCOME_WARNING]: 'warning',
  [EventOutcome.EVENT_OUTCOME_ERROR]: 'error',
});

export const ROLES: Record<string, ServiceRole> = {
  admin: ServiceRole.SERVICE_ROLE_ADMIN,
  gateway: ServiceRole.SERVICE_ROLE_GATEWAY,
  reader: ServiceRole.SERVICE_ROLE_READER,
  console: ServiceRole.SERVICE_ROLE_CONSOLE,
};
export const roleName = named<ServiceRole>(Object.fromEntries(Object.entries(ROLES).map(([k, v]) => [v, k])));

export const sourceName = named<MembershipSource>({
  [MembershipSource.MEMBERSHIP_SOURCE_ATTRIBUTE]: 'attribute',
  [MembershipSource.MEMBERSHIP_SOURCE_PUSHED]: 'pushed',
});

export const idKindName = named<SkippedIdKind>({
  [SkippedIdKind.SKIPPED_ID_KIND_USER_ID]: 'user_id',
  [SkippedIdKind.SKIPPED_ID_KIND_EXTERNAL_ID]: 'external_id',
  [SkippedIdKind.SKIPPED_ID_KIND_FORMER_ACCOUNT]: 'former_account',
});

export const eventJson = (e: Event) => ({ ...e, outcome: outcomeName(e.outcome) });

export const tenantJson = (t: Tenant) => ({ ...t, status: t.disabled ? 'disabled' : 'active' });

/** A token's state now: live, expired or revoked. */
export const tokenStatus = (t: TokenInfo, now = new Date()) =>
  t.revokedAt ? 'revoked' : t.expiresAt && t.expiresAt <= now ? 'expired' : 'live';

export const tokenJson = (t: TokenInfo) => ({ ...t, status: tokenStatus(t) });

export const credentialJson = (k: ServiceCredential) => ({ ...k, role: roleName(k.role) });

const userJson = (u: User) => ({
  ...u,
  memberships: u.memberships.map((m) => ({ ...m, source: sourceName(m.source) })),
});

export const explanationJson = (x: UserExplanation) => ({
  ...x,
  user: x.user && userJson(x.user),
  memberships: x.memberships.map((m) => ({
    ...m,
    source: sourceName(m.source),
    since: m.since && eventJson(m.since),
  })),
  skipped: x.skipped.map((s) => ({
    ...s,
    idKind: idKindName(s.idKind),
    event: s.event && eventJson(s.event),
  })),
  rejections: x.rejections.map(eventJson),
  history: x.history.map(eventJson),
});
