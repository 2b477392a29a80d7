import type { Knex } from 'knex';
import { ConflictError } from '../domain/errors.js';
import { identityKey } from '../domain/identity.js';
import type { MembershipSource, Page, Query, User, UserMembership, UserProfile } from '../domain/types.js';
import { userCatalog } from './catalogs.js';
import {
  compiled,
  dialectOf,
  inList,
  prefixed,
  slotsFor,
  StatementCache,
  withPrefix,
  type Db,
} from './compiled.js';
import { sqlite } from './dialect.js';
import {
  appendMembersEvent,
  memberIdsInsert,
  membersEventParams,
  type MembersEventParams,
} from './event-members.js';
import { eventInsertForEach, eventParams, insertEvent, type EventParams, type NewEvent } from './events.js';
import { findDepartmentRowByName } from './departments.js';
import { addMemberships } from './memberships.js';
import { queryPage } from './query-page.js';
import { compileFilter, planQuery } from './query-sql.js';
import type { DbUserRow } from './rows.js';

/** The columns a user is read with: not the copies made for queries (see `searchColumns`). */
export const USER_COLUMNS = [
  'pk',
  'id',
  'user_name',
  'active',
  'profile',
  'version',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof DbUserRow)[];

/** The indexed columns copied out of a profile; '' stands for absent. */
export function searchColumns(profile: UserProfile) {
  return { ...indexedColumns(profile), profile: JSON.stringify(profile) };
}

function indexedColumns(profile: UserProfile) {
  return {
    user_name: profile.userName,
    user_name_norm: identityKey(profile.userName),
    external_id: profile.externalId ?? '',
    active: profile.active,
    display_name: profile.displayName ?? '',
    given_name: profile.name?.givenName ?? '',
    family_name: profile.name?.familyName ?? '',
    employee_number: profile.enterprise?.employeeNumber ?? '',
    department: profile.enterprise?.department ?? '',
    manager_id: profile.enterprise?.manager?.value ?? '',
  };
}

type SearchColumns = ReturnType<typeof searchColumns>;
/** The columns `searchColumns` writes. */
const SEARCH_COLUMNS = Object.keys(searchColumns({ userName: '' } as UserProfile)) as (keyof SearchColumns)[];

export function rowToUser(row: DbUserRow, memberships: UserMembership[] = []): User {
  // Written onto the parsed profile rather than spread from it: spreading a parsed document
  // into a new literal costs V8 several times the parse (measured: ~10 µs a user against ~2.5).
  const user = JSON.parse(row.profile) as User;
  user.id = row.id;
  user.version = Number(row.version);
  user.createdAt = new Date(row.created_at);
  user.updatedAt = new Date(row.updated_at);
  user.memberships = memberships;
  return user;
}

type InsertParams = SearchColumns & {
  id: string;
  tenant_id: string;
  request_id: string | null;
  created_at: string;
};

const userInsert = (db: Knex, $: InsertParams) =>
  db('users')
    .insert({
      ...slotsFor($, ['id', 'tenant_id', 'request_id', ...SEARCH_COLUMNS, 'created_at']),
      updated_at: $.created_at,
      version: 1,
    })
    // A retried create: the row its first attempt made is the answer (see insertUserOnce).
    .onConflict(['tenant_id', 'request_id'])
    .ignore()
    .returning(USER_COLUMNS);

const insertRow = compiled<InsertParams, DbUserRow>(userInsert);

/** A user to insert: its tenant, its new id, its profile, the create's request id, and when. */
export interface NewUser {
  tenantId: string;
  id: string;
  profile: UserProfile;
  requestId?: string;
  now: string;
}

const insertParams = (user: NewUser): InsertParams => ({
  id: user.id,
  tenant_id: user.tenantId,
  request_id: user.requestId || null,
  ...searchColumns(user.profile),
  created_at: user.now,
});

/**
 * Inserts a user, unless the tenant already has the user created under `requestId`: then
 * nothing is written and the result is undefined. One statement either way.
 */
export async function insertUserOnce(db: Db, user: NewUser): Promise<DbUserRow | undefined> {
  return insertRow.first(db, insertParams(user));
}

/** Inserts a user; ConflictError when the request id was used already. */
export async function insertUser(db: Db, user: NewUser): Promise<DbUserRow> {
  const row = await insertUserOnce(db, user);
  if (!row) throw new ConflictError('a resource with that name or id already exists');
  return row;
}

type NewUserParams = InsertParams & EventParams & { emails: string };

/**
 * PostgreSQL: the user's row, its emails and the event of its creation in one statement, each
 * insert after the first made for the new row (so none is written when the request id was
 * used). A write of a tenant's waits on its statements' round trips (see
 * postgres-transaction.ts): this is two fewer for every create.
 */
const newUserParts = (db: Knex, $: NewUserParams) =>
  db
    .with('u', userInsert(db, $))
    .with(
      'e',
      db.raw(
        `insert into user_emails (user_pk, tenant_id, position, value, type, "primary")
         select u.pk, ?, x.position, x.value, x.type, x."primary" from u
         cross join jsonb_to_recordset(?::jsonb) as x(position integer, value text, type text, "primary" boolean)`,
        [$.tenant_id, $.emails],
      ),
    )
    .with('ev', eventInsertForEach(db, $, 'u'));

const insertNewUserRow = compiled<NewUserParams, DbUserRow>((db, $) =>
  newUserParts(db, $).select(USER_COLUMNS).from('u'),
);

/** The members event's parameters, named with this prefix beside the user's. */
const MEMBERS_EVENT = 'm_';
type JoiningUserParams = NewUserParams & { department_key: string };
type JoiningUserRow = DbUserRow & { department_id: string | null; department_name: string | null };

/**
 * PostgreSQL: the same, and when the tenant has the department the user's attribute names,
 * the user's membership of it with the event that records it (naming the department's id and
 * name as stored): three more round trips saved on a create that names a department. The
 * membership is made after the user's event (it reads its row), so the log has the user
 * before the membership. The department joined comes back with the row (null when there is
 * none of that name).
 */
const insertJoiningUserRow = compiled<JoiningUserParams, JoiningUserRow>((db, $) => {
  const members = withPrefix<MembersEventParams>($, MEMBERS_EVENT);
  return newUserParts(db, $)
    .with(
      'd',
      db('departments')
        .where({ tenant_id: $.tenant_id, name_norm: $.department_key })
        .select('pk', 'id', 'name'),
    )
    .with(
      'm',
      db.raw(
        `insert into memberships (department_pk, user_pk, source)
         select d.pk, u.pk, 'attribute' from d cross join u cross join ev returning department_pk`,
      ),
    )
    .with('md', db.raw('select d.id, d.name from m join d on d.pk = m.department_pk'))
    .with('mev', eventInsertForEach(db, members, 'md', { resource_id: 'id', resource_name: 'name' }))
    .with('mids', memberIdsInsert(db, members, 'mev'))
    .select([
      ...USER_COLUMNS.map((column) => `u.${column}`),
      'md.id as department_id',
      'md.name as department_name',
    ])
    .from('u')
    .joinRaw('left join md on true');
});

/** A profile's emails as the store keeps them, in order. */
const emailRows = (profile: UserProfile) =>
  profile.emails.map((email, position) => ({
    position,
    value: email.value,
    type: email.type ?? '',
    primary: email.primary,
  }));

/** A department as a new user's join names it. */
export interface DepartmentRef {
  id: string;
  name: string;
}

/** The department a new user's attribute names, and the event of joining it (given the department as stored). */
export interface AttributeJoin {
  name: string;
  event(department: DepartmentRef): NewEvent;
}

/**
 * A new user with its emails and the event that records its creation (`event`, naming its id)
 * and, given `join` and when the tenant has that department, its attribute membership of it
 * with its event, unless the tenant already has the user created under `requestId`: then
 * nothing is written and the result is undefined. `joined` is the department joined. On
 * PostgreSQL one statement; on SQLite, where a statement is a call in this process, one after
 * the other.
 */
export async function insertNewUser(
  db: Db,
  user: NewUser,
  event: NewEvent,
  join?: AttributeJoin,
): Promise<{ row: DbUserRow; joined?: DepartmentRef } | undefined> {
  if (dialectOf(db) === sqlite) {
    const row = await insertUserOnce(db, user);
    if (!row) return undefined;
    await insertEmails(db, user.tenantId, row.pk, user.profile);
    await insertEvent(db, event);
    const joined = join && (await findDepartmentRowByName(db, user.tenantId, join.name));
    if (!joined) return { row };
    await addMemberships(db, joined.pk, [row.pk], 'attribute');
    await appendMembersEvent(db, join!.event(joined), [user.id]);
    return { row, joined };
  }
  const params = {
    ...eventParams(event),
    ...insertParams(user),
    emails: JSON.stringify(emailRows(user.profile)),
  };
  if (!join) {
    const row = await insertNewUserRow.first(db, params);
    return row && { row };
  }
  // The event's department id and name are the stored ones, which the statement reads.
  const joinEvent = join.event({ id: '', name: join.name });
  const found = await insertJoiningUserRow.first(db, {
    ...params,
    department_key: identityKey(join.name),
    ...prefixed(membersEventParams(joinEvent, [user.id]), MEMBERS_EVENT),
  });
  if (!found) return undefined;
  const { department_id, department_name, ...row } = found;
  return { row, joined: department_id ? { id: department_id, name: department_name! } : undefined };
}

type UpdateParams = SearchColumns & {
  pk: number;
  version: number;
  updated_at: string;
};

/** Updates by the set of search columns written: one shape per set (few in practice). */
const updates = new StatementCache(128);

const userUpdate = (db: Knex, $: UpdateParams, columns: readonly (keyof SearchColumns)[]) =>
  db('users')
    .where({ pk: $.pk })
    .update(slotsFor($, [...columns, 'version', 'updated_at']))
    .returning(USER_COLUMNS);

const updateRow = (columns: readonly (keyof SearchColumns)[]) =>
  updates.get<UpdateParams, DbUserRow>(columns.join(','), (db, $) => userUpdate(db, $, columns), true);

/** PostgreSQL: the update and the event that records it, in one statement. */
const updateRowWithEvent = (columns: readonly (keyof SearchColumns)[]) =>
  updates.get<UpdateParams & EventParams, DbUserRow>(
    `${columns.join(',')} with event`,
    (db, $) =>
      db
        .with('u', userUpdate(db, $, columns))
        .with('ev', eventInsertForEach(db, $, 'u'))
        .select(USER_COLUMNS)
        .from('u'),
    true,
  );

/**
 * Writes a new profile, and with `event` the event that records the change: on PostgreSQL in
 * one statement (a write of a tenant's waits on its statements' round trips, see
 * postgres-transaction.ts), on SQLite one after the other.
 *
 * Given the profile it replaces (`before`), only the search columns
 * whose value changes are written: SQLite rewrites the entry of every index on a column an
 * UPDATE sets, changed or not (a replace that changed one attribute wrote ~17 pages to the
 * log, 8 of them index pages of unchanged columns). The identity key is then written only
 * when the userName changes: a key the identity-keys migration parked for a colliding legacy
 * name stays parked, so that user can still be updated and deactivated. Without `before`,
 * every column is written.
 */
export async function updateUserRow(
  db: Db,
  pk: number,
  profile: UserProfile,
  version: number,
  now: string,
  before?: UserProfile,
  event?: NewEvent,
): Promise<DbUserRow> {
  const next = searchColumns(profile);
  let columns = SEARCH_COLUMNS;
  if (before) {
    const previous = indexedColumns(before);
    columns = SEARCH_COLUMNS.filter((column) =>
      column === 'user_name_norm'
        ? profile.userName !== before.userName
        : column === 'profile' || next[column] !== previous[column],
    );
  }
  const params = { ...next, pk, version, updated_at: now };
  if (event && dialectOf(db) !== sqlite)
    return (await updateRowWithEvent(columns).first(db, { ...eventParams(event), ...params }))!;
  const row = await updateRow(columns).first(db, params);
  if (event) await insertEvent(db, event);
  return row!;
}

const deleteRow = compiled<{ pk: number }>((db, $) => db('users').where({ pk: $.pk }).delete());

export async function deleteUserRow(db: Db, pk: number): Promise<void> {
  await deleteRow.run(db, { pk });
}

const rowById = compiled<{ tenantId: string; id: string }, DbUserRow>((db, $) =>
  db('users').where({ tenant_id: $.tenantId, id: $.id }).first(USER_COLUMNS),
);

export async function findUserRow(db: Db, tenantId: string, id: string): Promise<DbUserRow | undefined> {
  return rowById.first(db, { tenantId, id });
}

type RowWithMembership = DbUserRow & {
  department_id: string | null;
  department_name: string | null;
  source: MembershipSource | null;
};

/**
 * Users' rows with the departments they belong to, one row per membership (or one without),
 * memberships in the order membershipsOf gives them.
 */
const withMembershipRows = (builder: Knex.QueryBuilder) =>
  builder
    .leftJoin('memberships', 'memberships.user_pk', 'users.pk')
    .leftJoin('departments', 'departments.pk', 'memberships.department_pk')
    .orderBy(['departments.name_norm', 'memberships.source'])
    .select([
      ...USER_COLUMNS.map((column) => `users.${column}`),
      'departments.id as department_id',
      'departments.name as department_name',
      'memberships.source',
    ]);

/** One user's row and memberships from the rows `withMembershipRows` reads (at least one). */
function userWithMemberships(rows: RowWithMembership[]): { row: DbUserRow; memberships: UserMembership[] } {
  const { department_id: _id, department_name: _name, source: _source, ...row } = rows[0]!;
  const memberships = rows.flatMap(({ department_id, department_name, source }) =>
    department_id === null
      ? []
      : [{ departmentId: department_id, departmentName: department_name!, source: source! }],
  );
  return { row, memberships };
}

const rowWithMemberships = compiled<{ tenantId: string; id: string }, RowWithMembership>((db, $) =>
  withMembershipRows(db('users').where({ 'users.tenant_id': $.tenantId, 'users.id': $.id })),
);

/**
 * A user's row and the departments they belong to (as membershipsOf orders them), in one
 * read: the row comes once per membership, and a user belongs to few departments.
 */
export async function findUserRowWithMemberships(
  db: Db,
  tenantId: string,
  id: string,
): Promise<{ row: DbUserRow; memberships: UserMembership[] } | undefined> {
  const rows = await rowWithMemberships.all(db, { tenantId, id });
  return rows[0] ? userWithMemberships(rows) : undefined;
}

const rowByRequestId = compiled<{ tenantId: string; requestId: string }, DbUserRow>((db, $) =>
  db('users').where({ tenant_id: $.tenantId, request_id: $.requestId }).first(USER_COLUMNS),
);

export async function findUserRowByRequestId(
  db: Db,
  tenantId: string,
  requestId: string,
): Promise<DbUserRow | undefined> {
  return rowByRequestId.first(db, { tenantId, requestId });
}

const pksByIds = compiled<{ ids: readonly string[] }, { id: string; pk: number; tenant_id: string }>(
  (db, $) =>
    db('users')
      .where(inList(db, 'id', $.ids))
      .select('id', 'pk', 'tenant_id'),
);

/**
 * Resolves user ids of one tenant to primary keys; ids of other tenants or none are absent.
 * The rows are found by the unique id index alone and their tenant checked on the (at most
 * as many as asked) rows returned: with `tenant_id = ?` in the WHERE clause, SQLite's planner
 * picks a tenant index and walks every user of the tenant.
 */
export async function userPksByIds(
  db: Db,
  tenantId: string,
  ids: readonly string[],
): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  if (ids.length === 0) return found;
  for (const row of await pksByIds.all(db, { ids })) {
    if (row.tenant_id === tenantId) found.set(row.id, row.pk);
  }
  return found;
}

interface EmailParams {
  user_pk: number;
  tenant_id: string;
  [column: `${'value' | 'type' | 'primary'}${number}`]: string | boolean;
}

/** One multi-row insert per count of emails (at most MAX_VALUES shapes). */
const emailInserts = new StatementCache(128);

const insertEmailRows = (count: number) =>
  emailInserts.get<EmailParams>(
    String(count),
    (db, $) =>
      db('user_emails').insert(
        Array.from({ length: count }, (_, position) => ({
          user_pk: $.user_pk,
          tenant_id: $.tenant_id,
          position,
          value: $[`value${position}`],
          type: $[`type${position}`],
          primary: $[`primary${position}`],
        })),
      ),
    count <= 8,
  );

const deleteEmailRows = compiled<{ userPk: number }>((db, $) =>
  db('user_emails').where({ user_pk: $.userPk }).delete(),
);

/** Stores a new user's emails (a user that has none yet). */
export async function insertEmails(
  db: Db,
  tenantId: string,
  userPk: number,
  profile: UserProfile,
): Promise<void> {
  if (profile.emails.length === 0) return;
  const params: EmailParams = { user_pk: userPk, tenant_id: tenantId };
  for (const { position, value, type, primary } of emailRows(profile)) {
    params[`value${position}`] = value;
    params[`type${position}`] = type;
    params[`primary${position}`] = primary;
  }
  await insertEmailRows(profile.emails.length).run(db, params);
}

export async function replaceEmails(
  db: Db,
  tenantId: string,
  userPk: number,
  profile: UserProfile,
): Promise<void> {
  await deleteEmailRows.run(db, { userPk });
  await insertEmails(db, tenantId, userPk, profile);
}

/** Whether two profiles store different email rows (value, type and primary, in order). */
export function emailRowsDiffer(before: UserProfile, after: UserProfile): boolean {
  return (
    before.emails.length !== after.emails.length ||
    before.emails.some((email, i) => {
      const other = after.emails[i]!;
      return (
        email.value !== other.value ||
        (email.type ?? '') !== (other.type ?? '') ||
        email.primary !== other.primary
      );
    })
  );
}

const membershipRows = compiled<
  { userPks: readonly number[] },
  { user_pk: number; id: string; name: string; source: MembershipSource }
>((db, $) =>
  db('memberships')
    .join('departments', 'departments.pk', 'memberships.department_pk')
    .where(inList(db, 'memberships.user_pk', $.userPks))
    .orderBy(['departments.name_norm', 'memberships.source'])
    .select('memberships.user_pk', 'departments.id', 'departments.name', 'memberships.source'),
);

/** The departments each of the given users belongs to, by user primary key. */
export async function membershipsOf(
  db: Db,
  userPks: readonly number[],
): Promise<Map<number, UserMembership[]>> {
  const byUser = new Map<number, UserMembership[]>();
  if (userPks.length === 0) return byUser;
  for (const row of await membershipRows.all(db, { userPks })) {
    const list = byUser.get(row.user_pk) ?? [];
    list.push({ departmentId: row.id, departmentName: row.name, source: row.source });
    byUser.set(row.user_pk, list);
  }
  return byUser;
}

/** One page of a tenant's users matching a query, with the total unless skipped. */
export function queryUserRows(db: Db, tenantId: string, query: Query): Promise<Page<DbUserRow>> {
  return queryPage<DbUserRow>(
    db,
    { table: 'users', catalog: userCatalog, columns: USER_COLUMNS },
    tenantId,
    query,
  );
}

/** Joined lookups by the filter's SQL (one per unique field). */
const lookups = new StatementCache(8);

/**
 * A query for one user by a unique field (`userName eq …`, `id eq …`: the lookup Okta sends
 * before every create) answered with the user's memberships in one statement, as a GET by id
 * is: the page and then its memberships are two, and on PostgreSQL two round trips. The
 * answer is the page queryUserRows and membershipsOf give: at most one user, the total its
 * count. Undefined for any other query (another filter, an offset, a cursor, only the
 * total), which takes the general path.
 */
export async function lookupUserWithMemberships(
  db: Db,
  tenantId: string,
  query: Query,
): Promise<Page<{ row: DbUserRow; memberships: UserMembership[] }> | undefined> {
  const { filter } = query;
  if (!filter || !('op' in filter) || filter.op !== 'eq' || !userCatalog.fields[filter.field]?.unique)
    return undefined;
  // The page's checks (its size, its ordering), so that the answer is the general path's.
  const plan = planQuery(userCatalog, query, 'users.pk');
  if (plan.limit === 0 || plan.offset > 0 || plan.after) return undefined;
  const condition = compileFilter(userCatalog, tenantId, filter);
  const params: Record<string, Knex.Value> = { tenantId };
  for (const [i, value] of condition.bindings.entries()) params[`f${i}`] = value;
  const statement = lookups.get<Record<string, Knex.Value>, RowWithMembership>(
    condition.sql,
    (knex, $) =>
      withMembershipRows(
        knex('users')
          .where('users.tenant_id', $.tenantId!)
          .whereRaw(
            `(${condition.sql})`,
            condition.bindings.map((_, i) => $[`f${i}`]!),
          ),
      ),
    true,
  );
  const rows = await statement.all(db, params);
  const items = rows.length > 0 ? [userWithMemberships(rows)] : [];
  return { items, total: query.skipTotal ? undefined : items.length };
}

/** The ids of users by primary key (pks of no user are absent). */
export async function userIdsByPks(db: Db, pks: readonly number[]): Promise<Map<number, string>> {
  const found = new Map<number, string>();
  for (let i = 0; i < pks.length; i += 500) {
    const rows: { id: string; pk: number }[] = await db('users')
      .whereIn('pk', pks.slice(i, i + 500))
      .select('id', 'pk');
    for (const row of rows) found.set(row.pk, row.id);
  }
  return found;
}
