import { Writable } from 'node:stream';
import { status } from '@grpc/grpc-js';
import test from 'ava';
import knexFactory from 'knex';
import { pino } from 'pino';
import { toStatus } from '../../services/directory/src/rpc/errors.js';
import type { Database } from '../../services/directory/src/store/db.js';
import { postgres, sqlite, type Dialect } from '../../services/directory/src/store/dialect.js';
import { translateStoreError } from '../../services/directory/src/store/transaction.js';

/**
 * A database that is away, going or coming back is weather, not a bug: every such fault
 * becomes UNAVAILABLE (a lost write race ABORTED; the gateway answers both 503 with
 * Retry-After), noted as one warning line with its cause, never a stack or the SQL.
 */

const KnexTimeoutError = (knexFactory as unknown as { KnexTimeoutError: new (message: string) => Error })
  .KnexTimeoutError;
const SQL = 'insert into "users" ("id", "user_name") values ($1, $2)';

/** A driver error as knex hands it over: the SQL prepended to the message, a stack. */
function driverError(message: string, code?: string): Error {
  const error = new Error(`${SQL} - ${message}`);
  return code === undefined ? error : Object.assign(error, { code });
}

const database = (dialect: Dialect) => ({ dialect }) as unknown as Database;

const cases: [Dialect, string, Error, status, string][] = [
  [
    postgres,
    'admin shutdown',
    driverError('terminating connection due to administrator command', '57P01'),
    status.UNAVAILABLE,
    '57P01',
  ],
  [
    postgres,
    'crash shutdown',
    driverError('terminating connection because of crash', '57P02'),
    status.UNAVAILABLE,
    '57P02',
  ],
  [
    postgres,
    'starting up',
    driverError('the database system is starting up', '57P03'),
    status.UNAVAILABLE,
    '57P03',
  ],
  [
    postgres,
    'shutting down',
    driverError('the database system is shutting down', '57P03'),
    status.UNAVAILABLE,
    '57P03',
  ],
  [
    postgres,
    'connection exception',
    driverError('connection exception', '08000'),
    status.UNAVAILABLE,
    '08000',
  ],
  [
    postgres,
    'connection does not exist',
    driverError('connection does not exist', '08003'),
    status.UNAVAILABLE,
    '08003',
  ],
  [postgres, 'connection failure', driverError('connection failure', '08006'), status.UNAVAILABLE, '08006'],
  [postgres, 'cannot connect', driverError('could not connect', '08001'), status.UNAVAILABLE, '08001'],
  [postgres, 'connection rejected', driverError('rejected', '08004'), status.UNAVAILABLE, '08004'],
  [
    postgres,
    'too many connections',
    driverError('sorry, too many clients already', '53300'),
    status.UNAVAILABLE,
    '53300',
  ],
  [
    postgres,
    'refused',
    Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
    status.UNAVAILABLE,
    'ECONNREFUSED',
  ],
  [
    postgres,
    'reset',
    Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
    status.UNAVAILABLE,
    'ECONNRESET',
  ],
  [
    postgres,
    'terminated under a query',
    driverError('Connection terminated unexpectedly'),
    status.UNAVAILABLE,
    'connection-lost',
  ],
  [postgres, 'terminated', new Error('Connection terminated'), status.UNAVAILABLE, 'connection-lost'],
  [
    postgres,
    'knex: ended',
    new Error('Connection ended unexpectedly'),
    status.UNAVAILABLE,
    'connection-lost',
  ],
  [
    postgres,
    'not queryable',
    driverError('Client has encountered a connection error and is not queryable'),
    status.UNAVAILABLE,
    'connection-lost',
  ],
  [
    postgres,
    'acquire timeout',
    new KnexTimeoutError('Knex: Timeout acquiring a connection. The pool is probably full.'),
    status.UNAVAILABLE,
    'KnexTimeoutError',
  ],
  [
    postgres,
    'serialization failure',
    driverError('could not serialize access', '40001'),
    status.ABORTED,
    '40001',
  ],
  [postgres, 'deadlock', driverError('deadlock detected', '40P01'), status.ABORTED, '40P01'],
  [
    sqlite,
    'busy',
    Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }),
    status.ABORTED,
    'SQLITE_BUSY',
  ],
  [
    sqlite,
    'acquire timeout',
    new KnexTimeoutError('Knex: Timeout acquiring a connection.'),
    status.UNAVAILABLE,
    'KnexTimeoutError',
  ],
];

/** A pino logger at info and the lines it writes. */
function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: pino({ level: 'info' }, stream), lines };
}

for (const [dialect, name, error, code, cause] of cases) {
  test(`${dialect.name}: ${name} → ${status[code]}, one warning line with cause ${cause}`, (t) => {
    const { logger, lines } = capture();
    const answer = toStatus(
      translateStoreError(database(dialect), error),
      logger,
      '/wizer.directory.v1.DirectoryService/CreateUser',
    );
    t.is(answer.code, code);
    t.notRegex(answer.details ?? '', /insert|users|\$1/, 'no SQL reaches the caller');
    t.is(lines.length, 1);
    const line = JSON.parse(lines[0]!) as Record<string, unknown>;
    t.like(line, { level: 40, cause, method: '/wizer.directory.v1.DirectoryService/CreateUser' });
    t.notRegex(lines[0]!, /insert|\\n\s+at |node_modules/i, 'no SQL, no stack');
  });
}

test('a fault that is not weather stays a fault: INTERNAL, logged at the error level', (t) => {
  const { logger, lines } = capture();
  const answer = toStatus(
    translateStoreError(database(postgres), driverError('column "x" does not exist', '42703')),
    logger,
  );
  t.is(answer.code, status.INTERNAL);
  t.like(JSON.parse(lines[0]!), { level: 50, code: '42703' });
});
