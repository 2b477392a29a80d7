import { status } from '@grpc/grpc-js';

/**
 * What went wrong, in an operator's words, and the exit code: 1 when the directory could not be
 * reached or said no. (Usage errors, exit 2, are the grammar's.) The one place that reads gRPC
 * statuses and connection errors for the CLI.
 */

export interface Situation {
  /** DIRECTORY_ADDRESS as used. */
  address: string;
  /** The local credentials file the credential was read from, when DIRECTORY_CREDENTIAL is not set. */
  credentialsFile?: string;
  /** Whether that file exists on this machine. */
  credentialsFileExists?: boolean;
  /** Whether DIRECTORY_CREDENTIAL is set. */
  explicitCredential: boolean;
  /** The --tenant the command named, for "no such tenant". */
  tenant?: string;
  deadlineMs: number;
}

interface GrpcError {
  code: number;
  details: string;
}

const isGrpcError = (error: unknown): error is GrpcError =>
  typeof (error as GrpcError)?.code === 'number' && typeof (error as GrpcError).details === 'string';

/** Connection-level causes grpc-js reports inside UNAVAILABLE's details. */
const CAUSES: [RegExp, string][] = [
  [/ECONNREFUSED/, 'connection refused'],
  [/ENOTFOUND|EAI_AGAIN|Name resolution failed|DNS resolution failed/i, 'the host name does not resolve'],
  [/ETIMEDOUT|EHOSTUNREACH|ENETUNREACH/, 'no route to it'],
  [/ECONNRESET|Connection dropped|socket hang up/i, 'the connection was dropped'],
  [/certificate|SSL|TLS|handshake/i, 'the TLS handshake failed (DIRECTORY_TLS_* settings)'],
  [/No connection established|failed to connect/i, 'no connection'],
];

function credentialAdvice(situation: Situation): string {
  if (situation.explicitCredential)
    return 'DIRECTORY_CREDENTIAL is set: give it an admin credential of this directory (npm run admin -- credentials issue --role admin …, on a machine that has one)';
  return situation.credentialsFile
    ? `set DIRECTORY_CREDENTIAL to an admin credential, or run on the machine whose directory wrote ${situation.credentialsFile}` +
        (situation.credentialsFileExists ? '' : ' (there is no such file here)')
    : 'set DIRECTORY_CREDENTIAL to an admin credential (there is no local credentials file for a PostgreSQL DATABASE_URL; see DIRECTORY_CREDENTIALS_FILE)';
}

export function describeFailure(error: unknown, situation: Situation): string {
  if (!isGrpcError(error)) return (error as Error)?.message ?? String(error);
  const { code, details } = error;
  const at = situation.address;
  switch (code) {
    case status.UNAVAILABLE: {
      const cause = CAUSES.find(([pattern]) => pattern.test(details));
      if (cause)
        return `cannot reach the directory at ${at} (${cause[1]}) — is it running? set DIRECTORY_ADDRESS to where it listens`;
      return `the directory at ${at} is unavailable: ${details}; retry shortly`;
    }
    case status.DEADLINE_EXCEEDED:
      return `the directory at ${at} did not answer within ${situation.deadlineMs / 1000} s; is it overloaded or stuck? retry, or check its log`;
    case status.UNAUTHENTICATED:
      return `the directory refused the credential (${details}): ${credentialAdvice(situation)}`;
    case status.PERMISSION_DENIED:
      return `the directory refused the call (${details}): the admin CLI needs an admin credential; ${credentialAdvice(situation)}`;
    case status.NOT_FOUND:
      return details === 'no such tenant' && situation.tenant
        ? `no such tenant: ${situation.tenant}`
        : details;
    case status.INTERNAL:
      return `the directory failed (${details}); its log has the error`;
    default:
      return details || `the directory answered ${status[code] ?? code}`;
  }
}

/**
 * Why DIRECTORY_ADDRESS cannot be used, or undefined: `HOST:PORT`, a comma-separated list of
 * them (replicas), or a gRPC target with a scheme (`dns:///…`, `unix:…`, `ipv4:…`).
 */
export function addressProblem(address: string): string | undefined {
  if (/^(dns|unix|unix-abstract|ipv4|ipv6|vsock):/.test(address)) return undefined;
  const entries = address.split(',').map((a) => a.trim());
  if (entries.every((a) => !a)) return 'it is empty';
  for (const entry of entries) {
    const match = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]/,]+):([^:]*)$/.exec(entry);
    if (!match) return `${JSON.stringify(entry)} is not HOST:PORT`;
    const port = /^\d+$/.test(match[2]!) ? Number(match[2]) : NaN;
    if (!(port >= 1 && port <= 65535))
      return `the port of ${JSON.stringify(entry)} must be a number from 1 to 65535`;
  }
  return undefined;
}
