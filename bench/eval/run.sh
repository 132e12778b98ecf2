#!/usr/bin/env bash
# Evaluation of the analyser on the labelled pages (tests/eval/labels.jsonl).
# usage: bench/eval/run.sh <build-dir>
# Builds the page list (labelled demo and corpus pages, plus every corpus page the manifest
# marks non-commerce, for the spot check), runs `leadscan analyze` once, prints precision and
# recall per field and per provider. Exit 0: all targets met; 1: a target missed; 77: the
# corpus folder is absent (skip); 2: usage or tool error.
set -euo pipefail
build=${1:?usage: run.sh <build-dir>}
repo=$(cd "$(dirname "$0")/../.." && pwd)
corpus=${LEADSCAN_CORPUS_DIR:-${LEADSCAN_SOURCE_DIR:-$repo}/tests/corpus}
if [[ ! -f "$corpus/MANIFEST.tsv" ]]; then
  echo "SKIP: corpus folder not found at $corpus" >&2
  exit 77
fi
corpus=$(cd "$corpus" && pwd)
bin="${LEADSCAN_BIN:-$build/src/cli/leadscan}"
[[ -x "$bin" ]] || { echo "no analyser at $bin (build target leadscan)" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$repo/tests/eval/labels.jsonl" "$corpus" "$repo" >"$work/pages.tsv" <<'PY'
import json, os, sys
labels, corpus, repo = sys.argv[1:4]
seen = set()
for line in open(labels, encoding="utf-8"):
    if line.strip():
        r = json.loads(line)
        p = os.path.join(repo if r["source"] == "demo" else corpus, r["path"])
        seen.add(p)
        print(f"{p}\t{r['url']}")
for row in open(os.path.join(corpus, "MANIFEST.tsv"), encoding="utf-8").read().splitlines()[1:]:
    c = row.split("\t")
    p = os.path.join(corpus, c[0])
    if c[10] == "no" and p not in seen:
        print(f"{p}\t{c[6]}")
PY
"$bin" analyze --pages "$work/pages.tsv" --type full_analysis >"$work/out.jsonl" 2>"$work/err.log" || {
  echo "analyser failed:" >&2; tail -20 "$work/err.log" >&2; exit 2; }
echo "=== regression set: demo shops, traps, mirrors and corpus pages labelled next to the rules"
echo "    (self-consistency, not accuracy; never the headline)"
status=0
python3 "$repo/bench/eval/score.py" "$repo/tests/eval/labels.jsonl" "$work/out.jsonl" "$corpus" \
  "$repo" || status=$?
real="$repo/tests/eval/real"
if compgen -G "$real/manifest-*.jsonl" >/dev/null; then
  echo
  echo "=== real pages labelled blind (tests/eval/real): the headline figures"
  python3 - "$real" >"$work/real.tsv" <<'PY'
import json, os, sys
real = sys.argv[1]
for name in sorted(os.listdir(real)):
    if name.startswith("manifest-"):
        for line in open(os.path.join(real, name), encoding="utf-8"):
            if line.strip():
                m = json.loads(line)
                print(f"{os.path.join(real, m['file'])}\t{m.get('url') or 'https://unknown.invalid/'}")
PY
  "$bin" analyze --pages "$work/real.tsv" --type full_analysis >"$work/real.jsonl" \
    2>"$work/real-err.log" || { echo "analyser failed:" >&2; tail -20 "$work/real-err.log" >&2; exit 2; }
  python3 "$repo/bench/eval/score_real.py" "$real" "$work/real.jsonl" ${LEADSCAN_EVAL_ENFORCE:+--enforce} \
    ${LEADSCAN_EVAL_UNREVIEWED:+"--unreviewed=$LEADSCAN_EVAL_UNREVIEWED"} \
    || status=$?
fi
exit $status
