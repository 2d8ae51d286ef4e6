#!/usr/bin/env bash
# The paper's Table 3 and Figure 8 on this machine (measures, never asserts; not a test).
#
#   scripts/bench-table3.sh [RUNS] [OUT_DIR]     (defaults: 10 build/bench-table3)
#
# testsuite/programs/copy.c built with each block size N of 512 B to 16 KiB (-DN=...), with
# clang-19 -O2 -g (the original) and with the pass and a profile recorded on that build (the
# copy loop becomes one looped multi-call whose buffer is dead; the runtime linked statically).
# Each copies files of the paper's three sizes (80 KiB, 925 KiB, 2.28 MiB) on the disk file
# system, three ways, RUNS times each, the ways alternating:
#
#   original     the plain read/write loop;
#   looped       the clustered build with MULTICALL_COPY=0: the looped batch runs call by call
#                on the direct backend (no module on the host: the crossings of the original);
#   specialised  the clustered build as it runs by default: the runtime copies the loop's
#                whole blocks with copy_file_range (docs/runtime.md).
#
# Figures: the median wall time of a whole process (fork, exec, copy, exit) and its kernel
# crossings (perf stat -e raw_syscalls:sys_enter), as ratios to the original; every output is
# compared with its input. Writes OUT_DIR/table3.md (the 4 KiB rows, as the paper's Table 3,
# and every block size, as Figure 8's data), OUT_DIR/figure8.csv and, with gnuplot (installed
# from Debian when missing), OUT_DIR/figure8.png: the time ratio against the block size for
# each file size. The module's looped multi-call runs only in the guest: scripts/demo.sh
# counts its crossings there.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
runs=${1:-10}
out=${2:-build/bench-table3}
target=${CARGO_TARGET_DIR:-target}
case "$target" in /*) ;; *) target=$root/$target ;; esac
cargo build --release --locked -p multicall -p syscluster-pass -p syscluster-cli 2>&1 | tail -n 1
syscluster=$target/release/syscluster
plugin=$target/release/libsyscluster_pass.so
if ! perf stat -x, -e raw_syscalls:sys_enter -- true >/dev/null 2>&1; then
    echo "bench-table3: perf stat cannot count raw_syscalls:sys_enter here (scripts/setup.sh installs perf; run as root)" >&2
    exit 2
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)
work=$(mktemp -d "$root/build/bench-table3.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"

blocks=(512 1024 2048 4096 8192 16384)
sizes=(81920 947200 2390753) # 80 KiB, 925 KiB, 2.28 MiB
for s in "${sizes[@]}"; do head -c "$s" /dev/urandom >"in.$s"; done
head -c $((256 * 4096)) /dev/urandom >train

# crossings PROGRAM...: kernel crossings of one run.
crossings() {
    perf stat -x, -e raw_syscalls:sys_enter -o perf.txt -- "$@" >/dev/null
    awk -F, '/raw_syscalls:sys_enter/ { print $1 }' perf.txt
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b ? a / b : 0) }'; }

echo "block,size,way,median_us,crossings,time_ratio,crossings_ratio" >"$out/figure8.csv"
for n in "${blocks[@]}"; do
    clang-19 -O2 -g -DN="$n" -o "copy.$n" "$root/testsuite/programs/copy.c"
    "$syscluster" record -o "copy.$n.json" -- "./copy.$n" train train.out 2>/dev/null
    # The runtime linked statically, as `syscluster build` links it: a shared libmulticall
    # would add the loader's search for it to every run.
    clang-19 -O2 -g -DN="$n" -fplugin="$plugin" -fpass-plugin="$plugin" \
        -mllvm -syscluster-profile="copy.$n.json" -Rpass=syscall-cluster \
        "$root/testsuite/programs/copy.c" -o "copy.$n.clustered" \
        -Wl,--push-state,--as-needed "$target/release/libmulticall.a" -lpthread -ldl -lm -Wl,--pop-state \
        2>"remarks.$n"
    grep -q 'whole loop into one looped multi-call' "remarks.$n" || {
        echo "bench-table3: the copy loop at N=$n is not a looped multi-call (remarks.$n):" >&2
        cat "remarks.$n" >&2
        exit 1
    }
    for s in "${sizes[@]}"; do
        : >t.original
        : >t.looped
        : >t.specialised
        for _ in $(seq "$runs"); do
            t0=$(date +%s%N)
            "./copy.$n" "in.$s" out.original
            t1=$(date +%s%N)
            MULTICALL_COPY=0 "./copy.$n.clustered" "in.$s" out.looped
            t2=$(date +%s%N)
            "./copy.$n.clustered" "in.$s" out.specialised
            t3=$(date +%s%N)
            echo $(((t1 - t0) / 1000)) >>t.original
            echo $(((t2 - t1) / 1000)) >>t.looped
            echo $(((t3 - t2) / 1000)) >>t.specialised
        done
        for way in original looped specialised; do
            cmp -s "in.$s" "out.$way" || {
                echo "bench-table3: the $way copy of in.$s at N=$n differs from its input" >&2
                exit 1
            }
        done
        base_t=$(median <t.original)
        base_x=$(crossings "./copy.$n" "in.$s" out.original)
        for way in original looped specialised; do
            t=$(median <"t.$way")
            case $way in
            original) x=$base_x ;;
            looped) x=$(MULTICALL_COPY=0 crossings "./copy.$n.clustered" "in.$s" out.looped) ;;
            specialised) x=$(crossings "./copy.$n.clustered" "in.$s" out.specialised) ;;
            esac
            echo "$n,$s,$way,$t,$x,$(ratio "$t" "$base_t"),$(ratio "$x" "$base_x")" >>"$out/figure8.csv"
        done
    done
    echo "bench-table3: N=$n done"
done

label() { case $1 in 81920) echo "80 KiB" ;; 947200) echo "925 KiB" ;; *) echo "2.28 MiB" ;; esac; }
{
    echo "# Table 3 and Figure 8 on this machine"
    echo
    echo "\`scripts/bench-table3.sh $runs\` on $(uname -srm), $(date -u +%Y-%m-%d): medians of $runs alternating runs of whole processes; time and crossings as ratios to the original."
    echo
    echo "## Table 3: block size 4096"
    echo
    echo "| file size | original µs (crossings) | looped, call by call: time, crossings | specialised (copy_file_range): time, crossings |"
    echo "|---|---|---|---|"
    for s in "${sizes[@]}"; do
        awk -F, -v s="$s" -v l="$(label "$s")" '
            $1 == 4096 && $2 == s { t[$3] = $4; x[$3] = $5; tr[$3] = $6; xr[$3] = $7 }
            END { printf "| %s | %d (%d) | %sx, %sx | %sx, %sx |\n", l, t["original"], x["original"], tr["looped"], xr["looped"], tr["specialised"], xr["specialised"] }' "$out/figure8.csv"
    done
    echo
    echo "## Figure 8: every block size (time ratio to the original; crossings ratio)"
    echo
    echo "| block | file size | looped | specialised |"
    echo "|---|---|---|---|"
    awk -F, 'NR > 1 && $3 != "original" { k = $1 "," $2; v[k, $3] = $6 "x (" $7 "x)"; if (!(k in seen)) { seen[k] = 1; order[++n] = k } }
        END { for (i = 1; i <= n; i++) { split(order[i], p, ","); l = (p[2] == 81920 ? "80 KiB" : (p[2] == 947200 ? "925 KiB" : "2.28 MiB")); printf "| %d | %s | %s | %s |\n", p[1], l, v[order[i], "looped"], v[order[i], "specialised"] } }' "$out/figure8.csv"
} >"$out/table3.md"
cat "$out/table3.md"

if ! command -v gnuplot >/dev/null; then
    apt-get -o DPkg::Lock::Timeout=300 install -y -qq gnuplot-nox >/dev/null 2>&1 || true
fi
if command -v gnuplot >/dev/null; then
    for s in "${sizes[@]}"; do
        awk -F, -v s="$s" 'NR > 1 && $2 == s && $3 == "specialised" { print $1, $6 }' "$out/figure8.csv" >"spec.$s"
        awk -F, -v s="$s" 'NR > 1 && $2 == s && $3 == "looped" { print $1, $6 }' "$out/figure8.csv" >"loop.$s"
    done
    gnuplot <<EOF
set terminal png size 800,500
set output "$out/figure8.png"
set title "copy.c: time of the clustered build / time of the original (median of $runs runs)"
set xlabel "block size (bytes)"
set ylabel "time ratio"
set logscale x 2
set key outside right
set grid
plot "spec.81920" with linespoints title "specialised, 80 KiB", \
     "spec.947200" with linespoints title "specialised, 925 KiB", \
     "spec.2390753" with linespoints title "specialised, 2.28 MiB", \
     "loop.81920" with linespoints dashtype 2 title "looped (direct), 80 KiB", \
     "loop.947200" with linespoints dashtype 2 title "looped (direct), 925 KiB", \
     "loop.2390753" with linespoints dashtype 2 title "looped (direct), 2.28 MiB", \
     1 with lines lc rgb "black" title "original"
EOF
    echo "bench-table3: plot in $out/figure8.png"
else
    echo "bench-table3: gnuplot is not installed and could not be: no plot (the data is in $out/figure8.csv)"
fi
