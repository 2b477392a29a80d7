import type { Context } from 'koa';
import getRawBody from 'raw-body';
import type { DirectoryClients } from '@wizer/directory-client';
import type { Html } from './html.js';
import { page } from './layout.js';
import type { LoginLimiter, Session, SessionStore } from './sessions.js';

export interface ConsoleLogger {
  info(o: object, msg?: string): void;
  error(o: object, msg?: string): void;
}

/** What every page handler gets. */
export interface ConsoleDeps {
  directory: DirectoryClients;
  sessions: SessionStore;
  limiter: LoginLimiter;
  now: () => number;
  logger: ConsoleLogger;
}

export const COOKIE = 'wizer_console';

/** The signed-in session of a request (the auth middleware has set it). */
export const sessionOf = (ctx: Context): Session => ctx.state.session as Session;

/** The settings of a directory call made for the signed-in operator: they are its actor. */
export const asOperator = (ctx: Context) => ({ actor: `operator:${sessionOf(ctx).operator.name}` });

/** The fields of a urlencoded form (at most 16 KiB), read once. */
export async function formOf(ctx: Context): Promise<URLSearchParams> {
  if (ctx.state.form) return ctx.state.form as URLSearchParams;
  if (!ctx.is('application/x-www-form-urlencoded')) ctx.throw(415, 'a form was expected');
  const text = await getRawBody(ctx.req, { limit: '16kb', encoding: 'utf8' });
  const form = new URLSearchParams(text);
  ctx.state.form = form;
  return form;
}

/** Answers an HTML page. */
export function send(ctx: Context, title: string, body: Html, status = 200): void {
  ctx.status = status;
  ctx.type = 'text/html; charset=utf-8';
  ctx.body = page(title, body, ctx.state.session as Session | undefined);
}

/** Refuses a viewer: the console's actions are for admin operators. */
export function requireAdmin(ctx: Context): void {
  if (sessionOf(ctx).operator.role !== 'admin')
    ctx.throw(403, 'only an admin operator may do this; ask one, or have the admin CLI make you one');
}
