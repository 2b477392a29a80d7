import fs from 'node:fs';
import path from 'node:path';
import { credentialsFileFor } from '../credentials-file.js';
import { DEFAULT_DATABASE_URL, DEFAULT_DIRECTORY_ADDRESS } from '../defaults.js';
import type { CertificateRoles } from './rpc/authorize.js';
import { fileSettings, logLevelSetting } from '../../shared/config-checks.js';
import { HOST_PORT } from '../../shared/metrics-server.js';
import { unixSocketPath } from '../../shared/unix-socket.js';

/** The directory's configuration, read from the environment once, in main.ts. */
export interface DirectoryConfig {
  /** `sqlite:<path>` or `postgres://…` */
  readonly databaseUrl: string;
  /**
   * Create the SQLite file's folder if missing: only for the default database (DATABASE_URL
   * unset), so that `npm start` on a fresh clone makes ./data/. A folder named in
   * DATABASE_URL must exist: a mistyped path is an error naming it, not a new folder.
   */
  readonly createDatabaseFolder: boolean;
  /** host:port, or unix:/absolute/path for a Unix domain socket, to listen on for gRPC */
  readonly address: string;
  /** host:port for GET /metrics, or undefined for none */
  readonly metricsAddress?: string;
  /** PEM files: serve gRPC over TLS; with clientCa, require client certificates (mTLS). */
  readonly tls?: { cert: string; key: string; clientCa?: string };
  /** With mTLS: client certificate subject CNs that stand for a role. */
  readonly certificateRoles: CertificateRoles;
  /** Where to write the local processes' credentials (zero-config start), or undefined for none. */
  readonly credentialsFile?: string;
  /** Events older than this many days are removed, hourly; 0 keeps them forever. */
  readonly eventRetentionDays: number;
  readonly logLevel: string;
}

export { DEFAULT_DATABASE_URL, DEFAULT_DIRECTORY_ADDRESS };
export const DEFAULT_METRICS_ADDRESS = '127.0.0.1:9464';
/** A quarter: long enough to answer "why is this user missing?" about any recent sync. */
export const DEFAULT_EVENT_RETENTION_DAYS = 90;

/** Loads and checks the configuration; one error lists every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): DirectoryConfig {
  const problems: string[] = [];
  const databaseUrl = env.DATABASE_URL || DEFAULT_DATABASE_URL;
  if (!/^(sqlite:.+|postgres(ql)?:\/\/.+)$/.test(databaseUrl)) {
    problems.push('DATABASE_URL must be sqlite:<path> or postgres://…');
  }
  const createDatabaseFolder = !env.DATABASE_URL;
  const sqliteFile = databaseUrl.startsWith('sqlite:') ? databaseUrl.slice('sqlite:'.length) : undefined;
  if (sqliteFile && sqliteFile !== ':memory:' && !createDatabaseFolder && !isFolder(path.dirname(sqliteFile)))
    problems.push(
      `DATABASE_URL names a SQLite file in a folder that does not exist: ${sqliteFile} (create ${path.dirname(sqliteFile)} first)`,
    );
  const address = env.DIRECTORY_ADDRESS || DEFAULT_DIRECTORY_ADDRESS;
  if (!HOST_PORT.test(address) && !unixSocketPath(address))
    problems.push('DIRECTORY_ADDRESS must be host:port or unix:/absolute/path');
  const metrics = env.METRICS_ADDRESS ?? DEFAULT_METRICS_ADDRESS;
  if (metrics && metrics !== 'off' && !HOST_PORT.test(metrics))
    problems.push('METRICS_ADDRESS must be host:port or off');
  const retention = env.EVENT_RETENTION_DAYS || String(DEFAULT_EVENT_RETENTION_DAYS);
  const eventRetentionDays = Number(retention);
  if (!/^\d+$/.test(retention) || eventRetentionDays > 36_500)
    problems.push('EVENT_RETENTION_DAYS must be a whole number of days from 0 (keep forever) to 36500');
  const logLevel = logLevelSetting(env, problems);
  const file = fileSettings(env, problems);
  const cert = file('DIRECTORY_TLS_CERT_FILE');
  const key = file('DIRECTORY_TLS_KEY_FILE');
  const clientCa = file('DIRECTORY_TLS_CLIENT_CA_FILE');
  if (Boolean(cert) !== Boolean(key))
    problems.push('DIRECTORY_TLS_CERT_FILE and DIRECTORY_TLS_KEY_FILE go together');
  if (clientCa && !cert)
    problems.push('DIRECTORY_TLS_CLIENT_CA_FILE (mTLS) needs DIRECTORY_TLS_CERT_FILE and _KEY_FILE');
  const certificateRoles = parseCertificateRoles(env.DIRECTORY_TLS_CLIENT_ROLES, problems);
  if (Object.keys(certificateRoles).length && !clientCa)
    problems.push('DIRECTORY_TLS_CLIENT_ROLES needs mTLS (DIRECTORY_TLS_CLIENT_CA_FILE)');
  const credentialsFile = credentialsFileFor(env);
  // Beside the default database it is created with the folder; anywhere else its folder must exist.
  if (env.DIRECTORY_CREDENTIALS_FILE && credentialsFile && !isFolder(path.dirname(credentialsFile)))
    problems.push(
      `DIRECTORY_CREDENTIALS_FILE names a file in a folder that does not exist: ${credentialsFile}`,
    );
  if (problems.length) throw new Error(`bad configuration:\n  ${problems.join('\n  ')}`);
  return Object.freeze({
    databaseUrl,
    createDatabaseFolder,
    address,
    metricsAddress: metrics && metrics !== 'off' ? metrics : undefined,
    tls: cert && key ? { cert, key, clientCa } : undefined,
    certificateRoles,
    credentialsFile,
    eventRetentionDays,
    logLevel,
  });
}

function isFolder(folder: string): boolean {
  return fs.statSync(folder, { throwIfNoEntry: false })?.isDirectory() ?? false;
}

const ROLE_NAMES = ['admin', 'gateway', 'reader', 'console'];

/**
 * DIRECTORY_TLS_CLIENT_ROLES: `{"<certificate CN>": "gateway", "<CN>": {"role": "reader",
 * "tenants": ["<tenant id>"]}}`.
 */
function parseCertificateRoles(raw: string | undefined, problems: string[]): CertificateRoles {
  if (!raw) return {};
  const usage =
    'DIRECTORY_TLS_CLIENT_ROLES must be JSON: {"<certificate CN>": "gateway" | {"role": "reader", "tenants": ["<id>"]}}';
  try {
    const parsed = JSON.parse(raw) as Record<string, unknown>;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error();
    const out: Record<string, { role: 'admin' | 'gateway' | 'reader'; tenantIds: string[] }> = {};
    for (const [cn, value] of Object.entries(parsed)) {
      const entry =
        typeof value === 'string' ? { role: value } : (value as { role?: unknown; tenants?: unknown });
      const tenants = entry.tenants ?? [];
      if (
        typeof entry.role !== 'string' ||
        !ROLE_NAMES.includes(entry.role) ||
        !Array.isArray(tenants) ||
        !tenants.every((t) => typeof t === 'string')
      )
        throw new Error();
      out[cn] = { role: entry.role as 'admin' | 'gateway' | 'reader', tenantIds: tenants as string[] };
    }
    return out;
  } catch {
    problems.push(usage);
    return {};
  }
}
