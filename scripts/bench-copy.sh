#!/usr/bin/env bash
# Benchmark of specialised copy loops (measures, never asserts; not part of the tests).
#
#   scripts/bench-copy.sh [SIZE_MIB] [RUNS] [OUT_FILE]   (defaults: 16 7 build/bench-copy.md)
#
# Copies a SIZE_MIB file (on the disk file system, under build/) in blocks of 512 and 4096
# bytes three ways, to a file, a pipe and a socket (a forked child drains the pipe and the
# socket):
#   plain   read/write loop, as testsuite/programs/copy.c does;
#   batch   the same loop as one looped batch through libmulticall with
#           MC_BATCH_DEAD_BUFFERS (multicall_loop_flags), as the pass lowers it, with
#           MULTICALL_BACKEND=direct (no module: the direct backend plus the specialisation);
#   kernel  the whole file in one copy_file_range (file), or sendfile calls of the whole
#           remaining size until done (pipe, socket: a pipe takes at most its capacity per
#           call): the kernel's own limit.
# Each configuration runs RUNS times, the ways alternating; the table gives the median
# copy time (clock_gettime around the copy, in the process) and the median kernel crossings
# of the copying process (perf stat -e raw_syscalls:sys_enter, children not counted), both
# also as ratios to the plain loop. Every output is compared with the input.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
size_mib=${1:-16}
runs=${2:-7}
out_file=${3:-build/bench-copy.md}
target=${CARGO_TARGET_DIR:-target}
case "$target" in /*) ;; *) target=$root/$target ;; esac
cargo build --release -p multicall --locked 2>&1 | tail -n 1
export PKG_CONFIG_PATH=$target/release${PKG_CONFIG_PATH:+:$PKG_CONFIG_PATH}
mkdir -p build
work=$(mktemp -d "$root/build/bench-copy.XXXXXX")
trap 'rm -rf "$work"' EXIT

cat >"$work/copybench.c" <<'EOF'
/* copybench WAY N IN OUTKIND OUTPATH: copies IN to OUTKIND (file OUTPATH, pipe, socket) in
 * blocks of N bytes the way WAY says; prints the copy's nanoseconds on stdout. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <arpa/inet.h>
#include <multicall.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* A child that reads fd until end of file, writing what it reads to path; it closes other,
 * the write end, so that end of file comes when the parent closes its copy. */
static pid_t drain(int fd, int other, const char *path)
{
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		static char buf[1 << 16];
		int out = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		ssize_t n;
		close(other);
		if (out < 0)
			die(path);
		while ((n = read(fd, buf, sizeof buf)) > 0)
			if (write(out, buf, n) != n)
				die("drain write");
		_exit(n < 0);
	}
	return pid;
}

/* A TCP connection over the loopback device, as a pipe's two ends: fds[0] reads, fds[1]
 * writes (the runtime copies into TCP sockets only, docs/runtime.md). */
static int tcp_pair(int fds[2])
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM, 0);

	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 1) < 0 ||
	    getsockname(l, (struct sockaddr *)&a, &len) < 0)
		return -1;
	fds[1] = socket(AF_INET, SOCK_STREAM, 0);
	if (fds[1] < 0 || connect(fds[1], (struct sockaddr *)&a, sizeof(a)) < 0)
		return -1;
	fds[0] = accept(l, NULL, NULL);
	close(l);
	return fds[0] < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	if (argc != 6) {
		fprintf(stderr, "usage: copybench plain|batch|kernel N IN file|pipe|socket OUTPATH\n");
		return 2;
	}
	const char *way = argv[1];
	size_t n = strtoul(argv[2], NULL, 10);
	int in = open(argv[3], O_RDONLY);
	int out;
	pid_t child = 0;
	char *buf = malloc(n);
	struct stat st;
	struct timespec t0, t1;

	if (in < 0 || !buf || fstat(in, &st) < 0)
		die(argv[3]);
	if (strcmp(argv[4], "file") == 0) {
		out = open(argv[5], O_WRONLY | O_CREAT | O_TRUNC, 0600);
	} else {
		int fds[2];
		if (strcmp(argv[4], "pipe") == 0 ? pipe(fds) : tcp_pair(fds))
			die("pipe/tcp_pair");
		child = drain(fds[0], fds[1], argv[5]);
		close(fds[0]);
		out = fds[1];
	}
	if (out < 0)
		die(argv[5]);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (strcmp(way, "plain") == 0) {
		ssize_t r;
		while ((r = read(in, buf, n)) > 0)
			if (write(out, buf, r) != r)
				die("write");
		if (r < 0)
			die("read");
	} else if (strcmp(way, "batch") == 0) {
		struct mc_entry e[2] = {
			{ .nr = SYS_read, .stop = MC_STOP_NONPOS, .args = { in, (long)buf, (long)n } },
			{ .nr = SYS_write, .stop = MC_STOP_NE_ARG, .stop_arg = 2, .refs = 1 << 2,
			  .args = { out, (long)buf, 0 } },
		};
		unsigned long iters;
		long stop;
		do
			stop = multicall_loop_flags(e, 2, ~0UL, &iters, MC_BATCH_DEAD_BUFFERS);
		while (stop == 2);
		if (stop < 0 || (stop == 0 && e[0].result < 0) || stop == 1)
			die("batch");
	} else {
		off_t left = st.st_size;
		while (left > 0) {
			ssize_t c = strcmp(argv[4], "file") == 0 ?
				copy_file_range(in, NULL, out, NULL, left, 0) :
				sendfile(out, in, NULL, left);
			if (c <= 0)
				die("kernel copy");
			left -= c;
		}
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	close(out);
	if (child) {
		int status;
		if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status))
			die("drain");
	}
	printf("%ld\n", (t1.tv_sec - t0.tv_sec) * 1000000000L + (t1.tv_nsec - t0.tv_nsec));
	return 0;
}
EOF
# shellcheck disable=SC2046
cc -O2 -o "$work/copybench" "$work/copybench.c" $(pkg-config --cflags --libs multicall)

head -c $((size_mib << 20)) /dev/urandom >"$work/in"
export MULTICALL_BACKEND=direct
have_perf=1
if ! perf stat -x, -e raw_syscalls:sys_enter -- true >/dev/null 2>&1; then
    have_perf=0
fi

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# run WAY N KIND -> "ns crossings" of one run, after checking the output
run() {
    local way=$1 n=$2 kind=$3 ns crossings=0
    if [ "$have_perf" = 1 ]; then
        ns=$(perf stat -i -x, -o "$work/perf" -e raw_syscalls:sys_enter -- \
            "$work/copybench" "$way" "$n" "$work/in" "$kind" "$work/out")
        crossings=$(awk -F, '/raw_syscalls:sys_enter/ { print $1 }' "$work/perf")
    else
        ns=$("$work/copybench" "$way" "$n" "$work/in" "$kind" "$work/out")
    fi
    cmp -s "$work/in" "$work/out" || { echo "bench-copy: $way $n $kind: output differs" >&2; exit 1; }
    echo "$ns $crossings"
}

ways=(plain batch kernel)
{
    echo "Copy of a ${size_mib} MiB file on $(df -T "$work" | awk 'NR == 2 { print $2 }'), $(uname -r), median of $runs alternating runs;"
    echo "time of the copy (in the process) and kernel crossings of the copying process (perf stat -e raw_syscalls:sys_enter), ratio to the plain loop."
    echo
    echo "| output | block | plain ms | batch ms | kernel ms | batch x plain | kernel x plain | batch / kernel | plain crossings | batch crossings | kernel crossings | batch x plain crossings |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
} >"$out_file"
for kind in file pipe socket; do
    for n in 512 4096; do
        for w in "${ways[@]}"; do : >"$work/$w.ns"; : >"$work/$w.cr"; done
        for _ in $(seq "$runs"); do
            for w in "${ways[@]}"; do
                read -r ns cr < <(run "$w" "$n" "$kind")
                echo "$ns" >>"$work/$w.ns"
                echo "$cr" >>"$work/$w.cr"
            done
        done
        declare -A t c
        for w in "${ways[@]}"; do
            t[$w]=$(median <"$work/$w.ns")
            c[$w]=$(median <"$work/$w.cr")
        done
        awk -v k="$kind" -v n="$n" -v tp="${t[plain]}" -v tb="${t[batch]}" -v tk="${t[kernel]}" \
            -v cp="${c[plain]}" -v cb="${c[batch]}" -v ck="${c[kernel]}" 'BEGIN {
            printf "| %s | %d | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %d | %d | %d | %.4f |\n",
                k, n, tp / 1e6, tb / 1e6, tk / 1e6, tb / tp, tk / tp, tb / tk, cp, cb, ck,
                (cp > 0 ? cb / cp : 0) }' >>"$out_file"
    done
done
cat "$out_file"
