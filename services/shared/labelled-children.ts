/**
 * A metric's labelled children (or anything made per combination of label values), made once
 * per combination and kept, so that a path that counts every request does not build and
 * validate a label object each time. (prom-client 15 still hashes the labels inside a child's
 * `inc`/`observe`: call-metrics.ts keeps that off the request's path.) Label values here are
 * few (methods, routes, status codes, outcomes); the bound is a guard, past which children
 * are made afresh each time rather than kept.
 */
export function labelledChildren<T>(
  make: (...values: string[]) => T,
  limit = 10_000,
): (...values: string[]) => T {
  const kept = new Map<string, T>();
  return (...values) => {
    const key = values.join('\u0000');
    let child = kept.get(key);
    if (child === undefined) {
      child = make(...values);
      if (kept.size < limit) kept.set(key, child);
    }
    return child;
  };
}
