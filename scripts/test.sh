#!/usr/bin/env bash
# `npm test`: the type check, lint, every suite on SQLite, then on PostgreSQL
# (scripts/test-postgres.sh, on the server TEST_POSTGRES_URL names). Every step runs even when
# an earlier one failed — a failing SQLite pass must not hide whether PostgreSQL passes — and the
# last line says what was covered:
#   npm test: typecheck ok; lint ok; SQLite: 512 passed; PostgreSQL: 301 passed
#   npm test FAILED: typecheck ok; lint ok; SQLite: 510 passed, 2 failed; PostgreSQL: SKIPPED (TEST_POSTGRES_URL not set)
# It exits non-zero when any step failed. CI (.ci/run) calls `npm test` with TEST_POSTGRES_URL set;
# there a missing TEST_POSTGRES_URL fails the PostgreSQL step instead of skipping it.
set -uo pipefail
cd "$(dirname "$0")/.."
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
# ava colours its output on a terminal only; through tee it would not, so ask for it (and strip
# it again before counting).
if [ -t 1 ]; then export FORCE_COLOR=1; fi

# step NAME COMMAND…: runs the command, its output shown and kept in $logs/NAME.log; its exit
# status in $logs/NAME.rc.
step() {
  local name=$1
  shift
  echo ""
  echo "== $name"
  "$@" 2>&1 | tee "$logs/$name.log"
  echo "${PIPESTATUS[0]}" >"$logs/$name.rc"
}

ok() { [ "$(cat "$logs/$1.rc")" = 0 ]; }

# tests NAME: what ava's summary lines in the step's log add up to ("512 passed, 2 failed").
tests() {
  local text passed failed skipped
  text=$(sed 's/\x1b\[[0-9;]*m//g' "$logs/$1.log")
  total() { grep -Eo "^[[:space:]]*[0-9]+ $1" <<<"$text" | awk '{ n += $1 } END { print n + 0 }'; }
  passed=$(total 'tests? passed')
  # When a test fails, ava's summary names only the failures: count its ✔ lines then.
  local ticks
  ticks=$(grep -c '^[[:space:]]*✔' <<<"$text")
  [ "$ticks" -gt "$passed" ] && passed=$ticks
  failed=$(total 'tests? failed')
  skipped=$(total 'tests? skipped')
  local out="$passed passed"
  [ "$failed" -gt 0 ] && out="$out, $failed failed"
  [ "$skipped" -gt 0 ] && out="$out, $skipped skipped"
  # A run can fail with no test failing: a file that did not load, a timeout, an uncaught error.
  if ! ok "$1" && [ "$failed" -eq 0 ]; then out="$out, FAILED (see its output above)"; fi
  echo "$out"
}

step typecheck npm run --silent typecheck
step lint npm run --silent lint
step sqlite npx ava
step postgres bash scripts/test-postgres.sh

summary="typecheck $(ok typecheck && echo ok || echo FAILED)"
summary="$summary; lint $(ok lint && echo ok || echo FAILED)"
summary="$summary; SQLite: $(tests sqlite)"
if [ -n "${TEST_POSTGRES_URL:-}" ]; then
  summary="$summary; PostgreSQL: $(tests postgres)"
elif ok postgres; then
  summary="$summary; PostgreSQL: SKIPPED (TEST_POSTGRES_URL not set)"
else
  summary="$summary; PostgreSQL: FAILED (TEST_POSTGRES_URL not set, and CI must run it)"
fi

# The last line in the plain form any reader of test output knows: "Tests: N passed, M failed".
counts() {
  local text n
  text=$(sed 's/\x1b\[[0-9;]*m//g' "$logs/sqlite.log" "$logs/postgres.log")
  n=$(grep -Eo "^[[:space:]]*[0-9]+ tests? $1" <<<"$text" | awk '{ n += $1 } END { print n + 0 }')
  if [ "$1" = passed ]; then
    # As in tests(): a failing pass's summary omits its passes; its ✔ lines do not.
    local ticks
    ticks=$(grep -c '^[[:space:]]*✔' <<<"$text")
    [ "$ticks" -gt "$n" ] && n=$ticks
  fi
  echo "$n"
}
status=0
for name in typecheck lint sqlite postgres; do ok "$name" || status=1; done
echo ""
# The failures again, by name, just above the summary: a reader of the run's last lines (CI keeps
# only its tail) learns which tests failed without the rest of the output.
for name in sqlite postgres; do
  failures=$(sed 's/\x1b\[[0-9;]*m//g' "$logs/$name.log" | grep -E '^[[:space:]]*(✘|◌)|tests? (was|were) pending in' | awk '!seen[$0]++')
  if [ -n "$failures" ]; then
    echo "Failed on $name:"
    echo "$failures"
    echo ""
  fi
done
if [ "$status" -ne 0 ]; then echo "npm test FAILED: $summary"; else echo "npm test: $summary"; fi
failed=$(counts failed)
# A step that failed without a failing test (typecheck, lint, a file that did not load) counts as one.
[ "$status" -ne 0 ] && [ "$failed" -eq 0 ] && failed=1
skipped=$(counts skipped)
echo "Tests: $(counts passed) passed, $failed failed$([ "$skipped" -gt 0 ] && echo ", $skipped skipped")"
exit "$status"
