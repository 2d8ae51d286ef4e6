#!/usr/bin/env bash
# Compile-time cost of the syscall-cluster pass on a real package (measures, never asserts; not
# a test).
#
#   scripts/bench-compile.sh [--builds] [SOURCE-TREE [PROFILE [RUNS]]]
#
# Defaults: the gzip tree and profile that `scripts/safety-net.sh gzip` leaves under
# ${CARGO_TARGET_DIR:-target}/safety-net (configured with clang-19 -O2 -g). "With the pass" is
# the configured compiler with the plugin and the profile added (`-fplugin`, `-fpass-plugin`,
# `-mllvm -syscluster-profile`: the pass as `syscluster build` runs it, without the driver's
# wrapper).
#
# Per translation unit (the default, RUNS 11): the package is built once from clean through a
# wrapper that records every compile command (`-c`) with its directory, exactly as make runs
# it. Then each recorded compile is run RUNS times with and RUNS times without the pass,
# alternating (which of the two goes first alternates too), writing its object and dependency
# file to a scratch directory. Each run is measured with `perf stat -e task-clock`: the CPU time
# of the compiler process and its children, which other work on the machine inflates far less
# than wall time does. The figures are the sums over the files of the median and of the minimum
# of each file's runs, with and without the pass, and their ratios; the files whose medians
# differ most are listed. The same is done for an empty C file with the flags of the first
# compile, 5 times as often: the fixed cost of loading the plugin (and reading the profile) into
# every compile.
# Last, each file is compiled 3 times more with the pass and -ftime-report: the pass's own time
# (LLVM's timer around its run: profile, scan, mapping, legality, lowering, remarks), the median
# of the 3, summed over the files. It is a direct measurement, not a difference of two noisy
# totals; what it leaves out is the plugin's loading (the empty file) and any effect of a changed
# module on the passes after it.
#
# --builds (RUNS 3): each run builds the package from clean twice with `make -j1`, alternating
# with and without the pass; the figure is the CPU time of the build (user + system of every
# process), the median of the runs, and its ratio.
#
# Environment: SAFETY_CC [clang-19]; BENCH_COMPILE_WORK [$target/bench-compile] (scratch).
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-target}
case "$target" in /*) ;; *) target=$PWD/$target ;; esac
mode=tu
if [ "${1:-}" = --builds ]; then
    mode=builds
    shift
fi
src=${1:-$(find "$target/safety-net/build/gzip" -mindepth 1 -maxdepth 1 -type d 2>/dev/null | head -n 1)}
profile=${2:-$target/safety-net/logs/gzip.prof.json}
if [ $mode = tu ]; then runs=${3:-11}; else runs=${3:-3}; fi
case "$runs" in '' | *[!0-9]* | 0)
    echo "bench-compile: RUNS must be a positive whole number, not '$runs'" >&2
    exit 2
    ;;
esac
plugin=$target/release/libsyscluster_pass.so
for need in "$src/Makefile" "$profile" "$plugin"; do
    if [ ! -f "$need" ]; then
        echo "bench-compile: $need is missing: run scripts/safety-net.sh gzip first (it builds the plugin, configures gzip and records its profile), or name a configured tree and a profile" >&2
        exit 2
    fi
done
src=$(cd "$src" && pwd)
profile=$(cd "$(dirname "$profile")" && pwd)/$(basename "$profile")
cc=${SAFETY_CC:-clang-19}
pass_flags=(-fplugin="$plugin" -fpass-plugin="$plugin" -mllvm -syscluster-profile="$profile")
pass_cc="$cc ${pass_flags[*]}"
name=$(basename "$src")

# median: the median of the numbers on standard input (the mean of the middle two for an even
# count).
median() {
    sort -g | awk '{ v[NR] = $1 } END {
        if (NR == 0) exit 1
        m = int((NR + 1) / 2)
        printf "%.4f\n", (NR % 2) ? v[m] : (v[m] + v[m + 1]) / 2
    }'
}
percent() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.1f%%", 100 * (b - a) / a }'; }

if [ $mode = builds ]; then
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
        echo "run $i: $cc ${plain[-1]} s, with the pass ${pass[-1]} s"
    done
    a=$(printf '%s\n' "${plain[@]}" | median)
    b=$(printf '%s\n' "${pass[@]}" | median)
    echo "$name: make -j1 from clean, CPU time (user + system), median of $runs alternating runs:"
    printf '  %-24s %8.2f s\n' "$cc -O2 -g" "$a"
    printf '  %-24s %8.2f s  (%s)\n' "with the pass + profile" "$b" "$(percent "$a" "$b")"
    (cd "$src" && make clean >/dev/null 2>&1)
    exit 0
fi

command -v perf >/dev/null || {
    echo "bench-compile: perf is missing (linux-perf): the per-file mode measures with perf stat" >&2
    exit 2
}
work=${BENCH_COMPILE_WORK:-$target/bench-compile}
rm -rf "$work"
mkdir -p "$work/cmds" "$work/out"

# 1. The compile commands, as make runs them: a wrapper in front of the compiler writes each
# compile's directory and arguments (NUL-separated) to a file of its own.
cat >"$work/record-cc" <<'EOF'
#!/usr/bin/env bash
# Records a compile command (directory, then the arguments) and runs it.
for a in "$@"; do
    if [ "$a" = -c ]; then
        f=$(mktemp "$BENCH_COMPILE_CMDS/XXXXXXXX")
        printf '%s\0' "$PWD" "$@" >"$f"
        break
    fi
done
exec "$@"
EOF
chmod +x "$work/record-cc"
(cd "$src" && make clean >/dev/null 2>&1)
if ! (cd "$src" && BENCH_COMPILE_CMDS="$work/cmds" make -j1 CC="$work/record-cc $cc" >"$work/build.log" 2>&1); then
    echo "bench-compile: the build of $src through the recording wrapper failed; see $work/build.log" >&2
    exit 1
fi

# 2. Each command with its outputs moved to the scratch directory: the object (-o) and the
# dependency file (-MF). tus[i] is the source file (for the report); cmds are in $work/tu.i.
tus=()
i=0
for f in "$work"/cmds/*; do
    mapfile -d '' -t a <"$f"
    dir=${a[0]}
    args=("${a[@]:1}")
    out=() srcfile=
    for ((k = 0; k < ${#args[@]}; k++)); do
        case "${args[k]}" in
        -o | -MF)
            out+=("${args[k]}")
            k=$((k + 1))
            [ "${out[-1]}" = -o ] && out+=("$work/out/$i.o") || out+=("$work/out/$i.d")
            ;;
        *.c)
            srcfile=${args[k]}
            out+=("${args[k]}")
            ;;
        *) out+=("${args[k]}") ;;
        esac
    done
    rel=${dir#"$src"}
    rel=${rel#/}
    tus+=("${rel:+$rel/}$srcfile")
    printf '%s\0' "$dir" "${out[@]}" >"$work/tu.$i"
    i=$((i + 1))
done
n=${#tus[@]}
if [ "$n" -eq 0 ]; then
    echo "bench-compile: the build recorded no compile command (is CC used by $src/Makefile?)" >&2
    exit 1
fi
# The empty file, compiled with the flags of the first compile.
: >"$work/empty.c"
mapfile -d '' -t a <"$work/tu.0"
for ((k = 1; k < ${#a[@]}; k++)); do
    case "${a[k]}" in *.c) a[k]=$work/empty.c ;; esac
done
printf '%s\0' "${a[@]}" >"$work/tu.empty"

# command TU MODE: the compile TU (plain or pass) as the array `cmd`, its directory in `dir`.
command_of() {
    local a
    mapfile -d '' -t a <"$work/tu.$1"
    dir=${a[0]}
    cmd=("${a[1]}")
    [ "$2" = pass ] && cmd+=("${pass_flags[@]}")
    cmd+=("${a[@]:2}")
}

# measure TU MODE: runs one compile (plain or pass) under perf stat and appends
# "TU MODE MILLISECONDS" to $work/times.
measure() {
    local dir cmd
    command_of "$1" "$2"
    if ! (cd "$dir" && perf stat -x, -e task-clock -o "$work/perf.txt" "${cmd[@]}" >"$work/cc.log" 2>&1); then
        echo "bench-compile: compile $1 ($2) failed:" >&2
        cat "$work/cc.log" >&2
        exit 1
    fi
    awk -F, -v tu="$1" -v how="$2" '$3 == "task-clock" { print tu, how, $1 }' "$work/perf.txt" >>"$work/times"
}

# own TU: the CPU time (user + system, ms) LLVM's timer gives the pass itself in one compile of
# TU with -ftime-report (the pass's name is syscall-cluster in its table of passes).
own() {
    local dir cmd
    command_of "$1" pass
    if ! (cd "$dir" && "${cmd[@]}" -ftime-report >/dev/null 2>"$work/report.txt"); then
        echo "bench-compile: compile $1 with -ftime-report failed:" >&2
        cat "$work/report.txt" >&2
        exit 1
    fi
    # The columns are User, [System,] User+System, Wall: the one before the last.
    awk '/Pass execution timing report/ { found = 1 }
        found && / syscall-cluster$/ {
            gsub(/\([^)]*\)/, "")
            ms += 1000 * $(NF - 2); seen = 1
        }
        END { if (!seen) exit 1; printf "%.3f\n", ms }' "$work/report.txt" || {
        echo "bench-compile: no syscall-cluster line in the -ftime-report of compile $1 (is the plugin loaded?)" >&2
        exit 1
    }
}

: >"$work/times"
echo "$name: $n compiles recorded; $runs runs of each with and without the pass, alternating" >&2
k=0
for ((r = 1; r <= runs; r++)); do
    # The empty file's cost is small against the spread of its runs: 5 pairs in each run.
    for tu in empty empty empty empty empty $(seq 0 $((n - 1))); do
        k=$((k + 1))
        if (((r + k) % 2)); then
            measure "$tu" plain
            measure "$tu" pass
        else
            measure "$tu" pass
            measure "$tu" plain
        fi
    done
    echo "  run $r of $runs done" >&2
done
# The pass's own time, 3 compiles of each file (their median).
: >"$work/own"
for ((t = 0; t < n; t++)); do
    for r in 1 2 3; do own "$t"; done | median | sed "s|^|$t |" >>"$work/own"
done

# 3. Per file: the median and the minimum of its runs with and without the pass.
runs_of() { awk -v tu="$1" -v how="$2" '$1 == tu && $2 == how { print $3 }' "$work/times"; }
: >"$work/medians"
for ((t = 0; t < n; t++)); do
    echo "$t $(runs_of "$t" plain | median) $(runs_of "$t" pass | median)" \
        "$(runs_of "$t" plain | sort -g | head -n 1) $(runs_of "$t" pass | sort -g | head -n 1) ${tus[t]}" >>"$work/medians"
done
ep=$(runs_of empty plain | median)
es=$(runs_of empty pass | median)
sum() { awk -v c="$1" '{ s += $c } END { printf "%.1f", s }' "${2:-$work/medians}"; }
a=$(sum 2) b=$(sum 3) amin=$(sum 4) bmin=$(sum 5) own=$(sum 2 "$work/own")
delta() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%+.1f", b - a }'; }
echo "$name: $n compiles, CPU time (perf stat -e task-clock) of each, $runs alternating runs, summed over the files:"
printf '  %-36s %9s %9s\n' "" "medians" "minima"
printf '  %-36s %9.1f %9.1f ms\n' "$cc as configured" "$a" "$amin"
printf '  %-36s %9.1f %9.1f ms\n' "with the pass + profile" "$b" "$bmin"
printf '  %-36s %9s %9s\n' "difference" "$(percent "$a" "$b")" "$(percent "$amin" "$bmin")"
printf '  %-36s %9.1f ms -> %.1f ms  (%s ms per compile; medians of %d runs)\n' "empty file, same flags" "$ep" "$es" \
    "$(delta "$ep" "$es")" $((5 * runs))
printf '  %-36s %9.1f ms  (%s of the compiles without it; -ftime-report, median of 3)\n' \
    "the pass's own time, summed" "$own" "$(percent "$a" "$(awk -v a="$a" -v o="$own" 'BEGIN { print a + o }')")"
echo "  the files where the medians differ most (ms, without -> with the pass; the pass's own time):"
    sort -k1,1 "$work/medians" | join - <(sort -k1,1 "$work/own") |
    awk '{ printf "%s %s %s %s %+.1f\n", $6, $2, $3, $7, $3 - $2 }' | sort -k5,5gr | head -n 8 |
    awk '{ printf "    %-24s %8.1f -> %8.1f  (%+.1f; own %.1f)\n", $1, $2, $3, $5, $4 }'
echo "  (every run: $work/times; per file: $work/medians, $work/own)"
(cd "$src" && make clean >/dev/null 2>&1)
