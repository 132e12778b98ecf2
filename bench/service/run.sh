#!/usr/bin/env bash
# Service benchmark (issue 3): 10,000 leads on the fake internet, one tech_analysis batch through
# the API on SQLite while 200 clients poll GET /api/batch-analysis/jobs/:id?items_limit=0.
# Prints leads/s, the server's peak RSS (VmHWM), p50/p95/p99 poll latency and the final counts.
# usage: bench/service/run.sh BUILD_DIR [driver options, e.g. --concurrency 64 --leads 2000]
#        CONCURRENCY="16 32 64" bench/service/run.sh BUILD_DIR   # one run per value
# Needs BUILD_DIR/src/cli/leadscan and BUILD_DIR/tests/fakenet/leadscan-fakenet
# (cmake --build BUILD_DIR --target leadscan leadscan-fakenet). All traffic stays on 127.0.0.1.
set -euo pipefail
build="${1:?usage: bench/service/run.sh BUILD_DIR [options]}"
shift
here="$(cd "$(dirname "$0")" && pwd)"
out="${LEADSCAN_BENCH_OUT:-$here/../out/service}"
mkdir -p "$out"
for c in ${CONCURRENCY:-32}; do
  echo "== concurrency $c =="
  timeout 900 python3 "$here/service_bench.py" --build "$build" --concurrency "$c" \
    --out "$out" "$@"
done
