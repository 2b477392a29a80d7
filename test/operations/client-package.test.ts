import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { status } from '@grpc/grpc-js';
import anyTest, { type TestFn } from 'ava';
import { cmp, query } from '@wizer/directory-client';
import { newTenant, startDirectory, userInput, type DirectoryFixture } from '../helpers/directory.js';
import { ROOT } from '../helpers/processes.js';

/**
 * The client as another Wizer service gets it: scripts/client-consumer-check.sh packs
 * @wizer/directory-client, installs the tarball into a fresh TypeScript project outside the
 * repository, type-checks test/operations/client-consumer/consumer.ts under strict and compiles
 * it; then the compiled program runs with node against this test's directory with a reader
 * credential, and sees an event caused by a write this test makes while it follows the log.
 *
 * Every wait here is on something happening (a process's exit, a line it prints), each with a
 * generous bound that only decides how long a failure takes on a slow, busy machine.
 */
const test = anyTest as TestFn<{ directory: DirectoryFixture; work: string }>;

const MINUTE = 60_000;

interface Finished {
  code: number | null;
  output: string;
}

/** Runs a command to its end, or kills it after `boundMs`. */
function run(command: string, args: string[], env: Record<string, string>, boundMs: number) {
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env } });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const bound = setTimeout(() => child.kill('SIGKILL'), boundMs);
  const finished = new Promise<Finished>((resolve) =>
    child.once('close', (code) => {
      clearTimeout(bound);
      resolve({ code, output });
    }),
  );
  return { child, finished, output: () => output };
}

/** Resolves with the first stdout line of `child` that `match` accepts; rejects if it ends first. */
function lineOf<T>(
  spawned: ReturnType<typeof run>,
  match: (line: string) => T | undefined,
  boundMs: number,
): Promise<T> {
  return new Promise((resolve, reject) => {
    let pending = '';
    const bound = setTimeout(() => done(new Error(`no such line within ${boundMs} ms`)), boundMs);
    const onData = (chunk: Buffer) => {
      pending += chunk.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        const found = match(line);
        if (found !== undefined) return done(undefined, found);
      }
    };
    const onClose = () => done(new Error('the consumer ended first'));
    function done(error?: Error, value?: T) {
      clearTimeout(bound);
      spawned.child.stdout!.off('data', onData);
      spawned.child.off('close', onClose);
      if (error) reject(new Error(`${error.message}:\n${spawned.output().slice(-4000)}`));
      else resolve(value!);
    }
    spawned.child.stdout!.on('data', onData);
    spawned.child.once('close', onClose);
  });
}

/** The consumer's JSON lines, by step (a step printed more than once: the last). */
function steps(output: string): Map<string, Record<string, unknown>> {
  const out = new Map<string, Record<string, unknown>>();
  for (const line of output.split('\n')) {
    if (!line.startsWith('{')) continue;
    const parsed = JSON.parse(line) as { step: string };
    out.set(parsed.step, parsed);
  }
  return out;
}

test.before(async (t) => {
  t.context = {
    directory: await startDirectory(),
    work: fs.mkdtempSync(path.join(os.tmpdir(), 'wizer-client-package-')),
  };
});
test.after.always(async (t) => {
  await t.context.directory.close();
  fs.rmSync(t.context.work, { recursive: true, force: true });
});

test('another service installs the packed client, type-checks under strict, and reads and follows a tenant as a reader', async (t) => {
  t.timeout(20 * MINUTE, 'the consumer check did not finish');
  const { directory, work } = t.context;

  // 1. Pack, install into a fresh project outside the repository, tsc --noEmit (strict), compile.
  const build = run('bash', [path.join(ROOT, 'scripts/client-consumer-check.sh'), work], {}, 15 * MINUTE);
  const built = await build.finished;
  t.is(built.code, 0, built.output);
  const tarball = fs.readdirSync(work).find((name) => /^wizer-directory-client-.*\.tgz$/.test(name));
  t.truthy(tarball, 'npm pack wrote a tarball');
  const files = execFileSync('tar', ['-tzf', path.join(work, tarball!)], { encoding: 'utf8' }).split('\n');
  for (const file of [
    'package/dist/index.js',
    'package/dist/index.d.ts',
    'package/dist/gen/wizer/directory/v1/directory.d.ts',
    'package/proto/wizer/directory/v1/directory.proto',
    'package/proto/wizer/directory/v1/errors.proto',
  ])
    t.true(files.includes(file), `the tarball holds ${file}`);
  t.false(
    files.some((file) => file.startsWith('package/src/')),
    'the tarball ships compiled code, not sources',
  );
  const program = path.join(work, 'consumer', 'dist', 'consumer.js');
  t.true(fs.existsSync(program), built.output);

  // 2. A tenant with users and a department, another tenant, and a reader credential for the first.
  const admin = directory.clients;
  const tenantId = await newTenant(admin, 'Consumer Co');
  const otherTenantId = await newTenant(admin, 'Someone Else');
  const create = (userName: string, department?: string) =>
    admin.directory.createUser({
      tenantId,
      user: userInput(userName, department ? { enterprise: { department } } : {}),
      requestId: '',
    });
  await create('ada@example.com', 'Engineering');
  await create('grace@example.com', 'Engineering');
  await create('linus@example.com', 'Sales');
  const reader = await directory.issueCredential('reader', [tenantId]);

  // Preconditions, read with the admin credential: what the consumer should find.
  const users = await admin.directory.listUsers({ tenantId, query: query(), withoutMemberships: true });
  t.deepEqual(users.users.map((u) => u.userName).sort(), [
    'ada@example.com',
    'grace@example.com',
    'linus@example.com',
  ]);
  const engineering = await admin.directory.listUsers({
    tenantId,
    query: query({ filter: cmp('enterprise.department', 'eq', 'Engineering') }),
    withoutMemberships: true,
  });
  t.is(engineering.users.length, 2);
  const departments = await admin.directory.listDepartments({ tenantId, query: query() });
  t.deepEqual(departments.departments.map((d) => d.name).sort(), ['Engineering', 'Sales']);

  // 3. Run it; once it says where it follows from, write what it should see.
  const expected = 'margaret@example.com';
  const consumer = run(
    process.execPath,
    [program],
    {
      DIRECTORY_ADDRESS: directory.address,
      DIRECTORY_CREDENTIAL: reader.secret,
      TENANT_ID: tenantId,
      OTHER_TENANT_ID: otherTenantId,
      DEPARTMENT: 'Engineering',
      EXPECT_USER_NAME: expected,
      CONSUMER_TIMEOUT_MS: String(4 * MINUTE),
    },
    5 * MINUTE,
  );
  const ready = await lineOf(
    consumer,
    (line) => (line.includes('"step":"ready"') ? (JSON.parse(line) as { afterSequence: number }) : undefined),
    4 * MINUTE,
  );
  const written = await create(expected, 'Engineering');
  const { code, output } = await consumer.finished;
  t.is(code, 0, output);

  const seen = steps(output);
  t.deepEqual(seen.get('serving'), { step: 'serving', serving: true });
  t.deepEqual(seen.get('users'), {
    step: 'users',
    total: 3,
    userNames: ['ada@example.com', 'grace@example.com', 'linus@example.com'],
  });
  t.deepEqual(seen.get('usersInDepartment')?.userNames, ['grace@example.com', 'ada@example.com']);
  t.deepEqual(seen.get('departments')?.names, ['Engineering', 'Sales']);
  t.is(seen.get('members')?.total, 2);
  t.deepEqual(
    [...(seen.get('members')?.userNames as string[])].sort(),
    ['ada@example.com', 'grace@example.com'],
    'the members of Engineering',
  );
  t.deepEqual(seen.get('otherTenant'), {
    step: 'otherTenant',
    refused: true,
    code: status.PERMISSION_DENIED,
    reason: 'ERROR_REASON_UNSPECIFIED',
  });
  const event = seen.get('event')!;
  t.is(event.resourceName, expected);
  t.is(event.kind, 'user.created');
  t.true((event.sequence as number) > ready.afterSequence, 'an event after the one it started from');
  t.is(typeof written.id, 'string');
});
