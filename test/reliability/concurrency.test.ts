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
  // An empty group has no members attribute (RFC 7643 §2.5).
  t.false('members' in (await t.context.scim('GET', `/Groups/${group.id}`, { token })).body);
});

// Optimistic concurrency is checked in the directory's write transaction (security review,
// finding 5): 412 only when nothing was written, one winner among racers, and a PATCH that
// named no version is never answered 412.

/** A group with one member, as a client reads it, and two users who are not members yet. */
async function groupWithMember(t: { context: GatewayFixture }, name: string) {
  const { token } = await t.context.tenant();
  const users = await Promise.all(
    ['m0', 'm1', 'm2'].map(
      async (u) =>
        (await t.context.scim('POST', '/Users', { token, body: oktaUser(`${u}.${name}@example.com`) })).body,
    ),
  );
  const group = (
    await t.context.scim('POST', '/Groups', {
      token,
      body: { displayName: name, members: [{ value: users[0].id }] },
    })
  ).body;
  const read = async () => {
    const res = await t.context.scim('GET', `/Groups/${group.id}`, { token });
    return {
      displayName: res.body.displayName as string,
      version: res.headers.get('etag'),
      members: ((res.body.members ?? []) as { value: string }[]).map((m) => m.value).sort(),
    };
  };
  return { token, users, group, read };
}

test('group PATCH with the current If-Match succeeds with one new version; a stale one is 412 and changes nothing', async (t) => {
  const { token, users, group, read } = await groupWithMember(t, 'Patched');
  const before = await read();
  t.is(before.version, 'W/"1"');
  const stale = await t.context.scim('PATCH', `/Groups/${group.id}`, {
    token,
    headers: { 'If-Match': 'W/"7"' },
    body: patchOp(
      { op: 'replace', path: 'displayName', value: 'Stale' },
      { op: 'add', path: 'members', value: [{ value: users[1].id }] },
    ),
  });
  t.is(stale.status, 412);
  t.deepEqual(await read(), before);

  const current = await t.context.scim('PATCH', `/Groups/${group.id}`, {
    token,
    headers: { 'If-Match': before.version! },
    body: patchOp(
      { op: 'replace', path: 'displayName', value: 'Patched again' },
      { op: 'add', path: 'members', value: [{ value: users[1].id }] },
    ),
  });
  t.is(current.status, 204);
  t.is(current.headers.get('etag'), 'W/"2"');
  t.deepEqual(await read(), {
    displayName: 'Patched again',
    version: 'W/"2"',
    members: [users[0].id, users[1].id].sort(),
  });
});

test('racing member changes by group PATCH and PUT with the same If-Match: exactly one succeeds, the rest are 412', async (t) => {
  for (const method of ['PATCH', 'PUT']) {
    const name = `Race ${method}`;
    const { token, users, group, read } = await groupWithMember(t, name);
    const before = await read();
    // Each racer makes the members someone other than the current one: a real change, same name.
    const memberOf = (i: number) => users[1 + (i % 2)].id as string;
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        t.context.scim(method, `/Groups/${group.id}`, {
          token,
          headers: { 'If-Match': before.version! },
          body:
            method === 'PATCH'
              ? patchOp({ op: 'replace', path: 'members', value: [{ value: memberOf(i) }] })
              : { displayName: name, members: [{ value: memberOf(i) }] },
        }),
      ),
    );
    const statuses = results.map((r) => r.status);
    t.is(statuses.filter((s) => s === 200 || s === 204).length, 1, `${method}: ${statuses.join(',')}`);
    t.is(statuses.filter((s) => s === 412).length, 5, `${method}: ${statuses.join(',')}`);
    const winner = statuses.findIndex((s) => s !== 412);
    t.deepEqual(await read(), { displayName: name, version: 'W/"2"', members: [memberOf(winner)] });
  }
});

test('DELETE with a stale If-Match is 412 and keeps the resource; with the current one it is 204', async (t) => {
  const { token, group } = await groupWithMember(t, 'Deleted');
  const user = (await t.context.scim('POST', '/Users', { token, body: oktaUser('deleted@example.com') }))
    .body;
  for (const path of [`/Groups/${group.id}`, `/Users/${user.id}`]) {
    const stale = await t.context.scim('DELETE', path, { token, headers: { 'If-Match': 'W/"999"' } });
    t.is(stale.status, 412, path);
    const kept = await t.context.scim('GET', path, { token });
    t.is(kept.status, 200, path);
    const current = await t.context.scim('DELETE', path, {
      token,
      headers: { 'If-Match': kept.headers.get('etag')! },
    });
    t.is(current.status, 204, path);
    t.is((await t.context.scim('GET', path, { token })).status, 404, path);
  }
});

test('20 parallel user PATCHes without If-Match each add their email: all 200, none lost', async (t) => {
  const { token } = await t.context.tenant();
  const user = (await t.context.scim('POST', '/Users', { token, body: oktaUser('many@example.com') })).body;
  const added = Array.from({ length: 20 }, (_, i) => `alias${i}@example.com`);
  const results = await Promise.all(
    added.map((value) =>
      t.context.scim('PATCH', `/Users/${user.id}`, {
        token,
        body: patchOp({ op: 'add', path: 'emails', value: [{ value, type: 'other' }] }),
      }),
    ),
  );
  t.deepEqual(
    results.map((r) => r.status),
    added.map(() => 200),
  );
  const after = (await t.context.scim('GET', `/Users/${user.id}`, { token })).body;
  const emails = (after.emails as { value: string }[]).map((e) => e.value);
  t.deepEqual(emails.filter((e) => e.startsWith('alias')).sort(), [...added].sort());
  t.true(emails.includes('many@example.com'));
  t.is(after.meta.version, 'W/"21"');
});

test('a group PATCH whose member part is refused leaves the rename unapplied', async (t) => {
  const { token, group, read } = await groupWithMember(t, 'Atomic');
  const before = await read();
  const res = await t.context.scim('PATCH', `/Groups/${group.id}`, {
    token,
    body: patchOp(
      { op: 'replace', path: 'displayName', value: 'Half done' },
      { op: 'add', path: 'members', value: [{ value: 'x'.repeat(600) }] },
    ),
  });
  t.is(res.status, 400);
  t.is(res.body.scimType, 'invalidValue');
  t.deepEqual(await read(), before);
});
