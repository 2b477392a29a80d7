import { status, type ServiceError } from '@grpc/grpc-js';
import anyTest, { type TestFn } from 'ava';
import type { Event } from '#proto/event.js';
import { connectDirectory } from '@wizer/directory-client';
import { newTenant, startDirectory, userInput, type DirectoryFixture } from '../helpers/directory.js';

const test = anyTest as TestFn<DirectoryFixture>;
test.before(async (t) => {
  t.context = await startDirectory();
});
test.after.always(async (t) => {
  await t.context.close();
});

/** Waits (bounded) until `events` holds `count`. */
async function until(events: Event[], count: number): Promise<void> {
  for (let waited = 0; events.length < count && waited < 15_000; waited += 25)
    await new Promise((r) => setTimeout(r, 25));
}

test('follow resumes after the last event across a restart of its directory: every event once, in order', async (t) => {
  const writer = t.context.clients;
  const tenantId = await newTenant(writer);
  // The replica the follower talks to: it drains and comes back on the same address.
  let replica = await startDirectory(t.context.url, { pollMs: 50 });
  const address = replica.address;
  const follower = connectDirectory(address, { actor: 'x', credential: t.context.credentials.admin });
  const abort = new AbortController();
  const seen: Event[] = [];
  const following = (async () => {
    for await (const event of follower.follow({ tenantId, afterSequence: 0 }, abort.signal)) seen.push(event);
  })();
  try {
    const create = (name: string) =>
      writer.directory.createUser({ tenantId, user: userInput(`${name}@example.com`), requestId: '' });
    for (const name of ['a1', 'a2']) await create(name);
    await until(seen, 3);
    t.is(seen.length, 3, 'tenant.created and two users before the restart');

    await replica.close(); // drains: the watch ends with UNAVAILABLE
    for (const name of ['b1', 'b2']) await create(name); // written while the follower's replica is gone
    replica = await startDirectory(t.context.url, { pollMs: 50, address });
    await create('c1');
    await until(seen, 6);

    const sequences = seen.map((e) => e.sequence);
    t.deepEqual(
      sequences,
      [...sequences].sort((x, y) => x - y),
      'in order',
    );
    t.is(new Set(sequences).size, sequences.length, 'none twice');
    t.deepEqual(
      seen.map((e) => e.resourceName),
      ['Acme', 'a1@example.com', 'a2@example.com', 'b1@example.com', 'b2@example.com', 'c1@example.com'],
    );
  } finally {
    abort.abort();
    await following;
    follower.close();
    await replica.close();
  }
});

test('follow gives up only when resuming cannot help: an unknown tenant is NOT_FOUND at once', async (t) => {
  const follower = t.context.connectWith(t.context.credentials.admin);
  const error = await (async () => {
    try {
      for await (const _ of follower.follow({
        tenantId: '00000000-0000-4000-8000-000000000000',
        afterSequence: 0,
      }));
    } catch (e) {
      return e as ServiceError;
    }
    return undefined;
  })();
  t.is(error?.code, status.NOT_FOUND);
});
