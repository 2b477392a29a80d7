import { Server, ServerCredentials, status, type ServiceError } from '@grpc/grpc-js';
import anyTest, { type TestFn } from 'ava';
import { DirectoryChannelServiceService } from '#proto/channel.js';
import { connectDirectory, type DirectoryClients } from '@wizer/directory-client';
import { ChangeFeed } from '../../services/directory/src/domain/context.js';
import { buildServer } from '../../services/directory/src/server.js';
import {
  grpcError,
  silentLogger,
  startDirectory,
  userInput,
  type DirectoryFixture,
} from '../helpers/directory.js';

const test = anyTest as TestFn<DirectoryFixture & { tenantId: string }>;

test.before(async (t) => {
  const fixture = await startDirectory();
  const tenantId = (await fixture.clients.admin.createTenant({ name: 'Acme' })).id;
  t.context = Object.assign(fixture, { tenantId });
});
test.after.always(async (t) => {
  await t.context.close();
});

/** Clients whose directory calls travel over the multiplexed channel. */
function overChannel(t: { context: DirectoryFixture }, credential: string | undefined, actor = 'token:chan') {
  return connectDirectory(t.context.address, {
    actor,
    credential,
    multiplex: { streams: 2 },
    deadlineMs: 5000,
  });
}

const outcome = async (promise: Promise<unknown>) => {
  try {
    return { ok: await promise };
  } catch (error) {
    const e = error as ServiceError;
    const [reason] = e.metadata?.get('x-wizer-reason') ?? [];
    return { code: e.code, details: e.details, reason };
  }
};

test('the channel answers exactly as the unary calls do: results, codes, details and reasons', async (t) => {
  // A tenant of its own: the other tests of this file write concurrently.
  const tenantId = (await t.context.clients.admin.createTenant({ name: 'Same answers' })).id;
  const unary = t.context.connect('token:chan');
  const channel = overChannel(t, t.context.credentials.gateway);
  try {
    const created = await channel.directory.createUser({
      tenantId,
      user: userInput('same@example.com'),
      requestId: '',
    });
    const cases: Array<[string, (c: DirectoryClients) => Promise<unknown>]> = [
      ['get', (c) => c.directory.getUser({ tenantId, id: created.id })],
      ['list', (c) => c.directory.listUsers({ tenantId, query: undefined, withoutMemberships: false })],
      ['missing', (c) => c.directory.getUser({ tenantId, id: 'nope' })],
      [
        'duplicate',
        (c) => c.directory.createUser({ tenantId, user: userInput('SAME@example.com'), requestId: '' }),
      ],
      ['invalid', (c) => c.directory.createUser({ tenantId, user: userInput(''), requestId: '' })],
      [
        'stale version',
        (c) =>
          c.directory.updateUser({
            tenantId,
            id: created.id,
            user: userInput('same@example.com', { active: false }),
            updateMask: ['active'],
            expectedVersion: 99,
          }),
      ],
      ['no tenant', (c) => c.directory.getUser({ tenantId: '', id: created.id })],
    ];
    for (const [name, call] of cases) {
      const [viaUnary, viaChannel] = [await outcome(call(unary)), await outcome(call(channel))];
      t.deepEqual(viaChannel, viaUnary, name);
    }
    t.like(await outcome(cases[2]![1](channel)), { code: status.NOT_FOUND });
    t.like(await outcome(cases[3]![1](channel)), { code: status.ALREADY_EXISTS, reason: 'UNIQUENESS' });
    t.like(await outcome(cases[5]![1](channel)), {
      code: status.FAILED_PRECONDITION,
      reason: 'VERSION_MISMATCH',
    });
  } finally {
    channel.close();
  }
});

test('the channel authenticates its stream and authorises every request by role and tenant', async (t) => {
  const { tenantId } = t.context;
  const otherTenantId = (await t.context.clients.admin.createTenant({ name: 'Other' })).id;
  const anonymous = overChannel(t, undefined);
  const reader = overChannel(t, (await t.context.issueCredential('reader', [tenantId])).secret);
  try {
    const refused = await grpcError(anonymous.directory.getUser({ tenantId, id: 'x' }));
    t.is(refused.code, status.UNAUTHENTICATED);
    t.is(refused.reason, 'SERVICE_CREDENTIAL', 'the gateway can tell its own credential was refused');
    await reader.directory.listUsers({ tenantId, query: undefined, withoutMemberships: true });
    for (const call of [
      () => reader.directory.createUser({ tenantId, user: userInput('r@example.com'), requestId: '' }),
      () =>
        reader.directory.listUsers({ tenantId: otherTenantId, query: undefined, withoutMemberships: true }),
      () => reader.admin.authenticateToken({ token: 'wzr_scim_x' }),
    ])
      t.is((await grpcError(call())).code, status.PERMISSION_DENIED);
  } finally {
    anonymous.close();
    reader.close();
  }
});

test('the actor of each request is recorded for the gateway, and ignored for anyone else', async (t) => {
  const { tenantId } = t.context;
  const gateway = overChannel(t, t.context.credentials.gateway, 'token:okta-chan');
  const admin = overChannel(t, t.context.credentials.admin, 'token:forged');
  try {
    const a = await gateway.directory.createUser({
      tenantId,
      user: userInput('actor-a@example.com'),
      requestId: '',
    });
    const b = await admin.directory.createUser({
      tenantId,
      user: userInput('actor-b@example.com'),
      requestId: '',
    });
    const actorOf = async (id: string) =>
      (
        await t.context.clients.directory.listEvents({
          tenantId,
          resourceId: id,
          resourceName: '',
          kinds: ['user.created'],
          problemsOnly: false,
          since: undefined,
          until: undefined,
          beforeSequence: 0,
          limit: 1,
        })
      ).events[0]?.actor;
    t.is(await actorOf(a.id), 'token:okta-chan');
    t.is(await actorOf(b.id), 'admin:test-admin');
  } finally {
    gateway.close();
    admin.close();
  }
});

test('a directory that never answers: each request fails with DEADLINE_EXCEEDED at its own deadline', async (t) => {
  const hung = new Server();
  let received = 0;
  const waiting: (() => void)[] = [];
  /** Resolves once `n` requests have reached the directory: a signal, not a guess at timing. */
  const reached = (n: number) =>
    new Promise<void>((resolve) => {
      const check = () => (received >= n ? resolve() : waiting.push(check));
      check();
    });
  hung.addService(DirectoryChannelServiceService, {
    exchange: (stream: NodeJS.EventEmitter) =>
      stream.on('data', () => {
        received++;
        for (const check of waiting.splice(0)) check();
      }),
  });
  const port = await new Promise<number>((resolve, reject) =>
    hung.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) => (e ? reject(e) : resolve(p))),
  );
  const clients = connectDirectory(`127.0.0.1:${port}`, { actor: 'x', multiplex: { streams: 1 } });
  const getUser = (deadlineMs: number) =>
    grpcError(clients.directory.getUser({ tenantId: 't', id: 'u' }, { deadlineMs }));
  try {
    // Precondition: the one stream is open. On a busy machine connecting can take longer than
    // the short deadlines below, and a request that expires before it is sent is never sent.
    const opener = getUser(120_000);
    await reached(1);
    const errors = await Promise.all([200, 400].map(getUser));
    t.deepEqual(
      errors.map((e) => e.code),
      [status.DEADLINE_EXCEEDED, status.DEADLINE_EXCEEDED],
    );
    // Both went out on the open stream; a loaded server may read them after their deadlines.
    await reached(3);
    t.is(received, 3, 'the opener and both requests reached the directory over the one stream');
    clients.close();
    t.not((await opener).code, status.OK, 'the unanswered opener ends when the channel closes');
  } finally {
    clients.close();
    hung.forceShutdown();
  }
});

test('a draining directory refuses new requests with UNAVAILABLE (503 at the gateway) and its shutdown is not held up by open streams', async (t) => {
  const feed = new ChangeFeed();
  const { server } = buildServer({ db: t.context.db, feed }, silentLogger);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (e, p) =>
      e ? reject(e) : resolve(p),
    ),
  );
  const { tenantId } = t.context;
  const channel = connectDirectory(`127.0.0.1:${port}`, {
    actor: 'token:drain',
    credential: t.context.credentials.gateway,
    multiplex: { streams: 1 },
  });
  try {
    const list = () => channel.directory.listUsers({ tenantId, query: undefined, withoutMemberships: true });
    await list();
    // A watcher following the tenant's log on this replica.
    const watcher = connectDirectory(`127.0.0.1:${port}`, {
      actor: 'x',
      credential: t.context.credentials.admin,
    });
    const watchEnded = (async () => {
      try {
        for await (const _ of watcher.watchEvents({ tenantId, afterSequence: 0 }));
        return status.OK;
      } catch (error) {
        return (error as ServiceError).code;
      } finally {
        watcher.close();
      }
    })();
    await watcher.directory.listUsers({ tenantId, query: undefined, withoutMemberships: true });
    // Shut down the way main.ts does: close the change feed, then let the server drain.
    feed.close();
    t.is((await grpcError(list())).code, status.UNAVAILABLE);
    t.is(await watchEnded, status.UNAVAILABLE, 'a watch ends retryable, not OK, so a follower resumes');
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    t.pass('tryShutdown completed: the idle stream was ended, not left open');
  } finally {
    channel.close();
  }
});
