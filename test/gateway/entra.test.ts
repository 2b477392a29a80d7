import anyTest, { type TestFn } from 'ava';
import { ENTRA_HEADERS, patchOp, startGateway, type GatewayFixture } from '../helpers/gateway.js';

/**
 * Microsoft Entra ID, as its SCIM provisioning documentation and validator send:
 * capitalised op names, "True"/"False" strings, externalId lookups, enterprise
 * attributes with a bare manager id, value-filtered email paths, group member
 * removal by value list.
 */
const test = anyTest as TestFn<GatewayFixture>;

test.before(async (t) => {
  t.context = await startGateway();
});
test.after.always(async (t) => {
  await t.context.close();
});

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

function entraUser(userName: string, externalId: string) {
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE],
    externalId,
    userName,
    active: true,
    addresses: [
      {
        primary: true,
        type: 'work',
        country: 'NL',
        locality: 'Utrecht',
        postalCode: '3511',
        streetAddress: 'Main 1',
      },
    ],
    displayName: 'Ryan Leenay',
    emails: [{ primary: true, type: 'work', value: userName }],
    meta: { resourceType: 'User' },
    name: { familyName: 'Leenay', givenName: 'Ryan', formatted: 'Ryan Leenay' },
    phoneNumbers: [{ type: 'work', value: '+31 30 000 0000' }],
    title: 'Engineer',
    [ENTERPRISE]: { employeeNumber: 'E-1', department: 'Research', costCenter: 'CC1' },
  };
}

test('user lifecycle as Entra sends it', async (t) => {
  const { token } = await t.context.tenant();
  const scim = (m: string, p: string, body?: unknown) =>
    t.context.scim(m, p, { token, body, headers: ENTRA_HEADERS });
  const q = (f: string) => `/Users?filter=${encodeURIComponent(f)}`;

  // Entra checks for a match first, by userName, then by externalId.
  t.is((await scim('GET', q('userName eq "Test_User_ab6490ee@contoso.com"'))).body.totalResults, 0);
  const created = await scim(
    'POST',
    '/Users',
    entraUser('Test_User_ab6490ee@contoso.com', '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef'),
  );
  t.is(created.status, 201);
  const id = created.body.id;
  t.is(created.body[ENTERPRISE].department, 'Research');
  t.is(
    (await scim('GET', q('externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"'))).body.Resources[0].id,
    id,
  );
  t.is(
    (await scim('GET', q('externalId eq "0A21F0F2-8D2A-4F8E-BF98-7363C4AED4EF"'))).body.totalResults,
    0,
    'externalId is case-exact',
  );

  const manager = (await scim('POST', '/Users', entraUser('boss@contoso.com', 'ext-boss'))).body;
  const patched = await scim(
    'PATCH',
    `/Users/${id}`,
    patchOp(
      { op: 'Replace', path: 'displayName', value: 'Ryan L.' },
      { op: 'Replace', path: 'active', value: 'False' },
      { op: 'Add', path: 'emails[type eq "home"].value', value: 'ryan@home.example' },
      { op: 'Replace', path: 'emails[type eq "work"].value', value: 'ryan.l@contoso.com' },
      { op: 'Replace', path: `${ENTERPRISE}:department`, value: 'Marketing' },
      { op: 'Add', path: `${ENTERPRISE}:manager`, value: manager.id },
      { op: 'Replace', path: 'title', value: '' },
      { op: 'Replace', path: 'name.givenName', value: 'Ry' },
    ),
  );
  t.is(patched.status, 200);
  t.is(patched.body.displayName, 'Ryan L.');
  t.false(patched.body.active);
  t.deepEqual(
    patched.body.emails.map((e: any) => [e.type, e.value, e.primary]),
    [
      ['work', 'ryan.l@contoso.com', true],
      ['home', 'ryan@home.example', false],
    ],
  );
  t.is(patched.body[ENTERPRISE].department, 'Marketing');
  t.is(patched.body[ENTERPRISE].manager.value, manager.id);
  t.is(patched.body.title, undefined, 'an empty string clears');
  t.is(patched.body.name.givenName, 'Ry');
  t.is(patched.body.name.familyName, 'Leenay');

  const reenabled = await scim(
    'PATCH',
    `/Users/${id}`,
    patchOp(
      { op: 'Replace', path: 'active', value: 'True' },
      { op: 'Remove', path: `${ENTERPRISE}:manager` },
    ),
  );
  t.true(reenabled.body.active);
  t.is(reenabled.body[ENTERPRISE].manager, undefined);
  t.is(
    (await scim('PATCH', `/Users/${id}`, patchOp({ op: 'Replace', path: 'displayName', value: null }))).body
      .displayName,
    undefined,
    'null clears',
  );

  // Department attribute moves the user between departments.
  const log = await t.context.clients.directory.listDepartments({
    tenantId: (await t.context.clients.admin.authenticateToken({ token })).tenantId,
    query: {
      filter: undefined,
      orderBy: 'name',
      descending: false,
      offset: 0,
      limit: 10,
      cursor: '',
      skipTotal: false,
    },
  });
  t.deepEqual(
    log.departments.map((d) => d.name),
    ['Marketing', 'Research'],
    'Research stays for the manager',
  );

  t.is((await scim('DELETE', `/Users/${id}`)).status, 204);
  t.is((await scim('GET', `/Users/${id}`)).status, 404);
});

test('groups as Entra sends them: members excluded on lookup, add, remove by value list, remove all, rename', async (t) => {
  const { token } = await t.context.tenant();
  const scim = (m: string, p: string, body?: unknown) =>
    t.context.scim(m, p, { token, body, headers: ENTRA_HEADERS });
  const users = [];
  for (const n of [1, 2, 3])
    users.push((await scim('POST', '/Users', entraUser(`u${n}@contoso.com`, `ext-${n}`))).body);
  const lookup = await scim(
    'GET',
    `/Groups?excludedAttributes=members&filter=${encodeURIComponent('displayName eq "Group1DisplayName"')}`,
  );
  t.is(lookup.body.totalResults, 0);
  const created = await scim('POST', '/Groups', {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
    externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
    displayName: 'Group1DisplayName',
    meta: { resourceType: 'Group' },
  });
  t.is(created.status, 201);
  const id = created.body.id;
  t.is(created.body.externalId, '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159');
  const found = await scim(
    'GET',
    `/Groups?excludedAttributes=members&filter=${encodeURIComponent('externalId eq "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159"')}`,
  );
  t.is(found.body.Resources[0].members, undefined);
  t.is((await scim('GET', `/Groups/${id}?excludedAttributes=members`)).body.members, undefined);

  await scim(
    'PATCH',
    `/Groups/${id}`,
    patchOp({ op: 'Add', path: 'members', value: users.map((u) => ({ value: u.id })) }),
  );
  const memberCheck = await scim(
    'GET',
    `/Groups?filter=${encodeURIComponent(`id eq "${id}" and members[value eq "${users[0].id}"]`)}&excludedAttributes=members`,
  );
  t.is(memberCheck.body.totalResults, 1);
  await scim(
    'PATCH',
    `/Groups/${id}`,
    patchOp({ op: 'Remove', path: 'members', value: [{ value: users[0].id }, { value: users[1].id }] }),
  );
  t.deepEqual(
    (await scim('GET', `/Groups/${id}`)).body.members.map((m: any) => m.value),
    [users[2].id],
  );
  t.is(
    (await scim('GET', `/Groups?filter=${encodeURIComponent(`members[value eq "${users[0].id}"]`)}`)).body
      .totalResults,
    0,
  );

  await scim(
    'PATCH',
    `/Groups/${id}`,
    patchOp({ op: 'Replace', path: 'displayName', value: 'Group1 Renamed' }),
  );
  await scim('PATCH', `/Groups/${id}`, patchOp({ op: 'Remove', path: 'members' }));
  const after = (await scim('GET', `/Groups/${id}`)).body;
  t.is(after.displayName, 'Group1 Renamed');
  t.false('members' in after, 'an emptied group has no members attribute');
  t.is((await scim('DELETE', `/Groups/${id}`)).status, 204);
});

test('the manager in each shape Entra and RFC 7643 send; Replace with an empty value removes it', async (t) => {
  const { tenant, scim: request } = t.context;
  const { token } = await tenant('Managers');
  const scim = (method: string, path: string, body?: unknown) =>
    request(method, path, { token, body, headers: ENTRA_HEADERS });
  const boss = (await scim('POST', '/Users', entraUser('mgr-boss@contoso.com', 'ext-mgr-boss'))).body;
  const user = (await scim('POST', '/Users', entraUser('mgr-user@contoso.com', 'ext-mgr-user'))).body;
  t.truthy(boss.id && user.id, 'both users were created');
  const manager = async () => (await scim('GET', `/Users/${user.id}`)).body[ENTERPRISE]?.manager;
  const cases: Array<[string, unknown]> = [
    // Microsoft's documented form: https://learn.microsoft.com (SCIM provisioning, "Update User [Add manager]").
    ['a one-element array of {$ref, value}', [{ $ref: null, value: boss.id }]],
    ['an object', { value: boss.id }],
    ['a bare id', boss.id],
  ];
  for (const [shape, value] of cases) {
    const cleared = await scim(
      'PATCH',
      `/Users/${user.id}`,
      patchOp({ op: 'Remove', path: `${ENTERPRISE}:manager` }),
    );
    t.is(cleared.status, 200, shape);
    t.is(await manager(), undefined, `${shape}: no manager before`);
    const set = await scim(
      'PATCH',
      `/Users/${user.id}`,
      patchOp({ op: 'Add', path: `${ENTERPRISE}:manager`, value }),
    );
    t.is(set.status, 200, `${shape}: ${JSON.stringify(set.body)}`);
    t.is((await manager())?.value, boss.id, shape);
  }
  for (const empty of ['', [], null, { value: '' }]) {
    await scim(
      'PATCH',
      `/Users/${user.id}`,
      patchOp({ op: 'Add', path: `${ENTERPRISE}:manager`, value: boss.id }),
    );
    t.is((await manager())?.value, boss.id, 'the manager is set again');
    const replaced = await scim(
      'PATCH',
      `/Users/${user.id}`,
      patchOp({ op: 'Replace', path: `${ENTERPRISE}:manager`, value: empty }),
    );
    t.is(replaced.status, 200, JSON.stringify(empty));
    t.is(await manager(), undefined, `Replace with ${JSON.stringify(empty)} removes the manager`);
  }
  const two = await scim(
    'PATCH',
    `/Users/${user.id}`,
    patchOp({ op: 'Add', path: `${ENTERPRISE}:manager`, value: [{ value: boss.id }, { value: user.id }] }),
  );
  t.is(two.status, 400);
  t.is(two.body.scimType, 'invalidValue');
});
