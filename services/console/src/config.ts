import { credentialsFileFor } from '../../directory/credentials-file.js';
import type { ClientTlsFiles } from '@wizer/directory-client';
import { clientTlsFromEnv } from '../../directory/tls.js';
import { fileSettings, logLevelSetting } from '../../shared/config-checks.js';
import { HOST_PORT } from '../../shared/metrics-server.js';
import { DIRECTORY_TARGET_RULE, isDirectoryTarget } from '../../shared/directory-target.js';

/** The operator console's configuration, read from the environment once, in main.ts. */
export interface ConsoleConfig {
  /** host:port the console listens on: loopback by default (an internal tool). */
  readonly address: string;
  readonly host: string;
  readonly port: number;
  /** PEM files: serve HTTPS (session cookies are then Secure). */
  readonly tls?: { cert: string; key: string };
  /** How long a session lasts without a request, in minutes. */
  readonly sessionMinutes: number;
  readonly directoryAddress: string;
  readonly directoryTls?: ClientTlsFiles;
  /** The console's service credential (role console), or none: then the local credentials file's. */
  readonly directoryCredential?: string;
  readonly credentialsFile?: string;
  /** Believe X-Forwarded-Proto/Host from a TLS-terminating proxy in front. */
  readonly trustProxy: boolean;
  readonly logLevel: string;
}

type Env = Record<string, string | undefined>;

export const DEFAULT_CONSOLE_ADDRESS = '127.0.0.1:8090';
export const DEFAULT_SESSION_MINUTES = 60;

/** Loads and checks the configuration; one error lists every bad variable. */
export function loadConfig(env: Env = process.env): ConsoleConfig {
  const problems: string[] = [];
  const address = env.CONSOLE_ADDRESS || DEFAULT_CONSOLE_ADDRESS;
  if (!HOST_PORT.test(address)) problems.push('CONSOLE_ADDRESS must be host:port');
  const split = address.lastIndexOf(':');
  const host = address.slice(0, split).replace(/^\[(.*)\]$/, '$1');
  const port = Number(address.slice(split + 1));
  if (!(port >= 0 && port <= 65535)) problems.push('CONSOLE_ADDRESS must name a port from 0 to 65535');
  const rawMinutes = env.CONSOLE_SESSION_MINUTES;
  let sessionMinutes = DEFAULT_SESSION_MINUTES;
  if (rawMinutes !== undefined && rawMinutes !== '') {
    sessionMinutes = Number(rawMinutes);
    if (!Number.isInteger(sessionMinutes) || sessionMinutes < 1 || sessionMinutes > 7 * 24 * 60) {
      problems.push('CONSOLE_SESSION_MINUTES must be an integer from 1 to 10080');
      sessionMinutes = DEFAULT_SESSION_MINUTES;
    }
  }
  const file = fileSettings(env, problems);
  const cert = file('CONSOLE_TLS_CERT_FILE');
  const key = file('CONSOLE_TLS_KEY_FILE');
  if (Boolean(cert) !== Boolean(key))
    problems.push('CONSOLE_TLS_CERT_FILE and CONSOLE_TLS_KEY_FILE go together');
  const directoryAddress = env.DIRECTORY_ADDRESS || '127.0.0.1:50051';
  if (!isDirectoryTarget(directoryAddress)) problems.push(DIRECTORY_TARGET_RULE);
  const directoryCredential = env.CONSOLE_DIRECTORY_CREDENTIAL || undefined;
  if (directoryCredential && !/^wzr_svc_[A-Za-z0-9_-]{43}$/.test(directoryCredential))
    problems.push('CONSOLE_DIRECTORY_CREDENTIAL must be a service credential (wzr_svc_…)');
  const trust = (env.CONSOLE_TRUST_PROXY ?? 'false').toLowerCase();
  if (!['true', 'false', '1', '0'].includes(trust))
    problems.push('CONSOLE_TRUST_PROXY must be true or false');
  const logLevel = logLevelSetting(env, problems);
  for (const name of [
    'DIRECTORY_TLS_CA_FILE',
    'DIRECTORY_TLS_CLIENT_CERT_FILE',
    'DIRECTORY_TLS_CLIENT_KEY_FILE',
  ])
    file(name);
  if (problems.length) throw new Error(`bad configuration:\n  ${problems.join('\n  ')}`);
  return Object.freeze({
    address,
    host,
    port,
    tls: cert && key ? { cert, key } : undefined,
    sessionMinutes,
    directoryAddress,
    directoryTls: clientTlsFromEnv(env),
    directoryCredential,
    credentialsFile: credentialsFileFor(env),
    trustProxy: trust === 'true' || trust === '1',
    logLevel,
  });
}
