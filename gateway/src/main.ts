import { pino } from 'pino';
import { connectDirectory } from '../../services/directory/client.js';
import { clientCredentials } from '../../services/directory/tls.js';
import { serveMetrics } from '../../services/shared/metrics-server.js';
import { buildApp } from './app.js';
import { loadConfig, type GatewayConfig } from './config.js';
import { registry } from './metrics.js';
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
  const metrics = config.metricsAddress ? serveMetrics(config.metricsAddress, registry) : undefined;
  metrics?.catch((error: unknown) => {
    logger.error({ err: error, metrics: config.metricsAddress }, 'gateway cannot serve its metrics');
    process.exit(1);
  });
  server.listen(config.port, config.host, () => {
    const scheme = config.tls ? 'https' : 'http';
    logger.info(
      {
        url: `${scheme}://${config.host}:${config.port}/api/v1/scim/v2`,
        metrics: config.metricsAddress ?? 'off',
      },
      'gateway listening',
    );
  });
  const stop = (signal: string) => {
    logger.info({ signal }, 'gateway shutting down');
    void drain(10_000).then((drained) => {
      directory.close();
      void metrics?.then((m) => m.close());
      if (!drained) logger.warn('gateway: in-flight requests did not finish in 10 s');
      logger.info('gateway stopped');
      process.exit(drained ? 0 : 1);
    });
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main();
