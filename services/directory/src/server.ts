import { Server } from '@grpc/grpc-js';
import { HealthImplementation } from 'grpc-health-check';
import { AdminServiceService } from '#proto/admin.js';
import { DirectoryChannelServiceService } from '#proto/channel.js';
import { DirectoryServiceService } from '#proto/directory.js';
import type { Deps } from './domain/context.js';
import { adminHandlers } from './rpc/admin-handlers.js';
import { Authenticator, authorize, type AuthenticatorOptions } from './rpc/authorize.js';
import { channelHandlers } from './rpc/channel.js';
import { KnownTenants } from './rpc/known-tenants.js';
import { addReflection } from './rpc/reflection.js';
import { directoryHandlers } from './rpc/directory-handlers.js';
import type { Logger } from './rpc/errors.js';
import { instrument } from './rpc/instrument.js';

export interface DirectoryServer {
  readonly server: Server;
  readonly health: HealthImplementation;
}

/**
 * Builds the gRPC server with every service, grpc.health.v1 and grpc.reflection.v1. It does not bind.
 * Every call but health checks is authenticated and authorised before its handler runs.
 */
export function buildServer(deps: Deps, logger: Logger, auth: AuthenticatorOptions = {}): DirectoryServer {
  const server = new Server({
    // Watch streams are long-lived; keepalives find dead peers behind NATs and proxies.
    'grpc.keepalive_time_ms': 60_000,
    'grpc.max_receive_message_length': 16 * 1024 * 1024,
  });
  const authenticator = new Authenticator(deps, auth);
  const tenants = new KnownTenants(deps);
  const directory = directoryHandlers(deps, logger);
  const admin = adminHandlers(deps, logger, authenticator);
  server.addService(
    DirectoryServiceService,
    instrument('DirectoryService', authorize('DirectoryService', directory, authenticator, logger, tenants)),
  );
  server.addService(
    AdminServiceService,
    instrument('AdminService', authorize('AdminService', admin, authenticator, logger)),
  );
  // The gateway's multiplexed channel: it authenticates its stream and authorises each request itself.
  server.addService(
    DirectoryChannelServiceService,
    channelHandlers({ directory, admin }, { authenticator, tenants }, deps.feed, logger),
  );
  const health = new HealthImplementation({
    '': 'SERVING',
    'wizer.directory.v1.DirectoryService': 'SERVING',
    'wizer.directory.v1.AdminService': 'SERVING',
    'wizer.directory.v1.DirectoryChannelService': 'SERVING',
  });
  health.addToServer(server);
  addReflection(server);
  return { server, health };
}
