/** The only place that knows both proto messages and domain types. */
import {
  ServiceRole,
  type ServiceCredential as PbServiceCredential,
  type Tenant as PbTenant,
  type TokenInfo as PbTokenInfo,
} from '#proto/admin.js';
import {
  DepartmentOrigin,
  type Department as PbDepartment,
  type Member as PbMember,
} from '#proto/department.js';
import { EventOutcome, type Event as PbEvent } from '#proto/event.js';
import {
  SkippedIdKind,
  type ExplainedMembership as PbExplainedMembership,
  type UserExplanation as PbUserExplanation,
} from '#proto/directory.js';
import { Operator, type Filter as PbFilter, type Query as PbQuery } from '#proto/query.js';
import { MembershipSource as PbSource, type User as PbUser } from '#proto/user.js';
import { InvalidArgumentError } from '../domain/errors.js';
import type * as d from '../domain/types.js';

/** Drops keys whose value is undefined, so stored JSON and equality checks stay clean. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

function nonEmpty<T extends object>(value: T | undefined): T | undefined {
  if (!value) return undefined;
  const c = compact(value);
  return Object.keys(c).length ? c : undefined;
}

export function profileFromProto(user: PbUser | undefined): d.UserProfile {
  if (!user) throw new InvalidArgumentError('INVALID_VALUE', 'a user is required');
  const enterprise =
    user.enterprise && nonEmpty({ ...user.enterprise, manager: nonEmpty(user.enterprise.manager) });
  return compact({
    userName: user.userName,
    externalId: user.externalId || undefined,
    active: user.active,
    name: nonEmpty(user.name),
    displayName: user.displayName,
    nickName: user.nickName,
    profileUrl: user.profileUrl,
    title: user.title,
    userType: user.userType,
    preferredLanguage: user.preferredLanguage,
    locale: user.locale,
    timezone: user.timezone,
    emails: user.emails.map((e) => compact({ ...e })),
    phoneNumbers: user.phoneNumbers.map((p) => compact({ ...p })),
    addresses: user.addresses.map((a) => compact({ ...a })),
    enterprise,
    extra: user.extra && Object.keys(user.extra).length ? user.extra : undefined,
  });
}

const SOURCE_TO_PB: Record<d.MembershipSource, PbSource> = {
  attribute: PbSource.MEMBERSHIP_SOURCE_ATTRIBUTE,
  pushed: PbSource.MEMBERSHIP_SOURCE_PUSHED,
};

export function sourceFromProto(source: PbSource): d.MembershipSource | undefined {
  if (source === PbSource.MEMBERSHIP_SOURCE_ATTRIBUTE) return 'attribute';
  if (source === PbSource.MEMBERSHIP_SOURCE_PUSHED) return 'pushed';
  return undefined;
}

export function userToProto(user: d.User): PbUser {
  return {
    id: user.id,
    userName: user.userName,
    externalId: user.externalId,
    active: user.active,
    name: user.name,
    displayName: user.displayName,
    nickName: user.nickName,
    profileUrl: user.profileUrl,
    title: user.title,
    userType: user.userType,
    preferredLanguage: user.preferredLanguage,
    locale: user.locale,
    timezone: user.timezone,
    emails: user.emails.map((e) => ({ type: undefined, display: undefined, ...e })),
    phoneNumbers: user.phoneNumbers.map((p) => ({ type: undefined, display: undefined, ...p })),
    addresses: user.addresses,
    enterprise: user.enterprise && { ...user.enterprise, manager: user.enterprise.manager },
    extra: user.extra,
    version: user.version,
    createdAt: user.createdAt,
    updatedAt: user.updatedAt,
    memberships: user.memberships.map((m) => ({
      departmentId: m.departmentId,
      departmentName: m.departmentName,
      source: SOURCE_TO_PB[m.source],
    })),
  };
}

export function departmentToProto(department: d.Department): PbDepartment {
  return {
    id: department.id,
    name: department.name,
    origin: department.pushed
      ? DepartmentOrigin.DEPARTMENT_ORIGIN_PUSHED
      : DepartmentOrigin.DEPARTMENT_ORIGIN_ATTRIBUTE,
    externalId: department.externalId,
    extra: department.extra,
    version: department.version,
    createdAt: department.createdAt,
    updatedAt: department.updatedAt,
  };
}

export function memberToProto(member: d.Member): PbMember {
  return { ...member, source: SOURCE_TO_PB[member.source] };
}

const OUTCOME_TO_PB: Record<d.EventOutcome, EventOutcome> = {
  ok: EventOutcome.EVENT_OUTCOME_OK,
  warning: EventOutcome.EVENT_OUTCOME_WARNING,
  error: EventOutcome.EVENT_OUTCOME_ERROR,
};

export function eventToProto(event: d.DirectoryEvent): PbEvent {
  return { ...event, before: event.before, after: event.after, outcome: OUTCOME_TO_PB[event.outcome] };
}

const ID_KIND_TO_PB: Record<d.MemberIdKind, SkippedIdKind> = {
  user_id: SkippedIdKind.SKIPPED_ID_KIND_USER_ID,
  external_id: SkippedIdKind.SKIPPED_ID_KIND_EXTERNAL_ID,
  former_account: SkippedIdKind.SKIPPED_ID_KIND_FORMER_ACCOUNT,
};

export function explanationToProto(x: d.UserExplanation): PbUserExplanation {
  return {
    user: x.user && userToProto(x.user),
    formerAccounts: x.formerAccounts.map((a) => ({
      id: a.id,
      userName: a.userName,
      createdAt: a.createdAt,
      deletedAt: a.deletedAt,
    })),
    memberships: x.memberships.map((m): PbExplainedMembership => ({
      departmentId: m.departmentId,
      departmentName: m.departmentName,
      source: SOURCE_TO_PB[m.source],
      since: m.since && eventToProto(m.since),
    })),
    skipped: x.skipped.map((s) => ({
      event: eventToProto(s.event),
      departmentId: s.departmentId,
      departmentName: s.departmentName,
      memberId: s.memberId,
      idKind: ID_KIND_TO_PB[s.idKind],
      beforeCreated: s.beforeCreated,
      memberNow: s.memberNow,
    })),
    rejections: x.rejections.map(eventToProto),
    history: x.history.map(eventToProto),
    findings: x.findings,
  };
}

export function tenantToProto(tenant: d.Tenant): PbTenant {
  return tenant;
}

export function tokenToProto(token: d.TokenInfo): PbTokenInfo {
  return { ...token, lastUsedAt: token.lastUsedAt, expiresAt: token.expiresAt, revokedAt: token.revokedAt };
}

const ROLES: Record<d.Role, ServiceRole> = {
  admin: ServiceRole.SERVICE_ROLE_ADMIN,
  gateway: ServiceRole.SERVICE_ROLE_GATEWAY,
  reader: ServiceRole.SERVICE_ROLE_READER,
  console: ServiceRole.SERVICE_ROLE_CONSOLE,
};

/** The role a request names, as the domain spells it ('' when unspecified, which the domain refuses). */
export function roleFromProto(role: ServiceRole): string {
  return (Object.keys(ROLES) as d.Role[]).find((name) => ROLES[name] === role) ?? '';
}

export function serviceCredentialToProto(credential: d.ServiceCredentialInfo): PbServiceCredential {
  return {
    ...credential,
    role: ROLES[credential.role],
    tenantIds: [...credential.tenantIds],
    lastUsedAt: credential.lastUsedAt,
    revokedAt: credential.revokedAt,
  };
}

const OPERATORS: Partial<Record<Operator, d.Operator>> = {
  [Operator.OPERATOR_EQ]: 'eq',
  [Operator.OPERATOR_NE]: 'ne',
  [Operator.OPERATOR_CONTAINS]: 'co',
  [Operator.OPERATOR_STARTS_WITH]: 'sw',
  [Operator.OPERATOR_ENDS_WITH]: 'ew',
  [Operator.OPERATOR_GT]: 'gt',
  [Operator.OPERATOR_GE]: 'ge',
  [Operator.OPERATOR_LT]: 'lt',
  [Operator.OPERATOR_LE]: 'le',
  [Operator.OPERATOR_PRESENT]: 'pr',
};

function filterFromProto(filter: PbFilter, depth: number): d.Filter {
  if (depth > 64) throw new InvalidArgumentError('INVALID_FILTER', 'the filter is nested too deeply');
  const node = filter.node;
  switch (node?.$case) {
    case 'and':
      return { and: node.value.filters.map((f) => filterFromProto(f, depth + 1)) };
    case 'or':
      return { or: node.value.filters.map((f) => filterFromProto(f, depth + 1)) };
    case 'not':
      return { not: filterFromProto(node.value, depth + 1) };
    case 'anyEmail':
      return { anyEmail: filterFromProto(node.value, depth + 1) };
    case 'compare': {
      const op = OPERATORS[node.value.op];
      if (!op) throw new InvalidArgumentError('INVALID_FILTER', 'a comparison needs an operator');
      const kind = node.value.value?.kind;
      const value: d.FilterValue =
        kind === undefined || kind.$case === 'nullValue' ? null : (kind.value as d.FilterValue);
      if (value === null && op !== 'pr' && kind === undefined) {
        throw new InvalidArgumentError('INVALID_FILTER', `${node.value.field} ${op} needs a value`);
      }
      return { field: node.value.field, op, value };
    }
    case undefined:
      throw new InvalidArgumentError('INVALID_FILTER', 'an empty filter node');
  }
}

export function queryFromProto(query: PbQuery | undefined): d.Query {
  return {
    filter: query?.filter ? filterFromProto(query.filter, 0) : undefined,
    orderBy: query?.orderBy || undefined,
    descending: query?.descending ?? false,
    offset: query?.offset ?? 0,
    limit: query?.limit,
    cursor: query?.cursor || undefined,
    skipTotal: query?.skipTotal ?? false,
  };
}
