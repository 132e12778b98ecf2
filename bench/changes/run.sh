#!/usr/bin/env bash
# Changes benchmark (issue 14): fills a SQLite file through Store::RecordAnalysis until it holds
# at least CHANGES change rows (default 100,000), then times the change feed (the query behind
# GET /api/changes) with each filter the API offers, a deep cursor, every page along the cursor,
# and the lead list's `added` filter. Prints p50 / p95 / p99 / max per query; the goal is p99
# under 50 ms. Builds nothing; no network.
# Usage: bench/changes/run.sh BUILD_DIR   (target leadscan-changes-bench)
# CHANGES=N (default 100000), LEADS=N (default 2000), RUNS=N timed runs per query (default 300).
set -euo pipefail
build="${1:?usage: bench/changes/run.sh BUILD_DIR}"
bench="$build/bench/changes/leadscan-changes-bench"
[[ -x "$bench" ]] || { echo "missing $bench (cmake --build BUILD --target leadscan-changes-bench)" >&2; exit 2; }
dir="$(mktemp -d /tmp/leadscan-changes-bench.XXXXXX)"
trap 'rm -rf "$dir"' EXIT
echo "machine: $(nproc) cores, $(uptime)"
"$bench" --db "$dir/changes.db" --changes "${CHANGES:-100000}" --leads "${LEADS:-2000}" \
  --runs "${RUNS:-300}"
echo "database: $(du -sh "$dir" | cut -f1) on disk"
