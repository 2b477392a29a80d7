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
}

export const DEFAULT_LIMITS: Limits = Object.freeze({
  defaultCount: 100,
  maxCount: 1000,
  filterLength: 4096,
  filterDepth: 32,
  jsonDepth: 32,
  patchOperations: 1000,
  membersPerRequest: 20_000,
});
