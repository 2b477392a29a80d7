/**
 * `npm start`: the whole system on one machine — the directory and the SCIM
 * gateway as two processes on an embedded SQLite file under ./data/ (or
 * DATABASE_URL). On a fresh database it creates a development tenant and prints
 * its token once. Ctrl-C or SIGTERM stops both.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectDirectory } from '../services/directory/client.js';
import { credentialFromEnv } from '../services/directory/credentials-file.js';
import { DEFAULT_DIRECTORY_ADDRESS } from '../services/directory/src/config.js';
import { clientCredentials, clientTlsFromEnv } from '../services/directory/tls.js';

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

const children: ChildProcess[] = [];
let stopping = false;

function run(name: string, entry: string): ChildProcess {
  const child = spawn(process.execPath, [...nodeArgs, path.join(root, entryOf(entry))], {
    env,
    stdio: 'inherit',
  });
  child.on('exit', (code, signal) => {
    if (!stopping) {
      console.error(`${name} exited (${signal ?? code}); stopping.`);
      stop(1);
    }
  });
  children.push(child);
  return child;
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

run('directory', 'services/directory/src/main.ts');
const clients = connectDirectory(env.DIRECTORY_ADDRESS, {
  actor: 'admin',
  deadlineMs: 2000,
  credentials: clientCredentials(clientTlsFromEnv(env)),
  // The admin credential the directory writes beside its database on first start.
  credential: credentialFromEnv(env, 'admin'),
});
try {
  const { tenants } = await until('the directory', () => clients.admin.listTenants({}));
  run('gateway', 'gateway/src/main.ts');
  await until(
    'the gateway',
    () =>
      new Promise<void>((resolve, reject) => {
        const socket = net.connect(Number(port), probeHost, () => {
          socket.end();
          resolve();
        });
        socket.on('error', reject);
      }),
  );
  console.log(`\nWizer SCIM base URL: ${baseUrl}`);
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
  console.error((error as Error).message);
  stop(1);
} finally {
  clients.close();
}
