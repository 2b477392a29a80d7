import test from 'ava';
import fc from 'fast-check';
import { pick } from '../../gateway/src/scim/coerce.js';

/** The plain reading of RFC 7643 §2.1 that `pick` must agree with: lowercase every key. */
const reference = (object: Record<string, unknown>, name: string) =>
  Object.entries(object).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];

const NAMES = ['userName', 'startIndex', 'count', 'filter', 'active', 'id', 'name'];

// Keys in any case, with characters whose lowercase is ASCII (the Kelvin sign is k) or
// changes length (İ lowercases to i and a combining dot), beside unrelated keys.
const key = fc.oneof(
  fc
    .constantFrom(...NAMES)
    .chain((name) =>
      fc
        .array(fc.boolean(), { minLength: name.length, maxLength: name.length })
        .map((upper) => [...name].map((c, i) => (upper[i] ? c.toUpperCase() : c.toLowerCase())).join('')),
    ),
  fc.constantFrom('\u212Aount', 'İd', 'ıd', 'userNam', 'userNames', ''),
  fc.string({ maxLength: 12 }),
);

test('pick finds what lowercasing every key finds, the first match in key order', (t) => {
  let found = 0;
  fc.assert(
    fc.property(fc.dictionary(key, fc.integer()), fc.constantFrom(...NAMES), (object, name) => {
      const expected = reference(object, name);
      if (expected !== undefined) found++;
      return pick(object, name) === expected;
    }),
    { numRuns: 2000 },
  );
  // The property held on objects that had the name, not only on misses.
  t.true(found > 200, `matches seen: ${found}`);
});
