import fs from 'node:fs';
import { credentials, ServerCredentials, type ChannelCredentials } from '@grpc/grpc-js';

/** PEM files a directory client uses: the CA that signed the directory's certificate, and its own for mTLS. */
export interface ClientTlsFiles {
  ca?: string;
  cert?: string;
  key?: string;
}

/** Reads DIRECTORY_TLS_CA_FILE / DIRECTORY_TLS_CLIENT_CERT_FILE / DIRECTORY_TLS_CLIENT_KEY_FILE from an env. */
export function clientTlsFromEnv(env: Record<string, string | undefined>): ClientTlsFiles | undefined {
  const ca = env.DIRECTORY_TLS_CA_FILE || undefined;
  if (!ca) return undefined;
  return {
    ca,
    cert: env.DIRECTORY_TLS_CLIENT_CERT_FILE || undefined,
    key: env.DIRECTORY_TLS_CLIENT_KEY_FILE || undefined,
  };
}

/** Channel credentials for the directory: plaintext on loopback by default, TLS or mTLS when configured. */
export function clientCredentials(files: ClientTlsFiles | undefined): ChannelCredentials {
  if (!files?.ca) return credentials.createInsecure();
  const read = (path?: string) => (path ? fs.readFileSync(path) : null);
  return credentials.createSsl(read(files.ca), read(files.key), read(files.cert));
}

/** Server credentials: TLS with the given certificate; with a client CA, client certificates are required. */
export function serverCredentials(
  tls: { cert: string; key: string; clientCa?: string } | undefined,
): ServerCredentials {
  if (!tls) return ServerCredentials.createInsecure();
  return ServerCredentials.createSsl(
    tls.clientCa ? fs.readFileSync(tls.clientCa) : null,
    [{ cert_chain: fs.readFileSync(tls.cert), private_key: fs.readFileSync(tls.key) }],
    Boolean(tls.clientCa),
  );
}
