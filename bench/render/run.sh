#!/usr/bin/env bash
# Rendered pages/s, the browser's peak memory and CPU per page with 1, 2 and 4 tabs on pages of
# the fake internet's demo shops (static shops plus the script-built skriptbutiken.test):
# leadscan's renderer (with detection, as the analyzer does it) and, in the same run on the same
# pages, its peer: Wappalyzer's own Puppeteer driver (bench/render/peer) in its default mode and
# in its --fast mode. Runs alternate leadscan / peer / peer --fast per tab count, so a busy
# machine weighs on all three alike. Prints one line per run and a table with the ratios.
#
#   bench/render/run.sh BUILD            # PAGES=40 pages per run by default
#
# The peer's npm packages install into bench/render/peer/node_modules (npm ci, no install
# scripts, no browser download: it uses Debian's /usr/bin/chromium).
set -euo pipefail
build=${1:-build}
pages=${PAGES:-40}
root=$(cd "$(dirname "$0")/../.." && pwd)
peer="$root/bench/render/peer"
chromium=${CHROMIUM:-/usr/bin/chromium}

stamp="$peer/node_modules/.leadscan-lock.sha256"
want=$(sha256sum "$peer/package-lock.json" | cut -d' ' -f1)
if [[ ! -f $stamp || "$(cat "$stamp")" != "$want" ]]; then
  (cd "$peer" && PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --ignore-scripts \
     --loglevel=error)
  echo "$want" >"$stamp"
fi

tmp=$(mktemp -d)
"$build/tests/fakenet/leadscan-fakenet" --sites "$root/tests/fakenet/sites" --ca-out "$tmp/ca.pem" \
  >"$tmp/out" 2>&1 &
net=$!
trap 'kill $net; rm -rf "$tmp"' EXIT
for _ in $(seq 50); do grep -q https= "$tmp/out" && break; sleep 0.1; done
http=$(sed -n 's/.*http=127.0.0.1:\([0-9]*\).*/\1/p' "$tmp/out")
https=$(sed -n 's/.*https=127.0.0.1:\([0-9]*\).*/\1/p' "$tmp/out")
urls=(https://skriptbutiken.test/ https://kaffebonan.test/ https://tradgardsboden.test/
      https://hyggekrogen.test/)
url_args=()
for u in "${urls[@]}"; do url_args+=(--url "$u"); done
ours=(--allow-net "127.0.0.1/32:$http" --allow-net "127.0.0.1/32:$https"
      --connect-to ":80:127.0.0.1:$http" --connect-to ":443:127.0.0.1:$https"
      --ca-file "$tmp/ca.pem" --rules "$root/rules" "${url_args[@]}")
theirs=(--chromium "$chromium" --http-port "$http" --https-port "$https" "${url_args[@]}")

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg); $(nproc) cores; $("$chromium" --version)"
results="$tmp/results"
for tabs in 1 2 4; do
  "$build/src/render/leadscan-render-bench" "${ours[@]}" --pages "$pages" --tabs "$tabs" \
    2>"$tmp/ours.err" | sed 's/^/leadscan /' | tee -a "$results"
  node "$peer/peer.js" "${theirs[@]}" --pages "$pages" --tabs "$tabs" 2>"$tmp/peer.err" |
    tee -a "$results"
  node "$peer/peer.js" "${theirs[@]}" --pages "$pages" --tabs "$tabs" --fast \
    2>"$tmp/peer-fast.err" | tee -a "$results"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "what each found (last runs with 4 tabs):"
grep -h '^found' "$tmp/ours.err" | sed 's/^/  leadscan /'
grep -h '^peer found' "$tmp/peer.err" | sed 's/^/  /'

python3 - "$results" <<'EOF'
import re, sys
rows = {}
for line in open(sys.argv[1]):
    who = "leadscan" if line.startswith("leadscan") else "peer --fast" if "(fast)" in line else "peer"
    f = dict(re.findall(r"(\w+)=([\d.]+)", line))
    rows[(who, int(f["tabs"]))] = f
print()
print("| tabs | leadscan pages/s | peer pages/s | peer --fast pages/s | ratio | ratio to --fast |"
      " leadscan MB/tab | peer MB/tab | leadscan CPU ms/page | peer CPU ms/page |")
print("|---|---|---|---|---|---|---|---|---|---|")
for tabs in (1, 2, 4):
    o, p, q = rows[("leadscan", tabs)], rows[("peer", tabs)], rows[("peer --fast", tabs)]
    ratio = float(o["pages_per_s"]) / float(p["pages_per_s"])
    ratio_fast = float(o["pages_per_s"]) / float(q["pages_per_s"])
    print(f"| {tabs} | {o['pages_per_s']} | {p['pages_per_s']} | {q['pages_per_s']} | {ratio:.1f}x |"
          f" {ratio_fast:.1f}x | {o['pss_mb_per_tab']} | {p['pss_mb_per_tab']} |"
          f" {o['cpu_ms_per_page']} | {p['cpu_ms_per_page']} |")
EOF
