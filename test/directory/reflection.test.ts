import { createRequire } from 'node:module';
import path from 'node:path';
import { credentials, loadPackageDefinition, type ClientDuplexStream } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import anyTest, { type TestFn } from 'ava';
import { startDirectory, type DirectoryFixture } from '../helpers/directory.js';

const test = anyTest as TestFn<DirectoryFixture>;
test.before(async (t) => {
  t.context = await startDirectory();
});
test.after.always(async (t) => {
  await t.context.close();
});

/** grpc.reflection.v1 as a generic tool (grpcurl) speaks it, from the protocol's own .proto. */
function reflectionClient(address: string) {
  const require = createRequire(import.meta.url);
  const protoDir = path.join(
    path.dirname(require.resolve('@grpc/reflection/package.json')),
    'build',
    'proto',
  );
  const definition = loadSync('grpc/reflection/v1/reflection.proto', { includeDirs: [protoDir] });
  const loaded = loadPackageDefinition(definition) as any;
  return new loaded.grpc.reflection.v1.ServerReflection(address, credentials.createInsecure());
}

function ask(client: any, request: object): Promise<any> {
  return new Promise((resolve, reject) => {
    const stream: ClientDuplexStream<object, any> = client.ServerReflectionInfo();
    stream.once('data', (response) => {
      resolve(response);
      stream.end();
    });
    stream.once('error', reject);
    stream.write(request);
  });
}

test('reflection lists the directory’s services without a credential, and describes their methods', async (t) => {
  const client = reflectionClient(t.context.address);
  try {
    const listed = await ask(client, { listServices: '' });
    const names = listed.listServicesResponse.service.map((s: { name: string }) => s.name);
    for (const service of [
      'wizer.directory.v1.DirectoryService',
      'wizer.directory.v1.AdminService',
      'wizer.directory.v1.DirectoryChannelService',
    ])
      t.true(names.includes(service), `${service} in ${names.join(', ')}`);
    const described = await ask(client, { fileContainingSymbol: 'wizer.directory.v1.DirectoryService' });
    const files: Buffer[] = described.fileDescriptorResponse.fileDescriptorProto;
    t.true(files.length > 0);
    t.true(
      files.some((f) => f.toString('latin1').includes('WatchEvents')),
      'the descriptor names the service’s methods',
    );
  } finally {
    client.close();
  }
});
