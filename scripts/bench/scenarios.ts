import { benchProfile } from './seed.js';

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
  `/api/v1/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}&startIndex=1&count=100`;
