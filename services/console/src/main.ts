import { clientCredentials, connectDirectory } from '@wizer/directory-client';
import { credentialProvider } from '../../directory/credentials-file.js';
import { listenFailure } from '../../shared/listen-failure.js';
import { serviceLogger } from '../../shared/logger.js';
import { signalListening } from '../../shared/ready-signal.js';
import { buildConsoleApp } from './app.js';
import { loadConfig, type ConsoleConfig } from './config.js';
import { createConsoleServer } from './server.js';

/** Starts the operator console: the only place that reads process.env. */
function main(): void {
  let config: ConsoleConfig;
  try {
    config = loadConfig();
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
  const { logger, exit } = serviceLogger('console', config.logLevel);
  const directory = connectDirectory(config.directoryAddress, {
    actor: 'console',
    deadlineMs: 10_000,
    credentials: clientCredentials(config.directoryTls),
    credential: credentialProvider(config.directoryCredential, config.credentialsFile, 'console'),
  });
  const app = buildConsoleApp({
    directory,
    sessionMinutes: config.sessionMinutes,
    trustProxy: config.trustProxy,
    logger,
  });
  const server = createConsoleServer(app, config.tls);
  server.once('error', (error) => {
    console.error(listenFailure("the console's port", config.address, error));
    exit(1);
  });
  server.listen(config.port, config.host, () => {
    const scheme = config.tls ? 'https' : 'http';
    const { port } = server.address() as { port: number };
    logger.info({ url: `${scheme}://${config.address.replace(/:\d+$/, `:${port}`)}/` }, 'console listening');
    signalListening('console', { port });
  });
  const stop = (signal: string) => {
    logger.info({ signal }, 'console shutting down');
    server.close(() => {
      directory.close();
      logger.info('console stopped');
      exit(0);
    });
    // Event streams stay open until their browser goes: end them.
    server.closeAllConnections();
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main();
