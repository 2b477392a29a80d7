/**
 * `npm start`: the whole system on one machine — the directory, the SCIM gateway
 * and the operator console as three processes on an embedded SQLite file under ./data/ (or
 * DATABASE_URL). On a fresh database it creates a development tenant and prints
 * its token once. Ctrl-C or SIGTERM stops both.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig as loadGatewayConfig } from '../gateway/src/config.js';
import { clientCredentials, connectDirectory } from '@wizer/directory-client';
import { loadConfig as loadConsoleConfig } from '../services/console/src/config.js';
import { credentialFromEnv } from '../services/directory/credentials-file.js';
import {
  DEFAULT_DIRECTORY_ADDRESS,
  loadConfig as loadDirectoryConfig,
} from '../services/directory/src/config.js';
import { clientTlsFromEnv } from '../services/directory/tls.js';
import { listenFailure, probeListen } from '../services/shared/listen-failure.js';
import type { ListeningMessage } from '../services/shared/ready-signal.js';

const here = fileURLToPath(import.meta.url);
const root = path.resolve(path.dirname(here), '..');
// Built (dist/scripts/start.js): run the built services with plain node. From source
// (tsx scripts/start.ts): run theirs through tsx.
const built = here.endsWith('.js');
const nodeArgs = built ? ['--enable-source-maps'] : ['--import', 'tsx'];
const entryOf = (source: string) => (built ? source.replace(/\.ts$/, '.js') : source);
const env = { ...process.env, DIRECTORY_ADDRESS: process.env.DIRECTORY_ADDRESS || DEFAULT_DIRECTORY_ADDRESS };
const port = process.env.PORT || '8080';
const host = process.env.HOST || '127.0.0.1';
const scheme = process.env.TLS_CERT_FILE ? 'https' : 'http';
const probeHost = host === '0.0.0.0' ? '127.0.0.1' : host;
const baseUrl = `${scheme}://${probeHost}:${port}/api/v1/scim/v2`;

/** Where the console answers (its port as it reported it: CONSOLE_ADDRESS may name port 0). */
function consoleUrl(port: number | undefined): string {
  const { address, host, tls } = loadConsoleConfig(env);
  const shown =
    host === '0.0.0.0' || host === '::' ? '127.0.0.1' : address.slice(0, address.lastIndexOf(':'));
  return `${tls ? 'https' : 'http'}://${shown}:${port ?? address.slice(address.lastIndexOf(':') + 1)}/`;
}

const children: ChildProcess[] = [];
let stopping = false;

/**
 * Spawns a service; resolves when it says it is listening (over the IPC channel), so that
 * nothing below mistakes an older instance on the same port for this one. A service that
 * exits before that has printed why (a bad variable, a taken port): the start ends with
 * its exit code and adds nothing.
 */
function run(name: string, entry: string): Promise<number | undefined> {
  const child = spawn(process.execPath, [...nodeArgs, path.join(root, entryOf(entry))], {
    env,
    stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let listening = false;
    child.on('message', (message: Partial<ListeningMessage>) => {
      if (message.listening !== name) return;
      listening = true;
      child.disconnect();
      resolve(message.port);
    });
    child.on('exit', (code, signal) => {
      if (stopping) return;
      if (!listening) {
        if (signal) console.error(`${name} was stopped by ${signal} before it listened.`);
        reject(new StartFailed(code || 1));
        return;
      }
      console.error(`${name} exited (${signal ?? code}); stopping.`);
      stop(1);
    });
  });
}

/** A start that ended early; whoever failed has said why. */
class StartFailed extends Error {
  constructor(readonly exitCode: number) {
    super(`start failed (${exitCode})`);
  }
}

function stop(exitCode = 0): void {
  if (stopping) return;
  stopping = true;
  const alive = children.filter((c) => c.exitCode === null && c.signalCode === null);
  if (alive.length === 0) process.exit(exitCode);
  let left = alive.length;
  for (const child of alive) {
    child.once('exit', () => {
      if (--left === 0) process.exit(exitCode);
    });
    child.kill('SIGTERM');
  }
}

process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

/**
 * Every address the two services will listen on, with its name for an operator. A
 * configuration the services would refuse gives none: they say what is wrong themselves.
 */
function listeners(): [what: string, address: string][] {
  try {
    const directory = loadDirectoryConfig(env);
    const gateway = loadGatewayConfig(env);
    const consoleConfig = loadConsoleConfig(env);
    return [
      ["the directory's port", directory.address],
      ["the directory's metrics port", directory.metricsAddress],
      ["the gateway's port", `${gateway.host}:${gateway.port}`],
      ["the gateway's metrics port", gateway.metricsAddress],
      ["the console's port", consoleConfig.address],
    ].filter((l): l is [string, string] => l[1] !== undefined && !/:0$/.test(l[1]));
  } catch {
    return [];
  }
}

/**
 * A second `npm start` while one runs: one line naming the first taken port, exit 1, before
 * anything is spawned or printed. (The services also fail with that line themselves, for a
 * port taken between this check and their listen.)
 */
async function checkPorts(): Promise<void> {
  for (const [what, address] of listeners()) {
    const error = await probeListen(address);
    if (error) {
      console.error(listenFailure(what, address, error));
      process.exit(1);
    }
  }
}

async function until<T>(what: string, probe: () => Promise<T>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await probe();
    } catch (error) {
      if (Date.now() > deadline || stopping)
        throw new Error(`${what} did not come up: ${(error as Error).message}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

await checkPorts();
const clients = connectDirectory(env.DIRECTORY_ADDRESS, {
  actor: 'admin',
  deadlineMs: 2000,
  credentials: clientCredentials(clientTlsFromEnv(env)),
  // The admin credential the directory writes beside its database on first start.
  credential: credentialFromEnv(env, 'admin'),
});
try {
  await run('directory', 'services/directory/src/main.ts');
  const { tenants } = await until('the directory', () => clients.admin.listTenants({}));
  await run('gateway', 'gateway/src/main.ts');
  const consolePort = await run('console', 'services/console/src/main.ts');
  console.log(`\nWizer SCIM base URL: ${baseUrl}`);
  console.log(`Operator console: ${consoleUrl(consolePort)}`);
  const { operators } = await clients.admin.listOperators({});
  if (operators.length === 0)
    console.log(
      `No operator yet; add one to sign in: npm run admin -- operators add --name <you> --role admin`,
    );
  if (tenants.length === 0) {
    const tenant = await clients.admin.createTenant({ name: 'Development' });
    const { token } = await clients.admin.issueToken({
      tenantId: tenant.id,
      description: 'created by npm start',
      expiresAt: undefined,
    });
    console.log(`A fresh database: created the tenant "Development" (${tenant.id}).`);
    console.log(`Its SCIM bearer token, shown this once:\n\n  ${token}\n`);
    console.log(
      `Try it:\n\n  curl -s -H 'Authorization: Bearer ${token}' '${baseUrl}/Users?startIndex=1&count=10'\n`,
    );
  } else {
    console.log(
      `Tenants: ${tenants.length}. Issue a token with: npm run admin -- tokens issue --tenant <id>\n`,
    );
  }
} catch (error) {
  if (error instanceof StartFailed) stop(error.exitCode);
  else {
    console.error((error as Error).message);
    stop(1);
  }
} finally {
  clients.close();
}
