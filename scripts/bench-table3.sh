#!/usr/bin/env bash
# The paper's Table 3 and Figure 8 on this machine (measures, never asserts; not a test).
#
#   scripts/bench-table3.sh [RUNS] [OUT_DIR]           host   (defaults: 10 build/bench-table3)
#   scripts/bench-table3.sh --guest [RUNS] [OUT_DIR]   guest  (defaults: 5 build/bench-table3)
#
# testsuite/programs/copy.c built with each block size N of 512 B to 16 KiB (-DN=...), with
# clang-19 -O2 -g (the original) and through `syscluster build` with a profile recorded on that
# build (the copy loop becomes one looped multi-call whose buffer is dead).
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
# each file size.
#
# --guest runs the same builds inside a qemu guest with multicall.ko loaded
# (scripts/qemu-run.sh, Debian's kernel), MULTICALL_BACKEND=kmod: `looped` is then the module
# running the whole copy loop as one looped multi-call (MULTICALL_COPY=0), `specialised` the
# runtime's copy_file_range on the same backend. Crossings are counted with strace -f -c (no
# perf in the guest), times with the guest's clock under qemu's emulation (TCG here): their
# ratios compare the builds with each other, not with real hardware. Files: table3-guest.md,
# figure8-guest.csv, figure8-guest.png.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
guest=0
if [ "${1:-}" = --guest ]; then
    guest=1
    shift
fi
if [ "$guest" = 1 ]; then
    runs=${1:-5}
    suffix=-guest
else
    runs=${1:-10}
    suffix=
fi
out=${2:-build/bench-table3}
target=${CARGO_TARGET_DIR:-target}
case "$target" in /*) ;; *) target=$root/$target ;; esac
cargo build --release --locked -p multicall -p syscluster-pass -p syscluster-cli 2>&1 | tail -n 1
syscluster=$target/release/syscluster
if [ "$guest" = 0 ] && ! perf stat -x, -e raw_syscalls:sys_enter -- true >/dev/null 2>&1; then
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

# Build both versions of copy.c for every block size.
for n in "${blocks[@]}"; do
    clang-19 -O2 -g -DN="$n" -o "copy.$n" "$root/testsuite/programs/copy.c"
    "$syscluster" record -o "copy.$n.json" -- "./copy.$n" train train.out 2>/dev/null
    # Built as users build: through `syscluster build`, which links its own copy of the
    # runtime archive (no libgcc_s, docs/runtime.md).
    "$syscluster" build --profile "copy.$n.json" -- \
        sh -c "\$CC -O2 -g -DN=$n -o copy.$n.clustered '$root/testsuite/programs/copy.c'" >"remarks.$n" 2>&1
    grep -Eq '\([1-9][0-9]* looped multi-call' "remarks.$n" || {
        echo "bench-table3: the copy loop at N=$n is not a looped multi-call (remarks.$n):" >&2
        cat "remarks.$n" >&2
        exit 1
    }
done

# timed PROGRAM ARGS...: runs PROGRAM (stdout to /dev/null) and prints its wall time in
# microseconds, fork to exit; the guest's busybox `date` has no nanoseconds.
cat >timed.c <<'TIMED'
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char *argv[])
{
	struct timespec a, b;
	int status;
	pid_t pid;

	if (argc < 2) {
		fprintf(stderr, "usage: timed PROGRAM ARGS...\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &a);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return 2;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null < 0 || dup2(null, 1) < 0) {
			perror("/dev/null");
			_exit(127);
		}
		execvp(argv[1], argv + 1);
		perror(argv[1]);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0) {
		perror("waitpid");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &b);
	printf("%lld\n", (long long)(b.tv_sec - a.tv_sec) * 1000000 + (b.tv_nsec - a.tv_nsec) / 1000);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}
TIMED
clang-19 -O2 -o timed timed.c

# measure: writes figure8.csv in the current directory. The same commands run on the host
# (perf stat counts crossings) and in the guest (busybox sh, strace -c counts them), so they
# stay POSIX sh.
cat >measure.sh <<'MEASURE'
#!/bin/sh
# measure RUNS COUNTER BLOCKS... -- SIZES...
set -e
cd "$(dirname "$0")"
runs=$1
counter=$2
shift 2
blocks=
while [ "$1" != -- ]; do blocks="$blocks $1"; shift; done
shift
sizes=$*
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b ? a / b : 0) }'; }
# crossings PROGRAM...: kernel crossings of one run.
crossings() {
    if [ "$counter" = perf ]; then
        perf stat -x, -e raw_syscalls:sys_enter -o perf.txt -- "$@" >/dev/null
        awk -F, '/raw_syscalls:sys_enter/ { print $1 }' perf.txt
    else
        strace -f -c -o strace.txt "$@" >/dev/null
        awk '$NF == "total" { print $(NF-2) ~ /^[0-9]+$/ ? $(NF-2) : $(NF-1) }' strace.txt | head -n 1
    fi
}
echo "block,size,way,median_us,crossings,time_ratio,crossings_ratio" >figure8.csv
for n in $blocks; do
    for s in $sizes; do
        : >t.original
        : >t.looped
        : >t.specialised
        i=0
        while [ "$i" -lt "$runs" ]; do
            ./timed "./copy.$n" "in.$s" out.original >>t.original
            MULTICALL_COPY=0 ./timed "./copy.$n.clustered" "in.$s" out.looped >>t.looped
            ./timed "./copy.$n.clustered" "in.$s" out.specialised >>t.specialised
            i=$((i + 1))
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
            echo "$n,$s,$way,$t,$x,$(ratio "$t" "$base_t"),$(ratio "$x" "$base_x")" >>figure8.csv
        done
        rm -f out.original out.looped out.specialised
    done
    echo "bench-table3: N=$n done"
done
# The guest's files vanish with it: the figures leave through the output.
sed 's/^/csv|/' figure8.csv
MEASURE
chmod +x measure.sh

if [ "$guest" = 0 ]; then
    ./measure.sh "$runs" perf "${blocks[@]}" -- "${sizes[@]}" | grep -v '^csv|'
    looped_label="looped, call by call (direct)"
    looped_plot="looped (direct)"
    where="$(uname -srm), $(date -u +%Y-%m-%d): medians of $runs alternating runs of whole processes"
else
    files=()
    for n in "${blocks[@]}"; do files+=(--file "$work/copy.$n" --file "$work/copy.$n.clustered"); done
    for s in "${sizes[@]}"; do files+=(--file "$work/in.$s"); done
    "$root/scripts/qemu-run.sh" --timeout 3000 --env MULTICALL_BACKEND=kmod \
        --file "$(command -v strace)" --file "$work/measure.sh" --file "$work/timed" "${files[@]}" \
        -- "$work/measure.sh" "$runs" strace "${blocks[@]}" -- "${sizes[@]}" | tee guest.log
    sed -n 's/^csv|//p' guest.log | tr -d '\r' >figure8.csv
    grep -q '^16384,' figure8.csv || {
        echo "bench-table3: the guest run did not finish (its output is above)" >&2
        exit 1
    }
    looped_label="looped multi-call on the module"
    looped_plot="looped (module)"
    where="a qemu guest (TCG) of this machine running Debian's $(ls /boot/vmlinuz-* | sed 's|.*/vmlinuz-||' | sort -V | tail -n 1) with multicall.ko, MULTICALL_BACKEND=kmod, $(date -u +%Y-%m-%d): medians of $runs alternating runs of whole processes under emulation; crossings by strace -c"
fi
cp figure8.csv "$out/figure8$suffix.csv"
guest_flag=
[ "$guest" = 1 ] && guest_flag=" --guest"

label() { case $1 in 81920) echo "80 KiB" ;; 947200) echo "925 KiB" ;; *) echo "2.28 MiB" ;; esac; }
{
    if [ "$guest" = 1 ]; then echo "# Table 3 and Figure 8 in a guest with the module"; else echo "# Table 3 and Figure 8 on this machine"; fi
    echo
    echo "\`scripts/bench-table3.sh${guest_flag} $runs\` on $where; time and crossings as ratios to the original."
    echo
    echo "## Table 3: block size 4096"
    echo
    echo "| file size | original µs (crossings) | $looped_label: time, crossings | specialised (copy_file_range): time, crossings |"
    echo "|---|---|---|---|"
    for s in "${sizes[@]}"; do
        awk -F, -v s="$s" -v l="$(label "$s")" '
            $1 == 4096 && $2 == s { t[$3] = $4; x[$3] = $5; tr[$3] = $6; xr[$3] = $7 }
            END { printf "| %s | %d (%d) | %sx, %sx | %sx, %sx |\n", l, t["original"], x["original"], tr["looped"], xr["looped"], tr["specialised"], xr["specialised"] }' "$out/figure8$suffix.csv"
    done
    echo
    echo "## Figure 8: every block size (time ratio to the original; crossings ratio)"
    echo
    echo "| block | file size | looped | specialised |"
    echo "|---|---|---|---|"
    awk -F, 'NR > 1 && $3 != "original" { k = $1 "," $2; v[k, $3] = $6 "x (" $7 "x)"; if (!(k in seen)) { seen[k] = 1; order[++n] = k } }
        END { for (i = 1; i <= n; i++) { split(order[i], p, ","); l = (p[2] == 81920 ? "80 KiB" : (p[2] == 947200 ? "925 KiB" : "2.28 MiB")); printf "| %d | %s | %s | %s |\n", p[1], l, v[order[i], "looped"], v[order[i], "specialised"] } }' "$out/figure8$suffix.csv"
} >"$out/table3$suffix.md"
cat "$out/table3$suffix.md"

if ! command -v gnuplot >/dev/null; then
    apt-get -o DPkg::Lock::Timeout=300 install -y -qq gnuplot-nox >/dev/null 2>&1 || true
fi
if command -v gnuplot >/dev/null; then
    for s in "${sizes[@]}"; do
        awk -F, -v s="$s" 'NR > 1 && $2 == s && $3 == "specialised" { print $1, $6 }' "$out/figure8$suffix.csv" >"spec.$s"
        awk -F, -v s="$s" 'NR > 1 && $2 == s && $3 == "looped" { print $1, $6 }' "$out/figure8$suffix.csv" >"loop.$s"
    done
    gnuplot <<EOF
set terminal png size 800,500
set output "$out/figure8$suffix.png"
set title "copy.c${suffix:+ in the guest}: clustered / original time, median of $runs runs"
set xlabel "block size (bytes)"
set ylabel "time ratio"
set logscale x 2
set key outside right
set grid
plot "spec.81920" with linespoints title "specialised, 80 KiB", \
     "spec.947200" with linespoints title "specialised, 925 KiB", \
     "spec.2390753" with linespoints title "specialised, 2.28 MiB", \
     "loop.81920" with linespoints dashtype 2 title "$looped_plot, 80 KiB", \
     "loop.947200" with linespoints dashtype 2 title "$looped_plot, 925 KiB", \
     "loop.2390753" with linespoints dashtype 2 title "$looped_plot, 2.28 MiB", \
     1 with lines lc rgb "black" title "original"
EOF
    echo "bench-table3: plot in $out/figure8$suffix.png"
else
    echo "bench-table3: gnuplot is not installed and could not be: no plot (the data is in $out/figure8$suffix.csv)"
fi
