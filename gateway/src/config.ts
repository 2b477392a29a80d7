import { credentialsFileFor } from '../../services/directory/credentials-file.js';
import type { ClientTlsFiles } from '@wizer/directory-client';
import { clientTlsFromEnv } from '../../services/directory/tls.js';
import { fileSettings, logLevelSetting } from '../../services/shared/config-checks.js';
import { HOST_PORT } from '../../services/shared/metrics-server.js';
import { DEFAULT_LIMITS, type Limits } from './limits.js';
import { DEFAULT_RATE_LIMITS, type RateLimits } from './rate-limit.js';
import { DEFAULT_REJECTION_LOG, type RejectionLogLimits } from './rejection-sampler.js';
import { DIRECTORY_TARGET_RULE, isDirectoryTarget } from '../../services/shared/directory-target.js';

/** The gateway's configuration, read from the environment once, in main.ts. */
export interface GatewayConfig {
  readonly host: string;
  readonly port: number;
  /** host:port for GET /metrics, or undefined for none: never the SCIM port (the metrics name tenants). */
  readonly metricsAddress?: string;
  /** PEM files: serve HTTPS with this certificate (Okta only talks HTTPS). */
  readonly tls?: { cert: string; key: string };
  /** host:port of the directory service */
  readonly directoryAddress: string;
  readonly directoryTls?: ClientTlsFiles;
  /** The gateway's service credential (DIRECTORY_CREDENTIAL), or none: then the local credentials file's. */
  readonly directoryCredential?: string;
  /** The local credentials file a directory on this machine writes (see credentials-file.ts). */
  readonly credentialsFile?: string;
  /** Deadline of each directory call, in ms. */
  readonly directoryDeadlineMs: number;
  /** Streams of the multiplexed directory channel; 0 sends each call as its own unary RPC. */
  readonly directoryStreams: number;
  readonly limits: Limits;
  readonly rateLimits: RateLimits;
  /** How many rejected requests per tenant are written to the provisioning log one by one. */
  readonly rejectionLog: RejectionLogLimits;
  readonly bodyLimit: number;
  /** How long a client may take to send its headers, and its whole request (slow clients are cut off). */
  readonly headersTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly authCacheMs: number;
  /** Trust X-Forwarded-Proto/Host/For: only behind a proxy that sets them. */
  readonly trustProxy: boolean;
  readonly logLevel: string;
}

type Env = Record<string, string | undefined>;

/** RATE_LIMIT_TENANTS: `{"<tenant id>": {"rps": 50, "burst": 100}, …}`. */
function tenantRates(raw: string | undefined, problems: string[]): RateLimits['tenants'] {
  if (!raw) return {};
  try {
    const parsed = JSON.parse(raw) as Record<string, { rps?: unknown; burst?: unknown }>;
    const out: RateLimits['tenants'] = {};
    for (const [tenant, limit] of Object.entries(parsed)) {
      const { rps, burst } = limit ?? {};
      if (typeof rps !== 'number' || rps <= 0 || typeof burst !== 'number' || burst < 1)
        throw new Error(tenant);
      out[tenant] = { rps, burst };
    }
    return out;
  } catch {
    problems.push('RATE_LIMIT_TENANTS must be JSON: {"<tenant id>": {"rps": 50, "burst": 100}}');
    return {};
  }
}

export const DEFAULT_PORT = 8080;
/** Next to the directory's 127.0.0.1:9464, so both run on one machine with the defaults. */
export const DEFAULT_METRICS_ADDRESS = '127.0.0.1:9465';

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
  const file = fileSettings(env, problems);
  const directoryAddress = env.DIRECTORY_ADDRESS || '127.0.0.1:50051';
  if (!isDirectoryTarget(directoryAddress)) problems.push(DIRECTORY_TARGET_RULE);
  const logLevel = logLevelSetting(env, problems);
  const directoryCredential = env.DIRECTORY_CREDENTIAL || undefined;
  if (directoryCredential && !/^wzr_svc_[A-Za-z0-9_-]{43}$/.test(directoryCredential))
    problems.push('DIRECTORY_CREDENTIAL must be a service credential (wzr_svc_…)');
  const metrics = env.GATEWAY_METRICS_ADDRESS || DEFAULT_METRICS_ADDRESS;
  if (metrics !== 'off' && !HOST_PORT.test(metrics))
    problems.push('GATEWAY_METRICS_ADDRESS must be host:port or off');
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
    metricsAddress: metrics === 'off' ? undefined : metrics,
    tls: cert && key ? { cert, key } : undefined,
    directoryAddress,
    directoryTls,
    directoryCredential,
    credentialsFile: credentialsFileFor(env),
    directoryDeadlineMs: int('DIRECTORY_DEADLINE_MS', 5000, 100, 120_000),
    directoryStreams: int('DIRECTORY_STREAMS', 4, 0, 64),
    limits: {
      defaultCount: int('SCIM_DEFAULT_COUNT', DEFAULT_LIMITS.defaultCount, 1, 1000),
      maxCount: int('SCIM_MAX_COUNT', DEFAULT_LIMITS.maxCount, 1, 1000),
      filterLength: int('FILTER_MAX_LENGTH', DEFAULT_LIMITS.filterLength, 64, 65_536),
      filterDepth: int('FILTER_MAX_DEPTH', DEFAULT_LIMITS.filterDepth, 1, 256),
      jsonDepth: int('JSON_MAX_DEPTH', DEFAULT_LIMITS.jsonDepth, 4, 256),
      patchOperations: int('PATCH_MAX_OPERATIONS', DEFAULT_LIMITS.patchOperations, 1, 100_000),
      membersPerRequest: int('MEMBERS_MAX_PER_REQUEST', DEFAULT_LIMITS.membersPerRequest, 1, 100_000),
      listMembers: int('LIST_MAX_MEMBERS', DEFAULT_LIMITS.listMembers, 1, 1_000_000),
    },
    rateLimits: {
      default: {
        rps: int('RATE_LIMIT_RPS', DEFAULT_RATE_LIMITS.default.rps, 1, 1_000_000),
        burst: int('RATE_LIMIT_BURST', DEFAULT_RATE_LIMITS.default.burst, 1, 1_000_000),
      },
      tenants: tenantRates(env.RATE_LIMIT_TENANTS, problems),
    },
    rejectionLog: {
      rps: int('REJECTION_LOG_RPS', DEFAULT_REJECTION_LOG.rps, 1, 10_000),
      burst: int('REJECTION_LOG_BURST', DEFAULT_REJECTION_LOG.burst, 1, 100_000),
      windowMs: int('REJECTION_LOG_WINDOW_MS', DEFAULT_REJECTION_LOG.windowMs, 1000, 3_600_000),
    },
    bodyLimit: int('BODY_LIMIT_BYTES', 1024 * 1024, 1024, 64 * 1024 * 1024),
    headersTimeoutMs: int('HEADERS_TIMEOUT_MS', 10_000, 1000, 600_000),
    requestTimeoutMs: int('REQUEST_TIMEOUT_MS', 30_000, 1000, 600_000),
    authCacheMs: int('AUTH_CACHE_MS', 1000, 0, 1000),
    trustProxy: trust === 'true' || trust === '1',
    logLevel,
  };
  if (problems.length) throw new Error(`bad configuration:\n  ${problems.join('\n  ')}`);
  return Object.freeze(config);
}
