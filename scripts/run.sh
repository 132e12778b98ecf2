#!/usr/bin/env bash
# `make run`: builds the web UI and starts `leadscan serve` on SQLite (./data/leadscan.db),
# listening on $LISTEN (default 127.0.0.1:8080). With DEMO=1 it also starts the demo shops of
# the fake internet on loopback and imports leads that point at them, so the whole product can
# be tried with no internet. Ctrl-C stops everything.
set -euo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
listen=${LISTEN:-127.0.0.1:8080}
mkdir -p data
if [[ -x web/build.sh && "${SKIP_WEB_BUILD:-0}" != "1" ]]; then
  web/build.sh
fi
leadscan="$build/src/cli/leadscan"
db="sqlite://data/leadscan.db"

if [[ "${DEMO:-0}" != "1" ]]; then
  exec "$leadscan" serve --db "$db" --listen "$listen"
fi

# Demo: the fake internet's demo shops on loopback, reached by their .test host names.
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
"$build/tests/fakenet/leadscan-fakenet" --sites tests/fakenet/sites --ca-out "$tmp/ca.pem" \
  >"$tmp/fakenet.out" 2>"$tmp/fakenet.err" &
pids+=($!)
for _ in $(seq 1 100); do
  grep -q "^fakenet " "$tmp/fakenet.out" 2>/dev/null && break
  sleep 0.1
done
line=$(grep "^fakenet " "$tmp/fakenet.out" || true)
if [[ -z "$line" ]]; then
  echo "make run: the demo shops did not start:" >&2
  cat "$tmp/fakenet.err" >&2
  exit 1
fi
http_port=$(sed -E 's/.*http=[^ ]*:([0-9]+).*/\1/' <<<"$line")
https_port=$(sed -E 's/.*https=[^ ]*:([0-9]+).*/\1/' <<<"$line")
echo "demo shops on 127.0.0.1 (http $http_port, https $https_port)"

token=$("$leadscan" token create --db "$db" --org default --role admin --name demo | tail -n 1)
"$leadscan" serve --db "$db" --listen "$listen" \
  --allow-net "127.0.0.1/32:$http_port" --allow-net "127.0.0.1/32:$https_port" \
  --connect-to ":443:127.0.0.1:$https_port" --connect-to ":80:127.0.0.1:$http_port" \
  --ca-file "$tmp/ca.pem" --politeness-ms 0 &
pids+=($!)
base="http://$listen"
for _ in $(seq 1 100); do
  curl -fsS "$base/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
# One lead per demo shop (the folder names are the host names).
csv="company_name,domain"$'\n'
for dir in tests/fakenet/sites/*.test; do
  host=$(basename "$dir")
  csv+="${host%.test} AB,$host"$'\n'
done
curl -fsS -X POST -H "Authorization: Bearer $token" -H "Content-Type: text/csv" \
  --data-binary "$csv" "$base/api/leads/import" >/dev/null
echo "demo leads imported"
echo "Sign in: $base/#token=$token"
wait "${pids[-1]}"
