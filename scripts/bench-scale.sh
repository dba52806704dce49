#!/usr/bin/env bash
# coord at scale (README "Tests and performance"): a stack of N plain services (`sleep`, no port,
# ready after a 10 ms min_uptime, 64 parallel starts), run by the release binary. Per size:
# wall time and coord's CPU to the startup summary, wall time of the ordered stop after SIGTERM,
# coord's own CPU in all and peak RSS (VmHWM, sampled from /proc until it exits), and how many
# times it wrote the registry (from its debug log; "?" for a coord without that log line).
# Usage: scripts/bench-scale.sh [SIZES...]   (default: 200 1000; COORD=path runs another binary)
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${COORD:-}" ]; then
    cargo build --release --quiet -p coord
fi
coord="${COORD:-$PWD/target/release/coord}"
tck=$(getconf CLK_TCK)
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(200 1000)

now() { date +%s.%N; }
cpu_of() { awk -v t="$tck" '{ printf "%.2f", ($14 + $15) / t }' "/proc/$1/stat" 2>/dev/null; }
hwm_of() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }

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
    : >"$dir/err"
    t0=$(now)
    RUST_LOG=info,coord::driver::registry_writer=debug NO_COLOR=1 \
        "$coord" run -f "$dir/coord.toml" >/dev/null 2>"$dir/err" &
    pid=$!
    until grep -q ' ready in ' "$dir/err"; do
        kill -0 "$pid" 2>/dev/null || { echo "coord exited early:"; cat "$dir/err"; exit 1; }
        sleep 0.02
    done
    t_ready=$(now)
    cpu_ready=$(cpu_of "$pid")
    kill -TERM "$pid"
    cpu=$cpu_ready rss_kib=0
    # The last sample before the exit (a zombie keeps its counters until reaped).
    while [ -e "/proc/$pid/stat" ] && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null; do
        c=$(cpu_of "$pid") && [ -n "$c" ] && cpu=$c
        h=$(hwm_of "$pid") && [ -n "$h" ] && rss_kib=$h
        sleep 0.01
    done
    wait "$pid" || true
    t_end=$(now)
    writes=$(sed -n 's/.*registry: \([0-9]*\) writes.*/\1/p' "$dir/err")
    awk -v n="$n" -v t0="$t0" -v tr="$t_ready" -v te="$t_end" -v cr="$cpu_ready" \
        -v c="$cpu" -v r="$rss_kib" -v w="${writes:-?}" 'BEGIN {
        printf "%9d %9.2f %11.2f %8.2f %11.2f %10.1f %15s\n", n, tr - t0, cr, te - tr, c, r / 1024, w }'
    rm -rf "$dir"
done
