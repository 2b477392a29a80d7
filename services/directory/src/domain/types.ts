/** The directory's own types: what the store keeps and the rules act on. No proto, no SCIM. */

export interface Name {
  formatted?: string;
  familyName?: string;
  givenName?: string;
  middleName?: string;
  honorificPrefix?: string;
  honorificSuffix?: string;
}

export interface Email {
  value: string;
  type?: string;
  primary: boolean;
  display?: string;
}

export interface PhoneNumber {
  value: string;
  type?: string;
  primary: boolean;
  display?: string;
}

export interface Address {
  formatted?: string;
  streetAddress?: string;
  locality?: string;
  region?: string;
  postalCode?: string;
  country?: string;
  type?: string;
  primary: boolean;
}

export interface Manager {
  value?: string;
  displayName?: string;
}

export interface Enterprise {
  employeeNumber?: string;
  costCenter?: string;
  organization?: string;
  division?: string;
  department?: string;
  manager?: Manager;
}

export type JsonObject = { [key: string]: unknown };

/** The user's free-text single-valued attributes (not indexed, so longer text is allowed). */
export const TEXT_ATTRIBUTES = [
  'nickName',
  'profileUrl',
  'title',
  'userType',
  'preferredLanguage',
  'locale',
  'timezone',
] as const;

/** Every writable attribute of a user. */
export interface UserProfile {
  userName: string;
  externalId?: string;
  active: boolean;
  name?: Name;
  displayName?: string;
  nickName?: string;
  profileUrl?: string;
  title?: string;
  userType?: string;
  preferredLanguage?: string;
  locale?: string;
  timezone?: string;
  emails: Email[];
  phoneNumbers: PhoneNumber[];
  addresses: Address[];
  enterprise?: Enterprise;
  /** Attributes the directory does not model, kept verbatim. */
  extra?: JsonObject;
}

export type MembershipSource = 'attribute' | 'pushed';

export interface UserMembership {
  departmentId: string;
  departmentName: string;
  source: MembershipSource;
}

export interface User extends UserProfile {
  id: string;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  memberships: UserMembership[];
}

export interface Department {
  id: string;
  name: string;
  /** A client pushed it as a group; otherwise it exists only through users' attributes. */
  pushed: boolean;
  externalId?: string;
  extra?: JsonObject;
  version: number;
  createdAt: Date;
  updatedAt: Date;
}

export interface Member {
  userId: string;
  userName: string;
  displayName?: string;
  source: MembershipSource;
}

export interface Tenant {
  id: string;
  name: string;
  disabled: boolean;
  createdAt: Date;
}

export interface TokenInfo {
  id: string;
  tenantId: string;
  prefix: string;
  description: string;
  createdAt: Date;
  lastUsedAt?: Date;
  expiresAt?: Date;
  revokedAt?: Date;
}

/**
 * What a service credential may do (see domain/service-credentials.ts):
 * admin — everything, AdminService included; gateway — the directory for any tenant, and
 * authenticating SCIM tokens, with its actor metadata believed; reader — reads and watch,
 * optionally limited to named tenants; console — the operator console: reads of any tenant,
 * operators' sign-in and its admin actions, with its actor metadata (`operator:<name>`) believed.
 */
export type Role = 'admin' | 'gateway' | 'reader' | 'console';

export interface ServiceCredentialInfo {
  id: string;
  name: string;
  role: Role;
  /** The tenants a reader is limited to; empty means every tenant. */
  tenantIds: string[];
  prefix: string;
  createdAt: Date;
  lastUsedAt?: Date;
  revokedAt?: Date;
}

export type EventOutcome = 'ok' | 'warning' | 'error';

export interface DirectoryEvent {
  sequence: number;
  tenantId: string;
  occurredAt: Date;
  actor: string;
  kind: string;
  resourceType: string;
  resourceId: string;
  resourceName: string;
  outcome: EventOutcome;
  reason: string;
  before?: JsonObject;
  after?: JsonObject;
}

// ---- queries ----

export type Operator = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le' | 'pr';

export type FilterValue = string | boolean | number | Date | null;

export type Filter =
  | { and: Filter[] }
  | { or: Filter[] }
  | { not: Filter }
  | { field: string; op: Operator; value: FilterValue }
  | { anyEmail: Filter };

export interface Query {
  filter?: Filter;
  orderBy?: string;
  descending: boolean;
  offset: number;
  /** undefined: the default page size; 0: only the total. */
  limit?: number;
  cursor?: string;
  skipTotal: boolean;
}

export interface Page<T> {
  items: T[];
  total?: number;
  nextCursor?: string;
}

// ---- explaining a user ----

/** What an id a membership change named was to the user. */
export type MemberIdKind = 'user_id' | 'external_id' | 'former_account';

/** An earlier account of a userName, deleted since. */
export interface FormerAccount {
  id: string;
  userName: string;
  externalId?: string;
  createdAt?: Date;
  deletedAt?: Date;
}

export interface ExplainedMembership {
  departmentId: string;
  departmentName: string;
  source: MembershipSource;
  /** The event that made it; absent when the log no longer holds it. */
  since?: DirectoryEvent;
}

/** A membership change that named one of the user's ids and skipped it (no user had it then). */
export interface SkippedMembership {
  event: DirectoryEvent;
  departmentId: string;
  departmentName: string;
  memberId: string;
  idKind: MemberIdKind;
  /** The change came before the user (as they are now) was created. */
  beforeCreated: boolean;
  /** The user is a pushed member of that department now. */
  memberNow: boolean;
}

/** Why a user is, or is not, in the tenant and in each department. */
export interface UserExplanation {
  /** What was asked: an id or a userName. */
  query: string;
  user?: User;
  formerAccounts: FormerAccount[];
  memberships: ExplainedMembership[];
  skipped: SkippedMembership[];
  rejections: DirectoryEvent[];
  /** The latest events that touched the user, oldest first. */
  history: DirectoryEvent[];
  /** The explanation in sentences, most telling first. */
  findings: string[];
}
