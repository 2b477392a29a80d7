import { InvalidArgumentError } from './errors.js';
import { identityName, storedForm } from './identity.js';
import { TEXT_ATTRIBUTES, type JsonObject, type UserProfile } from './types.js';

/** Indexed strings (userName, names, ids) are at most this long. */
export const MAX_KEY_LENGTH = 512;
/** Any other string. */
export const MAX_TEXT_LENGTH = 4096;
/** Each multi-valued attribute (emails, phone numbers, addresses). */
export const MAX_VALUES = 100;
/** Unmodelled attributes, serialised. */
export const MAX_EXTRA_BYTES = 64 * 1024;

function invalid(message: string): never {
  throw new InvalidArgumentError('INVALID_VALUE', message);
}

function checkLength(field: string, value: string | undefined, max: number): void {
  if (value !== undefined && value.length > max) {
    throw new InvalidArgumentError('TOO_LARGE', `${field} is longer than ${max} characters`);
  }
}

/**
 * Validates a department name under the identity rules (identity.ts) and returns its stored
 * form; `stored` is the department's current name, when it has one.
 */
export function checkDepartmentName(name: string | undefined, stored?: string): string {
  const checked = identityName(
    'the department name (a group’s displayName)',
    name ?? '',
    MAX_KEY_LENGTH,
    stored,
  );
  if (!checked) invalid('a department needs a non-empty name');
  return checked;
}

/**
 * Unmodelled attributes are kept verbatim, except that a password is never kept,
 * whatever the key's case or the extension it hides in.
 */
export function checkExtra(extra: JsonObject | undefined): JsonObject | undefined {
  if (!extra || Object.keys(extra).length === 0) return undefined;
  const clean = JSON.parse(JSON.stringify(extra), (key, value) =>
    key.toLowerCase() === 'password' ? undefined : value,
  ) as JsonObject;
  if (Buffer.byteLength(JSON.stringify(clean)) > MAX_EXTRA_BYTES) {
    throw new InvalidArgumentError('TOO_LARGE', `unmodelled attributes exceed ${MAX_EXTRA_BYTES} bytes`);
  }
  return clean;
}

function checkMultiValued(field: string, values: { primary: boolean }[]): void {
  if (values.length > MAX_VALUES)
    throw new InvalidArgumentError('TOO_MANY', `more than ${MAX_VALUES} ${field}`);
  // RFC 7643 §2.4: the primary value appears no more than once.
  if (values.filter((v) => v.primary).length > 1) invalid(`more than one primary value in ${field}`);
}

/**
 * Checks a profile against the directory's rules and returns the form it is stored in.
 * `stored` is the user's current profile on an update: names it already holds are not
 * refused under the identity rules (identity.ts), so that a user stored before them can
 * still be deactivated.
 */
export function checkProfile(profile: UserProfile, stored?: UserProfile): UserProfile {
  if (typeof profile.userName !== 'string') invalid('userName is required');
  const userName = identityName('userName', profile.userName, MAX_KEY_LENGTH, stored?.userName);
  if (!userName) invalid('userName is required');
  checkLength('externalId', profile.externalId, MAX_KEY_LENGTH);
  checkLength('displayName', profile.displayName, MAX_KEY_LENGTH);
  checkLength('name.givenName', profile.name?.givenName, MAX_KEY_LENGTH);
  checkLength('name.familyName', profile.name?.familyName, MAX_KEY_LENGTH);
  for (const [key, value] of Object.entries(profile.enterprise ?? {})) {
    if (typeof value === 'string') checkLength(key, value, MAX_KEY_LENGTH);
  }
  checkLength('enterprise.manager.value', profile.enterprise?.manager?.value, MAX_KEY_LENGTH);
  for (const key of TEXT_ATTRIBUTES) {
    checkLength(key, profile[key], MAX_TEXT_LENGTH);
  }
  checkMultiValued('emails', profile.emails);
  checkMultiValued('phoneNumbers', profile.phoneNumbers);
  checkMultiValued('addresses', profile.addresses);
  const storedEmails = new Set(stored?.emails.map((e) => storedForm(e.value)));
  const emails = profile.emails.map((email, i) => {
    const value = identityName(
      `emails[${i}].value`,
      email.value ?? '',
      MAX_KEY_LENGTH,
      storedEmails.has(storedForm(email.value ?? '')) ? email.value : undefined,
    );
    if (!value) invalid('every email needs a value');
    return { ...email, value };
  });
  const sent = profile.enterprise?.department;
  const department =
    sent === undefined
      ? undefined
      : identityName('enterprise.department', sent, MAX_KEY_LENGTH, stored?.enterprise?.department);
  return {
    ...profile,
    userName,
    emails,
    enterprise: profile.enterprise && {
      ...profile.enterprise,
      department: department || undefined,
    },
    extra: checkExtra(profile.extra),
  };
}
