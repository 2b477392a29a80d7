import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { pino } from 'pino';
import { connectDirectory } from '../../services/directory/client.js';
import { clientCredentials } from '../../services/directory/tls.js';
import { buildApp } from './app.js';
import { loadConfig, type GatewayConfig } from './config.js';

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
    limits: { defaultCount: config.defaultCount, maxCount: config.maxCount },
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    logger,
  });
  const handle = app.callback();
  const listener: http.RequestListener = (req, res) => void handle(req, res);
  const server = config.tls
    ? https.createServer(
        { cert: fs.readFileSync(config.tls.cert), key: fs.readFileSync(config.tls.key) },
        listener,
      )
    : http.createServer(listener);
  server.listen(config.port, config.host, () => {
    const scheme = config.tls ? 'https' : 'http';
    logger.info({ url: `${scheme}://${config.host}:${config.port}/api/v1/scim/v2` }, 'gateway listening');
  });
  const stop = (signal: string) => {
    logger.info({ signal }, 'gateway shutting down');
    // Stop accepting; in-flight requests finish; idle keep-alive sockets close now.
    server.close(() => {
      directory.close();
      logger.info('gateway stopped');
      process.exit(0);
    });
    server.closeIdleConnections();
    setTimeout(() => {
      logger.warn('gateway: in-flight requests did not finish in 10 s');
      process.exit(1);
    }, 10_000).unref();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main();
