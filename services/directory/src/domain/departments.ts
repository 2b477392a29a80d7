import type { Knex } from 'knex';
import {
  deleteDepartmentRow,
  findDepartmentRow,
  findDepartmentRowByName,
  findDepartmentRowByRequestId,
  insertDepartment,
  queryDepartmentRows,
  rowToDepartment,
  updateDepartmentRow,
} from '../store/departments.js';
import {
  addMemberships,
  hasMembers,
  listMembers as listMemberRows,
  memberPks,
  moveMemberships,
  removeMemberships,
} from '../store/memberships.js';
import type { DbDepartmentRow } from '../store/rows.js';
import { read, writeTransaction } from '../store/transaction.js';
import { now, type CallContext, type Deps } from './context.js';
import { findOrCreateDepartment } from './department-sync.js';
import { ConflictError, InvalidArgumentError, NotFoundError, VersionMismatchError } from './errors.js';
import { record } from './event-log.js';
import { sameIdentity } from './identity.js';
import { applyDelta, type MemberDelta } from './member-delta.js';
import type { Department, JsonObject, Member, MembershipSource, Page, Query } from './types.js';
import { sameJson } from './same-json.js';
import { checkDepartmentName, checkExtra } from './validation.js';
import { newResourceId } from './resource-ids.js';

const NAME_TAKEN = 'another pushed group already has that name in this tenant';

async function pushedRow(trx: Knex.Transaction, ctx: CallContext, id: string, expectedVersion?: number) {
  const row = await findDepartmentRow(trx, ctx.tenantId, id);
  // A department that exists only through attributes is not a group a client can address.
  if (!row || !row.pushed) throw new NotFoundError(`no pushed department with id ${id}`);
  if (expectedVersion !== undefined && Number(row.version) !== expectedVersion) {
    throw new VersionMismatchError(`the department is at version ${row.version}, not ${expectedVersion}`);
  }
  return row;
}

export interface PushInput {
  name: string;
  externalId?: string;
  extra?: JsonObject;
  memberIds: readonly string[];
  requestId?: string;
}

/**
 * Creates a pushed department, or adopts the attribute-only department of that
 * name. ConflictError when another push holds the name.
 */
export async function pushDepartment(
  deps: Deps,
  ctx: CallContext,
  input: PushInput,
): Promise<{ department: Department; adopted: boolean; skipped: string[] }> {
  const name = checkDepartmentName(input.name);
  const extra = checkExtra(input.extra);
  const result = await writeTransaction(deps.db, ctx.tenantId, async (trx) => {
    if (input.requestId) {
      const earlier = await findDepartmentRowByRequestId(trx, ctx.tenantId, input.requestId);
      if (earlier) return { department: earlier, adopted: false, skipped: [] as string[] };
    }
    const at = now();
    const existing = await findDepartmentRowByName(trx, ctx.tenantId, name);
    if (existing?.pushed) throw new ConflictError(NAME_TAKEN);
    const fields = { name, pushed: true, externalId: input.externalId, extra };
    const row = existing
      ? await updateDepartmentRow(trx, existing, fields, at)
      : await insertDepartment(trx, ctx.tenantId, newResourceId(), fields, input.requestId, at);
    await record(
      trx,
      ctx,
      {
        kind: existing ? 'department.adopted' : 'department.created',
        resourceType: 'department',
        resourceId: row.id,
        resourceName: name,
        after: { name, origin: 'pushed', ...(input.externalId && { externalId: input.externalId }) },
      },
      at,
    );
    const delta = await applyDelta(trx, ctx, row, { add: input.memberIds, remove: [] }, at, false);
    return { department: delta.department, adopted: Boolean(existing), skipped: delta.skipped };
  });
  deps.feed.notify(ctx.tenantId);
  return { ...result, department: rowToDepartment(result.department) };
}

export async function getDepartment(deps: Deps, ctx: CallContext, id: string): Promise<Department> {
  return read(deps.db, async (db) => {
    const row = await findDepartmentRow(db, ctx.tenantId, id);
    if (!row) throw new NotFoundError(`no department with id ${id}`);
    return rowToDepartment(row);
  });
}

export async function listDepartments(deps: Deps, ctx: CallContext, query: Query): Promise<Page<Department>> {
  return read(deps.db, async (db) => {
    const page = await queryDepartmentRows(db, ctx.tenantId, query);
    return { ...page, items: page.items.map(rowToDepartment) };
  });
}

export interface DepartmentChanges {
  name?: string;
  externalId?: string;
  extra?: JsonObject;
}

/**
 * Renames a pushed department and/or sets its external id and extra attributes, and/or
 * changes its pushed members: one transaction, one new version, `expectedVersion` checked
 * inside it. Renaming onto an attribute-only department merges it in (this one keeps its
 * id); users whose attribute still names the old name move to a department of that name.
 */
export async function updateDepartment(
  deps: Deps,
  ctx: CallContext,
  id: string,
  changes: DepartmentChanges,
  mask: readonly string[],
  expectedVersion?: number,
  members?: MemberDelta,
): Promise<Department> {
  for (const path of mask) {
    if (!['name', 'external_id', 'extra'].includes(path)) {
      throw new InvalidArgumentError('INVALID_PATH', `cannot update ${path}`);
    }
  }
  if (mask.length === 0 && !members) throw new InvalidArgumentError('INVALID_PATH', 'nothing to update');
  const extra = mask.includes('extra') ? checkExtra(changes.extra) : undefined;
  const row = await writeTransaction(deps.db, ctx.tenantId, async (trx) => {
    const before = await pushedRow(trx, ctx, id, expectedVersion);
    const at = now();
    const newName = mask.includes('name') ? checkDepartmentName(changes.name, before.name) : undefined;
    const fields: Parameters<typeof updateDepartmentRow>[2] = {};
    if (mask.includes('external_id')) fields.externalId = changes.externalId;
    if (mask.includes('extra')) fields.extra = extra;
    const renamed = newName !== undefined && newName !== before.name;
    const externalIdChanges =
      mask.includes('external_id') && (fields.externalId ?? '') !== before.external_id;
    const extraChanges = mask.includes('extra') && !sameJson(fields.extra, rowToDepartment(before).extra);
    let row = before;
    // Okta sends the group's own id and name after every change: an identical write is a no-op.
    if (renamed || externalIdChanges || extraChanges) {
      if (renamed && !sameIdentity(newName, before.name)) await moveForRename(trx, ctx, before, newName, at);
      if (renamed) fields.name = newName;
      row = await updateDepartmentRow(trx, before, fields, at);
      await record(
        trx,
        ctx,
        {
          kind: renamed ? 'department.renamed' : 'department.updated',
          resourceType: 'department',
          resourceId: row.id,
          resourceName: row.name,
          after: { name: row.name, ...(row.external_id && { externalId: row.external_id }) },
        },
        at,
      );
    }
    if (!members) return row;
    // The version moves once for the whole request: here only when the fields did not move it.
    const delta = await applyDelta(trx, ctx, row, members, at, row === before);
    return delta.department;
  });
  deps.feed.notify(ctx.tenantId);
  return rowToDepartment(row);
}

/** The membership moves a rename needs before the name itself changes. */
async function moveForRename(
  trx: Knex.Transaction,
  ctx: CallContext,
  row: DbDepartmentRow,
  newName: string,
  at: string,
) {
  const other = await findDepartmentRowByName(trx, ctx.tenantId, newName);
  if (other?.pushed) throw new ConflictError(NAME_TAKEN);
  // Users whose attribute names the old name stay with that name, in a department of their own.
  const oldNameMembers = await memberPks(trx, row.pk, 'attribute');
  await removeMemberships(trx, row.pk, oldNameMembers, 'attribute');
  if (other) {
    const merged = await memberPks(trx, other.pk, 'attribute');
    await moveMemberships(trx, other.pk, row.pk, 'attribute', merged);
    await deleteDepartmentRow(trx, other.pk);
    await record(
      trx,
      ctx,
      {
        kind: 'department.merged',
        resourceType: 'department',
        resourceId: other.id,
        resourceName: other.name,
        reason: `merged into the pushed department ${row.id} renamed to its name`,
        after: { mergedInto: row.id, members: merged.length },
      },
      at,
    );
  }
  if (oldNameMembers.length > 0) {
    // Free the old name first: the unique index holds it until the rename is written.
    await updateDepartmentRow(trx, row, { name: newName }, at);
    const left = await findOrCreateDepartment(trx, ctx, row.name, at);
    await addMemberships(trx, left.pk, oldNameMembers, 'attribute');
  }
}

/**
 * Removes the push: pushed memberships go; the department stays, attribute-only,
 * while users' attributes still name it.
 */
export async function deleteDepartmentPush(
  deps: Deps,
  ctx: CallContext,
  id: string,
  expectedVersion?: number,
): Promise<{ remains: boolean }> {
  const remains = await writeTransaction(deps.db, ctx.tenantId, async (trx) => {
    const row = await pushedRow(trx, ctx, id, expectedVersion);
    const at = now();
    const pushed = await memberPks(trx, row.pk, 'pushed');
    await removeMemberships(trx, row.pk, pushed, 'pushed');
    const remains = await hasMembers(trx, row.pk, 'attribute');
    if (remains)
      await updateDepartmentRow(trx, row, { pushed: false, externalId: undefined, extra: undefined }, at);
    else await deleteDepartmentRow(trx, row.pk);
    await record(
      trx,
      ctx,
      {
        kind: 'department.push_deleted',
        resourceType: 'department',
        resourceId: row.id,
        resourceName: row.name,
        reason: remains ? 'users’ department attribute still names it, so it stays' : '',
        before: { name: row.name, pushedMembers: pushed.length },
      },
      at,
    );
    return remains;
  });
  deps.feed.notify(ctx.tenantId);
  return { remains };
}

/** Changes a pushed department's members as one atomic delta. */
export async function changePushedMembers(
  deps: Deps,
  ctx: CallContext,
  id: string,
  delta: MemberDelta,
  expectedVersion?: number,
): Promise<{ department: Department; added: number; removed: number; skipped: string[] }> {
  const result = await writeTransaction(deps.db, ctx.tenantId, async (trx) => {
    const row = await pushedRow(trx, ctx, id, expectedVersion);
    return applyDelta(trx, ctx, row, delta, now(), true);
  });
  deps.feed.notify(ctx.tenantId);
  return { ...result, department: rowToDepartment(result.department) };
}

export async function listMembers(
  deps: Deps,
  ctx: CallContext,
  id: string,
  source: MembershipSource | undefined,
  limit?: number,
  cursor?: string,
): Promise<{ members: Member[]; total: number; nextCursor?: string }> {
  return read(deps.db, async (db) => {
    const row = await findDepartmentRow(db, ctx.tenantId, id);
    if (!row) throw new NotFoundError(`no department with id ${id}`);
    return listMemberRows(db, row.pk, source, limit, cursor);
  });
}
