import fs from 'node:fs';
import { setLogger } from '@grpc/grpc-js';
import { listenFailure } from '../../shared/listen-failure.js';
import { serveMetrics } from '../../shared/metrics-server.js';
import { signalListening } from '../../shared/ready-signal.js';
import { releaseStaleSocket, unixSocketPath } from '../../shared/unix-socket.js';
import { serviceLogger } from '../../shared/logger.js';
import { serverCredentials } from '../tls.js';
import { loadConfig, type DirectoryConfig } from './config.js';
import { ChangeFeed } from './domain/context.js';
import { scheduleEventRetention } from './domain/event-retention.js';
import { registry } from './metrics.js';
import { ensureLocalCredentials } from './local-credentials.js';
import { buildServer } from './server.js';
import { startChangeRelay } from './store/change-relay.js';
import { openDatabase } from './store/db.js';
import { warnIfAutovacuumOff } from './store/autovacuum-check.js';

const HOUR_MS = 3_600_000;

/** Starts the directory service: the only place that reads process.env. */
async function main(): Promise<void> {
  let config: DirectoryConfig;
  try {
    config = loadConfig();
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
  const { logger, exit } = serviceLogger('directory', config.logLevel);
  // grpc-js prints its own lines ("E No address added…") to stderr. Whatever it reports on a
  // server (a port it cannot bind, a TLS context it cannot build) also fails a call this
  // process handles and reports in its own words, so its lines go to the debug level.
  const grpcLine = (message: unknown) => logger.debug({ source: 'grpc-js' }, String(message));
  setLogger({ error: grpcLine, info: grpcLine, debug: grpcLine });
  const db = await openDatabase(config.databaseUrl, { logger, createFolder: config.createDatabaseFolder });
  await warnIfAutovacuumOff(db, logger);
  const feed = new ChangeFeed();
  // PostgreSQL: watchers on this replica wake when another one commits (LISTEN/NOTIFY).
  const relay = await startChangeRelay(db, feed, logger);
  if (config.credentialsFile) {
    const issued = await ensureLocalCredentials({ db, feed }, config.credentialsFile);
    if (issued.length)
      logger.info({ file: config.credentialsFile, roles: issued }, 'issued local service credentials');
  }
  const { server, health } = buildServer({ db, feed }, logger, { certificateRoles: config.certificateRoles });
  const socketFile = unixSocketPath(config.address);
  const listener = socketFile ? "the directory's socket" : "the directory's port";
  if (socketFile)
    await releaseStaleSocket(socketFile).catch((error: unknown) => {
      throw new StartFailure(listenFailure(listener, config.address, error));
    });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(config.address, serverCredentials(config.tls), (err, p) =>
      err ? reject(new StartFailure(listenFailure(listener, config.address, err))) : resolve(p),
    ),
  );
  // Only this machine's user may connect at all; service credentials are still required.
  if (socketFile) fs.chmodSync(socketFile, 0o600);
  const metricsAddress = config.metricsAddress;
  const metrics = metricsAddress
    ? await serveMetrics(metricsAddress, registry).catch((error: unknown) => {
        throw new StartFailure(listenFailure("the directory's metrics port", metricsAddress, error));
      })
    : undefined;
  const retention = config.eventRetentionDays
    ? scheduleEventRetention({ db, feed }, { days: config.eventRetentionDays, everyMs: HOUR_MS, logger })
    : undefined;
  logger.info(
    {
      address: config.address,
      port,
      tls: config.tls ? (config.tls.clientCa ? 'mtls' : 'tls') : 'off',
      metrics: config.metricsAddress ?? 'off',
      eventRetentionDays: config.eventRetentionDays || 'forever',
      database: config.databaseUrl.split(':')[0],
    },
    'directory listening',
  );
  signalListening('directory', { port });

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'directory shutting down');
    health.setStatus('', 'NOT_SERVING');
    // Watch streams never end by themselves: end them, then drain in-flight calls (at most 10 s).
    feed.close();
    const force = setTimeout(() => server.forceShutdown(), 10_000);
    force.unref();
    server.tryShutdown(() => {
      metrics?.close();
      void (retention?.stop() ?? Promise.resolve())
        .then(() => relay?.close())
        .then(() => db.close())
        .then(() => {
          logger.info('directory stopped');
          exit(0);
        });
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

/** A start failure whose message is the whole story: printed as it is, as one line. */
class StartFailure extends Error {}

main().catch((error) => {
  console.error(
    error instanceof StartFailure
      ? error.message
      : `directory failed to start: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});
