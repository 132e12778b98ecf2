#!/usr/bin/env bash
# Differential test of leadscan's cron engine against croner (npm), run by CTest as cron_diff.
# Usage: run.sh DRIVER WORKDIR [CASES] [SEED]. Exits 77 (CTest: skipped) only when node or npm
# is missing; installs croner into tests/cron_diff/node_modules (gitignored) on first use.
set -euo pipefail
driver=$1
work=$2
cases=${3:-12000}
seed=${4:-20261128}
here=$(cd "$(dirname "$0")" && pwd)

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "cron_diff: SKIPPED: node and npm are needed for the croner comparison"
  exit 77
fi
if [[ ! -f "$here/node_modules/croner/package.json" ]]; then
  (cd "$here" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
fi
mkdir -p "$work"
(cd "$here" && node gen.mjs "$cases" 5 "$seed") >"$work/cases.tsv"
"$driver" "$work/cases.tsv" 10000
