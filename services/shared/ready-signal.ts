/**
 * Tells the parent that spawned this process with an IPC channel (`scripts/start.ts`) that
 * it is listening: the parent's proof that the port it probes is this process's, not an
 * older instance's. Without a channel (any other way of starting it) it does nothing.
 */
export function signalListening(service: string, details: { port?: number } = {}): void {
  if (!process.send) return;
  // The channel must not keep the process alive once the message is out.
  process.send({ listening: service, ...details }, () => process.channel?.unref());
}

/** The message `signalListening` sends. */
export interface ListeningMessage {
  listening: string;
  port?: number;
}
