import { pino } from 'pino';
import { connectDirectory } from '../../services/directory/client.js';
import { buildApp } from './app.js';
import { loadConfig } from './config.js';

/** Starts the SCIM gateway: the only place that reads process.env. */
function main(): void {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
  const logger = pino({ level: config.logLevel, base: { service: 'gateway' } });
  const directory = connectDirectory(config.directoryAddress, {
    actor: 'service:scim-gateway',
    deadlineMs: config.directoryDeadlineMs,
  });
  const app = buildApp({
    directory,
    limits: { defaultCount: config.defaultCount, maxCount: config.maxCount },
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    logger,
  });
  const server = app.listen(config.port, config.host, () => {
    logger.info({ url: `http://${config.host}:${config.port}/api/v1/scim/v2` }, 'gateway listening');
  });
  const stop = (signal: string) => {
    logger.info({ signal }, 'gateway shutting down');
    server.close(() => {
      directory.close();
      logger.info('gateway stopped');
      process.exit(0);
    });
    server.closeIdleConnections();
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main();
