type Json = Record<string, unknown>;

/** Per object: lower-cased name → the spellings it holds (in the order they were added), and how many. */
interface KeyIndex {
  names: Map<string, string[]>;
  size: number;
}

const indexes = new WeakMap<Json, KeyIndex>();

function add(index: KeyIndex, key: string): void {
  const lower = key.toLowerCase();
  const spellings = index.names.get(lower);
  if (spellings) spellings.push(key);
  else index.names.set(lower, [key]);
  index.size++;
}

function indexOf(object: Json): KeyIndex {
  let index = indexes.get(object);
  if (!index) {
    index = { names: new Map(), size: 0 };
    for (const key of Object.keys(object)) add(index, key);
    indexes.set(object, index);
  }
  return index;
}

/*
 * A PATCH looks attribute names up once per operation and value. Scanning every key of an
 * object each time made a PATCH that adds thousands of attributes quadratic in its size
 * (20,000 keys: 25 s), so the first look-up indexes an object's keys once and later ones are a
 * map look-up. The index stays true only if every change to the keys of an object the PATCH
 * works on goes through `setIn` and `deleteIn`.
 */

/**
 * The key under which `object` holds `name` in any case (SCIM attribute names are
 * case-insensitive, RFC 7643 §2.1), or `name` itself when it holds none.
 */
export function keyIn(object: Json, name: string): string {
  return indexOf(object).names.get(name.toLowerCase())?.[0] ?? name;
}

/** How many keys `object` has, without listing them each time. */
export const sizeOf = (object: Json): number => indexOf(object).size;

/** `object[key] = value`, keeping the index of `keyIn` true. */
export function setIn(object: Json, key: string, value: unknown): void {
  const index = indexes.get(object);
  if (index && !Object.hasOwn(object, key)) add(index, key);
  object[key] = value;
}

/** `delete object[key]`, keeping the index of `keyIn` true. */
export function deleteIn(object: Json, key: string): void {
  if (!Object.hasOwn(object, key)) return;
  delete object[key];
  const index = indexes.get(object);
  const lower = key.toLowerCase();
  const spellings = index?.names.get(lower);
  if (!index || !spellings) return;
  spellings.splice(spellings.indexOf(key), 1);
  if (spellings.length === 0) index.names.delete(lower);
  index.size--;
}
