import fs from 'node:fs';
import { credentials, type ChannelCredentials } from '@grpc/grpc-js';

/** PEM files a directory client uses: the CA that signed the directory's certificate, and its own for mTLS. */
export interface ClientTlsFiles {
  /** The CA that signed the directory's certificate; without it the channel is plaintext. */
  ca?: string;
  /** The client certificate and its key, for mTLS. */
  cert?: string;
  key?: string;
}

/** Channel credentials for the directory: plaintext on loopback by default, TLS or mTLS when configured. */
export function clientCredentials(files: ClientTlsFiles | undefined): ChannelCredentials {
  if (!files?.ca) return credentials.createInsecure();
  const read = (path?: string) => (path ? fs.readFileSync(path) : null);
  return credentials.createSsl(read(files.ca), read(files.key), read(files.cert));
}
