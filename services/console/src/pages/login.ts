import Router from '@koa/router';
import { status as grpcStatus, type ServiceError } from '@grpc/grpc-js';
import type { Context } from 'koa';
import { OperatorRole } from '#proto/admin.js';
import { COOKIE, formOf, send, type ConsoleDeps } from '../context.js';
import { html } from '../html.js';
import { ErrorReason, reasonOf } from '@wizer/directory-client';

/** Only a path of this console: never another site (`//evil`), never a scheme. */
const safeNext = (next: string | null | undefined) =>
  next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/tenants';

function loginPage(ctx: Context, next: string, problem?: string, name = '', status = 200) {
  send(
    ctx,
    'Sign in',
    html`<div class="login panel">
      <h1>Sign in</h1>
      ${ctx.query.signedOut ? html`<p class="notice">You are signed out.</p>` : ''}
      ${problem ? html`<p class="notice bad" data-error>${problem}</p>` : ''}
      <form method="post" action="/login">
        <input type="hidden" name="next" value="${next}" />
        <label for="name">Operator name</label>
        <input type="text" id="name" name="name" value="${name}" autocomplete="username" required autofocus />
        <label for="password">Password</label>
        <input type="password" id="password" name="password" autocomplete="current-password" required />
        <p><button type="submit" class="primary">Sign in</button></p>
      </form>
      <p class="muted">
        No account? An engineer with the admin CLI adds one:
        <code>npm run admin -- operators add --name you --role viewer</code>
      </p>
    </div>`,
    status,
  );
}

/** GET and POST /login: operators sign in with the name and password the admin CLI gave them. */
export function loginRoutes(deps: ConsoleDeps): Router {
  const router = new Router();
  router.get('/login', (ctx) => {
    if (deps.sessions.get(ctx.cookies.get(COOKIE)))
      return ctx.redirect(safeNext(String(ctx.query.next ?? '')));
    loginPage(ctx, safeNext(String(ctx.query.next ?? '')));
  });
  router.post('/login', async (ctx) => {
    const form = await formOf(ctx);
    const name = (form.get('name') ?? '').trim();
    const password = form.get('password') ?? '';
    const next = safeNext(form.get('next'));
    if (deps.limiter.blocked(name)) {
      deps.logger.info({ operator: name.slice(0, 64) }, 'console sign-in refused: too many failures');
      return loginPage(ctx, next, 'Too many failed sign-ins for this name: wait 15 minutes.', name, 429);
    }
    try {
      const operator = await deps.directory.admin.authenticateOperator({ name, password });
      deps.limiter.succeeded(name);
      const session = deps.sessions.create({
        name: operator.name,
        role: operator.role === OperatorRole.OPERATOR_ROLE_ADMIN ? 'admin' : 'viewer',
      });
      ctx.cookies.set(COOKIE, session.id, {
        httpOnly: true,
        sameSite: 'strict',
        // Served over HTTPS (itself, or behind a trusted proxy): the cookie never travels in clear.
        secure: ctx.secure,
        path: '/',
        overwrite: true,
      });
      deps.logger.info({ operator: operator.name }, 'console sign-in');
      ctx.status = 303;
      ctx.redirect(next);
    } catch (error) {
      // The console's own credential refused is not the operator's mistake.
      if (
        (error as ServiceError).code !== grpcStatus.UNAUTHENTICATED ||
        reasonOf(error) === ErrorReason.SERVICE_CREDENTIAL
      )
        throw error;
      deps.limiter.failed(name);
      deps.logger.info({ operator: name.slice(0, 64) }, 'console sign-in refused');
      loginPage(ctx, next, 'Wrong name or password.', name, 401);
    }
  });
  return router;
}
