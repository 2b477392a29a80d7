import { status, type ServiceError } from '@grpc/grpc-js';
import {
  ConflictError,
  EventsPrunedError,
  InvalidArgumentError,
  NotFoundError,
  PermissionDeniedError,
  PreconditionError,
  RetryableError,
  UnauthenticatedError,
  VersionMismatchError,
} from '../domain/errors.js';
import type { InvalidReason } from '../domain/errors.js';
import { errorSummary } from '../../error-summary.js';
import { ErrorReason, PRUNED_THROUGH_TRAILER, reasonMetadata } from '@wizer/directory-client';

/** The domain's reasons for invalid arguments, as the contract names them (tsc checks every one is mapped). */
const INVALID: Record<InvalidReason, ErrorReason> = {
  INVALID_FILTER: ErrorReason.INVALID_FILTER,
  INVALID_VALUE: ErrorReason.INVALID_VALUE,
  INVALID_PATH: ErrorReason.INVALID_PATH,
  INVALID_SYNTAX: ErrorReason.INVALID_SYNTAX,
  MUTABILITY: ErrorReason.MUTABILITY,
  TOO_MANY: ErrorReason.TOO_MANY,
  TOO_LARGE: ErrorReason.TOO_LARGE,
  INVALID_CURSOR: ErrorReason.INVALID_CURSOR,
};

export type Logger = {
  error(obj: object, msg: string): void;
  /** Where a store fault (weather, not a bug) is noted: one line, its cause, no stack. */
  warn(obj: object, msg: string): void;
  /** Where the full error of an unexpected failure goes: off at the default level. */
  debug?(obj: object, msg: string): void;
};

function statusError(code: status, details: string, reason?: ErrorReason): Partial<ServiceError> {
  return { code, details, metadata: reasonMetadata(reason) };
}

/**
 * The one door from thrown errors to gRPC statuses. Domain errors carry deliberate
 * messages; anything else is answered with a fixed message, so no SQL, stack or file
 * path ever reaches a caller, and logged here: its class, driver code and the method
 * at the error level, the full error (SQL, bound values, stack) only at debug level.
 */
export function toStatus(error: unknown, logger: Logger, method?: string): Partial<ServiceError> {
  if (error instanceof NotFoundError) return statusError(status.NOT_FOUND, error.message);
  if (error instanceof ConflictError)
    return statusError(status.ALREADY_EXISTS, error.message, ErrorReason.UNIQUENESS);
  if (error instanceof InvalidArgumentError)
    return statusError(status.INVALID_ARGUMENT, error.message, INVALID[error.reason]);
  if (error instanceof VersionMismatchError)
    return statusError(status.FAILED_PRECONDITION, error.message, ErrorReason.VERSION_MISMATCH);
  if (error instanceof PreconditionError) return statusError(status.FAILED_PRECONDITION, error.message);
  if (error instanceof UnauthenticatedError) return statusError(status.UNAUTHENTICATED, error.message);
  if (error instanceof PermissionDeniedError) return statusError(status.PERMISSION_DENIED, error.message);
  if (error instanceof EventsPrunedError) {
    const pruned = statusError(status.OUT_OF_RANGE, error.message, ErrorReason.EVENTS_PRUNED);
    pruned.metadata!.set(PRUNED_THROUGH_TRAILER, String(error.prunedThrough));
    return pruned;
  }
  // The database is down, restarting or unreachable, or a write kept losing a race after
  // the store's own retries: the caller retries (the gateway answers 503 with Retry-After).
  if (error instanceof RetryableError) {
    const aborted = error.kind === 'aborted';
    logger.warn(
      { method, cause: error.code },
      aborted ? 'store conflict; answered ABORTED' : 'database unavailable; answered UNAVAILABLE',
    );
    return statusError(aborted ? status.ABORTED : status.UNAVAILABLE, error.message);
  }
  logger.error({ method, ...errorSummary(error) }, 'unexpected error in a directory call');
  logger.debug?.({ method, err: error }, 'unexpected error in a directory call: details');
  return statusError(status.INTERNAL, 'internal error');
}
