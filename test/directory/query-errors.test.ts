import { status } from '@grpc/grpc-js';
import anyTest, { type TestFn } from 'ava';
import { cmp, query } from '@wizer/directory-client';
import { grpcError, newTenant, startDirectory, type DirectoryFixture } from '../helpers/directory.js';

const test = anyTest as TestFn<DirectoryFixture>;
test.before(async (t) => {
  t.context = await startDirectory();
});
test.after.always(async (t) => {
  await t.context.close();
});

test('a query naming a field that does not exist says which fields do, for ordering and filtering', async (t) => {
  const tenantId = await newTenant(t.context.clients);
  const list = (q: ReturnType<typeof query>) =>
    t.context.clients.directory.listUsers({ tenantId, query: q, withoutMemberships: true });
  const order = await grpcError(list(query({ orderBy: 'userName' })));
  t.is(order.code, status.INVALID_ARGUMENT);
  t.is(order.reason, 'INVALID_VALUE');
  t.regex(order.details, /cannot order by userName \(fields: .*\buser_name\b.*\)/);
  const filter = await grpcError(list(query({ filter: cmp('userName', 'eq', 'a') })));
  t.is(filter.reason, 'INVALID_FILTER');
  t.regex(filter.details, /userName \(fields: .*\buser_name\b.*\benterprise\.department\b/);
});
