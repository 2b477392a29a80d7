import type { Knex } from 'knex';
import { compiled, inList, StatementCache, type Db } from './compiled.js';
import { InvalidArgumentError } from '../domain/errors.js';
import type { Member, MembershipSource } from '../domain/types.js';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from './query-sql.js';

const CHUNK = 500;

function chunks<T>(items: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

interface InsertParams {
  departmentPk: number;
  source: MembershipSource;
  [userPk: `user${number}`]: number;
}

/** One multi-row insert per count of rows (at most CHUNK shapes); prepared by name when small. */
const inserts = new StatementCache(64);

const insertRows = (count: number) =>
  inserts.get<InsertParams, { user_pk: number }>(
    String(count),
    (db, $) =>
      db('memberships')
        .insert(
          Array.from({ length: count }, (_, i) => ({
            department_pk: $.departmentPk,
            user_pk: $[`user${i}`],
            source: $.source,
          })),
        )
        .onConflict(['department_pk', 'source', 'user_pk'])
        .ignore()
        .returning('user_pk'),
    count <= 8,
  );

/** Adds memberships that are not there yet; returns the user keys actually added, in the order given. */
export async function addMemberships(
  db: Db,
  departmentPk: number,
  userPks: readonly number[],
  source: MembershipSource,
): Promise<number[]> {
  const added: number[] = [];
  for (const chunk of chunks([...new Set(userPks)])) {
    const params: InsertParams = { departmentPk, source };
    chunk.forEach((pk, i) => (params[`user${i}`] = pk));
    // ON CONFLICT DO NOTHING RETURNING: only the rows inserted come back.
    const inserted = new Set((await insertRows(chunk.length).all(db, params)).map((r) => r.user_pk));
    added.push(...chunk.filter((pk) => inserted.has(pk)));
  }
  return added;
}

// Raw: knex leaves RETURNING off a DELETE on SQLite, which has had it since 3.35.
const deleteRows = compiled<
  { departmentPk: number; source: MembershipSource; userPks: readonly number[] },
  { user_pk: number }
>((db, $) =>
  db.raw('DELETE FROM memberships WHERE department_pk = ? AND source = ? AND ? RETURNING user_pk', [
    $.departmentPk,
    $.source,
    inList(db, 'user_pk', $.userPks),
  ]),
);

/** Removes the given memberships; returns the user keys actually removed, in key order. */
export async function removeMemberships(
  db: Db,
  departmentPk: number,
  userPks: readonly number[],
  source: MembershipSource,
): Promise<number[]> {
  if (userPks.length === 0) return [];
  const rows = await deleteRows.all(db, { departmentPk, source, userPks });
  return rows.map((r) => r.user_pk).sort((a, b) => a - b);
}

const memberRows = compiled<{ departmentPk: number; source: MembershipSource }, { user_pk: number }>(
  (db, $) => db('memberships').where({ department_pk: $.departmentPk, source: $.source }).select('user_pk'),
);

export async function memberPks(db: Db, departmentPk: number, source: MembershipSource): Promise<number[]> {
  return (await memberRows.all(db, { departmentPk, source })).map((r) => r.user_pk);
}

const anyMember = compiled<{ departmentPk: number; source: MembershipSource }, { user_pk: number }>((db, $) =>
  db('memberships').where({ department_pk: $.departmentPk, source: $.source }).first('user_pk'),
);

export async function hasMembers(db: Db, departmentPk: number, source: MembershipSource): Promise<boolean> {
  return (await anyMember.first(db, { departmentPk, source })) !== undefined;
}

const attributeMembership = compiled<{ userPk: number }, { department_pk: number }>((db, $) =>
  db('memberships').where({ user_pk: $.userPk, source: 'attribute' }).first('department_pk'),
);

/** The department a user's attribute currently places them in, if any. */
export async function attributeDepartmentOf(db: Db, userPk: number): Promise<number | undefined> {
  return (await attributeMembership.first(db, { userPk }))?.department_pk;
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

interface MemberPageParams {
  departmentPk: number;
  source: MembershipSource | null;
  afterPk: number | null;
  afterSource: string | null;
  limit: number;
}

/** Member pages and counts: a shape for each of with or without a source, and a cursor. */
const memberPages = new StatementCache(8);

/** A page of a department's members in a stable order, with the total. */
export async function listMembers(
  db: Db,
  departmentPk: number,
  source: MembershipSource | undefined,
  limit: number = DEFAULT_PAGE_SIZE,
  cursor?: string,
): Promise<{ members: Member[]; total: number; nextCursor?: string }> {
  if (limit > MAX_PAGE_SIZE) throw new InvalidArgumentError('TOO_MANY', `limit is at most ${MAX_PAGE_SIZE}`);
  const [afterPk, afterSource] = cursor ? decodeMemberCursor(cursor) : [null, null];
  const params = { departmentPk, source: source ?? null, afterPk, afterSource, limit: limit + 1 };
  const scoped = (knex: Knex, $: MemberPageParams) => {
    const q = knex('memberships').where('memberships.department_pk', $.departmentPk);
    if (source) q.andWhere('memberships.source', $.source);
    return q;
  };
  const counting = memberPages.get<MemberPageParams, { n: number | string }>(
    `count ${source ? 'source' : ''}`,
    (knex, $) => scoped(knex, $).count({ n: '*' }),
    true,
  );
  const { n } = (await counting.first(db, params))!;
  const reading = memberPages.get<MemberPageParams, MemberRow>(
    `rows ${source ? 'source' : ''} ${cursor ? 'cursor' : ''}`,
    (knex, $) => {
      const q = scoped(knex, $)
        .join('users', 'users.pk', 'memberships.user_pk')
        .orderBy([
          { column: 'memberships.user_pk', order: 'asc' },
          { column: 'memberships.source', order: 'asc' },
        ])
        .limit($.limit)
        .select(
          'memberships.user_pk',
          'memberships.source',
          'users.id',
          'users.user_name',
          'users.display_name',
        );
      if (cursor) {
        q.andWhereRaw('(memberships.user_pk > ? OR (memberships.user_pk = ? AND memberships.source > ?))', [
          $.afterPk,
          $.afterPk,
          $.afterSource,
        ]);
      }
      return q;
    },
    true,
  );
  const rows = limit === 0 ? [] : await reading.all(db, params);
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
