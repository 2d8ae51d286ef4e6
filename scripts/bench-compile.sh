#!/usr/bin/env bash
# Compile-time cost of the syscall-cluster pass on a real package (measures, never asserts; not
# a test).
#
#   scripts/bench-compile.sh [SOURCE-TREE [PROFILE [RUNS]]]
#
# Defaults: the gzip tree and profile that `scripts/safety-net.sh gzip` leaves under
# ${CARGO_TARGET_DIR:-target}/safety-net (configured with clang-19 -O2 -g), 3 runs. Each run builds
# the package from clean twice with `make -j1`, alternating: with `clang-19` as configured, and
# with the plugin and the profile added to the same compiler (`-fplugin`, `-fpass-plugin`,
# `-mllvm -syscluster-profile`: the pass as `syscluster build` runs it, without the driver's
# wrapper). The figure is the CPU time of the build (user + system of every process, so that other
# work on the machine counts less), the median of the runs, and its ratio.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
case "$target" in /*) ;; *) target=$PWD/$target ;; esac
src=${1:-$(find "$target/safety-net/build/gzip" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | head -n 1)}
profile=${2:-$target/safety-net/logs/gzip.prof.json}
runs=${3:-3}
plugin=$target/release/libsyscluster_pass.so
for need in "$src/Makefile" "$profile" "$plugin"; do
    if [ ! -f "$need" ]; then
        echo "bench-compile: $need is missing: run scripts/safety-net.sh gzip first (it builds the plugin, configures gzip and records its profile), or name a configured tree and a profile" >&2
        exit 2
    fi
done
cc=${SAFETY_CC:-clang-19}
pass_cc="$cc -fplugin=$plugin -fpass-plugin=$plugin -mllvm -syscluster-profile=$profile"

# cpu MAKE-ARGS...: CPU seconds (user + system of the children) of one clean build.
cpu() {
    (cd "$src" && make clean >/dev/null 2>&1)
    local TIMEFORMAT='%U %S' t
    t=$( { time (cd "$src" && make -j1 "$@" >/dev/null 2>&1); } 2>&1 )
    awk -v t="$t" 'BEGIN { split(t, a, " "); printf "%.2f\n", a[1] + a[2] }'
}

plain=() pass=()
for ((i = 1; i <= runs; i++)); do
    plain+=("$(cpu CC="$cc")")
    pass+=("$(cpu CC="$pass_cc")")
    echo "run $i: clang-19 ${plain[-1]} s, with the pass ${pass[-1]} s"
done
median() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
a=$(median "${plain[@]}")
b=$(median "${pass[@]}")
echo "$(basename "$src"): make -j1 from clean, CPU time (user + system), median of $runs alternating runs:"
echo "  clang-19 -O2 -g          $a s"
echo "  with the pass + profile  $b s  ($(awk -v a="$a" -v b="$b" 'BEGIN { printf "%+.1f%%", 100 * (b - a) / a }'))"
(cd "$src" && make clean >/dev/null 2>&1)
