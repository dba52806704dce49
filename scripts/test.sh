#!/usr/bin/env bash
# The project's test command (README "Run the tests"): every crate's unit, scenario, snapshot and
# end-to-end tests.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --workspace --bins
cargo test --workspace
