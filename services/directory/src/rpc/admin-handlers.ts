import { OperatorRole, type AdminServiceServer, type OperatorAccount } from '#proto/admin.js';
import type { Deps } from '../domain/context.js';
import * as credentials from '../domain/service-credentials.js';
import { InvalidArgumentError } from '../domain/errors.js';
import { pruneEvents } from '../domain/event-retention.js';
import * as operators from '../domain/operators.js';
import * as tokens from '../domain/tokens.js';
import type { Authenticator } from './authorize.js';
import { principalOf } from './authorize.js';
import type { Logger } from './errors.js';
import { actorOf, unary } from './handle.js';
import { roleFromProto, serviceCredentialToProto, tenantToProto, tokenToProto } from './mappers.js';

const MAX_AGE_SECONDS = 100 * 365 * 86_400;

const OPERATOR_ROLES: Record<operators.OperatorRole, OperatorRole> = {
  admin: OperatorRole.OPERATOR_ROLE_ADMIN,
  viewer: OperatorRole.OPERATOR_ROLE_VIEWER,
};
const operatorRoleFromProto = (role: OperatorRole): string =>
  (Object.keys(OPERATOR_ROLES) as operators.OperatorRole[]).find((name) => OPERATOR_ROLES[name] === role) ??
  '';
/** The console's changes (tokens, tenant state) are made for an admin operator only. */
async function actorMayChange(deps: Deps, call: Parameters<typeof actorOf>[0]): Promise<string> {
  const actor = actorOf(call);
  if (principalOf(call).role === 'console') await operators.requireAdminOperator(deps, actor);
  return actor;
}

const operatorToProto = (operator: operators.OperatorInfo): OperatorAccount => ({
  ...operator,
  role: OPERATOR_ROLES[operator.role],
});

/**
 * AdminService: tenants, SCIM tokens and service credentials, for Wizer's tooling and the
 * gateway; event retention on demand.
 */
export function adminHandlers(deps: Deps, logger: Logger, authenticator: Authenticator): AdminServiceServer {
  return {
    createTenant: unary(logger, async (req, call) =>
      tenantToProto(await tokens.createTenant(deps, req.name, actorOf(call))),
    ),
    listTenants: unary(logger, async (_req, call) => {
      // A reader limited to some tenants sees only those.
      const { tenantIds } = principalOf(call);
      const all = await tokens.listTenants(deps);
      const visible = tenantIds.length ? all.filter((t) => tenantIds.includes(t.id)) : all;
      return { tenants: visible.map(tenantToProto) };
    }),
    disableTenant: unary(logger, async (req, call) =>
      tenantToProto(await tokens.disableTenant(deps, req.tenantId, await actorMayChange(deps, call))),
    ),
    issueToken: unary(logger, async (req, call) => {
      const issued = await tokens.issueToken(
        deps,
        req.tenantId,
        req.description,
        req.expiresAt,
        await actorMayChange(deps, call),
      );
      return { token: issued.token, info: tokenToProto(issued.info) };
    }),
    listTokens: unary(logger, async (req) => ({
      tokens: (await tokens.listTokens(deps, req.tenantId)).map(tokenToProto),
    })),
    revokeToken: unary(logger, async (req, call) =>
      tokenToProto(
        await tokens.revokeToken(deps, req.tenantId, req.tokenId, await actorMayChange(deps, call)),
      ),
    ),
    authenticateToken: unary(logger, async (req) => tokens.authenticateToken(deps, req.token)),
    issueServiceCredential: unary(logger, async (req) => {
      const issued = await credentials.issueServiceCredential(deps, {
        name: req.name,
        role: roleFromProto(req.role),
        tenantIds: req.tenantIds,
      });
      return { secret: issued.secret, info: serviceCredentialToProto(issued.info) };
    }),
    listServiceCredentials: unary(logger, async () => ({
      credentials: (await credentials.listServiceCredentials(deps)).map(serviceCredentialToProto),
    })),
    revokeServiceCredential: unary(logger, async (req) => {
      const { info, changed } = await credentials.revokeServiceCredential(deps, req.id);
      // Effective at once in this replica; others trust their cache for at most a second.
      authenticator.forget();
      return { info: serviceCredentialToProto(info), alreadyRevoked: !changed };
    }),
    enableTenant: unary(logger, async (req, call) =>
      tenantToProto(await tokens.enableTenant(deps, req.tenantId, await actorMayChange(deps, call))),
    ),
    addOperator: unary(logger, async (req) => {
      const added = await operators.addOperator(deps, {
        name: req.name,
        role: operatorRoleFromProto(req.role),
      });
      return { operator: operatorToProto(added.operator), password: added.password };
    }),
    listOperators: unary(logger, async () => ({
      operators: (await operators.listOperators(deps)).map(operatorToProto),
    })),
    removeOperator: unary(logger, async (req) =>
      operatorToProto(await operators.removeOperator(deps, req.name)),
    ),
    authenticateOperator: unary(logger, async (req) =>
      operatorToProto(await operators.authenticateOperator(deps, req.name, req.password)),
    ),
    pruneEvents: unary(logger, async (req) => {
      if (!req.olderThanSeconds || req.olderThanSeconds > MAX_AGE_SECONDS)
        throw new InvalidArgumentError('INVALID_VALUE', 'older_than_seconds is from 1 to 100 years');
      const cutoff = new Date(Date.now() - req.olderThanSeconds * 1000);
      return { removed: await pruneEvents(deps, cutoff), cutoff };
    }),
  };
}
