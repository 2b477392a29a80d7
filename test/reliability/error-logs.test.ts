import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { status } from '@grpc/grpc-js';
import test from 'ava';
import { pino } from 'pino';
import { buildApp } from '../../gateway/src/app.js';
import { toStatus } from '../../services/directory/src/rpc/errors.js';
import { startDirectory } from '../helpers/directory.js';
import { startGateway } from '../helpers/gateway.js';

/**
 * An unexpected failure is logged by its class, driver code and where it happened; its message
 * (a driver's holds the SQL and its bound values) and its stack (file paths) only at debug level.
 * The loggers here are real pino loggers, so what is checked is what would be written.
 */

const SECRET = 'bound-value-7f3a9c';

/** A pino logger at `level` and the JSON lines it writes. */
function capture(level: string) {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: pino({ level }, stream), lines };
}

/** Nothing a line at the default level may carry: SQL, the values bound to it, a stack, a file path. */
function assertClean(t: any, lines: string[]) {
  for (const line of lines) {
    t.false(line.includes(SECRET), line);
    t.notRegex(line, /\b(select|insert|update|from)\b/i, line);
    t.notRegex(line, /\\n\s+at |\/work\/|node_modules|\.[cm]?[jt]s:\d+/, line);
  }
}

test('the directory logs an unexpected driver error without its SQL, values or stack', async (t) => {
  const directory = await startDirectory();
  try {
    const error = await directory.db
      .knex('users')
      .where('user_name', SECRET)
      .select('no_such_column')
      .then(
        () => t.fail('the query should fail'),
        (e: unknown) => e as Error,
      );
    if (!error) return;
    // The precondition that makes this test mean something: the driver error holds all of it.
    t.true(error.message.includes(SECRET));
    t.regex(error.stack ?? '', /\n\s+at /);

    const info = capture('info');
    const answer = toStatus(error, info.logger, '/wizer.directory.v1.DirectoryService/ListUsers');
    t.like(answer, { code: status.INTERNAL, details: 'internal error' });
    t.is(info.lines.length, 1);
    const line = JSON.parse(info.lines[0]!);
    t.like(line, { level: 50, method: '/wizer.directory.v1.DirectoryService/ListUsers' });
    t.regex(line.errorClass, /^\w*Error$/);
    t.regex(line.code, /^\w+$/);
    assertClean(t, info.lines);

    const debug = capture('debug');
    toStatus(error, debug.logger, '/wizer.directory.v1.DirectoryService/ListUsers');
    t.true(
      debug.lines.some((l) => l.includes(SECRET)),
      'the whole error is there for whoever turns debug on',
    );
  } finally {
    await directory.close();
  }
});

test('the gateway logs a failed request without the stack or message of its error', async (t) => {
  const fixture = await startGateway();
  const info = capture('info');
  const app = buildApp({ directory: fixture.gatewayClients, bodyLimit: 1024 * 1024, logger: info.logger });
  const handle = app.callback();
  const server = http.createServer((req, res) => void handle(req, res)).listen(0, '127.0.0.1');
  try {
    await once(server, 'listening');
    const { port } = server.address() as AddressInfo;
    const { token } = await fixture.tenant();
    // A store that lost a table: the directory fails in a way no request can be blamed for.
    await fixture.db.knex.schema.dropTable('user_emails');
    const filter = encodeURIComponent(`emails co "${SECRET}"`);
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/scim/v2/Users?filter=${filter}`, {
      headers: { Authorization: `Bearer ${token}` },
    });
    t.is(res.status, 500);
    t.is(((await res.json()) as { detail: string }).detail, 'An internal error occurred.');
    const failures = info.lines.map((l) => JSON.parse(l)).filter((l) => l.level >= 50);
    t.is(failures.length, 1);
    t.like(failures[0], { msg: 'request failed', method: 'GET', code: String(status.INTERNAL) });
    assertClean(t, info.lines);
  } finally {
    server.close();
    server.closeAllConnections();
    await fixture.close();
  }
});
