import type Router from '@koa/router';
import { DepartmentOrigin } from '#proto/department.js';
import { ListEventsRequest } from '#proto/directory.js';
import { query } from '@wizer/directory-client';
import { asOperator, send, type ConsoleDeps } from '../context.js';
import { count, html, when } from '../html.js';
import { eventLine, param, tenantOf, tenantTabs } from './common.js';

const PAGE = 50;
const originName = (o: DepartmentOrigin) =>
  o === DepartmentOrigin.DEPARTMENT_ORIGIN_PUSHED ? 'pushed' : 'attribute-only';
const HISTORY_KINDS = [
  'department.created',
  'department.adopted',
  'department.renamed',
  'department.merged',
  'department.push_deleted',
  'department.deleted',
];

export function departmentRoutes(routes: Router, deps: ConsoleDeps): void {
  /** A page of departments with their source and members by source. */
  routes.get('/tenants/:id/departments', async (ctx) => {
    const tenant = await tenantOf(ctx, deps, ctx.params.id!);
    const call = asOperator(ctx);
    const page = await deps.directory.directory.listDepartments(
      { tenantId: tenant.id, query: query({ limit: PAGE, cursor: param(ctx, 'cursor'), orderBy: 'name' }) },
      call,
    );
    const { counts } = await deps.directory.directory.countMembers(
      { tenantId: tenant.id, departmentIds: page.departments.map((d) => d.id) },
      call,
    );
    const base = `/tenants/${tenant.id}/departments`;
    send(
      ctx,
      `Departments · ${tenant.name}`,
      html`${tenantTabs(tenant, 'departments')}
        <h1>Departments</h1>
        <p class="muted">
          ${page.total !== undefined ? html`${count(page.total)} departments. ` : ''}Pushed: a SCIM client
          pushed a group of that name. Attribute-only: users’ department attribute names it, no group was
          pushed.
        </p>
        <table data-table="departments">
          <thead>
            <tr>
              <th>Name</th>
              <th>Source</th>
              <th class="num">Members by attribute</th>
              <th class="num">Pushed members</th>
              <th>Updated</th>
            </tr>
          </thead>
          <tbody>
            ${page.departments.map((d) => {
              const c = counts.find((x) => x.departmentId === d.id);
              return html`<tr>
                <td><a href="${base}/${encodeURIComponent(d.id)}">${d.name}</a></td>
                <td><span class="pill">${originName(d.origin)}</span></td>
                <td class="num">${count(c?.attribute ?? 0)}</td>
                <td class="num">${count(c?.pushed ?? 0)}</td>
                <td>${when(d.updatedAt)}</td>
              </tr>`;
            })}
          </tbody>
        </table>
        ${page.nextCursor ? html`<p><a href="${base}?cursor=${encodeURIComponent(page.nextCursor)}">Next page</a></p>` : ''}`,
    );
  });

  /** One department: its source, members by source, and its history (renames and merges). */
  routes.get('/tenants/:id/departments/:dep', async (ctx) => {
    const tenant = await tenantOf(ctx, deps, ctx.params.id!);
    const call = asOperator(ctx);
    const tenantId = tenant.id;
    const department = await deps.directory.directory.getDepartment({ tenantId, id: ctx.params.dep! }, call);
    const [{ counts }, history] = await Promise.all([
      deps.directory.directory.countMembers({ tenantId, departmentIds: [department.id] }, call),
      deps.directory.directory.listEvents(
        ListEventsRequest.fromPartial({
          tenantId,
          resourceId: department.id,
          kinds: HISTORY_KINDS,
          limit: 50,
        }),
        call,
      ),
    ]);
    const c = counts[0];
    // A rename records the new name: the old one is the name before it, from the older entries.
    const renames: { at?: Date; from: string; to: string; actor: string }[] = [];
    let name = '';
    for (const e of [...history.events].reverse()) {
      const to = String(((e.after ?? {}) as Record<string, unknown>).name ?? e.resourceName);
      if (e.kind === 'department.renamed')
        renames.unshift({ at: e.occurredAt, from: name || '(before the log)', to, actor: e.actor });
      name = to;
    }
    send(
      ctx,
      `${department.name} · ${tenant.name}`,
      html`${tenantTabs(tenant, 'departments')}
        <h1>${department.name}</h1>
        <div class="cards">
          <div class="card">
            <div class="label">Source</div>
            <div class="value">${originName(department.origin)}</div>
          </div>
          <div class="card">
            <div class="label">Members by attribute</div>
            <div class="value">${count(c?.attribute ?? 0)}</div>
          </div>
          <div class="card">
            <div class="label">Pushed members</div>
            <div class="value">${count(c?.pushed ?? 0)}</div>
          </div>
          <div class="card">
            <div class="label">Created</div>
            <div class="value small">${when(department.createdAt)}</div>
          </div>
        </div>
        <h2>Rename history</h2>
        ${
          renames.length
            ? html`<table data-table="renames">
                <thead>
                  <tr>
                    <th>When</th>
                    <th>From</th>
                    <th>To</th>
                    <th>By</th>
                  </tr>
                </thead>
                <tbody>
                  ${renames.map(
                    (r) =>
                      html`<tr>
                        <td>${when(r.at)}</td>
                        <td>${r.from}</td>
                        <td>${r.to}</td>
                        <td>${r.actor}</td>
                      </tr>`,
                  )}
                </tbody>
              </table>`
            : html`<p class="muted">Never renamed (within the log’s retention).</p>`
        }
        <h2>History</h2>
        ${
          history.events.length
            ? html`<ol class="feed">
                ${history.events.map((e) => html`<li>${eventLine(e)}</li>`)}
              </ol>`
            : html`<p class="muted">Nothing in the log.</p>`
        }`,
    );
  });
}
