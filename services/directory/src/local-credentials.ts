import {
  readCredentialsFile,
  writeCredentialsFile,
  type LocalCredentials,
  type LocalRole,
} from '../credentials-file.js';
import type { Deps } from './domain/context.js';
import { authenticateServiceCredential, issueServiceCredential } from './domain/service-credentials.js';

const LOCAL_ROLES: readonly LocalRole[] = ['admin', 'gateway', 'console'];

/**
 * Zero-configuration start on one machine: makes sure the local credentials file holds
 * a live admin, gateway and console credential, issuing (and writing) whichever is missing,
 * revoked or from another database. Returns the roles it issued.
 */
export async function ensureLocalCredentials(deps: Deps, file: string): Promise<LocalRole[]> {
  const current = readCredentialsFile(file);
  const next: LocalCredentials = { ...current };
  const issued: LocalRole[] = [];
  for (const role of LOCAL_ROLES) {
    const secret = current[role];
    const live =
      secret !== undefined &&
      (await authenticateServiceCredential(deps, secret).then(
        (principal) => principal.role === role,
        () => false,
      ));
    if (live) continue;
    next[role] = (await issueServiceCredential(deps, { name: `local-${role}`, role })).secret;
    issued.push(role);
  }
  if (issued.length) writeCredentialsFile(file, next);
  return issued;
}
