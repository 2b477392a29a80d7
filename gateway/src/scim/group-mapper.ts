import type { Department, Member } from '#proto/department.js';
import { badRequest } from '../errors/scim-error.js';
import { asList, asString, checkKey, pick } from './coerce.js';
import { DEFAULT_LIMITS } from '../limits.js';
import { GROUP_SCHEMA } from './schemas.js';
import { etagOf } from './user-mapper.js';

/** The only module that knows both the SCIM Group and the directory's Department. */

type Json = Record<string, unknown>;

export interface GroupInput {
  displayName: string;
  externalId?: string;
  memberIds: string[];
  extra?: Json;
}

const KNOWN = new Set(['schemas', 'id', 'meta', 'displayname', 'externalid', 'members']);

/** Member ids from `[{value, display?, type?}]`; a member without a value is refused. */
export function memberIdsOf(
  value: unknown,
  path = 'members',
  max = DEFAULT_LIMITS.membersPerRequest,
): string[] {
  const list = asList(value, path);
  if (list.length > max) throw badRequest('tooMany', `at most ${max} members in one request`);
  return list.map((item, i) => {
    const id = asString(pick(item, 'value'), `${path}[${i}].value`);
    if (!id) throw badRequest('invalidValue', `${path}[${i}] needs a value (the user's id)`);
    return id;
  });
}

/** A SCIM Group body → what the directory needs to push it. */
export function groupFromScim(body: Json, maxMembers = DEFAULT_LIMITS.membersPerRequest): GroupInput {
  const displayName = asString(pick(body, 'displayName'), 'displayName');
  if (!displayName?.trim()) throw badRequest('invalidValue', 'displayName is required');
  const extra: Json = {};
  for (const [key, value] of Object.entries(body)) {
    checkKey(key);
    if (!KNOWN.has(key.toLowerCase())) extra[key] = value;
  }
  return {
    displayName,
    externalId: asString(pick(body, 'externalId'), 'externalId'),
    memberIds: memberIdsOf(pick(body, 'members'), 'members', maxMembers),
    extra: Object.keys(extra).length ? (JSON.parse(JSON.stringify(extra)) as Json) : undefined,
  };
}

/**
 * The directory's Department → the SCIM Group; `members` only when they were loaded and
 * there are some (RFC 7643 §2.5: an empty multi-valued attribute is unassigned, and
 * unassigned attributes are left out, as for users).
 */
export function groupToScim(department: Department, members: Member[] | undefined, baseUrl: string): Json {
  const resource: Json = {
    schemas: [GROUP_SCHEMA],
    id: department.id,
    externalId: department.externalId || undefined,
    displayName: department.name,
    members: members?.length
      ? members.map((m) => ({
          value: m.userId,
          $ref: `${baseUrl}/Users/${m.userId}`,
          display: m.userName,
          type: 'User',
        }))
      : undefined,
    ...(department.extra ?? {}),
    meta: {
      resourceType: 'Group',
      created: department.createdAt?.toISOString(),
      lastModified: department.updatedAt?.toISOString(),
      location: `${baseUrl}/Groups/${department.id}`,
      version: etagOf(department.version),
    },
  };
  return Object.fromEntries(Object.entries(resource).filter(([, v]) => v !== undefined));
}
