import test from 'ava';
import { MembershipSource } from '#proto/user.js';
import { applyOperations } from '../../gateway/src/scim/patch/apply.js';
import { parseOperations } from '../../gateway/src/scim/patch/operations.js';
import { project } from '../../gateway/src/scim/projection.js';
import { ENTERPRISE_SCHEMA, USER_SCHEMA, USER_TYPE } from '../../gateway/src/scim/schemas.js';
import { userFromScim, userToScim } from '../../gateway/src/scim/user-mapper.js';
import { oktaUser, patchOp } from '../helpers/gateway.js';

/**
 * The mappers alone, without a directory: the SCIM shapes Okta and Entra send into the
 * contract's User, back into what a client reads, and the PATCH and projection rules on it.
 */

const BASE = 'https://scim.example/api/v1/scim/v2';

test('userFromScim: Okta’s create body, password and read-only attributes dropped, unknown ones kept', (t) => {
  const user = userFromScim({
    ...oktaUser('ada.lovelace@example.com'),
    id: 'client-chosen',
    meta: { resourceType: 'User' },
    [ENTERPRISE_SCHEMA]: { department: 'Engineering', manager: { value: 'boss-id' }, badge: 'B-7' },
    favouriteColour: 'teal',
  });
  t.like(user, {
    id: '',
    userName: 'ada.lovelace@example.com',
    active: true,
    name: { givenName: 'ada', familyName: 'lovelace' },
    locale: 'en-US',
  });
  t.deepEqual(user.emails, [
    { value: 'ada.lovelace@example.com', type: 'work', primary: true, display: undefined },
  ]);
  t.like(user.enterprise, { department: 'Engineering', manager: { value: 'boss-id' } });
  t.deepEqual(user.extra, { favouriteColour: 'teal', [ENTERPRISE_SCHEMA]: { badge: 'B-7' } });
  t.false(JSON.stringify(user).includes('1mz050nq'), 'the password is never carried');
});

test('userFromScim: Entra’s strings and URN-qualified keys, and bad types refused as invalidValue', (t) => {
  const user = userFromScim({
    [`${USER_SCHEMA}:userName`]: 'ryan@contoso.com',
    active: 'False',
    [`${ENTERPRISE_SCHEMA}:department`]: 'Sales',
    [`${ENTERPRISE_SCHEMA}:manager`]: 'boss',
  });
  t.like(user, {
    userName: 'ryan@contoso.com',
    active: false,
    enterprise: { department: 'Sales', manager: { value: 'boss' } },
  });
  for (const bad of [
    { userName: 'x', active: 'maybe' },
    { userName: 'x', emails: 'not-a-list' },
    { userName: { a: 1 } },
  ]) {
    const error = t.throws(() => userFromScim(bad), undefined, JSON.stringify(bad)) as { scimType?: string };
    t.is(error.scimType, 'invalidValue', JSON.stringify(bad));
  }
});

test('userToScim: what a client reads — meta, ETag version, $ref, pushed groups only, nothing unassigned', (t) => {
  const resource = userToScim(
    {
      ...userFromScim({ userName: 'ada@example.com', [ENTERPRISE_SCHEMA]: { manager: 'boss' } }),
      id: 'u1',
      version: 3,
      createdAt: new Date('2026-01-01T00:00:00Z'),
      updatedAt: new Date('2026-01-02T00:00:00Z'),
      memberships: [
        { departmentId: 'd1', departmentName: 'Platform', source: MembershipSource.MEMBERSHIP_SOURCE_PUSHED },
        {
          departmentId: 'd2',
          departmentName: 'Engineering',
          source: MembershipSource.MEMBERSHIP_SOURCE_ATTRIBUTE,
        },
      ],
    },
    BASE,
  );
  t.like(resource, {
    id: 'u1',
    userName: 'ada@example.com',
    meta: {
      resourceType: 'User',
      location: `${BASE}/Users/u1`,
      version: 'W/"3"',
      created: '2026-01-01T00:00:00.000Z',
    },
  });
  t.deepEqual(
    (resource.groups as Array<{ value: string }>).map((g) => g.value),
    ['d1'],
    'groups lists the pushed groups only (attribute departments are not SCIM Groups)',
  );
  t.is((resource[ENTERPRISE_SCHEMA] as { manager: { $ref: string } }).manager.$ref, `${BASE}/Users/boss`);
  for (const unassigned of ['emails', 'phoneNumbers', 'addresses', 'password'])
    t.false(unassigned in resource, `${unassigned} is left out`);
});

test('userToScim: every attribute a user can hold, in the order clients read them', (t) => {
  // Written out in full, key order included: the mapper builds the resource key by key for speed,
  // and this is the document it must keep producing.
  const user = {
    ...userFromScim({
      schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA, 'urn:example:params:scim:schemas:extension:acme:2.0:User'],
      userName: 'grace@example.com',
      externalId: '00u1',
      name: { givenName: 'Grace', familyName: 'Hopper', middleName: '' },
      displayName: 'Grace Hopper',
      nickName: 'Amazing Grace',
      title: 'Rear Admiral',
      locale: 'en-US',
      timezone: 'America/New_York',
      active: false,
      emails: [{ value: 'grace@example.com', type: 'work', primary: true }],
      phoneNumbers: [{ value: '+1 555 0100', type: 'mobile' }],
      addresses: [{ locality: 'Arlington', country: 'US', primary: true }],
      ims: [{ value: 'ghopper', type: 'xmpp' }],
      'urn:example:params:scim:schemas:extension:acme:2.0:User': { badge: 7 },
      [ENTERPRISE_SCHEMA]: {
        employeeNumber: '42',
        department: 'Navy',
        manager: { value: 'm1', displayName: 'Boss' },
        shipName: 'USS Hopper',
      },
    }),
    id: 'u2',
    version: 9,
    createdAt: new Date('2026-01-01T00:00:00Z'),
    updatedAt: new Date('2026-01-03T00:00:00Z'),
    memberships: [
      { departmentId: 'd1', departmentName: 'Platform', source: MembershipSource.MEMBERSHIP_SOURCE_PUSHED },
    ],
  };
  t.is(
    JSON.stringify(userToScim(user, BASE)),
    JSON.stringify({
      schemas: [USER_SCHEMA, ENTERPRISE_SCHEMA, 'urn:example:params:scim:schemas:extension:acme:2.0:User'],
      id: 'u2',
      externalId: '00u1',
      userName: 'grace@example.com',
      name: { familyName: 'Hopper', givenName: 'Grace' },
      displayName: 'Grace Hopper',
      nickName: 'Amazing Grace',
      title: 'Rear Admiral',
      locale: 'en-US',
      timezone: 'America/New_York',
      active: false,
      emails: [{ value: 'grace@example.com', type: 'work', primary: true }],
      phoneNumbers: [{ value: '+1 555 0100', type: 'mobile', primary: false }],
      addresses: [{ locality: 'Arlington', country: 'US', primary: true }],
      groups: [{ value: 'd1', $ref: `${BASE}/Groups/d1`, display: 'Platform', type: 'direct' }],
      ims: [{ value: 'ghopper', type: 'xmpp' }],
      'urn:example:params:scim:schemas:extension:acme:2.0:User': { badge: 7 },
      [ENTERPRISE_SCHEMA]: {
        employeeNumber: '42',
        department: 'Navy',
        manager: { value: 'm1', $ref: `${BASE}/Users/m1`, displayName: 'Boss' },
        shipName: 'USS Hopper',
      },
      meta: {
        resourceType: 'User',
        created: '2026-01-01T00:00:00.000Z',
        lastModified: '2026-01-03T00:00:00.000Z',
        location: `${BASE}/Users/u2`,
        version: 'W/"9"',
      },
    }),
  );
});

test('applyOperations: Okta’s path-less deactivation, Entra’s value-filtered path, read-only skipped, touched attributes named', (t) => {
  const doc = { ...userToScim({ ...userFromScim(oktaUser('p@example.com')), id: 'u', version: 1 }, BASE) };
  delete doc.meta;
  const touched = applyOperations(
    USER_TYPE,
    doc,
    parseOperations(
      patchOp(
        { op: 'replace', value: { active: false, id: 'ignored' } },
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'new@example.com' },
        { op: 'add', path: `${ENTERPRISE_SCHEMA}:department`, value: 'Ops' },
      ),
    ),
  );
  t.deepEqual([...touched].sort(), [ENTERPRISE_SCHEMA, 'active', 'emails'].sort());
  t.is(doc.active, false);
  t.is(doc.id, 'u', 'a read-only attribute without a path is skipped');
  t.is((doc.emails as Array<{ value: string }>)[0]!.value, 'new@example.com');
  t.is((doc[ENTERPRISE_SCHEMA] as { department: string }).department, 'Ops');
  const readOnly = t.throws(() =>
    applyOperations(USER_TYPE, doc, parseOperations(patchOp({ op: 'replace', path: 'id', value: 'x' }))),
  );
  t.is((readOnly as { scimType?: string }).scimType, 'mutability');
});

test('project: attributes and excludedAttributes, case-insensitive and URN-qualified; id and schemas always', (t) => {
  const resource = userToScim(
    {
      ...userFromScim({
        userName: 'a@example.com',
        displayName: 'A',
        [ENTERPRISE_SCHEMA]: { department: 'R' },
      }),
      id: 'u',
      version: 1,
    },
    BASE,
  );
  t.deepEqual(Object.keys(project(USER_TYPE, resource, ['USERNAME'])).sort(), ['id', 'schemas', 'userName']);
  const enterpriseOnly = project(USER_TYPE, resource, [`${ENTERPRISE_SCHEMA}:department`]);
  t.deepEqual(enterpriseOnly[ENTERPRISE_SCHEMA], { department: 'R' });
  const without = project(USER_TYPE, resource, undefined, ['displayName', 'id', 'meta']);
  t.false('displayName' in without);
  t.false('meta' in without);
  t.is(without.id, 'u', 'id cannot be excluded');
  t.is(resource.displayName, 'A', 'the resource itself is not changed');
});
