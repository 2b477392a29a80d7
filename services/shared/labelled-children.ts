/**
 * A metric's labelled children, made once per combination of label values and kept, so that
 * a path that counts every request does not build and validate a label object each time.
 * (prom-client 15 still hashes the labels inside a child's `inc`/`observe`: measured side by
 * side, keeping children made no difference a request could show; what they buy is one way
 * of counting for the gateway's requests and the directory's calls.) Label values here are
 * few (methods, routes, status codes); the bound is a guard, past which children are made
 * afresh each time rather than kept.
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
