/**
 * The operator console at scale: a tenant of 100,000 users (`--users N` for another size), two
 * pushed departments holding them, and rejected requests; then each page of the console, timed
 * as a browser would load it (the HTML, server side: the console and the directory on 127.0.0.1).
 * Target: every page within 200 ms. A benchmark, not a test: `npm run bench:console` (SQLite), or
 * `npm run bench:console -- --postgres` (a database it creates on BENCH_POSTGRES_URL's server and drops).
 *
 * The directory runs as its own process on the seeded database (as in production); the
 * console runs in this process with the console credential the directory wrote.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { OperatorRole } from '#proto/admin.js';
import { buildConsoleApp } from '../../services/console/src/app.js';
import { createConsoleServer } from '../../services/console/src/server.js';
import { connectDirectory } from '@wizer/directory-client';
import { readCredentialsFile } from '../../services/directory/credentials-file.js';
import { ChangeFeed } from '../../services/directory/src/domain/context.js';
import { recordRejection } from '../../services/directory/src/domain/provisioning-log.js';
import { openDatabase } from '../../services/directory/src/store/db.js';
import type { ListeningMessage } from '../../services/shared/ready-signal.js';
import { benchDatabase } from './postgres.js';
import { bulkGroup, bulkUsers, createTenantWithToken } from './seed.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const flag = process.argv.indexOf('--users');
const USERS = flag > 0 ? Number(process.argv[flag + 1]) : 100_000;
const ROUNDS = 7;
const TARGET_MS = 200;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wizer-bench-console-'));
const postgres = process.argv.includes('--postgres') ? await benchDatabase() : undefined;
const url = postgres?.url ?? `sqlite:${path.join(dir, 'directory.db')}`;
const credentialsFile = path.join(dir, 'directory-credentials.json');
process.once('exit', () => fs.rmSync(dir, { recursive: true, force: true }));

console.log(
  `Seeding a tenant of ${USERS.toLocaleString('en-US')} users on ${postgres ? 'PostgreSQL' : 'SQLite'}…`,
);
let started = Date.now();
const { tenantId } = await createTenantWithToken(url, 'Big Co');
const { ids, names } = await bulkUsers(url, tenantId, USERS, 'person');
const everyone = await bulkGroup(url, tenantId, 'Everyone', ids);
await bulkGroup(url, tenantId, 'Half', ids.slice(0, Math.floor(USERS / 2)));
{
  const db = await openDatabase(url);
  const deps = { db, feed: new ChangeFeed() };
  const reasons = ['userName must be unique', 'no user with that id', 'the filter is not valid'];
  for (let i = 0; i < 300; i++)
    await recordRejection(
      deps,
      { tenantId, actor: 'token:bench' },
      {
        operation: 'POST /Users',
        reason: reasons[i % reasons.length]!,
        httpStatus: 409,
        scimType: 'uniqueness',
        resourceType: 'user',
        resourceId: '',
        resourceName: names[i]!,
      },
    );
  await db.close();
}
console.log(`Seeded in ${((Date.now() - started) / 1000).toFixed(1)} s.`);

const directory = spawn(
  process.execPath,
  ['--import', 'tsx', path.join(root, 'services/directory/src/main.ts')],
  {
    env: {
      ...process.env,
      DATABASE_URL: url,
      DIRECTORY_ADDRESS: '127.0.0.1:0',
      DIRECTORY_CREDENTIALS_FILE: credentialsFile,
      METRICS_ADDRESS: 'off',
      EVENT_RETENTION_DAYS: '0',
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  },
);
process.once('exit', () => directory.kill('SIGTERM'));
const port = await new Promise<number>((resolve, reject) => {
  directory.on('message', (m: Partial<ListeningMessage>) => {
    if (m.listening === 'directory' && m.port) resolve(m.port);
  });
  directory.once('exit', (code) => reject(new Error(`the directory exited (${code})`)));
});
directory.disconnect();
const address = `127.0.0.1:${port}`;
const credentials = readCredentialsFile(credentialsFile);
const admin = connectDirectory(address, { actor: 'admin:bench', credential: credentials.admin });
const consoleClients = connectDirectory(address, { actor: 'console', credential: credentials.console });
const { password } = await admin.admin.addOperator({ name: 'bench', role: OperatorRole.OPERATOR_ROLE_ADMIN });
const server = createConsoleServer(buildConsoleApp({ directory: consoleClients, sessionMinutes: 60 }));
server.listen(0, '127.0.0.1');
await new Promise((resolve) => server.once('listening', resolve));
const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

const signIn = await fetch(`${origin}/login`, {
  method: 'POST',
  redirect: 'manual',
  headers: { Origin: origin, 'Content-Type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({ name: 'bench', password, next: '/tenants' }).toString(),
});
const cookie = (signIn.headers.get('set-cookie') ?? '').split(';')[0]!;
if (signIn.status !== 303 || !cookie) throw new Error(`sign-in failed: ${signIn.status}`);

const t = `/tenants/${tenantId}`;
const pages: [string, string][] = [
  ['Tenants', '/tenants'],
  ['A tenant (last hour)', t],
  ['A tenant (last 7 days)', `${t}?window=7d`],
  ['Its curve alone (24 h)', `${t}/curve?window=24h`],
  ['People, first page', `${t}/people`],
  ['People, search', `${t}/people?q=${encodeURIComponent(names[USERS - 1]!.slice(0, 10))}`],
  ['A person explained', `${t}/people/${encodeURIComponent(names[USERS - 2]!)}`],
  ['Departments', `${t}/departments`],
  ['A department (all members)', `${t}/departments/${everyone}`],
];

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(
  `\n${'page'.padEnd(30)} ${'median'.padStart(8)} ${'max'.padStart(8)}   (ms, ${ROUNDS} loads after a warm-up)`,
);
let over = 0;
for (const [name, path_] of pages) {
  const times: number[] = [];
  for (let i = 0; i <= ROUNDS; i++) {
    started = performance.now();
    const res = await fetch(`${origin}${path_}`, { headers: { Cookie: cookie } });
    await res.text();
    if (res.status !== 200) throw new Error(`${path_}: ${res.status}`);
    if (i > 0) times.push(performance.now() - started);
  }
  const m = median(times);
  if (m > TARGET_MS) over++;
  console.log(
    `${name.padEnd(30)} ${m.toFixed(1).padStart(8)} ${Math.max(...times)
      .toFixed(1)
      .padStart(8)}   ${m <= TARGET_MS ? 'ok' : `over ${TARGET_MS} ms`}`,
  );
}
console.log(
  over ? `\n${over} page(s) over the ${TARGET_MS} ms target.` : `\nEvery page within ${TARGET_MS} ms.`,
);
server.close();
admin.close();
consoleClients.close();
directory.kill('SIGTERM');
await new Promise((resolve) => directory.once('exit', resolve));
await postgres?.drop();
process.exit(0);
