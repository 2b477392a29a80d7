import test from 'ava';
import { MAX_VALUE_LENGTH, MAX_VALUES_PER_ATTRIBUTE } from '../../gateway/src/limits.js';
import { applyOperations } from '../../gateway/src/scim/patch/apply.js';
import { parseOperations } from '../../gateway/src/scim/patch/operations.js';
import { USER_TYPE } from '../../gateway/src/scim/schemas.js';
import { MAX_VALUES } from '../../services/directory/src/domain/validation.js';
import { patchOp } from '../helpers/gateway.js';

/**
 * What a PATCH costs the gateway grows with its size, never with its square: it neither lists an
 * object's keys once per name it looks up nor compares every value it adds with every value
 * already there, and it refuses an attribute past the directory's limits as it applies it.
 * Measured by counting the work (through Proxies), never by a clock.
 */

type Json = Record<string, unknown>;

/** An object that counts how often its keys are listed (Object.keys, JSON.stringify, spread…). */
function counted(object: Json, counter: { listings: number }): Json {
  return new Proxy(object, {
    ownKeys(target) {
      counter.listings++;
      return Reflect.ownKeys(target);
    },
  });
}

const apply = (doc: Json, ...operations: unknown[]) =>
  applyOperations(USER_TYPE, doc, parseOperations(patchOp(...operations), 1000));

test('adding to an attribute lists each element already there at most once, however many operations add', (t) => {
  const counter = { listings: 0 };
  const emails = Array.from({ length: 50 }, (_, i) =>
    counted({ value: `old${i}@example.com`, type: 'work' }, counter),
  );
  const doc: Json = { userName: 'u@example.com', emails };
  const operations = Array.from({ length: 40 }, (_, i) => ({
    op: 'add',
    path: 'emails',
    value: [
      { value: `new${i}@example.com`, type: 'work' },
      { value: `old${i}@example.com`, type: 'work' },
    ],
  }));
  apply(doc, ...operations);
  // Every new email was added once, every old one recognised as already there.
  t.is((doc.emails as Json[]).length, 90);
  // Comparing by JSON.stringify listed each old element once per value added: 80 × 50 × 40.
  t.true(counter.listings <= emails.length, `${counter.listings} listings of ${emails.length} elements`);
});

test('looking attribute names up lists the document keys once, however many attributes a PATCH adds', (t) => {
  const counter = { listings: 0 };
  const doc = counted({ userName: 'u@example.com' }, counter);
  const attributes = Object.fromEntries(Array.from({ length: 2000 }, (_, i) => [`custom${i}`, i]));
  const touched = apply(doc, { op: 'add', value: attributes });
  t.is(touched.size, 2000);
  t.is(doc.custom1999, 1999);
  // Scanning every key per name listed them 2,000 times.
  t.true(counter.listings <= 1, `${counter.listings} listings`);
});

test('an attribute past 100 values is refused as the operation is applied, before later operations', (t) => {
  t.is(MAX_VALUES_PER_ATTRIBUTE, MAX_VALUES, "the gateway's limit is the directory's");
  const doc: Json = { userName: 'u@example.com', emails: [] };
  const emails = (n: number, from = 0) =>
    Array.from({ length: n }, (_, i) => ({ value: `e${from + i}@example.com` }));
  const error = t.throws(() =>
    apply(
      doc,
      { op: 'add', path: 'emails', value: emails(60) },
      { op: 'add', path: 'emails', value: emails(41, 60) },
      // Never reached: applying it would fail with invalidPath.
      { op: 'add', path: 'emails[type eq "work"].nonsense', value: 'x' },
    ),
  ) as { status?: number; scimType?: string };
  t.like(error, { status: 400, scimType: 'tooMany' });
  const fits: Json = { userName: 'u@example.com', emails: [] };
  apply(
    fits,
    { op: 'add', path: 'emails', value: emails(60) },
    { op: 'add', path: 'emails', value: emails(100) },
  );
  t.is((fits.emails as Json[]).length, 100, 'values already present do not count twice');
  t.like(
    t.throws(() => apply({ userName: 'u' }, { op: 'replace', path: 'phoneNumbers', value: emails(101) })),
    { status: 400, scimType: 'tooMany' },
  );
});

test('a value of a multi-valued attribute is simple and at most 4,096 characters a string', (t) => {
  const long = 'x'.repeat(MAX_VALUE_LENGTH + 1);
  const doc = (): Json => ({
    userName: 'u@example.com',
    emails: [{ value: 'a@example.com', type: 'work' }],
  });
  const refused: unknown[] = [
    { op: 'add', path: 'emails', value: [{ value: long }] },
    { op: 'add', path: 'emails', value: [{ value: 'b@example.com', display: { nested: true } }] },
    { op: 'replace', path: 'emails.display', value: long },
    { op: 'replace', path: 'emails[type eq "work"].display', value: long },
    { op: 'replace', path: 'emails[type eq "work"]', value: { display: long } },
    { op: 'add', path: 'emails[type eq "home"].value', value: long },
    { op: 'replace', path: 'roles', value: [{ value: long }] },
  ];
  for (const operation of refused) {
    t.like(
      t.throws(() => apply(doc(), operation)),
      { status: 400, scimType: 'invalidValue' },
      JSON.stringify(operation).slice(0, 80),
    );
  }
  const fine = doc();
  apply(fine, { op: 'replace', path: 'emails[type eq "work"].display', value: 'x'.repeat(MAX_VALUE_LENGTH) });
  t.is((fine.emails as Json[])[0]!.display, 'x'.repeat(MAX_VALUE_LENGTH));
});
