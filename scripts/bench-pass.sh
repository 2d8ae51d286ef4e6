#!/usr/bin/env bash
# Compile-time benchmark of the syscall-cluster pass (measures, never asserts; not a test).
#
#   scripts/bench-pass.sh                 # K = 64 128 256 512 1024 2048 4096
#   scripts/bench-pass.sh 64 1024         # chosen sizes
#   scripts/bench-pass.sh --loops 25 100 300   # K write-all loops in one function instead
#
# For each K: a C function with K checked calls `if (write(fd, buf, 1) != 1) return -1;` in a
# straight line, one per source line, built with `clang-19 -O2 -g -emit-llvm`, and a profile in which call i is
# followed by call i+1 (K nodes with their debug location, K-1 edges of weight 100), so every
# edge is hot and every site takes part in a multi-call (64 entries each, the ABI's limit).
# Prints the CPU time (user + system, so that other work on the machine counts less) of
# `opt-19` running the pass next to `opt-19` running only the verifier on the same file
# (reading and writing the IR), best of 3 runs each, and the pass's own time as LLVM's
# `-time-passes` reports it (user + system, best of 3; printing the larger rewritten function
# is most of the rest of the difference).
#
# The plugin is ${CARGO_TARGET_DIR:-target}/release/libsyscluster_pass.so (built if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
case "$target" in /*) ;; *) target=$PWD/$target ;; esac
plugin=$target/release/libsyscluster_pass.so
if [ ! -f "$plugin" ]; then
    CARGO_TARGET_DIR=$target cargo build --release -p syscluster-pass --locked 2>&1 | tail -n 1
fi
loops=0
if [ "${1:-}" = --loops ]; then
    loops=1
    shift
fi
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(64 128 256 512 1024 2048 4096)

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

generate() { # K -> $work/bench-K.{c,ll,json}
    local k=$1 c=$work/bench-$1.c j=$work/bench-$1.json
    {
        echo '#include <unistd.h>'
        echo 'int many(int fd, const char *buf, size_t len)'
        echo '{'
        for ((i = 0; i < k; i++)); do
            if [ "$loops" = 1 ]; then
                # --loops: a write-all loop per line, each write following itself.
                echo '  { size_t done = 0; while (done < len) { ssize_t n = write(fd, buf + done, len - done); if (n < 0) return -1; done += n; } }'
            else
                echo '  if (write(fd, buf, 1) != 1) return -1;'
            fi
        done
        echo '  return 0;'
        echo '}'
    } >"$c"
    # Line of call i: 4 + i (the include, the signature and the brace come first).
    {
        printf '{"version": 1, "program": "bench", "nodes": ['
        for ((i = 0; i < k; i++)); do
            [ "$i" = 0 ] || printf ','
            printf '{"syscall": "write", "nr": 1, "count": 100, "site": {"function": "many", "file": "%s", "line": %d, "column": 0}}' \
                "$c" $((4 + i))
        done
        printf '], "edges": ['
        for ((i = 0; i + 1 < k || (loops == 1 && i < k); i++)); do
            [ "$i" = 0 ] || printf ','
            if [ "$loops" = 1 ]; then
                printf '{"from": %d, "to": %d, "weight": 100}' "$i" "$i"
            else
                printf '{"from": %d, "to": %d, "weight": 100}' "$i" $((i + 1))
            fi
        done
        printf ']}\n'
    } >"$j"
    clang-19 -O2 -g -S -emit-llvm "$c" -o "$work/bench-$k.ll"
}

cpu_best_of_3() { # command... -> CPU seconds (user + system) of the fastest of three runs
    local best="" t
    for _ in 1 2 3; do
        t=$( { TIMEFORMAT='%U %S'; time "$@" >/dev/null 2>&1; } 2>&1 | awk '{ print $1 + $2 }')
        if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
    done
    printf '%.3f' "$best"
}

pass_own_best_of_3() { # K -> the pass's own user + system seconds (-time-passes), best of three
    local best="" t
    for _ in 1 2 3; do
        t=$(opt-19 -load-pass-plugin="$plugin" -passes="syscall-cluster<profile=$work/bench-$1.json>" \
            -disable-output -time-passes "$work/bench-$1.ll" 2>&1 |
            awk '$NF == "syscall-cluster" { gsub(/\([^)]*\)/, ""); print $3; exit }')
        if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
    done
    printf '%.3f' "$best"
}

[ "$loops" = 1 ] && echo "(--loops: K write-all loops in one function, each write's site following itself)"
echo "| K sites | multi-calls | opt with the pass (CPU s) | opt, verifier only (CPU s) | the pass itself (CPU s) |"
echo "|--------:|------------:|--------------------------:|---------------------------:|------------------------:|"
for k in "${sizes[@]}"; do
    generate "$k"
    ll=$work/bench-$k.ll
    regions=$(opt-19 -load-pass-plugin="$plugin" \
        -passes="syscall-cluster<profile=$work/bench-$k.json;stats>" -disable-output "$ll" 2>&1 |
        awk '/Number of multi-calls formed/ { print $1 }')
    with=$(cpu_best_of_3 opt-19 -load-pass-plugin="$plugin" \
        -passes="syscall-cluster<profile=$work/bench-$k.json>" -S "$ll" -o "$work/out.ll")
    without=$(cpu_best_of_3 opt-19 -passes=verify -S "$ll" -o "$work/out.ll")
    own=$(pass_own_best_of_3 "$k")
    printf '| %7d | %11s | %25s | %26s | %23s |\n' "$k" "${regions:-0}" "$with" "$without" "$own"
done
