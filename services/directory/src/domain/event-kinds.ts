/**
 * Every kind of entry the provisioning log holds. `record` takes only these, so a new kind
 * is added here first; the admin CLI offers and checks `--kind` against this list.
 */
export const EVENT_KINDS = [
  'tenant.created',
  'tenant.disabled',
  'tenant.enabled',
  'token.issued',
  'token.revoked',
  'user.created',
  'user.updated',
  'user.replaced',
  'user.deactivated',
  'user.reactivated',
  'user.deleted',
  // Written by the migration 20261130000200_identity_keys, not by `record`.
  'user.identity_collision',
  'department.created',
  'department.adopted',
  'department.renamed',
  'department.updated',
  'department.merged',
  'department.members_changed',
  'department.push_deleted',
  'department.deleted',
  'department.identity_collision',
  // A request the gateway or the directory refused (outcome error), with the reason.
  'request.rejected',
] as const;

export type EventKind = (typeof EVENT_KINDS)[number];

export const isEventKind = (value: string): value is EventKind =>
  (EVENT_KINDS as readonly string[]).includes(value);
