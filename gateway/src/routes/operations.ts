import type Router from '@koa/router';
import type { DirectoryClients } from '../../../services/directory/client.js';
import { registry } from '../metrics.js';

/** /healthz (the process is alive), /readyz (the directory answers), /metrics (Prometheus). */
export function operationRoutes(router: Router, directory: DirectoryClients): void {
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const ready = await directory.serving(1000);
    ctx.status = ready ? 200 : 503;
    ctx.body = { status: ready ? 'ready' : 'directory unavailable' };
  });
  router.get('/metrics', async (ctx) => {
    ctx.type = registry.contentType;
    ctx.body = await registry.metrics();
  });
}
