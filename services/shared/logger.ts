import { pino, type Logger } from 'pino';

/** The levels LOG_LEVEL may name (pino's). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface ServiceLogger {
  logger: Logger;
  /** Writes what is still buffered, then exits: lines logged just before are never lost. */
  exit(code: number): void;
}

/**
 * A service's JSON logger, writing asynchronously: a request's log line is buffered and
 * written by the event loop, off the request's path (a synchronous write to a pipe costs
 * the gateway a few percent of its CPU under load). The price is a buffer to flush at exit.
 */
export function serviceLogger(service: string, level: string): ServiceLogger {
  const destination = pino.destination({ sync: false });
  const logger = pino({ level, base: { service } }, destination);
  return {
    logger,
    exit(code) {
      // Bounded: a stdout that no one reads must not keep the process alive.
      setTimeout(() => process.exit(code), 1000).unref();
      destination.flush(() => process.exit(code));
    },
  };
}
