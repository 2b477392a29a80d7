import http from 'node:http';
import type { Registry } from 'prom-client';
import { hostPort } from './listen-failure.js';

/** `host:port`, `[v6]:port`: the shape of a listen address in the configuration. */
export const HOST_PORT = /^([^\s:]+|\[[0-9a-fA-F:]+\]):\d{1,5}$/;

/**
 * Serves `GET /metrics` of `registry` on a listener of its own. Never on a service's
 * public port: the metrics name every tenant and its error counts, so they belong on
 * an address only the monitoring network reaches (loopback by default).
 * Resolves once listening; rejects when the address is taken, so a process fails at
 * start rather than running without the metrics it was told to serve.
 */
export function serveMetrics(address: string, registry: Registry): Promise<http.Server> {
  const { host, port } = hostPort(address);
  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
      res.writeHead(404).end();
      return;
    }
    registry.metrics().then(
      (text) => res.writeHead(200, { 'Content-Type': registry.contentType }).end(text),
      () => res.writeHead(500).end(),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
