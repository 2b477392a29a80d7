import { badRequest } from '../../errors/scim-error.js';
import { isObject, pick } from '../coerce.js';
import type { Filter } from '../filter/ast.js';
import { parseFilter } from '../filter/parse.js';

import { DEFAULT_LIMITS } from '../../limits.js';

export type OpName = 'add' | 'replace' | 'remove';

/** A parsed PATCH path (RFC 7644 §3.5.2): `attr`, `attr.sub`, `attr[filter]`, `attr[filter].sub`. */
export interface PatchPath {
  attrPath: string;
  filter?: Filter;
  sub?: string;
}

export interface Operation {
  op: OpName;
  path?: PatchPath;
  /** The path as sent, for messages. */
  rawPath?: string;
  value: unknown;
}

const FORBIDDEN = /(^|[.:[\]])(__proto__|constructor|prototype)($|[.:[\]])/;

export function parsePath(raw: string): PatchPath {
  const path = raw.trim();
  if (!path || FORBIDDEN.test(path)) throw badRequest('invalidPath', `"${raw}" is not a valid path`);
  const open = path.indexOf('[');
  if (open === -1) {
    return { attrPath: path };
  }
  const close = path.lastIndexOf(']');
  if (close < open) throw badRequest('invalidPath', `"${raw}" has an unclosed "["`);
  const rest = path.slice(close + 1);
  if (rest && !/^\.[A-Za-z$][\w$-]*$/.test(rest))
    throw badRequest('invalidPath', `"${raw}" is not a valid path`);
  let filter: Filter;
  try {
    filter = parseFilter(path.slice(open + 1, close));
  } catch (error) {
    throw badRequest('invalidPath', `"${raw}": ${(error as Error).message}`);
  }
  return { attrPath: path.slice(0, open), filter, sub: rest ? rest.slice(1) : undefined };
}

/**
 * Reads a PatchOp body (RFC 7644 §3.5.2). Operation names match in any case, as
 * Entra sends "Replace"; `remove` needs a path.
 */
export function parseOperations(body: unknown, maxOperations = DEFAULT_LIMITS.patchOperations): Operation[] {
  if (!isObject(body)) throw badRequest('invalidSyntax', 'the body must be a PatchOp object');
  const operations = pick(body, 'Operations');
  if (!Array.isArray(operations) || operations.length === 0) {
    throw badRequest('invalidSyntax', 'Operations must be a non-empty array');
  }
  if (operations.length > maxOperations)
    throw badRequest('tooMany', `at most ${maxOperations} operations per PATCH`);
  return operations.map((raw, i) => {
    if (!isObject(raw)) throw badRequest('invalidSyntax', `Operations[${i}] must be an object`);
    const op = String(pick(raw, 'op') ?? '').toLowerCase();
    if (op !== 'add' && op !== 'replace' && op !== 'remove') {
      throw badRequest('invalidSyntax', `Operations[${i}].op must be add, replace or remove`);
    }
    const rawPath = pick(raw, 'path');
    if (rawPath !== undefined && rawPath !== null && typeof rawPath !== 'string') {
      throw badRequest('invalidPath', `Operations[${i}].path must be a string`);
    }
    const value = pick(raw, 'value');
    if (!rawPath && op === 'remove') throw badRequest('noTarget', `Operations[${i}]: remove needs a path`);
    if (!rawPath && !isObject(value)) {
      throw badRequest(
        'invalidValue',
        `Operations[${i}]: without a path, the value must be an object of attributes`,
      );
    }
    if (op !== 'remove' && value === undefined)
      throw badRequest('invalidValue', `Operations[${i}] needs a value`);
    return { op, path: rawPath ? parsePath(rawPath) : undefined, rawPath: rawPath || undefined, value };
  });
}
