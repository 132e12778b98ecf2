#!/usr/bin/env bash
# Builds the web UI into web/dist. Installs the pinned npm packages (npm ci) only when
# node_modules is missing or package-lock.json changed since the last install.
set -euo pipefail
cd "$(dirname "$0")"
# One build at a time: CTest runs from several build folders share node_modules and dist.
exec 9>.build.lock
flock 9
stamp=node_modules/.leadscan-lock.sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [[ ! -d node_modules || ! -f $stamp || "$(cat "$stamp")" != "$want" ]]; then
  npm ci --no-audit --no-fund --loglevel=error
  echo "$want" >"$stamp"
fi
npm run --silent build -- --logLevel warn
