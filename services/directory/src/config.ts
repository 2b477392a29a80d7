import fs from 'node:fs';
import { HOST_PORT } from '../../shared/metrics-server.js';

/** The directory's configuration, read from the environment once, in main.ts. */
export interface DirectoryConfig {
  /** `sqlite:<path>` or `postgres://…` */
  readonly databaseUrl: string;
  /** host:port to listen on for gRPC */
  readonly address: string;
  /** host:port for GET /metrics, or undefined for none */
  readonly metricsAddress?: string;
  /** PEM files: serve gRPC over TLS; with clientCa, require client certificates (mTLS). */
  readonly tls?: { cert: string; key: string; clientCa?: string };
  /** Events older than this many days are removed, hourly; 0 keeps them forever. */
  readonly eventRetentionDays: number;
  readonly logLevel: string;
}

export const DEFAULT_DATABASE_URL = 'sqlite:./data/wizer-directory.db';
export const DEFAULT_DIRECTORY_ADDRESS = '127.0.0.1:50051';
export const DEFAULT_METRICS_ADDRESS = '127.0.0.1:9464';
/** A quarter: long enough to answer "why is this user missing?" about any recent sync. */
export const DEFAULT_EVENT_RETENTION_DAYS = 90;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Loads and checks the configuration; one error lists every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): DirectoryConfig {
  const problems: string[] = [];
  const databaseUrl = env.DATABASE_URL || DEFAULT_DATABASE_URL;
  if (!/^(sqlite:.+|postgres(ql)?:\/\/.+)$/.test(databaseUrl)) {
    problems.push('DATABASE_URL must be sqlite:<path> or postgres://…');
  }
  const address = env.DIRECTORY_ADDRESS || DEFAULT_DIRECTORY_ADDRESS;
  if (!HOST_PORT.test(address)) problems.push('DIRECTORY_ADDRESS must be host:port');
  const metrics = env.METRICS_ADDRESS ?? DEFAULT_METRICS_ADDRESS;
  if (metrics && metrics !== 'off' && !HOST_PORT.test(metrics))
    problems.push('METRICS_ADDRESS must be host:port or off');
  const retention = env.EVENT_RETENTION_DAYS || String(DEFAULT_EVENT_RETENTION_DAYS);
  const eventRetentionDays = Number(retention);
  if (!/^\d+$/.test(retention) || eventRetentionDays > 36_500)
    problems.push('EVENT_RETENTION_DAYS must be a whole number of days from 0 (keep forever) to 36500');
  const logLevel = env.LOG_LEVEL || 'info';
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  const file = (name: string) => {
    const path = env[name];
    if (path && !fs.existsSync(path)) problems.push(`${name} names a file that does not exist: ${path}`);
    return path || undefined;
  };
  const cert = file('DIRECTORY_TLS_CERT_FILE');
  const key = file('DIRECTORY_TLS_KEY_FILE');
  const clientCa = file('DIRECTORY_TLS_CLIENT_CA_FILE');
  if (Boolean(cert) !== Boolean(key))
    problems.push('DIRECTORY_TLS_CERT_FILE and DIRECTORY_TLS_KEY_FILE go together');
  if (clientCa && !cert)
    problems.push('DIRECTORY_TLS_CLIENT_CA_FILE (mTLS) needs DIRECTORY_TLS_CERT_FILE and _KEY_FILE');
  if (problems.length) throw new Error(`bad configuration:\n  ${problems.join('\n  ')}`);
  return Object.freeze({
    databaseUrl,
    address,
    metricsAddress: metrics && metrics !== 'off' ? metrics : undefined,
    tls: cert && key ? { cert, key, clientCa } : undefined,
    eventRetentionDays,
    logLevel,
  });
}
