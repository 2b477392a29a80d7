import { status, type ServiceError } from '@grpc/grpc-js';
import { ErrorReason, reasonOf } from '@wizer/directory-client';
import { ScimError, versionMismatch, type ScimType } from './scim-error.js';

/**
 * The scimType of an INVALID_ARGUMENT, by the contract's reason (tsc checks every reason is
 * named here). Reasons that never come with INVALID_ARGUMENT map to what their status means.
 */
const SCIM_TYPE: Record<Exclude<ErrorReason, ErrorReason.UNRECOGNIZED>, ScimType | undefined> = {
  // No reason: a plain 400 (scimType is optional), rather than a guess.
  [ErrorReason.ERROR_REASON_UNSPECIFIED]: undefined,
  [ErrorReason.INVALID_FILTER]: 'invalidFilter',
  [ErrorReason.INVALID_VALUE]: 'invalidValue',
  [ErrorReason.INVALID_PATH]: 'invalidPath',
  [ErrorReason.INVALID_SYNTAX]: 'invalidSyntax',
  [ErrorReason.MUTABILITY]: 'mutability',
  [ErrorReason.TOO_MANY]: 'tooMany',
  [ErrorReason.TOO_LARGE]: 'invalidValue',
  [ErrorReason.INVALID_CURSOR]: 'invalidValue',
  [ErrorReason.UNIQUENESS]: 'uniqueness',
  [ErrorReason.VERSION_MISMATCH]: 'invalidVers',
  [ErrorReason.EVENTS_PRUNED]: 'invalidValue',
  [ErrorReason.SERVICE_CREDENTIAL]: 'invalidValue',
};

/** Network errors before any status arrives count as the directory being unavailable. */
const NETWORK_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);

function isServiceError(error: unknown): error is ServiceError {
  return (
    typeof error === 'object' &&
    error !== null &&
    'code' in error &&
    'metadata' in error &&
    typeof error.code === 'number'
  );
}

/** The directory refused a write because the stored version was not the expected one (nothing was written). */
export function isVersionMismatch(error: unknown): boolean {
  return (
    isServiceError(error) &&
    error.code === status.FAILED_PRECONDITION &&
    reasonOf(error) === ErrorReason.VERSION_MISMATCH
  );
}

/**
 * The one mapping from directory (gRPC) errors to what a SCIM client sees. The
 * directory's own messages are deliberate and safe to show for client errors;
 * for server-side failures a fixed message is used.
 */
export function grpcToScim(error: unknown): ScimError | undefined {
  if (!isServiceError(error)) {
    const errno = typeof error === 'object' && error !== null && 'code' in error ? String(error.code) : '';
    return NETWORK_ERRNO.has(errno)
      ? new ScimError(503, 'The directory is unavailable; retry shortly.', undefined, { 'Retry-After': '2' })
      : undefined;
  }
  const reason = reasonOf(error);
  const details = error.details;
  switch (error.code) {
    // The addressed resource does not exist in this tenant.
    case status.NOT_FOUND:
      return new ScimError(404, details || 'Resource not found.');
    // A uniqueness rule refused the write.
    case status.ALREADY_EXISTS:
      return new ScimError(409, details, 'uniqueness');
    // The request is wrong; the reason picks the scimType.
    case status.INVALID_ARGUMENT:
      return new ScimError(400, details, reason === ErrorReason.UNRECOGNIZED ? undefined : SCIM_TYPE[reason]);
    // If-Match named a version that is no longer current.
    case status.FAILED_PRECONDITION:
      return reason === ErrorReason.VERSION_MISMATCH
        ? versionMismatch()
        : new ScimError(400, details, 'invalidValue');
    // The directory refused the gateway's own service credential: our fault, and maybe
    // passing (the local credentials file is re-read within a second).
    case status.UNAUTHENTICATED:
      if (reason === ErrorReason.SERVICE_CREDENTIAL)
        return new ScimError(503, 'The directory is unavailable; retry shortly.', undefined, {
          'Retry-After': '2',
        });
      return new ScimError(401, 'The bearer token is missing, unknown, revoked or expired.', undefined, {
        'WWW-Authenticate': 'Bearer realm="Wizer SCIM"',
      });
    // The gateway's credential lacks a role it needs: a deployment fault, never the client's.
    case status.PERMISSION_DENIED:
      return new ScimError(500, 'An internal error occurred.');
    // Retryable: the directory is down, restarting, or lost a write race.
    case status.UNAVAILABLE:
    case status.ABORTED:
    case status.CANCELLED:
      return new ScimError(503, 'The directory is unavailable; retry shortly.', undefined, {
        'Retry-After': '2',
      });
    case status.RESOURCE_EXHAUSTED:
      return new ScimError(429, 'Too many requests; retry shortly.', undefined, { 'Retry-After': '2' });
    // The directory did not answer within the gateway's deadline.
    case status.DEADLINE_EXCEEDED:
      return new ScimError(504, 'The directory did not answer in time; retry shortly.');
    // Server-side faults: never show their text.
    case status.OK:
    case status.UNKNOWN:
    case status.OUT_OF_RANGE:
    case status.UNIMPLEMENTED:
    case status.INTERNAL:
    case status.DATA_LOSS:
      return new ScimError(500, 'An internal error occurred.');
  }
  return new ScimError(500, 'An internal error occurred.');
}
