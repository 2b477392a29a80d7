/**
 * Walks the directory contract end to end:
 *   npm run demo                                   # on a directory of its own, on a throw-away database
 *   DIRECTORY_ADDRESS=127.0.0.1:50051 npm run demo  # on a running directory (it adds a "Demo …" tenant there)
 * With DIRECTORY_ADDRESS, the admin credential is DIRECTORY_CREDENTIAL, or the one that directory
 * wrote beside its database (DATABASE_URL / DIRECTORY_CREDENTIALS_FILE say where).
 */
import { connectDirectory } from '@wizer/directory-client';
import { credentialFromEnv } from '../services/directory/credentials-file.js';
import { Operator } from '#proto/query.js';
import { startScratchDirectory } from './lib/scratch-directory.js';

// Only an explicit DIRECTORY_ADDRESS points the demo at an existing directory: by default
// each run would otherwise add another tenant to the development database.
const scratch = process.env.DIRECTORY_ADDRESS ? undefined : await startScratchDirectory();
const address = scratch?.address ?? process.env.DIRECTORY_ADDRESS!;
const credential = scratch
  ? credentialFromEnv({ DIRECTORY_CREDENTIALS_FILE: scratch.credentialsFile }, 'admin')
  : credentialFromEnv(process.env, 'admin');
console.log(
  scratch ? `directory   ${address} (its own, on a throw-away database)` : `directory   ${address}`,
);
const { admin, directory, watchEvents, close } = connectDirectory(address, {
  actor: 'service:demo',
  credential,
});

const user = (userName: string, department: string) => ({
  id: '',
  userName,
  active: true,
  name: undefined,
  emails: [{ value: userName, type: 'work', primary: true, display: undefined }],
  phoneNumbers: [],
  addresses: [],
  enterprise: { department, manager: undefined },
  extra: undefined,
  version: 0,
  createdAt: undefined,
  updatedAt: undefined,
  memberships: [],
});

const tenant = await admin.createTenant({ name: `Demo ${new Date().toISOString()}` });
console.log(`tenant      ${tenant.id} (${tenant.name})`);
const { token, info } = await admin.issueToken({
  tenantId: tenant.id,
  description: 'demo',
  expiresAt: undefined,
});
console.log(`token       ${token}  (shown once; stored as a hash, prefix ${info!.prefix})`);
const auth = await admin.authenticateToken({ token });
console.log(`authenticated → tenant ${auth.tenantId}`);

const tenantId = tenant.id;
const ada = await directory.createUser({
  tenantId,
  requestId: 'demo-1',
  user: user('ada@example.com', 'Engineering'),
});
const bob = await directory.createUser({
  tenantId,
  requestId: 'demo-2',
  user: user('bob@example.com', 'Sales'),
});
console.log(
  `users       ${ada.userName} in ${ada.memberships.map((m) => m.departmentName)}, ${bob.userName} in ${bob.memberships.map((m) => m.departmentName)}`,
);

const pushed = await directory.pushDepartment({
  tenantId,
  name: 'Engineering',
  externalId: 'okta-group-1',
  extra: undefined,
  memberUserIds: [ada.id, bob.id],
  requestId: 'demo-3',
});
console.log(
  `push        ${pushed.department!.name} (${pushed.adopted ? 'adopted' : 'created'}) with 2 pushed members`,
);

const found = await directory.listUsers({
  tenantId,
  withoutMemberships: false,
  query: {
    filter: {
      node: {
        $case: 'compare',
        value: {
          field: 'user_name',
          op: Operator.OPERATOR_EQ,
          value: { kind: { $case: 'stringValue', value: 'ADA@example.com' } },
        },
      },
    },
    orderBy: '',
    descending: false,
    offset: 0,
    limit: 10,
    cursor: '',
    skipTotal: false,
  },
});
console.log(
  `filter      user_name eq "ADA@example.com" → ${found.total} match: ${found.users.map((u) => `${u.userName} [${u.memberships.map((m) => `${m.departmentName}/${m.source === 1 ? 'attribute' : 'pushed'}`).join(', ')}]`)}`,
);

console.log('events      (watch from sequence 0)');
const abort = new AbortController();
const stream = watchEvents({ tenantId, afterSequence: 0 }, abort.signal);
const timer = setTimeout(() => abort.abort(), 1500);
try {
  for await (const event of stream) {
    console.log(
      `  #${event.sequence} ${event.kind.padEnd(27)} ${event.resourceType.padEnd(10)} ${event.resourceName} ${event.reason}`,
    );
  }
} catch (error) {
  if (!abort.signal.aborted) throw error;
} finally {
  clearTimeout(timer);
  close();
  await scratch?.stop();
}
