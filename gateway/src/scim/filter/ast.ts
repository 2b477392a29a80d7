/**
 * A parsed SCIM filter (RFC 7644 §3.4.2.2). The shape follows scim2-parse-filter's,
 * which the tests use as an oracle: n-ary `and`/`or`, `[]` for value paths.
 */
export type CompareOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'lt' | 'ge' | 'le';
export type CompValue = string | number | boolean | null;

export type Filter =
  | { op: 'and' | 'or'; filters: Filter[] }
  | { op: 'not'; filter: Filter }
  | { op: 'pr'; attrPath: string }
  | { op: CompareOp; attrPath: string; compValue: CompValue }
  | { op: '[]'; attrPath: string; valFilter: Filter };

export const COMPARE_OPS: ReadonlySet<string> = new Set([
  'eq',
  'ne',
  'co',
  'sw',
  'ew',
  'gt',
  'lt',
  'ge',
  'le',
]);
