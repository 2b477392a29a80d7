import test from 'ava';
import fc from 'fast-check';
import { depthExceededAt } from '../../gateway/src/json-depth.js';

/**
 * The depth of a JSON body is found by one scan of its text, before JSON.parse runs, stopping at
 * the first bracket past the limit: a body nested 500,000 deep costs a few dozen character reads.
 */

/** How deeply a parsed value nests (a top-level object or array is 1). */
function depthOf(value: unknown): number {
  if (typeof value !== 'object' || value === null) return 0;
  return 1 + Math.max(0, ...Object.values(value).map(depthOf));
}

test('the depth scan stops at the first bracket past the limit of a 500,000-deep text', (t) => {
  const deep = `{"blob":${'['.repeat(500_000)}1${']'.repeat(500_000)}}`;
  // The object is level 1, so the 32nd "[" (index 8 + 31) opens level 33.
  t.is(depthExceededAt(deep, 32), 8 + 31);
  // Text that is not JSON at all is left to JSON.parse, but still refused without it.
  t.is(depthExceededAt('['.repeat(500_000), 32), 32);
});

test('the depth scan counts only structure: brackets in strings and escaped quotes do not nest', (t) => {
  const cases: Array<[string, number]> = [
    ['{"a":"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}', 1],
    ['{"a":"\\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\\""}', 1],
    ['{"a":"\\\\","b":[[]]}', 3],
    ['[{"a":{}}, [[]]]', 3],
    ['"[[["', 0],
  ];
  for (const [text, depth] of cases) {
    t.is(depthExceededAt(text, depth), -1, text);
    if (depth > 0) t.not(depthExceededAt(text, depth - 1), -1, text);
  }
});

test('the depth scan agrees with the depth of the parsed value, for any JSON', (t) => {
  fc.assert(
    fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 0, max: 8 }), (value, limit) => {
      const text = JSON.stringify(value);
      return (depthExceededAt(text, limit) === -1) === depthOf(value) <= limit;
    }),
    { numRuns: 500 },
  );
  t.pass();
});
