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
