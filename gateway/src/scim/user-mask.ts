import { ENTERPRISE_SCHEMA, USER } from './schemas.js';

/** SCIM User attributes the directory models as typed fields, by their proto field name. */
const TYPED = new Map(
  [...USER.attributes.map((a) => a.name), 'externalId']
    .filter(
      (name) =>
        !['password', 'groups', 'ims', 'photos', 'entitlements', 'roles', 'x509Certificates'].includes(name),
    )
    .map((name) => [name.toLowerCase(), name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)]),
);

/**
 * The directory update mask for the top-level SCIM attributes a PATCH touched:
 * typed attributes by their field name, the enterprise extension as a whole, and
 * anything else as the verbatim `extra`.
 */
export function updateMaskOf(touched: Iterable<string>): string[] {
  const mask = new Set<string>();
  for (const name of touched) {
    const lower = name.toLowerCase();
    if (lower === ENTERPRISE_SCHEMA.toLowerCase()) {
      mask.add('enterprise');
      // Unmodelled enterprise attributes live in extra.
      mask.add('extra');
    } else mask.add(TYPED.get(lower) ?? 'extra');
  }
  return [...mask];
}
