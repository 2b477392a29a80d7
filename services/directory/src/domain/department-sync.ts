import type { Knex } from 'knex';
import {
  deleteDepartmentRow,
  findDepartmentRowByName,
  findDepartmentRowByPk,
  insertDepartment,
} from '../store/departments.js';
import {
  addMemberships,
  attributeDepartmentOf,
  hasMembers,
  removeMemberships,
} from '../store/memberships.js';
import type { DbDepartmentRow } from '../store/rows.js';
import type { AttributeJoin } from '../store/users.js';
import type { CallContext } from './context.js';
import { sameIdentity } from './identity.js';
import { membersChangeWrite, record, recordMembersChange, type MembersChange } from './event-log.js';
import { newResourceId } from './resource-ids.js';

/**
 * The attribute side of department membership (DESIGN §3): a user is an
 * attribute member of exactly the department whose name, case-insensitively,
 * is their enterprise `department` attribute. A department that exists only
 * through attributes lives while at least one user's attribute names it.
 */

export interface UserRef {
  pk: number;
  id: string;
  userName: string;
}

/** The department of that name, created as attribute-only when there is none. */
export async function findOrCreateDepartment(
  trx: Knex.Transaction,
  ctx: CallContext,
  name: string,
  at: string,
): Promise<DbDepartmentRow> {
  return (
    (await findDepartmentRowByName(trx, ctx.tenantId, name)) ??
    (await createAttributeDepartment(trx, ctx, name, at))
  );
}

/** Creates an attribute-only department of that name (the tenant has none), with its event. */
async function createAttributeDepartment(
  trx: Knex.Transaction,
  ctx: CallContext,
  name: string,
  at: string,
): Promise<DbDepartmentRow> {
  const row = await insertDepartment(
    trx,
    ctx.tenantId,
    newResourceId(),
    { name, pushed: false },
    undefined,
    at,
  );
  await record(
    trx,
    ctx,
    {
      kind: 'department.created',
      resourceType: 'department',
      resourceId: row.id,
      resourceName: name,
      after: { name, origin: 'attribute' },
    },
    at,
  );
  return row;
}

/** Deletes a department that is not pushed and that no user's attribute names any more. */
export async function dropIfUnnamed(
  trx: Knex.Transaction,
  ctx: CallContext,
  department: DbDepartmentRow,
  at: string,
): Promise<boolean> {
  if (department.pushed || (await hasMembers(trx, department.pk, 'attribute'))) return false;
  await deleteDepartmentRow(trx, department.pk);
  await record(
    trx,
    ctx,
    {
      kind: 'department.deleted',
      resourceType: 'department',
      resourceId: department.id,
      resourceName: department.name,
      reason: 'no user names it in their department attribute any more',
      before: { name: department.name, origin: 'attribute' },
    },
    at,
  );
  return true;
}

/** Moves the user's attribute membership to the department their attribute now names. */
export async function placeByAttribute(
  trx: Knex.Transaction,
  ctx: CallContext,
  user: UserRef,
  departmentName: string | undefined,
  at: string,
): Promise<void> {
  const currentPk = await attributeDepartmentOf(trx, user.pk);
  const current = currentPk === undefined ? undefined : await findDepartmentRowByPk(trx, currentPk);
  const target = departmentName?.trim() || undefined;
  if (current && target && sameIdentity(current.name, target)) return;
  if (current) {
    await removeMemberships(trx, current.pk, [user.pk], 'attribute');
    await recordMembersChange(
      trx,
      ctx,
      current,
      { source: 'attribute', removed: [user.id], userName: user.userName },
      at,
    );
    await dropIfUnnamed(trx, ctx, current, at);
  }
  if (target) await joinByAttribute(trx, ctx, user, await findOrCreateDepartment(trx, ctx, target, at), at);
}

/**
 * Places a user created in this transaction in the department their attribute names when the
 * tenant has none of that name yet (the user's insert found none, store/users.ts
 * insertNewUser): creates it and joins it. Returns that department.
 */
export async function placeInNewDepartment(
  trx: Knex.Transaction,
  ctx: CallContext,
  user: UserRef,
  departmentName: string,
  at: string,
): Promise<DbDepartmentRow> {
  const department = await createAttributeDepartment(trx, ctx, departmentName.trim(), at);
  await joinByAttribute(trx, ctx, user, department, at);
  return department;
}

async function joinByAttribute(
  trx: Knex.Transaction,
  ctx: CallContext,
  user: UserRef,
  department: DbDepartmentRow,
  at: string,
): Promise<void> {
  await addMemberships(trx, department.pk, [user.pk], 'attribute');
  await recordMembersChange(trx, ctx, department, joined(user), at);
}

/** The change of a user joining a department by their attribute. */
const joined = (user: { id: string; userName: string }): MembersChange => ({
  source: 'attribute',
  added: [user.id],
  userName: user.userName,
});

/**
 * The attribute membership a new user's department attribute asks for, for the store to write
 * with the user's row when the tenant has that department (store/users.ts insertNewUser): its
 * name, and the event of joining it, given the department as stored.
 */
export function attributeJoin(
  ctx: CallContext,
  user: { id: string; userName: string },
  departmentName: string,
  at: string,
): AttributeJoin {
  return {
    name: departmentName.trim(),
    event: (department) => membersChangeWrite(ctx, department, joined(user), at).event,
  };
}
