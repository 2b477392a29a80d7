/**
 * The admin CLI: `npm run admin -- <command> [options]`. Talks to the directory over gRPC
 * (DIRECTORY_ADDRESS, with an admin credential); `backup` reads the SQLite file (DATABASE_URL).
 * Exit status: 0 done, 1 the directory could not be reached or said no, 2 a usage error.
 */
import fs from 'node:fs';
import { clientCredentials, connectDirectory } from '@wizer/directory-client';
import { credentialFromEnv, credentialsFileFor } from '../services/directory/credentials-file.js';
import { DEFAULT_DATABASE_URL, DEFAULT_DIRECTORY_ADDRESS } from '../services/directory/src/config.js';
import { clientTlsFromEnv } from '../services/directory/tls.js';
import { COMMANDS, overallUsage } from './admin/commands.js';
import { addressProblem, describeFailure } from './admin/failures.js';
import { commandUsage, findCommand, parseCommand, UsageError } from './admin/grammar.js';
import type { Session } from './admin/session.js';

const DEADLINE_MS = 10_000;

type Env = Record<string, string | undefined>;

const out = (text: string) => console.log(text);
const err = (text: string) => console.error(text);

async function main(argv: string[], env: Env): Promise<number> {
  const wantsHelp = (args: string[]) => args.some((a) => a === '--help' || a === '-h');
  if (argv.length === 0) {
    err(`error: which command?\n\n${overallUsage()}`);
    return 2;
  }
  if (['help', '--help', '-h'].includes(argv[0]!)) {
    const about = argv[0] === 'help' ? findCommand(COMMANDS, argv.slice(1)) : undefined;
    out(about && 'spec' in about ? commandUsage(about.spec) : overallUsage());
    return 0;
  }
  const found = findCommand(COMMANDS, argv);
  if (!found || 'group' in found) {
    if (found && wantsHelp(argv)) return (out(overallUsage(found.specs)), 0);
    const problem = found
      ? argv[1] && !argv[1].startsWith('-')
        ? `unknown command: ${argv.slice(0, 2).join(' ')}`
        : `${found.group} needs one of: ${found.specs.map((s) => s.name.split(' ')[1]).join(', ')}`
      : `unknown command: ${argv[0]}`;
    err(`error: ${problem}\n\n${overallUsage(found?.specs)}`);
    return 2;
  }
  const { spec, rest } = found;
  const usageError = (message: string) => (err(`error: ${message}\n\n${commandUsage(spec)}`), 2);
  if (wantsHelp(rest.slice(0, rest.includes('--') ? rest.indexOf('--') : undefined))) {
    out(commandUsage(spec));
    return 0;
  }
  let parsed: ReturnType<typeof parseCommand>;
  try {
    parsed = parseCommand(spec, rest);
  } catch (error) {
    if (error instanceof UsageError) return usageError(error.message);
    throw error;
  }
  const address = env.DIRECTORY_ADDRESS || DEFAULT_DIRECTORY_ADDRESS;
  if (spec.needsDirectory) {
    const problem = addressProblem(address);
    if (problem) {
      err(
        `error: DIRECTORY_ADDRESS=${address} cannot be used: ${problem}. ` +
          `Set it to HOST:PORT of the directory (default ${DEFAULT_DIRECTORY_ADDRESS}), or a comma-separated list of them.`,
      );
      return 2;
    }
  }
  const clients = spec.needsDirectory
    ? connectDirectory(address, {
        actor: 'admin',
        deadlineMs: DEADLINE_MS,
        credentials: clientCredentials(clientTlsFromEnv(env)),
        credential: credentialFromEnv(env, 'admin'),
      })
    : undefined;
  const session: Session = {
    get clients() {
      if (!clients) throw new Error(`${spec.name} does not call the directory`);
      return clients;
    },
    databaseUrl: env.DATABASE_URL || DEFAULT_DATABASE_URL,
    out,
    note: err,
  };
  try {
    await spec.run(session, parsed.args, parsed.operand);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) return usageError(error.message);
    const credentialsFile = credentialsFileFor(env);
    const message = describeFailure(error, {
      address,
      credentialsFile,
      credentialsFileExists: credentialsFile !== undefined && fs.existsSync(credentialsFile),
      explicitCredential: Boolean(env.DIRECTORY_CREDENTIAL),
      tenant: typeof parsed.args.tenant === 'string' ? parsed.args.tenant : undefined,
      deadlineMs: spec.name === 'events prune' ? 600_000 : DEADLINE_MS,
    });
    err(`error: ${message}`);
    return 1;
  } finally {
    clients?.close();
  }
}

main(process.argv.slice(2), process.env).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`error: ${(error as Error)?.stack ?? String(error)}`);
    process.exit(1);
  },
);
