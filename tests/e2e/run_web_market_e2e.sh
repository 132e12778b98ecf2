#!/usr/bin/env bash
# CTest entry for the market views' end-to-end test (issue 14: dashboard, change feed, lead
# filters, exports): run_web_market_e2e.sh LEADSCAN FAKENET ARTIFACTS_DIR
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "SKIP: node/npm missing"
  exit 77
fi
if [[ ! -x /usr/bin/chromium ]]; then
  echo "SKIP: /usr/bin/chromium missing (scripts/install-deps.sh installs it)"
  exit 77
fi
"$root/web/build.sh"
exec node "$root/web/e2e/market.mjs" --leadscan "$1" --fakenet "$2" --artifacts "$3" \
  --sites "$root/tests/fakenet/sites" --web-dir "$root/web/dist" --timeout-s 400
