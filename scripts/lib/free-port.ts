import net from 'node:net';

/*
 * Ports handed out below Linux's ephemeral range (32768–60999): a port bound with 0 comes
 * from that range, and once released it can be taken as the local port of any outgoing
 * connection (a test's fetch, a gRPC channel) before the server it was meant for binds it.
 * Below the range only another listener can take it, so each process walks its own stripe
 * of [20000, 32000), starting at a random place, and checks each candidate by binding it.
 */
const LOW = 20_000;
const HIGH = 32_000;
let next = LOW + Math.floor(Math.random() * (HIGH - LOW));

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A TCP port free on 127.0.0.1 a moment ago, that no outgoing connection will take (tests, benchmarks). */
export async function freePort(): Promise<number> {
  for (let tries = 0; tries < HIGH - LOW; tries++) {
    const port = next;
    next = next + 1 >= HIGH ? LOW : next + 1;
    if (await bindable(port)) return port;
  }
  throw new Error(`no free port in ${LOW}–${HIGH - 1} on 127.0.0.1`);
}
