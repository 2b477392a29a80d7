/** The directory's configuration, read from the environment once, in main.ts. */
export interface DirectoryConfig {
  /** `sqlite:<path>` or `postgres://…` */
  readonly databaseUrl: string;
  /** host:port to listen on */
  readonly address: string;
  readonly logLevel: string;
}

export const DEFAULT_DATABASE_URL = 'sqlite:./data/wizer-directory.db';
export const DEFAULT_DIRECTORY_ADDRESS = '127.0.0.1:50051';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Loads and checks the configuration; one error lists every bad variable. */
export function loadConfig(env: Record<string, string | undefined> = process.env): DirectoryConfig {
  const problems: string[] = [];
  const databaseUrl = env.DATABASE_URL || DEFAULT_DATABASE_URL;
  if (!/^(sqlite:.+|postgres(ql)?:\/\/.+)$/.test(databaseUrl)) {
    problems.push('DATABASE_URL must be sqlite:<path> or postgres://…');
  }
  const address = env.DIRECTORY_ADDRESS || DEFAULT_DIRECTORY_ADDRESS;
  if (!/^[^\s:]+:\d{1,5}$/.test(address) && !/^\[[0-9a-fA-F:]+\]:\d{1,5}$/.test(address)) {
    problems.push('DIRECTORY_ADDRESS must be host:port');
  }
  const logLevel = env.LOG_LEVEL || 'info';
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  if (problems.length) throw new Error(`bad configuration:\n  ${problems.join('\n  ')}`);
  return Object.freeze({ databaseUrl, address, logLevel });
}
