import { ServerCredentials } from '@grpc/grpc-js';
import { pino } from 'pino';
import { loadConfig } from './config.js';
import { ChangeFeed } from './domain/context.js';
import { buildServer } from './server.js';
import { openDatabase } from './store/db.js';

/** Starts the directory service: the only place that reads process.env. */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
  const logger = pino({ level: config.logLevel, base: { service: 'directory' } });
  const db = await openDatabase(config.databaseUrl);
  const feed = new ChangeFeed();
  const { server, health } = buildServer({ db, feed }, logger);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(config.address, ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  logger.info(
    { address: config.address, port, database: config.databaseUrl.split(':')[0] },
    'directory listening',
  );

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'directory shutting down');
    health.setStatus('', 'NOT_SERVING');
    feed.close();
    // Drain in-flight calls; force after 10 s (watch streams never end by themselves).
    const force = setTimeout(() => server.forceShutdown(), 10_000);
    force.unref();
    server.tryShutdown(() => {
      void db.close().then(() => {
        logger.info('directory stopped');
        process.exit(0);
      });
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((error) => {
  console.error('directory failed to start:', error instanceof Error ? error.message : error);
  process.exit(1);
});
