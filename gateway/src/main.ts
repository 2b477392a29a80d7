import { pino } from 'pino';
import { connectDirectory } from '../../services/directory/client.js';
import { credentialProvider } from '../../services/directory/credentials-file.js';
import { clientCredentials } from '../../services/directory/tls.js';
import { buildApp } from './app.js';
import { loadConfig, type GatewayConfig } from './config.js';
import { createServer } from './server.js';

/** Starts the SCIM gateway: the only place that reads process.env. */
function main(): void {
  let config: GatewayConfig;
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
    credentials: clientCredentials(config.directoryTls),
    credential: credentialProvider(config.directoryCredential, config.credentialsFile, 'gateway'),
    multiplex: config.directoryStreams > 0 ? { streams: config.directoryStreams } : undefined,
  });
  const app = buildApp({
    directory,
    limits: config.limits,
    rateLimits: config.rateLimits,
    authCacheMs: config.authCacheMs,
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    logger,
  });
  const { server, drain } = createServer(app, config);
  server.listen(config.port, config.host, () => {
    const scheme = config.tls ? 'https' : 'http';
    logger.info({ url: `${scheme}://${config.host}:${config.port}/api/v1/scim/v2` }, 'gateway listening');
  });
  const stop = (signal: string) => {
    logger.info({ signal }, 'gateway shutting down');
    void drain(10_000).then((drained) => {
      directory.close();
      if (!drained) logger.warn('gateway: in-flight requests did not finish in 10 s');
      logger.info('gateway stopped');
      process.exit(drained ? 0 : 1);
    });
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main();
