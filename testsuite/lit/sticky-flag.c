/*
 * A copy loop that warns once about a partial read when asked to (coreutils dd's
 * `warn_partial_read`: set from the options before the loop, cleared by the loop after its
 * warning, never set by it). globals.rs keeps the flag in a register; the loop only ever
 * sets it to 0, so transform/unswitch.rs versions the loop on the value it comes in with:
 * where it comes in as 0, it is 0 in every iteration, its test is decided and the loop is
 * one looped multi-call; a copy of the loop runs where it comes in set. The copy is not
 * versioned again. Both builds copy the same bytes and print the same warning and count,
 * with and without the warning asked for, from a file (its last block short), a pipe, a
 * missing file and into a full device.
 *
 * REQUIRES: multicall
 * RUN: %clang -O2 -g -S -emit-llvm %s -o %t.before.ll
 * RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/copy-by-name.json>' \
 * RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
 * RUN:   -S %t.before.ll -o %t.after.ll 2> %t.remarks
 * RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
 * RUN: FileCheck %s --check-prefix=AFTER < %t.after.ll
 * RUN: opt -passes=verify -disable-output %t.after.ll
 *
 * REMARK: remark: {{.*}}sticky-flag.c:[[#LOOP:]]:15: versioned the loop on '%{{[.a-z0-9]+}} = phi i8 {{.*}}', which the loop only ever sets to 0: the loop, in which it is 0 in every iteration and the tests of it are decided, runs when it comes in as 0, a copy of it otherwise
 * REMARK-NOT: versioned the loop
 * REMARK: remark: {{.*}}sticky-flag.c:[[#LOOP]]:15: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries %{{[0-9]+}} (counter); its buffers are dead after the loop
 *
 * The flag's value on the way in picks the loop: the loop without the warning, then the copy.
 * AFTER-LABEL: define internal {{.*}} @copy(
 * AFTER: %[[IS:[.a-z0-9]+]].is = icmp eq i8 %{{[.a-z0-9]+}}, 0
 * AFTER-NEXT: br i1 %[[IS]].is, label %{{[.a-z0-9]+}}, label %{{[.a-z0-9]+}}.unsw
 * AFTER: call i64 @multicall_loop
 * AFTER: call {{.*}} @fprintf(
 * AFTER: }
 *
 * RUN: %clang -O2 %t.before.ll -o %t.before
 * RUN: %clang -O2 %t.after.ll -o %t.after %multicall
 * RUN: head -c 10000 /dev/urandom > %t.in && rm -f %t.missing
 * RUN: for args in "%t.in 0" "%t.in 1" "%t.missing 0"; do \
 * RUN:   set -- $args; rm -f %t.o.before %t.o.after; \
 * RUN:   %t.before $1 %t.o.before $2 > %t.out.before 2>&1; echo "status $?" >> %t.out.before; \
 * RUN:   %t.after $1 %t.o.after $2 > %t.out.after 2>&1; echo "status $?" >> %t.out.after; \
 * RUN:   cmp %t.out.before %t.out.after || exit 1; \
 * RUN:   if [ -e %t.o.before ]; then cmp %t.o.before %t.o.after || exit 1; fi; \
 * RUN: done
 * RUN: for mode in 0 1; do \
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
static _Bool warn_partial;
static long blocks, partial;

__attribute__((noinline)) static int copy(int in, int out)
{
	for (;;) {
		ssize_t n = read(in, buf, BS);
		if (n == 0)
			return 0;
		if (n < 0) {
			perror("read");
			return 1;
		}
		if (warn_partial && n < BS) {
			warn_partial = 0;
			fprintf(stderr, "warning: partial read of %zd bytes\n", n);
		}
		if (write(out, buf, n) != n) {
			perror("write");
			return 1;
		}
		blocks++;
	}
}

int main(int argc, char **argv)
{
	if (argc != 4)
		return 2;
	warn_partial = atoi(argv[3]);
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
	fprintf(stderr, "%ld blocks\n", blocks);
	return status;
}
