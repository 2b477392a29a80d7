import { InvalidArgumentError } from './errors.js';
import { TEXT_ATTRIBUTES, type User, type UserProfile } from './types.js';

const camel = (path: string) => path.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());

const TOP_LEVEL = new Set([
  'userName',
  'externalId',
  'active',
  'name',
  'displayName',
  ...TEXT_ATTRIBUTES,
  'emails',
  'phoneNumbers',
  'addresses',
  'enterprise',
  'extra',
]);
const NAME = new Set([
  'formatted',
  'familyName',
  'givenName',
  'middleName',
  'honorificPrefix',
  'honorificSuffix',
]);
const ENTERPRISE = new Set([
  'employeeNumber',
  'costCenter',
  'organization',
  'division',
  'department',
  'manager',
]);

/** The writable part of a stored user. */
export function profileOf(user: User): UserProfile {
  const { id: _id, version: _v, createdAt: _c, updatedAt: _u, memberships: _m, ...profile } = user;
  return profile;
}

/**
 * Applies a field mask (AIP-134): each named field takes its value from `patch`,
 * and a named field that `patch` leaves out is cleared. Paths are the proto
 * field names, top level or one level into `name` and `enterprise`.
 */
export function applyMask(current: User, patch: Partial<UserProfile>, mask: readonly string[]): UserProfile {
  const next: UserProfile = structuredClone(profileOf(current));
  const target = next as unknown as Record<string, unknown>;
  const source = patch as unknown as Record<string, unknown>;
  for (const rawPath of mask) {
    const [head = '', sub, ...rest] = rawPath.split('.').map(camel);
    if (!TOP_LEVEL.has(head) || rest.length > 0) {
      throw new InvalidArgumentError('INVALID_PATH', `cannot update ${rawPath}`);
    }
    if (sub === undefined) {
      const value = source[head];
      if (head === 'emails' || head === 'phoneNumbers' || head === 'addresses') target[head] = value ?? [];
      else if (head === 'active') target[head] = value ?? false;
      else target[head] = value;
      continue;
    }
    const allowed = head === 'name' ? NAME : head === 'enterprise' ? ENTERPRISE : undefined;
    if (!allowed?.has(sub)) throw new InvalidArgumentError('INVALID_PATH', `cannot update ${rawPath}`);
    const from = (source[head] ?? {}) as Record<string, unknown>;
    const into = { ...((target[head] ?? {}) as Record<string, unknown>), [sub]: from[sub] };
    target[head] = into;
  }
  return next;
}
