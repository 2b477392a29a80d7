import type { AdminServiceServer } from '#proto/admin.js';
import type { Deps } from '../domain/context.js';
import * as tokens from '../domain/tokens.js';
import type { Logger } from './errors.js';
import { unary } from './handle.js';
import { tenantToProto, tokenToProto } from './mappers.js';

/** AdminService: tenants and tokens, for Wizer's tooling and the gateway. */
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
  };
}
