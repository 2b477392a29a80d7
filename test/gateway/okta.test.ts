import anyTest, { type TestFn } from 'ava';
import { oktaUser, patchOp, startGateway, type GatewayFixture } from '../helpers/gateway.js';
import { eventsQuery } from '../helpers/watch.js';

/**
 * Okta, request by request: the flows of Okta's SCIM 2.0 reference and the
 * assertions of its "SCIM 2.0 Spec Test" and "CRUD Test" runners, with Okta's
 * own headers (Content-Type application/scim+json; charset=utf-8, User-Agent).
 */
const test = anyTest as TestFn<GatewayFixture>;

test.before(async (t) => {
  t.context = await startGateway();
});
test.after.always(async (t) => {
  await t.context.close();
});

const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

test('Test API Credentials, with the token pasted bare (Header Auth) or as Bearer', async (t) => {
  const { token } = await t.context.tenant();
  for (const auth of [token, `Bearer ${token}`, `bearer ${token}`, `BEARER  ${token}`]) {
    const res = await t.context.scim('GET', '/Users?startIndex=1&count=2', { auth });
    t.is(res.status, 200, auth.slice(0, 8));
    t.is(res.headers.get('content-type'), 'application/scim+json; charset=utf-8');
    t.deepEqual(res.body.schemas, [LIST]);
    t.is(typeof res.body.totalResults, 'number');
    t.is(typeof res.body.startIndex, 'number');
    t.is(typeof res.body.itemsPerPage, 'number');
    t.true(Array.isArray(res.body.Resources));
  }
  const groups = await t.context.scim('GET', '/Groups?count=100&startIndex=1', { token });
  t.is(groups.status, 200);
});

test('Spec Test: users endpoint, get by id, unknown userName and id, create, verify, duplicate, case-insensitive userName', async (t) => {
  const { token } = await t.context.tenant();
  const scim = (m: string, p: string, body?: unknown) => t.context.scim(m, p, { token, body });
  await scim('POST', '/Users', oktaUser('first.user@example.com'));

  const page = await scim('GET', '/Users?count=1&startIndex=1');
  t.is(page.body.Resources.length, 1);
  t.is(page.body.itemsPerPage, 1);
  const firstId = page.body.Resources[0].id;
  const one = await scim('GET', `/Users/${firstId}`);
  t.is(one.status, 200);
  t.is(one.body.id, firstId);
  t.true(one.body.schemas.includes('urn:ietf:params:scim:schemas:core:2.0:User'));
  t.truthy(one.body.userName);

  const none = await scim(
    'GET',
    `/Users?filter=${encodeURIComponent('userName eq "invalidUser@example.com"')}`,
  );
  t.is(none.status, 200);
  t.is(none.body.totalResults, 0);
  t.deepEqual(none.body.Resources, []);

  const missing = await scim('GET', '/Users/010101010101010101');
  t.is(missing.status, 404);
  t.deepEqual(missing.body.schemas, [ERROR]);
  t.is(missing.body.status, '404');
  t.truthy(missing.body.detail);

  const userName = 'Realistic.Person@Example.com';
  const body = oktaUser(userName);
  const lookup = await scim(
    'GET',
    `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}&startIndex=1&count=100`,
  );
  t.is(lookup.body.totalResults, 0);
  const created = await scim('POST', '/Users', body);
  t.is(created.status, 201);
  t.true(created.body.active);
  t.truthy(created.body.id);
  t.is(created.body.name.familyName, body.name.familyName);
  t.is(created.body.name.givenName, body.name.givenName);
  t.is(created.body.userName, userName);
  t.true(created.body.schemas.includes('urn:ietf:params:scim:schemas:core:2.0:User'));
  t.is(created.body.password, undefined, 'password is never returned');
  t.is(created.headers.get('location'), `${t.context.base}/Users/${created.body.id}`);
  t.is(created.headers.get('etag'), 'W/"1"');

  const verify = await scim('GET', `/Users/${created.body.id}`);
  t.is(verify.body.userName, userName);
  t.is(verify.body.name.givenName, body.name.givenName);

  const again = await scim('POST', '/Users', body);
  t.is(again.status, 409);
  t.is(again.body.scimType, 'uniqueness');
  t.deepEqual(again.body.schemas, [ERROR]);

  const caps = await scim(
    'GET',
    `/Users?filter=${encodeURIComponent(`userName eq "${userName.toUpperCase()}"`)}`,
  );
  t.is(caps.body.totalResults, 1);
  t.is(caps.body.Resources[0].userName, userName);
});

test('CRUD: assign (match, create), profile push by PUT, deactivate, reactivate, unassign with delete', async (t) => {
  const { token } = await t.context.tenant();
  const scim = (m: string, p: string, body?: unknown) => t.context.scim(m, p, { token, body });
  const userName = 'crud.user@example.com';
  t.is(
    (
      await scim(
        'GET',
        `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}&startIndex=1&count=100`,
      )
    ).body.totalResults,
    0,
  );
  const created = await scim(
    'POST',
    '/Users',
    oktaUser(userName, {
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'Engineering' },
    }),
  );
  t.is(created.status, 201);
  const id = created.body.id;

  // Profile push: Okta PUTs the whole user as it read it back, with changes.
  const read = (await scim('GET', `/Users/${id}`)).body;
  const put = await scim('PUT', `/Users/${id}`, {
    ...read,
    title: 'Staff Engineer',
    name: { ...read.name, familyName: 'Changed' },
    password: 'newpass1',
  });
  t.is(put.status, 200);
  t.is(put.body.id, id);
  t.is(put.body.title, 'Staff Engineer');
  t.is(put.body.name.familyName, 'Changed');
  t.is(put.body.meta.version, 'W/"2"');
  t.is(put.body['urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'].department, 'Engineering');
  // The same PUT again changes nothing (no new version).
  const echo = await scim('PUT', `/Users/${id}`, put.body);
  t.is(echo.body.meta.version, 'W/"2"');

  const deactivated = await scim(
    'PATCH',
    `/Users/${id}`,
    patchOp({ op: 'replace', value: { active: false } }),
  );
  t.is(deactivated.status, 200);
  t.false(deactivated.body.active);
  t.is(
    (await scim('PATCH', `/Users/${id}`, patchOp({ op: 'replace', value: { active: false } }))).status,
    200,
    'idempotent',
  );
  // Still readable and findable.
  t.false((await scim('GET', `/Users/${id}`)).body.active);
  t.is(
    (await scim('GET', `/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`)).body.Resources[0]
      .id,
    id,
  );

  const reactivated = await scim(
    'PATCH',
    `/Users/${id}`,
    patchOp({ op: 'replace', value: { active: true } }),
  );
  t.true(reactivated.body.active);
  t.is(reactivated.body.id, id);

  t.is((await scim('DELETE', `/Users/${id}`)).status, 204);
  t.is((await scim('GET', `/Users/${id}`)).status, 404);
  t.is((await scim('DELETE', `/Users/${id}`)).status, 404);
});

test('Push Groups: create, the id+displayName replace, add without type, lookup, rename, remove, replace, delete', async (t) => {
  const { token, tenantId } = await t.context.tenant();
  const scim = (m: string, p: string, body?: unknown) => t.context.scim(m, p, { token, body });
  const ann = (await scim('POST', '/Users', oktaUser('ann.a@example.com'))).body;
  const bob = (await scim('POST', '/Users', oktaUser('bob.b@example.com'))).body;

  const lookup = await scim(
    'GET',
    `/Groups?filter=${encodeURIComponent('displayName eq "Test SCIMv2"')}&startIndex=1&count=100`,
  );
  t.is(lookup.body.totalResults, 0);
  const created = await scim('POST', '/Groups', {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
    displayName: 'Test SCIMv2',
    members: [],
  });
  t.is(created.status, 201);
  t.is(created.body.displayName, 'Test SCIMv2');
  t.false('members' in created.body, 'an empty group has no members attribute');
  const id = created.body.id;
  t.is(created.headers.get('location'), `${t.context.base}/Groups/${id}`);

  // Okta sends this after every create and membership change: it must not touch members nor 409.
  const same = await scim(
    'PATCH',
    `/Groups/${id}`,
    patchOp({ op: 'replace', value: { id, displayName: 'Test SCIMv2' } }),
  );
  t.is(same.status, 204);

  const added = await scim(
    'PATCH',
    `/Groups/${id}`,
    patchOp({
      op: 'add',
      path: 'members',
      value: [
        { value: ann.id, display: ann.userName },
        { value: bob.id, display: bob.userName },
      ],
    }),
  );
  t.is(added.status, 204);
  t.is(
    (
      await scim(
        'PATCH',
        `/Groups/${id}`,
        patchOp({ op: 'replace', value: { id, displayName: 'Test SCIMv2' } }),
      )
    ).status,
    204,
  );
  const group = (await scim('GET', `/Groups/${id}`)).body;
  t.deepEqual(group.members.map((m: any) => m.value).sort(), [ann.id, bob.id].sort());
  t.deepEqual(
    group.members.find((m: any) => m.value === ann.id),
    { value: ann.id, $ref: `${t.context.base}/Users/${ann.id}`, display: ann.userName, type: 'User' },
  );
  t.deepEqual(
    (await scim('GET', `/Users/${ann.id}`)).body.groups.map((g: any) => g.display),
    ['Test SCIMv2'],
  );

  const found = await scim(
    'GET',
    `/Groups?filter=${encodeURIComponent('displayName eq "test scimv2"')}&startIndex=1&count=100`,
  );
  t.is(found.body.totalResults, 1);
  t.is(found.body.Resources[0].id, id);

  const renamed = await scim(
    'PATCH',
    `/Groups/${id}`,
    patchOp({ op: 'replace', value: { id, displayName: 'Renamed SCIMv2' } }),
  );
  t.is(renamed.status, 204);
  t.is((await scim('GET', `/Groups/${id}`)).body.displayName, 'Renamed SCIMv2');

  const removed = await scim(
    'PATCH',
    `/Groups/${id}`,
    patchOp({ op: 'remove', path: `members[value eq "${ann.id}"]` }),
  );
  t.is(removed.status, 204);
  t.deepEqual(
    (await scim('GET', `/Groups/${id}`)).body.members.map((m: any) => m.value),
    [bob.id],
  );
  // Removing a non-member and adding an existing member both succeed.
  t.is(
    (await scim('PATCH', `/Groups/${id}`, patchOp({ op: 'remove', path: `members[value eq "${ann.id}"]` })))
      .status,
    204,
  );
  t.is(
    (
      await scim(
        'PATCH',
        `/Groups/${id}`,
        patchOp({ op: 'add', path: 'members', value: [{ value: bob.id }] }),
      )
    ).status,
    204,
  );

  await scim(
    'PATCH',
    `/Groups/${id}`,
    patchOp({ op: 'replace', path: 'members', value: [{ value: ann.id }] }),
  );
  t.deepEqual(
    (await scim('GET', `/Groups/${id}`)).body.members.map((m: any) => m.value),
    [ann.id],
  );
  await scim('PATCH', `/Groups/${id}`, patchOp({ op: 'replace', path: 'members', value: [] }));
  t.false('members' in (await scim('GET', `/Groups/${id}`)).body);

  // A member Okta sends that is not provisioned here is skipped and logged, not a failed push.
  const stranger = '00000000-0000-4000-8000-000000000001';
  t.is(
    (
      await scim(
        'PATCH',
        `/Groups/${id}`,
        patchOp({ op: 'add', path: 'members', value: [{ value: stranger }, { value: ann.id }] }),
      )
    ).status,
    204,
  );
  t.deepEqual(
    (await scim('GET', `/Groups/${id}`)).body.members.map((m: any) => m.value),
    [ann.id],
  );
  const log = await t.context.clients.directory.listEvents(
    eventsQuery(tenantId, { resourceId: id, problemsOnly: true, limit: 5 }),
  );
  t.regex(log.events[0]!.reason, new RegExp(stranger));

  t.is((await scim('DELETE', `/Groups/${id}`)).status, 204);
  t.is((await scim('GET', `/Groups/${id}`)).status, 404);
  t.deepEqual((await scim('GET', `/Users/${ann.id}`)).body.groups, undefined);
});

test('a pushed group adopts the department users’ attributes created; a second push of the name is 409', async (t) => {
  const { token } = await t.context.tenant();
  const scim = (m: string, p: string, body?: unknown) => t.context.scim(m, p, { token, body });
  const user = (
    await scim(
      'POST',
      '/Users',
      oktaUser('dee.d@example.com', {
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'Finance' },
      }),
    )
  ).body;
  // An attribute-only department is not a SCIM group.
  t.is(
    (await scim('GET', `/Groups?filter=${encodeURIComponent('displayName eq "Finance"')}`)).body.totalResults,
    0,
  );
  const pushed = await scim('POST', '/Groups', { displayName: 'FINANCE', members: [{ value: user.id }] });
  t.is(pushed.status, 201);
  t.is(pushed.body.displayName, 'FINANCE');
  t.deepEqual(
    pushed.body.members.map((m: any) => m.value),
    [user.id],
  );
  const second = await scim('POST', '/Groups', { displayName: 'finance', members: [] });
  t.is(second.status, 409);
  t.is(second.body.scimType, 'uniqueness');
  // Removing the user from the group leaves the attribute membership: the user is not a group member.
  await scim(
    'PATCH',
    `/Groups/${pushed.body.id}`,
    patchOp({ op: 'remove', path: `members[value eq "${user.id}"]` }),
  );
  t.false('members' in (await scim('GET', `/Groups/${pushed.body.id}`)).body);
});
