#!/usr/bin/env bash
# Regenerates the client package's generated code (packages/directory-client/src/gen) from proto/
# with the options pinned in buf.gen.yaml.
# Offline: buf ships inside its npm package and ts-proto's plugin is local.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$PATH"
buf lint
buf generate
