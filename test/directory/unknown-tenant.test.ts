import { status, type ServiceError } from '@grpc/grpc-js';
import anyTest, { type TestFn } from 'ava';
import { DirectoryServiceClient } from '#proto/directory.js';
import { connectDirectory, type DirectoryClients } from '@wizer/directory-client';
import { grpcError, startDirectory, type DirectoryFixture } from '../helpers/directory.js';

const test = anyTest as TestFn<DirectoryFixture>;
test.before(async (t) => {
  t.context = await startDirectory();
});
test.after.always(async (t) => {
  await t.context.close();
});

const NOBODY = '00000000-0000-4000-8000-000000000000';

type Unary = (request: unknown) => Promise<unknown>;

/** Every DirectoryService call, unary ones with a default request naming `tenantId`. */
async function outcomes(
  clients: DirectoryClients,
  tenantId: string,
): Promise<Record<string, number | undefined>> {
  const codes: Record<string, number | undefined> = {};
  for (const [name, method] of Object.entries(DirectoryServiceClient.service)) {
    if (method.responseStream) continue;
    const request = { ...(method.requestDeserialize(Buffer.alloc(0)) as object), tenantId };
    codes[name] = (
      await grpcError((clients.directory as unknown as Record<string, Unary>)[name]!(request))
    ).code;
  }
  try {
    for await (const _ of clients.watchEvents({ tenantId, afterSequence: 0 })) break;
    codes.watchEvents = status.OK;
  } catch (error) {
    codes.watchEvents = (error as ServiceError).code;
  }
  return codes;
}

for (const path of ['unary calls', 'the multiplexed channel'] as const) {
  test(`over ${path}: an unknown tenant is NOT_FOUND and an empty one INVALID_ARGUMENT on every DirectoryService call, WatchEvents included`, async (t) => {
    const clients =
      path === 'unary calls'
        ? t.context.clients
        : connectDirectory(t.context.address, {
            actor: 'admin',
            credential: t.context.credentials.admin,
            multiplex: { streams: 1 },
          });
    try {
      const unknown = await outcomes(clients, NOBODY);
      t.true(Object.keys(unknown).length >= 16, `every call was tried (${Object.keys(unknown).length})`);
      for (const [name, code] of Object.entries(unknown)) t.is(code, status.NOT_FOUND, name);
      for (const [name, code] of Object.entries(await outcomes(clients, '')))
        t.is(code, status.INVALID_ARGUMENT, name);
    } finally {
      if (clients !== t.context.clients) clients.close();
    }
  });
}
