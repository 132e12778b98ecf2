#!/usr/bin/env bash
# Rendered pages/s and the browser's peak memory with 1, 2 and 4 tabs on pages of the fake
# internet's demo shops (static shops plus the script-built skriptbutiken.test). The peer
# (Puppeteer + Wappalyzer driver) is not measured yet.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d)
"$build/tests/fakenet/leadscan-fakenet" --sites "$root/tests/fakenet/sites" --ca-out "$tmp/ca.pem" \
  >"$tmp/out" 2>&1 &
net=$!
trap 'kill $net; rm -rf "$tmp"' EXIT
for _ in $(seq 50); do grep -q https= "$tmp/out" && break; sleep 0.1; done
http=$(sed -n 's/.*http=127.0.0.1:\([0-9]*\).*/\1/p' "$tmp/out")
https=$(sed -n 's/.*https=127.0.0.1:\([0-9]*\).*/\1/p' "$tmp/out")
args=(--allow-net "127.0.0.1/32:$http" --allow-net "127.0.0.1/32:$https"
      --connect-to ":80:127.0.0.1:$http" --connect-to ":443:127.0.0.1:$https" --ca-file "$tmp/ca.pem"
      --url https://skriptbutiken.test/ --url https://kaffebonan.test/
      --url https://tradgardsboden.test/ --url https://hyggekrogen.test/)
for tabs in 1 2 4; do
  "$build/src/render/leadscan-render-bench" "${args[@]}" --pages "${PAGES:-40}" --tabs "$tabs"
done
