import type { Knex } from 'knex';
import { identityKey } from '../domain/identity.js';
import type { Department, JsonObject, Page, Query } from '../domain/types.js';
import { departmentCatalog } from './catalogs.js';
import { queryPage } from './query-page.js';
import type { DbDepartmentRow } from './rows.js';

type Db = Knex | Knex.Transaction;

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

function columns(fields: Partial<DepartmentFields>) {
  return {
    ...(fields.name !== undefined && { name: fields.name, name_norm: identityKey(fields.name) }),
    ...(fields.pushed !== undefined && { pushed: fields.pushed }),
    ...('externalId' in fields && { external_id: fields.externalId ?? '' }),
    ...('extra' in fields && { extra: fields.extra ? JSON.stringify(fields.extra) : null }),
  };
}

export async function insertDepartment(
  db: Db,
  tenantId: string,
  id: string,
  fields: DepartmentFields,
  requestId: string | undefined,
  now: string,
): Promise<DbDepartmentRow> {
  const [row] = await db('departments')
    .insert({
      id,
      tenant_id: tenantId,
      request_id: requestId || null,
      ...columns(fields),
      version: 1,
      created_at: now,
      updated_at: now,
    })
    .returning('*');
  return row as DbDepartmentRow;
}

/** Writes the given fields and bumps the version. */
export async function updateDepartmentRow(
  db: Db,
  row: DbDepartmentRow,
  fields: Partial<DepartmentFields>,
  now: string,
): Promise<DbDepartmentRow> {
  const [updated] = await db('departments')
    .where({ pk: row.pk })
    .update({ ...columns(fields), version: Number(row.version) + 1, updated_at: now })
    .returning('*');
  return updated as DbDepartmentRow;
}

export async function deleteDepartmentRow(db: Db, pk: number): Promise<void> {
  await db('departments').where({ pk }).delete();
}

export async function findDepartmentRow(
  db: Db,
  tenantId: string,
  id: string,
): Promise<DbDepartmentRow | undefined> {
  return db('departments').where({ tenant_id: tenantId, id }).first();
}

export async function findDepartmentRowByName(
  db: Db,
  tenantId: string,
  name: string,
): Promise<DbDepartmentRow | undefined> {
  return db('departments')
    .where({ tenant_id: tenantId, name_norm: identityKey(name) })
    .first();
}

export async function findDepartmentRowByRequestId(
  db: Db,
  tenantId: string,
  requestId: string,
): Promise<DbDepartmentRow | undefined> {
  return db('departments').where({ tenant_id: tenantId, request_id: requestId }).first();
}

/** One page of a tenant's departments matching a query, with the total unless skipped. */
export function queryDepartmentRows(db: Db, tenantId: string, query: Query): Promise<Page<DbDepartmentRow>> {
  return queryPage<DbDepartmentRow>(
    db,
    { table: 'departments', catalog: departmentCatalog },
    tenantId,
    query,
  );
}

export async function findDepartmentRowByPk(db: Db, pk: number): Promise<DbDepartmentRow | undefined> {
  return db('departments').where({ pk }).first();
}
