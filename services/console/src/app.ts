import Router from '@koa/router';
import { status as grpcStatus, type ServiceError } from '@grpc/grpc-js';
import Koa, { type Context, type Next } from 'koa';
import type { DirectoryClients } from '@wizer/directory-client';
import { STYLE, SCRIPT } from './assets.js';
import { COOKIE, formOf, send, sessionOf, type ConsoleDeps, type ConsoleLogger } from './context.js';
import { html } from './html.js';
import { actionRoutes } from './pages/actions.js';
import { departmentRoutes } from './pages/departments.js';
import { loginRoutes } from './pages/login.js';
import { peopleRoutes } from './pages/people.js';
import { tenantRoutes } from './pages/tenants.js';
import { csrfMatches, LoginLimiter, SessionStore } from './sessions.js';

export interface ConsoleOptions {
  /** Clients with the console's service credential (role console). */
  directory: DirectoryClients;
  sessionMinutes: number;
  /**
   * Behind a TLS-terminating proxy: believe its X-Forwarded-Proto/Host, so the Origin check
   * compares with the public origin and cookies are Secure when the browser used HTTPS.
   */
  trustProxy?: boolean;
  /** The clock of sessions and sign-in limits (ms), for tests; default Date.now. */
  now?: () => number;
  logger?: ConsoleLogger;
}

/** The HTTP answer for a directory refusal, in words an operator can act on. */
function fromGrpc(error: ServiceError): { status: number; message: string } {
  switch (error.code) {
    case grpcStatus.NOT_FOUND:
      return { status: 404, message: error.details || 'not found' };
    case grpcStatus.INVALID_ARGUMENT:
      return { status: 400, message: error.details };
    case grpcStatus.FAILED_PRECONDITION:
      return { status: 409, message: error.details };
    case grpcStatus.PERMISSION_DENIED:
      return { status: 403, message: error.details };
    case grpcStatus.UNAUTHENTICATED:
      return {
        status: 503,
        message:
          'the directory refused the console’s service credential: set CONSOLE_DIRECTORY_CREDENTIAL to a console credential, or run beside the directory that wrote the local credentials file',
      };
    default:
      return { status: 503, message: 'the directory cannot be reached right now; try again in a moment' };
  }
}

const isGrpcError = (error: unknown): error is ServiceError =>
  typeof (error as ServiceError)?.code === 'number' && 'details' in (error as object);

/** The Koa app of the operator console (server-rendered pages, progressive enhancement). */
export function buildConsoleApp(options: ConsoleOptions): Koa {
  const now = options.now ?? Date.now;
  const deps: ConsoleDeps = {
    directory: options.directory,
    sessions: new SessionStore(options.sessionMinutes * 60_000, now),
    limiter: new LoginLimiter(5, 15 * 60_000, now),
    now,
    logger: options.logger ?? { info() {}, error() {} },
  };
  const app = new Koa();
  app.proxy = options.trustProxy ?? false;
  // A browser leaving a page ends its event stream early: that is not a fault.
  app.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'ERR_STREAM_PREMATURE_CLOSE' || error.code === 'ECONNRESET' || error.code === 'EPIPE')
      return;
    deps.logger.error({ err: String(error.message) }, 'console error');
  });

  // Errors: a page saying what happened; directory refusals mapped to statuses.
  app.use(async (ctx, next) => {
    try {
      await next();
    } catch (error) {
      let status = 500;
      let message = 'something went wrong; it has been logged';
      if (isGrpcError(error)) ({ status, message } = fromGrpc(error));
      else if ((error as { expose?: boolean }).expose) {
        status = (error as { status: number }).status;
        message = (error as Error).message;
      }
      if (status >= 500)
        deps.logger.error({ err: String((error as Error)?.message), path: ctx.path }, 'console error');
      send(
        ctx,
        `${status}`,
        html`<h1>${status === 403 ? 'Not allowed' : status === 404 ? 'Not found' : 'Refused'}</h1>
          <p class="notice bad" data-error>${message}</p>
          <p><a href="/tenants">Back to the tenants</a></p>`,
        status,
      );
    }
  });

  // Every answer: no framing, no sniffing, scripts and styles from here only, nothing cached.
  app.use(async (ctx, next) => {
    ctx.set(
      'Content-Security-Policy',
      "default-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    );
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'same-origin');
    ctx.set('X-Frame-Options', 'DENY');
    ctx.set('Cache-Control', 'no-store');
    await next();
  });

  const open = new Router();
  open.get('/static/console.css', (ctx) => {
    ctx.type = 'text/css; charset=utf-8';
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = STYLE;
  });
  open.get('/static/console.js', (ctx) => {
    ctx.type = 'text/javascript; charset=utf-8';
    ctx.set('Cache-Control', 'public, max-age=300');
    ctx.body = SCRIPT;
  });
  open.get('/healthz', (ctx) => {
    ctx.body = 'ok';
  });
  app.use(open.routes());

  // A POST comes from a page of this console: its Origin (or, without one, its Referer) is ours.
  app.use(async (ctx, next) => {
    if (ctx.method === 'POST') {
      const origin = `${ctx.protocol}://${ctx.host}`;
      const given = ctx.get('Origin');
      const referer = ctx.get('Referer');
      const same = given ? given === origin : referer.startsWith(`${origin}/`);
      if (!same) ctx.throw(403, 'this form was not sent from the console’s own pages');
    }
    await next();
  });

  app.use(loginRoutes(deps).routes());

  // Everything else needs a live session; every POST its CSRF token.
  app.use(async (ctx: Context, next: Next) => {
    const session = deps.sessions.get(ctx.cookies.get(COOKIE));
    if (!session) {
      if (ctx.method === 'GET' && ctx.accepts('html') && !ctx.path.endsWith('/stream')) {
        const next = encodeURIComponent(ctx.originalUrl);
        ctx.redirect(`/login?next=${next}`);
        return;
      }
      ctx.throw(401, 'sign in first: your session has ended');
    }
    ctx.state.session = session;
    if (ctx.method === 'POST') {
      const form = await formOf(ctx);
      if (!csrfMatches(session, form.get('_csrf')))
        ctx.throw(403, 'this form is stale or was not made by the console: reload the page and try again');
    }
    await next();
  });

  const routes = new Router();
  routes.get('/', (ctx) => ctx.redirect('/tenants'));
  routes.post('/logout', (ctx) => {
    deps.sessions.destroy(sessionOf(ctx).id);
    ctx.cookies.set(COOKIE, '', { httpOnly: true, sameSite: 'strict', secure: ctx.secure, maxAge: 0 });
    ctx.state.session = undefined;
    ctx.status = 303;
    ctx.redirect('/login?signedOut=1');
  });
  tenantRoutes(routes, deps);
  peopleRoutes(routes, deps);
  departmentRoutes(routes, deps);
  actionRoutes(routes, deps);
  app.use(routes.routes());
  app.use(routes.allowedMethods());
  return app;
}
