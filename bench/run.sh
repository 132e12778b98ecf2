#!/usr/bin/env bash
# `make bench`: every benchmark, one after the other, on one build directory. Each script
# prints its own figures (and the peers' figures measured in the same run).
set -euo pipefail
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
for b in detect fetch service queue eval render changes; do
  if [[ -x "$here/$b/run.sh" ]]; then
    echo "=== bench/$b"
    "$here/$b/run.sh" "$build" || echo "bench/$b: exited $?"
  fi
done
