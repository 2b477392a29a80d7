import type { Context } from 'koa';
import getRawBody from 'raw-body';
import { badRequest, ScimError } from './errors/scim-error.js';
import { depthExceededAt } from './json-depth.js';
import { DEFAULT_LIMITS } from './limits.js';

/** Media types a SCIM body may come as (RFC 7644 §3.1), with any charset parameter. */
const JSON_TYPES = /^application\/(scim\+)?json\s*(;.*)?$/i;

/**
 * Reads and parses a JSON request body within `limit` bytes: a declared
 * Content-Length over the limit is refused before reading, a chunked body as
 * soon as it passes it (413). A body that is not JSON, or nests deeper than
 * `maxDepth`, is `invalidSyntax`; the depth is checked on the text, before
 * `JSON.parse` runs, so a deeply nested body costs one linear scan at most.
 */
export async function readJson(
  ctx: Context,
  limit: number,
  maxDepth = DEFAULT_LIMITS.jsonDepth,
): Promise<Record<string, unknown>> {
  const type = ctx.get('content-type');
  const length = ctx.get('content-length');
  if (!type && (length === '' || length === '0') && !ctx.get('transfer-encoding')) {
    throw badRequest('invalidSyntax', 'the request needs a JSON body');
  }
  if (!JSON_TYPES.test(type)) {
    throw new ScimError(415, 'Send the body as application/scim+json or application/json.');
  }
  let text: string;
  try {
    text = await getRawBody(ctx.req, { length: length || undefined, limit, encoding: 'utf8' });
  } catch (error) {
    const type = (error as { type?: string }).type;
    if (type === 'entity.too.large') throw new ScimError(413, `The body is larger than ${limit} bytes.`);
    if (type === 'request.aborted') throw new ScimError(400, 'The request was aborted.', 'invalidSyntax');
    throw badRequest('invalidSyntax', 'The body could not be read.');
  }
  if (!text.trim()) throw badRequest('invalidSyntax', 'the request needs a JSON body');
  if (depthExceededAt(text, maxDepth) !== -1)
    throw badRequest('invalidSyntax', `The body nests deeper than ${maxDepth} levels.`);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw badRequest('invalidSyntax', 'The body is not valid JSON.');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('invalidSyntax', 'The body must be a JSON object.');
  }
  return body as Record<string, unknown>;
}
