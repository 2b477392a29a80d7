/** Row shapes as the database returns them (booleans may come back as 0/1 from SQLite). */

/** A user as the store reads it (the columns copied out of `profile` for queries are not read). */
export interface DbUserRow {
  pk: number;
  id: string;
  user_name: string;
  active: boolean | number;
  profile: string;
  version: number | string;
  created_at: string;
  updated_at: string;
}

export interface DbDepartmentRow {
  pk: number;
  id: string;
  tenant_id: string;
  request_id: string | null;
  name: string;
  pushed: boolean | number;
  external_id: string;
  extra: string | null;
  version: number | string;
  created_at: string;
  updated_at: string;
}

export interface DbEventRow {
  seq: number | string;
  tenant_id: string;
  occurred_at: string;
  actor: string;
  kind: string;
  resource_type: string;
  resource_id: string;
  resource_name: string;
  outcome: string;
  reason: string;
  before: string | null;
  after: string | null;
}

export interface DbTenantRow {
  id: string;
  name: string;
  created_at: string;
  disabled_at: string | null;
}

export interface DbTokenRow {
  id: string;
  tenant_id: string;
  prefix: string;
  hash: string;
  description: string;
  created_at: string;
  last_used_at: string | null;
  expires_at: string | null;
  revoked_at: string | null;
}

export interface DbServiceCredentialRow {
  id: string;
  name: string;
  role: string;
  /** JSON array of tenant ids; '[]' is every tenant. */
  tenant_ids: string;
  prefix: string;
  hash: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}
