import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import type Koa from 'koa';

export interface ServerOptions {
  tls?: { cert: string; key: string };
  headersTimeoutMs: number;
  requestTimeoutMs: number;
}

export interface GatewayServer {
  server: http.Server;
  /**
   * Graceful stop: refuse new connections, let in-flight requests finish, and close
   * keep-alive connections as their last response goes out (`Connection: close`).
   * Resolves when every connection is gone, or after `timeoutMs` (false then).
   */
  drain(timeoutMs: number): Promise<boolean>;
}

/**
 * The HTTP(S) server around the Koa app. A client that trickles its headers or
 * body is cut off (timeouts checked every second); the others keep being served.
 */
export function createServer(app: Koa, options: ServerOptions): GatewayServer {
  const handle = app.callback();
  let draining = false;
  const listener: http.RequestListener = (req, res) => {
    if (draining) res.setHeader('Connection', 'close');
    void handle(req, res);
  };
  const settings = {
    headersTimeout: options.headersTimeoutMs,
    requestTimeout: options.requestTimeoutMs,
    connectionsCheckingInterval: 1000,
    // Room for a long filter in the query string (FILTER_MAX_LENGTH, URL-encoded), so it is
    // answered as a SCIM invalidFilter rather than a bare 431 from Node.
    maxHeaderSize: 64 * 1024,
  };
  const server = options.tls
    ? https.createServer(
        { ...settings, cert: fs.readFileSync(options.tls.cert), key: fs.readFileSync(options.tls.key) },
        listener,
      )
    : http.createServer(settings, listener);
  return {
    server,
    drain(timeoutMs) {
      draining = true;
      return new Promise((resolve) => {
        const sweep = setInterval(() => server.closeIdleConnections(), 50);
        const give = setTimeout(() => {
          clearInterval(sweep);
          server.closeAllConnections();
          resolve(false);
        }, timeoutMs);
        server.close(() => {
          clearInterval(sweep);
          clearTimeout(give);
          resolve(true);
        });
        server.closeIdleConnections();
      });
    },
  };
}
