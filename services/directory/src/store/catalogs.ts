import type { Catalog } from './query-sql.js';

/** The user fields a query may filter and order by; each is an indexed column. */
export const userCatalog: Catalog = {
  fields: {
    id: { expr: 'users.id', type: 'string', caseMode: 'exact', key: true, unique: true },
    user_name: {
      expr: 'users.user_name_norm',
      type: 'string',
      caseMode: 'normalized',
      key: true,
      unique: true,
    },
    external_id: { expr: 'users.external_id', type: 'string', caseMode: 'exact', key: true },
    active: { expr: 'users.active', type: 'boolean' },
    display_name: { expr: 'users.display_name', type: 'string', caseMode: 'lower' },
    'name.given_name': { expr: 'users.given_name', type: 'string', caseMode: 'lower' },
    'name.family_name': { expr: 'users.family_name', type: 'string', caseMode: 'lower' },
    'enterprise.employee_number': { expr: 'users.employee_number', type: 'string', caseMode: 'exact' },
    'enterprise.department': { expr: 'users.department', type: 'string', caseMode: 'lower' },
    'enterprise.manager.value': { expr: 'users.manager_id', type: 'string', caseMode: 'exact' },
    created_at: { expr: 'users.created_at', type: 'time' },
    updated_at: { expr: 'users.updated_at', type: 'time' },
  },
  emailSubquery: {
    // Uncorrelated, so the planner starts from the (tenant_id, lower(value)) index.
    sql: 'users.pk IN (SELECT e.user_pk FROM user_emails e WHERE e.tenant_id = ? AND (%s))',
    fields: {
      value: { expr: 'e.value', type: 'string', caseMode: 'lower' },
      type: { expr: 'e.type', type: 'string', caseMode: 'lower' },
      primary: { expr: 'e."primary"', type: 'boolean' },
    },
  },
};

/** The department fields a query may filter and order by. */
export const departmentCatalog: Catalog = {
  fields: {
    id: { expr: 'departments.id', type: 'string', caseMode: 'exact', key: true },
    name: { expr: 'departments.name_norm', type: 'string', caseMode: 'normalized', key: true },
    external_id: { expr: 'departments.external_id', type: 'string', caseMode: 'exact', key: true },
    pushed: { expr: 'departments.pushed', type: 'boolean' },
    created_at: { expr: 'departments.created_at', type: 'time' },
    updated_at: { expr: 'departments.updated_at', type: 'time' },
  },
  memberships: {
    member_user_id:
      "departments.pk IN (SELECT m.department_pk FROM memberships m JOIN users u ON u.pk = m.user_pk WHERE m.source = 'pushed' AND u.id = ?)",
  },
};
