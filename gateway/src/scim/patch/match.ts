import { badRequest } from '../../errors/scim-error.js';
import { isObject } from '../coerce.js';
import type { Filter } from '../filter/ast.js';
import type { AttributeDef } from '../schemas.js';
import { keyIn } from './keys.js';

type Json = Record<string, unknown>;

function valueOf(item: Json, name: string): unknown {
  const key = keyIn(item, name);
  return Object.hasOwn(item, key) ? item[key] : undefined;
}

function normalise(value: unknown, caseExact: boolean): unknown {
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  return typeof value === 'string' && !caseExact ? value.toLowerCase() : value;
}

/**
 * Whether one element of a multi-valued attribute matches a PATCH path filter
 * (`emails[type eq "work"]`, `members[value eq "…"]`). This looks at one resource's
 * own values, never at a list of resources.
 */
export function matches(attribute: AttributeDef, item: unknown, filter: Filter): boolean {
  if (!isObject(item)) return false;
  switch (filter.op) {
    case 'and':
      return filter.filters.every((f) => matches(attribute, item, f));
    case 'or':
      return filter.filters.some((f) => matches(attribute, item, f));
    case 'not':
      return !matches(attribute, item, filter.filter);
    case '[]':
      throw badRequest('invalidPath', 'value paths cannot nest');
    default: {
      const sub = attribute.subAttributes?.find(
        (s) => s.name.toLowerCase() === filter.attrPath.toLowerCase(),
      );
      if (!sub) throw badRequest('invalidPath', `unknown attribute "${attribute.name}.${filter.attrPath}"`);
      const actual = normalise(valueOf(item, sub.name), sub.caseExact);
      if (filter.op === 'pr') return actual !== undefined && actual !== null && actual !== '';
      const expected = normalise(filter.compValue, sub.caseExact);
      switch (filter.op) {
        case 'eq':
          return (
            actual === expected || (expected === false && actual === undefined && sub.type === 'boolean')
          );
        case 'ne':
          return actual !== expected;
        case 'co':
          return typeof actual === 'string' && actual.includes(String(expected));
        case 'sw':
          return typeof actual === 'string' && actual.startsWith(String(expected));
        case 'ew':
          return typeof actual === 'string' && actual.endsWith(String(expected));
        case 'gt':
          return (actual as string) > (expected as string);
        case 'ge':
          return (actual as string) >= (expected as string);
        case 'lt':
          return (actual as string) < (expected as string);
        case 'le':
          return (actual as string) <= (expected as string);
      }
    }
  }
}

/** The sub-attribute values a filter pins with `eq` (`type eq "work"`), to seed a new element. */
export function seedOf(filter: Filter): Json {
  if (filter.op === 'eq') return { [filter.attrPath]: filter.compValue };
  if (filter.op === 'and') return Object.assign({}, ...filter.filters.map(seedOf));
  return {};
}
