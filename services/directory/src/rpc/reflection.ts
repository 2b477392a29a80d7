import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Server } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';

const CONTRACT = path.join('proto', 'wizer', 'directory', 'v1');

/** The repository root (it holds proto/), from this file run as source or as built in dist/. */
function repositoryRoot(): string {
  for (let dir = path.dirname(fileURLToPath(import.meta.url)); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, CONTRACT))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`the contract (${CONTRACT}) is not beside the directory`);
  }
}

/**
 * grpc.reflection.v1 (and v1alpha), so generic tools (grpcurl, Postman, grpcui) can list
 * and call the directory's services from the contract itself. It reveals the contract,
 * which is no secret, and no tenant data: like health checks it needs no credential.
 */
export function addReflection(server: Pick<Server, 'addService'>): void {
  const root = repositoryRoot();
  const files = fs
    .readdirSync(path.join(root, CONTRACT))
    .filter((name) => name.endsWith('.proto'))
    .map((name) => `${CONTRACT.split(path.sep).slice(1).join('/')}/${name}`);
  const definition = loadSync(files, { includeDirs: [path.join(root, 'proto')] });
  new ReflectionService(definition).addToServer(server);
}
