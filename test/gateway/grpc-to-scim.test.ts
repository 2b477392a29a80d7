import fs from 'node:fs';
import path from 'node:path';
import { status } from '@grpc/grpc-js';
import test from 'ava';
import { ErrorReason, errorReasonToJSON } from '#proto/errors.js';
import { serviceError } from '@wizer/directory-client';
import { grpcToScim } from '../../gateway/src/errors/grpc-to-scim.js';
import type { ScimType } from '../../gateway/src/errors/scim-error.js';
import { ROOT } from '../helpers/processes.js';

const R = ErrorReason;
const reason = (r: ErrorReason) => errorReasonToJSON(r);

/** What a SCIM client sees for each status and reason the directory answers with (RFC 7644 §3.12). */
const TABLE: Array<[status, ErrorReason | undefined, number, ScimType | undefined]> = [
  [status.NOT_FOUND, undefined, 404, undefined],
  [status.ALREADY_EXISTS, R.UNIQUENESS, 409, 'uniqueness'],
  [status.INVALID_ARGUMENT, R.INVALID_FILTER, 400, 'invalidFilter'],
  [status.INVALID_ARGUMENT, R.INVALID_VALUE, 400, 'invalidValue'],
  [status.INVALID_ARGUMENT, R.INVALID_PATH, 400, 'invalidPath'],
  [status.INVALID_ARGUMENT, R.INVALID_SYNTAX, 400, 'invalidSyntax'],
  [status.INVALID_ARGUMENT, R.MUTABILITY, 400, 'mutability'],
  [status.INVALID_ARGUMENT, R.TOO_MANY, 400, 'tooMany'],
  [status.INVALID_ARGUMENT, R.TOO_LARGE, 400, 'invalidValue'],
  [status.INVALID_ARGUMENT, R.INVALID_CURSOR, 400, 'invalidValue'],
  [status.INVALID_ARGUMENT, undefined, 400, undefined],
  [status.FAILED_PRECONDITION, R.VERSION_MISMATCH, 412, undefined],
  [status.FAILED_PRECONDITION, undefined, 400, 'invalidValue'],
  [status.UNAUTHENTICATED, undefined, 401, undefined],
  [status.UNAUTHENTICATED, R.SERVICE_CREDENTIAL, 503, undefined],
  [status.PERMISSION_DENIED, undefined, 500, undefined],
  [status.UNAVAILABLE, undefined, 503, undefined],
  [status.ABORTED, undefined, 503, undefined],
  [status.RESOURCE_EXHAUSTED, undefined, 429, undefined],
  [status.DEADLINE_EXCEEDED, undefined, 504, undefined],
  [status.INTERNAL, undefined, 500, undefined],
  [status.UNKNOWN, undefined, 500, undefined],
];

for (const [code, why, httpStatus, scimType] of TABLE) {
  test(`${status[code]}${why === undefined ? '' : ` (${reason(why)})`} → ${httpStatus}${scimType ? ` ${scimType}` : ''}`, (t) => {
    const mapped = grpcToScim(
      serviceError(code, 'the directory said so', why === undefined ? undefined : reason(why)),
    );
    t.is(mapped?.status, httpStatus);
    t.is(mapped?.scimType, scimType);
    if (httpStatus >= 500)
      t.notRegex(mapped!.detail, /the directory said so/, 'a server fault’s text is not shown');
    if (httpStatus === 503) t.truthy(mapped!.headers['Retry-After']);
  });
}

test('a reason this build does not know is treated by its status code alone', (t) => {
  const mapped = grpcToScim(serviceError(status.INVALID_ARGUMENT, 'x', 'SOMETHING_NEW'));
  t.is(mapped?.status, 400);
  t.is(mapped?.scimType, undefined);
});

test('the README lists exactly the reasons of ErrorReason', (t) => {
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const table = readme.slice(readme.indexOf('| status '), readme.indexOf('No message ever carries SQL'));
  const listed = new Set([...table.matchAll(/`([A-Z][A-Z_]+)`/g)].map((m) => m[1]!));
  const reasons = Object.values(ErrorReason)
    .filter((v): v is ErrorReason => typeof v === 'number' && v > 0)
    .map(reason);
  t.true(reasons.length >= 12);
  for (const r of reasons) t.true(listed.has(r), `${r} is in the README`);
});
