import anyTest, { type TestFn } from 'ava';
import { adminEnv, runAdmin } from '../helpers/admin-cli.js';
import { oktaUser, startGateway, type GatewayFixture } from '../helpers/gateway.js';

/**
 * "Why is Ada not in Platform?", the question support gets most, answered from the CLI after
 * Okta pushed the group before Ada was provisioned (her Okta id, unknown to Wizer: skipped with
 * a warning), then created her, then pushed the group again with her Wizer id.
 */

const test = anyTest as TestFn<GatewayFixture>;

test.before(async (t) => {
  t.context = await startGateway();
});
test.after.always(async (t) => {
  await t.context.close();
});

const patchOp = (...operations: object[]) => ({
  schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
  Operations: operations,
});

test('a push before the user was provisioned, the user created, the push again: explain and log --user tell it in order', async (t) => {
  const { tenantId, token } = await t.context.tenant('Okta Co');
  const scim = (method: string, path: string, body?: unknown) =>
    t.context.scim(method, path, { token, body });
  const ada = oktaUser('ada.lovelace@example.com');
  // 1. Okta pushes Platform naming Ada by its own id: she is not provisioned yet.
  const group = await scim('POST', '/Groups', {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
    displayName: 'Platform',
    members: [{ value: ada.externalId, display: ada.userName }],
  });
  t.is(group.status, 201);
  t.deepEqual(group.body.members ?? [], [], 'the unknown id was skipped');
  // 2. She is assigned to the app: Okta creates her.
  const created = await scim('POST', '/Users', ada);
  t.is(created.status, 201);
  const id: string = created.body.id;
  // 3. Okta pushes the membership again, with her Wizer id.
  const added = await scim(
    'PATCH',
    `/Groups/${group.body.id}`,
    patchOp({ op: 'add', path: 'members', value: [{ value: id }] }),
  );
  t.is(added.status, 204);

  const env = adminEnv(t.context);
  const [explained, logged, logJson] = await Promise.all([
    runAdmin(env, 'explain', '--tenant', tenantId, '--user', 'Ada.Lovelace@example.com'),
    runAdmin(env, 'log', '--tenant', tenantId, '--user', ada.userName),
    runAdmin(env, 'log', '--tenant', tenantId, '--user', id, '--json'),
  ]);
  t.is(explained.code, 0, explained.stderr);
  const text = explained.stdout;
  t.log(text);
  t.regex(
    text,
    new RegExp(`^\\* ada\\.lovelace@example\\.com exists \\(id ${id}\\), created at \\S+ by token:`),
  );
  t.regex(text, /\n\* They are active\.\n/);
  t.regex(text, /\n\* In "Platform" as a pushed member of that group since \S+ by token:/);
  t.regex(
    text,
    new RegExp(
      `\\n\\* \\S+ a membership change of "Platform" \\(token:\\S+\\) named ${ada.externalId}, their externalId .* and skipped it; they were created only at \\S+\\. A later change added them: they are a pushed member of "Platform" now\\.`,
    ),
  );
  // The story in order: the skipped push (a warning), her creation, the membership.
  const history = text.slice(text.indexOf('History (oldest first)')).trimEnd();
  const lines = history.split('\n').slice(3);
  t.deepEqual(
    lines.map((line) => line.split(/\s{2,}/).slice(2, 5)),
    [
      ['department.members_changed', 'WARNING', 'Platform'],
      ['user.created', 'ok', ada.userName],
      ['department.members_changed', 'ok', 'Platform'],
    ],
  );
  t.regex(
    lines[0]!,
    new RegExp(`skipped 1 member id\\(s\\) that are not users of this tenant: ${ada.externalId}`),
  );
  t.regex(
    text,
    new RegExp(
      `\\nMembership changes that skipped them \\(newest first\\)\\n.*\\n.*\\n\\S+\\s+\\d+\\s+Platform\\s+${ada.externalId}\\s+their externalId\\s+yes\\s+yes\\n`,
    ),
  );

  // log --user: the same three, newest first, by userName or by id.
  t.is(logged.code, 0, logged.stderr);
  t.deepEqual(
    logged.stdout
      .trim()
      .split('\n')
      .slice(2)
      .map((line) => line.split(/\s{2,}/).slice(2, 4)),
    [
      ['department.members_changed', 'ok'],
      ['user.created', 'ok'],
      ['department.members_changed', 'WARNING'],
    ],
  );
  const events = JSON.parse(logJson.stdout) as {
    kind: string;
    outcome: string;
    after: Record<string, unknown>;
  }[];
  t.deepEqual(
    events.map((e) => [e.kind, e.outcome]),
    [
      ['department.members_changed', 'ok'],
      ['user.created', 'ok'],
      ['department.members_changed', 'warning'],
    ],
  );
  t.deepEqual(events[0]!.after.added, [id]);
  t.deepEqual(events[2]!.after.skipped, [ada.externalId]);
});

test('explain for someone Okta never sent, and for someone it tried to create and was refused', async (t) => {
  const { tenantId } = await t.context.tenant('Refusals Co');
  // A create the gateway refused, as it records it.
  await t.context.gatewayClients.directory.recordRejection({
    tenantId,
    operation: 'POST /api/v1/scim/v2/Users',
    reason: 'emails[0].value is not an email address',
    httpStatus: 400,
    scimType: 'invalidValue',
    resourceType: 'user',
    resourceId: '',
    resourceName: 'alan@example.com',
    repeats: 0,
  });
  const env = adminEnv(t.context);
  const [never, refused] = await Promise.all([
    runAdmin(env, 'explain', '--tenant', tenantId, '--user', 'nobody@example.com'),
    runAdmin(env, 'explain', '--tenant', tenantId, '--user', 'alan@example.com'),
  ]);
  t.is(never.code, 0, never.stderr);
  t.regex(
    never.stdout,
    /^\* No user nobody@example\.com exists, and the log holds no request about them: the provisioning client has not sent them\. In Okta, only users assigned to the SCIM app .* are provisioned\.\n$/,
  );
  t.is(refused.code, 0, refused.stderr);
  t.regex(
    refused.stdout,
    /^\* No user alan@example\.com exists in this tenant\.\n\* The latest request about them that was refused: \S+ POST \/api\/v1\/scim\/v2\/Users was refused \(400\): emails\[0\]\.value is not an email address\.\n/,
  );
  t.regex(refused.stdout, /\nRejected requests about them \(newest first\)\n/);
});
