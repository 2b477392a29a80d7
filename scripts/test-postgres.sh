#!/usr/bin/env bash
# The PostgreSQL passes of the test suites. Needs TEST_POSTGRES_URL, e.g.
#   TEST_POSTGRES_URL=postgres://postgres@127.0.0.1:5432/postgres npm run test:postgres
# Each suite creates (and drops) a database of its own on that server.
#
# Two passes, one after the other:
#   1. ava.postgres.config.js: the directory and gateway suites again, and the PostgreSQL-only
#      ones (test/postgres/), two files at a time.
#   2. ava.postgres-disruptive.config.js: test/postgres/disruptive/, which restarts the server
#      (Debian's pg_ctlcluster, for the cluster the server names). Every other suite on that
#      server would fail while it is away, so this pass runs alone, after the first, one file
#      at a time — ava's test.serial only orders tests within one file. It runs even when the
#      first pass failed; the script fails if either did.
# With arguments (test files), only the first pass runs, on those files.
set -uo pipefail
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
if [ $# -gt 0 ]; then
  exec npx ava --config ava.postgres.config.js "$@"
fi
status=0
npx ava --config ava.postgres.config.js || status=1
echo "== the disruptive PostgreSQL pass (restarts the server; alone, after the main pass)"
npx ava --config ava.postgres-disruptive.config.js || status=1
exit "$status"
