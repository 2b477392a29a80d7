import { DEFAULT_DATABASE_URL, DEFAULT_DIRECTORY_ADDRESS } from '../../services/directory/src/config.js';
import { credentialsIssue, credentialsList, credentialsRevoke } from './credentials.js';
import { explain } from './explain.js';
import { INVOKE, synopsis } from './grammar.js';
import { log } from './log.js';
import { backup, eventsPrune } from './maintenance.js';
import { operatorsAdd, operatorsList, operatorsRemove } from './operators.js';
import type { Command } from './session.js';
import { tenantsCreate, tenantsDisable, tenantsEnable, tenantsList } from './tenants.js';
import { tokensIssue, tokensList, tokensRevoke } from './tokens.js';

/** Every command of the admin CLI, in the order the usage lists them. */
export const COMMANDS: readonly Command[] = [
  tenantsCreate,
  tenantsList,
  tenantsDisable,
  tenantsEnable,
  tokensIssue,
  tokensList,
  tokensRevoke,
  log,
  explain,
  credentialsIssue,
  credentialsList,
  credentialsRevoke,
  operatorsAdd,
  operatorsList,
  operatorsRemove,
  eventsPrune,
  backup,
];

const listing = (commands: readonly Command[]) =>
  commands.map((c) => `  ${synopsis(c)}\n      ${c.summary}`).join('\n');

/** The usage of the whole CLI, or of one group (`tokens`). */
export function overallUsage(commands: readonly Command[] = COMMANDS): string {
  if (commands !== COMMANDS)
    return `Usage: ${INVOKE} ${commands[0]!.name.split(' ')[0]} <${commands.map((c) => c.name.split(' ')[1]).join('|')}> [options]\n\n${listing(commands)}\n\n${INVOKE} <command> --help shows a command's options and examples.`;
  return `Usage: ${INVOKE} <command> [options]

${listing(commands)}

${INVOKE} <command> --help shows a command's options and examples.

Environment:
  DIRECTORY_ADDRESS     where the directory listens: HOST:PORT, or a comma-separated list of replicas
                        (default ${DEFAULT_DIRECTORY_ADDRESS})
  DIRECTORY_CREDENTIAL  an admin service credential; default: the one a local directory writes to
                        DIRECTORY_CREDENTIALS_FILE, beside the SQLite database of DATABASE_URL
                        (default ${DEFAULT_DATABASE_URL})
  DATABASE_URL          the database backup copies, and where the local credentials file is

Exit status: 0 done (also when there was nothing to change), 1 the directory could not be reached
or refused the request, 2 the command was not called right (the usage is printed).`;
}
