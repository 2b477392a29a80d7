import { Metadata, status, type ServiceError } from '@grpc/grpc-js';
import anyTest, { type TestFn } from 'ava';
import { AdminServiceClient, OperatorRole, ServiceRole } from '#proto/admin.js';
import { DirectoryServiceClient } from '#proto/directory.js';
import type { DirectoryClients } from '@wizer/directory-client';
import { ChangeFeed } from '../../services/directory/src/domain/context.js';
import { issueServiceCredential } from '../../services/directory/src/domain/service-credentials.js';
import { Authenticator } from '../../services/directory/src/rpc/authorize.js';
import { grpcError, startDirectory, userInput, type DirectoryFixture } from '../helpers/directory.js';

const test = anyTest as TestFn<DirectoryFixture & { tenantId: string; otherTenantId: string; token: string }>;

test.before(async (t) => {
  const fixture = await startDirectory();
  const tenantId = (await fixture.clients.admin.createTenant({ name: 'Acme' })).id;
  const otherTenantId = (await fixture.clients.admin.createTenant({ name: 'Globex' })).id;
  const { token } = await fixture.clients.admin.issueToken({
    tenantId,
    description: '',
    expiresAt: undefined,
  });
  t.context = Object.assign(fixture, { tenantId, otherTenantId, token });
});
test.after.always(async (t) => {
  await t.context.close();
});

type Unary = (request: unknown) => Promise<unknown>;
const SERVICES = [
  ['directory', DirectoryServiceClient.service],
  ['admin', AdminServiceClient.service],
] as const;

/** Every unary method of both services, each with a default (empty) request. */
function everyUnaryCall(clients: DirectoryClients): Array<[string, () => Promise<unknown>]> {
  const calls: Array<[string, () => Promise<unknown>]> = [];
  for (const [side, definition] of SERVICES) {
    for (const [name, method] of Object.entries(definition)) {
      if (method.responseStream) continue;
      const request = method.requestDeserialize(Buffer.alloc(0));
      const fn = (clients[side] as unknown as Record<string, Unary>)[name]!;
      calls.push([method.path, () => fn(request)]);
    }
  }
  return calls;
}

async function watchError(clients: DirectoryClients, tenantId: string): Promise<number | undefined> {
  try {
    for await (const _ of clients.watchEvents({ tenantId, afterSequence: 0 })) return undefined;
  } catch (error) {
    return (error as ServiceError).code;
  }
  return undefined;
}

test('without a credential every call but health is UNAUTHENTICATED, and changes nothing', async (t) => {
  const anonymous = t.context.connectWith(undefined);
  const calls = everyUnaryCall(anonymous);
  t.true(calls.length >= 24, `every unary method is tried (${calls.length})`);
  for (const [path, call] of calls) t.is((await grpcError(call())).code, status.UNAUTHENTICATED, path);
  t.is(await watchError(anonymous, t.context.tenantId), status.UNAUTHENTICATED, 'WatchEvents');
  t.true(await anonymous.serving(), 'grpc.health.v1 answers without a credential');

  // The attack of the review, replayed: nothing it tried took effect.
  const { tenants } = await t.context.clients.admin.listTenants({});
  t.deepEqual(tenants.map((x) => x.name).sort(), ['Acme', 'Globex']);
  t.is(
    (await t.context.clients.admin.authenticateToken({ token: t.context.token })).tenantId,
    t.context.tenantId,
  );
});

test('a malformed, unknown or revoked credential is UNAUTHENTICATED; a revocation takes effect at once here', async (t) => {
  const { id, secret } = await t.context.issueCredential('admin');
  const good = t.context.connectWith(secret);
  t.truthy((await good.admin.listTenants({})).tenants.length, 'the credential works before it is revoked');
  for (const bad of ['wzr_svc_short', `wzr_svc_${'A'.repeat(43)}`, t.context.token]) {
    t.is(
      (await grpcError(t.context.connectWith(bad).admin.listTenants({}))).code,
      status.UNAUTHENTICATED,
      bad,
    );
  }
  const revoked = await t.context.clients.admin.revokeServiceCredential({ id });
  t.false(revoked.alreadyRevoked);
  t.is((await grpcError(good.admin.listTenants({}))).code, status.UNAUTHENTICATED);
  const again = await t.context.clients.admin.revokeServiceCredential({ id });
  t.true(again.alreadyRevoked, 'revoking twice says so');
});

test('credentials are shown once and stored only as a hash', async (t) => {
  const issued = await t.context.clients.admin.issueServiceCredential({
    name: 'reporting',
    role: ServiceRole.SERVICE_ROLE_READER,
    tenantIds: [t.context.tenantId],
  });
  t.regex(issued.secret, /^wzr_svc_[A-Za-z0-9_-]{43}$/);
  const { credentials } = await t.context.clients.admin.listServiceCredentials({});
  const listed = credentials.find((c) => c.id === issued.info!.id);
  t.like(listed, {
    name: 'reporting',
    role: ServiceRole.SERVICE_ROLE_READER,
    tenantIds: [t.context.tenantId],
  });
  t.false(JSON.stringify(credentials).includes(issued.secret), 'a listing never shows a secret');
  t.false(await t.context.storeContains(issued.secret), 'the store keeps no plaintext secret');
  const bad = await grpcError(
    t.context.clients.admin.issueServiceCredential({
      name: 'x',
      role: ServiceRole.SERVICE_ROLE_UNSPECIFIED,
      tenantIds: [],
    }),
  );
  t.is(bad.code, status.INVALID_ARGUMENT);
});

test('the gateway role: the directory and token checks, nothing of AdminService else', async (t) => {
  const gateway = t.context.connect('token:abc');
  t.is((await gateway.admin.authenticateToken({ token: t.context.token })).tenantId, t.context.tenantId);
  await gateway.directory.createUser({
    tenantId: t.context.tenantId,
    user: userInput('gw@example.com'),
    requestId: '',
  });
  for (const call of [
    () => gateway.admin.createTenant({ name: 'Evil' }),
    () => gateway.admin.listTenants({}),
    () => gateway.admin.listTokens({ tenantId: t.context.tenantId }),
    () => gateway.admin.issueToken({ tenantId: t.context.tenantId, description: '', expiresAt: undefined }),
    () =>
      gateway.admin.issueServiceCredential({
        name: 'x',
        role: ServiceRole.SERVICE_ROLE_ADMIN,
        tenantIds: [],
      }),
    () => gateway.admin.listServiceCredentials({}),
  ])
    t.is((await grpcError(call())).code, status.PERMISSION_DENIED);
});

test('the reader role: reads and watch only, and only its tenants when limited', async (t) => {
  const { tenantId, otherTenantId } = t.context;
  const everywhere = t.context.connectWith((await t.context.issueCredential('reader')).secret);
  const limited = t.context.connectWith((await t.context.issueCredential('reader', [tenantId])).secret);
  const query = { tenantId, query: undefined, withoutMemberships: true };
  await everywhere.directory.listUsers({ ...query, tenantId: otherTenantId });
  await limited.directory.listUsers(query);
  await limited.directory.listDepartments({ tenantId, query: undefined });
  t.deepEqual(
    (await limited.admin.listTenants({})).tenants.map((x) => x.id),
    [tenantId],
    'ListTenants shows a limited reader only its tenants',
  );
  t.is(
    (await grpcError(limited.directory.listUsers({ ...query, tenantId: otherTenantId }))).code,
    status.PERMISSION_DENIED,
  );
  t.is(await watchError(limited, otherTenantId), status.PERMISSION_DENIED, 'nor watch another tenant');
  for (const call of [
    () => everywhere.directory.createUser({ tenantId, user: userInput('r@example.com'), requestId: '' }),
    () =>
      everywhere.directory.recordRejection({
        tenantId,
        operation: 'x',
        reason: 'x',
        httpStatus: 400,
        scimType: '',
        resourceType: 'user',
        resourceId: '',
        resourceName: '',
        repeats: 0,
      }),
    () => everywhere.admin.authenticateToken({ token: t.context.token }),
    () => everywhere.admin.createTenant({ name: 'x' }),
  ])
    t.is((await grpcError(call())).code, status.PERMISSION_DENIED);
});

test('the actor in the log is the authenticated credential; only the gateway may name a token', async (t) => {
  const { tenantId } = t.context;
  const forging = t.context.connectWith(t.context.credentials.admin, 'token:someone-else');
  const user = await forging.directory.createUser({
    tenantId,
    user: userInput('forge@example.com'),
    requestId: '',
  });
  const viaGateway = t.context.connect('token:okta-1');
  await viaGateway.directory.updateUser({
    tenantId,
    id: user.id,
    user: userInput('forge@example.com', { active: false }),
    updateMask: ['active'],
    expectedVersion: undefined,
  });
  const { events } = await t.context.clients.directory.listEvents({
    tenantId,
    resourceId: user.id,
    resourceName: '',
    kinds: [],
    problemsOnly: false,
    since: undefined,
    until: undefined,
    beforeSequence: 0,
    limit: 10,
  });
  const actors = events.map((e) => e.actor);
  t.is(actors.length, 2, JSON.stringify(events.map((e) => e.kind)));
  t.deepEqual(actors, ['token:okta-1', 'admin:test-admin']);
});

test('a credential check is trusted for the cache time only (injected clock)', async (t) => {
  let now = 1_000_000;
  const deps = { db: t.context.db, feed: new ChangeFeed() };
  const authenticator = new Authenticator(deps, { cacheMs: 1000, now: () => now });
  const { secret, info } = await issueServiceCredential(deps, { name: 'cached', role: 'reader' });
  const metadata = new Metadata();
  metadata.set('authorization', `Bearer ${secret}`);
  const call = { metadata, getAuthContext: () => ({}) };
  t.is((await authenticator.principalFor(call)).name, 'cached');
  // Revoked by another replica: this one keeps trusting its answer until the cache expires.
  await t.context.clients.admin.revokeServiceCredential({ id: info.id });
  now += 999;
  t.is((await authenticator.principalFor(call)).name, 'cached');
  now += 2;
  await t.throwsAsync(authenticator.principalFor(call), { message: /revoked/ });
});

test('the console role: operators’ sign-in, reads, tokens and tenant state, with the operator as the actor; nothing else', async (t) => {
  const { secret } = await t.context.issueCredential('console');
  const consoleClients = t.context.connectWith(secret, 'operator:alice');
  const { tenantId } = t.context;
  await t.context.clients.admin.addOperator({ name: 'alice', role: OperatorRole.OPERATOR_ROLE_ADMIN });
  await t.context.clients.admin.addOperator({ name: 'vic', role: OperatorRole.OPERATOR_ROLE_VIEWER });
  t.truthy((await consoleClients.admin.listTenants({})).tenants.length);
  await consoleClients.directory.summarizeTenant({ tenantId, since: undefined });
  const issued = await consoleClients.admin.issueToken({ tenantId, description: 'c', expiresAt: undefined });
  await consoleClients.admin.revokeToken({ tenantId, tokenId: issued.info!.id });
  const { events } = await t.context.clients.directory.listEvents({
    tenantId,
    resourceId: issued.info!.id,
    resourceName: '',
    kinds: [],
    problemsOnly: false,
    since: undefined,
    until: undefined,
    beforeSequence: 0,
    limit: 10,
  });
  t.deepEqual(
    events.map((e) => [e.kind, e.actor]),
    [
      ['token.revoked', 'operator:alice'],
      ['token.issued', 'operator:alice'],
    ],
  );
  // The directory checks the operator the console names: an admin operator who exists.
  for (const actor of ['token:forged', 'operator:nobody', 'operator:vic']) {
    const other = t.context.connectWith(secret, actor);
    for (const call of [
      () => other.admin.issueToken({ tenantId, description: 'd', expiresAt: undefined }),
      () => other.admin.revokeToken({ tenantId, tokenId: issued.info!.id }),
      () => other.admin.disableTenant({ tenantId }),
      () => other.admin.enableTenant({ tenantId }),
    ])
      t.is((await grpcError(call())).code, status.PERMISSION_DENIED, actor);
    t.truthy(
      (await other.directory.summarizeTenant({ tenantId, since: undefined })).tenantId,
      'reads are allowed',
    );
  }
  for (const call of [
    () => consoleClients.admin.createTenant({ name: 'Evil' }),
    () => consoleClients.admin.addOperator({ name: 'mallory', role: 1 }),
    () => consoleClients.admin.listOperators({}),
    () => consoleClients.admin.listServiceCredentials({}),
    () => consoleClients.directory.createUser({ tenantId, user: userInput('c@example.com'), requestId: '' }),
    () =>
      consoleClients.directory.recordRejection({
        tenantId,
        operation: 'x',
        reason: 'x',
        httpStatus: 400,
        scimType: '',
        resourceType: '',
        resourceId: '',
        resourceName: '',
        repeats: 0,
      }),
  ])
    t.is((await grpcError(call())).code, status.PERMISSION_DENIED);
});
