#!/usr/bin/env bash
# Fails when the contract changed in a way that breaks its callers (other Wizer services):
# `buf breaking` (FILE rules: no removed or renumbered field, no renamed message or RPC, no
# changed type…) against the protos of a git ref, by default the previous commit.
#   bash scripts/check-proto-compat.sh            # against HEAD~1
#   bash scripts/check-proto-compat.sh <ref>      # against another commit, tag or branch
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
against="${1:-HEAD~1}"
if ! git rev-parse --verify --quiet "$against^{commit}" >/dev/null; then
  echo "proto compatibility: no commit $against to compare with (a shallow clone?); not checked." >&2
  exit 0
fi
if ! git cat-file -e "$against:proto" 2>/dev/null; then
  echo "proto compatibility: $against has no proto/; nothing to compare." >&2
  exit 0
fi
if ! buf breaking --against ".git#ref=$(git rev-parse "$against")"; then
  echo "The contract changed incompatibly since $against: other Wizer services would break." >&2
  echo "Add new fields, messages and RPCs instead of renaming, renumbering or removing them." >&2
  exit 1
fi
echo "proto is compatible with $against."
