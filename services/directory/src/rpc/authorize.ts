import type { ServerUnaryCall, ServiceError, UntypedServiceImplementation } from '@grpc/grpc-js';
import { status } from '@grpc/grpc-js';
import type { Deps } from '../domain/context.js';
import { UnauthenticatedError } from '../domain/errors.js';
import { authenticateServiceCredential, type Principal } from '../domain/service-credentials.js';
import type { Role } from '../domain/types.js';
import type { KnownTenants } from './known-tenants.js';
import { toStatus, type Logger } from './errors.js';
import { AUTHORIZATION_HEADER, ErrorReason, reasonMetadata } from '@wizer/directory-client';

/** DirectoryService calls that change nothing: what a reader may make. */
const READS = new Set([
  'GetUser',
  'ListUsers',
  'GetDepartment',
  'ListDepartments',
  'ListMembers',
  'ListEvents',
  'WatchEvents',
  'ExplainUser',
  'SummarizeTenant',
  'CountUserCreations',
  'SummarizeRejections',
  'CountMembers',
]);

/** What the operator console may call of AdminService: sign-in, and the console's actions. */
const CONSOLE_ADMIN = new Set([
  'AuthenticateOperator',
  'ListTenants',
  'ListTokens',
  'IssueToken',
  'RevokeToken',
  'DisableTenant',
  'EnableTenant',
]);

/** Whether `role` may call `service`/`method` (wire names, e.g. "DirectoryService", "GetUser"). */
export function mayCall(role: Role, service: string, method: string): boolean {
  switch (role) {
    // Wizer's operators and tooling: everything.
    case 'admin':
      return true;
    // The SCIM gateway: the whole directory for the tenant whose SCIM token it checked, and
    // checking tokens. It cannot create tenants, issue tokens or credentials.
    case 'gateway':
      return service === 'DirectoryService' || method === 'AuthenticateToken';
    // Other Wizer services: reads and watch; ListTenants answers only their tenants.
    case 'reader':
      return service === 'DirectoryService' ? READS.has(method) : method === 'ListTenants';
    // The operator console: reads of any tenant, operators' sign-in, tokens and tenant state.
    case 'console':
      return service === 'DirectoryService' ? READS.has(method) : CONSOLE_ADMIN.has(method);
  }
}

/** A client certificate's subject CN that stands for a role (mTLS), with a reader's tenants. */
export type CertificateRoles = Readonly<Record<string, { role: Role; tenantIds?: readonly string[] }>>;

export interface AuthenticatorOptions {
  /** How long a credential check is trusted: a revocation elsewhere takes effect within it. */
  cacheMs?: number;
  certificateRoles?: CertificateRoles;
  /** The clock, for tests. */
  now?: () => number;
}

const CACHE_LIMIT = 10_000;
const principals = new WeakMap<object, Principal>();

/** What authentication reads of a call, unary or streaming. */
type IncomingCall = Pick<ServerUnaryCall<unknown, unknown>, 'metadata' | 'getAuthContext'>;

/** Records who a call was authenticated as, for `principalOf` (the multiplexed channel does it per request). */
export function bindPrincipal(call: object, principal: Principal): void {
  principals.set(call, principal);
}

/** Why `principal` may not make this request (a limited reader naming another tenant), or undefined. */
export function permissionProblem(principal: Principal, request: unknown): string | undefined {
  const tenantId = (request as { tenantId?: unknown } | undefined)?.tenantId;
  if (
    principal.tenantIds.length > 0 &&
    typeof tenantId === 'string' &&
    !principal.tenantIds.includes(tenantId)
  )
    return `this credential may not read tenant ${tenantId}`;
  return undefined;
}

/** The principal the call was authenticated as (set before any handler runs). */
export function principalOf(call: object): Principal {
  const principal = principals.get(call);
  // Every handler is wrapped by `authorize`: a call without a principal is a wiring bug.
  if (!principal) throw new Error('call reached a handler without authentication');
  return principal;
}

/** Resolves each call's credential (bearer secret or mTLS certificate) to a principal. */
export class Authenticator {
  private readonly cache = new Map<string, { principal?: Principal; reason?: string; until: number }>();
  private readonly cacheMs: number;
  private readonly now: () => number;

  constructor(
    private readonly deps: Deps,
    private readonly options: AuthenticatorOptions = {},
  ) {
    this.cacheMs = options.cacheMs ?? 1000;
    this.now = options.now ?? Date.now;
  }

  /** Drops cached answers, e.g. after a revocation in this process. */
  forget(): void {
    this.cache.clear();
  }

  async principalFor(call: IncomingCall): Promise<Principal> {
    const [header] = call.metadata.get(AUTHORIZATION_HEADER);
    if (typeof header === 'string' && header) {
      const secret = /^bearer\s+(\S+)$/i.exec(header.trim())?.[1];
      if (!secret) throw new UnauthenticatedError('authorization must be "Bearer <service credential>"');
      return this.bySecret(secret);
    }
    // With mTLS the server has verified the certificate against its client CA.
    const cn = call.getAuthContext?.()?.sslPeerCertificate?.subject?.CN;
    const mapped = typeof cn === 'string' ? this.options.certificateRoles?.[cn] : undefined;
    if (typeof cn === 'string' && mapped)
      return { id: `cert:${cn}`, name: cn, role: mapped.role, tenantIds: mapped.tenantIds ?? [] };
    throw new UnauthenticatedError('a service credential is required (metadata authorization: Bearer …)');
  }

  private async bySecret(secret: string): Promise<Principal> {
    const at = this.now();
    const hit = this.cache.get(secret);
    if (hit && hit.until > at) {
      if (hit.principal) return hit.principal;
      throw new UnauthenticatedError(hit.reason ?? 'unknown service credential');
    }
    let entry: { principal?: Principal; reason?: string; until: number };
    try {
      entry = { principal: await authenticateServiceCredential(this.deps, secret), until: at + this.cacheMs };
    } catch (error) {
      if (!(error instanceof UnauthenticatedError)) throw error;
      entry = { reason: error.message, until: at + this.cacheMs };
    }
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(secret, entry);
    if (!entry.principal) throw new UnauthenticatedError(entry.reason ?? 'unknown service credential');
    return entry.principal;
  }
}

function deny(message: string): Partial<ServiceError> {
  return { code: status.PERMISSION_DENIED, details: message };
}

/**
 * The status for a call whose credential was refused: UNAUTHENTICATED with the reason
 * SERVICE_CREDENTIAL, so the gateway can tell its own credential being refused (a fault
 * on our side: 503) from a client's SCIM token being refused (401).
 */
export function credentialRefusal(error: unknown, logger: Logger): Partial<ServiceError> {
  const refusal = toStatus(error, logger);
  if (refusal.code === status.UNAUTHENTICATED)
    refusal.metadata = reasonMetadata(ErrorReason.SERVICE_CREDENTIAL);
  return refusal;
}

type Handler = (call: any, callback?: (error: Partial<ServiceError> | null, value?: unknown) => void) => void;

/**
 * Wraps every handler of a service so that no handler runs before its caller is
 * authenticated and allowed: UNAUTHENTICATED without a valid credential,
 * PERMISSION_DENIED outside the role, or for a tenant a limited reader may not read.
 */
export function authorize<T extends UntypedServiceImplementation>(
  serviceName: string,
  handlers: T,
  authenticator: Authenticator,
  logger: Logger,
  /** Given for services whose every request names a tenant: an unknown one is NOT_FOUND. */
  tenants?: KnownTenants,
): T {
  const wrapped: Record<string, Handler> = {};
  for (const [name, handler] of Object.entries(handlers) as [string, Handler][]) {
    const method = `${name.charAt(0).toUpperCase()}${name.slice(1)}`;
    wrapped[name] = (call, callback) => {
      const refuse = (error: Partial<ServiceError>) => {
        if (callback) callback(error);
        // A server stream ends with a status through its 'error' event (grpc-js sets the
        // status and ends the stream); destroy() would drop the status and leave the call hanging.
        else call.emit('error', error);
      };
      authenticator.principalFor(call).then(
        (principal) => {
          if (!mayCall(principal.role, serviceName, method)) {
            return refuse(deny(`the ${principal.role} role may not call ${serviceName}/${method}`));
          }
          const problem = permissionProblem(principal, call.request);
          if (problem) return refuse(deny(problem));
          bindPrincipal(call, principal);
          if (!tenants) return handler(call, callback);
          tenants.check((call.request as { tenantId?: unknown }).tenantId).then(
            () => handler(call, callback),
            (error: unknown) => refuse(toStatus(error, logger)),
          );
        },
        (error: unknown) => refuse(credentialRefusal(error, logger)),
      );
    };
  }
  return wrapped as T;
}
