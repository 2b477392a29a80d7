import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { connectDirectory, type DirectoryClients } from '@wizer/directory-client';
import { buildApp } from '../../gateway/src/app.js';
import type { Limits } from '../../gateway/src/limits.js';
import type { RateLimits } from '../../gateway/src/rate-limit.js';
import { createServer } from '../../gateway/src/server.js';
import { startDirectory, type DirectoryFixture } from './directory.js';

export const OKTA_HEADERS = {
  Accept: 'application/scim+json',
  'Content-Type': 'application/scim+json; charset=utf-8',
  'User-Agent': 'Okta SCIM Client 1.0.0',
};

export const ENTRA_HEADERS = {
  Accept: 'application/scim+json',
  'Content-Type': 'application/scim+json',
  'User-Agent': 'Microsoft.AAD.Provisioning',
};

export interface ScimResponse {
  status: number;
  headers: Headers;
  body: any;
}

export interface GatewayFixture extends DirectoryFixture {
  /** SCIM base URL, e.g. http://127.0.0.1:PORT/api/v1/scim/v2 */
  base: string;
  gatewayClients: DirectoryClients;
  server: Server;
  /** What the gateway logged. */
  logs: object[];
  /** A new tenant with a token. */
  tenant(name?: string): Promise<{ tenantId: string; token: string; tokenId: string }>;
  /** One SCIM request with a bearer token (or the raw Authorization value given). */
  scim(
    method: string,
    path: string,
    options?: { token?: string; auth?: string; body?: unknown; headers?: Record<string, string> },
  ): Promise<ScimResponse>;
}

/** A real directory and a real gateway listening on 127.0.0.1:0. */
export async function startGateway(
  options: {
    authCacheMs?: number;
    bodyLimit?: number;
    limits?: Partial<Limits>;
    rateLimits?: RateLimits;
    headersTimeoutMs?: number;
    unary?: boolean;
    /** The gateway's clock for the auth cache and the rate limiter (milliseconds); default Date.now. */
    clock?: () => number;
  } = {},
): Promise<GatewayFixture> {
  const directory = await startDirectory();
  const gatewayClients = connectDirectory(directory.address, {
    actor: 'service:scim-gateway',
    deadlineMs: 5000,
    credential: directory.credentials.gateway,
    // As the gateway runs: over the multiplexed channel (set unary: true to test the other path).
    multiplex: options.unary ? undefined : { streams: 2 },
  });
  const logs: object[] = [];
  const app = buildApp({
    directory: gatewayClients,
    limits: options.limits,
    rateLimits: options.rateLimits,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    authCacheMs: options.authCacheMs,
    clock: options.clock,
    logger: { info: (o) => logs.push(o), error: (o) => logs.push(o) },
  });
  const { server } = createServer(app, {
    headersTimeoutMs: options.headersTimeoutMs ?? 10_000,
    requestTimeoutMs: 30_000,
  });
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}/api/v1/scim/v2`;
  return {
    ...directory,
    base,
    gatewayClients,
    server,
    logs,
    async tenant(name = 'Acme') {
      const tenant = await directory.clients.admin.createTenant({ name });
      const { token, info } = await directory.clients.admin.issueToken({
        tenantId: tenant.id,
        description: 'okta',
        expiresAt: undefined,
      });
      return { tenantId: tenant.id, token, tokenId: info!.id };
    },
    async scim(method, path, { token, auth, body, headers } = {}) {
      const res = await fetch(path.startsWith('http') ? path : `${base}${path}`, {
        method,
        headers: {
          ...OKTA_HEADERS,
          ...(auth !== undefined
            ? { Authorization: auth }
            : token
              ? { Authorization: `Bearer ${token}` }
              : {}),
          ...headers,
        },
        body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
    },
    async close() {
      await new Promise((resolve) => server.close(resolve));
      server.closeAllConnections();
      gatewayClients.close();
      await directory.close();
    },
  };
}

/** Okta's create-user body (developer.okta.com SCIM 2.0 reference), for a given userName. */
export function oktaUser(userName: string, extra: Record<string, unknown> = {}) {
  const [given = 'Test', family = 'User'] = userName.split('@')[0]!.split('.');
  return {
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
    userName,
    name: { givenName: given, familyName: family },
    emails: [{ primary: true, value: userName, type: 'work' }],
    displayName: `${given} ${family}`,
    locale: 'en-US',
    externalId: `00u${Buffer.from(userName).toString('hex').slice(0, 17)}`,
    groups: [],
    password: '1mz050nq',
    active: true,
    ...extra,
  };
}

export const patchOp = (...operations: unknown[]) => ({
  schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
  Operations: operations,
});
