#!/usr/bin/env bash
# Fails when proto/gen is not what the protos generate (CI runs this).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/gen-proto.sh
if ! git diff --quiet --exit-code -- proto/gen || [ -n "$(git ls-files --others --exclude-standard proto/gen)" ]; then
  git status --short proto/gen
  echo "proto/gen is stale: run 'npm run gen' and commit the result." >&2
  exit 1
fi
echo "proto/gen is fresh."
