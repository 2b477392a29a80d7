import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import anyTest, { type TestFn } from 'ava';
import { startDirectory, userInput, type DirectoryFixture } from '../helpers/directory.js';
import { adminEnv, runAdmin } from '../helpers/admin-cli.js';
import { fullLog } from '../helpers/watch.js';
import { appendEvent } from '../../services/directory/src/store/events.js';

const test = anyTest as TestFn<DirectoryFixture>;

test.before(async (t) => {
  t.context = await startDirectory();
});
test.after.always(async (t) => {
  await t.context.close();
});

const admin = (t: { context: DirectoryFixture }, ...args: string[]) => runAdmin(adminEnv(t.context), ...args);

test('tenants and tokens: create with --json, list, issue a second, revoke, disable', async (t) => {
  const created = await admin(t, 'tenants', 'create', '--name', 'Globex', '--json');
  t.is(created.code, 0, created.stderr);
  const { tenantId, token } = JSON.parse(created.stdout);
  t.regex(token, /^wzr_scim_/);
  t.is((await t.context.clients.admin.authenticateToken({ token })).tenantId, tenantId);

  const listed = JSON.parse((await admin(t, 'tenants', 'list', '--json')).stdout);
  t.true(listed.some((x: { id: string; name: string }) => x.id === tenantId && x.name === 'Globex'));
  t.regex((await admin(t, 'tenants', 'list')).stdout, /Globex\s+\S+\s+active/);

  const second = JSON.parse(
    (await admin(t, 'tokens', 'issue', '--tenant', tenantId, '--expires', '90d', '--json')).stdout,
  );
  t.regex(second.token, /^wzr_scim_/);
  const tokens = JSON.parse((await admin(t, 'tokens', 'list', '--tenant', tenantId, '--json')).stdout);
  t.is(tokens.length, 2);
  t.false(JSON.stringify(tokens).includes(token), 'a listed token never shows its secret');
  const first = tokens.find((x: { id: string }) => x.id !== second.tokenId);
  t.is((await admin(t, 'tokens', 'revoke', '--tenant', tenantId, '--token', first.id)).code, 0);
  await t.throwsAsync(t.context.clients.admin.authenticateToken({ token }));
  await t.context.clients.admin.authenticateToken({ token: second.token });

  t.regex((await admin(t, 'tenants', 'disable', '--tenant', tenantId)).stdout, /Disabled tenant "Globex"/);
  await t.throwsAsync(t.context.clients.admin.authenticateToken({ token: second.token }));
});

test('service credentials: issue (shown once), list, revoke (idempotent); a bad role is a usage error', async (t) => {
  const tenantId = (await t.context.clients.admin.createTenant({ name: 'Readers' })).id;
  const issued = await admin(
    t,
    'credentials',
    'issue',
    '--name',
    'reporting',
    '--role',
    'reader',
    '--tenant',
    tenantId,
    '--json',
  );
  t.is(issued.code, 0, issued.stderr);
  const { credentialId, secret, role } = JSON.parse(issued.stdout);
  t.regex(secret, /^wzr_svc_/);
  t.is(role, 'reader');
  const reader = t.context.connectWith(secret);
  t.deepEqual(
    (await reader.admin.listTenants({})).tenants.map((x) => x.id),
    [tenantId],
  );

  const listed = await admin(t, 'credentials', 'list');
  t.regex(listed.stdout, new RegExp(`${credentialId}\\s+reporting\\s+reader\\s+${tenantId}`));
  t.false(listed.stdout.includes(secret), 'a listing never shows the secret');

  t.regex(
    (await admin(t, 'credentials', 'revoke', '--credential', credentialId)).stdout,
    /Revoked service credential/,
  );
  await t.throwsAsync(reader.admin.listTenants({}), { message: /UNAUTHENTICATED/ });
  t.regex((await admin(t, 'credentials', 'revoke', '--credential', credentialId)).stdout, /already revoked/);

  const bad = await admin(t, 'credentials', 'issue', '--name', 'x', '--role', 'root');
  t.is(bad.code, 2);
  t.regex(bad.stderr, /--role "root" is not one of: admin, gateway, reader/);
});

test('operators: add prints a generated password once, list never shows it, remove; it signs in until removed', async (t) => {
  const added = await admin(t, 'operators', 'add', '--name', 'carol', '--role', 'viewer');
  t.is(added.code, 0, added.stderr);
  const password = /shown once[^\n]*\n\n\s+(\S+)/.exec(added.stdout)?.[1];
  t.truthy(password, added.stdout);
  t.like(await t.context.clients.admin.authenticateOperator({ name: 'carol', password: password! }), {
    name: 'carol',
  });
  const listed = await admin(t, 'operators', 'list');
  t.regex(listed.stdout, /carol\s+viewer/);
  t.false(listed.stdout.includes(password!), 'a listing never shows a password');
  const json = JSON.parse((await admin(t, 'operators', 'list', '--json')).stdout);
  t.true(json.some((o: { name: string; role: string }) => o.name === 'carol' && o.role === 'viewer'));
  t.regex((await admin(t, 'operators', 'remove', '--name', 'carol')).stdout, /Removed operator "carol"/);
  await t.throwsAsync(t.context.clients.admin.authenticateOperator({ name: 'carol', password: password! }), {
    message: /UNAUTHENTICATED/,
  });
  const again = await admin(t, 'operators', 'remove', '--name', 'carol');
  t.is(again.code, 1);
  t.regex(again.stderr, /no operator named carol/);
  const bad = await admin(t, 'operators', 'add', '--name', 'dave', '--role', 'root');
  t.is(bad.code, 2);
  t.regex(bad.stderr, /--role "root" is not one of: admin, viewer/);
});

test('errors go to stderr with a non-zero exit', async (t) => {
  const missing = await admin(t, 'tokens', 'list');
  t.is(missing.code, 2);
  t.regex(missing.stderr, /--tenant is required/);
  t.is(missing.stdout, '');
  const unknown = await admin(t, 'tokens', 'list', '--tenant', 'no-such-tenant');
  t.is(unknown.code, 1);
  t.regex(unknown.stderr, /no such tenant/);
  t.is((await admin(t, 'frobnicate')).code, 2);
});

test('log: newest first, by user, kind and errors only, with the rejected request’s reason', async (t) => {
  const { tenantId } = JSON.parse((await admin(t, 'tenants', 'create', '--name', 'Log Co', '--json')).stdout);
  const { directory } = t.context.clients;
  const user = await directory.createUser({
    tenantId,
    requestId: '',
    user: userInput('missing.person@example.com'),
  });
  await directory.recordRejection({
    tenantId,
    operation: 'POST /api/v1/scim/v2/Users',
    reason: 'a user with that userName already exists in this tenant',
    httpStatus: 409,
    scimType: 'uniqueness',
    resourceType: 'user',
    resourceId: '',
    resourceName: 'Missing.Person@example.com',
    repeats: 0,
  });
  const all = await admin(t, 'log', '--tenant', tenantId);
  t.is(all.code, 0);
  const lines = all.stdout.trim().split('\n');
  t.regex(lines[0]!, /^TIME\s+SEQ\s+KIND/);
  t.regex(lines[2]!, /request\.rejected\s+ERROR\s+Missing\.Person@example\.com.*already exists/);
  const errors = (await admin(t, 'log', '--tenant', tenantId, '--errors')).stdout;
  t.notRegex(errors, /user\.created/);
  t.regex(errors, /request\.rejected/);
  const byName = (await admin(t, 'log', '--tenant', tenantId, '--user', 'missing.person@example.com')).stdout;
  t.regex(byName, /user\.created/);
  t.regex(byName, /request\.rejected/);
  // By id, the same person: the rejected request named her userName.
  const byId = JSON.parse((await admin(t, 'log', '--tenant', tenantId, '--user', user.id, '--json')).stdout);
  t.deepEqual(
    byId.map((e: { kind: string }) => e.kind),
    ['request.rejected', 'user.created'],
  );
  const byKind = JSON.parse(
    (await admin(t, 'log', '--tenant', tenantId, '--kind', 'tenant.created', '--json')).stdout,
  );
  t.is(byKind.length, 1);
  t.is((await admin(t, 'log', '--tenant', tenantId, '--since', '1h', '--json')).code, 0);
  t.deepEqual(
    JSON.parse(
      (
        await admin(
          t,
          'log',
          '--tenant',
          tenantId,
          '--since',
          new Date(Date.now() + 60_000).toISOString(),
          '--json',
        )
      ).stdout,
    ),
    [],
  );
});

test('backup under concurrent writes holds every write acknowledged before it began', async (t) => {
  if (!t.context.dbFile) {
    // On PostgreSQL the CLI refuses and points at pg_dump, the tool made for it.
    const refused = await admin(t, 'backup', '/tmp/never.db');
    t.is(refused.code, 2);
    t.regex(refused.stderr, /pg_dump/);
    return;
  }
  const { tenantId } = JSON.parse(
    (await admin(t, 'tenants', 'create', '--name', 'Backup Co', '--json')).stdout,
  );
  // A reader pinned from here keeps this test's writes in the WAL: a checkpoint cannot move frames past
  // an open reader's snapshot into the database file, so a backup that ignored the WAL would miss them.
  const pinned = new Database(t.context.dbFile, { readonly: true });
  pinned.exec('BEGIN');
  pinned.prepare('SELECT count(*) FROM users').get();
  t.teardown(() => pinned.close());
  const { directory } = t.context.clients;
  // One writer, one write at a time, until told to stop; `acknowledged` is in commit order.
  const acknowledged: string[] = [];
  const waiting: Array<{ count: number; resolve: () => void }> = [];
  let stop = false;
  const writer = (async () => {
    for (let i = 0; !stop; i++) {
      const u = await directory.createUser({ tenantId, requestId: '', user: userInput(`w${i}@example.com`) });
      acknowledged.push(u.id);
      for (const w of waiting) if (acknowledged.length >= w.count) w.resolve();
    }
  })();
  /** Resolves once `count` writes are acknowledged; rejects if the writer fails first. */
  const acknowledgedCount = (count: number) =>
    Promise.race([
      new Promise<void>((resolve) => waiting.push({ count, resolve })),
      writer.then(() => Promise.reject(new Error('the writer stopped'))),
    ]);

  await acknowledgedCount(20);
  const before = [...acknowledged];
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'wizer-backup-')), 'copy.db');
  const result = await admin(t, 'backup', file);
  const whileRunning = acknowledged.length - before.length;
  // The writer outlives the backup: a write is acknowledged after it ended, then the writer stops.
  await acknowledgedCount(acknowledged.length + 1);
  stop = true;
  await writer;
  pinned.exec('ROLLBACK');
  t.is(result.code, 0, result.stderr);
  t.regex(result.stdout, /integrity_check: ok/);
  const copy = new Database(file, { readonly: true });
  const ids = (
    copy.prepare('SELECT id FROM users WHERE tenant_id = ?').all(tenantId) as { id: string }[]
  ).map((r) => r.id);
  copy.close();
  t.log(
    `${before.length} writes acknowledged before the backup, ${whileRunning} while the command ran; the copy holds ${ids.length}`,
  );
  t.true(before.length >= 20);
  t.true(ids.length >= before.length, 'every write acknowledged before the backup began is in the copy');
  // One snapshot: the copy holds exactly the first N writes, nothing out of order, nothing half-made.
  t.deepEqual(ids.sort(), acknowledged.slice(0, ids.length).sort());
  t.is((await admin(t, 'backup', file)).code, 2, 'never overwrites');
});

test('events prune --older-than 30d: removes what is older, prints how many', async (t) => {
  // A database of its own: a prune is across all tenants.
  const own = await startDirectory();
  t.teardown(() => own.close());
  const tenantId = randomUUID();
  await own.db
    .knex('tenants')
    .insert({ id: tenantId, name: 'Old Co', created_at: '2020-01-01T00:00:00.000Z' });
  for (let i = 0; i < 3; i++)
    await appendEvent(own.db.knex, {
      tenantId,
      occurredAt: `2020-01-0${i + 1}T00:00:00.000Z`,
      actor: 'admin',
      kind: 'user.created',
      resourceType: 'user',
      resourceId: '',
      resourceName: `old${i}@example.com`,
      outcome: 'ok',
      reason: '',
    });
  await own.clients.directory.createUser({ tenantId, requestId: '', user: userInput('new@example.com') });
  const run = (...args: string[]) => admin({ context: own }, 'events', 'prune', ...args);

  const pruned = await run('--older-than', '30d');
  t.is(pruned.code, 0, pruned.stderr);
  t.regex(pruned.stdout, /^Removed 3 event\(s\) that occurred before \d{4}-\d\d-\d\dT/);
  t.deepEqual(
    (await fullLog(own.clients, tenantId)).map((e) => e.resourceName),
    ['new@example.com'],
  );
  t.like(JSON.parse((await run('--older-than', '30d', '--json')).stdout), { removed: 0 });
  for (const bad of [[], ['--older-than', '0d'], ['--older-than', 'soon']]) {
    const refused = await run(...bad);
    t.is(refused.code, 2, bad.join(' '));
    t.regex(refused.stderr, /--older-than/);
  }
  t.is((await fullLog(own.clients, tenantId)).length, 1);
});
