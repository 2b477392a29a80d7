import type { Tenant } from '#proto/admin.js';
import { tenantJson } from './json.js';
import { given, print, type Command, type Session } from './session.js';
import { iso, table } from './table.js';

export const TENANT = {
  type: 'string',
  value: 'ID',
  help: 'the tenant id (tenants list shows them)',
  required: true,
} as const;

/** The tenant of that id; "no such tenant", as the directory says it, when there is none. */
async function tenantOf(session: Session, id: string): Promise<Tenant> {
  const { tenants } = await session.clients.admin.listTenants({});
  const tenant = tenants.find((t) => t.id === id);
  if (!tenant) throw new Error(`no such tenant: ${id}`);
  return tenant;
}

export const tenantsCreate: Command = {
  name: 'tenants create',
  summary: 'Creates a tenant (a Wizer customer) and its first SCIM token, shown once.',
  options: { name: { type: 'string', value: 'NAME', help: 'the customer’s name', required: true } },
  examples: ['tenants create --name "Acme Corp"'],
  needsDirectory: true,
  async run(session, args) {
    const tenant = await session.clients.admin.createTenant({ name: given(args.name) });
    const { token, info } = await session.clients.admin.issueToken({
      tenantId: tenant.id,
      description: 'first token',
      expiresAt: undefined,
    });
    print(session, args.json, { tenantId: tenant.id, name: tenant.name, token, tokenId: info!.id }, () =>
      [
        `Created tenant "${tenant.name}": ${tenant.id}`,
        `SCIM bearer token (shown once, store it now):`,
        ``,
        `  ${token}`,
        ``,
      ].join('\n'),
    );
  },
};

export const tenantsList: Command = {
  name: 'tenants list',
  summary: 'Lists every tenant with its status.',
  options: {},
  examples: ['tenants list', 'tenants list --json'],
  needsDirectory: true,
  async run(session, args) {
    const { tenants } = await session.clients.admin.listTenants({});
    print(session, args.json, tenants.map(tenantJson), () =>
      table(
        ['ID', 'NAME', 'CREATED', 'STATUS'],
        tenants.map((t) => [t.id, t.name, iso(t.createdAt), t.disabled ? 'disabled' : 'active']),
      ),
    );
  },
};

export const tenantsDisable: Command = {
  name: 'tenants disable',
  summary: 'Disables a tenant: its SCIM tokens stop authenticating (within a second); its data is kept.',
  description: 'Disabling a disabled tenant changes nothing. Undo with tenants enable.',
  options: { tenant: TENANT },
  examples: ['tenants disable --tenant 3f2a9c1e-…'],
  needsDirectory: true,
  async run(session, args) {
    const before = await tenantOf(session, given(args.tenant));
    const tenant = before.disabled
      ? before
      : await session.clients.admin.disableTenant({ tenantId: before.id });
    print(session, args.json, { ...tenantJson(tenant), alreadyDisabled: before.disabled }, () =>
      before.disabled
        ? `Tenant "${tenant.name}" (${tenant.id}) was already disabled: nothing changed.`
        : `Disabled tenant "${tenant.name}" (${tenant.id}): its tokens no longer authenticate.`,
    );
  },
};

export const tenantsEnable: Command = {
  name: 'tenants enable',
  summary: 'Enables a disabled tenant again: its live (unrevoked, unexpired) SCIM tokens authenticate again.',
  description: 'Enabling an enabled tenant changes nothing.',
  options: { tenant: TENANT },
  examples: ['tenants enable --tenant 3f2a9c1e-…'],
  needsDirectory: true,
  async run(session, args) {
    const before = await tenantOf(session, given(args.tenant));
    const tenant = before.disabled
      ? await session.clients.admin.enableTenant({ tenantId: before.id })
      : before;
    print(session, args.json, { ...tenantJson(tenant), alreadyEnabled: !before.disabled }, () =>
      before.disabled
        ? `Enabled tenant "${tenant.name}" (${tenant.id}): its live tokens authenticate again.`
        : `Tenant "${tenant.name}" (${tenant.id}) is already enabled: nothing changed.`,
    );
  },
};
