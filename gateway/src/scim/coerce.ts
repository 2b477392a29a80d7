import { badRequest } from '../errors/scim-error.js';

/** Keys that could reach an object's prototype if used as property names. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);

export function checkKey(key: string): void {
  if (FORBIDDEN_KEYS.has(key)) throw badRequest('invalidPath', `"${key}" is not an attribute name`);
}

/** A string attribute: '' and null clear it (absent); numbers and booleans are taken as text. */
export function asString(value: unknown, path: string): string | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw badRequest('invalidValue', `${path} must be a string`);
}

/** A boolean attribute: true/false, or the strings "True"/"False" in any case (as Entra sends). */
export function asBoolean(value: unknown, path: string): boolean | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'string' && /^(true|false)$/i.test(value)) return value.toLowerCase() === 'true';
  throw badRequest('invalidValue', `${path} must be true or false`);
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A complex attribute: an object (or null for none). */
export function asObject(value: unknown, path: string): Record<string, unknown> | undefined {
  if (value === null || value === undefined) return undefined;
  if (isObject(value)) return value;
  throw badRequest('invalidValue', `${path} must be an object`);
}

/** A multi-valued attribute: an array of objects; a single object counts as a list of one. */
export function asList(value: unknown, path: string): Record<string, unknown>[] {
  if (value === null || value === undefined) return [];
  const list = Array.isArray(value) ? value : [value];
  return list.map((item, i) => {
    if (!isObject(item)) throw badRequest('invalidValue', `${path}[${i}] must be an object`);
    return item;
  });
}

/**
 * Finds a key of `object` case-insensitively (RFC 7643 §2.1: attribute names are
 * case-insensitive): the first in the object's order. Keys of another length are passed over
 * without lowercasing them — a request's parameters and a create's body are read this way
 * field by field (~1 µs a create against ~3 with every key lowercased).
 */
export function pick(object: Record<string, unknown>, name: string): unknown {
  const lower = name.toLowerCase();
  for (const key of Object.keys(object))
    if (key.length === lower.length && key.toLowerCase() === lower) return object[key];
  return undefined;
}
