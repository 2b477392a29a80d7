import anyTest, { type TestFn } from 'ava';
import fc from 'fast-check';
import {
  oktaUser,
  patchOp,
  startGateway,
  type GatewayFixture,
  type ScimResponse,
} from '../helpers/gateway.js';

/**
 * Bad input never reaches a 500: generated filters, PATCH operations and resource
 * bodies each get a 2xx or a 4xx SCIM error, and another tenant's data never changes.
 */
interface Ctx extends GatewayFixture {
  token: string;
  userId: string;
  groupId: string;
  bystander: { token: string };
  snapshot: () => Promise<string>;
  /** The bystander tenant's data before any fuzzing. */
  before: string;
}
const test = anyTest as TestFn<Ctx>;

test.before(async (t) => {
  const fixture = await startGateway({
    rateLimits: { default: { rps: 100_000, burst: 100_000 }, tenants: {} },
  });
  const { token } = await fixture.tenant('Fuzzed');
  const bystander = await fixture.tenant('Bystander');
  const userId = (await fixture.scim('POST', '/Users', { token, body: oktaUser('fuzz.target@example.com') }))
    .body.id;
  const groupId = (
    await fixture.scim('POST', '/Groups', {
      token,
      body: { displayName: 'Fuzz group', members: [{ value: userId }] },
    })
  ).body.id;
  await fixture.scim('POST', '/Users', {
    token: bystander.token,
    body: oktaUser('bystander@example.com', {
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User': { department: 'Safe' },
    }),
  });
  await fixture.scim('POST', '/Groups', {
    token: bystander.token,
    body: { displayName: 'Bystanders', members: [] },
  });
  const snapshot = async () =>
    JSON.stringify([
      (await fixture.scim('GET', '/Users?count=1000', { token: bystander.token })).body,
      (await fixture.scim('GET', '/Groups?count=1000', { token: bystander.token })).body,
    ]);
  t.context = { ...fixture, token, userId, groupId, bystander, snapshot, before: await snapshot() };
});
test.after.always(async (t) => {
  await t.context.close();
});

function acceptable(res: ScimResponse): boolean {
  if (res.status >= 200 && res.status < 300) return true;
  return (
    res.status >= 400 &&
    res.status < 500 &&
    res.body?.schemas?.[0] === 'urn:ietf:params:scim:api:messages:2.0:Error' &&
    typeof res.body.detail === 'string'
  );
}

const json = fc.jsonValue({ maxDepth: 4 });
const name = fc.oneof(
  fc.constantFrom(
    'userName',
    'displayName',
    'emails',
    'emails.value',
    'emails[type eq "work"].value',
    'name.givenName',
    'active',
    'members',
    'externalId',
    'id',
    'meta',
    'groups',
    'title',
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department',
    'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager',
    '__proto__',
    'constructor.prototype',
    'members[value eq "x"]',
    'emails[',
    'a]b',
    '',
  ),
  fc.string({ maxLength: 30 }),
);
const filterText = fc.oneof(
  fc.string({ maxLength: 80 }),
  fc
    .tuple(
      name,
      fc.constantFrom('eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le', 'pr', 'xx'),
      fc.oneof(
        fc.string({ maxLength: 10 }).map((s) => JSON.stringify(s)),
        fc.constantFrom('true', 'false', 'null', '12', '-3.5e2', 'bare'),
      ),
    )
    .map(([a, op, v]) => `${a} ${op} ${v}`),
  fc
    .tuple(fc.string({ maxLength: 10 }), fc.constantFrom('and', 'or', 'not', '(', ')', '[', ']'))
    .map(([a, b]) => `${a} ${b} ${a}`),
);
const operation = fc.record(
  {
    op: fc.oneof(
      fc.constantFrom('add', 'replace', 'remove', 'Add', 'REPLACE', 'delete'),
      fc.string({ maxLength: 5 }),
    ),
    path: fc.option(name, { nil: undefined }),
    value: json,
  },
  { requiredKeys: ['op'] },
);

test.serial('generated filters on Users and Groups', async (t) => {
  await fc.assert(
    fc.asyncProperty(filterText, fc.constantFrom('/Users', '/Groups'), async (filter, endpoint) => {
      const res = await t.context.scim('GET', `${endpoint}?filter=${encodeURIComponent(filter)}`, {
        token: t.context.token,
      });
      if (!acceptable(res))
        t.fail(`${endpoint} filter=${filter} → ${res.status} ${JSON.stringify(res.body)}`);
      return acceptable(res);
    }),
    { numRuns: 300 },
  );
  t.pass();
});

test.serial('generated PATCH operations on a user and a group', async (t) => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(operation, { minLength: 0, maxLength: 4 }),
      fc.boolean(),
      async (operations, onGroup) => {
        const path = onGroup ? `/Groups/${t.context.groupId}` : `/Users/${t.context.userId}`;
        const res = await t.context.scim('PATCH', path, {
          token: t.context.token,
          body: patchOp(...operations),
        });
        if (!acceptable(res))
          t.fail(`PATCH ${path} ${JSON.stringify(operations)} → ${res.status} ${JSON.stringify(res.body)}`);
        return acceptable(res);
      },
    ),
    { numRuns: 300 },
  );
  t.pass();
});

test.serial('generated resource bodies for POST and PUT', async (t) => {
  const body = fc.oneof(
    fc.dictionary(name, json, { maxKeys: 6 }),
    fc.record(
      {
        userName: fc.oneof(fc.emailAddress(), json),
        emails: json,
        name: json,
        active: json,
        members: json,
        displayName: json,
      },
      { requiredKeys: [] },
    ),
    json,
  );
  await fc.assert(
    fc.asyncProperty(
      body,
      fc.constantFrom('POST /Users', 'PUT /Users', 'POST /Groups', 'PUT /Groups'),
      async (value, route) => {
        const [method, endpoint] = route.split(' ') as [string, string];
        const target =
          method === 'PUT'
            ? `${endpoint}/${endpoint === '/Users' ? t.context.userId : t.context.groupId}`
            : endpoint;
        const res = await t.context.scim(method, target, {
          token: t.context.token,
          body: JSON.stringify(value),
        });
        if (!acceptable(res))
          t.fail(`${method} ${target} ${JSON.stringify(value)} → ${res.status} ${JSON.stringify(res.body)}`);
        return acceptable(res);
      },
    ),
    { numRuns: 300 },
  );
  t.pass();
});

// Serial and last: after every generated request above, plus direct attempts at the bystander's ids.
test.serial('the other tenant’s data never changed', async (t) => {
  const theirs = JSON.parse(t.context.before)[0].Resources[0].id as string;
  for (const method of ['GET', 'PUT', 'PATCH', 'DELETE']) {
    const body =
      method === 'PUT'
        ? oktaUser('hijack@example.com')
        : method === 'PATCH'
          ? patchOp({ op: 'replace', value: { active: false } })
          : undefined;
    t.is((await t.context.scim(method, `/Users/${theirs}`, { token: t.context.token, body })).status, 404);
  }
  t.is(await t.context.snapshot(), t.context.before);
});
