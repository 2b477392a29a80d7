import type { Filter as QueryFilter } from '#proto/query.js';
import { and, anyEmail, cmp, not, or } from '@wizer/directory-client';
import { badRequest } from '../../errors/scim-error.js';
import { resolvePath, type AttributeDef, type ResourceTypeDef } from '../schemas.js';
import type { CompValue, Filter } from './ast.js';

function fail(message: string): never {
  throw badRequest('invalidFilter', message);
}

/** Checks a comparison value against the attribute's type and makes it the directory's value. */
function valueFor(
  attribute: AttributeDef,
  path: string,
  op: string,
  value: CompValue,
): string | boolean | Date | null {
  if (value === null) return null;
  switch (attribute.type) {
    case 'boolean':
      if (typeof value !== 'boolean') fail(`${path} is a boolean: compare it with true or false`);
      if (op !== 'eq' && op !== 'ne') fail(`${path} is a boolean: only eq, ne and pr apply`);
      return value;
    case 'dateTime': {
      const date = typeof value === 'string' ? new Date(value) : undefined;
      if (!date || Number.isNaN(date.getTime()))
        fail(`${path} is a date-time: compare it with an ISO 8601 string`);
      return date;
    }
    default:
      if (typeof value !== 'string') fail(`${path} is a string: compare it with a quoted string`);
      return value;
  }
}

function compare(field: string, attribute: AttributeDef, path: string, filter: Filter): QueryFilter {
  if (filter.op === 'pr') return cmp(field, 'pr');
  if (!('compValue' in filter)) fail('expected a comparison');
  return cmp(field, filter.op, valueFor(attribute, path, filter.op, filter.compValue));
}

/**
 * Translates a parsed filter into the directory's typed query for one resource
 * type. Attribute names resolve case-insensitively through the schema; an
 * attribute that is unknown, or that the directory does not index, is
 * `invalidFilter` — nothing is ever evaluated by scanning in JavaScript.
 */
export function toQueryFilter(
  type: ResourceTypeDef,
  filter: Filter,
  options: { unknownMatchesNothing?: boolean } = {},
): QueryFilter {
  const recurse = (f: Filter) => toQueryFilter(type, f, options);
  switch (filter.op) {
    case 'and':
      return and(...filter.filters.map(recurse));
    case 'or':
      return or(...filter.filters.map(recurse));
    case 'not':
      return not(recurse(filter.filter));
    case '[]':
      if (options.unknownMatchesNothing && !resolvePath(type, filter.attrPath)) return NOTHING;
      return valuePath(type, filter.attrPath, filter.valFilter);
    default:
      // Root searches span resource types: a term about an attribute this type lacks is false for it.
      if (options.unknownMatchesNothing && !resolvePath(type, filter.attrPath)) return NOTHING;
      return comparison(type, filter);
  }
}

/** A condition no resource meets: every resource has an id. */
const NOTHING = not(cmp('id', 'pr'));

function comparison(type: ResourceTypeDef, filter: Extract<Filter, { attrPath: string }>): QueryFilter {
  const resolved = resolvePath(type, filter.attrPath);
  if (!resolved) fail(`unknown attribute "${filter.attrPath}" for ${type.name}`);
  const { attribute, sub } = resolved;
  // A multi-valued attribute compared as a whole compares its `value` (RFC 7644 §3.4.2.2).
  if (attribute.multiValued) {
    const subFilter = { ...filter, attrPath: sub?.name ?? 'value' } as Filter;
    return valuePath(type, attribute.name, subFilter);
  }
  const target = sub ?? attribute;
  if (target.type === 'complex') fail(`"${filter.attrPath}" is complex: filter on one of its sub-attributes`);
  if (!target.queryField) fail(`"${filter.attrPath}" cannot be used in a filter`);
  return compare(target.queryField, target, filter.attrPath, filter);
}

/** `emails[type eq "work" and value co "@x"]`, `members[value eq "…"]`. */
function valuePath(type: ResourceTypeDef, attrPath: string, valFilter: Filter): QueryFilter {
  const resolved = resolvePath(type, attrPath);
  if (!resolved) fail(`unknown attribute "${attrPath}" for ${type.name}`);
  const { attribute } = resolved;
  if (!attribute.multiValued || !attribute.subAttributes) fail(`"${attrPath}" is not multi-valued`);
  const inner = (f: Filter): QueryFilter => {
    switch (f.op) {
      case 'and':
        return and(...f.filters.map(inner));
      case 'or':
        return or(...f.filters.map(inner));
      case 'not':
        return not(inner(f.filter));
      case '[]':
        return fail('value paths cannot nest');
      default: {
        const sub = attribute.subAttributes!.find((s) => s.name.toLowerCase() === f.attrPath.toLowerCase());
        if (!sub) fail(`unknown attribute "${attrPath}.${f.attrPath}"`);
        if (attribute.name === 'emails') return compare(sub.name, sub, `emails.${sub.name}`, f);
        if (!sub.queryField) fail(`"${attrPath}.${sub.name}" cannot be used in a filter`);
        if (f.op !== 'eq') fail(`"${attrPath}.${sub.name}" supports only eq`);
        return compare(sub.queryField, sub, `${attrPath}.${sub.name}`, f);
      }
    }
  };
  const translated = inner(valFilter);
  return attribute.name === 'emails' ? anyEmail(translated) : translated;
}

/** The directory field to sort by for a SCIM `sortBy`, or invalidValue. */
export function sortField(type: ResourceTypeDef, sortBy: string): string {
  const resolved = resolvePath(type, sortBy);
  const target = resolved?.sub ?? resolved?.attribute;
  if (!target || target.multiValued || !target.queryField || target.queryField === 'member_user_id') {
    throw badRequest('invalidValue', `cannot sort by "${sortBy}"`);
  }
  return target.queryField;
}
