import type { Knex } from 'knex';
import { InvalidArgumentError } from '../domain/errors.js';
import type { Member, MembershipSource } from '../domain/types.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './query-sql.js';

type Db = Knex | Knex.Transaction;

const CHUNK = 500;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/** Adds memberships that are not there yet; returns the user keys actually added. */
export async function addMemberships(
  db: Db,
  departmentPk: number,
  userPks: readonly number[],
  source: MembershipSource,
): Promise<number[]> {
  const added: number[] = [];
  for (const chunk of chunks(userPks)) {
    const existing = new Set(
      (
        await db('memberships')
          .where({ department_pk: departmentPk, source })
          .whereIn('user_pk', chunk)
          .select('user_pk')
      ).map((r: { user_pk: number }) => r.user_pk),
    );
    const fresh = [...new Set(chunk)].filter((pk) => !existing.has(pk));
    if (fresh.length === 0) continue;
    await db('memberships')
      .insert(fresh.map((user_pk) => ({ department_pk: departmentPk, user_pk, source })))
      .onConflict(['department_pk', 'source', 'user_pk'])
      .ignore();
    added.push(...fresh);
  }
  return added;
}

/** Removes the given memberships; returns the user keys actually removed. */
export async function removeMemberships(
  db: Db,
  departmentPk: number,
  userPks: readonly number[],
  source: MembershipSource,
): Promise<number[]> {
  const removed: number[] = [];
  for (const chunk of chunks(userPks)) {
    const rows: { user_pk: number }[] = await db('memberships')
      .where({ department_pk: departmentPk, source })
      .whereIn('user_pk', chunk)
      .select('user_pk');
    if (rows.length === 0) continue;
    const pks = rows.map((r) => r.user_pk);
    await db('memberships').where({ department_pk: departmentPk, source }).whereIn('user_pk', pks).delete();
    removed.push(...pks);
  }
  return removed;
}

export async function memberPks(db: Db, departmentPk: number, source: MembershipSource): Promise<number[]> {
  const rows: { user_pk: number }[] = await db('memberships')
    .where({ department_pk: departmentPk, source })
    .select('user_pk');
  return rows.map((r) => r.user_pk);
}

export async function hasMembers(db: Db, departmentPk: number, source: MembershipSource): Promise<boolean> {
  return (
    (await db('memberships').where({ department_pk: departmentPk, source }).first('user_pk')) !== undefined
  );
}

/** The department a user's attribute currently places them in, if any. */
export async function attributeDepartmentOf(db: Db, userPk: number): Promise<number | undefined> {
  const row = await db('memberships').where({ user_pk: userPk, source: 'attribute' }).first('department_pk');
  return row?.department_pk;
}

/** Moves every membership of one source from one department to another (a merge). */
export async function moveMemberships(
  db: Db,
  fromPk: number,
  toPk: number,
  source: MembershipSource,
  userPks?: readonly number[],
): Promise<void> {
  const pks = userPks ?? (await memberPks(db, fromPk, source));
  await addMemberships(db, toPk, pks, source);
  await removeMemberships(db, fromPk, pks, source);
}

interface MemberRow {
  user_pk: number;
  source: MembershipSource;
  id: string;
  user_name: string;
  display_name: string;
}

function encodeMemberCursor(row: MemberRow): string {
  return Buffer.from(JSON.stringify([row.user_pk, row.source])).toString('base64url');
}

function decodeMemberCursor(cursor: string): [number, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    // Checked to the column's range, so no cursor makes the driver throw.
    const [pk, source] = Array.isArray(value) ? (value as unknown[]) : [];
    if (
      Number.isSafeInteger(pk) &&
      (pk as number) >= 0 &&
      (pk as number) <= 2 ** 31 - 1 &&
      typeof source === 'string' &&
      source.length <= 16
    ) {
      return [pk as number, source];
    }
  } catch {
    // fall through
  }
  throw new InvalidArgumentError('INVALID_CURSOR', 'the cursor is not one this service issued');
}

/** A page of a department's members in a stable order, with the total. */
export async function listMembers(
  db: Db,
  departmentPk: number,
  source: MembershipSource | undefined,
  limit: number = DEFAULT_PAGE_SIZE,
  cursor?: string,
): Promise<{ members: Member[]; total: number; nextCursor?: string }> {
  if (limit > MAX_PAGE_SIZE) throw new InvalidArgumentError('TOO_MANY', `limit is at most ${MAX_PAGE_SIZE}`);
  const scoped = () => {
    const q = db('memberships').where('memberships.department_pk', departmentPk);
    if (source) q.andWhere('memberships.source', source);
    return q;
  };
  const { n } = (await scoped().count({ n: '*' }).first()) as { n: number | string };
  const q = scoped()
    .join('users', 'users.pk', 'memberships.user_pk')
    .orderBy([
      { column: 'memberships.user_pk', order: 'asc' },
      { column: 'memberships.source', order: 'asc' },
    ])
    .limit(limit + 1)
    .select('memberships.user_pk', 'memberships.source', 'users.id', 'users.user_name', 'users.display_name');
  if (cursor) {
    const [pk, src] = decodeMemberCursor(cursor);
    q.andWhereRaw('(memberships.user_pk > ? OR (memberships.user_pk = ? AND memberships.source > ?))', [
      pk,
      pk,
      src,
    ]);
  }
  const rows: MemberRow[] = limit === 0 ? [] : await q;
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    members: page.map((r) => ({
      userId: r.id,
      userName: r.user_name,
      displayName: r.display_name || undefined,
      source: r.source,
    })),
    total: Number(n),
    nextCursor: rows.length > limit && last ? encodeMemberCursor(last) : undefined,
  };
}
