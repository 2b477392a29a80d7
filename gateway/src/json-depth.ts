const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const OPEN_ARRAY = 0x5b;
const CLOSE_OBJECT = 0x7d;
const CLOSE_ARRAY = 0x5d;

/**
 * Where JSON text first nests deeper than `maxDepth` (the index of the bracket that opens level
 * `maxDepth + 1`), or -1 when it never does. A top-level object or array is level 1.
 *
 * One pass over the characters, counting brackets outside strings, without building anything
 * and stopping at the first bracket past the limit: so a hostile body nested 500,000 deep costs
 * a few dozen character reads instead of a full `JSON.parse` and a walk of what it built. For
 * valid JSON the count is exact (brackets outside strings are structure; a backslash only occurs
 * inside a string and escapes one character); text that is not JSON is left to `JSON.parse`.
 */
export function depthExceededAt(text: string, maxDepth: number): number {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
    } else if (c === QUOTE) {
      inString = true;
    } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
      if (++depth > maxDepth) return i;
    } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
      depth--;
    }
  }
  return -1;
}
