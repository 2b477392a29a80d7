import { createHash, randomBytes } from 'node:crypto';

/**
 * Bearer secrets the directory issues (SCIM tokens, service credentials): a fixed,
 * recognisable prefix — so secret scanners find a leaked one — and 256 random bits.
 * Only a SHA-256 is stored: for secrets of this entropy a fast hash is as safe as a slow one.
 */
export function newSecret(prefix: string): string {
  return prefix + randomBytes(32).toString('base64url');
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** The shape of a secret with `prefix`: anything else is refused before any lookup. */
export const secretPattern = (prefix: string): RegExp => new RegExp(`^${prefix}[A-Za-z0-9_-]{43}$`);

/** What is kept in clear to tell secrets apart in listings: the prefix and six characters. */
export const visiblePrefix = (secret: string, prefix: string): string => secret.slice(0, prefix.length + 6);
