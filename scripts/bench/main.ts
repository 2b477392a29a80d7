/**
 * `npm run bench` (`-- --scale` for the million-user run): starts the system on a fresh
 * temporary SQLite database, drives it only through HTTP on 127.0.0.1 with Okta-shaped
 * requests, measures the same requests on two floors (the store in-process; a minimal
 * Koa → grpc-js → store path), prints one table and saves it as bench/results.md.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { encodeCursor } from '../../services/directory/src/store/query-sql.js';
import { storeFloors } from './floor-store.js';
import { load, timeSequential, type LoadResult } from './load.js';
import { lookupPath, oktaCreateBody, oktaPutBody, patchActive, patchMembers } from './scenarios.js';
import { bulkGroup, bulkUsers, createTenantWithToken } from './seed.js';
import { freePort, ROOT, startProcess, waitFor, type Proc } from './system.js';

const scale = process.argv.includes('--scale');
const LOOKUP_USERS = 10_000;
const GROUP_USERS = 100_000;
const SYNC_USERS = scale ? 100_000 : 10_000;
const SCALE_USERS = 1_000_000;
const CONNECTIONS = 10;
const DURATION = 5;

const started = Date.now();
const log = (msg: string) =>
  console.error(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s] ${msg}`);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wizer-bench-'));
const file = path.join(dir, 'bench.db');
const url = `sqlite:${file}`;

interface Row {
  name: string;
  target: string;
  full?: LoadResult;
  minimal?: LoadResult;
  store?: LoadResult;
  note?: string;
}
const rows: Row[] = [];
const row = (name: string, target: string) => {
  const r: Row = { name, target };
  rows.push(r);
  return r;
};

// ---- seed -----------------------------------------------------------------------------
log('seeding through the store');
const lookupTenant = await createTenantWithToken(url, 'Lookup');
const lookup = { ...lookupTenant, ...bulkUsers(file, lookupTenant.tenantId, LOOKUP_USERS, 'u') };
const groupTenant = await createTenantWithToken(url, 'Groups');
const groupUsers = bulkUsers(file, groupTenant.tenantId, GROUP_USERS, 'g');
const group10 = bulkGroup(file, groupTenant.tenantId, 'Ten', groupUsers.ids.slice(0, 10));
const group1000 = bulkGroup(file, groupTenant.tenantId, 'Thousand', groupUsers.ids.slice(0, 1000));
const group100k = bulkGroup(file, groupTenant.tenantId, 'Hundred thousand', groupUsers.ids);
const emptyGroups = Array.from({ length: 20 }, (_, i) =>
  bulkGroup(file, groupTenant.tenantId, `Empty ${i}`, []),
);
const syncTenant = await createTenantWithToken(url, 'Sync');
const scaleTenant = scale ? await createTenantWithToken(url, 'Scale') : undefined;
let scaleNames: string[] = [];
if (scaleTenant) {
  log(`seeding ${SCALE_USERS} users`);
  scaleNames = bulkUsers(file, scaleTenant.tenantId, SCALE_USERS, 's').names;
}

// ---- the system --------------------------------------------------------------------------
async function startSystem(kind: 'full' | 'minimal'): Promise<{ procs: Proc[]; base: string }> {
  const [grpcPort, httpPort] = [await freePort(), await freePort()];
  const env = {
    DATABASE_URL: url,
    DIRECTORY_ADDRESS: `127.0.0.1:${grpcPort}`,
    PORT: String(httpPort),
    METRICS_ADDRESS: 'off',
    GATEWAY_METRICS_ADDRESS: 'off',
    LOG_LEVEL: 'info',
    BENCH_TENANT: lookup.tenantId,
    // The benchmark measures capacity, not the per-tenant rate limit (README: Limits).
    RATE_LIMIT_RPS: '1000000',
    RATE_LIMIT_BURST: '1000000',
  };
  const prof = process.env.BENCH_CPU_PROF
    ? ['--cpu-prof', `--cpu-prof-dir=${path.join(ROOT, 'bench/profiles')}`]
    : [];
  const procs =
    kind === 'full'
      ? [
          startProcess('directory', 'services/directory/src/main.ts', env, prof),
          startProcess('gateway', 'gateway/src/main.ts', env, prof),
        ]
      : [
          startProcess('minimal directory', 'scripts/bench/floor/minimal-directory.ts', env),
          startProcess('minimal gateway', 'scripts/bench/floor/minimal-gateway.ts', env),
        ];
  const base = `http://127.0.0.1:${httpPort}`;
  await waitFor(
    kind,
    async () =>
      (await fetch(`${base}/api/v1/scim/v2/ServiceProviderConfig`).catch(() => undefined)) !== undefined,
  );
  await new Promise((r) => setTimeout(r, 500));
  return { procs, base };
}

const pick = <T>(list: T[]) => list[Math.floor(Math.random() * list.length)]!;
let counter = 0;

/** The request shapes measured at 10 connections, on the full system and on floor (b). */
function shapes(prefix: string) {
  const users = `${prefix}/Users`;
  return {
    lookup: () => ({
      method: 'GET',
      path: lookupPath(pick(lookup.names)).replace('/api/v1/scim/v2', prefix),
    }),
    create: () => {
      const i = ++counter;
      const name = `new${i}-${Date.now()}@bench.example`;
      return { method: 'POST', path: users, body: oktaCreateBody(name, i) };
    },
    get: () => ({ method: 'GET', path: `${users}/${pick(lookup.ids)}` }),
    put: () => {
      const i = Math.floor(Math.random() * LOOKUP_USERS);
      return {
        method: 'PUT',
        path: `${users}/${lookup.ids[i]}`,
        body: oktaPutBody(lookup.ids[i]!, lookup.names[i]!, i, `Title ${++counter}`),
      };
    },
    deactivate: () => ({
      method: 'PATCH',
      path: `${users}/${pick(lookup.ids)}`,
      body: patchActive(++counter % 2 === 0),
    }),
    firstPage: () => ({ method: 'GET', path: `${users}?startIndex=1&count=100` }),
    deepPage: () => ({ method: 'GET', path: `${users}?startIndex=${LOOKUP_USERS - 99}&count=100` }),
  };
}

async function measure(
  base: string,
  token: string | undefined,
  prefix: string,
): Promise<Record<string, LoadResult>> {
  const out: Record<string, LoadResult> = {};
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  for (const [name, next] of Object.entries(shapes(prefix))) {
    await load({ url: base, connections: CONNECTIONS, duration: 1, headers, next }); // warm-up
    out[name] = await load({ url: base, connections: CONNECTIONS, duration: DURATION, headers, next });
    log(
      `  ${name}: ${out[name]!.rps.toFixed(0)} req/s, p99 ${out[name]!.p99} ms, errors ${out[name]!.errors}`,
    );
  }
  return out;
}

const SCIM = '/api/v1/scim/v2';
const fullShapes = [
  ['lookup', '1. lookup GET /Users?filter=userName eq (10,000 users)', '≥ 2,000 req/s, p99 ≤ 25 ms'],
  ['create', '2. POST /Users (Okta body, with department)', '≥ 1,000 req/s, p99 ≤ 25 ms'],
  ['get', '3. GET /Users/{id}', '≥ 2,000 req/s, p99 ≤ 25 ms'],
  ['put', '4. PUT /Users/{id} (Okta echo-back)', '≥ 1,000 req/s, p99 ≤ 25 ms'],
  ['deactivate', '5. PATCH deactivate / reactivate', '≥ 1,000 req/s, p99 ≤ 25 ms'],
  ['firstPage', '6a. GET /Users?startIndex=1&count=100', '≥ 500 req/s, p99 ≤ 25 ms'],
  ['deepPage', '6b. GET /Users?startIndex=9901&count=100', '≥ 500 req/s, p99 ≤ 25 ms'],
] as const;

log('full system: directory + gateway');
const full = await startSystem('full');
const fullResults = await measure(full.base, lookup.token, SCIM);

// 7. Group pushes.
const groupHeaders = {
  authorization: `Bearer ${groupTenant.token}`,
  'content-type': 'application/scim+json',
};
const hundredAdd = await timeSequential(async (i) => {
  const members = groupUsers.ids.slice(i * 100 + 5000, i * 100 + 5100);
  const res = await fetch(`${full.base}${SCIM}/Groups/${emptyGroups[i]}`, {
    method: 'PATCH',
    headers: groupHeaders,
    body: patchMembers('add', members),
  });
  if (res.status !== 204) throw new Error(`HTTP ${res.status}`);
}, emptyGroups.length);
log(`  100-member add: p50 ${hundredAdd.p50.toFixed(1)} ms`);
const memberChurn: Record<string, LoadResult> = {};
for (const [label, groupId] of [
  ['10', group10],
  ['1,000', group1000],
  ['100,000', group100k],
] as const) {
  // Add then remove a user who is not a member: every request changes the group.
  let n = 0;
  const outsider = () => groupUsers.ids[label === '100,000' ? 0 : 50_000 + (n % 1000)]!;
  memberChurn[label] = await load({
    url: full.base,
    connections: CONNECTIONS,
    duration: DURATION,
    headers: { authorization: `Bearer ${groupTenant.token}` },
    next: () => {
      n++;
      // On the 100,000 group every user is a member: remove then re-add one.
      const op = label === '100,000' ? (n % 2 ? 'remove' : 'add') : n % 2 ? 'add' : 'remove';
      return { method: 'PATCH', path: `${SCIM}/Groups/${groupId}`, body: patchMembers(op, [outsider()]) };
    },
  });
  log(`  one-member add/remove, group of ${label}: ${memberChurn[label]!.rps.toFixed(0)} req/s`);
}
const bigGroupGet = await timeSequential(async () => {
  const res = await fetch(`${full.base}${SCIM}/Groups/${group100k}?excludedAttributes=members`, {
    headers: groupHeaders,
  });
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  await res.text();
}, 200);

// 8. Initial sync: N users by 8 clients, then 50 pushed groups of 200 members.
log(`initial sync of ${SYNC_USERS} users`);
const syncStarted = performance.now();
const syncIds: string[] = [];
let syncErrors = 0;
let syncIndex = 0;
await Promise.all(
  Array.from({ length: 8 }, async () => {
    for (;;) {
      const i = syncIndex++;
      if (i >= SYNC_USERS) return;
      const name = `sync${i}@bench.example`;
      const check = await fetch(`${full.base}${lookupPath(name)}`, {
        headers: { authorization: `Bearer ${syncTenant.token}` },
      });
      await check.text();
      const res = await fetch(`${full.base}${SCIM}/Users`, {
        method: 'POST',
        headers: { authorization: `Bearer ${syncTenant.token}`, 'content-type': 'application/scim+json' },
        body: oktaCreateBody(name, i),
      });
      const body = (await res.json()) as { id?: string };
      if (res.status === 201 && body.id) syncIds.push(body.id);
      else syncErrors++;
    }
  }),
);
const usersDone = performance.now();
let groupIndex = 0;
await Promise.all(
  Array.from({ length: 8 }, async () => {
    for (;;) {
      const g = groupIndex++;
      if (g >= 50) return;
      const headers = {
        authorization: `Bearer ${syncTenant.token}`,
        'content-type': 'application/scim+json',
      };
      const res = await fetch(`${full.base}${SCIM}/Groups`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ displayName: `Sync group ${g}`, members: [] }),
      });
      const { id } = (await res.json()) as { id: string };
      const members = Array.from({ length: 200 }, (_, k) => syncIds[(g * 200 + k) % syncIds.length]!);
      const patch = await fetch(`${full.base}${SCIM}/Groups/${id}`, {
        method: 'PATCH',
        headers,
        body: patchMembers('add', members),
      });
      if (patch.status !== 204) syncErrors++;
    }
  }),
);
const syncSeconds = (performance.now() - syncStarted) / 1000;
log(
  `  ${SYNC_USERS} users in ${((usersDone - syncStarted) / 1000).toFixed(1)} s, with groups ${syncSeconds.toFixed(1)} s`,
);

// 9. Scale: one million users, single client.
const scaleRows: Row[] = [];
if (scaleTenant) {
  const headers = { authorization: `Bearer ${scaleTenant.token}` };
  const get = async (p: string) => {
    const res = await fetch(`${full.base}${p}`, { headers });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return res.json() as Promise<{ totalResults?: number }>;
  };
  const total = (await get(`${SCIM}/Users?count=0`)).totalResults;
  if (total !== SCALE_USERS) throw new Error(`expected ${SCALE_USERS} users through the API, saw ${total}`);
  const single = async (name: string, target: string, p: () => string, n = 200) => {
    const r: Row = { name, target, full: await timeSequential(() => get(p()), n) };
    scaleRows.push(r);
    log(`  ${name}: p50 ${r.full!.p50.toFixed(1)} ms p99 ${r.full!.p99.toFixed(1)} ms`);
  };
  await single(
    '9a. lookup, 1,000,000 users, 1 client',
    'p99 ≤ 5 ms',
    () => lookupPath(pick(scaleNames)),
    1000,
  );
  await single('9b. first page by startIndex', '≤ 100 ms', () => `${SCIM}/Users?startIndex=1&count=100`, 50);
  await single(
    '9c. last page by startIndex',
    '≤ 100 ms',
    () => `${SCIM}/Users?startIndex=${SCALE_USERS - 99}&count=100`,
    20,
  );
  // A cursor near the end of the directory: keyset paging costs the same at any depth.
  const deep = encodeCursor({ o: '', d: false, k: 0, p: 110_000 + SCALE_USERS - 200 });
  await single(
    '9d. page by cursor (near the end)',
    '≤ 10 ms',
    () => `${SCIM}/Users?count=100&cursor=${deep}`,
    200,
  );
}
scaleRows.push({
  name: `9e. GET /Groups/{id}?excludedAttributes=members, ${GROUP_USERS.toLocaleString('en')} members`,
  target: scale ? '(scale run)' : '',
  full: bigGroupGet,
});

const rss = Object.fromEntries(full.procs.map((p) => [p.name, p.peakRssMb()]));
for (const p of full.procs) await p.stop();

log('floor (b): minimal Koa → grpc-js → store');
const minimal = await startSystem('minimal');
const minimalResults = await measure(minimal.base, undefined, '');
const minimalChurn = await load({
  url: minimal.base,
  connections: CONNECTIONS,
  duration: DURATION,
  next: () => ({
    method: 'PATCH',
    path: `/Groups/${group1000}?tenant=${groupTenant.tenantId}`,
    body: patchMembers(++counter % 2 ? 'add' : 'remove', [groupUsers.ids[60_000]!]),
  }),
});
for (const p of minimal.procs) await p.stop();

log('floor (a): the store in-process');
const storeResults = await storeFloors(url, lookup, {
  tenantId: groupTenant.tenantId,
  ids: groupUsers.ids,
  group1000,
});

// ---- report ----------------------------------------------------------------------------
for (const [key, name, target] of fullShapes) {
  const r = row(name, target);
  r.full = fullResults[key];
  r.minimal = minimalResults[key];
  r.store = storeResults[key];
}
const hundred = row('7a. PATCH adding 100 members (sequential)', '≤ 50 ms');
hundred.full = hundredAdd;
for (const [label, result] of Object.entries(memberChurn)) {
  const r = row(`7b. one-member add/remove, group of ${label}`, '≥ 1,000 req/s');
  r.full = result;
  if (label === '1,000') {
    r.minimal = minimalChurn;
    r.store = storeResults.memberAdd1000;
  }
}
const sync = row(
  `8. initial sync: ${SYNC_USERS.toLocaleString('en')} users (8 clients, lookup + create) + 50 groups × 200`,
  scale ? '100,000 users ≤ 90 s' : '(100,000 in --scale)',
);
sync.note = `${syncSeconds.toFixed(1)} s end to end; users at ${(SYNC_USERS / ((usersDone - syncStarted) / 1000)).toFixed(0)} users/s; ${syncErrors} errors`;
rows.push(...scaleRows);

const fmt = (r?: LoadResult, unit = 'req/s') =>
  r
    ? `${r.rps.toFixed(0)} ${unit}, p50 ${r.p50.toFixed(1)}, p99 ${r.p99.toFixed(1)} ms${r.errors ? `, ${r.errors} errors` : ''}`
    : '';
const lines = [
  '| request | full system | floor (b) Koa → grpc-js → store | floor (a) store in-process | full / (b) | target |',
  '| --- | --- | --- | --- | --- | --- |',
  ...rows.map(
    (r) =>
      `| ${r.name} | ${r.note ?? fmt(r.full)} | ${fmt(r.minimal)} | ${fmt(r.store, 'ops/s')} | ${r.full && r.minimal ? (r.full.rps / r.minimal.rps).toFixed(2) : ''} | ${r.target} |`,
  ),
];
const machine = `${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
const report = [
  `# Benchmark results`,
  '',
  `Machine: ${machine}. Load generator (autocannon, ${CONNECTIONS} connections, ${DURATION} s per row after a 1 s warm-up) on the same machine; SQLite.`,
  `Run: \`npm run bench${scale ? ' -- --scale' : ''}\`, ${new Date().toISOString()}, ${((Date.now() - started) / 1000).toFixed(0)} s.`,
  '',
  ...lines,
  '',
  `Peak RSS: ${Object.entries(rss)
    .map(([name, mb]) => `${name} ${mb.toFixed(0)} MB`)
    .join(', ')} (target: each under 400 MB at 1,000,000 users).`,
  '',
];
console.log(report.join('\n'));
const analysis = path.join(ROOT, 'bench/analysis.md');
fs.mkdirSync(path.join(ROOT, 'bench'), { recursive: true });
fs.writeFileSync(
  path.join(ROOT, 'bench/results.md'),
  report.join('\n') + (fs.existsSync(analysis) ? `\n${fs.readFileSync(analysis, 'utf8')}` : ''),
);
// Server-side errors, if any, for the report's reader (the logs themselves are deleted with the database).
for (const name of ['directory', 'gateway']) {
  const lines = fs
    .readFileSync(path.join(dir, `${name}.log`), 'utf8')
    .split('\n')
    .filter((l) => /"level":(50|60)/.test(l));
  if (lines.length) console.error(`${name}: ${lines.length} error lines; first: ${lines[0]!.slice(0, 800)}`);
}
fs.rmSync(dir, { recursive: true, force: true });
log('saved bench/results.md');
