import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ServerCredentials, type ServiceError } from '@grpc/grpc-js';
import { connectDirectory, type DirectoryClients } from '../../services/directory/client.js';
import { ChangeFeed } from '../../services/directory/src/domain/context.js';
import { buildServer } from '../../services/directory/src/server.js';
import { openDatabase, type Database } from '../../services/directory/src/store/db.js';

export const silentLogger = { error() {}, info() {}, warn() {} };

export interface DirectoryFixture {
  clients: DirectoryClients;
  address: string;
  db: Database;
  dbFile: string;
  /** Clients that name another actor. */
  connect(actor: string): DirectoryClients;
  close(): Promise<void>;
}

/** A real directory on 127.0.0.1:0 over a fresh SQLite file. */
export async function startDirectory(): Promise<DirectoryFixture> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wizer-dir-'));
  const dbFile = path.join(dir, 'directory.db');
  const db = await openDatabase(`sqlite:${dbFile}`);
  const feed = new ChangeFeed();
  const { server } = buildServer({ db, feed }, silentLogger);
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  const address = `127.0.0.1:${port}`;
  const opened: DirectoryClients[] = [];
  const connect = (actor: string) => {
    const clients = connectDirectory(address, { actor });
    opened.push(clients);
    return clients;
  };
  return {
    clients: connect('service:test'),
    address,
    db,
    dbFile,
    connect,
    async close() {
      // Channels first, then the server (so it has nothing to drain), then the store.
      for (const c of opened) c.close();
      feed.close();
      await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
      await db.close();
      fs.rmSync(dir, { recursive: true, force: true });
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
