import { badRequest } from '../errors/scim-error.js';
import { asString, isObject, pick } from './coerce.js';

/** The enterprise `manager`, as the directory keeps it. */
export interface ManagerValue {
  value?: string;
  displayName?: string;
}

/**
 * Reads the enterprise `manager` in every shape clients send it: RFC 7643's complex
 * `{"value": id, "$ref": …, "displayName": …}`, Entra's bare id string, and the one-element
 * array `[{"$ref": null, "value": id}]` of Microsoft's documented PATCH. `$ref` is ours to
 * make, so it is ignored. An empty string, null, an empty array or an empty `value` means
 * no manager (Entra's `Replace` with an empty value removes it): undefined.
 */
export function managerOf(raw: unknown, path = 'manager'): ManagerValue | undefined {
  if (Array.isArray(raw)) {
    if (raw.length > 1) throw badRequest('invalidValue', `${path} takes one manager, not ${raw.length}`);
    return managerOf(raw[0], path);
  }
  if (typeof raw === 'string' || raw === null || raw === undefined) {
    const value = asString(raw, path);
    return value === undefined ? undefined : { value };
  }
  if (!isObject(raw)) throw badRequest('invalidValue', `${path} must be an object with a value`);
  const value = asString(pick(raw, 'value'), `${path}.value`);
  const displayName = asString(pick(raw, 'displayName'), `${path}.displayName`);
  return value === undefined && displayName === undefined ? undefined : { value, displayName };
}
