import {
  credentials,
  makeGenericClientConstructor,
  Metadata,
  type CallOptions,
  type ChannelCredentials,
  type ClientUnaryCall,
  type ServiceError,
} from '@grpc/grpc-js';
import { AdminServiceClient } from './gen/wizer/directory/v1/admin.js';
import { DirectoryServiceClient, type WatchEventsRequest } from './gen/wizer/directory/v1/directory.js';
import type { Event } from './gen/wizer/directory/v1/event.js';
import { DirectoryChannelServiceClient } from './gen/wizer/directory/v1/channel.js';
import { CHANNEL_CALLS, Multiplexer } from './channel-client.js';
import { follow } from './follow.js';
import { HEALTH_SERVICE, type HealthCheckResponse } from './health.js';
import { ACTOR_HEADER, AUTHORIZATION_HEADER } from './wire.js';

/**
 * A promise-based client for the directory contract, for Wizer services, the
 * gateway, the admin CLI and tests. Every call carries the caller's actor and a
 * deadline.
 */

type Callback<Res> = (error: ServiceError | null, response: Res) => void;

/** Each unary method of a generated client, as `(request) => Promise<response>`. */
export type Promised<C> = {
  [
    K in keyof C as C[K] extends (
      r: any,
      m: Metadata,
      o: Partial<CallOptions>,
      cb: Callback<any>,
    ) => ClientUnaryCall
      ? K
      : never
  ]: C[K] extends (
    request: infer Req,
    m: Metadata,
    o: Partial<CallOptions>,
    cb: Callback<infer Res>,
  ) => ClientUnaryCall
    ? (request: Req, options?: CallSettings) => Promise<Res>
    : never;
};

/** Per-call settings. */
export interface CallSettings {
  deadlineMs?: number;
  /** Overrides the client's actor for this call (the gateway names the calling token). */
  actor?: string;
}

export interface ClientOptions {
  /**
   * Sent as `x-wizer-actor`. The directory records it only for the gateway role (the
   * SCIM token a change was made with); for other roles the credential names the actor.
   */
  actor: string;
  /**
   * The service credential (`wzr_svc_…`) sent with every call, or a function that
   * returns it (read lazily, e.g. from the file a local directory writes). Optional only
   * with mTLS, where the directory may map the client certificate to a role.
   */
  credential?: string | (() => string | undefined);
  /** Per-call deadline; default 10 s. */
  deadlineMs?: number;
  credentials?: ChannelCredentials;
  /** grpc-js channel options, e.g. a load-balancing config. */
  channelOptions?: Record<string, unknown>;
  /**
   * Carry the calls DirectoryChannelService can over that many long-lived streams
   * instead of one unary call each (the gateway's path; see channel.proto).
   */
  multiplex?: { streams: number };
}

/** The metadata every call carries: the credential, and the actor. */
function metadataFor(options: ClientOptions, actor: string): Metadata {
  const metadata = new Metadata();
  const credential = typeof options.credential === 'function' ? options.credential() : options.credential;
  if (credential) metadata.set(AUTHORIZATION_HEADER, `Bearer ${credential}`);
  metadata.set(ACTOR_HEADER, actor);
  return metadata;
}

function promisify<C extends object>(
  client: C,
  methods: Record<string, { responseStream: boolean }>,
  options: ClientOptions,
): Promised<C> {
  const out: Record<string, unknown> = {};
  for (const [name, definition] of Object.entries(methods)) {
    if (definition.responseStream) continue;
    const method = (client as unknown as Record<string, (...args: unknown[]) => unknown>)[name]!.bind(client);
    out[name] = (request: unknown, call?: CallSettings) =>
      new Promise((resolve, reject) => {
        const metadata = metadataFor(options, call?.actor ?? options.actor);
        const deadline = new Date(Date.now() + (call?.deadlineMs ?? options.deadlineMs ?? 10_000));
        method(request, metadata, { deadline }, (error: ServiceError | null, response: unknown) =>
          error ? reject(error) : resolve(response),
        );
      });
  }
  return out as Promised<C>;
}

export interface DirectoryClients {
  directory: Promised<DirectoryServiceClient>;
  admin: Promised<AdminServiceClient>;
  /** grpc.health.v1: whether the directory serves (false when it is down or draining). */
  serving(deadlineMs?: number): Promise<boolean>;
  /** Every event after `afterSequence`, then live ones, until `signal` aborts or the stream ends. */
  watchEvents(request: WatchEventsRequest, signal?: AbortSignal): AsyncIterable<Event>;
  /**
   * Follows a tenant's log until `signal` aborts: every event after `afterSequence`, once and
   * in order, across directory restarts, drains and replica changes (it resumes after the
   * last event it yielded). Throws only when resuming cannot help: see `follow.ts`.
   */
  follow(request: WatchEventsRequest, signal?: AbortSignal): AsyncIterable<Event>;
  close(): void;
}

/** A promised client method: request, per-call settings, response. */
type PromisedMethod = (request: unknown, settings?: CallSettings) => Promise<unknown>;

const SERVICE = 'wizer.directory.v1.DirectoryService';
const ADMIN = 'wizer.directory.v1.AdminService';

/**
 * Calls that are safe to send again after UNAVAILABLE: reads, and creates, which
 * carry a request id (the gateway always sends one) so a retry never creates twice.
 */
const RETRYABLE = [
  ...[
    'GetUser',
    'ListUsers',
    'CreateUser',
    'GetDepartment',
    'ListDepartments',
    'ListMembers',
    'PushDepartment',
    'ListEvents',
    'ExplainUser',
  ].map((method) => ({ service: SERVICE, method })),
  ...['AuthenticateToken', 'ListTenants', 'ListTokens'].map((method) => ({ service: ADMIN, method })),
];
const RETRYABLE_NAMES = new Set(
  RETRYABLE.map(({ method }) => `${method[0]!.toLowerCase()}${method.slice(1)}`),
);

/** Round-robin over every address the target resolves to; bounded retries on UNAVAILABLE for safe calls. */
const SERVICE_CONFIG = JSON.stringify({
  loadBalancingConfig: [{ round_robin: {} }],
  methodConfig: [
    {
      name: RETRYABLE,
      retryPolicy: {
        maxAttempts: 3,
        initialBackoff: '0.05s',
        maxBackoff: '0.5s',
        backoffMultiplier: 2,
        retryableStatusCodes: ['UNAVAILABLE'],
      },
    },
  ],
});

/**
 * The gRPC target for DIRECTORY_ADDRESS: one `host:port` (a DNS name may resolve to
 * several replicas), or a comma-separated list of IP:port replicas.
 */
export function targetFor(address: string): string {
  const list = address
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);
  if (list.length < 2) return address.trim();
  return list.every((a) => a.startsWith('[')) ? `ipv6:${list.join(',')}` : `ipv4:${list.join(',')}`;
}

/**
 * How many bytes of answers the directory may send on this connection (and on each of its
 * streams) before this client has acknowledged them. HTTP/2's default, which grpc-js keeps, is
 * 64 KiB, fixed: grpc-go and grpc-java grow theirs as they measure the link, grpc-js does not.
 * A page of 100 users is ~19 KB, and the gateway keeps a few in flight on each of its streams:
 * with 64 KiB the directory stalled for WINDOW_UPDATEs. Measured (bench:ab, 10 connections,
 * 4 rounds, full system against itself with the gateway's window at 4 MiB): GET of a page of
 * 100, 821 → 1,243 req/s and CPU a page, directory 642 → 565 µs, gateway 849 → 662 µs;
 * GET by id unchanged (9,867 vs 10,221). What it costs: up to that much buffered per
 * connection when this process reads slower than the directory answers.
 */
const FLOW_CONTROL_WINDOW = 4 * 1024 * 1024;

export function connectDirectory(address: string, options: ClientOptions): DirectoryClients {
  const creds = options.credentials ?? credentials.createInsecure();
  const directory = new DirectoryServiceClient(targetFor(address), creds, {
    'grpc.service_config': SERVICE_CONFIG,
    'grpc.enable_retries': 1,
    // Reconnect within seconds of a directory coming back, however long it was away.
    'grpc.initial_reconnect_backoff_ms': 250,
    'grpc.max_reconnect_backoff_ms': 2000,
    'grpc-node.flow_control_window': FLOW_CONTROL_WINDOW,
    ...options.channelOptions,
  });
  // Share the channel between both services.
  const admin = new AdminServiceClient(address, creds, {
    ...options.channelOptions,
    channelOverride: directory.getChannel(),
  });
  const HealthClient = makeGenericClientConstructor(HEALTH_SERVICE, 'Health');
  const health = new HealthClient(address, creds, {
    ...options.channelOptions,
    channelOverride: directory.getChannel(),
  }) as unknown as {
    check(
      req: { service: string },
      md: Metadata,
      o: Partial<CallOptions>,
      cb: Callback<HealthCheckResponse>,
    ): void;
  };
  const promised = {
    directory: promisify(directory, DirectoryServiceClient.service, options),
    admin: promisify(admin, AdminServiceClient.service, options),
  };
  let multiplexer: Multiplexer | undefined;
  if (options.multiplex) {
    const channel = new DirectoryChannelServiceClient(address, creds, {
      ...options.channelOptions,
      channelOverride: directory.getChannel(),
    });
    const mux = new Multiplexer(channel, {
      streams: options.multiplex.streams,
      metadata: () => metadataFor(options, options.actor),
    });
    multiplexer = mux;
    for (const name of CHANNEL_CALLS) {
      const side = (name in promised.directory ? promised.directory : promised.admin) as Record<
        string,
        PromisedMethod
      >;
      side[name] = (request, settings) =>
        mux.call(
          name,
          request,
          settings?.actor ?? options.actor,
          settings?.deadlineMs ?? options.deadlineMs ?? 10_000,
          RETRYABLE_NAMES.has(name),
        );
    }
  }
  const watchEvents = (request: WatchEventsRequest, signal?: AbortSignal): AsyncIterable<Event> => {
    const stream = directory.watchEvents(request, metadataFor(options, options.actor));
    signal?.addEventListener('abort', () => stream.cancel(), { once: true });
    return stream as AsyncIterable<Event>;
  };
  return {
    ...promised,
    serving(deadlineMs = 1000) {
      return new Promise((resolve) => {
        health.check(
          { service: '' },
          new Metadata(),
          { deadline: new Date(Date.now() + deadlineMs) },
          (error, response) => resolve(!error && response.status === 1),
        );
      });
    },
    watchEvents,
    follow: (request, signal) => follow(watchEvents, request, signal),
    close() {
      multiplexer?.close();
      directory.close();
    },
  };
}
