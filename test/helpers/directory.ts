import fs from 'node:fs';
import { ServerCredentials, type ServiceError } from '@grpc/grpc-js';
import { connectDirectory, type DirectoryClients } from '@wizer/directory-client';
import { ChangeFeed } from '../../services/directory/src/domain/context.js';
import { issueServiceCredential } from '../../services/directory/src/domain/service-credentials.js';
import type { Role } from '../../services/directory/src/domain/types.js';
import { buildServer } from '../../services/directory/src/server.js';
import { startChangeRelay } from '../../services/directory/src/store/change-relay.js';
import { openDatabase, type Database } from '../../services/directory/src/store/db.js';
import { freshDatabase, TEST_STORE } from './database.js';

export const silentLogger = { error() {}, info() {}, warn() {} };

export interface DirectoryFixture {
  /** Clients with an admin credential: every call is allowed, the actor is `admin:test-admin`. */
  clients: DirectoryClients;
  /** The service credentials the fixture issued (secrets), by role. */
  credentials: { admin: string; gateway: string };
  /** Issues another service credential straight through the domain, as the admin CLI would. */
  issueCredential(role: Role, tenantIds?: string[]): Promise<{ id: string; secret: string }>;
  address: string;
  db: Database;
  /** The database URL, to start another replica on the same store. */
  url: string;
  /** The SQLite file, when the suite runs on SQLite. */
  dbFile?: string;
  /** Whether any stored byte (rows, and the SQLite file with its WAL) contains `text`. */
  storeContains(text: string): Promise<boolean>;
  /** Clients with the gateway's credential, naming `actor` (the gateway's actor is believed). */
  connect(actor: string): DirectoryClients;
  /** Clients with the given credential (or none), e.g. to test roles. */
  connectWith(credential: string | undefined, actor?: string): DirectoryClients;
  close(): Promise<void>;
}

/**
 * A real directory on 127.0.0.1:0 over a fresh database of the suite's store, or, given
 * `url`, over that database (a second replica of another fixture's store).
 */
export async function startDirectory(
  url?: string,
  options: {
    pollMs?: number;
    /** host:port to listen on (default: a free port on 127.0.0.1) */ address?: string;
  } = {},
): Promise<DirectoryFixture> {
  const database = url ? { url, file: undefined, drop: async () => {} } : await freshDatabase();
  const db = await openDatabase(database.url);
  const feed = new ChangeFeed(options.pollMs);
  // As main.ts: on PostgreSQL, replicas wake each other's watchers.
  const relay = await startChangeRelay(db, feed, silentLogger);
  const deps = { db, feed };
  const issueCredential = async (role: Role, tenantIds: string[] = []) => {
    const { secret, info } = await issueServiceCredential(deps, { name: `test-${role}`, role, tenantIds });
    return { id: info.id, secret };
  };
  const credentials = {
    admin: (await issueCredential('admin')).secret,
    gateway: (await issueCredential('gateway')).secret,
  };
  const { server } = buildServer(deps, silentLogger);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(options.address ?? '127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  const address = `127.0.0.1:${port}`;
  const opened: DirectoryClients[] = [];
  const connectWith = (credential: string | undefined, actor = 'service:test') => {
    const clients = connectDirectory(address, { actor, credential });
    opened.push(clients);
    return clients;
  };
  const connect = (actor: string) => connectWith(credentials.gateway, actor);
  return {
    clients: connectWith(credentials.admin),
    credentials,
    issueCredential,
    connectWith,
    address,
    db,
    url: database.url,
    dbFile: database.file,
    async storeContains(text) {
      if (TEST_STORE === 'sqlite') {
        await db.knex.raw('PRAGMA wal_checkpoint(TRUNCATE)');
        return [database.file!, `${database.file}-wal`].some(
          (f) => fs.existsSync(f) && fs.readFileSync(f).includes(text),
        );
      }
      for (const table of [
        'tenants',
        'api_tokens',
        'users',
        'user_emails',
        'departments',
        'memberships',
        'events',
      ]) {
        const rows: { row: string }[] = (
          await db.knex.raw(`SELECT row_to_json(t)::text AS row FROM ${table} t`)
        ).rows;
        if (rows.some((r) => r.row.includes(text))) return true;
      }
      return false;
    },
    connect,
    async close() {
      // Channels first, then the server (so it has nothing to drain), then the store.
      for (const c of opened) c.close();
      feed.close();
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      await relay?.close();
      await db.close();
      await database.drop();
    },
  };
}

/** A tenant and a token, as a test's starting point. */
export async function newTenant(clients: DirectoryClients, name = 'Acme') {
  const tenant = await clients.admin.createTenant({ name });
  return tenant.id;
}

/** The gRPC error a promise rejected with (fails the test when it resolved). */
export async function grpcError(promise: Promise<unknown>): Promise<ServiceError & { reason?: string }> {
  try {
    await promise;
  } catch (error) {
    const e = error as ServiceError & { reason?: string };
    const [reason] = e.metadata?.get('x-wizer-reason') ?? [];
    if (typeof reason === 'string') e.reason = reason;
    return e;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

/** A minimal valid user for the contract. */
export function userInput(userName: string, extra: Record<string, unknown> = {}) {
  return {
    id: '',
    userName,
    active: true,
    name: undefined,
    emails: [],
    phoneNumbers: [],
    addresses: [],
    enterprise: undefined,
    extra: undefined,
    version: 0,
    createdAt: undefined,
    updatedAt: undefined,
    memberships: [],
    ...extra,
  };
}
