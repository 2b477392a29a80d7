import type { Knex } from 'knex';
import { identityKey } from '../domain/identity.js';
import type { Department, JsonObject, Page, Query } from '../domain/types.js';
import { departmentCatalog } from './catalogs.js';
import { compiled, dialectOf, slotsFor, StatementCache, type Db } from './compiled.js';
import { sqlite } from './dialect.js';
import {
  appendMembersEvent,
  memberIdsInsert,
  membersEventParams,
  type MembersEventParams,
} from './event-members.js';
import { eventInsertForEach, type NewEvent } from './events.js';
import { queryPage } from './query-page.js';
import type { DbDepartmentRow } from './rows.js';

/** The columns a department is read with. */
const DEPARTMENT_COLUMNS = [
  'pk',
  'id',
  'tenant_id',
  'request_id',
  'name',
  'pushed',
  'external_id',
  'extra',
  'version',
  'created_at',
  'updated_at',
] as const satisfies readonly (keyof DbDepartmentRow)[];

export function rowToDepartment(row: DbDepartmentRow): Department {
  return {
    id: row.id,
    name: row.name,
    pushed: Boolean(row.pushed),
    externalId: row.external_id || undefined,
    extra: row.extra ? (JSON.parse(row.extra) as JsonObject) : undefined,
    version: Number(row.version),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
  };
}

export interface DepartmentFields {
  name: string;
  pushed: boolean;
  externalId?: string;
  extra?: JsonObject;
}

function columns(fields: Partial<DepartmentFields>): Record<string, string | boolean | null> {
  return {
    ...(fields.name !== undefined && { name: fields.name, name_norm: identityKey(fields.name) }),
    ...(fields.pushed !== undefined && { pushed: fields.pushed }),
    ...('externalId' in fields && { external_id: fields.externalId ?? '' }),
    ...('extra' in fields && { extra: fields.extra ? JSON.stringify(fields.extra) : null }),
  };
}

/** Inserts and updates by the set of columns written (a few shapes: see `columns`). */
const writes = new StatementCache(64);

export async function insertDepartment(
  db: Db,
  tenantId: string,
  id: string,
  fields: DepartmentFields,
  requestId: string | undefined,
  now: string,
): Promise<DbDepartmentRow> {
  const values = columns(fields);
  const names = Object.keys(values);
  const params = { id, tenant_id: tenantId, request_id: requestId || null, ...values, now };
  const insert = writes.get<Record<string, unknown>, DbDepartmentRow>(
    `insert ${names.join(',')}`,
    (knex, $) =>
      knex('departments')
        .insert({
          ...slotsFor($, ['id', 'tenant_id', 'request_id', ...names]),
          version: 1,
          created_at: $.now,
          updated_at: $.now,
        })
        .returning(DEPARTMENT_COLUMNS),
    true,
  );
  return (await insert.first(db, params))!;
}

/** A membership event written with the department's update (see updateDepartmentRow). */
export interface MembersEventWrite {
  event: NewEvent;
  memberIds: readonly string[];
}

const departmentUpdate = (knex: Knex, $: Record<string, unknown>, names: readonly string[]) =>
  knex('departments')
    .where({ pk: $.pk })
    .update({ ...slotsFor($, names), version: $.version, updated_at: $.now })
    .returning(DEPARTMENT_COLUMNS);

/**
 * Writes the given fields and bumps the version, and with `members` the membership event of
 * the change: on PostgreSQL in one statement (a write of a tenant's waits on its statements'
 * round trips, see postgres-transaction.ts), on SQLite one after the other.
 */
export async function updateDepartmentRow(
  db: Db,
  row: DbDepartmentRow,
  fields: Partial<DepartmentFields>,
  now: string,
  members?: MembersEventWrite,
): Promise<DbDepartmentRow> {
  const values = columns(fields);
  const names = Object.keys(values);
  const params = { ...values, pk: row.pk, version: Number(row.version) + 1, now };
  if (members && dialectOf(db) !== sqlite) {
    const updateWithEvent = writes.get<Record<string, unknown>, DbDepartmentRow>(
      `update ${names.join(',')} with members event`,
      (knex, $) =>
        knex
          .with('d', departmentUpdate(knex, $, names))
          .with('ev', eventInsertForEach(knex, $ as MembersEventParams, 'd'))
          .with('mids', memberIdsInsert(knex, $ as MembersEventParams, 'ev'))
          .select(DEPARTMENT_COLUMNS)
          .from('d'),
      true,
    );
    return (await updateWithEvent.first(db, {
      ...membersEventParams(members.event, members.memberIds),
      ...params,
    }))!;
  }
  const update = writes.get<Record<string, unknown>, DbDepartmentRow>(
    `update ${names.join(',')}`,
    (knex, $) => departmentUpdate(knex, $, names),
    true,
  );
  const updated = (await update.first(db, params))!;
  if (members) await appendMembersEvent(db, members.event, members.memberIds);
  return updated;
}

const deleteRow = compiled<{ pk: number }>((db, $) => db('departments').where({ pk: $.pk }).delete());

export async function deleteDepartmentRow(db: Db, pk: number): Promise<void> {
  await deleteRow.run(db, { pk });
}

const rowById = compiled<{ tenantId: string; id: string }, DbDepartmentRow>((db, $) =>
  db('departments').where({ tenant_id: $.tenantId, id: $.id }).first(DEPARTMENT_COLUMNS),
);

export async function findDepartmentRow(
  db: Db,
  tenantId: string,
  id: string,
): Promise<DbDepartmentRow | undefined> {
  return rowById.first(db, { tenantId, id });
}

const rowByName = compiled<{ tenantId: string; key: string }, DbDepartmentRow>((db, $) =>
  db('departments').where({ tenant_id: $.tenantId, name_norm: $.key }).first(DEPARTMENT_COLUMNS),
);

export async function findDepartmentRowByName(
  db: Db,
  tenantId: string,
  name: string,
): Promise<DbDepartmentRow | undefined> {
  return rowByName.first(db, { tenantId, key: identityKey(name) });
}

const rowByRequestId = compiled<{ tenantId: string; requestId: string }, DbDepartmentRow>((db, $) =>
  db('departments').where({ tenant_id: $.tenantId, request_id: $.requestId }).first(DEPARTMENT_COLUMNS),
);

export async function findDepartmentRowByRequestId(
  db: Db,
  tenantId: string,
  requestId: string,
): Promise<DbDepartmentRow | undefined> {
  return rowByRequestId.first(db, { tenantId, requestId });
}

/** One page of a tenant's departments matching a query, with the total unless skipped. */
export function queryDepartmentRows(db: Db, tenantId: string, query: Query): Promise<Page<DbDepartmentRow>> {
  return queryPage<DbDepartmentRow>(
    db,
    { table: 'departments', catalog: departmentCatalog, columns: DEPARTMENT_COLUMNS },
    tenantId,
    query,
  );
}

const rowByPk = compiled<{ pk: number }, DbDepartmentRow>((db, $) =>
  db('departments').where({ pk: $.pk }).first(DEPARTMENT_COLUMNS),
);

export async function findDepartmentRowByPk(db: Db, pk: number): Promise<DbDepartmentRow | undefined> {
  return rowByPk.first(db, { pk });
}
