import { Metadata, status, type ServerDuplexStream, type ServiceError } from '@grpc/grpc-js';
import type { AdminServiceServer } from '#proto/admin.js';
import type { DirectoryChannelServiceServer, ExchangeRequest, ExchangeResponse } from '#proto/channel.js';
import type { DirectoryServiceServer } from '#proto/directory.js';
import type { ChangeFeed } from '../domain/context.js';
import { callTimer } from '../metrics.js';
import { wireName } from './instrument.js';
import {
  type Authenticator,
  bindPrincipal,
  credentialRefusal,
  mayCall,
  permissionProblem,
} from './authorize.js';
import { toStatus, type Logger } from './errors.js';
import { ACTOR_HEADER, REASON_TRAILER } from '@wizer/directory-client';
import type { KnownTenants } from './known-tenants.js';

type Call = NonNullable<ExchangeRequest['call']>;
type Unary = (call: object, callback: (error: Partial<ServiceError> | null, value?: unknown) => void) => void;

interface Route {
  service: 'AdminService' | 'DirectoryService';
  /** The method's name on the wire (`CreateUser`), and with its service (`DirectoryService/CreateUser`). */
  name: string;
  method: string;
  /** The handler that serves the unary call. */
  handler: Unary;
}

/**
 * DirectoryChannelService/Exchange: the gateway's multiplexed channel. Each request
 * envelope is authorised for its method like the unary call, then handed to the very
 * handler that serves the unary call, so both paths give the same answers.
 */
export function channelHandlers(
  handlers: { directory: DirectoryServiceServer; admin: AdminServiceServer },
  { authenticator, tenants }: { authenticator: Authenticator; tenants: KnownTenants },
  feed: ChangeFeed,
  logger: Logger,
): DirectoryChannelServiceServer {
  // Where each kind of call goes, worked out once per kind (the oneof's cases are few).
  const routes = new Map<Call['$case'], Route>();
  const routeOf = (kind: Call['$case']): Route => {
    let route = routes.get(kind);
    if (route === undefined) {
      const admin = kind === 'authenticateToken';
      const service = admin ? 'AdminService' : 'DirectoryService';
      const name = wireName(kind);
      const handler = (admin
        ? handlers.admin.authenticateToken
        : handlers.directory[kind]) as unknown as Unary;
      route = { service, name, method: `${service}/${name}`, handler };
      routes.set(kind, route);
    }
    return route;
  };

  return {
    exchange(stream: ServerDuplexStream<ExchangeRequest, ExchangeResponse>) {
      let inFlight = 0;
      let draining = false;
      let callerDone = false;
      let ended = false;
      const finishIfDrained = () => {
        if (inFlight > 0 || ended) return;
        ended = draining || callerDone;
        // Draining: UNAVAILABLE, so the caller opens a new stream (to another replica if any).
        if (draining)
          stream.emit('error', { code: status.UNAVAILABLE, details: 'the directory is shutting down' });
        else if (callerDone) stream.end();
      };
      const drain = () => {
        draining = true;
        finishIfDrained();
      };
      if (feed.closed.aborted) draining = true;
      else feed.closed.addEventListener('abort', drain, { once: true });
      stream.on('close', () => feed.closed.removeEventListener('abort', drain));

      const answer = (id: number, result: ExchangeResponse['result']) => {
        if (!stream.writableEnded && !stream.destroyed) stream.write({ id, result });
      };
      const fail = (id: number, error: Partial<ServiceError>) => {
        const [reason] = error.metadata?.get(REASON_TRAILER) ?? [];
        answer(id, {
          $case: 'status',
          value: {
            code: error.code ?? status.UNKNOWN,
            details: error.details ?? '',
            reason: typeof reason === 'string' ? reason : '',
          },
        });
      };

      authenticator.principalFor(stream).then(
        (principal) => {
          stream.on('data', (request: ExchangeRequest) => {
            const { id, call } = request;
            if (!call)
              return fail(id, { code: status.INVALID_ARGUMENT, details: 'the request names no call' });
            if (draining) {
              fail(id, { code: status.UNAVAILABLE, details: 'the directory is shutting down' });
              return finishIfDrained();
            }
            const { service, name, method, handler } = routeOf(call.$case);
            const denied = mayCall(principal.role, service, name)
              ? permissionProblem(principal, call.value)
              : `the ${principal.role} role may not call ${method}`;
            const done = callTimer(method);
            if (denied) {
              done(status.PERMISSION_DENIED);
              return fail(id, { code: status.PERMISSION_DENIED, details: denied });
            }
            // What a unary handler reads of its call: the request, the actor metadata, the principal.
            const metadata = new Metadata();
            if (request.actor) metadata.set(ACTOR_HEADER, request.actor);
            const unaryCall = {
              request: call.value,
              metadata,
              getAuthContext: () => stream.getAuthContext(),
              getPath: () => `/wizer.directory.v1.${method}`,
            };
            bindPrincipal(unaryCall, principal);
            inFlight++;
            const reply = (error: Partial<ServiceError> | null, value?: unknown) => {
              inFlight--;
              done(error?.code ?? status.OK);
              if (error) fail(id, error);
              else answer(id, { $case: call.$case, value } as ExchangeResponse['result']);
              finishIfDrained();
            };
            // As the unary path: every DirectoryService request names a tenant that exists.
            const ready =
              service === 'DirectoryService'
                ? tenants.check((call.value as { tenantId?: unknown }).tenantId)
                : Promise.resolve();
            ready.then(
              () => handler(unaryCall, reply),
              (error: unknown) => reply(toStatus(error, logger)),
            );
          });
          // Opened while the directory drains: end it at once, the caller goes elsewhere.
          finishIfDrained();
          stream.on('end', () => {
            // The caller closed its side: answer what is in flight, then end with OK.
            callerDone = true;
            finishIfDrained();
          });
        },
        (error: unknown) => stream.emit('error', credentialRefusal(error, logger)),
      );
    },
  };
}
