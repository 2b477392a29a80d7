/**
 * `npm run bench`: builds the system (`npm run build`) and starts it from dist/, as `npm start`
 * does, on a fresh temporary SQLite database (`-- --postgres`: a
 * fresh PostgreSQL database, created and dropped here), drives it only through HTTP on 127.0.0.1
 * with Okta-shaped requests, and measures
 *   - the same requests on SCIMMY, an in-memory SCIM server, in alternating rounds (ours / SCIMMY);
 *   - the same requests on two floors (the store in-process; a minimal Koa → channel → store path);
 *   - group pushes, an initial sync, (`--scale`) one tenant of 1,000,000 users;
 *   - (PostgreSQL) the cross-replica watch latency;
 *   - the production build: startup time and RSS from dist/ with node and from source with tsx.
 * It prints its section and saves it in bench/results.md, keeping the other store's section.
 * `-- --quick` (or BENCH_QUICK=1): 1 s rows and small data, for trying the benchmark out.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readCredentialsFile } from '../../services/directory/credentials-file.js';
import { encodeCursor } from '../../services/directory/src/store/query-sql.js';
import { compare, SCIM, startScimmy, type CompareRow, type CompareTarget } from './compare.js';
import { storeFloors } from './floor-store.js';
import { alternate, alternateAmong, load, timeSequential, type LoadResult } from './load.js';
import { autovacuumStandIn, benchDatabase, gatherStatistics, POSTGRES_SERVER } from './postgres.js';
import { churn, lookupPath, patchMembers, pick, requestShapes, syncCycle } from './scenarios.js';
import { bulkGroup, bulkUsers, createTenantWithToken } from './seed.js';
import { buildForBench } from './build.js';
import { startupFigures, type StartupFigure } from './startup.js';
import { request } from './http-client.js';
import { ROOT, type Proc } from './system.js';
import { benchEnv, profileArgs, startSystem as startUnderTest, type SystemUnderTest } from './under-test.js';
import { watchLatency, type WatchLatency } from './watch-latency.js';

const args = process.argv.slice(2);
const scale = args.includes('--scale');
const postgres = args.includes('--postgres');
const quick = args.includes('--quick') || process.env.BENCH_QUICK === '1';
const LOOKUP_USERS = 10_000;
const GROUP_USERS = quick ? 10_000 : 100_000;
// Sized to keep a run near 5 minutes on a shared 2-core machine; PostgreSQL commits each create
// with a round trip and an fsync, so its sync is smaller still. --scale syncs 100,000.
const SYNC_USERS = scale ? 100_000 : quick ? 504 : postgres ? 2_000 : 5_000;
const SCALE_USERS = 1_000_000;
const CONNECTIONS = 10;
/** Seconds per round, and rounds per row, of the full system and floor (b) side by side. */
const DURATION = quick ? 1 : 2;
const FLOOR_ROUNDS = quick ? 1 : 3;
/**
 * The rows floor (b) also runs answering with whole users: its reads otherwise answer with
 * four fields a user, where a SCIM response carries every attribute `returned: default`.
 */
const READ_ROWS = ['lookup', 'get', 'firstPage', 'deepPage'];
/** The comparison with SCIMMY: users, the group's size, rounds per system and seconds per round. */
const COMPARE_USERS = quick ? 1_000 : 5_000;
const COMPARE_GROUP = 200;
const COMPARE_ROUNDS = quick ? 2 : 3;
const COMPARE_SECONDS = quick ? 1 : 2;
/**
 * A freshly started system serves its first seconds well below its pace (JIT, caches, the
 * database's buffers): each system gets this many seconds of mixed requests before its first row.
 */
const SYSTEM_WARMUP = quick ? 1 : 6;
const WATCH_WRITES = quick ? 50 : 300;
const STARTUP_REPEATS = quick ? 1 : 3;
const STREAMS = process.env.DIRECTORY_STREAMS || '4';

const started = Date.now();
/** The machine's 1-minute load average at the start: these machines are shared. */
const loadAtStart = os.loadavg()[0]!;
const log = (msg: string) =>
  console.error(`[${((Date.now() - started) / 1000).toFixed(0).padStart(4)}s] ${msg}`);
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wizer-bench-'));
const logFile = (name: string) => path.join(dir, `${name.replace(/\W+/g, '-')}.log`);
const credentialsFile = path.join(dir, 'directory-credentials.json');
const database = postgres
  ? await benchDatabase()
  : { url: `sqlite:${path.join(dir, 'bench.db')}`, drop: async () => {} };
const url = database.url;
log(`${postgres ? 'PostgreSQL' : 'SQLite'}: ${postgres ? url.replace(/\/\/[^@]*@/, '//') : url}`);

interface Row {
  name: string;
  target: string;
  full?: LoadResult;
  minimal?: LoadResult;
  /** Floor (b) answering reads with whole users, in the same rounds as `full` and `minimal`. */
  whole?: LoadResult;
  store?: LoadResult;
  note?: string;
}
const rows: Row[] = [];
const row = (name: string, target: string) => {
  const r: Row = { name, target };
  rows.push(r);
  return r;
};

const processes: Proc[] = [];
try {
  await run();
} finally {
  for (const p of [...processes].reverse()) await p.stop();
  await database.drop();
  fs.rmSync(dir, { recursive: true, force: true });
}

async function run(): Promise<void> {
  log('npm run build, and floor (b) beside it: every process below runs from dist/ with node');
  const buildSeconds = buildForBench();
  // ---- seed ---------------------------------------------------------------------------
  log('seeding through the store');
  const lookupTenant = await createTenantWithToken(url, 'Lookup');
  const lookup = { ...lookupTenant, ...(await bulkUsers(url, lookupTenant.tenantId, LOOKUP_USERS, 'u')) };
  const groupTenant = await createTenantWithToken(url, 'Groups');
  const groupUsers = await bulkUsers(url, groupTenant.tenantId, GROUP_USERS, 'g');
  const group10 = await bulkGroup(url, groupTenant.tenantId, 'Ten', groupUsers.ids.slice(0, 10));
  const group1000 = await bulkGroup(url, groupTenant.tenantId, 'Thousand', groupUsers.ids.slice(0, 1000));
  const groupAll = await bulkGroup(url, groupTenant.tenantId, 'Everyone', groupUsers.ids);
  const emptyGroups: string[] = [];
  for (let i = 0; i < 20; i++) emptyGroups.push(await bulkGroup(url, groupTenant.tenantId, `Empty ${i}`, []));
  const syncTenant = await createTenantWithToken(url, 'Sync');
  const compareTenant = await createTenantWithToken(url, 'Compare');
  const compareUsers = await bulkUsers(url, compareTenant.tenantId, COMPARE_USERS, 'c');
  const compareGroup = await bulkGroup(
    url,
    compareTenant.tenantId,
    'Two hundred',
    compareUsers.ids.slice(0, COMPARE_GROUP),
  );
  const watchTenant = postgres ? await createTenantWithToken(url, 'Watch') : undefined;
  const scaleTenant = scale ? await createTenantWithToken(url, 'Scale') : undefined;
  let scaleNames: string[] = [];
  if (scaleTenant) {
    log(`seeding ${SCALE_USERS} users`);
    scaleNames = (await bulkUsers(url, scaleTenant.tenantId, SCALE_USERS, 's')).names;
  }

  if (postgres) await gatherStatistics(url);
  const upkeep = postgres ? await autovacuumStandIn(url) : undefined;

  // ---- the system ------------------------------------------------------------------------
  const benchCredential = randomBytes(16).toString('hex');
  const baseEnv = benchEnv(url, credentialsFile, STREAMS);
  const prof = profileArgs();
  const startSystem = (
    kind: 'full' | 'minimal',
    floorPayload?: 'fields' | 'whole',
  ): Promise<SystemUnderTest> =>
    startUnderTest({
      kind,
      floorPayload,
      databaseUrl: url,
      credentialsFile,
      tenant: lookup,
      benchCredential,
      streams: STREAMS,
      nodeArgs: prof,
      logFile,
      started: (p) => processes.push(p),
    });
  /** Stops processes in the reverse of their start order: a gateway before its directory. */
  const stopAll = async (procs: Proc[]) => {
    for (const p of [...procs].reverse()) {
      await p.stop();
      processes.splice(processes.indexOf(p), 1);
    }
  };

  /**
   * Rows 1–6 on the full system and on floor (b), which run side by side on the one database:
   * each row in alternating rounds (`alternateAmong`), after a warm-up of mixed requests on
   * each. The reads take a third side in the same rounds: floor (b) answering with whole users.
   */
  async function measure(
    fullBase: string,
    minimalBase: string,
    wholeBase: string,
  ): Promise<{
    full: Record<string, LoadResult>;
    minimal: Record<string, LoadResult>;
    whole: Record<string, LoadResult>;
  }> {
    const floorSide = (base: string) => ({ base, headers: {}, shapes: requestShapes('', lookup) });
    const sides = {
      full: {
        base: fullBase,
        headers: { authorization: `Bearer ${lookup.token}` },
        shapes: requestShapes(SCIM, lookup),
      },
      minimal: floorSide(minimalBase),
      whole: floorSide(wholeBase),
    };
    for (const { base, headers, shapes: all } of Object.values(sides)) {
      const mix = [all.lookup!, all.get!, all.create!, all.put!, all.deactivate!, all.firstPage!];
      await load({ url: base, connections: CONNECTIONS, duration: SYSTEM_WARMUP, headers, cycle: mix });
    }
    const out = {
      full: {} as Record<string, LoadResult>,
      minimal: {} as Record<string, LoadResult>,
      whole: {} as Record<string, LoadResult>,
    };
    for (const name of Object.keys(sides.full.shapes)) {
      await upkeep?.run();
      const read = READ_ROWS.includes(name);
      const measured = await alternateAmong(
        read ? (['full', 'minimal', 'whole'] as const) : (['full', 'minimal'] as const),
        (side, seconds) => {
          const { base, headers, shapes: all } = sides[side];
          return load({ url: base, connections: CONNECTIONS, duration: seconds, headers, next: all[name]! });
        },
        FLOOR_ROUNDS,
        DURATION,
      );
      const line = (r: LoadResult) => `${r.rps.toFixed(0)} req/s, p99 ${r.p99} ms, errors ${r.errors}`;
      const [full, minimal] = [measured.full.median, measured.minimal.median];
      const whole = read ? measured.whole.median : undefined;
      out.full[name] = full;
      out.minimal[name] = minimal;
      if (whole) out.whole[name] = whole;
      log(
        `  ${name}: full ${line(full)}; floor (b) ${line(minimal)}${whole ? `; floor (b), whole users ${line(whole)}` : ''}`,
      );
    }
    return out;
  }

  const fullShapes = [
    ['lookup', '1. lookup GET /Users?filter=userName eq (10,000 users)', '≥ 2,000 req/s, p99 ≤ 25 ms'],
    ['create', '2. POST /Users (Okta body, with department)', '≥ 1,000 req/s, p99 ≤ 25 ms'],
    ['get', '3. GET /Users/{id}', '≥ 2,000 req/s, p99 ≤ 25 ms'],
    ['put', '4. PUT /Users/{id} (Okta echo-back)', '≥ 1,000 req/s, p99 ≤ 25 ms'],
    ['deactivate', '5. PATCH deactivate / reactivate', '≥ 1,000 req/s, p99 ≤ 25 ms'],
    ['firstPage', '6a. GET /Users?startIndex=1&count=100', '≥ 500 req/s, p99 ≤ 25 ms'],
    ['deepPage', '6b. GET /Users?startIndex=9901&count=100', '≥ 500 req/s, p99 ≤ 25 ms'],
  ] as const;

  log('full system (directory + gateway) and floor (b) (minimal Koa → multiplexed channel → store)');
  const full = await startSystem('full');
  const minimal = await startSystem('minimal', 'fields');
  const wholeFloor = await startSystem('minimal', 'whole');
  const floors = await measure(full.base, minimal.base, wholeFloor.base);
  await stopAll(wholeFloor.procs);

  // 0. Ours against SCIMMY, alternating rounds.
  log(`SCIMMY: seeding ${COMPARE_USERS} users and a group of ${COMPARE_GROUP} through its SCIM API`);
  const scimmy = await startScimmy(COMPARE_USERS, COMPARE_GROUP);
  processes.push(scimmy.proc);
  log(`  seeded in ${scimmy.seedSeconds.toFixed(1)} s; ${COMPARE_ROUNDS} alternating rounds per row`);
  const ours: CompareTarget = {
    name: 'ours',
    base: full.base,
    token: compareTenant.token,
    data: {
      ...compareUsers,
      groupId: compareGroup,
      outsiders: compareUsers.ids.slice(COMPARE_GROUP),
    },
  };
  const comparison = await compare(ours, scimmy.target, {
    warmup: SYSTEM_WARMUP,
    connections: CONNECTIONS,
    rounds: COMPARE_ROUNDS,
    seconds: COMPARE_SECONDS,
    log,
    betweenRows: upkeep?.run,
  });
  const scimmyRss = scimmy.proc.peakRssMb();
  await stopAll([scimmy.proc]);

  // 7. Group pushes.
  const groupHeaders = {
    authorization: `Bearer ${groupTenant.token}`,
    'content-type': 'application/scim+json',
  };
  const hundredAdd = await timeSequential(async (i) => {
    const members = groupUsers.ids.slice(i * 100 + 5000, i * 100 + 5100);
    const res = await request(`${full.base}${SCIM}/Groups/${emptyGroups[i]}`, {
      method: 'PATCH',
      headers: groupHeaders,
      body: patchMembers('add', members),
    });
    if (res.status !== 204) throw new Error(`HTTP ${res.status}`);
  }, emptyGroups.length);
  log(`  100-member add: p50 ${hundredAdd.p50.toFixed(1)} ms`);
  const allLabel = GROUP_USERS.toLocaleString('en');
  const memberChurn: Record<string, LoadResult> = {};
  for (const [label, groupId] of [
    ['10', group10],
    ['1,000', group1000],
    [allLabel, groupAll],
  ] as const) {
    // Users 2,000 to 2,999 are outside the 10 and 1,000 groups (added, then removed again),
    // and inside the group of everyone (removed, then added back).
    const order = groupId === groupAll ? 'remove-first' : 'add-first';
    await upkeep?.run();
    const churnOn =
      (base: string, groupPath: string, headers: Record<string, string> = {}) =>
      (seconds: number) =>
        load({
          url: base,
          connections: CONNECTIONS,
          duration: seconds,
          headers,
          cycle: churn(groupPath, groupUsers.ids.slice(2000, 3000), order),
        });
    const fullChurn = churnOn(full.base, `${SCIM}/Groups/${groupId}`, {
      authorization: `Bearer ${groupTenant.token}`,
    });
    if (groupId === group1000) {
      // Beside floor (b), in alternating rounds (the minimal gateway takes the tenant from the query).
      const minimalChurn = churnOn(minimal.base, `/Groups/${group1000}?tenant=${groupTenant.tenantId}`);
      const both = await alternate(
        (side, seconds) => (side === 'a' ? fullChurn(seconds) : minimalChurn(seconds)),
        FLOOR_ROUNDS,
        DURATION,
      );
      memberChurn[label] = both.a;
      floors.minimal.memberAdd1000 = both.b;
    } else {
      memberChurn[label] = await fullChurn(DURATION);
    }
    log(`  one-member add/remove, group of ${label}: ${memberChurn[label]!.rps.toFixed(0)} req/s`);
  }
  await stopAll(minimal.procs);
  const bigGroupGet = await timeSequential(async () => {
    const res = await request(`${full.base}${SCIM}/Groups/${groupAll}?excludedAttributes=members`, {
      headers: groupHeaders,
    });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
  }, 200);

  // 8. Initial sync: N users by 8 clients, then 50 pushed groups of 200 members. Each client
  // (a connection) looks a user up, then creates them, then the next: Okta's pattern. Driven
  // by autocannon, as the rows above: the client shares the system's two cores, and node:http
  // spent ~350 µs of CPU a user here (lookup and create; autocannon ~170, measured with 10,000
  // users), which the system would lose. autocannon shares `amount` evenly among the
  // connections, so with N a multiple of 8 each client sends whole pairs.
  log(`initial sync of ${SYNC_USERS} users`);
  if (SYNC_USERS % 8 !== 0) throw new Error('the sync needs a multiple of 8 users: 8 clients, whole pairs');
  const syncStarted = performance.now();
  // CPU a user, per process and for the benchmark's own client, and so how fast the sync could
  // go were the machine's cores never idle: which of CPU and waiting bounds it.
  const cpuAtStart = full.procs.map((p) => p.cpuMicros());
  const clientAtStart = process.cpuUsage();
  const syncIds: string[] = [];
  let syncErrors = 0;
  let syncIndex = 0;
  // The sync ends with its last answer: autocannon reports only at its next one-second tick.
  let lastAnswer = syncStarted;
  const synced = await load({
    url: full.base,
    connections: 8,
    amount: 2 * SYNC_USERS,
    headers: { authorization: `Bearer ${syncTenant.token}` },
    cycle: syncCycle(() => syncIndex++),
    onResponse: (status, body, user) => {
      lastAnswer = performance.now();
      if (user.step === 'lookup') {
        if (status !== 200 || !body.includes('"totalResults":0')) syncErrors++;
        return;
      }
      const id = status === 201 ? /"id":"([^"]+)"/.exec(body)?.[1] : undefined;
      if (id) syncIds.push(id);
      else syncErrors++;
    },
  });
  syncErrors += synced.errors - synced.non2xx;
  if (syncIds.length !== SYNC_USERS) {
    syncErrors += Math.abs(SYNC_USERS - syncIds.length);
    log(`  created ${syncIds.length} of ${SYNC_USERS} users`);
  }
  const usersDone = lastAnswer;
  const client = process.cpuUsage(clientAtStart);
  const cpuPerUser = [
    ...full.procs.map((p, i) => ({ name: p.name, us: (p.cpuMicros() - cpuAtStart[i]!) / SYNC_USERS })),
    { name: 'benchmark client', us: (client.user + client.system) / SYNC_USERS },
  ];
  const cpuBound = (os.cpus().length * 1e6) / cpuPerUser.reduce((sum, p) => sum + p.us, 0);
  const syncCpu = `CPU a user: ${cpuPerUser.map((p) => `${p.name} ${p.us.toFixed(0)} µs`).join(', ')}; all ${os.cpus().length} cores busy: ≤ ${cpuBound.toFixed(0)} users/s`;
  const groupsStarted = performance.now();
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
        const res = await request(`${full.base}${SCIM}/Groups`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ displayName: `Sync group ${g}`, members: [] }),
        });
        const { id } = res.json<{ id: string }>();
        const members = Array.from({ length: 200 }, (_, k) => syncIds[(g * 200 + k) % syncIds.length]!);
        const patch = await request(`${full.base}${SCIM}/Groups/${id}`, {
          method: 'PATCH',
          headers,
          body: patchMembers('add', members),
        });
        if (patch.status !== 204) syncErrors++;
      }
    }),
  );
  const syncSeconds = (usersDone - syncStarted + performance.now() - groupsStarted) / 1000;
  log(
    `  ${SYNC_USERS} users in ${((usersDone - syncStarted) / 1000).toFixed(1)} s, with groups ${syncSeconds.toFixed(1)} s; ${syncCpu}`,
  );

  // 9. Scale: one million users, single client.
  const scaleRows: Row[] = [];
  if (scaleTenant) {
    const headers = { authorization: `Bearer ${scaleTenant.token}` };
    const get = async (p: string) => {
      const res = await request(`${full.base}${p}`, { headers });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      return res.json<{ totalResults?: number }>();
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
    await single(
      '9b. first page by startIndex',
      '≤ 100 ms',
      () => `${SCIM}/Users?startIndex=1&count=100`,
      50,
    );
    await single(
      '9c. last page by startIndex',
      '≤ 100 ms',
      () => `${SCIM}/Users?startIndex=${SCALE_USERS - 99}&count=100`,
      20,
    );
    // A cursor near the end of the directory: keyset paging costs the same at any depth.
    // (The scale tenant's users were seeded last: their row keys end the table.)
    const seededBefore = LOOKUP_USERS + GROUP_USERS + COMPARE_USERS;
    const deep = encodeCursor({ o: '', d: false, k: 0, p: seededBefore + SCALE_USERS - 200 });
    await single(
      '9d. page by cursor (near the end)',
      '≤ 10 ms',
      () => `${SCIM}/Users?count=100&cursor=${deep}`,
      200,
    );
  }
  scaleRows.push({
    name: `9e. GET /Groups/{id}?excludedAttributes=members, ${allLabel} members`,
    target: scale ? '(scale run)' : '',
    full: bigGroupGet,
  });

  // 10. PostgreSQL: a second directory replica on the same database, watched; writes on the first.
  let watch: WatchLatency | undefined;
  if (watchTenant) {
    log(`cross-replica watch latency: ${WATCH_WRITES} writes on replica 1, watched on replica 2`);
    watch = await watchLatency({
      env: baseEnv,
      replica1: full.directoryAddress,
      credential: readCredentialsFile(credentialsFile).admin!,
      tenantId: watchTenant.tenantId,
      writes: WATCH_WRITES,
      logFile: logFile('directory-2'),
    });
    log(`  p50 ${watch.p50.toFixed(1)} ms, p99 ${watch.p99.toFixed(1)} ms, missed ${watch.missed}`);
  }

  const rss = Object.fromEntries(full.procs.map((p) => [p.name, p.peakRssMb()]));
  await stopAll(full.procs);

  log('floor (a): the store in-process');
  const storeResults = await storeFloors(
    url,
    lookup,
    { tenantId: groupTenant.tenantId, ids: groupUsers.ids, group1000 },
    postgres ? 0.4 : 1,
  );

  log('production build: startup and RSS, dist/ with node against source with tsx');
  const startup = await startupFigures({ ...baseEnv, PORT: '0', LOG_LEVEL: 'info' }, STARTUP_REPEATS, log);

  // ---- report ----------------------------------------------------------------------------
  for (const [key, name, target] of fullShapes) {
    const r = row(name, target);
    r.full = floors.full[key];
    r.minimal = floors.minimal[key];
    r.whole = floors.whole[key];
    r.store = storeResults[key];
  }
  const hundred = row('7a. PATCH adding 100 members (sequential)', '≤ 50 ms');
  hundred.full = hundredAdd;
  for (const [label, result] of Object.entries(memberChurn)) {
    const r = row(`7b. one-member add/remove, group of ${label}`, '≥ 1,000 req/s');
    r.full = result;
    if (label === '1,000') {
      r.minimal = floors.minimal.memberAdd1000;
      r.store = storeResults.memberAdd1000;
    }
  }
  const sync = row(
    `8. initial sync: ${SYNC_USERS.toLocaleString('en')} users (8 clients, lookup + create) + 50 groups × 200`,
    scale ? '100,000 users ≤ 90 s' : '(100,000 in --scale)',
  );
  sync.note = `${syncSeconds.toFixed(1)} s end to end; users at ${(SYNC_USERS / ((usersDone - syncStarted) / 1000)).toFixed(0)} users/s; ${syncErrors} errors; ${syncCpu}`;
  rows.push(...scaleRows);

  const section = report({
    comparison,
    scimmySeedSeconds: scimmy.seedSeconds,
    rss: { ...rss, SCIMMY: scimmyRss },
    watch,
    startup,
    buildSeconds,
    upkeep: upkeep?.active ?? false,
  });
  console.log(section.join('\n'));
  saveSection(postgres ? 'postgres' : 'sqlite', section);
  // Server-side errors, if any, for the report's reader (the logs are deleted with the database).
  for (const name of ['directory', 'gateway', 'directory-2']) {
    const file = logFile(name);
    if (!fs.existsSync(file)) continue;
    const lines = fs
      .readFileSync(file, 'utf8')
      .split('\n')
      .filter((l) => /"level":(50|60)/.test(l));
    if (lines.length)
      console.error(`${name}: ${lines.length} error lines; first: ${lines[0]!.slice(0, 800)}`);
  }
  log('saved bench/results.md');
}

// ---- the report ------------------------------------------------------------------------------
function fmt(r?: LoadResult, unit = 'req/s'): string {
  if (!r) return '';
  const errors = r.errors ? `, ${r.errors} errors${r.statuses ? ` (${r.statuses})` : ''}` : '';
  return `${r.rps.toFixed(0)} ${unit}, p50 ${r.p50.toFixed(1)}, p99 ${r.p99.toFixed(1)} ms${errors}`;
}

function median(values: number[]): number {
  return [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
}

function report(extra: {
  comparison: CompareRow[];
  scimmySeedSeconds: number;
  rss: Record<string, number>;
  watch?: WatchLatency;
  startup: StartupFigure[];
  buildSeconds: number;
  /** PostgreSQL without autovacuum: VACUUM (ANALYZE) ran before each row in its place. */
  upkeep: boolean;
}): string[] {
  const machine = `${os.cpus().length} cores (${os.cpus()[0]?.model.trim()}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
  const store = postgres ? `PostgreSQL (${POSTGRES_SERVER.replace(/\/\/[^@]*@/, '//')})` : 'SQLite';
  const flags = [postgres && '--postgres', scale && '--scale', quick && '--quick'].filter(Boolean);
  const command = `npm run bench${flags.length ? ` -- ${flags.join(' ')}` : ''}`;
  const out = [
    `## ${postgres ? 'PostgreSQL' : 'SQLite'}: \`${command}\``,
    '',
    `Machine: ${machine}. Load generator (autocannon) on the same machine; store: ${store}${extra.upkeep ? ' (the server runs without autovacuum: VACUUM (ANALYZE) before each row in its place, as autovacuum would keep the statistics of a database in service; `scripts/bench/postgres.ts`)' : ''}; gateway → directory over the multiplexed channel (${STREAMS} streams); every process of ours, floor (b)'s too, runs the production build (dist/, \`node --enable-source-maps\`).`,
    `Run: ended ${new Date().toISOString()}, after ${((Date.now() - started) / 1000).toFixed(0)} s${quick ? ' (**--quick**: short rows, small data — not figures to quote)' : ''}. Load average (1 min) of the machine, shared with other work: ${loadAtStart.toFixed(1)} at the start, ${os.loadavg()[0]!.toFixed(1)} at the end, on ${os.cpus().length} cores.`,
    '',
    `### Ours against SCIMMY (in-memory)`,
    '',
    `Both hold ${COMPARE_USERS.toLocaleString('en')} users (ours seeded through the store, SCIMMY through its own SCIM API in ${extra.scimmySeedSeconds.toFixed(1)} s) and a group of ${COMPARE_GROUP}; the same Okta-shaped requests at ${CONNECTIONS} connections; after ${SYSTEM_WARMUP} s of mixed requests on each, per row a 1 s warm-up each, then ${COMPARE_ROUNDS} rounds of ${COMPARE_SECONDS} s alternating ours, SCIMMY, ours, SCIMMY, …; each figure is the median of its system's rounds. Ratio = ours / SCIMMY in requests per second (above 1: ours is faster). SCIMMY 1.x with scimmy-routers on express 4, its own process, bearer auth, over an in-memory store of Maps with a userName index (\`scripts/bench/scimmy-server.ts\`).`,
    '',
    '| request | ours | SCIMMY | non-2xx, ours / SCIMMY | ours / SCIMMY | target | met? |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...extra.comparison.map((r) => {
      const ratio = r.ours.rps / r.scimmy.rps;
      const scimmyFailed = r.scimmy.errors > 0;
      const oursFailed = r.ours.errors > 0;
      const rounds = (list: LoadResult[]) => list.map((x) => x.rps.toFixed(0)).join(' / ');
      const verdict = scimmyFailed
        ? '**SCIMMY errors: ratio not comparable**'
        : oursFailed
          ? '**ours errors**'
          : ratio >= r.target
            ? 'met'
            : 'missed';
      const non2xx = (x: LoadResult) => `${x.non2xx}${x.statuses ? ` (${x.statuses})` : ''}`;
      return `| ${r.name} | ${fmt(r.ours)} (rounds ${rounds(r.oursRounds)}) | ${fmt(r.scimmy)} (rounds ${rounds(r.scimmyRounds)}) | ${non2xx(r.ours)} / ${non2xx(r.scimmy)} | ${ratio.toFixed(2)}× | ≥ ${r.target}× | ${verdict} |`;
    }),
    '',
    `### This system and its floors`,
    '',
    `${CONNECTIONS} connections. The full system and floor (b) run side by side on the one database: per row a 1 s warm-up on each, then ${FLOOR_ROUNDS} round${FLOOR_ROUNDS === 1 ? '' : 's'} of ${DURATION} s alternating full, floor (b), full, …; each figure is the median of its system's rounds (and, before the first row, ${SYSTEM_WARMUP} s of mixed requests on each). The other rows of the full system: one ${DURATION} s run. Floor (b) is a minimal Koa gateway → the same multiplexed channel (\`connectDirectory(…, { multiplex })\`, ${STREAMS} streams, a service credential) → a minimal directory dispatching onto the store; its reads answer with four fields a user (id, userName, active, version). Floor (b), whole users: the same floor whose directory answers reads with each user as the full directory does (the stored profile and its departments, \`BENCH_FLOOR_PAYLOAD=whole\`), its gateway still sending that message as it is (no SCIM mapping, no auth, log or metrics), in the same alternating rounds as the other two (rows 1, 3, 6a, 6b): the cost of carrying the users a SCIM response must return (RFC 7643 §7, \`returned: default\`) is then on both sides. Floor (a) is the store operation in-process, one at a time. "errors" counts non-2xx answers, connection errors and timeouts.`,
    '',
    '| request | full system | floor (b) Koa → channel → store | floor (a) store in-process | full / (b) | floor (b), whole users | full / (b), whole users | target |',
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => {
      const ratio = (floor?: LoadResult) => (r.full && floor ? (r.full.rps / floor.rps).toFixed(2) : '');
      return `| ${r.name} | ${r.note ?? fmt(r.full)} | ${fmt(r.minimal)} | ${fmt(r.store, 'ops/s')} | ${ratio(r.minimal)} | ${fmt(r.whole)} | ${ratio(r.whole)} | ${r.target} |`;
    }),
    '',
    `Peak RSS: ${Object.entries(extra.rss)
      .map(([name, mb]) => `${name} ${mb.toFixed(0)} MB`)
      .join(', ')} (target for ours: each under 400 MB at 1,000,000 users).`,
    '',
  ];
  if (extra.watch) {
    const w = extra.watch;
    out.push(
      '### Cross-replica watch latency (PostgreSQL)',
      '',
      `Two directory processes on one database; a watcher (WatchEvents, admin credential) on replica 2; ${w.writes} CreateUser calls on replica 1, one at a time; latency from the write's acknowledgement to the event's delivery on replica 2 (0 when the event came first: ${w.early} times).`,
      '',
      '| figure | p50 | p99 | max | missed (> 5 s) | target |',
      '| --- | --- | --- | --- | --- | --- |',
      `| write on replica 1 → event on replica 2 | ${w.p50.toFixed(1)} ms | ${w.p99.toFixed(1)} ms | ${w.max.toFixed(1)} ms | ${w.missed} | p99 ≤ 50 ms: ${w.p99 <= 50 && w.missed === 0 ? 'met' : 'missed'} |`,
      '',
    );
  }
  const cell = (f?: StartupFigure) =>
    f
      ? `${median(f.startMs).toFixed(0)} ms, RSS ${median(f.rssMb).toFixed(0)} MB (starts: ${f.startMs.map((ms) => ms.toFixed(0)).join(' / ')} ms)`
      : '';
  out.push(
    '### Production build: startup and memory',
    '',
    `Process start (spawn) → its "listening" log line, and resident memory half a second later; median of ${STARTUP_REPEATS} starts each way, alternating; the gateway starts against a running directory. After: \`npm run build\` (${extra.buildSeconds.toFixed(1)} s here), \`node --enable-source-maps dist/…/main.js\`; before: \`node --import tsx …/main.ts\` from source.`,
    '',
    '| process | from dist/ with node (after) | from source with tsx (before) | start time, after / before |',
    '| --- | --- | --- | --- |',
    ...(['directory', 'gateway'] as const).map((name) => {
      const dist = extra.startup.find((f) => f.process === name && f.how === 'dist/ (node)');
      const source = extra.startup.find((f) => f.process === name && f.how === 'source (tsx)');
      const ratio = dist && source ? (median(dist.startMs) / median(source.startMs)).toFixed(2) : '';
      return `| ${name} | ${cell(dist)} | ${cell(source)} | ${ratio} |`;
    }),
    '',
  );
  return out;
}

/**
 * bench/results.md holds one section per store, each between markers, then the hand-written
 * bench/analysis.md: a run replaces its own section and keeps the other.
 */
function saveSection(key: 'sqlite' | 'postgres', lines: string[]): void {
  const file = path.join(ROOT, 'bench/results.md');
  const previous = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  const sectionOf = (name: string) =>
    new RegExp(`<!-- BEGIN ${name} -->\\n([\\s\\S]*?)<!-- END ${name} -->`).exec(previous)?.[1];
  const sections = {
    sqlite: sectionOf('sqlite') ?? '## SQLite: `npm run bench`\n\nNot run yet.\n',
    postgres: sectionOf('postgres') ?? '## PostgreSQL: `npm run bench -- --postgres`\n\nNot run yet.\n',
  };
  sections[key] = `${lines.join('\n')}\n`;
  const analysis = path.join(ROOT, 'bench/analysis.md');
  const text = [
    '# Benchmark results',
    '',
    'Generated: `npm run bench` rewrites the SQLite section, `npm run bench -- --postgres` the PostgreSQL one; each keeps the other. The hand-written reading (bench/analysis.md) follows them.',
    '',
    `<!-- BEGIN sqlite -->\n${sections.sqlite}<!-- END sqlite -->`,
    '',
    `<!-- BEGIN postgres -->\n${sections.postgres}<!-- END postgres -->`,
    '',
  ].join('\n');
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text + (fs.existsSync(analysis) ? `\n${fs.readFileSync(analysis, 'utf8')}` : ''));
}
