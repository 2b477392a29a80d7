import { status } from '@grpc/grpc-js';
import test from 'ava';
import type { Context } from 'koa';
import { serviceError, type DirectoryClients } from '@wizer/directory-client';
import { authenticate } from '../../gateway/src/auth.js';

const TOKEN = `wzr_scim_${'a'.repeat(43)}`;

/** A directory whose AuthenticateToken answers when the test says so, counting the calls. */
function directory() {
  const pending: Array<{ resolve(v: unknown): void; reject(e: unknown): void }> = [];
  const clients = {
    admin: {
      authenticateToken: () => new Promise((resolve, reject) => pending.push({ resolve, reject })),
    },
  } as unknown as DirectoryClients;
  return { clients, pending };
}

const request = () =>
  ({ get: () => `Bearer ${TOKEN}`, state: {} as Record<string, unknown> }) as unknown as Context;

test('requests that arrive together while the cache is cold share one directory call', async (t) => {
  const { clients, pending } = directory();
  let now = 0;
  const middleware = authenticate(clients, 1000, () => now);
  const contexts = Array.from({ length: 20 }, request);
  const served = contexts.map((ctx) => middleware(ctx, async () => {}));
  t.is(pending.length, 1, 'one AuthenticateToken for 20 waiting requests');
  pending[0]!.resolve({ tenantId: 'T', tokenId: 'K', tenantName: 'Acme' });
  await Promise.all(served);
  t.true(contexts.every((ctx) => (ctx.state.caller as { tenantId: string }).tenantId === 'T'));

  now = 999;
  await middleware(request(), async () => {});
  t.is(pending.length, 1, 'still cached');
  now = 1000;
  const again = middleware(request(), async () => {});
  t.is(pending.length, 2, 'asked again once the cache time has passed');
  pending[1]!.resolve({ tenantId: 'T', tokenId: 'K', tenantName: 'Acme' });
  await again;
});

test('a failed directory call is not remembered: the next request asks again', async (t) => {
  const { clients, pending } = directory();
  const middleware = authenticate(clients, 1000, () => 0);
  const first = middleware(request(), async () => {});
  pending[0]!.reject(serviceError(status.UNAVAILABLE, 'down'));
  const error = await t.throwsAsync(first);
  t.is((error as { status?: number }).status, 503);
  const second = middleware(request(), async () => {});
  t.is(pending.length, 2);
  pending[1]!.resolve({ tenantId: 'T', tokenId: 'K', tenantName: 'Acme' });
  await second;
});
