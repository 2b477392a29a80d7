import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Server } from 'node:http';
import { OperatorRole } from '#proto/admin.js';
import { connectDirectory } from '@wizer/directory-client';
import { buildConsoleApp } from '../../services/console/src/app.js';
import { createConsoleServer } from '../../services/console/src/server.js';
import { startGateway, type GatewayFixture } from './gateway.js';
import { ROOT } from './processes.js';

export interface ConsoleFixture extends GatewayFixture {
  /** The console's origin, e.g. http://127.0.0.1:PORT */
  consoleUrl: string;
  consoleServer: Server;
  /** The console's clock (sessions, sign-in limits): tests move it instead of waiting. */
  clock: { offsetMs: number };
  sessionMinutes: number;
  /** Adds an operator through the directory, as `npm run admin -- operators add` does; its password. */
  addOperator(name: string, role: 'admin' | 'viewer'): Promise<string>;
}

/** A directory, a gateway (token checks not cached) and a console, each on 127.0.0.1:0. */
export async function startConsole(options: { sessionMinutes?: number } = {}): Promise<ConsoleFixture> {
  const gateway = await startGateway({ authCacheMs: 0 });
  const { secret } = await gateway.issueCredential('console');
  const consoleClients = connectDirectory(gateway.address, { actor: 'console', credential: secret });
  const clock = { offsetMs: 0 };
  const sessionMinutes = options.sessionMinutes ?? 30;
  const app = buildConsoleApp({
    directory: consoleClients,
    sessionMinutes,
    now: () => Date.now() + clock.offsetMs,
  });
  const server = createConsoleServer(app);
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    ...gateway,
    consoleUrl: `http://127.0.0.1:${port}`,
    consoleServer: server,
    clock,
    sessionMinutes,
    async addOperator(name, role) {
      const { password } = await gateway.clients.admin.addOperator({
        name,
        role: role === 'admin' ? OperatorRole.OPERATOR_ROLE_ADMIN : OperatorRole.OPERATOR_ROLE_VIEWER,
      });
      return password;
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      consoleClients.close();
      await gateway.close();
    },
  };
}

export const CHROMIUM = '/usr/bin/chromium';
/** Without the networking flags Chromium stalls on this machine fetching components. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * Whether the browser tests can run: Chromium at /usr/bin/chromium. Without it they fail with
 * this message under CI=true (CI installs it: .ci/run), and are skipped, loudly, elsewhere.
 */
export function chromiumProblem(): string | undefined {
  if (fs.existsSync(CHROMIUM)) return undefined;
  return `the console's browser tests need Chromium at ${CHROMIUM}: apt-get install -y chromium`;
}

export const SCREENSHOTS = path.join(ROOT, 'artifacts', 'screenshots');
