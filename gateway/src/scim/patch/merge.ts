import { isObject } from '../coerce.js';
import { deleteIn, keyIn, setIn } from './keys.js';

type Json = Record<string, unknown>;

/** null, absent and "" all clear a value (RFC 7644 §3.5.2.3: replacing with nothing removes). */
export const isEmpty = (value: unknown) => value === null || value === undefined || value === '';

/** Sets each named sub-attribute of `value` on `target` (clearing the empty ones), keeping the others. */
export function mergeInto(target: Json, value: Json): void {
  for (const [k, v] of Object.entries(value)) {
    const key = keyIn(target, k);
    if (isEmpty(v)) deleteIn(target, key);
    else setIn(target, key, v);
  }
}

/** add / replace of a value onto a complex attribute: a copy with named sub-attributes set, others kept. */
export function merge(current: unknown, value: unknown): unknown {
  if (!isObject(value)) return value;
  const out: Json = isObject(current) ? { ...current } : {};
  mergeInto(out, value);
  return out;
}
