import type { Query } from '#proto/query.js';
import { and, cmp } from '@wizer/directory-client';
import { badRequest } from '../errors/scim-error.js';
import type { Limits } from '../limits.js';
import { pick } from './coerce.js';
import { parseFilter } from './filter/parse.js';
import { sortField, toQueryFilter } from './filter/to-query.js';
import { attributeList } from './projection.js';
import type { ResourceTypeDef } from './schemas.js';

/** The limits list parameters are checked against (a subset of the gateway's Limits). */
export type PagingLimits = Pick<Limits, 'defaultCount' | 'maxCount'> &
  Partial<Pick<Limits, 'filterLength' | 'filterDepth'>>;

export interface ListParams {
  query: Query;
  startIndex: number;
  /** The client pages by cursor (RFC 9865), not by startIndex. */
  cursorPaging: boolean;
  attributes?: string[];
  excludedAttributes?: string[];
}

/**
 * The largest startIndex: the offset travels to the directory as a uint32, and no tenant comes near
 * 2³¹ resources, so a larger one is refused (400 invalidValue) rather than failing to encode (500).
 */
export const MAX_START_INDEX = 2 ** 31 - 1;

function integer(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const n = typeof value === 'number' ? value : Number(String(value).trim());
  if (!Number.isInteger(n)) throw badRequest('invalidValue', `${name} must be an integer`);
  return n;
}

/**
 * Reads list parameters from a query string or a SearchRequest body (RFC 7644
 * §3.4.2, §3.4.3): startIndex below 1 counts as 1, above MAX_START_INDEX is refused;
 * count is clamped to 0…max; `count=0` asks only for the total.
 */
export function listParams(
  type: ResourceTypeDef,
  source: Record<string, unknown>,
  limits: PagingLimits,
  base?: Query['filter'],
  options: { unknownMatchesNothing?: boolean } = {},
): ListParams {
  const startIndex = Math.max(1, integer(pick(source, 'startIndex'), 'startIndex') ?? 1);
  if (startIndex > MAX_START_INDEX)
    throw badRequest('invalidValue', `startIndex must be at most ${MAX_START_INDEX}`);
  const count = Math.min(
    limits.maxCount,
    Math.max(0, integer(pick(source, 'count'), 'count') ?? limits.defaultCount),
  );
  const filterText = pick(source, 'filter');
  if (filterText !== undefined && typeof filterText !== 'string')
    throw badRequest('invalidFilter', 'filter must be a string');
  const scimFilter = filterText ? toQueryFilter(type, parseFilter(filterText, limits), options) : undefined;
  const filter = base && scimFilter ? and(base, scimFilter) : (base ?? scimFilter);
  // RFC 9865: `cursor` (empty for the first page) asks for cursor paging instead of startIndex.
  const rawCursor = pick(source, 'cursor');
  const cursor = rawCursor === undefined || rawCursor === null ? undefined : String(rawCursor);
  const sortBy = pick(source, 'sortBy');
  const sortOrder = String(pick(source, 'sortOrder') ?? 'ascending').toLowerCase();
  if (sortOrder !== 'ascending' && sortOrder !== 'descending') {
    throw badRequest('invalidValue', 'sortOrder must be ascending or descending');
  }
  return {
    startIndex,
    cursorPaging: cursor !== undefined,
    attributes: attributeList(pick(source, 'attributes')),
    excludedAttributes: attributeList(pick(source, 'excludedAttributes')),
    query: {
      filter,
      orderBy: typeof sortBy === 'string' && sortBy ? sortField(type, sortBy) : '',
      descending: sortOrder === 'descending',
      offset: cursor === undefined ? startIndex - 1 : 0,
      limit: count,
      cursor: cursor ?? '',
      // Cursor paging (RFC 9865) is for walking large directories: counting every match
      // would cost more than the page itself.
      skipTotal: cursor !== undefined,
    },
  };
}

/** Groups are the pushed departments only. */
export const PUSHED_ONLY = cmp('pushed', 'eq', true);

/** The ListResponse envelope (RFC 7644 §3.4.2): numbers as numbers, itemsPerPage = resources returned. */
export function listResponse(
  resources: unknown[],
  total: number | undefined,
  startIndex: number,
  nextCursor?: string,
) {
  return {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
    ...(total !== undefined && { totalResults: total }),
    startIndex,
    itemsPerPage: resources.length,
    ...(nextCursor && { nextCursor }),
    Resources: resources,
  };
}
