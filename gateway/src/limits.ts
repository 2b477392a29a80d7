/**
 * What one request may ask of the service. Each limit is configurable (see
 * config.ts and the README); a request past one gets a SCIM error, never a crash.
 */
export interface Limits {
  /** Page size when the client names none. */
  defaultCount: number;
  /** The most resources one page returns; larger counts are clamped (advertised as filter.maxResults). */
  maxCount: number;
  /** Characters in a filter (400 invalidFilter). */
  filterLength: number;
  /** Nesting of parentheses, `not` and value paths in a filter (400 invalidFilter). */
  filterDepth: number;
  /** Nesting of arrays and objects in a JSON body (400 invalidSyntax). */
  jsonDepth: number;
  /** Operations in one PATCH (400 tooMany). */
  patchOperations: number;
  /** Member ids in one request (400 tooMany). */
  membersPerRequest: number;
  /**
   * Group members one list response (GET /Groups, POST /Groups/.search) carries in all: a page
   * ends before the group that would pass it, and a group larger than it is listed without members.
   */
  listMembers: number;
}

export const DEFAULT_LIMITS: Limits = Object.freeze({
  defaultCount: 100,
  maxCount: 1000,
  filterLength: 4096,
  filterDepth: 32,
  jsonDepth: 32,
  patchOperations: 1000,
  membersPerRequest: 20_000,
  // About 2 MB of JSON: twenty groups of 5,000 members in one page built 18 MB.
  listMembers: 10_000,
});

/**
 * Values one multi-valued attribute (emails, phoneNumbers, addresses, roles…) may hold after a
 * PATCH (400 tooMany). Not configurable: it is the directory's own limit (`MAX_VALUES` in
 * services/directory/src/domain/validation.ts), checked by the gateway while it applies the
 * operations, so a PATCH that could never be stored costs no more than one that can.
 */
export const MAX_VALUES_PER_ATTRIBUTE = 100;

/**
 * Characters in one string a PATCH sets inside a multi-valued attribute (an email's `value` or
 * `display`, a role…), 400 invalidValue: the directory's limit for any text. With at most
 * MAX_VALUES_PER_ATTRIBUTE values, it bounds what one operation costs (matching a filter over the
 * elements, copying a sub-attribute onto all of them) whatever earlier operations did.
 */
export const MAX_VALUE_LENGTH = 4096;
