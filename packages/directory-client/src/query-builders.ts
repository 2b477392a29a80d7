import type { Filter, Query } from './gen/wizer/directory/v1/query.js';
import { Operator } from './gen/wizer/directory/v1/query.js';

/** Builders for the typed query of the directory contract, for any client. */
type Scalar = string | boolean | number | Date | null;

function value(v: Scalar) {
  if (v === null) return { kind: { $case: 'nullValue' as const, value: true } };
  if (typeof v === 'string') return { kind: { $case: 'stringValue' as const, value: v } };
  if (typeof v === 'boolean') return { kind: { $case: 'boolValue' as const, value: v } };
  if (typeof v === 'number') return { kind: { $case: 'numberValue' as const, value: v } };
  return { kind: { $case: 'timeValue' as const, value: v } };
}

const OPS = {
  eq: Operator.OPERATOR_EQ,
  ne: Operator.OPERATOR_NE,
  co: Operator.OPERATOR_CONTAINS,
  sw: Operator.OPERATOR_STARTS_WITH,
  ew: Operator.OPERATOR_ENDS_WITH,
  gt: Operator.OPERATOR_GT,
  ge: Operator.OPERATOR_GE,
  lt: Operator.OPERATOR_LT,
  le: Operator.OPERATOR_LE,
  pr: Operator.OPERATOR_PRESENT,
};

export const cmp = (field: string, op: keyof typeof OPS, v: Scalar = null): Filter => ({
  node: { $case: 'compare', value: { field, op: OPS[op], value: op === 'pr' ? undefined : value(v) } },
});
export const and = (...filters: Filter[]): Filter => ({ node: { $case: 'and', value: { filters } } });
export const or = (...filters: Filter[]): Filter => ({ node: { $case: 'or', value: { filters } } });
export const not = (filter: Filter): Filter => ({ node: { $case: 'not', value: filter } });
export const anyEmail = (filter: Filter): Filter => ({ node: { $case: 'anyEmail', value: filter } });

export function query(q: Partial<Query> = {}): Query {
  return {
    filter: undefined,
    orderBy: '',
    descending: false,
    offset: 0,
    limit: undefined,
    cursor: '',
    skipTotal: false,
    ...q,
  };
}
