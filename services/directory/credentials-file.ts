import fs from 'node:fs';
import path from 'node:path';
import { DEFAULT_DATABASE_URL } from './defaults.js';

/**
 * The local credentials file: on a single machine the directory issues the service
 * credentials its own companions need (the gateway's, the console's, and an admin one for `npm start`
 * and the admin CLI) and writes them here, mode 0600, so that a fresh start needs no
 * configuration. Production sets DIRECTORY_CREDENTIAL on each client instead.
 */
export interface LocalCredentials {
  admin?: string;
  gateway?: string;
  /** The operator console's (role console). */
  console?: string;
}

export type LocalRole = keyof LocalCredentials;

type Env = Record<string, string | undefined>;

/**
 * Where the local credentials file is: DIRECTORY_CREDENTIALS_FILE, or beside the SQLite
 * database (`<its folder>/directory-credentials.json`); none for PostgreSQL unless named,
 * or when set to `off`.
 */
export function credentialsFileFor(env: Env): string | undefined {
  const named = env.DIRECTORY_CREDENTIALS_FILE;
  if (named !== undefined && named !== '') return named === 'off' ? undefined : named;
  const url = env.DATABASE_URL || DEFAULT_DATABASE_URL;
  if (!url.startsWith('sqlite:')) return undefined;
  return path.join(path.dirname(url.slice('sqlite:'.length)), 'directory-credentials.json');
}

export function readCredentialsFile(file: string): LocalCredentials {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new Error(`cannot read the credentials file ${file}: ${(error as Error).message}`);
  }
  try {
    const parsed = JSON.parse(text) as Record<string, unknown>;
    const pick = (key: string) => (typeof parsed[key] === 'string' ? (parsed[key] as string) : undefined);
    return { admin: pick('admin'), gateway: pick('gateway'), console: pick('console') };
  } catch {
    throw new Error(`the credentials file ${file} is not JSON; delete it and restart the directory`);
  }
}

/** Writes the file atomically, readable by its owner only. */
export function writeCredentialsFile(file: string, credentials: LocalCredentials): void {
  const temporary = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(temporary, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
    fs.renameSync(temporary, file);
  } catch (error) {
    fs.rmSync(temporary, { force: true });
    throw new Error(`cannot write the credentials file ${file}: ${(error as Error).message}`);
  }
}

/**
 * The credential a client process presents: DIRECTORY_CREDENTIAL when set, else the
 * local file's entry for `role`, read lazily and again when the file changes (the
 * directory rewrites it when it had to issue new ones), checked at most once a second.
 */
export function credentialFromEnv(env: Env, role: LocalRole): () => string | undefined {
  return credentialProvider(env.DIRECTORY_CREDENTIAL || undefined, credentialsFileFor(env), role);
}

/** `explicit` when given, else the entry for `role` of the local credentials `file`. */
export function credentialProvider(
  explicit: string | undefined,
  file: string | undefined,
  role: LocalRole,
): () => string | undefined {
  if (explicit) return () => explicit;
  if (!file) return () => undefined;
  let cached: string | undefined;
  let checkedAt = 0;
  let seenMtime = -1;
  return () => {
    const now = Date.now();
    if (now - checkedAt < 1000 && cached) return cached;
    checkedAt = now;
    const mtime = fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? -1;
    if (mtime !== seenMtime) {
      seenMtime = mtime;
      cached = mtime < 0 ? undefined : readCredentialsFile(file)[role];
    }
    return cached;
  };
}
