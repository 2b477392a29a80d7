import { clientCredentials, connectDirectory } from '@wizer/directory-client';
import { serviceLogger } from '../../services/shared/logger.js';
import { credentialProvider } from '../../services/directory/credentials-file.js';
import { listenFailure } from '../../services/shared/listen-failure.js';
import { serveMetrics } from '../../services/shared/metrics-server.js';
import { signalListening } from '../../services/shared/ready-signal.js';
import { buildApp } from './app.js';
import { loadConfig, type GatewayConfig } from './config.js';
import { rejectionLog } from './errors/rejection-log.js';
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
  const { logger, exit } = serviceLogger('gateway', config.logLevel);
  const directory = connectDirectory(config.directoryAddress, {
    actor: 'service:scim-gateway',
    deadlineMs: config.directoryDeadlineMs,
    credentials: clientCredentials(config.directoryTls),
    credential: credentialProvider(config.directoryCredential, config.credentialsFile, 'gateway'),
    multiplex: config.directoryStreams > 0 ? { streams: config.directoryStreams } : undefined,
  });
  const rejections = rejectionLog(directory, { limits: config.rejectionLog, logger });
  // Summaries of closed windows go out within a second even when the tenant has gone quiet.
  const flushing = setInterval(() => void rejections.flush(), 1000);
  flushing.unref();
  const app = buildApp({
    directory,
    rejections,
    limits: config.limits,
    rateLimits: config.rateLimits,
    authCacheMs: config.authCacheMs,
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    logger,
  });
  const { server, drain } = createServer(app, config);
  // A port that cannot be listened on ends the start with one line naming it (the first
  // failure only: another instance may hold both listeners).
  let failed = false;
  const cannotListen = (what: string, address: string) => (error: unknown) => {
    if (failed) return;
    failed = true;
    console.error(listenFailure(what, address, error));
    exit(1);
  };
  const { metricsAddress } = config;
  const metrics = metricsAddress ? serveMetrics(metricsAddress, registry) : undefined;
  if (metricsAddress) metrics?.catch(cannotListen("the gateway's metrics port", metricsAddress));
  server.once('error', cannotListen("the gateway's port", `${config.host}:${config.port}`));
  const listening = new Promise<void>((resolve) => server.listen(config.port, config.host, resolve));
  void Promise.all([listening, metrics]).then(
    () => {
      const scheme = config.tls ? 'https' : 'http';
      logger.info(
        {
          url: `${scheme}://${config.host}:${config.port}/api/v1/scim/v2`,
          metrics: metricsAddress ?? 'off',
        },
        'gateway listening',
      );
      signalListening('gateway');
    },
    () => {},
  );
  const stop = (signal: string) => {
    logger.info({ signal }, 'gateway shutting down');
    clearInterval(flushing);
    void drain(10_000).then(async (drained) => {
      // What was only counted so far is written before the channel closes.
      // Bounded: with the directory gone, each write would wait for its deadline.
      await Promise.race([rejections.flush(true), new Promise((r) => setTimeout(r, 2000).unref())]);
      directory.close();
      void metrics?.then((m) => m.close());
      if (!drained) logger.warn('gateway: in-flight requests did not finish in 10 s');
      logger.info('gateway stopped');
      exit(drained ? 0 : 1);
    });
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main();
