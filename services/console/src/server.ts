import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type Koa from 'koa';

/** The console's HTTP(S) server; `close` ends its open event streams too. */
export function createConsoleServer(app: Koa, tls?: { cert: string; key: string }): http.Server {
  const handle = app.callback();
  const listener: http.RequestListener = (req, res) => void handle(req, res);
  const settings = { headersTimeout: 10_000, requestTimeout: 0, connectionsCheckingInterval: 1000 };
  return tls
    ? https.createServer(
        { ...settings, cert: fs.readFileSync(tls.cert), key: fs.readFileSync(tls.key) },
        listener,
      )
    : http.createServer(settings, listener);
}
