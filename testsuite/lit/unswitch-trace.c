// A copy loop that traces each block behind an option set before it (`if (verbose)
// fprintf(..)`) before a write-all helper: the trace's way leaves the path from the read to
// the write and comes back to it, and its join heads the helper's loop, which no copy of the
// join may enter a second time. transform/unswitch.rs unswitches the copy loop on the
// option: the loop without the trace (which becomes one looped multi-call) runs when the
// option is off, a copy of it with the trace when it is on. A test of a value the loop
// changes is left alone, and a loop with a call that may not be copied is refused with a
// remark. Both builds copy the same bytes and print the same trace, with and without the
// option, from a file whose last block is short, an empty one and a missing one.
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/copy-by-name.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.ll \
// RUN:   -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: FileCheck %s < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll
//
// REQUIRES: multicall
// RUN: %clang -O2 -g -DMAIN %s -o %t.orig
// RUN: %clang-cluster -O2 -g -DMAIN %s -o %t.clustered %multicall \
// RUN:   -mllvm -syscluster-profile=%inputs/copy-by-name.json
// RUN: head -c 10000 /dev/urandom > %t.in && : > %t.empty
// RUN: for args in "%t.in 0" "%t.in 1" "%t.empty 0" "%t.empty 1" "%t.missing 0"; do \
// RUN:   rm -f %t.o.orig %t.o.clustered; \
// RUN:   %t.orig $args %t.o.orig > %t.out.orig 2>&1; echo "status $?" >> %t.out.orig; \
// RUN:   %t.clustered $args %t.o.clustered > %t.out.clustered 2>&1; echo "status $?" >> %t.out.clustered; \
// RUN:   cmp %t.out.orig %t.out.clustered || exit 1; \
// RUN:   if [ -e %t.o.orig ]; then cmp %t.o.orig %t.o.clustered || exit 1; fi; \
// RUN: done

#include <stdio.h>
#include <unistd.h>

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w < 0)
			return -1;
		p += w;
		n -= w;
	}
	return 0;
}

// REMARK-DAG: remark: {{.*}}unswitch-trace.c:[[#@LINE+13]]:{{[0-9]+}}: unswitched the loop on '%{{[0-9]+}} = icmp {{eq|ne}} i32 %{{[0-9]+}}, 0', which has the same value in every iteration
// REMARK-DAG: remark: {{.*}}unswitch-trace.c:[[#@LINE+11]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write
// CHECK-LABEL: define {{.*}} @traced_copy(
// CHECK: br i1 %{{[a-z0-9.]+}}, label %.ph, label %.ph.unsw
// CHECK: call i64 @multicall_loop
// CHECK: .ph.unsw:
// CHECK: call {{.*}} @fprintf(
__attribute__((noinline)) long traced_copy(int in, int out, int verbose)
{
	static char buf[4096];
	ssize_t n;

	while ((n = read(in, buf, sizeof buf)) > 0) {
		if (verbose)
			fprintf(stderr, "read %zd\n", n);
		if (write_all(out, buf, n) < 0)
			return -1;
	}
	return n;
}

// The trace depends on the read's result: no value the loop leaves alone, nothing to
// unswitch on, and the loop stays as it is.
// CHECK-LABEL: define {{.*}} @traced_short(
// CHECK-NOT: .unsw
// CHECK: ret i64
__attribute__((noinline)) long traced_short(int in, int out)
{
	static char buf[4096];
	ssize_t n;

	while ((n = read(in, buf, sizeof buf)) > 0) {
		if (n < (ssize_t)sizeof buf)
			fprintf(stderr, "short %zd\n", n);
		if (write_all(out, buf, n) < 0)
			return -1;
	}
	return n;
}

// A call that may not be copied in the loop: refused, with the reason.
__attribute__((noduplicate, noinline)) void count_block(void);

// REMARK-DAG: remark: {{.*}}unswitch-trace.c:[[#@LINE+10]]:{{[0-9]+}}: did not unswitch the loop on '%{{[0-9]+}} = icmp {{eq|ne}} i32 %{{[0-9]+}}, 0': the loop has a call that may not be copied
// CHECK-LABEL: define {{.*}} @traced_counted(
// CHECK-NOT: .unsw
// CHECK: ret i64
__attribute__((noinline)) long traced_counted(int in, int out, int verbose)
{
	static char buf[4096];
	ssize_t n;

	while ((n = read(in, buf, sizeof buf)) > 0) {
		if (verbose)
			fprintf(stderr, "read %zd\n", n);
		count_block();
		if (write_all(out, buf, n) < 0)
			return -1;
	}
	return n;
}

#ifdef MAIN
#include <fcntl.h>
#include <stdlib.h>

static long blocks;

void count_block(void)
{
	blocks++;
}

// IN VERBOSE OUT: copies IN to OUT (tracing each block with VERBOSE 1) three times, through
// each of the functions above.
int main(int argc, char **argv)
{
	if (argc != 4)
		return 2;
	int verbose = atoi(argv[2]);
	long r[3];
	for (int k = 0; k < 3; k++) {
		int in = open(argv[1], O_RDONLY);
		if (in < 0) {
			perror(argv[1]);
			return 1;
		}
		int out = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (out < 0) {
			perror(argv[3]);
			return 1;
		}
		r[k] = k == 0 ? traced_copy(in, out, verbose)
		       : k == 1 ? traced_short(in, out)
				: traced_counted(in, out, verbose);
		close(in);
		close(out);
	}
	printf("%ld %ld %ld %ld\n", r[0], r[1], r[2], blocks);
	return r[0] < 0;
}
#endif
