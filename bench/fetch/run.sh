#!/usr/bin/env bash
# Fetch benchmark: starts the fake internet (leadscan-fakenet) from BUILD_DIR, fetches the home
# page of 2,000 generated sites over http and https with leadscan-fetch-bench, then 8,000 over
# http to show memory stays bounded, and prints the figures. Builds nothing; loopback only.
# Usage: bench/fetch/run.sh BUILD_DIR   (targets leadscan-fakenet and leadscan-fetch-bench)
set -euo pipefail
build="${1:?usage: bench/fetch/run.sh BUILD_DIR}"
fakenet="$build/tests/fakenet/leadscan-fakenet"
bench="$build/bench/fetch/leadscan-fetch-bench"
for b in "$fakenet" "$bench"; do
  [[ -x "$b" ]] || { echo "missing $b (build it first)" >&2; exit 2; }
done
work="$(mktemp -d)"
fakenet_pid=""
cleanup() {
  if [[ -n "$fakenet_pid" ]]; then kill "$fakenet_pid" 2>/dev/null || true; wait "$fakenet_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

"$fakenet" --ca-out "$work/ca.pem" --threads "${FAKENET_THREADS:-2}" >"$work/fakenet.out" \
  2>"$work/fakenet.err" &
fakenet_pid=$!
for _ in $(seq 100); do
  grep -q '^fakenet ' "$work/fakenet.out" 2>/dev/null && break
  sleep 0.1
done
line="$(grep '^fakenet ' "$work/fakenet.out")" || { cat "$work/fakenet.err" >&2; exit 1; }
http_port="$(sed -E 's/.*http=127\.0\.0\.1:([0-9]+).*/\1/' <<<"$line")"
https_port="$(sed -E 's/.*https=127\.0\.0\.1:([0-9]+).*/\1/' <<<"$line")"
common=(--connect-to ":80:127.0.0.1:$http_port" --connect-to ":443:127.0.0.1:$https_port"
        --allow-net "127.0.0.1/32:$http_port" --allow-net "127.0.0.1/32:$https_port"
        --ca-file "$work/ca.pem" --concurrency "${CONCURRENCY:-256}")
echo "fake internet: http $http_port, https $https_port; $(nproc) cores"
echo "== 2,000 sites, home page each, http, robots.txt obeyed (2 requests per site); 3 runs"
for run in 0 1 2; do
  "$bench" "${common[@]}" --sites 2000 --first $((run * 2000)) --scheme http
done
echo "== 2,000 sites, home page each, https (TLS handshake per site), robots.txt obeyed"
"$bench" "${common[@]}" --sites 2000 --first 10000 --scheme https
echo "== 2,000 sites, http, robots.txt ignored (1 request per site)"
"$bench" "${common[@]}" --sites 2000 --first 20000 --scheme http --no-robots
echo "== memory as the number of sites grows: 2,000 vs 8,000 sites, http, robots obeyed"
"$bench" "${common[@]}" --sites 2000 --first 30000 --scheme http
"$bench" "${common[@]}" --sites 8000 --first 40000 --scheme http
