/**
 * Domain errors: what went wrong, in the directory's terms. They know nothing of
 * gRPC or HTTP; `rpc/errors.ts` is the one place that maps them to statuses.
 */

/** Machine-readable reasons for invalid arguments; the gateway maps them to SCIM `scimType`s. */
export type InvalidReason =
  | 'INVALID_FILTER'
  | 'INVALID_VALUE'
  | 'INVALID_PATH'
  | 'INVALID_SYNTAX'
  | 'MUTABILITY'
  | 'TOO_MANY'
  | 'TOO_LARGE'
  | 'INVALID_CURSOR';

export class NotFoundError extends Error {
  override readonly name = 'NotFoundError';
}

export class ConflictError extends Error {
  override readonly name = 'ConflictError';
}

export class InvalidArgumentError extends Error {
  override readonly name = 'InvalidArgumentError';
  constructor(
    readonly reason: InvalidReason,
    message: string,
  ) {
    super(message);
  }
}

export class VersionMismatchError extends Error {
  override readonly name = 'VersionMismatchError';
}

export class PreconditionError extends Error {
  override readonly name = 'PreconditionError';
}

export class UnauthenticatedError extends Error {
  override readonly name = 'UnauthenticatedError';
}

/** A watch asked to resume before events the retention policy has removed. */
export class EventsPrunedError extends Error {
  override readonly name = 'EventsPrunedError';
  constructor(
    message: string,
    /** The highest removed sequence: resume after it once the current state is read again. */
    readonly prunedThrough: number,
  ) {
    super(message);
  }
}

/** A storage conflict or outage that a retry may resolve. */
export class RetryableError extends Error {
  override readonly name = 'RetryableError';
  constructor(
    message: string,
    readonly kind: 'aborted' | 'unavailable',
    /** What the store reported (`40001`, `57P01`, `ECONNREFUSED`…), for the log line. */
    readonly code?: string,
  ) {
    super(message);
  }
}

/** Whether an error is one of the above: a deliberate outcome, not a fault. */
export function isDomainError(error: unknown): boolean {
  return (
    error instanceof NotFoundError ||
    error instanceof ConflictError ||
    error instanceof InvalidArgumentError ||
    error instanceof VersionMismatchError ||
    error instanceof PreconditionError ||
    error instanceof UnauthenticatedError ||
    error instanceof EventsPrunedError ||
    error instanceof RetryableError
  );
}
