#!/usr/bin/env bash
# `make run`: runs the product from a build directory.
set -euo pipefail
build=${1:-build}
exec "$build/src/cli/leadscan" --help
