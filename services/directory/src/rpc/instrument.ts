import { status, type ServiceError, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { callTimer } from '../metrics.js';

type Handler = (call: any, callback?: (error: Partial<ServiceError> | null, value?: unknown) => void) => void;

/** A handler's method as the wire names it: `createUser` → `CreateUser`. */
export const wireName = (handler: string): string => `${handler.charAt(0).toUpperCase()}${handler.slice(1)}`;

/** Wraps every handler of a service so each call is counted and timed by method and status. */
export function instrument<T extends UntypedServiceImplementation>(serviceName: string, handlers: T): T {
  const wrapped: Record<string, Handler> = {};
  for (const [name, handler] of Object.entries(handlers) as [string, Handler][]) {
    // The method as the wire names it: DirectoryService/CreateUser.
    const method = `${serviceName}/${wireName(name)}`;
    wrapped[name] = (call, callback) => {
      const done = callTimer(method);
      if (!callback) {
        // Server streaming: counted when the stream ends.
        call.once('finish', () => done(status.OK));
        call.once('cancelled', () => done(status.CANCELLED));
        return handler(call);
      }
      return handler(call, (error, value) => {
        done(error?.code ?? status.OK);
        callback(error, value);
      });
    };
  }
  return wrapped as T;
}
