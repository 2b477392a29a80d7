import anyTest, { type TestFn } from 'ava';
import { status } from '@grpc/grpc-js';
import { grpcError, newTenant, startDirectory, type DirectoryFixture } from '../helpers/directory.js';
import { eventsQuery } from '../helpers/watch.js';

const test = anyTest as TestFn<DirectoryFixture>;

test.before(async (t) => {
  t.context = await startDirectory();
});
test.after.always(async (t) => {
  await t.context.close();
});

test('a token is shown once, has a recognisable prefix, and authenticates to its tenant', async (t) => {
  const { admin } = t.context.clients;
  const tenantId = await newTenant(t.context.clients, 'Initech');
  const { token, info } = await admin.issueToken({ tenantId, description: 'Okta', expiresAt: undefined });
  t.regex(token, /^wzr_scim_[A-Za-z0-9_-]{43}$/);
  t.true(token.startsWith(info!.prefix));
  t.true(info!.prefix.length < 20);
  const auth = await admin.authenticateToken({ token });
  t.deepEqual(auth, { tenantId, tokenId: info!.id, tenantName: 'Initech' });
  const listed = await admin.listTokens({ tenantId });
  t.is(listed.tokens.length, 1);
  t.truthy(listed.tokens[0]!.lastUsedAt);
  t.false(JSON.stringify(listed).includes(token));
  // Only a hash is stored.
  t.false(await t.context.storeContains(token));
  t.true(await t.context.storeContains(info!.prefix), 'the scan does find what is stored');
  for (const wrong of [
    token.slice(0, -1) + (token.endsWith('A') ? 'B' : 'A'),
    'Bearer ' + token,
    '',
    'x'.repeat(5000),
  ]) {
    t.is((await grpcError(admin.authenticateToken({ token: wrong }))).code, status.UNAUTHENTICATED);
  }
});

test('two live tokens allow rotation; a third waits for a revocation, which takes effect at once', async (t) => {
  const { admin, directory } = t.context.clients;
  const tenantId = await newTenant(t.context.clients);
  const first = await admin.issueToken({ tenantId, description: 'old', expiresAt: undefined });
  const second = await admin.issueToken({ tenantId, description: 'new', expiresAt: undefined });
  await admin.authenticateToken({ token: first.token });
  await admin.authenticateToken({ token: second.token });
  t.is(
    (await grpcError(admin.issueToken({ tenantId, description: 'third', expiresAt: undefined }))).code,
    status.FAILED_PRECONDITION,
  );
  const revoked = await admin.revokeToken({ tenantId, tokenId: first.info!.id });
  t.truthy(revoked.revokedAt);
  const err = await grpcError(admin.authenticateToken({ token: first.token }));
  t.is(err.code, status.UNAUTHENTICATED);
  t.is(err.details, 'the token was revoked');
  await admin.authenticateToken({ token: second.token });
  await admin.issueToken({ tenantId, description: 'third', expiresAt: undefined });
  // The failed attempt is in the tenant's log, without the token.
  const log = await directory.listEvents(
    eventsQuery(tenantId, { kinds: ['request.rejected'], problemsOnly: true, limit: 10 }),
  );
  t.is(log.events.length, 1);
  t.regex(log.events[0]!.reason, /revoked/);
  // Another tenant cannot revoke this tenant's token.
  const other = await newTenant(t.context.clients, 'Other');
  t.is(
    (await grpcError(admin.revokeToken({ tenantId: other, tokenId: second.info!.id }))).code,
    status.NOT_FOUND,
  );
});

test('an expired token and a disabled tenant no longer authenticate', async (t) => {
  const { admin } = t.context.clients;
  const tenantId = await newTenant(t.context.clients);
  const { token, info } = await admin.issueToken({
    tenantId,
    description: '',
    expiresAt: new Date(Date.now() + 3_600_000),
  });
  t.is((await admin.authenticateToken({ token })).tokenId, info!.id, 'live until it expires');
  // The expiry passes: moved into the past in the store rather than waited for, so the live check above
  // never races the clock on a slow machine.
  const expired = await t.context.db
    .knex('api_tokens')
    .where({ id: info!.id })
    .update({ expires_at: new Date(Date.now() - 1000).toISOString() });
  t.is(expired, 1);
  t.is((await grpcError(admin.authenticateToken({ token }))).details, 'the token has expired');
  const live = await admin.issueToken({ tenantId, description: '', expiresAt: undefined });
  const disabled = await admin.disableTenant({ tenantId });
  t.true(disabled.disabled);
  t.is((await grpcError(admin.authenticateToken({ token: live.token }))).details, 'the tenant is disabled');
  t.true((await admin.listTenants({})).tenants.find((x) => x.id === tenantId)!.disabled);
});
