import { unixSocketPath } from './unix-socket.js';

/** The one rule for DIRECTORY_ADDRESS in every client of the directory (gateway, console). */
export const DIRECTORY_TARGET_RULE =
  'DIRECTORY_ADDRESS must be host:port, a comma-separated list of IP:port replicas, or unix:/absolute/path';

/** Whether `address` is a directory target a client can connect to. */
export function isDirectoryTarget(address: string): boolean {
  return (
    unixSocketPath(address) !== undefined ||
    address.split(',').every((a) => /^\s*[^\s,]+:\d{1,5}\s*$/.test(a))
  );
}
