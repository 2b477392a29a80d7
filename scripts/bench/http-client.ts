import http from 'node:http';

/**
 * The benchmark's client for its scripted requests (the group pushes, the
 * sequential timings): node:http over kept-alive connections. Not fetch: the client runs on
 * the same two cores as the system it measures, and undici's fetch spends ~330 µs more CPU a
 * request (measured here, 8 callers against a trivial local server: 404–442 µs a request with
 * fetch, 96 µs with node:http, client and server together), which the system then loses and
 * every timed latency includes. Okta's client does not run on the SCIM server's machine.
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

export interface Answer {
  status: number;
  ok: boolean;
  text: string;
  json<T>(): T;
}

export function request(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: init.method ?? 'GET', headers: init.headers, agent }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        resolve({ status, ok: status >= 200 && status < 300, text, json: <T>() => JSON.parse(text) as T });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(init.body);
  });
}
