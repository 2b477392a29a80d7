/**
 * This system side by side with SCIMMY (an in-memory SCIM server, `scimmy-server.ts`): the same
 * data, the same Okta-shaped requests at the same connections, in alternating rounds.
 */
import { randomBytes } from 'node:crypto';
import { alternate, load, type LoadResult, type RequestBuilder } from './load.js';
import {
  lookupPath,
  oktaCreateBody,
  oktaPutBody,
  patchActive,
  patchMembers,
  pick,
  SCIM,
} from './scenarios.js';
import { freePort, startProcess, waitFor, type Proc } from './system.js';

export { SCIM } from './scenarios.js';

/** What one system holds for the comparison: users (id and userName), a group and users outside it. */
export interface CompareData {
  ids: string[];
  names: string[];
  groupId: string;
  /** Users not in the group: the group row adds one and removes it again. */
  outsiders: string[];
}

export interface CompareTarget {
  name: string;
  base: string;
  token: string;
  data: CompareData;
}

export const COMPARE_ROWS = [
  { key: 'lookup', name: 'GET /Users?filter=userName eq "…"', target: 1.5 },
  { key: 'get', name: 'GET /Users/{id}', target: 1.5 },
  { key: 'create', name: 'POST /Users (Okta body)', target: 1.5 },
  { key: 'put', name: 'PUT /Users/{id} (Okta echo-back)', target: 1.5 },
  { key: 'deactivate', name: 'PATCH /Users/{id} replace active (deactivate / reactivate)', target: 1.5 },
  { key: 'page', name: 'GET /Users?startIndex=1&count=100', target: 10 },
  {
    key: 'groupPatch',
    name: 'PATCH /Groups/{id}: add one member, then remove it (group of 200)',
    target: 20,
  },
] as const;
export type CompareKey = (typeof COMPARE_ROWS)[number]['key'];

let counter = 0;

/** Each row's requests: one builder, or a cycle each connection repeats (add, then remove). */
function shapes(target: CompareTarget): Record<CompareKey, RequestBuilder[]> {
  const { ids, names, groupId, outsiders } = target.data;
  const users = `${SCIM}/Users`;
  let outsider = 0;
  return {
    lookup: [() => ({ method: 'GET', path: lookupPath(pick(names)) })],
    get: [() => ({ method: 'GET', path: `${users}/${pick(ids)}` })],
    create: [
      () => {
        const i = ++counter;
        const name = `cmp-${target.name.toLowerCase()}-${i}-${Date.now()}@bench.example`;
        return { method: 'POST', path: users, body: oktaCreateBody(name, i) };
      },
    ],
    put: [
      () => {
        const i = Math.floor(Math.random() * ids.length);
        return {
          method: 'PUT',
          path: `${users}/${ids[i]}`,
          body: oktaPutBody(ids[i]!, names[i]!, i, `Title ${++counter}`),
        };
      },
    ],
    deactivate: [
      () => ({ method: 'PATCH', path: `${users}/${pick(ids)}`, body: patchActive(++counter % 2 === 0) }),
    ],
    page: [() => ({ method: 'GET', path: `${users}?startIndex=1&count=100` })],
    groupPatch: [
      (context) => {
        context.member = outsiders[outsider++ % outsiders.length];
        return {
          method: 'PATCH',
          path: `${SCIM}/Groups/${groupId}`,
          body: patchMembers('add', [context.member as string]),
        };
      },
      (context) => ({
        method: 'PATCH',
        path: `${SCIM}/Groups/${groupId}`,
        body: patchMembers('remove', [context.member as string]),
      }),
    ],
  };
}

export interface CompareOptions {
  /** seconds of mixed requests on each system before the first row */
  warmup: number;
  connections: number;
  rounds: number;
  /** seconds per round */
  seconds: number;
  log: (message: string) => void;
  /** Run before each row (on PostgreSQL, the stand-in for autovacuum: postgres.ts). */
  betweenRows?: () => Promise<void>;
}

export interface CompareRow {
  key: CompareKey;
  name: string;
  target: number;
  ours: LoadResult;
  scimmy: LoadResult;
  oursRounds: LoadResult[];
  scimmyRounds: LoadResult[];
}

/**
 * First `warmup` seconds of mixed requests on each system; then each row as `alternate` runs
 * it: a 1 s warm-up on each, then `rounds` rounds alternating ours, SCIMMY, ours, SCIMMY, …;
 * each side's figure is the median of its rounds.
 */
export async function compare(
  ours: CompareTarget,
  scimmy: CompareTarget,
  options: CompareOptions,
): Promise<CompareRow[]> {
  const oursShapes = shapes(ours);
  const scimmyShapes = shapes(scimmy);
  const run = (target: CompareTarget, cycle: RequestBuilder[], duration: number) =>
    load({
      url: target.base,
      connections: options.connections,
      duration,
      headers: { authorization: `Bearer ${target.token}` },
      cycle,
    });
  // Reads and in-place writes (no creates, no group changes): the data stay as seeded.
  const mix = (all: Record<CompareKey, RequestBuilder[]>) =>
    [all.lookup, all.get, all.put, all.deactivate, all.page].map((builders) => builders[0]!);
  await run(ours, mix(oursShapes), options.warmup);
  await run(scimmy, mix(scimmyShapes), options.warmup);
  const rows: CompareRow[] = [];
  for (const { key, name, target } of COMPARE_ROWS) {
    await options.betweenRows?.();
    const {
      a,
      b,
      aRounds: oursRounds,
      bRounds: scimmyRounds,
    } = await alternate(
      (side, seconds) =>
        side === 'a' ? run(ours, oursShapes[key], seconds) : run(scimmy, scimmyShapes[key], seconds),
      options.rounds,
      options.seconds,
    );
    rows.push({ key, name, target, oursRounds, scimmyRounds, ours: a, scimmy: b });
    const last = rows.at(-1)!;
    options.log(
      `  ${key}: ours ${last.ours.rps.toFixed(0)} req/s, SCIMMY ${last.scimmy.rps.toFixed(0)} req/s ` +
        `(rounds ${oursRounds.map((r) => r.rps.toFixed(0)).join('/')} vs ${scimmyRounds
          .map((r) => r.rps.toFixed(0))
          .join('/')}), ratio ${(last.ours.rps / last.scimmy.rps).toFixed(2)}`,
    );
  }
  return rows;
}

/** Starts SCIMMY in its own process and seeds it through its own SCIM API. */
export async function startScimmy(
  users: number,
  groupSize: number,
): Promise<{ proc: Proc; target: CompareTarget; seedSeconds: number }> {
  const port = await freePort();
  const token = randomBytes(16).toString('hex');
  const proc = startProcess('scimmy', 'scripts/bench/scimmy-server.ts', {
    PORT: String(port),
    SCIMMY_TOKEN: token,
  });
  const base = `http://127.0.0.1:${port}`;
  const headers = { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' };
  await waitFor('SCIMMY', async () => (await fetch(`${base}${SCIM}/ServiceProviderConfig`, { headers })).ok);
  const started = performance.now();
  const ids: string[] = new Array(users);
  const names: string[] = new Array(users);
  let next = 0;
  await Promise.all(
    Array.from({ length: 10 }, async () => {
      for (;;) {
        const i = next++;
        if (i >= users) return;
        const name = `c${i}@bench.example`;
        const res = await fetch(`${base}${SCIM}/Users`, {
          method: 'POST',
          headers,
          body: oktaCreateBody(name, i),
        });
        const body = (await res.json()) as { id?: string };
        if (res.status !== 201 || !body.id) throw new Error(`SCIMMY seeding: HTTP ${res.status}`);
        ids[i] = body.id;
        names[i] = name;
      }
    }),
  );
  const res = await fetch(`${base}${SCIM}/Groups`, {
    method: 'POST',
    headers,
    body: JSON.stringify({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Two hundred',
      members: ids.slice(0, groupSize).map((value) => ({ value })),
    }),
  });
  const group = (await res.json()) as { id?: string };
  if (res.status !== 201 || !group.id) throw new Error(`SCIMMY seeding the group: HTTP ${res.status}`);
  return {
    proc,
    seedSeconds: (performance.now() - started) / 1000,
    target: {
      name: 'SCIMMY',
      base,
      token,
      data: { ids, names, groupId: group.id, outsiders: ids.slice(groupSize) },
    },
  };
}
