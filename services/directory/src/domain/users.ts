import type { Knex } from 'knex';
import { read, writeTransaction } from '../store/transaction.js';
import {
  deleteUserRow,
  emailRowsDiffer,
  findUserRowByRequestId,
  findUserRowWithMemberships,
  insertNewUser,
  lookupUserWithMemberships,
  membershipsOf,
  queryUserRows,
  replaceEmails,
  rowToUser,
  updateUserRow,
} from '../store/users.js';
import { findDepartmentRow, updateDepartmentRow } from '../store/departments.js';
import { removeMemberships } from '../store/memberships.js';
import type { DbUserRow } from '../store/rows.js';
import { now, type CallContext, type Deps } from './context.js';
import { attributeJoin, placeByAttribute, placeInNewDepartment } from './department-sync.js';
import { ConflictError, NotFoundError, VersionMismatchError } from './errors.js';
import type { EventKind } from './event-kinds.js';
import { eventOf, membersChangeWrite, record, userSummary } from './event-log.js';
import { applyMask, profileOf } from './field-mask.js';
import { sameIdentity } from './identity.js';
import { sameJson } from './same-json.js';
import type { Page, Query, User, UserProfile } from './types.js';
import { checkProfile } from './validation.js';
import { newResourceId } from './resource-ids.js';

const TAKEN = 'a user with that userName already exists in this tenant';

async function withMemberships(db: Knex | Knex.Transaction, row: DbUserRow): Promise<User> {
  const memberships = await membershipsOf(db, [row.pk]);
  return rowToUser(row, memberships.get(row.pk));
}

/** The user's row and memberships, or NotFoundError; VersionMismatchError unless at `expectedVersion`. */
async function existingUser(
  db: Knex | Knex.Transaction,
  ctx: CallContext,
  id: string,
  expectedVersion?: number,
) {
  const found = await findUserRowWithMemberships(db, ctx.tenantId, id);
  if (!found) throw new NotFoundError(`no user with id ${id}`);
  const { row } = found;
  if (expectedVersion !== undefined && Number(row.version) !== expectedVersion) {
    throw new VersionMismatchError(`the user is at version ${row.version}, not ${expectedVersion}`);
  }
  return found;
}

function uniqueUserName<T>(promise: Promise<T>): Promise<T> {
  return promise.catch((error) => {
    throw error instanceof ConflictError ? new ConflictError(TAKEN) : error;
  });
}

/** Creates a user; a retry with the same request id returns the user the first call created. */
export async function createUser(
  deps: Deps,
  ctx: CallContext,
  input: UserProfile,
  requestId?: string,
): Promise<User> {
  const profile = checkProfile(input);
  const user = await uniqueUserName(
    writeTransaction(deps.db, ctx.tenantId, async (trx) => {
      const at = now();
      const id = newResourceId();
      const created = eventOf(
        ctx,
        {
          kind: 'user.created',
          resourceType: 'user',
          resourceId: id,
          resourceName: profile.userName,
          after: userSummary(profile),
        },
        at,
      );
      // A new user has no memberships yet: only a department attribute can give one. When the
      // tenant has that department, the membership is written with the row.
      const named = profile.enterprise?.department;
      const join = named ? attributeJoin(ctx, { id, userName: profile.userName }, named, at) : undefined;
      // The row, its emails, the event of its creation and the membership (one statement on PostgreSQL).
      const inserted = await insertNewUser(
        trx,
        { tenantId: ctx.tenantId, id, profile, requestId, now: at },
        created,
        join,
      );
      if (!inserted) {
        // The request id was used: that create's user is the answer (it may have changed since).
        const earlier = await findUserRowByRequestId(trx, ctx.tenantId, requestId!);
        return withMemberships(trx, earlier!);
      }
      const { row, joined } = inserted;
      if (!named) return rowToUser(row, []);
      // A department of that name is made for the first user whose attribute names it.
      const department =
        joined ??
        (await placeInNewDepartment(trx, ctx, { pk: row.pk, id, userName: profile.userName }, named, at));
      return rowToUser(row, [
        { departmentId: department.id, departmentName: department.name, source: 'attribute' },
      ]);
    }),
  );
  deps.feed.notify(ctx.tenantId);
  return user;
}

export async function getUser(deps: Deps, ctx: CallContext, id: string): Promise<User> {
  return read(deps.db, async (db) => {
    const { row, memberships } = await existingUser(db, ctx, id);
    return rowToUser(row, memberships);
  });
}

export async function listUsers(
  deps: Deps,
  ctx: CallContext,
  query: Query,
  withMembers = true,
): Promise<Page<User>> {
  return read(deps.db, async (db) => {
    const lookup = withMembers ? await lookupUserWithMemberships(db, ctx.tenantId, query) : undefined;
    if (lookup)
      return { ...lookup, items: lookup.items.map(({ row, memberships }) => rowToUser(row, memberships)) };
    const page = await queryUserRows(db, ctx.tenantId, query);
    const memberships = withMembers
      ? await membershipsOf(
          db,
          page.items.map((r) => r.pk),
        )
      : new Map();
    return { ...page, items: page.items.map((row) => rowToUser(row, memberships.get(row.pk))) };
  });
}

function changeKind(before: UserProfile, after: UserProfile, fallback: EventKind): EventKind {
  if (before.active && !after.active) return 'user.deactivated';
  if (!before.active && after.active) return 'user.reactivated';
  return fallback;
}

/** Writes a whole new profile over a stored user (PUT semantics). */
async function writeProfile(
  deps: Deps,
  ctx: CallContext,
  id: string,
  expectedVersion: number | undefined,
  kind: 'user.replaced' | 'user.updated',
  next: (current: User) => UserProfile,
): Promise<User> {
  const user = await uniqueUserName(
    writeTransaction(deps.db, ctx.tenantId, async (trx) => {
      const { row, memberships } = await existingUser(trx, ctx, id, expectedVersion);
      const current = rowToUser(row, memberships);
      const profile = checkProfile(next(current), profileOf(current));
      // Clients echo what they read (Okta PUTs after every change): an identical write is a no-op.
      if (sameJson(profile, profileOf(current))) return current;
      const at = now();
      const version = Number(row.version) + 1;
      const changed = eventOf(
        ctx,
        {
          kind: changeKind(current, profile, kind),
          resourceType: 'user',
          resourceId: id,
          resourceName: profile.userName,
          before: userSummary(current),
          after: userSummary({ ...profile, version }),
        },
        at,
      );
      // The row and the event of its change (one statement on PostgreSQL).
      const updated = await updateUserRow(trx, row.pk, profile, version, at, profileOf(current), changed);
      if (emailRowsDiffer(current, profile)) await replaceEmails(trx, ctx.tenantId, row.pk, profile);
      // Memberships follow the department attribute; an unchanged one changes none.
      const department = profile.enterprise?.department;
      if (sameIdentity(department, current.enterprise?.department)) return rowToUser(updated, memberships);
      await placeByAttribute(trx, ctx, { pk: row.pk, id, userName: profile.userName }, department, at);
      return withMemberships(trx, updated);
    }),
  );
  deps.feed.notify(ctx.tenantId);
  return user;
}

/** Replaces every writable attribute of a user. */
export function replaceUser(
  deps: Deps,
  ctx: CallContext,
  id: string,
  profile: UserProfile,
  expectedVersion?: number,
): Promise<User> {
  return writeProfile(deps, ctx, id, expectedVersion, 'user.replaced', () => profile);
}

/** Sets the attributes named by the mask from `patch`; a named attribute absent from `patch` is cleared. */
export function updateUser(
  deps: Deps,
  ctx: CallContext,
  id: string,
  patch: Partial<UserProfile>,
  mask: readonly string[],
  expectedVersion?: number,
): Promise<User> {
  return writeProfile(deps, ctx, id, expectedVersion, 'user.updated', (current) =>
    applyMask(current, patch, mask),
  );
}

/** Deletes a user, with every membership; departments left unnamed go too. */
export async function deleteUser(
  deps: Deps,
  ctx: CallContext,
  id: string,
  expectedVersion?: number,
): Promise<void> {
  await writeTransaction(deps.db, ctx.tenantId, async (trx) => {
    const { row, memberships } = await existingUser(trx, ctx, id, expectedVersion);
    const user = rowToUser(row, memberships);
    const at = now();
    await placeByAttribute(trx, ctx, { pk: row.pk, id, userName: user.userName }, undefined, at);
    for (const membership of user.memberships.filter((m) => m.source === 'pushed')) {
      const department = await findDepartmentRow(trx, ctx.tenantId, membership.departmentId);
      if (!department) continue;
      await removeMemberships(trx, department.pk, [row.pk], 'pushed');
      // The new version and the event of the change (one statement on PostgreSQL).
      await updateDepartmentRow(
        trx,
        department,
        {},
        at,
        membersChangeWrite(ctx, department, { source: 'pushed', removed: [id] }, at, 'the user was deleted'),
      );
    }
    await deleteUserRow(trx, row.pk);
    await record(
      trx,
      ctx,
      {
        kind: 'user.deleted',
        resourceType: 'user',
        resourceId: id,
        resourceName: user.userName,
        before: userSummary(user),
      },
      at,
    );
  });
  deps.feed.notify(ctx.tenantId);
}
