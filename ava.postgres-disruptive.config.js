// The disruptive PostgreSQL pass: suites that restart the server TEST_POSTGRES_URL names.
// Any other suite on that server would fail while it is away, so scripts/test-postgres.sh
// runs this pass alone, after the main PostgreSQL pass, one file at a time.
import postgres from './ava.postgres.config.js';

export default {
  ...postgres,
  files: ['test/postgres/disruptive/**/*.test.ts'],
  concurrency: 1,
};
