import { UsageError } from './grammar.js';
import { credentialJson, roleName, ROLES } from './json.js';
import { given, print, type Command } from './session.js';
import { iso, table } from './table.js';
import { listOf } from './values.js';

export const credentialsIssue: Command = {
  name: 'credentials issue',
  summary:
    'Issues a service credential for the directory (shown once): give it to the service as DIRECTORY_CREDENTIAL.',
  options: {
    name: {
      type: 'string',
      value: 'NAME',
      help: 'who uses it; the log names its changes admin:NAME or service:NAME',
      required: true,
    },
    role: {
      type: 'string',
      value: 'ROLE',
      help: 'what it may call: admin everything, gateway the SCIM gateway’s calls, reader reads and watch, console the operator console’s',
      required: true,
      choices: Object.keys(ROLES),
    },
    tenant: { type: 'string', value: 'ID[,ID]', help: 'limits a reader to these tenants' },
  },
  examples: [
    'credentials issue --name reporting --role reader --tenant 3f2a9c1e-…',
    'credentials issue --name gateway-eu --role gateway',
  ],
  needsDirectory: true,
  async run(session, args) {
    const role = ROLES[given(args.role)]!;
    const tenantIds = listOf(args.tenant);
    if (tenantIds.length && given(args.role) !== 'reader')
      throw new UsageError('--tenant limits a reader only; drop it, or use --role reader');
    const { secret, info } = await session.clients.admin.issueServiceCredential({
      name: given(args.name),
      role,
      tenantIds,
    });
    print(
      session,
      args.json,
      { credentialId: info!.id, name: info!.name, role: roleName(info!.role), secret },
      () =>
        [
          `Service credential ${info!.id} "${info!.name}" (${roleName(info!.role)}${
            tenantIds.length ? ` of ${tenantIds.join(', ')}` : ''
          }); shown once, give it to the service as DIRECTORY_CREDENTIAL:`,
          '',
          `  ${secret}`,
          '',
        ].join('\n'),
    );
  },
};

export const credentialsList: Command = {
  name: 'credentials list',
  summary: 'Lists the service credentials (never their secrets).',
  options: {},
  examples: ['credentials list'],
  needsDirectory: true,
  async run(session, args) {
    const { credentials } = await session.clients.admin.listServiceCredentials({});
    print(session, args.json, credentials.map(credentialJson), () =>
      table(
        ['ID', 'NAME', 'ROLE', 'TENANTS', 'PREFIX', 'CREATED', 'LAST USED', 'REVOKED'],
        credentials.map((k) => [
          k.id,
          k.name,
          roleName(k.role),
          k.tenantIds.join(',') || 'all',
          `${k.prefix}…`,
          iso(k.createdAt),
          iso(k.lastUsedAt),
          iso(k.revokedAt),
        ]),
      ),
    );
  },
};

export const credentialsRevoke: Command = {
  name: 'credentials revoke',
  summary: 'Revokes a service credential: refused within a second on every replica.',
  description: 'Revoking a revoked credential changes nothing.',
  options: {
    credential: {
      type: 'string',
      value: 'ID',
      help: 'the credential’s id (credentials list shows them)',
      required: true,
    },
  },
  examples: ['credentials revoke --credential 7b0e…'],
  needsDirectory: true,
  async run(session, args) {
    const { info, alreadyRevoked } = await session.clients.admin.revokeServiceCredential({
      id: given(args.credential),
    });
    print(session, args.json, { ...credentialJson(info!), alreadyRevoked }, () =>
      alreadyRevoked
        ? `Service credential ${info!.id} "${info!.name}" was already revoked: nothing changed.`
        : `Revoked service credential ${info!.id} "${info!.name}": refused within a second everywhere.`,
    );
  },
};
