#!/usr/bin/env bash
# The PostgreSQL pass of the test suites. Needs TEST_POSTGRES_URL, e.g.
#   TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres npm run test:postgres
# Each suite creates (and drops) a database of its own on that server.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${TEST_POSTGRES_URL:-}" ]; then
  echo "" >&2
  echo "################################################################################" >&2
  echo "##  PostgreSQL tests SKIPPED: TEST_POSTGRES_URL is not set.                     ##" >&2
  echo "##  Only SQLite was tested. Set it to run the suites on PostgreSQL as well.     ##" >&2
  echo "################################################################################" >&2
  if [ "${CI:-}" = "true" ]; then
    echo "CI must run the PostgreSQL tests: failing." >&2
    exit 1
  fi
  exit 0
fi
exec npx ava --config ava.postgres.config.js "$@"
