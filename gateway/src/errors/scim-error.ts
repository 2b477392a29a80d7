import { ERROR_SCHEMA } from '../scim/schemas.js';

/** The `scimType` values of RFC 7644 §3.12, plus nothing of our own. */
export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive';

/** An error a client is meant to see, with a deliberate message. */
export class ScimError extends Error {
  override readonly name = 'ScimError';
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly scimType?: ScimType,
    /** Extra response headers, e.g. Retry-After or WWW-Authenticate. */
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }

  /** The SCIM Error body (RFC 7644 §3.12): `status` is a string. */
  toJSON() {
    return {
      schemas: [ERROR_SCHEMA],
      status: String(this.status),
      ...(this.scimType && { scimType: this.scimType }),
      detail: this.detail,
    };
  }
}

export const badRequest = (scimType: ScimType, detail: string) => new ScimError(400, detail, scimType);

/** 412 (RFC 7644 §3.14): If-Match names a version that is no longer the resource's; nothing was written. */
export const versionMismatch = () =>
  new ScimError(412, 'The resource changed since the version in If-Match; read it again.');
