/**
 * Floor (b), the HTTP half: Koa → the directory over the same multiplexed channel the
 * gateway uses (`connectDirectory(…, { multiplex })`, DIRECTORY_STREAMS streams, default 4 as
 * the gateway's, with a service credential), and no SCIM auth, parsing beyond a regex,
 * validation, SCIM mapping, logging or metrics. Kept beside the benchmark only.
 */
import Router from '@koa/router';
import Koa from 'koa';
import getRawBody from 'raw-body';
import { cmp, connectDirectory, query } from '@wizer/directory-client';
import { User } from '#proto/user.js';

// The minimal directory serves the channel only: at least one stream.
const streams = Math.max(1, Number(process.env.DIRECTORY_STREAMS || 4));
const { directory } = connectDirectory(process.env.DIRECTORY_ADDRESS!, {
  actor: 'bench',
  credential: process.env.BENCH_CREDENTIAL,
  multiplex: { streams },
});
const tenantId = process.env.BENCH_TENANT!;
const router = new Router();
const json = async (ctx: Koa.Context) => JSON.parse(await getRawBody(ctx.req, { encoding: 'utf8' }));

router.get('/Users', async (ctx) => {
  const userName = /userName eq "([^"]+)"/.exec(String(ctx.query.filter ?? ''))?.[1];
  const offset = Number(ctx.query.startIndex ?? 1) - 1;
  const q = query({
    filter: userName ? cmp('user_name', 'eq', userName) : undefined,
    offset,
    limit: Number(ctx.query.count ?? 100),
  });
  ctx.body = await directory.listUsers({ tenantId, query: q, withoutMemberships: true });
});
router.get('/Users/:id', async (ctx) => {
  ctx.body = await directory.getUser({ tenantId, id: ctx.params.id! });
});
router.post('/Users', async (ctx) => {
  ctx.status = 201;
  ctx.body = await directory.createUser({
    tenantId,
    user: User.fromPartial({ userName: (await json(ctx)).userName }),
    requestId: '',
  });
});
const update = async (ctx: Koa.Context & { params: Record<string, string> }) => {
  const body = await json(ctx);
  const active = body.Operations ? body.Operations[0].value.active : body.active;
  ctx.body = await directory.updateUser({
    tenantId,
    id: ctx.params.id!,
    user: User.fromPartial({ active, title: body.title }),
    updateMask: [],
    expectedVersion: undefined,
  });
};
router.put('/Users/:id', update);
router.patch('/Users/:id', update);
router.patch('/Groups/:id', async (ctx) => {
  const tenantId = String(ctx.query.tenant ?? process.env.BENCH_TENANT);
  const op = (await json(ctx)).Operations[0];
  const ids =
    op.op === 'add' ? op.value.map((m: { value: string }) => m.value) : [/"([^"]+)"/.exec(op.path)![1]];
  await directory.changePushedMembers({
    tenantId,
    departmentId: ctx.params.id!,
    replace: undefined,
    addUserIds: op.op === 'add' ? ids : [],
    removeUserIds: op.op === 'add' ? [] : ids,
    expectedVersion: undefined,
  });
  ctx.status = 204;
});
const app = new Koa().use(router.routes());
const server = app.listen(Number(process.env.PORT), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
