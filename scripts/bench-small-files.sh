#!/usr/bin/env bash
# Benchmark of plain batches on a kernel without the module (measures, never asserts; not part
# of the tests).
#
#   scripts/bench-small-files.sh [FILES] [RUNS]      (defaults: 20000 11)
#
# A C program (below) reads the first 4 KiB of FILES small files (1 to 3000 bytes, under
# build/) with open -> fstat -> read -> close per file, each checked: one plain batch of four
# entries per file once clustered. It is profiled with `syscluster record` on 1000 files and
# built with `syscluster build`, then the original and the clustered build run alternately
# RUNS times each, the clustered one under the automatic choice (which, without the module,
# clears multicall_batches_pay: the program makes the calls itself) and with
# MULTICALL_BACKEND=direct (the batch through the runtime, one call at a time). Prints the
# median wall time of each and its kernel crossings (perf stat -e raw_syscalls:sys_enter),
# both as ratios to the original; the outputs must be the same.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
cd "$root"
files=${1:-20000}
runs=${2:-11}
cargo build --release --locked 2>&1 | tail -n 1
syscluster=$target/release/syscluster
mkdir -p build
work=$(mktemp -d "$root/build/bench-small-files.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"

cat >smallfiles.c <<'EOF'
/* smallfiles DIR N: reads the first 4 KiB of DIR/0 .. DIR/N-1 (open, fstat, read, close,
 * each checked) and prints the bytes read plus the non-empty files. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char buf[4096];

int main(int argc, char *argv[])
{
	if (argc != 3)
		return 2;
	long n = atol(argv[2]), total = 0;
	char path[4096];
	for (long i = 0; i < n; i++) {
		snprintf(path, sizeof path, "%s/%ld", argv[1], i);
		int fd = open(path, O_RDONLY);
		if (fd < 0) {
			perror(path);
			return 1;
		}
		struct stat st;
		if (fstat(fd, &st) < 0) {
			perror("fstat");
			return 1;
		}
		ssize_t got = read(fd, buf, sizeof buf);
		if (got < 0) {
			perror("read");
			return 1;
		}
		total += got + (st.st_size > 0);
		if (close(fd) < 0) {
			perror("close");
			return 1;
		}
	}
	printf("%ld\n", total);
	return 0;
}
EOF
mkdir files
for ((i = 0; i < files; i++)); do printf '%*s' $((i % 3000 + 1)) x >"files/$i"; done
clang-19 -O2 -g smallfiles.c -o smallfiles.orig
"$syscluster" record -o sf.prof.json -- ./smallfiles.orig files 1000 >/dev/null
"$syscluster" build --profile sf.prof.json -- clang-19 -O2 -g smallfiles.c -o smallfiles.clustered 2>&1 |
    grep -E 'clustered [0-9]+ system calls' || { echo "bench-small-files: no cluster formed" >&2; exit 1; }

ways=(orig: clustered:auto clustered:direct)
expected=$(./smallfiles.orig files "$files")
for ((r = 0; r < runs; r++)); do
    for w in "${ways[@]}"; do
        bin=${w%%:*} backend=${w#*:}
        start=$(date +%s%N)
        got=$(env ${backend:+MULTICALL_BACKEND=$backend} "./smallfiles.$bin" files "$files")
        end=$(date +%s%N)
        [ "$got" = "$expected" ] || { echo "bench-small-files: $w printed $got, not $expected" >&2; exit 1; }
        echo $(((end - start) / 1000)) >>"times.${w%%:*}.${backend:-none}"
    done
done
median() { sort -n "$1" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
crossings() { # bin backend
    env ${2:+MULTICALL_BACKEND=$2} perf stat -x, -e raw_syscalls:sys_enter "./smallfiles.$1" files "$files" 2>&1 >/dev/null |
        awk -F, '/raw_syscalls:sys_enter/ { print $1 }'
}
base_t=$(median times.orig.none)
base_c=$(crossings orig "")
echo "| build | median ms | x original | crossings | x original |"
echo "|---|---:|---:|---:|---:|"
for w in "${ways[@]}"; do
    bin=${w%%:*} backend=${w#*:}
    t=$(median "times.$bin.${backend:-none}")
    c=$(crossings "$bin" "$backend")
    awk -v w="$bin${backend:+ ($backend)}" -v t="$t" -v c="$c" -v bt="$base_t" -v bc="$base_c" \
        'BEGIN { printf "| %s | %.1f | %.3f | %d | %.4f |\n", w, t / 1000, t / bt, c, c / bc }'
done
echo "($files files, $runs alternating runs each, wall time of the process)"
