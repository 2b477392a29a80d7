import type Router from '@koa/router';
import type { DirectoryClients } from '@wizer/directory-client';

/**
 * /healthz (the process is alive), /readyz (the directory answers). Metrics are not
 * here: they name every tenant, so main.ts serves them on GATEWAY_METRICS_ADDRESS.
 */
export function operationRoutes(router: Router, directory: DirectoryClients): void {
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const ready = await directory.serving(1000);
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ready' : 'directory unavailable' };
  });
}
