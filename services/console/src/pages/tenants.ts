import type Router from '@koa/router';
import type { Context } from 'koa';
import { PassThrough } from 'node:stream';
import { ListEventsRequest, type CountUserCreationsResponse, type TenantSummary } from '#proto/directory.js';
import { asOperator, send, sessionOf, type ConsoleDeps } from '../context.js';
import { ago, count, html, raw, when, type Html } from '../html.js';
import { DONE } from './actions.js';
import { feedItem, param, tenantOf, tenantTabs, tokenStatus } from './common.js';

const PAGE = 50;
const MINUTE = 60_000;
/** The curve's windows: how far back, and the minutes per bar. */
const WINDOWS: Record<string, { ms: number; bucket: number; label: string }> = {
  '1h': { ms: 60 * MINUTE, bucket: 1, label: 'last hour' },
  '6h': { ms: 6 * 60 * MINUTE, bucket: 5, label: 'last 6 hours' },
  '24h': { ms: 24 * 60 * MINUTE, bucket: 15, label: 'last 24 hours' },
  '7d': { ms: 7 * 24 * 60 * MINUTE, bucket: 60, label: 'last 7 days' },
};

/** The counts a tenant's page shows and its stream updates, by their `data-count` names. */
export const summaryCounts = (s: TenantSummary, now: number) => ({
  activeUsers: count(s.activeUsers),
  inactiveUsers: count(s.inactiveUsers),
  users: count(s.activeUsers + s.inactiveUsers),
  pushedDepartments: count(s.pushedDepartments),
  attributeDepartments: count(s.attributeDepartments),
  rejections: count(s.rejections),
  lastRequest: ago(s.lastRequestAt, now),
});

/**
 * The initial-sync curve as an inline SVG (readable without JS): users created per minute in
 * each bar of the window, and the running total as a line.
 */
export function curveSvg(
  data: CountUserCreationsResponse,
  since: number,
  until: number,
  bucketMinutes: number,
): Html {
  const W = 800;
  const H = 200;
  const left = 44;
  const right = 56;
  const top = 14;
  const bottom = 26;
  const bucketMs = bucketMinutes * MINUTE;
  const start = Math.floor(since / bucketMs) * bucketMs;
  const buckets = Math.max(1, Math.ceil((until - start) / bucketMs));
  const sums = new Array<number>(buckets).fill(0);
  for (const m of data.minutes) {
    const i = Math.floor((m.minute!.getTime() - start) / bucketMs);
    if (i >= 0 && i < buckets) sums[i]! += m.count;
  }
  const rates = sums.map((s) => s / bucketMinutes);
  const peak = Math.max(1, ...rates);
  const total = data.total;
  const plotW = W - left - right;
  const plotH = H - top - bottom;
  const barW = plotW / buckets;
  const bars = rates
    .map((r, i) =>
      r > 0
        ? `<rect class="bar" x="${(left + i * barW).toFixed(1)}" y="${(top + plotH - (r / peak) * plotH).toFixed(1)}" width="${Math.max(1, barW - 1).toFixed(1)}" height="${((r / peak) * plotH).toFixed(1)}"><title>${Math.round(r * 10) / 10}/min</title></rect>`
        : '',
    )
    .join('');
  let running = 0;
  const points = sums
    .map((s, i) => {
      running += s;
      const y = top + plotH - (total ? (running / total) * plotH : 0);
      return `${(left + (i + 1) * barW).toFixed(1)},${y.toFixed(1)}`;
    })
    .join(' ');
  const label = (t: number) => new Date(t).toISOString().slice(11, 16);
  const svg = `<svg class="curve" viewBox="0 0 ${W} ${H}" role="img" aria-label="Users created per minute: ${total} in the window, at most ${Math.round(peak)} a minute">
<line x1="${left}" y1="${top + plotH}" x2="${W - right}" y2="${top + plotH}" stroke="#d8dde5"/>
${bars}
<polyline points="${left},${top + plotH} ${points}" fill="none" stroke="#2a7a3b" stroke-width="1.5"/>
<text x="${left - 6}" y="${top + 8}" text-anchor="end">${Math.round(peak)}/min</text>
<text x="${left - 6}" y="${top + plotH}" text-anchor="end">0</text>
<text x="${W - right + 6}" y="${top + 8}">${total} total</text>
<text x="${left}" y="${H - 8}">${label(start)} UTC</text>
<text x="${W - right}" y="${H - 8}" text-anchor="end">${label(until)} UTC</text>
</svg>`;
  const lastMinute = data.minutes.length ? data.minutes[data.minutes.length - 1]! : undefined;
  return html`${raw(svg)}
    <p class="muted">
      <span data-curve-total>${count(total)}</span> users created in the window; peak
      ${Math.round(peak * 10) / 10} a
      minute${lastMinute ? html`; last at ${when(lastMinute.minute)} (${lastMinute.count} that minute)` : ''}.
    </p>`;
}

function windowOf(ctx: Context) {
  const key = WINDOWS[param(ctx, 'window')] ? param(ctx, 'window') : '1h';
  return { key, ...WINDOWS[key]! };
}

async function curve(ctx: Context, deps: ConsoleDeps, tenantId: string) {
  const w = windowOf(ctx);
  // The real time, not the sessions' clock: a window of the log as it is.
  const until = Date.now();
  const since = until - w.ms;
  const data = await deps.directory.directory.countUserCreations(
    { tenantId, since: new Date(since), until: new Date(until) },
    asOperator(ctx),
  );
  return { window: w, svg: curveSvg(data, since, until, w.bucket) };
}

export function tenantRoutes(routes: Router, deps: ConsoleDeps): void {
  /** Every tenant with its counts, last SCIM request, rejections of the day and tokens. */
  routes.get('/tenants', async (ctx) => {
    const { tenants } = await deps.directory.admin.listTenants({}, asOperator(ctx));
    const pageNo = Math.max(1, Number(param(ctx, 'page')) || 1);
    const shown = tenants.slice((pageNo - 1) * PAGE, pageNo * PAGE);
    const now = Date.now();
    const rows = await Promise.all(
      shown.map(async (tenant) => {
        const [summary, { tokens }] = await Promise.all([
          deps.directory.directory.summarizeTenant(
            { tenantId: tenant.id, since: undefined },
            asOperator(ctx),
          ),
          deps.directory.admin.listTokens({ tenantId: tenant.id }, asOperator(ctx)),
        ]);
        return { tenant, summary, tokens };
      }),
    );
    send(
      ctx,
      'Tenants',
      html`<h1>Tenants</h1>
        <p class="muted">
          ${tenants.length} ${tenants.length === 1 ? 'tenant' : 'tenants'}. Users and departments now;
          rejected SCIM requests of the last 24 hours; each token’s last use.
        </p>
        <table data-table="tenants">
          <thead>
            <tr>
              <th>Tenant</th>
              <th>Status</th>
              <th class="num">Users active / inactive</th>
              <th class="num">Departments pushed / attribute-only</th>
              <th>Last SCIM request</th>
              <th class="num">Errors (24 h)</th>
              <th>Tokens (last used)</th>
            </tr>
          </thead>
          <tbody>
            ${rows.map(
              ({ tenant, summary, tokens }) =>
                html`<tr data-tenant="${tenant.id}">
                  <td>
                    <a href="/tenants/${tenant.id}">${tenant.name}</a><br /><span class="muted"
                      >${tenant.id}</span
                    >
                  </td>
                  <td>
                    <span class="pill ${tenant.disabled ? 'disabled' : 'active'}"
                      >${tenant.disabled ? 'disabled' : 'active'}</span
                    >
                  </td>
                  <td class="num">${count(summary.activeUsers)} / ${count(summary.inactiveUsers)}</td>
                  <td class="num">
                    ${count(summary.pushedDepartments)} / ${count(summary.attributeDepartments)}
                  </td>
                  <td title="${when(summary.lastRequestAt)}">${ago(summary.lastRequestAt, now)}</td>
                  <td class="num ${summary.rejections ? 'bad' : ''}">${count(summary.rejections)}</td>
                  <td>
                    ${
                      tokens.length
                        ? tokens.map(
                            (t) =>
                              html`<div>
                                <code>${t.prefix}…</code>
                                <span class="pill ${tokenStatus(t, now)}">${tokenStatus(t, now)}</span>
                                <span class="muted">${ago(t.lastUsedAt, now)}</span>
                              </div>`,
                          )
                        : html`<span class="muted">none</span>`
                    }
                  </td>
                </tr>`,
            )}
          </tbody>
        </table>
        ${tenants.length > pageNo * PAGE ? html`<p><a href="/tenants?page=${pageNo + 1}">Next page</a></p>` : ''}
        ${pageNo > 1 ? html`<p><a href="/tenants?page=${pageNo - 1}">Previous page</a></p>` : ''}`,
    );
  });

  /** A tenant: counts, the sync curve, the live feed, rejections by reason, tokens and actions. */
  routes.get('/tenants/:id', async (ctx) => {
    const tenant = await tenantOf(ctx, deps, ctx.params.id!);
    const call = asOperator(ctx);
    const tenantId = tenant.id;
    const now = Date.now();
    const [summary, recent, rejections, { tokens }, chart] = await Promise.all([
      deps.directory.directory.summarizeTenant({ tenantId, since: undefined }, call),
      deps.directory.directory.listEvents(ListEventsRequest.fromPartial({ tenantId, limit: 30 }), call),
      deps.directory.directory.summarizeRejections({ tenantId, since: undefined, examples: 3 }, call),
      deps.directory.admin.listTokens({ tenantId }, call),
      curve(ctx, deps, tenantId),
    ]);
    const counts = summaryCounts(summary, now);
    // The feed shows the entries listed; the stream follows after the newest of them.
    const after = recent.events[0]?.sequence ?? 0;
    const admin = sessionOf(ctx).operator.role === 'admin';
    const done = DONE[param(ctx, 'done')];
    const card = (name: keyof typeof counts, label: string) =>
      html`<div class="card">
        <div class="label">${label}</div>
        <div class="value" data-count="${name}">${counts[name]}</div>
      </div>`;
    send(
      ctx,
      tenant.name,
      html`${tenantTabs(tenant, 'overview')}
        <h1>
          ${tenant.name}
          <span class="pill ${tenant.disabled ? 'disabled' : 'active'}" data-tenant-status
            >${tenant.disabled ? 'disabled' : 'active'}</span
          >
        </h1>
        ${done ? html`<p class="notice" data-done>${done}</p>` : ''}
        <div class="cards">
          ${card('users', 'Users')} ${card('activeUsers', 'Active')} ${card('inactiveUsers', 'Inactive')}
          ${card('pushedDepartments', 'Pushed departments')}
          ${card('attributeDepartments', 'Attribute-only departments')}
          ${card('rejections', 'Rejected requests (24 h)')} ${card('lastRequest', 'Last SCIM request')}
        </div>

        <h2>Users provisioned (${chart.window.label}, per minute)</h2>
        <p class="muted">
          ${Object.entries(WINDOWS).map(([key, w]) =>
            key === chart.window.key
              ? html`<strong>${w.label}</strong> · `
              : html`<a href="/tenants/${tenantId}?window=${key}">${w.label}</a> · `,
          )}
          bars: users created a minute; line: the running total.
        </p>
        <div id="curve" data-src="/tenants/${tenantId}/curve?window=${chart.window.key}">${chart.svg}</div>

        <div class="grid2">
          <section>
            <h2>
              <span id="live-dot" class="live-dot"></span>Provisioning log
              <span id="live-status" class="muted">as of loading</span>
            </h2>
            <ol
              id="feed"
              class="feed"
              data-stream="/tenants/${tenantId}/stream?after=${after}"
              data-last="${after}"
            >
              ${recent.events.map(feedItem)}
            </ol>
          </section>
          <section>
            <h2>Rejected requests by reason (24 h)</h2>
            ${
              rejections.groups.length
                ? html`<table data-table="rejections">
                    <thead>
                      <tr>
                        <th>Reason</th>
                        <th class="num">Count</th>
                        <th>Examples</th>
                      </tr>
                    </thead>
                    <tbody>
                      ${rejections.groups.map(
                        (g) =>
                          html`<tr>
                            <td>${g.reason}</td>
                            <td class="num">${count(g.count)}</td>
                            <td>
                              ${g.examples.map((e) => {
                                const after = (e.after ?? {}) as Record<string, unknown>;
                                return html`<div>
                                  <span class="muted">${when(e.occurredAt)}</span>
                                  ${String(after.operation ?? '')}
                                  ${e.resourceName ? html`<strong>${e.resourceName}</strong>` : ''}
                                  ${after.repeats ? html`<span class="muted">(+${String(after.repeats)} like it)</span>` : ''}
                                </div>`;
                              })}
                            </td>
                          </tr>`,
                      )}
                    </tbody>
                  </table>`
                : html`<p class="muted">None in the last 24 hours.</p>`
            }
          </section>
        </div>

        <h2>SCIM tokens</h2>
        <table data-table="tokens">
          <thead>
            <tr>
              <th>Token</th>
              <th>Description</th>
              <th>Created</th>
              <th>Last used</th>
              <th>Expires</th>
              <th>Status</th>
              ${admin ? html`<th></th>` : ''}
            </tr>
          </thead>
          <tbody>
            ${tokens.map((t) => {
              const state = tokenStatus(t, now);
              return html`<tr data-token="${t.id}">
                <td><code>${t.prefix}…</code><br /><span class="muted">${t.id}</span></td>
                <td>${t.description}</td>
                <td>${when(t.createdAt)}</td>
                <td>${when(t.lastUsedAt)}</td>
                <td>${t.expiresAt ? when(t.expiresAt) : 'never'}</td>
                <td><span class="pill ${state}">${state}</span></td>
                ${
                  admin
                    ? html`<td>
                        ${state === 'revoked' ? '' : html`<a class="button danger" href="/tenants/${tenantId}/tokens/${t.id}/revoke">Revoke…</a>`}
                      </td>`
                    : ''
                }
              </tr>`;
            })}
          </tbody>
        </table>
        ${
          admin
            ? html`<div class="actions">
                <a class="button" href="/tenants/${tenantId}/tokens/new">Issue a token…</a>
                ${
                  tenant.disabled
                    ? html`<a class="button secondary" href="/tenants/${tenantId}/enable"
                        >Enable the tenant…</a
                      >`
                    : html`<a class="button danger" href="/tenants/${tenantId}/disable"
                        >Disable the tenant…</a
                      >`
                }
              </div>`
            : html`<p class="muted">
                Viewers read; an admin operator issues and revokes tokens and disables tenants.
              </p>`
        }`,
    );
  });

  /** The curve alone, for the page's script to redraw it as users arrive. */
  routes.get('/tenants/:id/curve', async (ctx) => {
    const tenant = await tenantOf(ctx, deps, ctx.params.id!);
    const { svg } = await curve(ctx, deps, tenant.id);
    ctx.type = 'text/html; charset=utf-8';
    ctx.body = svg.text;
  });

  /**
   * Server-sent events: each new log entry (`entry`, rendered and escaped here) and, at most
   * twice a second while entries arrive, the tenant's counts (`summary`). Resumes after
   * `Last-Event-ID` (the browser's reconnect) or `after`.
   */
  routes.get('/tenants/:id/stream', async (ctx) => {
    const tenant = await tenantOf(ctx, deps, ctx.params.id!);
    const tenantId = tenant.id;
    const call = asOperator(ctx);
    const after = Number(ctx.get('Last-Event-ID') || param(ctx, 'after')) || 0;
    ctx.req.socket.setTimeout(0);
    ctx.req.socket.setNoDelay(true);
    ctx.status = 200;
    ctx.type = 'text/event-stream; charset=utf-8';
    ctx.set('Cache-Control', 'no-store');
    ctx.set('X-Accel-Buffering', 'no');
    const out = new PassThrough();
    ctx.body = out;
    const abort = new AbortController();
    const stop = () => abort.abort();
    ctx.req.on('close', stop);
    out.on('close', stop);
    out.write('retry: 2000\n\n');
    let summaryTimer: NodeJS.Timeout | undefined;
    const sendSummary = () => {
      summaryTimer = undefined;
      deps.directory.directory.summarizeTenant({ tenantId, since: undefined }, call).then(
        (s) => {
          if (!abort.signal.aborted)
            out.write(`event: summary\ndata: ${JSON.stringify(summaryCounts(s, Date.now()))}\n\n`);
        },
        () => {},
      );
    };
    // The stream ends with the session (signed out, or expired): the browser's reconnect then
    // meets the sign-in.
    const sessionId = sessionOf(ctx).id;
    const heartbeat = setInterval(() => {
      if (!deps.sessions.alive(sessionId)) abort.abort();
      else out.write(': keep-alive\n\n');
    }, 15_000);
    void (async () => {
      try {
        for await (const event of deps.directory.follow({ tenantId, afterSequence: after }, abort.signal)) {
          if (!deps.sessions.alive(sessionId)) break;
          const data = JSON.stringify({ sequence: event.sequence, html: feedItem(event).text });
          out.write(`id: ${event.sequence}\nevent: entry\ndata: ${data}\n\n`);
          summaryTimer ??= setTimeout(sendSummary, 500);
        }
      } catch (error) {
        if (!abort.signal.aborted)
          deps.logger.error({ err: String((error as Error).message), tenantId }, 'console stream');
      } finally {
        clearInterval(heartbeat);
        if (summaryTimer) clearTimeout(summaryTimer);
        out.end();
      }
    })();
  });
}
