import type { handleUnaryCall, ServerUnaryCall, ServerWritableStream } from '@grpc/grpc-js';
import type { CallContext } from '../domain/context.js';
import { InvalidArgumentError } from '../domain/errors.js';
import { toStatus, type Logger } from './errors.js';

/** The metadata entry in which callers name themselves for the provisioning log. */
export const ACTOR_HEADER = 'x-wizer-actor';

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

/** Who is calling and for which tenant, from the request and its metadata. */
export function contextOf(
  call: ServerUnaryCall<unknown, unknown> | ServerWritableStream<unknown, unknown>,
  tenantId: string,
): CallContext {
  if (!tenantId) throw new InvalidArgumentError('INVALID_VALUE', 'tenant_id is required');
  const [actor] = call.metadata.get(ACTOR_HEADER);
  return { tenantId, actor: typeof actor === 'string' && actor ? actor.slice(0, 128) : 'service:unknown' };
}
