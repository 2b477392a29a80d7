import { badRequest } from '../../errors/scim-error.js';
import { asString } from '../coerce.js';
import { memberIdsOf } from '../group-mapper.js';
import type { Filter } from '../filter/ast.js';
import type { Operation } from './operations.js';
import { DEFAULT_LIMITS } from '../../limits.js';

/** What a Group PATCH asks of the directory: at most a rename and one atomic member delta. */
export interface GroupChanges {
  displayName?: string;
  /** null clears it */
  externalId?: string | null;
  /** When set, the pushed members become exactly these. */
  replace?: string[];
  add: string[];
  remove: string[];
}

/** Member ids pinned by `members[value eq "…"]` (or several joined with `or`). */
function idsOfFilter(filter: Filter): string[] {
  if (
    filter.op === 'eq' &&
    filter.attrPath.toLowerCase() === 'value' &&
    typeof filter.compValue === 'string'
  ) {
    return [filter.compValue];
  }
  if (filter.op === 'or') return filter.filters.flatMap(idsOfFilter);
  throw badRequest('invalidPath', 'a members filter must be value eq "<id>" (optionally joined with or)');
}

/**
 * Folds a Group PATCH into directory calls, in operation order, without reading
 * the group: each operation updates the pending delta, so the directory applies
 * the net effect atomically (RFC 7644 §3.5.2 semantics, Okta and Entra shapes).
 */
export function groupChanges(
  operations: Operation[],
  maxMembers = DEFAULT_LIMITS.membersPerRequest,
): GroupChanges {
  let replace: Set<string> | undefined;
  const add = new Set<string>();
  const remove = new Set<string>();
  const changes: GroupChanges = { add: [], remove: [] };

  const addMembers = (ids: string[]) => {
    for (const id of ids) {
      remove.delete(id);
      if (replace) replace.add(id);
      else add.add(id);
    }
  };
  const removeMembers = (ids: string[]) => {
    for (const id of ids) {
      add.delete(id);
      if (replace) replace.delete(id);
      else remove.add(id);
    }
  };
  const replaceMembers = (ids: string[]) => {
    replace = new Set(ids);
    add.clear();
    remove.clear();
  };

  const setAttribute = (op: Operation['op'], name: string, value: unknown) => {
    switch (name.toLowerCase()) {
      case 'displayname': {
        const displayName = op === 'remove' ? undefined : asString(value, 'displayName');
        if (!displayName?.trim())
          throw badRequest('invalidValue', 'displayName is required and cannot be removed');
        changes.displayName = displayName;
        return;
      }
      case 'externalid':
        changes.externalId = op === 'remove' ? null : (asString(value, 'externalId') ?? null);
        return;
      case 'members':
        if (op === 'remove') {
          // Entra: remove with a value list removes those; without one, all.
          if (value === undefined || value === null) replaceMembers([]);
          else removeMembers(memberIdsOf(value, 'members', maxMembers));
        } else if (op === 'replace') replaceMembers(memberIdsOf(value, 'members', maxMembers));
        else addMembers(memberIdsOf(value, 'members', maxMembers));
        return;
      // Okta's path-less replace carries the group's own id: read-only, skipped.
      case 'id':
      case 'schemas':
      case 'meta':
        return;
      default:
        throw badRequest('invalidPath', `Groups have no writable attribute "${name}"`);
    }
  };

  for (const operation of operations) {
    const { op, path, value } = operation;
    if (!path) {
      for (const [key, v] of Object.entries(value as Record<string, unknown>)) setAttribute(op, key, v);
      continue;
    }
    const attr = path.attrPath.replace(/^urn:ietf:params:scim:schemas:core:2\.0:group:/i, '');
    if (path.filter) {
      if (attr.toLowerCase() !== 'members' || path.sub)
        throw badRequest('invalidPath', `unsupported path "${operation.rawPath}"`);
      if (op !== 'remove') throw badRequest('invalidPath', 'use add with path "members" to add members');
      removeMembers(idsOfFilter(path.filter));
      continue;
    }
    if (['id', 'meta', 'schemas'].includes(attr.toLowerCase()))
      throw badRequest('mutability', `${attr} is read-only`);
    setAttribute(op, attr, value);
  }
  return { ...changes, replace: replace && [...replace], add: [...add], remove: [...remove] };
}
