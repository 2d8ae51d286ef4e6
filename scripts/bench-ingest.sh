#!/usr/bin/env bash
# Benchmark of trace ingestion: how many strace lines per second `syscluster import` reads on one
# core, and whether its memory stays flat as the trace grows. It measures and prints; it asserts
# nothing about time.
#
#   scripts/bench-ingest.sh            # a real `strace -f -k` trace of copy.c, repeated 8x and 32x
#   scripts/bench-ingest.sh 64         # ... repeated 64x instead of 32x
#
# The trace is recorded with the flags `syscluster record` uses (-f -k -q -X raw -s 0) from
# testsuite/programs/copy.c copying a 32 MiB file, then concatenated to make long traces (the
# same pid and calls over and over: the parser's work per line is the same as on one long run).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$root"
big=${1:-32}
out=build/bench
mkdir -p "$out"

cargo build --release -p syscluster-cli 2>&1 | tail -n 1
bin=$target/release/syscluster

clang-19 -O2 -g -o "$out/copy" testsuite/programs/copy.c
head -c $((32 * 1024 * 1024)) /dev/zero >"$out/in.dat"
strace -f -k -q -X raw -s 0 -o "$out/one.txt" "$out/copy" "$out/in.dat" "$out/out.dat"
rm -f "$out/in.dat" "$out/out.dat"

for n in 8 "$big"; do
    rm -f "$out/trace-$n.txt"
    for _ in $(seq "$n"); do cat "$out/one.txt"; done >"$out/trace-$n.txt"
    bytes=$(stat -c %s "$out/trace-$n.txt")
    echo "== ${n}x: $((bytes / 1024 / 1024)) MiB"
    # One warm-up read so that the page cache, not the disk, feeds the parser.
    cat "$out/trace-$n.txt" >/dev/null
    taskset -c 0 "$bin" import --no-symbolize --stats "$out/trace-$n.txt" -o "$out/profile-$n.json"
    rm -f "$out/trace-$n.txt"
done
# Call lines only (a trace without -k): the parser's slow path.
grep -v '^ >' "$out/one.txt" >"$out/calls-1.txt"
for _ in $(seq "$big"); do cat "$out/calls-1.txt"; done >"$out/calls.txt"
echo "== ${big}x without stack frames"
taskset -c 0 "$bin" import --no-symbolize --stats "$out/calls.txt" -o "$out/profile-calls.json"
rm -f "$out/calls.txt" "$out/calls-1.txt"
