import anyTest, { type TestFn } from 'ava';
import { oktaUser, patchOp, startGateway, type GatewayFixture } from '../helpers/gateway.js';

const test = anyTest as TestFn<GatewayFixture>;

test.before(async (t) => {
  t.context = await startGateway();
});
test.after.always(async (t) => {
  await t.context.close();
});

test('concurrent PUTs with the same If-Match: one 200, the others 412', async (t) => {
  const { token } = await t.context.tenant();
  const user = (await t.context.scim('POST', '/Users', { token, body: oktaUser('race@example.com') })).body;
  const results = await Promise.all(
    Array.from({ length: 6 }, (_, i) =>
      t.context.scim('PUT', `/Users/${user.id}`, {
        token,
        body: { ...user, title: `Title ${i}` },
        headers: { 'If-Match': 'W/"1"' },
      }),
    ),
  );
  t.is(results.filter((r) => r.status === 200).length, 1);
  t.is(results.filter((r) => r.status === 412).length, 5);
  const winner = results.find((r) => r.status === 200)!.body;
  t.is((await t.context.scim('GET', `/Users/${user.id}`, { token })).body.title, winner.title);
});

test('interleaved member adds and removes end in exactly the expected set', async (t) => {
  const { token } = await t.context.tenant();
  const users = await Promise.all(
    Array.from({ length: 30 }, (_, i) =>
      t.context.scim('POST', '/Users', { token, body: oktaUser(`i${i}@example.com`) }),
    ),
  );
  const ids = users.map((u) => u.body.id as string);
  const group = (
    await t.context.scim('POST', '/Groups', {
      token,
      body: { displayName: 'Churn', members: ids.slice(0, 15).map((value) => ({ value })) },
    })
  ).body;
  // Each user gets a sequence of add/remove ops that ends in a known state, all users at once.
  const expected = new Set<string>();
  await Promise.all(
    ids.map(async (id, i) => {
      const ops =
        i % 3 === 0
          ? ['add', 'remove', 'add']
          : i % 3 === 1
            ? ['remove', 'add', 'remove']
            : ['add', 'add', 'remove', 'remove'];
      if (ops[ops.length - 1] === 'add') expected.add(id);
      for (const op of ops) {
        const body =
          op === 'add'
            ? patchOp({ op: 'add', path: 'members', value: [{ value: id }] })
            : patchOp({ op: 'remove', path: `members[value eq "${id}"]` });
        t.is((await t.context.scim('PATCH', `/Groups/${group.id}`, { token, body })).status, 204);
      }
    }),
  );
  const members = (await t.context.scim('GET', `/Groups/${group.id}`, { token })).body.members.map(
    (m: { value: string }) => m.value,
  );
  t.deepEqual(members.sort(), [...expected].sort());
});

test('delete racing updates: only 2xx or 404, and the user is gone everywhere afterwards', async (t) => {
  const { token } = await t.context.tenant();
  const user = (await t.context.scim('POST', '/Users', { token, body: oktaUser('doomed@example.com') })).body;
  const group = (
    await t.context.scim('POST', '/Groups', {
      token,
      body: { displayName: 'Doomed group', members: [{ value: user.id }] },
    })
  ).body;
  const requests = [
    ...Array.from({ length: 10 }, (_, i) =>
      t.context.scim('PATCH', `/Users/${user.id}`, {
        token,
        body: patchOp({ op: 'replace', path: 'title', value: `T${i}` }),
      }),
    ),
    ...Array.from({ length: 5 }, (_, i) =>
      t.context.scim('PUT', `/Users/${user.id}`, { token, body: { ...user, displayName: `D${i}` } }),
    ),
    t.context.scim('DELETE', `/Users/${user.id}`, { token }),
    ...Array.from({ length: 5 }, () =>
      t.context.scim('PATCH', `/Groups/${group.id}`, {
        token,
        body: patchOp({ op: 'add', path: 'members', value: [{ value: user.id }] }),
      }),
    ),
  ];
  const statuses = (await Promise.all(requests)).map((r) => r.status);
  t.true(
    statuses.every((s) => (s >= 200 && s < 300) || s === 404),
    statuses.join(','),
  );
  t.is((await t.context.scim('GET', `/Users/${user.id}`, { token })).status, 404);
  t.is(
    (
      await t.context.scim('GET', `/Users?filter=${encodeURIComponent('userName eq "doomed@example.com"')}`, {
        token,
      })
    ).body.totalResults,
    0,
  );
  t.deepEqual((await t.context.scim('GET', `/Groups/${group.id}`, { token })).body.members, []);
});
