#!/usr/bin/env bash
# coord at scale (README "Tests and performance"): a stack of N plain services (`sleep`, no port,
# ready after a 10 ms min_uptime, 64 parallel starts), run by the release binary. Per size:
# wall time and coord's CPU to the startup summary, wall time of the ordered stop after SIGTERM,
# coord's total CPU and peak RSS, and how many times it wrote the registry.
# Usage: scripts/bench-scale.sh [SIZES...]   (default: 200 1000)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet -p coord
coord="$PWD/target/release/coord"
tck=$(getconf CLK_TCK)
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(200 1000)

now() { date +%s.%N; }
cpu_of() { awk -v t="$tck" '{ printf "%.2f", ($14 + $15) / t }' "/proc/$1/stat"; }

printf '%9s %9s %11s %8s %11s %10s %15s\n' \
    services ready_s cpu_ready_s stop_s cpu_total_s rss_mib registry_writes
for n in "${sizes[@]}"; do
    dir=$(mktemp -d)
    {
        printf '[coordination]\nmax_parallel_starts = 64\n\n'
        for i in $(seq 1 "$n"); do
            printf '[services.s%05d]\ncommand = ["sleep", "1000"]\nmin_uptime = "10ms"\n\n' "$i"
        done
    } >"$dir/coord.toml"
    t0=$(now)
    RUST_LOG=info,coord::driver::sync=debug NO_COLOR=1 \
        /usr/bin/time -f '%U %S %M' -o "$dir/time" \
        "$coord" run -f "$dir/coord.toml" >/dev/null 2>"$dir/err" &
    timer=$!
    pid=""
    until [ -n "$pid" ]; do pid=$(pgrep -P "$timer" || true); sleep 0.01; done
    until grep -q ' ready in ' "$dir/err"; do
        kill -0 "$timer" 2>/dev/null || { echo "coord exited early:"; cat "$dir/err"; exit 1; }
        sleep 0.02
    done
    t_ready=$(now)
    cpu_ready=$(cpu_of "$pid")
    kill -TERM "$pid"
    wait "$timer" || true
    t_end=$(now)
    read -r user sys rss_kib <"$dir/time"
    writes=$(sed -n 's/.*registry: \([0-9]*\) writes.*/\1/p' "$dir/err")
    awk -v n="$n" -v t0="$t0" -v tr="$t_ready" -v te="$t_end" -v cr="$cpu_ready" \
        -v u="$user" -v s="$sys" -v r="$rss_kib" -v w="${writes:-?}" 'BEGIN {
        printf "%9d %9.2f %11.2f %8.2f %11.2f %10.1f %15s\n", n, tr - t0, cr, te - tr, u + s, r / 1024, w }'
    rm -rf "$dir"
done
