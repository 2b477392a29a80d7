import type Router from '@koa/router';
import { SkippedIdKind } from '#proto/directory.js';
import { MembershipSource } from '#proto/user.js';
import { anyEmail, cmp, or, query } from '@wizer/directory-client';
import { asOperator, send, type ConsoleDeps } from '../context.js';
import { html, when } from '../html.js';
import { eventLine, param, tenantOf, tenantTabs } from './common.js';

const PAGE = 25;

export const sourceName = (s: MembershipSource) =>
  s === MembershipSource.MEMBERSHIP_SOURCE_PUSHED ? 'pushed' : 'attribute';

const ID_KINDS: Record<number, string> = {
  [SkippedIdKind.SKIPPED_ID_KIND_USER_ID]: 'their id, sent before they existed',
  [SkippedIdKind.SKIPPED_ID_KIND_EXTERNAL_ID]: 'their externalId (the client’s own id for them)',
  [SkippedIdKind.SKIPPED_ID_KIND_FORMER_ACCOUNT]: 'the id of an earlier, deleted account',
};

export function peopleRoutes(routes: Router, deps: ConsoleDeps): void {
  /** Search by the start of a userName or an email address (both indexed), a page at a time. */
  routes.get('/tenants/:id/people', async (ctx) => {
    const tenant = await tenantOf(ctx, deps, ctx.params.id!);
    const q = param(ctx, 'q').trim().slice(0, 256);
    const cursor = param(ctx, 'cursor');
    const filter = q ? or(cmp('user_name', 'sw', q), anyEmail(cmp('value', 'sw', q))) : undefined;
    const page = await deps.directory.directory.listUsers(
      {
        tenantId: tenant.id,
        query: query({ filter, limit: PAGE, cursor, skipTotal: true }),
        withoutMemberships: true,
      },
      asOperator(ctx),
    );
    const base = `/tenants/${tenant.id}/people`;
    send(
      ctx,
      `People · ${tenant.name}`,
      html`${tenantTabs(tenant, 'people')}
        <h1>People</h1>
        <form method="get" action="${base}" class="actions">
          <input
            type="search"
            name="q"
            value="${q}"
            placeholder="userName or email starts with…"
            aria-label="Search"
          />
          <button type="submit" class="primary">Search</button>
        </form>
        <table data-table="people">
          <thead>
            <tr>
              <th>userName</th>
              <th>Name</th>
              <th>Emails</th>
              <th>Status</th>
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            ${page.users.map(
              (u) =>
                html`<tr>
                  <td><a href="${base}/${encodeURIComponent(u.id)}">${u.userName}</a></td>
                  <td>
                    ${u.displayName ?? [u.name?.givenName, u.name?.familyName].filter(Boolean).join(' ')}
                  </td>
                  <td>${u.emails.map((e) => e.value).join(', ')}</td>
                  <td>
                    <span class="pill ${u.active ? 'active' : 'disabled'}"
                      >${u.active ? 'active' : 'inactive'}</span
                    >
                  </td>
                  <td>${when(u.createdAt)}</td>
                </tr>`,
            )}
          </tbody>
        </table>
        ${
          page.users.length === 0
            ? html`<p class="muted">
                No user ${q ? html`whose userName or email starts with “${q}”` : 'yet'}.
                ${q ? html`<a href="${base}/${encodeURIComponent(q)}">Explain “${q}” anyway</a> (earlier accounts, skipped pushes, rejected requests).` : ''}
              </p>`
            : ''
        }
        ${
          page.nextCursor
            ? html`<p>
                <a href="${base}?q=${encodeURIComponent(q)}&cursor=${encodeURIComponent(page.nextCursor)}"
                  >Next page</a
                >
              </p>`
            : ''
        }`,
    );
  });

  /** One person, explained: the same ExplainUser the admin CLI's `explain` prints. */
  routes.get('/tenants/:id/people/:user', async (ctx) => {
    const tenant = await tenantOf(ctx, deps, ctx.params.id!);
    const x = await deps.directory.directory.explainUser(
      { tenantId: tenant.id, user: ctx.params.user! },
      asOperator(ctx),
    );
    const u = x.user;
    const deptLink = (id: string, name: string) =>
      html`<a href="/tenants/${tenant.id}/departments/${encodeURIComponent(id)}">${name}</a>`;
    send(
      ctx,
      `${u?.userName ?? ctx.params.user} · ${tenant.name}`,
      html`${tenantTabs(tenant, 'people')}
        <h1>${u?.userName ?? ctx.params.user}</h1>
        <section class="panel">
          <h2 class="first">In short</h2>
          <ul class="findings" data-findings>
            ${x.findings.map((f) => html`<li>${f}</li>`)}
          </ul>
        </section>
        <h2>Exists? Active?</h2>
        ${
          u
            ? html`<p data-exists>
                Exists: <strong>yes</strong> (id <code>${u.id}</code>, created ${when(u.createdAt)}). Active:
                <strong data-active>${u.active ? 'yes' : 'no'}</strong>.
                ${u.externalId ? html`externalId <code>${u.externalId}</code>.` : ''}
              </p>`
            : html`<p data-exists>
                Exists: <strong>no</strong> user of this tenant has that id or userName.
              </p>`
        }
        ${
          x.formerAccounts.length
            ? html`<p>
                Earlier accounts of this userName:
                ${x.formerAccounts.map(
                  (a) =>
                    html`<code>${a.id}</code> (created ${when(a.createdAt)}, deleted ${when(a.deletedAt)}) `,
                )}
              </p>`
            : ''
        }
        <h2>Departments and why</h2>
        ${
          x.memberships.length
            ? html`<table data-table="memberships">
                <thead>
                  <tr>
                    <th>Department</th>
                    <th>Source</th>
                    <th>Since</th>
                  </tr>
                </thead>
                <tbody>
                  ${x.memberships.map(
                    (m) =>
                      html`<tr>
                        <td>${deptLink(m.departmentId, m.departmentName)}</td>
                        <td>
                          <span class="pill">${sourceName(m.source)}</span> ${
                            m.source === MembershipSource.MEMBERSHIP_SOURCE_PUSHED
                              ? 'a pushed group lists them'
                              : 'their department attribute names it'
                          }
                        </td>
                        <td>
                          ${m.since ? html`${when(m.since.occurredAt)} <span class="muted">by ${m.since.actor}</span>` : html`<span class="muted">before the log’s retention</span>`}
                        </td>
                      </tr>`,
                  )}
                </tbody>
              </table>`
            : html`<p class="muted">In no department.</p>`
        }
        <h2>Pushes that skipped them</h2>
        ${
          x.skipped.length
            ? html`<table data-table="skipped">
                <thead>
                  <tr>
                    <th>When</th>
                    <th>Department</th>
                    <th>Id sent</th>
                    <th>Why it was skipped</th>
                    <th>Member now?</th>
                  </tr>
                </thead>
                <tbody>
                  ${x.skipped.map(
                    (s) =>
                      html`<tr>
                        <td>${when(s.event?.occurredAt)} <span class="muted">by ${s.event?.actor}</span></td>
                        <td>${deptLink(s.departmentId, s.departmentName)}</td>
                        <td><code>${s.memberId}</code></td>
                        <td>
                          ${ID_KINDS[s.idKind] ?? 'an unknown id'}${s.beforeCreated ? ', before they were created' : ''}
                        </td>
                        <td>
                          ${s.memberNow ? html`<span class="ok">yes, a later push added them</span>` : html`<span class="bad">no: push the group again</span>`}
                        </td>
                      </tr>`,
                  )}
                </tbody>
              </table>`
            : html`<p class="muted">No membership push skipped them.</p>`
        }
        <h2>Rejected requests about them</h2>
        ${
          x.rejections.length
            ? html`<ol class="feed">
                ${x.rejections.map((e) => html`<li>${eventLine(e)}</li>`)}
              </ol>`
            : html`<p class="muted">None.</p>`
        }
        <h2>History, oldest first</h2>
        ${
          x.history.length
            ? html`<ol class="feed">
                ${x.history.map((e) => html`<li>${eventLine(e)}</li>`)}
              </ol>`
            : html`<p class="muted">Nothing in the log.</p>`
        }`,
    );
  });
}
