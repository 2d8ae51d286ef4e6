/*
 * GNU dd's read in its own shape: iread retries EINTR, takes EINVAL after a short read for
 * the end of an O_DIRECT input, and keeps the last count (`prev_nread`); the copy loop goes
 * on after a failed read with conv=noerror, writing a block of zeros with conv=sync, which
 * also pads a short block. The loop is unswitched on the option tested between the calls
 * and is one looped multi-call, the last count carried (settled at the block size after
 * the first iteration). Both builds copy the same bytes and print the same record counts in
 * every mode, from a file whose last block is short, from a pipe, a missing file and into a
 * full device.
 *
 * REQUIRES: multicall
 * RUN: %clang -O2 -g -S -emit-llvm %s -o %t.before.ll
 * RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/copy-by-name.json>' \
 * RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
 * RUN:   -S %t.before.ll -o %t.after.ll 2> %t.remarks
 * RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
 * RUN: opt -passes=verify -disable-output %t.after.ll
 *
 * REMARK: remark: {{.*}}looped-dd-noerror.c:{{[0-9]+}}:{{[0-9]+}}: unswitched the loop on
 * REMARK: remark: {{.*}}looped-dd-noerror.c:{{[0-9]+}}:11: clustered the whole loop into one looped multi-call: read -> write {{.*}}(settled: 4096 after the first iteration)
 *
 * RUN: %clang -O2 %t.before.ll -o %t.before
 * RUN: %clang -O2 %t.after.ll -o %t.after %multicall
 * RUN: head -c 10000 /dev/urandom > %t.in && rm -f %t.missing
 * RUN: for mode in 0 1 2 3 4 5 6 7; do \
 * RUN:   for src in %t.in %t.missing; do \
 * RUN:     rm -f %t.o.before %t.o.after; \
 * RUN:     %t.before $src %t.o.before $mode > %t.out.before 2>&1; echo "status $?" >> %t.out.before; \
 * RUN:     %t.after $src %t.o.after $mode > %t.out.after 2>&1; echo "status $?" >> %t.out.after; \
 * RUN:     cmp %t.out.before %t.out.after || exit 1; \
 * RUN:     if [ -e %t.o.before ]; then cmp %t.o.before %t.o.after || exit 1; fi; \
 * RUN:   done; \
 * RUN:   (printf abc; sleep 0.2; cat %t.in) | %t.before /dev/stdin %t.o.before $mode > %t.out.before 2>&1; \
 * RUN:   (printf abc; sleep 0.2; cat %t.in) | %t.after /dev/stdin %t.o.after $mode > %t.out.after 2>&1; \
 * RUN:   cmp %t.out.before %t.out.after && cmp %t.o.before %t.o.after || exit 1; \
 * RUN:   %t.before %t.in /dev/full $mode > %t.full.before 2>&1; echo "status $?" >> %t.full.before; \
 * RUN:   %t.after %t.in /dev/full $mode > %t.full.after 2>&1; echo "status $?" >> %t.full.after; \
 * RUN:   cmp %t.full.before %t.full.after || exit 1; \
 * RUN: done
 * RUN: %t.after %t.in %t.o.after 0 && cmp %t.in %t.o.after
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BS 4096
static char buf[BS];
static int noerror, sync_zeros, direct;
static ssize_t prev_nread;
static long r_full, r_partial;

static ssize_t iread(int fd, char *p, size_t size)
{
	ssize_t nread;

	do {
		nread = read(fd, p, size);
		if (nread == -1 && errno == EINVAL && 0 < prev_nread && (size_t)prev_nread < size &&
		    direct) {
			errno = 0;
			nread = 0;
		}
	} while (nread < 0 && errno == EINTR);
	prev_nread = nread;
	return nread;
}

static size_t write_all(int fd, const char *p, size_t size)
{
	size_t done = 0;

	while (done < size) {
		ssize_t n = write(fd, p + done, size - done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		done += n;
	}
	return done;
}

__attribute__((noinline)) static int copy(int in, int out)
{
	for (;;) {
		ssize_t nread = iread(in, buf, BS);
		if (nread == 0)
			return 0;
		if (nread < 0) {
			perror("reading");
			if (!noerror)
				return 1;
			if (!sync_zeros)
				continue;
			nread = 0;
		}
		if (nread < BS) {
			r_partial++;
			if (sync_zeros) {
				memset(buf + nread, 0, BS - nread);
				nread = BS;
			}
		} else
			r_full++;
		if (write_all(out, buf, nread) != (size_t)nread) {
			perror("writing");
			return 1;
		}
	}
}

int main(int argc, char **argv)
{
	if (argc != 4)
		return 2;
	int mode = atoi(argv[3]);
	noerror = mode & 1;
	sync_zeros = mode & 2;
	direct = mode & 4;
	int in = open(argv[1], O_RDONLY);
	if (in < 0) {
		perror(argv[1]);
		return 1;
	}
	int out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0) {
		perror(argv[2]);
		return 1;
	}
	int status = copy(in, out);
	fprintf(stderr, "%ld+%ld records\n", r_full, r_partial);
	return status;
}
