#!/usr/bin/env bash
# Runs every libFuzzer target of a fuzz build (make fuzz) for SECONDS each and prints
# `fuzz <name>: <runs> runs, <n> crashes`. Seeds: tests/fuzz/<name>/ (committed) and the large
# ones tests/fuzz/make_seeds.py generates. New inputs, crashing inputs and logs stay under
# BUILD/fuzz/ (never in git). Exits 1 when any target crashed; the log's end is then printed.
# FUZZ_ONLY="csv robots" runs only those targets.
set -euo pipefail
build=${1:-build-fuzz}
seconds=${2:-60}
src=$(cd "$(dirname "$0")/.." && pwd)
out="$build/fuzz"
# Upstream bugs we cannot fix here, each scoped to one function (the file says which).
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}suppressions=$src/tests/sanitizer/asan.supp"
python3 "$src/tests/fuzz/make_seeds.py" "$out/seeds"

failed=0
for dir in "$src"/tests/fuzz/*/; do
  name=$(basename "$dir")
  if [[ -n "${FUZZ_ONLY:-}" && " $FUZZ_ONLY " != *" $name "* ]]; then
    continue
  fi
  bin="$out/leadscan_fuzz_$name"
  if [[ ! -x "$bin" ]]; then
    echo "fuzz $name: no binary at $bin" >&2
    failed=1
    continue
  fi
  corpus="$out/corpus/$name"
  artifacts="$out/artifacts/$name"
  log="$out/$name.log"
  mkdir -p "$corpus" "$artifacts"
  # An input that takes longer than -timeout seconds or more than -rss_limit_mb counts as a
  # crash: parsers are bounded.
  flags=(-timeout=25 -rss_limit_mb=2560 -artifact_prefix="$artifacts/")
  rc=0
  : >"$log"
  # The large generated seeds (deep nesting, huge documents) run once each, as regression
  # inputs: mutating inputs that size would slow every run.
  big=0
  if [[ -d "$out/seeds/$name" ]]; then
    big=$(find "$out/seeds/$name" -type f | wc -l)
    "$bin" "${flags[@]}" "$out/seeds/$name"/* >>"$log" 2>&1 || rc=$?
  fi
  # Then the fuzzing proper, from the corpus so far and the committed seeds. libFuzzer writes
  # new inputs into the first folder only, so tests/fuzz/ stays untouched.
  if [[ $rc -eq 0 ]]; then
    "$bin" "${flags[@]}" -max_total_time="$seconds" -print_final_stats=1 "$corpus" "$dir" \
      >>"$log" 2>&1 || rc=$?
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$log" | tail -1)
  runs=$((${runs:-0} + big))
  crashes=$(grep -c '^Test unit written to' "$log" || true)
  if [[ $rc -ne 0 && $crashes -eq 0 ]]; then
    crashes=1
  fi
  echo "fuzz $name: $runs runs, $crashes crashes"
  if [[ $crashes -ne 0 ]]; then
    failed=1
    tail -n 60 "$log" >&2
  fi
done
exit $failed
