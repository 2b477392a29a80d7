import { badRequest } from '../../errors/scim-error.js';
import { isObject } from '../coerce.js';
import { resolvePath, type ResourceTypeDef } from '../schemas.js';
import { deleteIn, keyIn, setIn } from './keys.js';
import { managerOf } from '../manager.js';
import { isEmpty, merge } from './merge.js';
import { applyMultiValued, type Location } from './multi-valued.js';
import { parsePath, type Operation, type OpName, type PatchPath } from './operations.js';

type Json = Record<string, unknown>;

/** Attributes a client may not write; without a path they are skipped (Okta echoes `id`). */
const READ_ONLY = new Set(['id', 'meta', 'groups', 'schemas']);

function locate(type: ResourceTypeDef, doc: Json, path: PatchPath, raw: string): Location {
  const resolved = resolvePath(type, path.attrPath);
  if (!resolved) {
    // Attributes the directory does not model are kept verbatim, and patched by their name.
    if (/[.:]/.test(path.attrPath) || path.filter)
      throw badRequest('invalidPath', `unknown attribute in path "${raw}"`);
    const key = keyIn(doc, path.attrPath);
    return { container: doc, key, touched: key };
  }
  if (resolved.schema !== type.schema) {
    const urn = resolved.schema.id;
    const holder = keyIn(doc, urn);
    if (!isObject(doc[holder])) setIn(doc, holder, {});
    const container = doc[holder] as Json;
    return {
      container,
      key: keyIn(container, resolved.attribute.name),
      attribute: resolved.attribute,
      sub: resolved.sub,
      touched: urn,
    };
  }
  const key = keyIn(doc, resolved.attribute.name);
  return {
    container: doc,
    key,
    attribute: resolved.attribute,
    sub: resolved.sub,
    touched: resolved.attribute.name,
  };
}

function applyAt(
  type: ResourceTypeDef,
  doc: Json,
  op: OpName,
  path: PatchPath,
  value: unknown,
  raw: string,
  touched: Set<string>,
) {
  const loc = locate(type, doc, path, raw);
  touched.add(loc.touched);
  if (loc.attribute?.name === 'manager' && !loc.sub && op !== 'remove') {
    // Every shape a client sends the manager in (Entra's bare id, `[{"$ref", "value"}]`), as one.
    const manager = managerOf(value, raw);
    if (!manager) return deleteIn(loc.container, loc.key);
    value = manager;
  }
  if (loc.attribute?.name === 'active' && loc.container === doc && (op === 'remove' || isEmpty(value))) {
    // A user is active or not: removing `active` leaves it unassigned, which we read as not
    // active (RFC 7643 gives no default; deactivation is what a client that removes it means).
    return setIn(doc, loc.key, false);
  }
  if (loc.attribute?.multiValued) return applyMultiValued(op, loc, path, value, raw);
  if (path.filter || path.sub)
    throw badRequest('invalidPath', `"${raw}": only multi-valued attributes take a filter`);
  if (loc.sub) {
    const parent = isObject(loc.container[loc.key]) ? (loc.container[loc.key] as Json) : {};
    const key = keyIn(parent, loc.sub.name);
    if (op === 'remove' || isEmpty(value)) deleteIn(parent, key);
    else setIn(parent, key, value);
    setIn(loc.container, loc.key, parent);
    return;
  }
  if (op === 'remove' || isEmpty(value)) deleteIn(loc.container, loc.key);
  else if (loc.attribute?.type === 'complex')
    setIn(loc.container, loc.key, merge(loc.container[loc.key], value));
  else setIn(loc.container, loc.key, value);
}

/**
 * Applies PATCH operations to a resource document (RFC 7644 §3.5.2) and returns
 * the top-level attributes touched. Read-only attributes named without a path
 * are skipped; named by a path they are a `mutability` error.
 */
export function applyOperations(type: ResourceTypeDef, doc: Json, operations: Operation[]): Set<string> {
  const touched = new Set<string>();
  for (const { op, path, rawPath, value } of operations) {
    const extensionPath =
      path && !path.filter && type.extensions.find((s) => s.id.toLowerCase() === path.attrPath.toLowerCase());
    if (extensionPath) {
      // `"path": "urn:…:enterprise:2.0:User"` with an object of its attributes.
      if (op === 'remove') {
        deleteIn(doc, keyIn(doc, extensionPath.id));
        touched.add(extensionPath.id);
        continue;
      }
      if (!isObject(value)) throw badRequest('invalidValue', `${rawPath} takes an object of its attributes`);
      for (const [name, v] of Object.entries(value)) {
        // Clients built on typed SCIM models send the extension's `schemas` along: not an attribute.
        if (name.toLowerCase() === 'schemas') continue;
        applyAt(type, doc, op, parsePath(`${extensionPath.id}:${name}`), v, `${rawPath}:${name}`, touched);
      }
      continue;
    }
    if (path) {
      const head = path.attrPath.toLowerCase();
      if (READ_ONLY.has(head) || head.startsWith('meta.'))
        throw badRequest('mutability', `${rawPath} is read-only`);
      if (head === 'password') continue;
      applyAt(type, doc, op, path, value, rawPath!, touched);
      continue;
    }
    for (const [key, v] of Object.entries(value as Json)) {
      const lower = key.toLowerCase();
      if (READ_ONLY.has(lower) || lower === 'password') continue;
      const extension = type.extensions.find((s) => s.id.toLowerCase() === lower);
      if (extension && isObject(v)) {
        for (const [subKeyName, subValue] of Object.entries(v)) {
          if (subKeyName.toLowerCase() === 'schemas') continue;
          applyAt(
            type,
            doc,
            op,
            parsePath(`${extension.id}:${subKeyName}`),
            subValue,
            `${key}:${subKeyName}`,
            touched,
          );
        }
      } else {
        applyAt(type, doc, op, parsePath(key), v, key, touched);
      }
    }
  }
  return touched;
}
