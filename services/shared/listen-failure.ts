import net from 'node:net';
import { probeUnixSocket, unixSocketPath } from './unix-socket.js';

/** The system error code of a failed listen: Node's `code`, or the one grpc-js quotes in its message. */
function errnoOf(error: unknown): string | undefined {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  if (typeof code === 'string') return code;
  // grpc-js bindAsync: "No address added out of total 1 resolved errors: [listen EADDRINUSE: …]"
  return typeof message === 'string' ? /\b(EADDRINUSE|EACCES|EADDRNOTAVAIL)\b/.exec(message)?.[1] : undefined;
}

/**
 * The one line an operator reads when a process cannot listen where it was told to:
 * `what` names the listener ("the directory's port"), `address` is `host:port` or `unix:/path`.
 * No stack: a taken port is a fact about the machine, not a bug.
 */
export function listenFailure(what: string, address: string, error: unknown): string {
  switch (errnoOf(error)) {
    case 'EADDRINUSE':
      return `${what} ${address} is already in use — is another instance running?`;
    case 'EACCES':
      return `${what} ${address} needs privileges this process does not have (EACCES)`;
    case 'EADDRNOTAVAIL':
      return `${what} ${address} is not an address of this machine (EADDRNOTAVAIL)`;
    default:
      return `${what} ${address} cannot be listened on: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** Splits `host:port` or `[v6]:port`. */
export function hostPort(address: string): { host: string; port: number } {
  const [, host = '127.0.0.1', port = '0'] = /^\[?(.*?)\]?:(\d+)$/.exec(address) ?? [];
  return { host, port: Number(port) };
}

/**
 * Resolves undefined when `address` can be listened on right now (it is released again at
 * once), or the error listening raised. A check, not a reservation: the caller still
 * handles its own listen failing.
 */
export function probeListen(address: string): Promise<Error | undefined> {
  const file = unixSocketPath(address);
  if (file) return probeUnixSocket(file);
  const { host, port } = hostPort(address);
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', resolve);
    server.listen(port, host, () => server.close(() => resolve(undefined)));
  });
}
