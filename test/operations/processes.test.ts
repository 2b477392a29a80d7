import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { oktaUser } from '../helpers/gateway.js';
import { freePort, runTs, spawnTs } from '../helpers/processes.js';

test('npm start: both processes, a development token on a fresh database, metrics, clean logs, clean stop', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'wizer-start-'));
  const [port, grpc, metrics, gatewayMetricsPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const env = {
    DATABASE_URL: `sqlite:${path.join(dir, 'w.db')}`,
    // The console too, on a port of its own (npm start runs it).
    CONSOLE_ADDRESS: '127.0.0.1:0',
    PORT: String(port),
    DIRECTORY_ADDRESS: `127.0.0.1:${grpc}`,
    METRICS_ADDRESS: `127.0.0.1:${metrics}`,
    GATEWAY_METRICS_ADDRESS: `127.0.0.1:${gatewayMetricsPort}`,
  };
  const start = spawnTs('scripts/start.ts', [], env);
  try {
    const [, token] = await start.waitFor(/shown this once:\s+(wzr_scim_\S+)/);
    const base = `http://127.0.0.1:${port}/api/v1/scim/v2`;
    t.regex(start.output(), new RegExp(`curl -s -H 'Authorization: Bearer ${token}' '${base}/Users`));
    const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/scim+json' };
    const created = await fetch(`${base}/Users`, {
      method: 'POST',
      headers,
      body: JSON.stringify(oktaUser('proc@example.com')),
    });
    t.is(created.status, 201);
    const duplicate = await fetch(`${base}/Users`, {
      method: 'POST',
      headers,
      body: JSON.stringify(oktaUser('proc@example.com')),
    });
    t.is(duplicate.status, 409);

    // The metrics name every tenant: their own listener, never the SCIM port.
    const gatewayMetrics = await (await fetch(`http://127.0.0.1:${gatewayMetricsPort}/metrics`)).text();
    const onScimPort = await fetch(`http://127.0.0.1:${port}/metrics`);
    t.is(onScimPort.status, 404);
    t.regex(onScimPort.headers.get('content-type') ?? '', /^application\/scim\+json/);
    t.false((await onScimPort.text()).includes('wizer_gateway_'));
    t.regex(
      gatewayMetrics,
      /wizer_gateway_http_requests_total\{method="POST",route="\/api\/v1\/scim\/v2\/Users",status="201"\} 1/,
    );
    t.regex(gatewayMetrics, /wizer_gateway_http_request_duration_seconds_bucket\{/);
    t.regex(
      gatewayMetrics,
      /wizer_gateway_provisioning_errors_total\{tenant="[0-9a-f-]{36}",status="409"\} 1/,
    );
    const directoryMetrics = await (await fetch(`http://127.0.0.1:${metrics}/metrics`)).text();
    t.regex(
      directoryMetrics,
      /wizer_directory_grpc_requests_total\{method="DirectoryService\/CreateUser",code="OK"\} 1/,
    );
    t.regex(
      directoryMetrics,
      /wizer_directory_grpc_requests_total\{method="DirectoryService\/CreateUser",code="ALREADY_EXISTS"\} 1/,
    );
    t.regex(
      directoryMetrics,
      /wizer_directory_store_transaction_duration_seconds_count\{outcome="commit"\} \d+/,
    );
    t.regex(
      directoryMetrics,
      /wizer_directory_provisioning_problems_total\{tenant="[0-9a-f-]{36}",outcome="error"\} 1/,
    );
    t.is((await fetch(`http://127.0.0.1:${port}/healthz`)).status, 200);
    t.is((await fetch(`http://127.0.0.1:${port}/readyz`)).status, 200);

    // One JSON line per request, with tenant, method, route, status, duration; no secret, no body.
    // Log lines are written in batches (up to 100 ms late): wait for the one this test reads.
    await start.waitFor(/"method":"POST".*"status":409/);
    const logLines = start
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));
    const requestLine = logLines.find((l) => l.method === 'POST' && l.status === 409);
    t.like(requestLine, { service: 'gateway', route: '/api/v1/scim/v2/Users', scimType: 'uniqueness' });
    t.regex(requestLine.tenant, /^[0-9a-f-]{36}$/);
    t.is(typeof requestLine.ms, 'number');
    t.truthy(requestLine.requestId);
    const logText = logLines.map((l) => JSON.stringify(l)).join('\n');
    t.false(logText.includes(token!), 'no token in the logs');
    t.false(logText.includes('1mz050nq'), 'no password in the logs');
    t.false(logText.includes('proc@example.com'), 'no body in the logs');
  } finally {
    start.child.kill('SIGTERM');
  }
  t.is(await start.exited(), 0);
  t.regex(start.output(), /directory stopped/);
  t.regex(start.output(), /gateway stopped/);

  // A second start on the same database creates no new tenant or token.
  const again = spawnTs('scripts/start.ts', [], env);
  await again.waitFor(/Tenants: 1\./);
  again.child.kill('SIGINT');
  t.is(await again.exited(), 0);
  t.notRegex(again.output(), /wzr_scim_/);
});

test('a bad configuration fails at start with one message naming every bad variable', async (t) => {
  const gateway = await runTs('gateway/src/main.ts', [], {
    PORT: 'eighty',
    DIRECTORY_ADDRESS: 'nowhere',
    TLS_CERT_FILE: '/nope.pem',
    GATEWAY_METRICS_ADDRESS: 'everywhere',
    LOG_LEVEL: 'bogus',
    DIRECTORY_CREDENTIAL: 'wzr_scim_not-a-service-credential',
    DIRECTORY_STREAMS: 'many',
  });
  t.is(gateway.code, 2);
  const named = ['PORT', 'DIRECTORY_ADDRESS', 'TLS_CERT_FILE', 'GATEWAY_METRICS_ADDRESS', 'LOG_LEVEL'];
  for (const name of [...named, 'DIRECTORY_CREDENTIAL', 'DIRECTORY_STREAMS'])
    t.regex(gateway.output, new RegExp(name));
  t.notRegex(gateway.output, /\n\s+at /, 'one message, no stack');
  const directory = await runTs('services/directory/src/main.ts', [], {
    DATABASE_URL: 'mysql://x',
    DIRECTORY_ADDRESS: 'x',
    LOG_LEVEL: 'loud',
    EVENT_RETENTION_DAYS: '-1',
  });
  t.is(directory.code, 2);
  for (const name of ['DATABASE_URL', 'DIRECTORY_ADDRESS', 'LOG_LEVEL', 'EVENT_RETENTION_DAYS'])
    t.regex(directory.output, new RegExp(name));
});
