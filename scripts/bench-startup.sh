#!/usr/bin/env bash
# coord's startup benchmark (README "Tests and performance"): the netra graph with toy services
# ready at once and with realistic delays, coord vs a hand-written lower bound in the same run;
# readiness latency after a port opens; coord's peak RSS; the ordered stop of five services.
# Usage: scripts/bench-startup.sh [--runs N]   (default 5 runs per scenario; prints a table)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet -p coord -p coord-tests --bins
COORD_TESTS_NO_BUILD=1 exec target/release/bench-startup "$@"
