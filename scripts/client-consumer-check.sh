#!/usr/bin/env bash
# Builds "another Wizer service" that depends on the directory only through the packed client:
#   1. packs @wizer/directory-client (its prepack compiles JS + .d.ts and copies the .proto
#      files) from a staged copy of the package, so the repository's own build is untouched;
#   2. creates a fresh TypeScript project in WORK_DIR/consumer (outside the repository),
#      `npm install`s the tarball there with typescript and @types/node;
#   3. type-checks test/operations/client-consumer/consumer.ts with `tsc --noEmit` under strict,
#      then compiles it to WORK_DIR/consumer/dist/consumer.js.
# With --run it then runs it (node), which needs DIRECTORY_ADDRESS, DIRECTORY_CREDENTIAL (a
# reader), TENANT_ID, OTHER_TENANT_ID, DEPARTMENT and EXPECT_USER_NAME; see consumer.ts. The ava
# test test/operations/client-package.test.ts runs all of it against a directory of its own.
#   bash scripts/client-consumer-check.sh [--run] [WORK_DIR]    (default: a new temporary folder)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
run=false
if [ "${1:-}" = --run ]; then
  run=true
  shift
fi
work="${1:-$(mktemp -d "${TMPDIR:-/tmp}/wizer-client-consumer-XXXXXX")}"
mkdir -p "$work"
work="$(cd "$work" && pwd)"
case "$work/" in "$root"/*)
  echo "client-consumer-check: WORK_DIR must be outside the repository" >&2
  exit 2
  ;;
esac
npm_flags=(--no-audit --no-fund --prefer-offline --loglevel=error)
version_of() { node -p "require('$root/node_modules/$1/package.json').version"; }

echo "== packing @wizer/directory-client"
stage="$work/stage"
rm -rf "$stage"
mkdir -p "$stage/packages"
cp -R "$root/proto" "$stage/proto"
cp -R "$root/packages/directory-client" "$stage/packages/directory-client"
rm -rf "$stage/packages/directory-client/"{dist,proto,node_modules} "$stage/packages/directory-client/".dist-*
# The package's build needs tsc and @types/node: the repository's, found up the tree as npm run does.
ln -s "$root/node_modules" "$stage/node_modules"
tarball="$(cd "$stage/packages/directory-client" && npm pack --pack-destination "$work" --silent "${npm_flags[@]}" | tail -1)"
tarball="$work/$tarball"
echo "$tarball"
tar -tzf "$tarball" | sort | sed 's/^/  /' | grep -E 'package/(package.json|dist/index(\.d)?\.ts|dist/index\.js|proto/.*\.proto)$' || true

echo "== a fresh TypeScript project: $work/consumer"
consumer="$work/consumer"
rm -rf "$consumer"
mkdir -p "$consumer/src"
cp "$root/test/operations/client-consumer/consumer.ts" "$consumer/src/consumer.ts"
cat >"$consumer/package.json" <<'JSON'
{ "name": "wizer-directory-consumer-check", "private": true, "type": "module" }
JSON
cat >"$consumer/tsconfig.json" <<'JSON'
{
  "compilerOptions": {
    "target": "ES2022",
    "module": "NodeNext",
    "moduleResolution": "NodeNext",
    "lib": ["ES2023"],
    "types": ["node"],
    "strict": true,
    "noUncheckedIndexedAccess": true,
    "exactOptionalPropertyTypes": true,
    "skipLibCheck": false,
    "rootDir": "src",
    "outDir": "dist"
  },
  "include": ["src"]
}
JSON
(cd "$consumer" && npm install "${npm_flags[@]}" "$tarball" \
  "typescript@$(version_of typescript)" "@types/node@$(version_of @types/node)")

echo "== tsc --noEmit (strict)"
(cd "$consumer" && ./node_modules/.bin/tsc --noEmit -p .)
(cd "$consumer" && ./node_modules/.bin/tsc -p .)
echo "consumer ready: node $consumer/dist/consumer.js"

if $run; then
  echo "== running it against ${DIRECTORY_ADDRESS:-?}"
  exec node "$consumer/dist/consumer.js"
fi
