import fs from 'node:fs';
import { ServerCredentials } from '@grpc/grpc-js';
import type { ClientTlsFiles } from '@wizer/directory-client';

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
