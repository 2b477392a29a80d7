#!/usr/bin/env bash
# Fails when the generated code (packages/directory-client/src/gen) is not what the protos
# generate (CI runs this).
set -euo pipefail
cd "$(dirname "$0")/.."
gen=packages/directory-client/src/gen
bash scripts/gen-proto.sh
if ! git diff --quiet --exit-code -- "$gen" || [ -n "$(git ls-files --others --exclude-standard "$gen")" ]; then
  git status --short "$gen"
  echo "$gen is stale: run 'npm run gen' and commit the result." >&2
  exit 1
fi
echo "$gen is fresh."
