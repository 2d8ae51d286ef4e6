#!/usr/bin/env bash
# Benchmark of libmulticall's backends (measures, never asserts; not part of the tests).
#
#   scripts/bench-runtime.sh
#
# 1. ns per entry for batches of 1, 2, 4, 8, 16, 64 `write(/dev/null, buf, 1)` on each
#    backend next to plain system calls, as ratios (runtime/examples/bench.rs), and the
#    batch size from which io_uring would beat the direct backend;
# 2. user-space instructions per batch on the direct backend next to those of the plain
#    calls' `syscall(2)`, counted exactly by valgrind's callgrind (`--toggle-collect` on
#    the runtime's entry point, resp. on glibc's `syscall`): the runtime's own cost, which
#    timings on a shared machine blur;
# 3. kernel crossings per batch, counted with `perf stat -e raw_syscalls:sys_enter`
#    (a run of 1000 batches minus a run of none, divided by 1000).
# The kernel module's column appears when /dev/multicall exists (e.g. inside the qemu guest).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$root"
cargo build --release -p multicall --example bench --locked 2>&1 | tail -n 1
bench=$target/release/examples/bench

echo "## ns per entry (median of 7 rounds; ratio to plain system calls)"
"$bench"

echo
echo "## user-space instructions per batch (valgrind --tool=callgrind)"
if command -v valgrind >/dev/null 2>&1; then
    instructions() { # way function size -> instructions in function per batch of 1000
        valgrind --tool=callgrind --callgrind-out-file=/dev/null --toggle-collect="$2" \
            "$bench" count "$1" "$3" 1000 2>&1 >/dev/null |
            awk '/Collected :/ { printf "%.0f", $NF / 1000 }'
    }
    echo "| entries | syscall(2) | direct | direct minus syscall(2), per entry |"
    echo "|---:|---:|---:|---:|"
    for size in 1 2 4 8 16; do
        plain=$(instructions syscall syscall "$size")
        direct=$(instructions direct '*Runtime::run_with*' "$size")
        awk -v n="$size" -v p="$plain" -v d="$direct" \
            'BEGIN { printf "| %d | %d | %d | %.0f |\n", n, p, d, (d - p) / n }'
    done
else
    echo "valgrind is missing (apt-get install valgrind): instructions not counted"
fi

echo
echo "## kernel crossings per batch (perf stat -e raw_syscalls:sys_enter)"
if ! command -v perf >/dev/null 2>&1; then
    echo "perf is missing (apt-get install linux-perf): crossings not counted"
    exit 0
fi
count() { # way size batches -> raw_syscalls:sys_enter count
    perf stat -x, -e raw_syscalls:sys_enter -- "$bench" count "$1" "$2" "$3" 2>&1 >/dev/null |
        awk -F, '/raw_syscalls:sys_enter/ { print $1 }'
}
if ! probe=$(count syscall 1 1) || ! [[ "$probe" =~ ^[0-9]+$ ]]; then
    echo "perf cannot count raw_syscalls:sys_enter here (try as root, or lower kernel.perf_event_paranoid): crossings not counted"
    exit 0
fi
ways=(syscall direct)
"$bench" count io_uring 1 0 2>/dev/null && ways+=(io_uring)
"$bench" count kmod 1 0 2>/dev/null && ways+=(kmod)
batches=1000
printf '| entries |'
for w in "${ways[@]}"; do printf ' %s |' "$w"; done
printf '\n|---:|'
for _ in "${ways[@]}"; do printf -- '---:|'; done
printf '\n'
for size in 1 2 4 8 16 64; do
    printf '| %s |' "$size"
    for w in "${ways[@]}"; do
        base=$(count "$w" "$size" 0)
        full=$(count "$w" "$size" "$batches")
        awk -v a="$full" -v b="$base" -v n="$batches" 'BEGIN { printf " %.2f |", (a - b) / n }'
    done
    printf '\n'
done
