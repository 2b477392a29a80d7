import { InvalidArgumentError } from './errors.js';

/**
 * The identity rules for names that identify something to a person: a userName, an email
 * address, a department (SCIM Group) name. Two names a person cannot tell apart must not be
 * two identities (security review, finding 8).
 *
 * - Stored as sent, except: white space at either end trimmed, and NFC-normalised
 *   (canonical composition changes no visible character; `userName` keeps its case, DESIGN §3).
 * - Refused (INVALID_VALUE, naming the attribute): control characters (Unicode Cc: C0 with
 *   U+0000, DEL, C1), format characters (Cf: the bidi controls U+200E/F, U+202A–U+202E,
 *   U+2066–U+2069 and U+061C, the zero-width U+200B–U+200D, U+2060 and U+FEFF, the soft
 *   hyphen, tag characters), line and paragraph separators, and lone surrogates. Each is
 *   invisible or reorders what is shown, so in a name it can only make a look-alike.
 * - Unique, and found by `eq`, under `identityKey`.
 */

/** Unicode White_Space at either end (`String.prototype.trim` would also eat U+FEFF, which is refused instead). */
const EDGE_SPACE = /^\p{White_Space}+|\p{White_Space}+$/gu;
const INVISIBLE = /[\p{Cc}\p{Cf}\p{Cs}\p{Zl}\p{Zp}]/u;

/** The longest key the unique-index columns hold (characters). */
export const MAX_IDENTITY_KEY_LENGTH = 512;

/** A name in the form it is stored in: trimmed and NFC. */
export function storedForm(name: string): string {
  return name.replace(EDGE_SPACE, '').normalize('NFC');
}

/**
 * Folds text the way identity keys are folded: NFKC, lower-cased, NFKC again. For filter
 * values compared with keys (`userName eq "ALICE"`, `sw`, `co`); names use `identityKey`.
 *
 * NFKC rather than NFC because its compatibility mappings are exactly the look-alikes a
 * canonical form keeps apart: fullwidth `ａｌｉｃｅ` and `alice`, ligatures (`ﬁ`), letter-like
 * symbols (`ℌ`), superscripts, non-breaking spaces. Lower-casing is `toLowerCase`, the case
 * mapping RFC 8265 §3.3.2 (PRECIS usernames) prefers; it can un-normalise a string (`İ`
 * becomes `i` + U+0307), hence the second NFKC. The key is never shown: the stored name keeps
 * its case and its compatibility characters.
 */
export function foldIdentity(text: string): string {
  return text.normalize('NFKC').toLowerCase().normalize('NFKC');
}

/** The key under which a name is unique and looked up (trimmed, so a legacy untrimmed name keys as it will be stored). */
export function identityKey(name: string): string {
  return foldIdentity(name.replace(EDGE_SPACE, ''));
}

/** Whether two names are the same identity. */
export function sameIdentity(a: string | undefined, b: string | undefined): boolean {
  return identityKey(a ?? '') === identityKey(b ?? '');
}

const codePoint = (c: string) => `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/**
 * A name in its stored form ('' when only white space was sent). Throws INVALID_VALUE naming
 * `attribute` when it holds an invisible character, and TOO_LARGE when it, or its key, is longer
 * than `maxLength`.
 *
 * `stored` is the value the resource holds now: a name that does not change is not refused for
 * its characters, so a user stored before these rules can still be deactivated or renamed.
 */
export function identityName(attribute: string, value: string, maxLength: number, stored?: string): string {
  const name = storedForm(value);
  const bad = stored !== undefined && storedForm(stored) === name ? null : INVISIBLE.exec(name);
  if (bad) {
    // The code point, not the character: the message reaches clients and the provisioning log.
    throw new InvalidArgumentError(
      'INVALID_VALUE',
      `${attribute} contains ${codePoint(bad[0])}, a control, bidirectional or invisible character; ` +
        'names may not contain such characters',
    );
  }
  if (name.length > maxLength || identityKey(name).length > Math.min(maxLength, MAX_IDENTITY_KEY_LENGTH)) {
    throw new InvalidArgumentError('TOO_LARGE', `${attribute} is longer than ${maxLength} characters`);
  }
  return name;
}
