/*
 * GNU dd's iread with a block size given at run time: after a short read it processes
 * signals (`if (0 < n && n < size)`), then warns about the previous partial read once
 * (`if (0 < n && warn_partial_read)`, a flag the loop only clears). clang leaves the second
 * test as `n != 0` on its own after the first, with both ways coming back to the write:
 * where the read moved a whole block the first test goes on, and the second is decided only
 * for a size above zero (`resume::Pin::Positive`). The loop is versioned on the flag and is
 * one looped multi-call whose read stops on "result != argument 2, when it is positive":
 * the batch checks the size first (`%mc.negarg`) and a size of 0 runs the original loop,
 * whose read returns 0 and ends it. Both builds copy the same bytes and say the same, with
 * and without the warning, at sizes 0, 1, 3000 and 4096, from a file and from a pipe of
 * short pieces.
 *
 * REQUIRES: multicall
 * RUN: %clang -O2 -g -S -emit-llvm %s -o %t.before.ll
 * RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/copy-by-name.json>' \
 * RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
 * RUN:   -S %t.before.ll -o %t.after.ll 2> %t.remarks
 * RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
 * RUN: FileCheck %s < %t.after.ll
 * RUN: opt -passes=verify -disable-output %t.after.ll
 *
 * REMARK: remark: {{.*}}looped-dd-iread-size.c:{{[0-9]+}}:{{[0-9]+}}: versioned the loop on
 * REMARK: remark: {{.*}}looped-dd-iread-size.c:{{[0-9]+}}:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result != argument 2, when it is positive, result != argument 2;
 *
 * CHECK-LABEL: define {{.*}} @main(
 * CHECK: [[NEG:%mc.negarg[0-9]*]] = icmp slt i64 %{{[0-9a-z.]+}}, 1
 * CHECK-NEXT: %mc.loop.original = or i1 [[NEG]],
 * CHECK: call i64 @multicall_loop(
 * The copy of the loop that warns: a straight batch per iteration, ended after the read
 * where the size is 0.
 * CHECK: %mc.negarg = icmp slt i64 %{{[0-9a-z.]+}}, 1
 * CHECK-NEXT: %mc.count = select i1 %mc.negarg, i32 1, i32 2
 *
 * RUN: %clang -O2 %t.before.ll -o %t.before
 * RUN: %clang -O2 %t.after.ll -o %t.after %multicall
 * RUN: head -c 100000 /dev/urandom > %t.in
 * RUN: for bs in 0 1 3000 4096; do for warn in "" w; do \
 * RUN:   rm -f %t.o.before %t.o.after; \
 * RUN:   %t.before %t.in %t.o.before $bs $warn > %t.out.before 2>&1; echo "status $?" >> %t.out.before; \
 * RUN:   %t.after %t.in %t.o.after $bs $warn > %t.out.after 2>&1; echo "status $?" >> %t.out.after; \
 * RUN:   cmp %t.out.before %t.out.after && cmp %t.o.before %t.o.after || exit 1; \
 * RUN: done; done
 * RUN: for warn in "" w; do \
 * RUN:   (for i in 1 2 3 4 5; do head -c 3000 %t.in; sleep 0.05; done) | %t.before /dev/stdin %t.o.before 4096 $warn > %t.out.before 2>&1; \
 * RUN:   (for i in 1 2 3 4 5; do head -c 3000 %t.in; sleep 0.05; done) | %t.after /dev/stdin %t.o.after 4096 $warn > %t.out.after 2>&1; \
 * RUN:   cmp %t.out.before %t.out.after && cmp %t.o.before %t.o.after || exit 1; \
 * RUN: done
 * RUN: %t.after %t.in %t.o.after 4096 && cmp %t.in %t.o.after
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static char buf[65536];
static volatile sig_atomic_t interrupt_signal;
static _Bool warn_partial_read;
static long blocks;

static void process_signals(void)
{
	if (interrupt_signal) {
		fprintf(stderr, "interrupted\n");
		exit(1);
	}
}

static ssize_t iread(int fd, char *b, size_t size)
{
	static ssize_t prev_nread;
	ssize_t nread = read(fd, b, size);

	if (0 < nread && (size_t)nread < size)
		process_signals();
	if (0 < nread && warn_partial_read) {
		if (0 < prev_nread && (size_t)prev_nread < size) {
			fprintf(stderr, "warning: partial read (%zd bytes)\n", prev_nread);
			warn_partial_read = 0;
		}
	}
	prev_nread = nread;
	return nread;
}

int main(int argc, char **argv)
{
	size_t bs;
	int in, out;

	if (argc < 4)
		return 2;
	bs = strtoul(argv[3], 0, 10);
	if (bs > sizeof buf)
		return 2;
	warn_partial_read = argc > 4;
	in = open(argv[1], O_RDONLY);
	out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (in < 0 || out < 0) {
		perror("open");
		return 1;
	}
	for (;;) {
		ssize_t n = iread(in, buf, bs);
		if (n < 0) {
			perror("read");
			return 1;
		}
		if (n == 0)
			break;
		if (write(out, buf, n) != n) {
			perror("write");
			return 1;
		}
		blocks++;
	}
	printf("%ld blocks\n", blocks);
	return 0;
}
