/**
 * Domain errors: what went wrong, in the directory's terms. They know nothing of
 * gRPC or HTTP; `rpc/errors.ts` is the one place that maps them to statuses.
 */

/** The base of every deliberate outcome of the directory's rules (not a fault): `rpc/errors.ts` maps each. */
export abstract class DirectoryError extends Error {}

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

export class NotFoundError extends DirectoryError {
  override readonly name = 'NotFoundError';
}

export class ConflictError extends DirectoryError {
  override readonly name = 'ConflictError';
}

export class InvalidArgumentError extends DirectoryError {
  override readonly name = 'InvalidArgumentError';
  constructor(
    readonly reason: InvalidReason,
    message: string,
  ) {
    super(message);
  }
}

export class VersionMismatchError extends DirectoryError {
  override readonly name = 'VersionMismatchError';
}

export class PreconditionError extends DirectoryError {
  override readonly name = 'PreconditionError';
}

export class UnauthenticatedError extends DirectoryError {
  override readonly name = 'UnauthenticatedError';
}

/** The caller is known but may not do this (e.g. the console acting for a viewer operator). */
export class PermissionDeniedError extends DirectoryError {
  override readonly name = 'PermissionDeniedError';
}

/** A watch asked to resume before events the retention policy has removed. */
export class EventsPrunedError extends DirectoryError {
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
export class RetryableError extends DirectoryError {
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
export const isDomainError = (error: unknown): error is DirectoryError => error instanceof DirectoryError;
