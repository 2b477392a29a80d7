import fs from 'node:fs';
import { LOG_LEVELS } from './logger.js';

/**
 * Checks every service's configuration makes the same way: each adds its finding to `problems`,
 * so a bad start names every bad variable at once.
 */
type Env = Record<string, string | undefined>;

/** Reads file-path variables: the path when set, and a problem when no such file exists. */
export function fileSettings(env: Env, problems: string[]): (name: string) => string | undefined {
  return (name) => {
    const path = env[name];
    if (path && !fs.existsSync(path)) problems.push(`${name} names a file that does not exist: ${path}`);
    return path || undefined;
  };
}

/** LOG_LEVEL, `info` by default; a problem when it is not one of pino's levels. */
export function logLevelSetting(env: Env, problems: string[]): string {
  const logLevel = env.LOG_LEVEL || 'info';
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  return logLevel;
}
