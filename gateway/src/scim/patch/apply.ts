import { badRequest } from '../../errors/scim-error.js';
import { isObject } from '../coerce.js';
import { resolvePath, type AttributeDef, type ResourceTypeDef } from '../schemas.js';
import { matches, seedOf } from './match.js';
import { parsePath, type Operation, type OpName, type PatchPath } from './operations.js';

type Json = Record<string, unknown>;

/** Attributes a client may not write; without a path they are skipped (Okta echoes `id`). */
const READ_ONLY = new Set(['id', 'meta', 'groups', 'schemas']);

const isEmpty = (value: unknown) => value === null || value === undefined || value === '';

function keyIn(object: Json, name: string): string {
  return Object.keys(object).find((k) => k.toLowerCase() === name.toLowerCase()) ?? name;
}

/** Where a path lands in the resource document. */
interface Location {
  container: Json;
  key: string;
  attribute?: AttributeDef;
  sub?: AttributeDef;
  /** The top-level key touched: a core attribute name or an extension URN. */
  touched: string;
}

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
    if (!isObject(doc[holder])) doc[holder] = {};
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

function subKey(item: Json, sub: string): string {
  return keyIn(item, sub);
}

/** add / replace of a value onto a complex attribute: named sub-attributes are set, others kept. */
function merge(current: unknown, value: unknown, attribute: AttributeDef | undefined): unknown {
  // Entra sends the manager as a bare id.
  if (attribute?.name === 'manager' && typeof value === 'string') value = { value };
  if (!isObject(value)) return value;
  const out: Json = isObject(current) ? { ...current } : {};
  for (const [k, v] of Object.entries(value)) {
    const key = keyIn(out, k);
    if (isEmpty(v)) delete out[key];
    else out[key] = v;
  }
  return out;
}

function setPrimaryExclusive(list: Json[], chosen: Json[]): void {
  // RFC 7643 §2.4: a new primary value makes the others non-primary.
  const isPrimary = (item: Json) => /^true$/i.test(String(item[subKey(item, 'primary')]));
  if (!chosen.some(isPrimary)) return;
  for (const item of list) if (!chosen.includes(item)) delete item[subKey(item, 'primary')];
}

function applyMultiValued(op: OpName, loc: Location, path: PatchPath, value: unknown, raw: string): void {
  const attribute = loc.attribute!;
  const current = Array.isArray(loc.container[loc.key]) ? (loc.container[loc.key] as Json[]) : [];
  const sub = loc.sub?.name ?? path.sub;
  if (sub && !attribute.subAttributes?.some((s) => s.name.toLowerCase() === sub.toLowerCase())) {
    throw badRequest('invalidPath', `unknown attribute in path "${raw}"`);
  }
  if (path.filter) {
    const hits = current.filter((item) => matches(attribute, item, path.filter!));
    if (op === 'remove') {
      if (sub) for (const item of hits) delete item[subKey(item, sub)];
      else loc.container[loc.key] = current.filter((item) => !hits.includes(item));
      return;
    }
    if (hits.length === 0) {
      // Entra adds `emails[type eq "work"].value` when there is no work email yet: create it.
      const seed: Json = {};
      for (const [k, v] of Object.entries(seedOf(path.filter))) {
        const known = attribute.subAttributes?.find((s) => s.name.toLowerCase() === k.toLowerCase());
        if (known) seed[known.name] = v;
      }
      const item = sub ? { ...seed, [sub]: value } : (merge(seed, value, attribute) as Json);
      loc.container[loc.key] = [...current, item];
      setPrimaryExclusive(loc.container[loc.key] as Json[], [item]);
      return;
    }
    for (const item of hits) {
      if (sub) {
        if (isEmpty(value)) delete item[subKey(item, sub)];
        else item[subKey(item, sub)] = value;
      } else {
        Object.assign(item, merge(item, value, attribute));
      }
    }
    setPrimaryExclusive(current, hits);
    loc.container[loc.key] = current;
    return;
  }
  if (sub) {
    // `emails.value` without a filter addresses every element.
    for (const item of current) {
      if (op === 'remove' || isEmpty(value)) delete item[subKey(item, sub)];
      else item[subKey(item, sub)] = value;
    }
    return;
  }
  if (op === 'remove') {
    delete loc.container[loc.key];
    return;
  }
  const values = (Array.isArray(value) ? value : isEmpty(value) ? [] : [value]) as Json[];
  if (op === 'replace') {
    loc.container[loc.key] = values;
    return;
  }
  const added = values.filter((v) => !current.some((c) => JSON.stringify(c) === JSON.stringify(v)));
  loc.container[loc.key] = [...current, ...added];
  setPrimaryExclusive(loc.container[loc.key] as Json[], added);
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
  if (loc.attribute?.multiValued) return applyMultiValued(op, loc, path, value, raw);
  if (path.filter || path.sub)
    throw badRequest('invalidPath', `"${raw}": only multi-valued attributes take a filter`);
  if (loc.sub) {
    const parent = isObject(loc.container[loc.key]) ? (loc.container[loc.key] as Json) : {};
    const key = keyIn(parent, loc.sub.name);
    if (op === 'remove' || isEmpty(value)) delete parent[key];
    else parent[key] = value;
    loc.container[loc.key] = parent;
    return;
  }
  if (op === 'remove' || isEmpty(value)) delete loc.container[loc.key];
  else if (loc.attribute?.type === 'complex')
    loc.container[loc.key] = merge(loc.container[loc.key], value, loc.attribute);
  else loc.container[loc.key] = value;
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
        delete doc[keyIn(doc, extensionPath.id)];
        touched.add(extensionPath.id);
        continue;
      }
      if (!isObject(value)) throw badRequest('invalidValue', `${rawPath} takes an object of its attributes`);
      for (const [name, v] of Object.entries(value)) {
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
