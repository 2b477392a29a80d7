import type { AdminServiceServer } from '#proto/admin.js';
import type { Deps } from '../domain/context.js';
import { InvalidArgumentError } from '../domain/errors.js';
import { pruneEvents } from '../domain/event-retention.js';
import * as tokens from '../domain/tokens.js';
import type { Logger } from './errors.js';
import { unary } from './handle.js';
import { tenantToProto, tokenToProto } from './mappers.js';

const MAX_AGE_SECONDS = 100 * 365 * 86_400;

/** AdminService: tenants and tokens, for Wizer's tooling and the gateway; event retention on demand. */
export function adminHandlers(deps: Deps, logger: Logger): AdminServiceServer {
  return {
    createTenant: unary(logger, async (req) => tenantToProto(await tokens.createTenant(deps, req.name))),
    listTenants: unary(logger, async () => ({
      tenants: (await tokens.listTenants(deps)).map(tenantToProto),
    })),
    disableTenant: unary(logger, async (req) =>
      tenantToProto(await tokens.disableTenant(deps, req.tenantId)),
    ),
    issueToken: unary(logger, async (req) => {
      const issued = await tokens.issueToken(deps, req.tenantId, req.description, req.expiresAt);
      return { token: issued.token, info: tokenToProto(issued.info) };
    }),
    listTokens: unary(logger, async (req) => ({
      tokens: (await tokens.listTokens(deps, req.tenantId)).map(tokenToProto),
    })),
    revokeToken: unary(logger, async (req) =>
      tokenToProto(await tokens.revokeToken(deps, req.tenantId, req.tokenId)),
    ),
    authenticateToken: unary(logger, async (req) => tokens.authenticateToken(deps, req.token)),
    pruneEvents: unary(logger, async (req) => {
      if (!req.olderThanSeconds || req.olderThanSeconds > MAX_AGE_SECONDS)
        throw new InvalidArgumentError('INVALID_VALUE', 'older_than_seconds is from 1 to 100 years');
      const cutoff = new Date(Date.now() - req.olderThanSeconds * 1000);
      return { removed: await pruneEvents(deps, cutoff), cutoff };
    }),
  };
}
