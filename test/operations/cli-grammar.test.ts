import net from 'node:net';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import anyTest, { type ExecutionContext, type TestFn } from 'ava';
import { EVENT_KINDS } from '../../services/directory/src/domain/event-kinds.js';
import { COMMANDS } from '../../scripts/admin/commands.js';
import { freePort } from '../../scripts/lib/free-port.js';
import { adminEnv, runAdmin, type CliResult } from '../helpers/admin-cli.js';
import { startDirectory, userInput, type DirectoryFixture } from '../helpers/directory.js';

/**
 * The admin CLI as an operator meets it: one grammar (named flags, `--tenant` everywhere), the
 * command's usage with every usage error (exit 2), "no such tenant" for every command (exit 1),
 * idempotent verbs that say so, connection and credential problems in plain words, JSON enums
 * by name.
 */

interface Ctx {
  directory: DirectoryFixture;
  tenantId: string;
}

// Serial: each test starts a handful of CLI processes at once; all of them together would
// crowd two cores for a minute before any test reports.
const base = anyTest as TestFn<Ctx>;
const test = base.serial;

base.before(async (t) => {
  const directory = await startDirectory();
  const tenantId = (await directory.clients.admin.createTenant({ name: 'Grammar Co' })).id;
  t.context = { directory, tenantId };
});
base.after.always(async (t) => {
  await t.context.directory.close();
});

const admin = (t: { context: Ctx }, ...args: string[]) => runAdmin(adminEnv(t.context.directory), ...args);

/** A usage error: exit 2, nothing on stdout, the message and then that command's usage on stderr. */
function isUsageError(t: ExecutionContext, result: CliResult, message: RegExp, command: string) {
  t.is(result.code, 2, result.stderr);
  t.is(result.stdout, '');
  t.regex(result.stderr, message);
  t.regex(result.stderr, new RegExp(`\\n\\nUsage: npm run admin -- ${command} `));
}

test('flags, not positionals: an id where a flag belongs is a usage error that names the flag', async (t) => {
  const { tenantId } = t.context;
  const [revoke, disable, enable] = await Promise.all([
    admin(t, 'tokens', 'revoke', '--tenant', tenantId, 'abc'),
    admin(t, 'tenants', 'disable', tenantId),
    admin(t, 'tenants', 'enable', tenantId),
  ]);
  isUsageError(
    t,
    revoke,
    /unexpected argument "abc".*did you mean --token abc\?/,
    'tokens revoke --tenant ID --token ID',
  );
  isUsageError(t, disable, new RegExp(`did you mean --tenant ${tenantId}\\?`), 'tenants disable --tenant ID');
  isUsageError(t, enable, new RegExp(`did you mean --tenant ${tenantId}\\?`), 'tenants enable --tenant ID');
});

test('a flag without its value, an unknown flag, a value out of range: usage errors with the command’s usage', async (t) => {
  const { tenantId } = t.context;
  const [missing, typo, limit, bool, required] = await Promise.all([
    admin(t, 'log', '--tenant'),
    admin(t, 'log', '--tennat', tenantId),
    admin(t, 'log', '--tenant', tenantId, '--limit', '0'),
    admin(t, 'log', '--tenant', tenantId, '--errors=yes'),
    admin(t, 'tokens', 'list'),
  ]);
  isUsageError(t, missing, /^error: --tenant needs a value: --tenant ID\n/, 'log --tenant ID');
  isUsageError(t, typo, /unknown option --tennat for "log"; did you mean --tenant\?/, 'log');
  isUsageError(t, limit, /--limit "0": a whole number from 1 to 1000/, 'log');
  isUsageError(t, bool, /--errors takes no value/, 'log');
  isUsageError(t, required, /^error: --tenant is required\n/, 'tokens list --tenant ID');
});

test('durations carry a unit: a bare number is a usage error that lists the units', async (t) => {
  const { tenantId } = t.context;
  const [expires, past, prune, since] = await Promise.all([
    admin(t, 'tokens', 'issue', '--tenant', tenantId, '--expires', '90'),
    admin(t, 'tokens', 'issue', '--tenant', tenantId, '--expires', '2020-01-01'),
    admin(t, 'events', 'prune', '--older-than', '30'),
    admin(t, 'log', '--tenant', tenantId, '--since', 'yesterday'),
  ]);
  isUsageError(
    t,
    expires,
    /--expires 90: a number needs a unit: 90d \(days\), 90h \(hours\) or 90m \(minutes\)/,
    'tokens issue',
  );
  isUsageError(t, past, /--expires 2020-01-01 is in the past/, 'tokens issue');
  isUsageError(
    t,
    prune,
    /--older-than 30: a number needs a unit: 30d \(days\), 30h \(hours\) or 30m \(minutes\)/,
    'events prune',
  );
  isUsageError(t, since, /--since "yesterday" is not a time: .*30m, 12h, 90d.* ISO 8601/, 'log');
  // With a unit it works, and no token was issued by the refused calls.
  const issued = await admin(t, 'tokens', 'issue', '--tenant', tenantId, '--expires', '90d', '--json');
  t.is(issued.code, 0, issued.stderr);
  const { expiresAt } = JSON.parse(issued.stdout);
  const days = (new Date(expiresAt).getTime() - Date.now()) / 86_400_000;
  t.true(days > 89 && days <= 90, String(days));
  t.is((await t.context.directory.clients.admin.listTokens({ tenantId })).tokens.length, 1);
});

test('enumerated choices: listed in --help and in the error (event kinds from the domain, roles)', async (t) => {
  const { tenantId } = t.context;
  const [kind, role, readerOnly, help] = await Promise.all([
    admin(t, 'log', '--tenant', tenantId, '--kind', 'user.created,user.creatd'),
    admin(t, 'credentials', 'issue', '--name', 'x', '--role', 'root'),
    admin(t, 'credentials', 'issue', '--name', 'x', '--role', 'gateway', '--tenant', tenantId),
    admin(t, 'log', '--help'),
  ]);
  isUsageError(t, kind, /--kind "user\.creatd" is not one of: tenant\.created, /, 'log');
  for (const k of EVENT_KINDS) {
    t.true(kind.stderr.split('\n')[0]!.includes(k), k);
    t.true(help.stdout.includes(k), k);
  }
  isUsageError(t, role, /--role "root" is not one of: admin, gateway, reader/, 'credentials issue');
  isUsageError(t, readerOnly, /--tenant limits a reader only/, 'credentials issue');
  t.is(help.code, 0);
});

test('--help: every command has its usage and an example; the overall usage lists every command', async (t) => {
  const results = await Promise.all([
    ...COMMANDS.map((c) => admin(t, ...c.name.split(' '), '--help')),
    admin(t, '--help'),
    admin(t, 'help', 'explain'),
    admin(t, 'tokens', '--help'),
  ]);
  COMMANDS.forEach((c, i) => {
    const r = results[i]!;
    t.is(r.code, 0, c.name);
    t.regex(r.stdout, new RegExp(`^Usage: npm run admin -- ${c.name} `), c.name);
    t.regex(r.stdout, new RegExp(`\\nExamples?:\\n  npm run admin -- ${c.name}[ \\n]`), c.name);
  });
  const [overall, helpExplain, group] = results.slice(COMMANDS.length);
  for (const c of COMMANDS) t.true(overall!.stdout.includes(`  ${c.name} `), c.name);
  t.regex(overall!.stdout, /Exit status: 0 done .* 1 the directory .* 2 the command was not called right/s);
  t.regex(helpExplain!.stdout, /^Usage: npm run admin -- explain --tenant ID --user ID\|USERNAME/);
  t.regex(group!.stdout, /tokens issue .*\n.*\n  tokens list .*\n.*\n  tokens revoke /);
  const [unknown, bare, nothing] = await Promise.all([admin(t, 'frobnicate'), admin(t, 'tokens'), admin(t)]);
  t.is(unknown.code, 2);
  t.regex(unknown.stderr, /^error: unknown command: frobnicate\n\nUsage: npm run admin -- <command>/);
  t.is(nothing.code, 2);
  t.is(nothing.stdout, '');
  t.regex(nothing.stderr, /^error: which command\?\n\nUsage: npm run admin -- <command>/);
  t.is(bare.code, 2);
  t.regex(
    bare.stderr,
    /^error: tokens needs one of: issue, list, revoke\n\nUsage: npm run admin -- tokens <issue\|list\|revoke>/,
  );
});

test('an unknown tenant id is "no such tenant", exit 1, on every command that names a tenant', async (t) => {
  const nope = 'no-such-tenant';
  const calls = [
    ['tokens', 'issue', '--tenant', nope],
    ['tokens', 'list', '--tenant', nope],
    ['tokens', 'revoke', '--tenant', nope, '--token', 'x'],
    ['tenants', 'disable', '--tenant', nope],
    ['tenants', 'enable', '--tenant', nope],
    ['log', '--tenant', nope],
    ['explain', '--tenant', nope, '--user', 'ada@example.com'],
    ['credentials', 'issue', '--name', 'r', '--role', 'reader', '--tenant', nope],
  ];
  const results = await Promise.all(calls.map((args) => admin(t, ...args)));
  results.forEach((r, i) => {
    const command = calls[i]!.join(' ');
    t.is(r.code, 1, command);
    t.is(r.stderr, `error: no such tenant: ${nope}\n`, command);
    t.is(r.stdout, '', command);
  });
});

test('idempotent verbs say what they did: already disabled, already enabled, already revoked', async (t) => {
  const { clients } = t.context.directory;
  const tenantId = (await clients.admin.createTenant({ name: 'Idempotent Co' })).id;
  const { info } = await clients.admin.issueToken({ tenantId, description: 'okta', expiresAt: undefined });
  const run = (...args: string[]) => admin(t, ...args);
  const disabled = await run('tenants', 'disable', '--tenant', tenantId);
  t.is(disabled.code, 0, disabled.stderr);
  t.regex(disabled.stdout, /^Disabled tenant "Idempotent Co"/);
  const again = await run('tenants', 'disable', '--tenant', tenantId, '--json');
  t.like(JSON.parse(again.stdout), {
    id: tenantId,
    disabled: true,
    status: 'disabled',
    alreadyDisabled: true,
  });
  const enabled = await run('tenants', 'enable', '--tenant', tenantId);
  t.regex(enabled.stdout, /^Enabled tenant "Idempotent Co" .*: its live tokens authenticate again\./);
  t.regex(
    (await run('tenants', 'enable', '--tenant', tenantId)).stdout,
    /is already enabled: nothing changed\./,
  );
  const revoked = await run('tokens', 'revoke', '--tenant', tenantId, '--token', info!.id);
  t.regex(revoked.stdout, /^Revoked token /);
  const twice = await run('tokens', 'revoke', '--tenant', tenantId, '--token', info!.id);
  t.is(twice.code, 0);
  t.regex(twice.stdout, /was already revoked at \d{4}-.*: nothing changed\./);
  const unknown = await run('tokens', 'revoke', '--tenant', tenantId, '--token', 'no-such-token');
  t.is(unknown.code, 1);
  t.regex(unknown.stderr, /^error: no token no-such-token in tenant /);
  // Each change was recorded once.
  const { events } = await clients.directory.listEvents({
    tenantId,
    resourceId: '',
    resourceName: '',
    kinds: ['tenant.disabled', 'tenant.enabled', 'token.revoked'],
    problemsOnly: false,
    since: undefined,
    until: undefined,
    beforeSequence: 0,
    limit: 10,
  });
  t.deepEqual(events.map((e) => e.kind).reverse(), ['tenant.disabled', 'tenant.enabled', 'token.revoked']);
});

/** Resolves once a TCP connection to the port is refused: nothing listens there. */
const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(false)));
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });

test('connection problems in plain words: nothing listening (exit 1), a bad DIRECTORY_ADDRESS (exit 2)', async (t) => {
  const port = await freePort();
  t.true(await refused(port), `precondition: nothing listens on ${port}`);
  const [down, badPort, notAddress] = await Promise.all([
    runAdmin({ ...adminEnv(t.context.directory), DIRECTORY_ADDRESS: `127.0.0.1:${port}` }, 'tenants', 'list'),
    runAdmin({ ...adminEnv(t.context.directory), DIRECTORY_ADDRESS: '127.0.0.1:99999' }, 'tenants', 'list'),
    runAdmin(
      { ...adminEnv(t.context.directory), DIRECTORY_ADDRESS: 'http://127.0.0.1:50051' },
      'log',
      '--tenant',
      'x',
    ),
  ]);
  t.is(down.code, 1);
  t.is(
    down.stderr,
    `error: cannot reach the directory at 127.0.0.1:${port} (connection refused) — is it running? set DIRECTORY_ADDRESS to where it listens\n`,
  );
  t.is(badPort.code, 2);
  t.regex(
    badPort.stderr,
    /^error: DIRECTORY_ADDRESS=127\.0\.0\.1:99999 cannot be used: the port of "127\.0\.0\.1:99999" must be a number from 1 to 65535\. Set it to HOST:PORT/,
  );
  t.notRegex(badPort.stderr, /RangeError|ERR_SOCKET_BAD_PORT/);
  t.is(notAddress.code, 2);
  t.regex(notAddress.stderr, /"http:\/\/127\.0\.0\.1:50051" is not HOST:PORT/);
});

test('a refused credential in plain words: where the CLI looked, and what to set', async (t) => {
  const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'wizer-cli-'));
  t.teardown(() => fs.rmSync(empty, { recursive: true, force: true }));
  const reader = (await t.context.directory.issueCredential('reader')).secret;
  const env = adminEnv(t.context.directory);
  const [none, wrong, notAdmin] = await Promise.all([
    runAdmin(
      {
        ...env,
        DIRECTORY_CREDENTIAL: undefined,
        DIRECTORY_CREDENTIALS_FILE: undefined,
        DATABASE_URL: `sqlite:${empty}/directory.db`,
      },
      'tenants',
      'list',
    ),
    runAdmin({ ...env, DIRECTORY_CREDENTIAL: 'wzr_svc_not-a-real-one' }, 'tenants', 'list'),
    runAdmin({ ...env, DIRECTORY_CREDENTIAL: reader }, 'tenants', 'create', '--name', 'Nope'),
  ]);
  t.is(none.code, 1);
  t.is(
    none.stderr,
    `error: the directory refused the credential (a service credential is required (metadata authorization: Bearer …)): set DIRECTORY_CREDENTIAL to an admin credential, or run on the machine whose directory wrote ${empty}/directory-credentials.json (there is no such file here)\n`,
  );
  t.is(wrong.code, 1);
  t.regex(
    wrong.stderr,
    /^error: the directory refused the credential \(.*\): DIRECTORY_CREDENTIAL is set: give it an admin credential/,
  );
  t.is(notAdmin.code, 1);
  t.regex(
    notAdmin.stderr,
    /^error: the directory refused the call \(the reader role may not call AdminService\/CreateTenant\): the admin CLI needs an admin credential/,
  );
});

test('--json names its enums: outcome, role, token status, membership source', async (t) => {
  const { clients } = t.context.directory;
  const tenantId = (await clients.admin.createTenant({ name: 'Json Co' })).id;
  const ada = await clients.directory.createUser({
    tenantId,
    requestId: '',
    user: userInput('ada@example.com', { enterprise: { department: 'Engineering' } }),
  });
  await clients.directory.recordRejection({
    tenantId,
    operation: 'POST /api/v1/scim/v2/Users',
    reason: 'a user with that userName already exists in this tenant',
    httpStatus: 409,
    scimType: 'uniqueness',
    resourceType: 'user',
    resourceId: '',
    resourceName: 'ada@example.com',
    repeats: 0,
  });
  await clients.admin.issueToken({ tenantId, description: '', expiresAt: undefined });
  const [log, credentials, tokens, explain] = await Promise.all([
    admin(t, 'log', '--tenant', tenantId, '--json'),
    admin(t, 'credentials', 'list', '--json'),
    admin(t, 'tokens', 'list', '--tenant', tenantId, '--json'),
    admin(t, 'explain', '--tenant', tenantId, '--user', ada.id, '--json'),
  ]);
  const outcomes = new Set(JSON.parse(log.stdout).map((e: { outcome: unknown }) => e.outcome));
  t.deepEqual([...outcomes].sort(), ['error', 'ok']);
  t.true(
    JSON.parse(credentials.stdout).every((k: { role: unknown }) =>
      ['admin', 'gateway', 'reader', 'console'].includes(k.role as string),
    ),
  );
  t.deepEqual(
    JSON.parse(tokens.stdout).map((k: { status: string }) => k.status),
    ['live'],
  );
  const x = JSON.parse(explain.stdout);
  t.like(x.user, { id: ada.id, memberships: [{ departmentName: 'Engineering', source: 'attribute' }] });
  t.like(x.memberships[0], {
    source: 'attribute',
    since: { kind: 'department.members_changed', outcome: 'ok' },
  });
  t.like(x.rejections[0], { kind: 'request.rejected', outcome: 'error' });
});
