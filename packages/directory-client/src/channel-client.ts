import { Metadata, status, type ClientDuplexStream, type ServiceError } from '@grpc/grpc-js';
import {
  DirectoryChannelServiceClient,
  type ExchangeRequest,
  type ExchangeResponse,
} from './gen/wizer/directory/v1/channel.js';
import { REASON_TRAILER } from './wire.js';

/** A call the channel carries, by name (`createUser`, `authenticateToken`, …). */
export type ChannelCall = NonNullable<ExchangeRequest['call']>;
export type ChannelCallName = ChannelCall['$case'];

/** Every call the channel carries; tsc fails here when the proto gains one this list lacks. */
export const CHANNEL_CALLS = [
  'createUser',
  'getUser',
  'listUsers',
  'replaceUser',
  'updateUser',
  'deleteUser',
  'pushDepartment',
  'getDepartment',
  'listDepartments',
  'updateDepartment',
  'deleteDepartmentPush',
  'changePushedMembers',
  'listMembers',
  'listEvents',
  'recordRejection',
  'authenticateToken',
] as const satisfies readonly ChannelCallName[];
const everyCallListed: Exclude<ChannelCallName, (typeof CHANNEL_CALLS)[number]> extends never ? true : never =
  true;
void everyCallListed;

export interface MultiplexerOptions {
  /** Metadata a new stream opens with: the service credential. */
  metadata(): Metadata;
  /**
   * Streams kept open. Each opens through the channel's round-robin balancer, so with
   * as many streams as replicas, requests spread over every replica.
   */
  streams: number;
}

interface Pending {
  name: ChannelCallName;
  call: ChannelCall;
  actor: string;
  deadline: number;
  retryable: boolean;
  attempt: number;
  /** Answered (or expired): a resend waiting on its backoff is dropped. */
  settled: boolean;
  timer: NodeJS.Timeout;
  resolve(value: unknown): void;
  reject(error: ServiceError): void;
}

interface Lane {
  stream?: ClientDuplexStream<ExchangeRequest, ExchangeResponse>;
  pending: Map<number, Pending>;
}

const MAX_ATTEMPTS = 3;

/** An error shaped like the one a unary call rejects with, so callers handle both alike. */
export function serviceError(code: status, details: string, reason?: string): ServiceError {
  const metadata = new Metadata();
  if (reason) metadata.set(REASON_TRAILER, reason);
  return Object.assign(new Error(`${code} ${status[code]}: ${details}`), { code, details, metadata });
}

/**
 * The caller's half of DirectoryChannelService/Exchange: many requests in flight over a
 * few long-lived streams, answers matched by id. Keeps the promises of the unary path:
 * each request has its own deadline (DEADLINE_EXCEEDED, the late answer dropped), a
 * request lost with its stream is UNAVAILABLE — sent again, with backoff, when it is
 * safe to repeat (`retryable`) — and a broken stream is replaced on the next request.
 */
export class Multiplexer {
  private readonly lanes: Lane[];
  private next = 0;
  private nextId = 1;
  private closed = false;

  constructor(
    private readonly client: DirectoryChannelServiceClient,
    private readonly options: MultiplexerOptions,
  ) {
    this.lanes = Array.from({ length: Math.max(1, options.streams) }, () => ({ pending: new Map() }));
  }

  call(name: ChannelCallName, value: unknown, actor: string, deadlineMs: number, retryable: boolean) {
    return new Promise<unknown>((resolve, reject) => {
      const pending: Pending = {
        name,
        call: { $case: name, value } as ChannelCall,
        actor,
        deadline: Date.now() + deadlineMs,
        retryable,
        attempt: 1,
        settled: false,
        resolve,
        reject,
        timer: setTimeout(() => this.expire(pending), deadlineMs),
      };
      this.send(pending);
    });
  }

  /** Ends every stream; requests in flight fail with CANCELLED. */
  close(): void {
    this.closed = true;
    for (const lane of this.lanes) {
      for (const pending of lane.pending.values())
        this.settle(pending, serviceError(status.CANCELLED, 'closed'));
      lane.pending.clear();
      lane.stream?.cancel();
      lane.stream = undefined;
    }
  }

  private send(pending: Pending): void {
    if (pending.settled) return;
    if (this.closed) return this.settle(pending, serviceError(status.CANCELLED, 'closed'));
    const lane = this.lanes[this.next++ % this.lanes.length]!;
    const stream = lane.stream ?? this.open(lane);
    const id = this.nextId++;
    lane.pending.set(id, pending);
    stream.write({ id, actor: pending.actor, call: pending.call });
  }

  private open(lane: Lane): ClientDuplexStream<ExchangeRequest, ExchangeResponse> {
    const stream = this.client.exchange(this.options.metadata());
    lane.stream = stream;
    stream.on('data', (response: ExchangeResponse) => {
      const pending = lane.pending.get(response.id);
      if (!pending) return; // answered after its deadline: dropped
      lane.pending.delete(response.id);
      const result = response.result;
      if (result?.$case === 'status') {
        const { code, details, reason } = result.value;
        this.failed(pending, serviceError(code, details, reason));
      } else this.settle(pending, undefined, result?.value);
    });
    // The stream ended (the directory drained or died, or refused the credential): every
    // request still on it is unanswered. The next request opens a new stream.
    const broken = (error?: ServiceError) => {
      if (lane.stream === stream) lane.stream = undefined;
      const lost = [...lane.pending.values()];
      lane.pending.clear();
      const cause =
        error && error.code !== status.OK
          ? error
          : serviceError(status.UNAVAILABLE, 'the directory ended the channel');
      for (const pending of lost) this.failed(pending, cause);
    };
    stream.on('error', (error: ServiceError) => broken(error));
    stream.on('end', () => broken());
    return stream;
  }

  /** A failure: sent again when it is safe and time remains, else answered. */
  private failed(pending: Pending, error: ServiceError): void {
    const backoff = 50 * 2 ** (pending.attempt - 1);
    const again =
      error.code === status.UNAVAILABLE &&
      pending.retryable &&
      pending.attempt < MAX_ATTEMPTS &&
      Date.now() + backoff < pending.deadline &&
      !this.closed;
    if (!again) return this.settle(pending, error);
    pending.attempt++;
    setTimeout(() => this.send(pending), backoff).unref();
  }

  private expire(pending: Pending): void {
    for (const lane of this.lanes)
      for (const [id, p] of lane.pending) if (p === pending) lane.pending.delete(id);
    this.settle(pending, serviceError(status.DEADLINE_EXCEEDED, 'Deadline exceeded'));
  }

  private settle(pending: Pending, error?: ServiceError, value?: unknown): void {
    if (pending.settled) return;
    pending.settled = true;
    clearTimeout(pending.timer);
    if (error) pending.reject(error);
    else pending.resolve(value);
  }
}
