#!/usr/bin/env bash
# CTest entry for the web UI's unit tests (node:test): installs the pinned packages and
# type-checks/builds the UI through web/build.sh, then runs web/test/*.test.mjs.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "SKIP: node/npm missing"
  exit 77
fi
"$root/web/build.sh"
exec node --test "$root/web/test/"
