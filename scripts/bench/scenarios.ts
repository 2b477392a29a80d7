import type { RequestBuilder } from './load.js';
import { benchProfile } from './seed.js';

/** Where the full system serves SCIM: Wizer's published base path. */
export const SCIM = '/api/v1/scim/v2';

/** Okta-shaped bodies, as Okta's SCIM 2.0 reference shows them. */
export function oktaCreateBody(userName: string, i: number): string {
  const p = benchProfile(userName, i);
  return JSON.stringify({
    schemas: [
      'urn:ietf:params:scim:schemas:core:2.0:User',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
    ],
    userName,
    name: p.name,
    emails: [{ primary: true, value: userName, type: 'work' }],
    displayName: p.displayName,
    locale: 'en-US',
    externalId: p.externalId,
    groups: [],
    password: 'Pa55w0rd!',
    active: true,
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: `Department ${i % 40}` },
  });
}

/** Okta's profile push: the user as it read it back, with one attribute changed. */
export function oktaPutBody(id: string, userName: string, i: number, title: string): string {
  const p = benchProfile(userName, i);
  return JSON.stringify({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    id,
    userName,
    name: p.name,
    emails: [{ primary: true, value: userName, type: 'work' }],
    displayName: p.displayName,
    locale: 'en-US',
    externalId: p.externalId,
    title,
    groups: [],
    active: true,
    meta: { resourceType: 'User' },
  });
}

export const patchActive = (active: boolean) =>
  JSON.stringify({
    schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
    Operations: [{ op: 'replace', value: { active } }],
  });

export const patchMembers = (op: 'add' | 'remove', ids: string[]) =>
  JSON.stringify({
    schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
    Operations:
      op === 'add'
        ? [{ op: 'add', path: 'members', value: ids.map((value) => ({ value })) }]
        : [{ op: 'remove', path: `members[value eq "${ids[0]}"]` }],
  });

export const lookupPath = (userName: string) =>
  `${SCIM}/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}&startIndex=1&count=100`;

/** The users a tenant was seeded with: names and ids in seeding order. */
export interface SeededUsers {
  names: string[];
  ids: string[];
}

/** An element of `list`, at random. */
export const pick = <T>(list: T[]) => list[Math.floor(Math.random() * list.length)]!;
/** Numbers new users and new titles: unique across every shape of one benchmark process. */
let counter = 0;

/**
 * The single-resource and page requests measured at 10 connections, by name, against the
 * seeded users of one tenant; `prefix` is where the SCIM API is (the published prefix on the
 * full system, the root on floor (b)).
 */
export function requestShapes(prefix: string, users: SeededUsers): Record<string, RequestBuilder> {
  const path = `${prefix}/Users`;
  const n = users.names.length;
  return {
    lookup: () => ({ method: 'GET', path: lookupPath(pick(users.names)).replace(SCIM, prefix) }),
    create: () => {
      const i = ++counter;
      const name = `new${i}-${Date.now()}@bench.example`;
      return { method: 'POST', path, body: oktaCreateBody(name, i) };
    },
    get: () => ({ method: 'GET', path: `${path}/${pick(users.ids)}` }),
    put: () => {
      const i = Math.floor(Math.random() * n);
      return {
        method: 'PUT',
        path: `${path}/${users.ids[i]}`,
        body: oktaPutBody(users.ids[i]!, users.names[i]!, i, `Title ${++counter}`),
      };
    },
    deactivate: () => ({
      method: 'PATCH',
      path: `${path}/${pick(users.ids)}`,
      body: patchActive(++counter % 2 === 0),
    }),
    firstPage: () => ({ method: 'GET', path: `${path}?startIndex=1&count=100` }),
    deepPage: () => ({ method: 'GET', path: `${path}?startIndex=${n - 99}&count=100` }),
  };
}

/**
 * One-member group changes that always change the group: each connection adds a user from
 * `pool`, then removes it again (`add-first`), or removes a member, then adds it back.
 */
export function churn(
  groupPath: string,
  pool: string[],
  order: 'add-first' | 'remove-first',
): RequestBuilder[] {
  let n = 0;
  const step =
    (op: 'add' | 'remove', choose: boolean): RequestBuilder =>
    (context) => {
      if (choose) context.member = pool[n++ % pool.length];
      return { method: 'PATCH', path: groupPath, body: patchMembers(op, [context.member as string]) };
    };
  return order === 'add-first'
    ? [step('add', true), step('remove', false)]
    : [step('remove', true), step('add', false)];
}

/**
 * One client's cycle of Okta's initial sync: look a user up by userName (finding nobody), then
 * create them, then the next user; `user.step` tells which of the two an answer is.
 */
export function syncCycle(nextIndex: () => number): RequestBuilder[] {
  return [
    (user) => {
      user.i = nextIndex();
      user.name = `sync${user.i}@bench.example`;
      user.step = 'lookup';
      return { method: 'GET', path: lookupPath(user.name as string) };
    },
    (user) => {
      user.step = 'create';
      return {
        method: 'POST',
        path: `${SCIM}/Users`,
        body: oktaCreateBody(user.name as string, user.i as number),
      };
    },
  ];
}
