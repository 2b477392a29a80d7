import type { handleUnaryCall, ServerUnaryCall, ServerWritableStream } from '@grpc/grpc-js';
import type { CallContext } from '../domain/context.js';
import { InvalidArgumentError } from '../domain/errors.js';
import { principalOf } from './authorize.js';
import { ACTOR_HEADER } from '@wizer/directory-client';
import { toStatus, type Logger } from './errors.js';

const OPERATOR_ACTOR = /^operator:[\w.@-]{1,64}$/;

/** Adapts an async handler to grpc-js, sending every failure through `toStatus`. */
export function unary<Req, Res>(
  logger: Logger,
  handler: (request: Req, call: ServerUnaryCall<Req, Res>) => Promise<Res>,
): handleUnaryCall<Req, Res> {
  return (call, callback) => {
    handler(call.request, call).then(
      (response) => callback(null, response),
      (error: unknown) => callback(toStatus(error, logger, call.getPath())),
    );
  };
}

type AnyCall = ServerUnaryCall<unknown, unknown> | ServerWritableStream<unknown, unknown>;

/**
 * Who the provisioning log names as the author of this call's changes: the
 * authenticated credential (`admin:<name>`, `service:<name>`), except that the
 * gateway — the one role trusted to say so — names the SCIM token it acts for, and the
 * operator console names the operator signed in to it (`operator:<name>`).
 * Never a header an untrusted caller chose.
 */
export function actorOf(call: AnyCall): string {
  const principal = principalOf(call);
  if (principal.role === 'gateway') {
    const [actor] = call.metadata.get(ACTOR_HEADER);
    if (typeof actor === 'string' && actor) return actor.slice(0, 128);
  }
  // The console names the operator who signed in to it; nothing else.
  if (principal.role === 'console') {
    const [actor] = call.metadata.get(ACTOR_HEADER);
    if (typeof actor === 'string' && OPERATOR_ACTOR.test(actor)) return actor;
    return `console:${principal.name}`;
  }
  return `${principal.role === 'admin' ? 'admin' : 'service'}:${principal.name}`;
}

/** Who is calling and for which tenant. */
export function contextOf(call: AnyCall, tenantId: string): CallContext {
  if (!tenantId) throw new InvalidArgumentError('INVALID_VALUE', 'tenant_id is required');
  return { tenantId, actor: actorOf(call) };
}
