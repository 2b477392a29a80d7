import anyTest, { type TestFn } from 'ava';
import { status } from '@grpc/grpc-js';
import { grpcError, newTenant, startDirectory, type DirectoryFixture } from '../helpers/directory.js';

const test = anyTest as TestFn<DirectoryFixture>;

test.before(async (t) => {
  t.context = await startDirectory();
});
test.after.always(async (t) => {
  await t.context.close();
});

test('no token is issued for a disabled tenant', async (t) => {
  const { admin } = t.context.clients;
  const tenantId = await newTenant(t.context.clients);
  const issue = () => admin.issueToken({ tenantId, description: 'okta', expiresAt: undefined });
  await issue();
  await admin.disableTenant({ tenantId });
  const err = await grpcError(issue());
  t.is(err.code, status.FAILED_PRECONDITION);
  t.is(err.details, 'the tenant is disabled; no token can be issued for it');
  t.is((await admin.listTokens({ tenantId })).tokens.length, 1);
});

test('EnableTenant: the tenant’s live tokens authenticate again; both verbs are idempotent and recorded once', async (t) => {
  const { admin, directory } = t.context.clients;
  const tenantId = await newTenant(t.context.clients);
  const { token } = await admin.issueToken({ tenantId, description: 'okta', expiresAt: undefined });
  await admin.disableTenant({ tenantId });
  t.true((await admin.disableTenant({ tenantId })).disabled, 'disabling again answers the disabled tenant');
  t.is((await grpcError(admin.authenticateToken({ token }))).code, status.UNAUTHENTICATED);
  const enabled = await admin.enableTenant({ tenantId });
  t.false(enabled.disabled);
  t.false((await admin.enableTenant({ tenantId })).disabled, 'enabling again answers the enabled tenant');
  t.is((await admin.authenticateToken({ token })).tenantId, tenantId);
  const { events } = await directory.listEvents({
    tenantId,
    resourceId: tenantId,
    resourceName: '',
    kinds: [],
    problemsOnly: false,
    since: undefined,
    until: undefined,
    beforeSequence: 0,
    limit: 10,
  });
  t.deepEqual(events.map((e) => [e.kind, e.actor]).reverse(), [
    ['tenant.created', 'admin:test-admin'],
    ['tenant.disabled', 'admin:test-admin'],
    ['tenant.enabled', 'admin:test-admin'],
  ]);
  t.is((await grpcError(admin.enableTenant({ tenantId: 'no-such-tenant' }))).details, 'no such tenant');
});
