import type { Context } from 'koa';
import getRawBody from 'raw-body';
import { badRequest, ScimError } from './errors/scim-error.js';
import { DEFAULT_LIMITS } from './limits.js';

/** Media types a SCIM body may come as (RFC 7644 §3.1), with any charset parameter. */
const JSON_TYPES = /^application\/(scim\+)?json\s*(;.*)?$/i;

/**
 * Reads and parses a JSON request body within `limit` bytes: a declared
 * Content-Length over the limit is refused before reading, a chunked body as
 * soon as it passes it (413). A body that is not JSON is `invalidSyntax`.
 */
/** How deeply arrays and objects nest, without recursion (a hostile body must not exhaust the stack). */
export function jsonDepth(value: unknown): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    deepest = Math.max(deepest, depth);
    for (const child of Object.values(node))
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
  return deepest;
}

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
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw badRequest('invalidSyntax', 'The body is not valid JSON.');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw badRequest('invalidSyntax', 'The body must be a JSON object.');
  }
  if (jsonDepth(body) > maxDepth)
    throw badRequest('invalidSyntax', `The body nests deeper than ${maxDepth} levels.`);
  return body as Record<string, unknown>;
}
