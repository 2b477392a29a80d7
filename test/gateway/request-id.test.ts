import test from 'ava';
import type { Context } from 'koa';
import { validate, version } from 'uuid';
import { requestIdOf } from '../../gateway/src/routes/context.js';

/** Just what requestIdOf reads of a Koa context: its request headers. */
const withHeaders = (headers: Record<string, string>) =>
  ({ get: (name: string) => headers[name.toLowerCase()] ?? '' }) as unknown as Context;

test("a create's request id is the client's Idempotency-Key, cut to 128 characters", (t) => {
  t.is(requestIdOf(withHeaders({ 'idempotency-key': 'okta-123' })), 'okta-123');
  t.is(requestIdOf(withHeaders({ 'idempotency-key': 'k'.repeat(300) })), 'k'.repeat(128));
});

test('without one, each request gets its own time-ordered id (UUIDv7), later ones sorting after', (t) => {
  const ids = Array.from({ length: 50 }, () => requestIdOf(withHeaders({})));
  for (const id of ids) {
    const uuid = id.replace(/^http:/, '');
    t.true(id.startsWith('http:') && validate(uuid) && version(uuid) === 7, id);
  }
  t.is(new Set(ids).size, 50);
  t.deepEqual([...ids].sort(), ids);
});
