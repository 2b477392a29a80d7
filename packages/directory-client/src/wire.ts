import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { ErrorReason, errorReasonFromJSON, errorReasonToJSON } from './gen/wizer/directory/v1/errors.js';

/**
 * The contract's words outside the messages: the metadata entries callers and the
 * directory exchange. One home, imported by the server and every client.
 */

/** A call's service credential: `Bearer wzr_svc_…`. */
export const AUTHORIZATION_HEADER = 'authorization';
/** The SCIM token the gateway acts for (`token:<id>`), recorded as the actor of its changes. */
export const ACTOR_HEADER = 'x-wizer-actor';
/** Why a call failed: an ErrorReason name (errors.proto). */
export const REASON_TRAILER = 'x-wizer-reason';
/** With EVENTS_PRUNED: the highest removed sequence, to resume after. */
export const PRUNED_THROUGH_TRAILER = 'x-wizer-pruned-through';

export { ErrorReason };

/** Trailing metadata carrying `reason` (nothing for UNSPECIFIED). */
export function reasonMetadata(reason: ErrorReason = ErrorReason.ERROR_REASON_UNSPECIFIED): Metadata {
  const metadata = new Metadata();
  if (reason !== ErrorReason.ERROR_REASON_UNSPECIFIED)
    metadata.set(REASON_TRAILER, errorReasonToJSON(reason));
  return metadata;
}

/** The reason a failed call carries; UNSPECIFIED for none, UNRECOGNIZED for a name this build does not know. */
export function reasonOf(error: unknown): ErrorReason {
  const metadata = (error as Partial<ServiceError> | undefined)?.metadata;
  const [name] = metadata?.get?.(REASON_TRAILER) ?? [];
  return typeof name === 'string' && name ? errorReasonFromJSON(name) : ErrorReason.ERROR_REASON_UNSPECIFIED;
}
