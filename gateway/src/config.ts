import fs from 'node:fs';
import { clientTlsFromEnv, type ClientTlsFiles } from '../../services/directory/tls.js';

/** The gateway's configuration, read from the environment once, in main.ts. */
export interface GatewayConfig {
  readonly host: string;
  readonly port: number;
  /** PEM files: serve HTTPS with this certificate (Okta only talks HTTPS). */
  readonly tls?: { cert: string; key: string };
  /** host:port of the directory service */
  readonly directoryAddress: string;
  readonly directoryTls?: ClientTlsFiles;
  /** Deadline of each directory call, in ms. */
  readonly directoryDeadlineMs: number;
  readonly defaultCount: number;
  readonly maxCount: number;
  readonly bodyLimit: number;
  /** Trust X-Forwarded-Proto/Host/For: only behind a proxy that sets them. */
  readonly trustProxy: boolean;
  readonly logLevel: string;
}

type Env = Record<string, string | undefined>;

export const DEFAULT_PORT = 8080;

/** Loads and checks the configuration; one error lists every bad variable. */
export function loadConfig(env: Env = process.env): GatewayConfig {
  const problems: string[] = [];
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw === '') return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name} must be an integer from ${min} to ${max}`);
      return fallback;
    }
    return n;
  };
  const file = (name: string) => {
    const path = env[name];
    if (path && !fs.existsSync(path)) problems.push(`${name} names a file that does not exist: ${path}`);
    return path || undefined;
  };
  const directoryAddress = env.DIRECTORY_ADDRESS || '127.0.0.1:50051';
  if (!directoryAddress.split(',').every((a) => /^\s*[^\s,]+:\d{1,5}\s*$/.test(a))) {
    problems.push('DIRECTORY_ADDRESS must be host:port, or a comma-separated list of IP:port replicas');
  }
  const trust = (env.TRUST_PROXY ?? 'false').toLowerCase();
  if (!['true', 'false', '1', '0'].includes(trust)) problems.push('TRUST_PROXY must be true or false');
  const cert = file('TLS_CERT_FILE');
  const key = file('TLS_KEY_FILE');
  if (Boolean(cert) !== Boolean(key)) problems.push('TLS_CERT_FILE and TLS_KEY_FILE go together');
  const directoryTls = clientTlsFromEnv(env);
  for (const name of [
    'DIRECTORY_TLS_CA_FILE',
    'DIRECTORY_TLS_CLIENT_CERT_FILE',
    'DIRECTORY_TLS_CLIENT_KEY_FILE',
  ])
    file(name);
  const config: GatewayConfig = {
    host: env.HOST || '127.0.0.1',
    port: int('PORT', DEFAULT_PORT, 0, 65535),
    tls: cert && key ? { cert, key } : undefined,
    directoryAddress,
    directoryTls,
    directoryDeadlineMs: int('DIRECTORY_DEADLINE_MS', 5000, 100, 120_000),
    defaultCount: int('SCIM_DEFAULT_COUNT', 100, 1, 1000),
    maxCount: int('SCIM_MAX_COUNT', 1000, 1, 1000),
    bodyLimit: int('BODY_LIMIT_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
    trustProxy: trust === 'true' || trust === '1',
    logLevel: env.LOG_LEVEL || 'info',
  };
  if (problems.length) throw new Error(`bad configuration:\n  ${problems.join('\n  ')}`);
  return Object.freeze(config);
}
