import {
  randomBytes,
  randomUUID,
  scrypt as scryptCallback,
  timingSafeEqual,
  type ScryptOptions,
} from 'node:crypto';
import type { Knex } from 'knex';
import { read, writeTransaction } from '../store/transaction.js';
import { now, type Deps } from './context.js';
import {
  ConflictError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  UnauthenticatedError,
} from './errors.js';

/**
 * Operators: the people who sign in to the operator console. Issued with the admin CLI
 * (`operators add`), which prints the generated password once; the directory keeps a scrypt
 * hash with a per-operator salt and compares in constant time.
 */
export type OperatorRole = 'admin' | 'viewer';
export const OPERATOR_ROLES: readonly OperatorRole[] = ['admin', 'viewer'];

export interface OperatorInfo {
  id: string;
  name: string;
  role: OperatorRole;
  createdAt: Date;
}

interface OperatorRow {
  id: string;
  name: string;
  name_norm: string;
  role: string;
  password_hash: string;
  created_at: string;
}

const NAME = /^[\w.@-]{1,64}$/;
const SCRYPT = { N: 16_384, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;
/** Long enough to be unguessable, short enough to type: 144 random bits. */
const PASSWORD_BYTES = 18;

function scrypt(password: string, salt: Buffer, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCallback(password, salt, KEY_LENGTH, { ...options, maxmem: 64 * 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, SCRYPT);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join(
    '$',
  );
}

/** Whether `password` matches `stored`, in time that does not depend on where they differ. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const key = await scrypt(password, Buffer.from(salt, 'base64url'), {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** Compared against when the name is unknown, so that both refusals take as long. */
let decoy: Promise<string> | undefined;

const rowToOperator = (row: OperatorRow): OperatorInfo => ({
  id: row.id,
  name: row.name,
  role: row.role as OperatorRole,
  createdAt: new Date(row.created_at),
});

const normalised = (name: string) => name.trim().toLowerCase();

const byName = (db: Knex, name: string) =>
  db<OperatorRow>('operators')
    .where({ name_norm: normalised(name) })
    .first() as Promise<OperatorRow | undefined>;

export async function addOperator(
  deps: Deps,
  input: { name: string; role: string },
): Promise<{ operator: OperatorInfo; password: string }> {
  const name = input.name.trim();
  if (!NAME.test(name))
    throw new InvalidArgumentError('INVALID_VALUE', 'name is 1–64 letters, digits or . _ - @');
  if (!(OPERATOR_ROLES as readonly string[]).includes(input.role))
    throw new InvalidArgumentError('INVALID_VALUE', `role must be one of ${OPERATOR_ROLES.join(', ')}`);
  const password = randomBytes(PASSWORD_BYTES).toString('base64url');
  const row: OperatorRow = {
    id: randomUUID(),
    name,
    name_norm: normalised(name),
    role: input.role,
    password_hash: await hashPassword(password),
    created_at: now(),
  };
  await writeTransaction(deps.db, undefined, async (trx) => {
    if (await byName(trx, name)) throw new ConflictError(`an operator named ${name} exists`);
    await trx('operators').insert(row);
  });
  return { operator: rowToOperator(row), password };
}

export async function listOperators(deps: Deps): Promise<OperatorInfo[]> {
  return read(deps.db, async (db) =>
    ((await db('operators').orderBy('name_norm')) as OperatorRow[]).map(rowToOperator),
  );
}

export async function removeOperator(deps: Deps, name: string): Promise<OperatorInfo> {
  return writeTransaction(deps.db, undefined, async (trx) => {
    const row = await byName(trx, name);
    if (!row) throw new NotFoundError(`no operator named ${name}`);
    await trx('operators').where({ id: row.id }).delete();
    return rowToOperator(row);
  });
}

/** The operator with this name and password; UnauthenticatedError, the same for either mistake. */
export async function authenticateOperator(
  deps: Deps,
  name: string,
  password: string,
): Promise<OperatorInfo> {
  const row = NAME.test(name.trim()) ? await read(deps.db, (db) => byName(db, name)) : undefined;
  decoy ??= hashPassword(randomBytes(PASSWORD_BYTES).toString('base64url'));
  const matches = await verifyPassword(password.slice(0, 200), row?.password_hash ?? (await decoy));
  if (!row || !matches) throw new UnauthenticatedError('wrong operator name or password');
  return rowToOperator(row);
}

/**
 * The console acts for the operator it names (`operator:<name>`): its changes are allowed only
 * for an operator who exists and is an admin, whatever the console itself decided.
 */
export async function requireAdminOperator(deps: Deps, actor: string): Promise<void> {
  const name = actor.startsWith('operator:') ? actor.slice('operator:'.length) : '';
  const row = name ? await read(deps.db, (db) => byName(db, name)) : undefined;
  if (row?.role !== 'admin')
    throw new PermissionDeniedError(
      name ? `operator ${name} is not an admin operator` : 'the console must name the operator it acts for',
    );
}
