#!/usr/bin/env bash
# The first "must be true" of issue 10, measured (never asserted; not a test):
#
#   scripts/bench-copy16.sh [RUNS] [OUT_FILE] [PROGRAM]
#       (defaults: 7 build/bench-copy16.md copy)
#
# testsuite/programs/PROGRAM.c (copy.c, or another program of the testsuite that takes IN OUT,
# creates OUT with `creat(argv[2], 0666)` and reads in blocks of N, e.g. unchecked.c) copies a 16 MiB file on the disk file system (under build/, which
# must not be a tmpfs) in blocks of 512 B and 4 KiB (-DN=...) into a file, a pipe and a
# socket, three ways, as whole processes (fork, exec, copy, exit), the ways alternating:
#
#   original   PROGRAM.c built with clang-19 -O2 -g;
#   clustered  the same source built by `syscluster build -p PROFILE -- sh -c '$CC ...'`, with a
#              profile recorded on the original (no module on the host: the direct backend and
#              the runtime's specialised copy);
#   kernel     a program that opens the same files and moves the whole input with
#              copy_file_range (file) or sendfile (pipe, socket) until done: the kernel's limit.
#
# Into a file, the program's OUT is the file. Into a pipe, OUT is /dev/stdout, a pipe this
# script's harness drains (1 MiB reads). A socket cannot be opened by path, so into a socket
# the programs are PROGRAM.c with `creat(argv[2], 0666)` replaced by `dup(1)` (built, profiled
# and clustered the same way), standard output being one end of a TCP connection over the
# loopback device whose other end the harness drains. Figures: the median wall time of RUNS processes (from
# fork to the harness's wait, the drain included; the order of the three rotates from round to
# round; before each, outside the timing, the output file is removed and `sync` writes back
# what earlier runs left, so no run pays for its predecessor) and the crossings of one more run of each
# (perf stat -e raw_syscalls:sys_enter on the copying process only), as ratios to the
# original; every output is compared with the input. Writes the table to OUT_FILE.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
runs=${1:-7}
out_file=${2:-build/bench-copy16.md}
program=${3:-copy}
source=$root/testsuite/programs/$program.c
[ -f "$source" ] || {
    echo "bench-copy16: no program testsuite/programs/$program.c" >&2
    exit 2
}
target=${CARGO_TARGET_DIR:-target}
case "$target" in /*) ;; *) target=$root/$target ;; esac
cargo build --release --locked -p multicall -p syscluster-pass -p syscluster-cli 2>&1 | tail -n 1
syscluster=$target/release/syscluster
if ! perf stat -x, -e raw_syscalls:sys_enter -- true >/dev/null 2>&1; then
    echo "bench-copy16: perf stat cannot count raw_syscalls:sys_enter here (scripts/setup.sh installs perf; run as root)" >&2
    exit 2
fi
mkdir -p build "$(dirname "$out_file")"
out_file=$(cd "$(dirname "$out_file")" && pwd)/$(basename "$out_file")
work=$(mktemp -d "$root/build/bench-copy16.XXXXXX")
trap 'rm -rf "$work"' EXIT
fs=$(stat -f -c %T "$work")
case $fs in tmpfs | ramfs)
    echo "bench-copy16: $work is on $fs; the issue's figure is for the disk file system" >&2
    exit 2
    ;;
esac
cd "$work"

cat >harness.c <<'EOF'
/* harness KIND SAVE PROG ARGS...: runs PROG with its standard output a pipe (KIND pipe), a
 * TCP connection over the loopback device (socket) or this process's own (file); drains the pipe or socket in
 * 1 MiB reads, into SAVE unless SAVE is "-"; prints the microseconds from fork to the end
 * (EOF and exit); exits 1 when PROG did not exit 0. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char buf[1 << 20];

int main(int argc, char *argv[])
{
	struct timespec t0, t1;
	int fds[2] = { -1, -1 }, save = -1, status;
	pid_t pid;
	ssize_t n;

	if (argc < 4)
		return 2;
	if (strcmp(argv[2], "-") && (save = creat(argv[2], 0644)) < 0) {
		perror(argv[2]);
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!strcmp(argv[1], "pipe") && pipe(fds) < 0)
		return 2;
	if (!strcmp(argv[1], "socket")) {
		/* A TCP connection over the loopback device: the runtime copies into TCP sockets
		 * only (docs/runtime.md). */
		struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
		socklen_t len = sizeof(a);
		int l = socket(AF_INET, SOCK_STREAM, 0);

		if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 1) < 0 ||
		    getsockname(l, (struct sockaddr *)&a, &len) < 0)
			return 2;
		fds[1] = socket(AF_INET, SOCK_STREAM, 0);
		if (fds[1] < 0 || connect(fds[1], (struct sockaddr *)&a, sizeof(a)) < 0)
			return 2;
		fds[0] = accept(l, NULL, NULL);
		if (fds[0] < 0)
			return 2;
		close(l);
	}
	pid = fork();
	if (pid < 0)
		return 2;
	if (pid == 0) {
		if (fds[1] >= 0) {
			dup2(fds[1], 1);
			close(fds[0]);
			close(fds[1]);
		}
		execvp(argv[3], argv + 3);
		_exit(127);
	}
	if (fds[1] >= 0) {
		close(fds[1]);
		while ((n = read(fds[0], buf, sizeof(buf))) > 0)
			if (save >= 0 && write(save, buf, n) != n)
				return 2;
	}
	if (waitpid(pid, &status, 0) < 0)
		return 2;
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("%lld\n", ((long long)(t1.tv_sec - t0.tv_sec) * 1000000000LL + (t1.tv_nsec - t0.tv_nsec)) / 1000);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : 1;
}
EOF
cat >kernel.c <<'EOF'
/* kernel IN OUT: copies IN to OUT (a path, or "-" for standard output) with copy_file_range
 * when OUT is a regular file, else sendfile, each call asking for all that is left. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

int main(int argc, char *argv[])
{
	struct stat in_st, out_st;
	int inp, out;
	ssize_t n;

	if (argc != 3)
		return 2;
	inp = open(argv[1], O_RDONLY);
	out = strcmp(argv[2], "-") ? creat(argv[2], 0666) : 1;
	if (inp < 0 || out < 0 || fstat(inp, &in_st) < 0 || fstat(out, &out_st) < 0) {
		perror("kernel");
		return 1;
	}
	for (off_t left = in_st.st_size; left > 0; left -= n) {
		n = S_ISREG(out_st.st_mode) ? copy_file_range(inp, NULL, out, NULL, left, 0)
					    : sendfile(out, inp, NULL, left);
		if (n <= 0) {
			perror("kernel");
			return 1;
		}
	}
	return 0;
}
EOF
clang-19 -O2 -o harness harness.c
clang-19 -O2 -o kernel kernel.c
sed 's/creat(argv\[2\], 0666)/dup(1)/' "$source" >copyfd.c
grep -q 'out = dup(1);' copyfd.c || {
    echo "bench-copy16: $program.c has no 'out = creat(argv[2], 0666);' for this script to replace" >&2
    exit 1
}
cp "$source" copy.c

size=$((16 << 20))
head -c "$size" /dev/urandom >in
head -c $((1 << 20)) /dev/urandom >train
blocks=(512 4096)
for n in "${blocks[@]}"; do
    for prog in copy copyfd; do
        clang-19 -O2 -g -DN="$n" -o "$prog.$n" "$prog.c"
        if [ $prog = copy ]; then
            "$syscluster" record -o "$prog.$n.json" -- "./$prog.$n" train train.out 2>/dev/null
        else
            "$syscluster" record -o "$prog.$n.json" -- sh -c "./$prog.$n train x >train.out" 2>/dev/null
        fi
        "$syscluster" build -p "$prog.$n.json" --log "log.$prog.$n" -- \
            sh -c "\$CC -O2 -g -DN=$n -o $prog.$n.clustered $prog.c" >"build.$prog.$n" 2>&1
        grep -q 'whole loop into one looped multi-call' "log.$prog.$n/summary.txt" || {
            echo "bench-copy16: the loop of $program.c at N=$n is not a looped multi-call:" >&2
            cat "build.$prog.$n" >&2
            exit 1
        }
    done
done

# cmdline WAY N OUT: the command line of one way into output OUT (file, pipe, socket).
cmdline() {
    local way=$1 n=$2 out=$3 prog=copy dest=out.$1
    [ "$out" = pipe ] && dest=/dev/stdout
    [ "$out" = socket ] && prog=copyfd dest=x
    case $way in
    original) echo "./$prog.$n in $dest" ;;
    clustered) echo "./$prog.$n.clustered in $dest" ;;
    kernel) [ "$out" = file ] && echo "./kernel in $dest" || echo "./kernel in -" ;;
    esac
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b ? a / b : 0) }'; }

ways=(original clustered kernel)
outs=(file pipe socket)
: >results.csv
for n in "${blocks[@]}"; do
    for out in "${outs[@]}"; do
        for way in "${ways[@]}"; do : >"t.$way"; done
        # The order rotates from round to round, so each way follows each other equally.
        for round in $(seq "$runs"); do
            for k in "${!ways[@]}"; do
                way=${ways[$(((round + k) % ${#ways[@]}))]}
                # Each run starts from the same state: no output file to truncate and no
                # dirty pages of an earlier run to write back (outside the timing).
                rm -f "out.$way"
                sync
                # shellcheck disable=SC2046 # the command line is words
                ./harness "$out" - $(cmdline "$way" "$n" "$out") >>"t.$way"
            done
        done
        for way in "${ways[@]}"; do
            # Checked on a run of its own: the drain then also writes what it read.
            rm -f "out.$way" saved
            if [ "$out" = file ]; then
                # shellcheck disable=SC2046
                ./harness file - $(cmdline "$way" "$n" "$out") >/dev/null
                got=out.$way
            else
                # shellcheck disable=SC2046
                ./harness "$out" saved $(cmdline "$way" "$n" "$out") >/dev/null
                got=saved
            fi
            cmp -s in "$got" || {
                echo "bench-copy16: $way into a $out at N=$n: the output differs from the input" >&2
                exit 1
            }
            # shellcheck disable=SC2046
            ./harness "$out" - perf stat -x, -e raw_syscalls:sys_enter -o perf.txt -- \
                $(cmdline "$way" "$n" "$out") >/dev/null
            x=$(awk -F, '/raw_syscalls:sys_enter/ { print $1 }' perf.txt)
            echo "$n,$out,$way,$(median <"t.$way"),$x" >>results.csv
        done
        echo "bench-copy16: N=$n into a $out done"
    done
done
# Which operation the clustered build used, per output (strace, 4 KiB blocks).
for out in "${outs[@]}"; do
    # shellcheck disable=SC2046
    ./harness "$out" - strace -f -qq -c -o "strace.$out" $(cmdline clustered 4096 "$out") >/dev/null
    awk '$NF ~ /^(copy_file_range|sendfile|splice|read|write)$/ { printf "%s%s %s", sep, $NF, $4; sep = ", " }' "strace.$out" >"ops.$out"
done

{
    echo "\`scripts/bench-copy16.sh $runs ${2:-build/bench-copy16.md} $program\` ($program.c) on $(uname -srm), $(date -u +%Y-%m-%d), 16 MiB on $fs: median of $runs alternating whole-process runs; time and crossings as ratios to the original."
    echo
    echo "| block | into | original ms (crossings) | clustered: time, crossings | kernel: time, crossings | clustered / kernel time |"
    echo "|---|---|---|---|---|---|"
    awk -F, '{ t[$1, $2, $3] = $4; x[$1, $2, $3] = $5; if (!(($1, $2) in seen)) { seen[$1, $2] = 1; order[++k] = $1 SUBSEP $2 } }
        END {
            for (i = 1; i <= k; i++) {
                split(order[i], p, SUBSEP); o = order[i] SUBSEP
                to = t[o "original"]; xo = x[o "original"]
                printf "| %d | %s | %.1f (%d) | %.2fx, %.3fx | %.2fx, %.3fx | %.2f |\n", p[1], p[2], to / 1000, xo,
                    t[o "clustered"] / to, x[o "clustered"] / xo, t[o "kernel"] / to, x[o "kernel"] / xo,
                    t[o "clustered"] / t[o "kernel"]
            }
        }' results.csv
    echo
    for out in "${outs[@]}"; do
        echo "- into a $out, the clustered build at 4 KiB made (strace -c, calls): $(cat "ops.$out")"
    done
} >"$out_file.tmp"
mv "$out_file.tmp" "$out_file"
cat "$out_file"
