import type Router from '@koa/router';
import type { Context } from 'koa';
import { asOperator, formOf, requireAdmin, send, sessionOf, type ConsoleDeps } from '../context.js';
import { html, type Html } from '../html.js';
import { form } from '../layout.js';
import { tenantOf, tenantTabs } from './common.js';

/**
 * The console's actions, for admin operators only, each behind a confirmation page: issue and
 * revoke a SCIM token, disable and enable a tenant. The directory records each as an event
 * whose actor is the operator (`operator:<name>`). A viewer sees no button and gets 403.
 */

function confirmPage(
  ctx: Context,
  title: string,
  question: Html,
  action: string,
  button: string,
  fields: Html = html``,
) {
  const session = sessionOf(ctx);
  send(
    ctx,
    title,
    html`<h1>${title}</h1>
      <div class="panel" data-confirm>
        <p>${question}</p>
        ${form(
          session,
          action,
          html`${fields}
            <div class="actions">
              <button type="submit" class="danger" data-confirm-button>${button}</button>
              <a class="button secondary" href="/tenants/${ctx.params.id}">Cancel</a>
            </div>`,
        )}
      </div>`,
  );
}

/** What the tenant's page says after an action: by a code, so a link cannot make it say anything else. */
export const DONE: Record<string, string> = {
  revoked: 'Revoked the token: SCIM requests with it are refused within a second.',
  disabled: 'Disabled the tenant: its tokens stop authenticating within a second.',
  enabled: 'Enabled the tenant: its live tokens authenticate again.',
};

const backTo = (ctx: Context, tenantId: string, done: keyof typeof DONE) => {
  ctx.status = 303;
  ctx.redirect(`/tenants/${tenantId}?done=${done}`);
};

export function actionRoutes(routes: Router, deps: ConsoleDeps): void {
  routes.get('/tenants/:id/tokens/new', async (ctx) => {
    requireAdmin(ctx);
    const tenant = await tenantOf(ctx, deps, ctx.params.id!);
    confirmPage(
      ctx,
      'Issue a SCIM token',
      html`Issue a new SCIM token for <strong>${tenant.name}</strong>? It is shown once. A tenant holds at
        most two live tokens: paste the new one into Okta or Entra, test it, then revoke the old one.`,
      `/tenants/${tenant.id}/tokens`,
      'Issue the token',
      html`<label for="description">Description</label>
        <input
          type="text"
          id="description"
          name="description"
          maxlength="200"
          value="issued in the console"
        />`,
    );
  });

  routes.post('/tenants/:id/tokens', async (ctx) => {
    requireAdmin(ctx);
    const tenant = await tenantOf(ctx, deps, ctx.params.id!);
    const description = ((await formOf(ctx)).get('description') ?? '').slice(0, 200);
    const { token, info } = await deps.directory.admin.issueToken(
      { tenantId: tenant.id, description, expiresAt: undefined },
      asOperator(ctx),
    );
    send(
      ctx,
      'New SCIM token',
      html`${tenantTabs(tenant, '')}
        <h1>New SCIM token for ${tenant.name}</h1>
        <p class="notice">
          Shown this once: copy it now. The directory keeps only a hash; a lost token cannot be read back.
        </p>
        <p class="secret" data-new-token>${token}</p>
        <p>Token id <code>${info!.id}</code>. SCIM base URL path: <code>/api/v1/scim/v2</code>.</p>
        <p><a href="/tenants/${tenant.id}">Back to ${tenant.name}</a></p>`,
    );
  });

  routes.get('/tenants/:id/tokens/:token/revoke', async (ctx) => {
    requireAdmin(ctx);
    const tenant = await tenantOf(ctx, deps, ctx.params.id!);
    const { tokens } = await deps.directory.admin.listTokens({ tenantId: tenant.id }, asOperator(ctx));
    const token = tokens.find((t) => t.id === ctx.params.token);
    if (!token) return ctx.throw(404, 'no such token');
    confirmPage(
      ctx,
      'Revoke a SCIM token',
      html`Revoke the token <code>${token.prefix}…</code> (${token.description || 'no description'}) of
        <strong>${tenant.name}</strong>? SCIM requests with it are refused (401) within a second. This cannot
        be undone.`,
      `/tenants/${tenant.id}/tokens/${token.id}/revoke`,
      'Revoke the token',
    );
  });

  routes.post('/tenants/:id/tokens/:token/revoke', async (ctx) => {
    requireAdmin(ctx);
    const tenant = await tenantOf(ctx, deps, ctx.params.id!);
    await deps.directory.admin.revokeToken(
      { tenantId: tenant.id, tokenId: ctx.params.token! },
      asOperator(ctx),
    );
    backTo(ctx, tenant.id, 'revoked');
  });

  for (const verb of ['disable', 'enable'] as const) {
    routes.get(`/tenants/:id/${verb}`, async (ctx) => {
      requireAdmin(ctx);
      const tenant = await tenantOf(ctx, deps, ctx.params.id!);
      confirmPage(
        ctx,
        `${verb === 'disable' ? 'Disable' : 'Enable'} ${tenant.name}`,
        verb === 'disable'
          ? html`Disable <strong>${tenant.name}</strong>? Its SCIM tokens stop authenticating within a second;
              its data is kept. Enabling it again makes its live tokens work again.`
          : html`Enable <strong>${tenant.name}</strong>? Its unrevoked, unexpired SCIM tokens authenticate
              again.`,
        `/tenants/${tenant.id}/${verb}`,
        verb === 'disable' ? 'Disable the tenant' : 'Enable the tenant',
      );
    });
    routes.post(`/tenants/:id/${verb}`, async (ctx) => {
      requireAdmin(ctx);
      const tenant = await tenantOf(ctx, deps, ctx.params.id!);
      const call = asOperator(ctx);
      if (verb === 'disable') await deps.directory.admin.disableTenant({ tenantId: tenant.id }, call);
      else await deps.directory.admin.enableTenant({ tenantId: tenant.id }, call);
      backTo(ctx, tenant.id, verb === 'disable' ? 'disabled' : 'enabled');
    });
  }
}
