#!/usr/bin/env bash
# Runs every test of a build directory: the C++ tests through CTest, then the others the tree
# has (web UI end-to-end tests register themselves with CTest too).
set -euo pipefail
build=${1:-build}
jobs=${2:-$(nproc)}
cd "$build"
ctest --output-on-failure -j "$jobs" --timeout 600
