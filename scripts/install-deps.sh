#!/usr/bin/env bash
# Installs the Debian 12 packages leadscan needs to build, test and run. Idempotent and quiet
# when everything is present. Needs root (or sudo) only when something is missing.
set -euo pipefail

packages=(
  build-essential cmake pkg-config clang-format git ca-certificates curl python3 tzdata publicsuffix
  libboost1.81-dev libboost-url1.81-dev libcurl4-openssl-dev libvectorscan-dev libpcre2-dev
  nlohmann-json3-dev libspdlog-dev libcli11-dev libhowardhinnant-date-dev libpsl-dev libnss3-tools
  libidn2-dev libmodest-dev libtomlplusplus-dev libsqlite3-dev libpq-dev libssl-dev zlib1g-dev
  libgtest-dev libgmock-dev libbenchmark-dev nodejs npm openssl postgresql-15 libbrotli-dev chromium
  nghttp2-server clang libclang-rt-14-dev
  python3-jsonschema
)
if [[ "${LEADSCAN_DEPS_EXTRA:-}" != "" ]]; then
  read -r -a extra <<<"${LEADSCAN_DEPS_EXTRA}"
  packages+=("${extra[@]}")
fi

missing=()
for p in "${packages[@]}"; do
  # Node may come from outside Debian's packages; a working binary is enough.
  if [[ "$p" == nodejs || "$p" == npm ]] && command -v "${p/nodejs/node}" >/dev/null 2>&1; then
    continue
  fi
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
