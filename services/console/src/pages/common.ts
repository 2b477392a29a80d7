import type { Context } from 'koa';
import type { Tenant, TokenInfo } from '#proto/admin.js';
import { EventOutcome, type Event } from '#proto/event.js';
import type { ConsoleDeps } from '../context.js';
import { asOperator } from '../context.js';
import { html, when, type Html } from '../html.js';

export const outcomeName = (o: EventOutcome) =>
  o === EventOutcome.EVENT_OUTCOME_ERROR
    ? 'error'
    : o === EventOutcome.EVENT_OUTCOME_WARNING
      ? 'warning'
      : 'ok';

/** The tenant of that id, or 404. */
export async function tenantOf(ctx: Context, deps: ConsoleDeps, id: string): Promise<Tenant> {
  const { tenants } = await deps.directory.admin.listTenants({}, asOperator(ctx));
  const tenant = tenants.find((t) => t.id === id);
  if (!tenant) ctx.throw(404, `no such tenant: ${id}`);
  return tenant;
}

export const tokenStatus = (t: TokenInfo, now: number) =>
  t.revokedAt ? 'revoked' : t.expiresAt && t.expiresAt.getTime() <= now ? 'expired' : 'live';

/** What an event says in one line: its kind, its subject, and why (for problems). */
export function eventLine(e: Event): Html {
  const after = (e.after ?? {}) as Record<string, unknown>;
  const before = (e.before ?? {}) as Record<string, unknown>;
  let detail: Html | string = '';
  if (e.kind === 'request.rejected')
    detail = html` — ${String(after.operation ?? '')} ${after.status ? `(${String(after.status)})` : ''}:
    ${e.reason}${after.repeats ? ` (${String(after.repeats)} more like this)` : ''}`;
  else if (e.kind === 'department.renamed')
    detail = html` — ${before.name ? `from “${String(before.name)}” ` : ''}to
    “${String(after.name ?? e.resourceName)}”`;
  else if (e.kind === 'department.members_changed') {
    const n = (key: string) => (Array.isArray(after[key]) ? (after[key] as unknown[]).length : 0);
    detail = html` — ${n('added')} added, ${n('removed')}
    removed${n('skipped') ? `, ${n('skipped')} skipped` : ''}${e.reason ? `: ${e.reason}` : ''}`;
  } else if (e.reason) detail = html` — ${e.reason}`;
  return html`<span class="pill ${outcomeName(e.outcome)}">${e.kind}</span>
    <strong>${e.resourceName || e.resourceId}</strong>${detail}
    <span class="muted">· ${e.actor} · ${when(e.occurredAt)}</span>`;
}

/** One entry of a tenant's live feed. */
export const feedItem = (e: Event): Html =>
  html`<li data-seq="${e.sequence}"><span class="seq">#${e.sequence}</span>${eventLine(e)}</li>`;

/** The tabs of a tenant's pages. */
export const tenantTabs = (tenant: Tenant, current: string): Html =>
  html`<nav class="crumbs">
      <a href="/tenants">Tenants</a> › <a href="/tenants/${tenant.id}">${tenant.name}</a>
    </nav>
    <nav class="tabs">
      ${[
        ['overview', `/tenants/${tenant.id}`, 'Overview'],
        ['people', `/tenants/${tenant.id}/people`, 'People'],
        ['departments', `/tenants/${tenant.id}/departments`, 'Departments'],
      ].map(([key, href, label]) =>
        key === current ? html`<strong>${label}</strong>` : html`<a href="${href}">${label}</a>`,
      )}
    </nav>`;

/** A query-string value as a string ('' when absent or repeated). */
export const param = (ctx: Context, name: string): string => {
  const value = ctx.query[name];
  return typeof value === 'string' ? value : '';
};
