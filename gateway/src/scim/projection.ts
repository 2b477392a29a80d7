import { resolvePath, type ResourceTypeDef } from './schemas.js';
import { isObject, pick } from './coerce.js';

type Json = Record<string, unknown>;

/** A comma-separated attribute list from `attributes` / `excludedAttributes`. */
export function attributeList(value: unknown): string[] | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  const text = Array.isArray(value) ? value.join(',') : String(value);
  const list = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return list.length ? list : undefined;
}

/** `attributes` / `excludedAttributes` of a single-resource request (RFC 7644 §3.9). */
export function projectionOf(query: Record<string, unknown>): {
  attributes?: string[];
  excludedAttributes?: string[];
} {
  return {
    attributes: attributeList(pick(query, 'attributes')),
    excludedAttributes: attributeList(pick(query, 'excludedAttributes')),
  };
}

interface Target {
  /** Where the attribute sits: top level, or inside an extension object. */
  container?: string;
  key: string;
  sub?: string;
}

function targetOf(type: ResourceTypeDef, path: string): Target | undefined {
  const resolved = resolvePath(type, path);
  if (!resolved) {
    // Unmodelled attributes are returned verbatim, so they are projected by their own name.
    const [key, sub] = path.split('.');
    return key ? { key, sub } : undefined;
  }
  const container = resolved.schema === type.schema ? undefined : resolved.schema.id;
  return { container, key: resolved.attribute.name, sub: resolved.sub?.name };
}

function findKey(object: Json, key: string): string | undefined {
  const lower = key.toLowerCase();
  return Object.keys(object).find((k) => k.toLowerCase() === lower);
}

const ALWAYS = ['schemas', 'id'];

/**
 * Applies `attributes` or `excludedAttributes` (RFC 7644 §3.4.2.5) to a resource:
 * `id` and `schemas` are always returned, whatever was asked.
 */
export function project(
  type: ResourceTypeDef,
  resource: Json,
  attributes?: string[],
  excluded?: string[],
): Json {
  if (attributes) {
    const out: Json = {};
    for (const key of ALWAYS) if (key in resource) out[key] = resource[key];
    for (const path of attributes) {
      const target = targetOf(type, path);
      if (!target) continue;
      const from = target.container ? resource[findKey(resource, target.container) ?? ''] : resource;
      if (!isObject(from)) continue;
      const key = findKey(from, target.key);
      if (!key) continue;
      const into = target.container
        ? (((out[target.container] as Json | undefined) ?? (out[target.container] = {})) as Json)
        : out;
      const value = from[key];
      if (target.sub && Array.isArray(value)) {
        // `emails.value` and `emails.type` asked together merge into the same items.
        const sub = target.sub;
        const earlier = Array.isArray(into[key]) ? (into[key] as Json[]) : [];
        into[key] = value.map((item, i) => {
          const subKey = isObject(item) ? findKey(item, sub) : undefined;
          return { ...(earlier[i] ?? {}), ...(subKey && { [subKey]: (item as Json)[subKey] }) };
        });
      } else if (target.sub && isObject(value)) {
        const subKey = findKey(value, target.sub);
        if (subKey) into[key] = { ...((into[key] as Json) ?? {}), [subKey]: value[subKey] };
      } else {
        into[key] = value;
      }
    }
    return out;
  }
  if (excluded) {
    const out: Json = structuredClone(resource);
    for (const path of excluded) {
      const target = targetOf(type, path);
      if (!target || (!target.container && ALWAYS.includes(target.key))) continue;
      const from = target.container ? out[findKey(out, target.container) ?? ''] : out;
      if (!isObject(from)) continue;
      const key = findKey(from, target.key);
      if (!key) continue;
      if (!target.sub) delete from[key];
      else if (Array.isArray(from[key]))
        for (const item of from[key] as Json[]) delete item[findKey(item, target.sub) ?? ''];
      else if (isObject(from[key])) delete (from[key] as Json)[findKey(from[key] as Json, target.sub) ?? ''];
    }
    return out;
  }
  return resource;
}

/** Whether a projection leaves out `members`, so they need not be loaded. */
export function wantsMembers(attributes?: string[], excluded?: string[]): boolean {
  const names = (list: string[]) =>
    list.map(
      (p) =>
        p
          .toLowerCase()
          .replace(/^urn:ietf:params:scim:schemas:core:2\.0:group:/, '')
          .split('.')[0],
    );
  if (attributes) return names(attributes).includes('members');
  if (excluded) return !names(excluded).includes('members');
  return true;
}
