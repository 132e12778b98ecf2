#!/usr/bin/env bash
# Queue benchmark: starts a throw-away PostgreSQL 15 on loopback (PostgreSQL's defaults, fsync
# on), then in one run measures item transitions/s through leadscan's Store + BatchRunner with a
# no-op analyzer (1 and 4 workers), actual `leadscan worker` processes, and the peer pg-boss
# (npm, this folder) with 1 and 4 workers; then a 100,000-item batch with RSS start/peak/end.
# Prints a table. Builds nothing; loopback only.
# Usage: bench/queue/run.sh BUILD_DIR   (targets leadscan and leadscan-queue-bench)
# ITEMS=N (default 20000) items per throughput case; BIG=N (default 100000) the memory case;
# PG_SYNCHRONOUS_COMMIT=on|off (default off), WORKER_NICE=N (default 0): see below.
set -euo pipefail
build="${1:?usage: bench/queue/run.sh BUILD_DIR}"
here="$(cd "$(dirname "$0")" && pwd)"
bench="$build/bench/queue/leadscan-queue-bench"
leadscan="$build/src/cli/leadscan"
pg_bin="${LEADSCAN_PG_BIN:-/usr/lib/postgresql/15/bin}"
items="${ITEMS:-20000}"
big="${BIG:-100000}"
# PostgreSQL's default is on: every commit waits for its WAL flush. Off (the default here) still
# never corrupts the database; a crash of the machine may lose the last few hundred ms of
# commits. On a machine whose fsync is slow this decides every figure, whichever queue runs.
sync_commit="${PG_SYNCHRONOUS_COMMIT:-off}"
# `leadscan worker` runs its worker threads at nice +5 (the API first on a shared machine); the
# peer runs at nice 0. WORKER_NICE=5 measures ours as the product's default runs it.
nice="${WORKER_NICE:-0}"
for b in "$bench" "$leadscan" "$pg_bin/initdb"; do
  [[ -x "$b" ]] || { echo "missing $b (build it first / install postgresql-15)" >&2; exit 2; }
done
command -v node >/dev/null || { echo "node is needed for the pg-boss peer" >&2; exit 2; }
(cd "$here" && npm ci --no-audit --no-fund --silent)

work="$(mktemp -d /tmp/leadscan-queue-bench.XXXXXX)"
as_pg=()
[[ $(id -u) -eq 0 ]] && as_pg=(runuser -u postgres --)
worker_pids=()
cleanup() {
  for p in "${worker_pids[@]}"; do kill "$p" 2>/dev/null || true; done
  "${as_pg[@]}" "$pg_bin/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir "$work/pg"
[[ ${#as_pg[@]} -gt 0 ]] && chown postgres "$work" "$work/pg"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
"${as_pg[@]}" "$pg_bin/initdb" -D "$work/pg" -U postgres -A trust -E UTF8 --no-instructions \
  >/dev/null
"${as_pg[@]}" "$pg_bin/pg_ctl" -D "$work/pg" -w -l "$work/pg/log" \
  -o "-h 127.0.0.1 -p $port -k /tmp -c max_connections=200 -c synchronous_commit=$sync_commit" \
  start >/dev/null
url="postgresql://postgres@127.0.0.1:$port/postgres"
psql=("$pg_bin/psql" -X -q -At "$url")
echo "PostgreSQL $("${psql[@]}" -c 'SHOW server_version') on 127.0.0.1:$port (fsync on," \
  "synchronous_commit $sync_commit); $(nproc) cores; load average $(cut -d' ' -f1-3 /proc/loadavg)"

results="$work/results"
: >"$results"
ours() {  # workers [completion batch]
  local line
  line="$("$bench" --db "$url" --items "$items" --workers "$1" --completion-batch "${2:-64}" \
    --worker-nice "$nice")"
  echo "$line" >&2
  echo "$line" >>"$results"
}
peer() {  # workers batch complete
  local line
  line="$(node "$here/pgboss_bench.mjs" --url "$url" --items "$items" --workers "$1" \
    --batch "$2" --complete "$3")"
  echo "$line" >&2
  echo "$line" >>"$results"
}

# `leadscan worker` processes on a job whose leads no analysis accepts (the real analyzer fails
# each at once with invalid_url, no network): claim + FailItem, the product's path end to end.
processes() {  # workers
  local n=$1 out="$work/procs-$1" run window pids=()
  for ((w = 0; w < n; w++)); do
    "$leadscan" worker --db "$url" >"$out.$w.log" 2>&1 &
    pids+=($!)
    worker_pids+=($!)
  done
  sleep 1
  "$bench" --db "$url" --mode job --items "$items" >"$out.job"
  run="$(sed -n 's/^run //p' "$out.job")"
  for p in "${pids[@]}"; do kill -TERM "$p"; wait "$p" 2>/dev/null || true; done
  worker_pids=()
  # The window from the first claim to the last outcome (workers poll every 2 s when idle, so
  # the run's own start would count that wait).
  window="$("${psql[@]}" -c "SELECT EXTRACT(EPOCH FROM max(completed_at) - min(started_at))
      FROM batch_analysis_items WHERE run_id = '$run'")"
  local line
  line="$(awk -v n="$n" -v items="$items" -v s="$window" 'BEGIN { printf \
    "processes workers=%d items=%d seconds=%.3f transitions_per_s=%.0f\n", n, items, s, \
    2 * items / s }')"
  grep -q "failed=$items" "$out.job" || { echo "not every item failed as expected:" >&2; \
    cat "$out.job" >&2; exit 1; }
  echo "$line" >&2
  echo "$line" >>"$results"
}

echo "== $items items per case; ours: BatchRunner as \`leadscan worker\` runs it (concurrency 32, 60 s lease), no-op analyzer" >&2
ours 1
ours 4
echo "== the same with one transaction per completion (--completion-batch 1, as before group commit)" >&2
ours 1 1
ours 4 1
echo "== pg-boss $(node -p 'require("'"$here"'/node_modules/pg-boss/package.json").version'), same PostgreSQL, fetch 32 at a time" >&2
peer 1 32 batch
peer 4 32 batch
peer 1 32 each
peer 4 32 each
echo "== actual leadscan worker processes (claim + fail with invalid_url)" >&2
processes 1
processes 4
echo "== memory: one $big-item batch, 4 workers in one process" >&2
big_line="$("$bench" --db "$url" --items "$big" --workers 4 --worker-nice "$nice")"
echo "$big_line" >&2

field() { sed -n "s/.*$1=\\([^ ]*\\).*/\\1/p"; }
rate() { grep "^$1 workers=$2 " "$results" | grep -- "$3" | head -1 | field transitions_per_s; }
o1="$(rate ours 1 completion_batch=64)"; o4="$(rate ours 4 completion_batch=64)"
s1="$(rate ours 1 completion_batch=1)"; s4="$(rate ours 4 completion_batch=1)"
b1="$(rate pgboss 1 complete=batch)"; b4="$(rate pgboss 4 complete=batch)"
e1="$(rate pgboss 1 complete=each)"; e4="$(rate pgboss 4 complete=each)"
p1="$(rate processes 1 '')"; p4="$(rate processes 4 '')"
echo
printf '%-58s %12s %12s\n' "transitions/s (claim + completion = 2 per item)" "1 worker" "4 workers"
printf '%-58s %12s %12s\n' "leadscan BatchRunner + PostgresStore, no-op analyzer" "$o1" "$o4"
printf '%-58s %12s %12s\n' "  the same, one transaction per completion" "$s1" "$s4"
printf '%-58s %12s %12s\n' "pg-boss, fetch 32, complete the 32 in one call" "$b1" "$b4"
printf '%-58s %12s %12s\n' "pg-boss, fetch 32, complete one call per job" "$e1" "$e4"
printf '%-58s %12s %12s\n' "leadscan worker processes (claim + invalid_url failure)" "$p1" "$p4"
awk -v o1="$o1" -v o4="$o4" -v b1="$b1" -v b4="$b4" 'BEGIN { printf \
  "%-58s %12.2f %12.2f\n", "ratio leadscan / pg-boss (batched completions)", o1 / b1, o4 / b4 }'
printf 'memory, %s items, 4 workers: RSS start %s kB, peak %s kB, end %s kB (%s s, %s transitions/s)\n' \
  "$big" "$(field rss_kb_start <<<"$big_line")" "$(field rss_kb_peak <<<"$big_line")" \
  "$(field rss_kb_end <<<"$big_line")" "$(field seconds <<<"$big_line")" \
  "$(field transitions_per_s <<<"$big_line")"
echo "RSS (MB) each time another tenth of the $big items was done: $(sed -n 's/^rss_mb_by_tenth=//p' <<<"$big_line")"
