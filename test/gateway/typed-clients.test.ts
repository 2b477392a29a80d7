import anyTest, { type TestFn } from 'ava';
import { oktaUser, patchOp, startGateway, type GatewayFixture } from '../helpers/gateway.js';

/**
 * What clients built on typed SCIM models (scim2-models and its tester) send, beyond Okta
 * and Entra: an extension's value object carrying its own `schemas`, and `remove` of
 * `active`.
 */
const test = anyTest as TestFn<GatewayFixture>;
test.before(async (t) => {
  t.context = await startGateway();
});
test.after.always(async (t) => {
  await t.context.close();
});

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

test('an extension value object may carry its own "schemas": accepted and ignored, by path and without', async (t) => {
  const { token } = await t.context.tenant('Typed');
  const user = (await t.context.scim('POST', '/Users', { token, body: oktaUser('typed@example.com') })).body;
  t.truthy(user.id, 'the user was created');
  for (const [op, department] of [
    ['add', 'Research'],
    ['replace', 'Finance'],
  ] as const) {
    const byPath = await t.context.scim('PATCH', `/Users/${user.id}`, {
      token,
      body: patchOp({ op, path: ENTERPRISE, value: { schemas: [ENTERPRISE], department } }),
    });
    t.is(byPath.status, 200, JSON.stringify(byPath.body));
    t.is(byPath.body[ENTERPRISE].department, department);
    t.false('schemas' in byPath.body[ENTERPRISE], 'the extension keeps no "schemas" attribute');
  }
  const pathless = await t.context.scim('PATCH', `/Users/${user.id}`, {
    token,
    body: patchOp({ op: 'replace', value: { [ENTERPRISE]: { schemas: [ENTERPRISE], department: 'Legal' } } }),
  });
  t.is(pathless.status, 200, JSON.stringify(pathless.body));
  t.is(pathless.body[ENTERPRISE].department, 'Legal');
});

test('remove of active leaves the user not active (unassigned reads as false), and GET shows it', async (t) => {
  const { token } = await t.context.tenant('Removers');
  const user = (
    await t.context.scim('POST', '/Users', { token, body: oktaUser('remove-active@example.com') })
  ).body;
  t.is(user.active, true, 'active before');
  const removed = await t.context.scim('PATCH', `/Users/${user.id}`, {
    token,
    body: patchOp({ op: 'remove', path: 'active' }),
  });
  t.is(removed.status, 200);
  t.is(removed.body.active, false);
  t.is((await t.context.scim('GET', `/Users/${user.id}`, { token })).body.active, false);
});
