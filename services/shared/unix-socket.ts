import fs from 'node:fs';
import net from 'node:net';

/**
 * A co-located directory may listen on a Unix domain socket, `unix:/absolute/path`: no TCP
 * stack, no port to allocate, and the file's mode limits who may even connect. grpc-js takes
 * the same string as a client target and as a server address.
 */
const UNIX_ADDRESS = /^unix:(\/\S+)$/;

/** The socket file of a `unix:/path` address, or undefined for `host:port`. */
export function unixSocketPath(address: string): string | undefined {
  return UNIX_ADDRESS.exec(address.trim())?.[1];
}

/** Resolves true when a process accepts connections on the socket file. */
function answering(file: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(file);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** An error shaped like listen's own, so listenFailure words it the same way. */
const inUse = (file: string) =>
  Object.assign(new Error(`listen EADDRINUSE: ${file}`), { code: 'EADDRINUSE' });

/**
 * Whether the socket file can be listened on: free when absent or left behind by a process
 * that died without removing it (nothing answers), taken when something answers. Nothing is
 * changed; see releaseStaleSocket.
 */
export async function probeUnixSocket(file: string): Promise<Error | undefined> {
  if (!fs.existsSync(file)) return undefined;
  return (await answering(file)) ? inUse(file) : undefined;
}

/**
 * Before listening: a socket file that nothing answers on is what a killed process leaves
 * behind, and binding over it would fail; it is removed. One that answers belongs to a
 * running instance: that is the error, as a taken port would be.
 */
export async function releaseStaleSocket(file: string): Promise<void> {
  const error = await probeUnixSocket(file);
  if (error) throw error;
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  // A mistyped path must never cost someone a file: only a socket is removed.
  if (stat && !stat.isSocket()) throw new Error(`${file} exists and is not a socket`);
  fs.rmSync(file, { force: true });
}
