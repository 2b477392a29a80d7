/**
 * The admin CLI: `npm run admin -- <command>`. Talks to the directory over gRPC
 * (DIRECTORY_ADDRESS); `backup` reads the SQLite file (DATABASE_URL).
 */
import { parseArgs } from 'node:util';
import { connectDirectory } from '../services/directory/client.js';
import { credentialFromEnv } from '../services/directory/credentials-file.js';
import { DEFAULT_DATABASE_URL, DEFAULT_DIRECTORY_ADDRESS } from '../services/directory/src/config.js';
import { clientCredentials, clientTlsFromEnv } from '../services/directory/tls.js';
import * as commands from './admin/commands.js';
import { UsageError } from './admin/table.js';

const USAGE = `Usage: npm run admin -- <command> [options] [--json]

  tenants create --name NAME            a tenant and its first SCIM token (shown once)
  tenants list
  tenants disable TENANT_ID
  tokens issue --tenant ID [--description TEXT] [--expires 90d]
  tokens list --tenant ID
  tokens revoke --tenant ID TOKEN_ID    (rotation: issue, switch Okta over, revoke the old one)
  log --tenant ID [--user ID|USERNAME] [--kind KIND[,KIND]] [--errors] [--since 1h|ISO] [--until ISO] [--limit N]
  credentials issue --name NAME --role admin|gateway|reader [--tenant ID[,ID]]
                                        a service credential for the directory (shown once);
                                        --tenant limits a reader to those tenants
  credentials list
  credentials revoke --credential ID
  backup FILE                           consistent copy of the SQLite database, while it runs
  events prune --older-than 30d         remove every tenant's events older than that (30d, 12h, 90m)

Environment: DIRECTORY_ADDRESS (default ${DEFAULT_DIRECTORY_ADDRESS}); DIRECTORY_CREDENTIAL, an admin
service credential (default: the one a local directory writes to DIRECTORY_CREDENTIALS_FILE, beside
the SQLite database of DATABASE_URL, default ${DEFAULT_DATABASE_URL}).`;

async function main(argv: string[]): Promise<number> {
  const { values: flags, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      json: { type: 'boolean' },
      name: { type: 'string' },
      tenant: { type: 'string' },
      token: { type: 'string' },
      role: { type: 'string' },
      credential: { type: 'string' },
      description: { type: 'string' },
      expires: { type: 'string' },
      user: { type: 'string' },
      kind: { type: 'string' },
      errors: { type: 'boolean' },
      since: { type: 'string' },
      until: { type: 'string' },
      limit: { type: 'string' },
      'older-than': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [group, action, arg] = positionals;
  if (flags.help || !group) {
    console.log(USAGE);
    return flags.help ? 0 : 2;
  }
  const io = { out: (text: string) => console.log(text) };
  if (group === 'backup') {
    commands.backup(io, flags, action, process.env.DATABASE_URL || DEFAULT_DATABASE_URL);
    return 0;
  }
  const clients = connectDirectory(process.env.DIRECTORY_ADDRESS || DEFAULT_DIRECTORY_ADDRESS, {
    actor: 'admin',
    deadlineMs: 10_000,
    credentials: clientCredentials(clientTlsFromEnv(process.env)),
    credential: credentialFromEnv(process.env, 'admin'),
  });
  try {
    const key = `${group} ${group === 'log' ? '' : (action ?? '')}`.trim();
    switch (key) {
      case 'tenants create':
        await commands.tenantsCreate(clients, io, flags);
        break;
      case 'tenants list':
        await commands.tenantsList(clients, io, flags);
        break;
      case 'tenants disable':
        await commands.tenantsDisable(clients, io, flags, arg);
        break;
      case 'tokens issue':
        await commands.tokensIssue(clients, io, flags);
        break;
      case 'tokens list':
        await commands.tokensList(clients, io, flags);
        break;
      case 'tokens revoke':
        await commands.tokensRevoke(clients, io, flags, arg);
        break;
      case 'credentials issue':
        await commands.credentialsIssue(clients, io, flags);
        break;
      case 'credentials list':
        await commands.credentialsList(clients, io, flags);
        break;
      case 'credentials revoke':
        await commands.credentialsRevoke(clients, io, flags);
        break;
      case 'log':
        await commands.log(clients, io, flags);
        break;
      case 'events prune':
        await commands.eventsPrune(clients, io, flags);
        break;
      default:
        throw new UsageError(`unknown command: ${positionals.join(' ')}`);
    }
    return 0;
  } finally {
    clients.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (
      error instanceof UsageError ||
      (error as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION'
    ) {
      console.error(`error: ${(error as Error).message}\n\n${USAGE}`);
      process.exit(2);
    }
    const grpc = error as { code?: number; details?: string };
    console.error(`error: ${grpc.details || (error as Error).message}`);
    process.exit(1);
  },
);
