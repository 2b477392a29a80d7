// The PostgreSQL pass: the directory, gateway and console suites again, and the PostgreSQL-only ones
// (scale-out across replicas), on the server TEST_POSTGRES_URL names. See scripts/test-postgres.sh.
import base from './ava.config.js';

export default {
  ...base,
  files: [
    'test/directory/**/*.test.ts',
    'test/gateway/**/*.test.ts',
    'test/console/**/*.test.ts',
    'test/postgres/**/*.test.ts',
    // Restarts the server: a pass of its own, after this one (ava.postgres-disruptive.config.js).
    '!test/postgres/disruptive/**',
  ],
  environmentVariables: { WIZER_TEST_STORE: 'postgres' },
  // Each suite makes its own database; two at once keeps the server and the 2 cores comfortable.
  concurrency: 2,
  timeout: '120s',
};
