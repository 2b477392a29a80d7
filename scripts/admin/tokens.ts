import { UsageError } from './grammar.js';
import { tokenJson, tokenStatus } from './json.js';
import { given, print, type Command } from './session.js';
import { iso, table } from './table.js';
import { TENANT } from './tenants.js';
import { parseTime } from './values.js';

export const tokensIssue: Command = {
  name: 'tokens issue',
  summary: 'Issues a SCIM bearer token for a tenant, shown once.',
  description:
    'A tenant holds at most two live tokens, so Okta can be switched to a new one before the old is revoked.',
  options: {
    tenant: TENANT,
    description: { type: 'string', value: 'TEXT', help: 'what it is for, e.g. "Okta, rotated 2027-03"' },
    expires: {
      type: 'string',
      value: 'WHEN',
      help: 'when it stops working: a duration from now (90d, 12h, 30m) or an ISO 8601 date (2027-03-01); default never',
    },
  },
  examples: ['tokens issue --tenant 3f2a9c1e-… --description "Okta" --expires 90d'],
  needsDirectory: true,
  async run(session, args) {
    const expiresAt = typeof args.expires === 'string' ? parseTime('--expires', args.expires, 1) : undefined;
    if (expiresAt && expiresAt.getTime() <= Date.now())
      throw new UsageError(
        `--expires ${args.expires} is in the past; give a later date, or a duration such as 90d`,
      );
    const { token, info } = await session.clients.admin.issueToken({
      tenantId: given(args.tenant),
      description: typeof args.description === 'string' ? args.description : '',
      expiresAt,
    });
    print(
      session,
      args.json,
      { token, tokenId: info!.id, prefix: info!.prefix, expiresAt: info!.expiresAt },
      () =>
        [
          `Token ${info!.id} (${info!.prefix}…)${info!.expiresAt ? `, expires ${iso(info!.expiresAt)}` : ''}; shown once:`,
          '',
          `  ${token}`,
          '',
        ].join('\n'),
    );
  },
};

export const tokensList: Command = {
  name: 'tokens list',
  summary: 'Lists a tenant’s SCIM tokens (never their secrets), with when each was last used.',
  options: { tenant: TENANT },
  examples: ['tokens list --tenant 3f2a9c1e-…'],
  needsDirectory: true,
  async run(session, args) {
    const { tokens } = await session.clients.admin.listTokens({ tenantId: given(args.tenant) });
    print(session, args.json, tokens.map(tokenJson), () =>
      table(
        ['ID', 'PREFIX', 'STATUS', 'CREATED', 'LAST USED', 'EXPIRES', 'REVOKED', 'DESCRIPTION'],
        tokens.map((t) => [
          t.id,
          `${t.prefix}…`,
          tokenStatus(t),
          iso(t.createdAt),
          iso(t.lastUsedAt),
          iso(t.expiresAt),
          iso(t.revokedAt),
          t.description,
        ]),
      ),
    );
  },
};

export const tokensRevoke: Command = {
  name: 'tokens revoke',
  summary: 'Revokes a SCIM token: it stops working within a second.',
  description:
    'Revoking a revoked token changes nothing. Rotation: tokens issue, paste the new token into Okta, Test API Credentials, then revoke the old one.',
  options: {
    tenant: TENANT,
    token: { type: 'string', value: 'ID', help: 'the token’s id (tokens list shows them)', required: true },
  },
  examples: ['tokens revoke --tenant 3f2a9c1e-… --token 9c1d0b7a-…'],
  needsDirectory: true,
  async run(session, args) {
    const tenantId = given(args.tenant);
    const tokenId = given(args.token);
    const { tokens } = await session.clients.admin.listTokens({ tenantId });
    const before = tokens.find((t) => t.id === tokenId);
    if (!before)
      throw new Error(`no token ${tokenId} in tenant ${tenantId} (tokens list --tenant ${tenantId})`);
    const token = before.revokedAt ? before : await session.clients.admin.revokeToken({ tenantId, tokenId });
    const already = Boolean(before.revokedAt);
    print(session, args.json, { ...tokenJson(token), alreadyRevoked: already }, () =>
      already
        ? `Token ${token.id} (${token.prefix}…) was already revoked at ${iso(token.revokedAt)}: nothing changed.`
        : `Revoked token ${token.id} (${token.prefix}…): it stops working within a second.`,
    );
  },
};
