// A call's argument chosen by a flag set before the calls (dd's conv=sync written as the
// write's length, `len = sync ? bs : n`): the write's argument is a `select` computed after
// the read, which argument safety refuses. transform/chosen_argument.rs makes the choice a
// branch to a copy of the write for each value; on the way without padding the write takes
// the read's result, and read -> write is one multi-call guarded by the flag (the other way
// is the original code). The uses of the choice after the write (`w != len`) read a phi of
// the two values. Both builds copy the same bytes with and without the flag, from a file
// whose last block is short and from an empty one.
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
// RUN: for args in "%t.in 1000 0" "%t.in 1000 1" "%t.in 2 1" "%t.empty 1000 1" "%t.missing 5 0"; do \
// RUN:   rm -f %t.o.orig %t.o.clustered; \
// RUN:   %t.orig $args %t.o.orig > %t.out.orig 2>&1; echo "status $?" >> %t.out.orig; \
// RUN:   %t.clustered $args %t.o.clustered > %t.out.clustered 2>&1; echo "status $?" >> %t.out.clustered; \
// RUN:   cmp %t.out.orig %t.out.clustered || exit 1; \
// RUN:   if [ -e %t.o.orig ]; then cmp %t.o.orig %t.o.clustered || exit 1; fi; \
// RUN: done

#include <unistd.h>

static long long in_full, in_partial;

// REMARK-DAG: remark: {{.*}}chosen-argument.c:[[#@LINE+19]]:{{[0-9]+}}: made the choice '%{{[0-9]+}} = select i1 %{{[0-9]+}}, i64 %{{[0-9]+}}, i64 4096' of argument 2 of 'write' at chosen-argument.c:[[#@LINE+19]]:{{[0-9]+}} a branch to a copy of the call for each value
// REMARK-DAG: remark: {{.*}}chosen-argument.c:[[#@LINE+12]]:{{[0-9]+}}: clustered 2 system calls into one multi-call: read -> write (stop: result <= 0, never; 1 result reference); it goes on after read only when %{{[0-9]+}} is zero
// CHECK-LABEL: define {{.*}} @padded_length(
// CHECK-DAG: call i64 @multicall(
// CHECK-DAG: br i1 %{{[0-9]+}}, label %arg.first, label %arg.second
// CHECK-DAG: %arg.result = phi i64
// CHECK-DAG: %arg.chosen = phi i64 [ %{{[a-z0-9.]+}}, %{{[a-z0-9.]+}} ], [ 4096, %arg.second ]
// CHECK-DAG: icmp eq i64 %arg.result, %arg.chosen
__attribute__((noinline)) long padded_length(int in, int out, unsigned long count, int sync)
{
	static char buf[4096];
	ssize_t n = 0;

	while (count-- && (n = read(in, buf, sizeof buf)) > 0) {
		if (n == sizeof buf)
			in_full++;
		else
			in_partial++;
		ssize_t len = sync ? (ssize_t)sizeof buf : n;
		ssize_t w = write(out, buf, len);
		if (w != len)
			return -1;
	}
	return n;
}

// A choice on a value the read's result decides is no test of a value set before the calls:
// left alone, and the loop refused whole for it.
// REMARK-DAG: remark: {{.*}}chosen-argument.c:[[#@LINE+10]]:{{[0-9]+}}: not clustered: read -> write (weight {{[0-9]+}}) breaks whole-loop legality: argument 2 of 'write' at chosen-argument.c:[[#@LINE+10]]:{{[0-9]+}} ('%{{[0-9]+}} = select i1 %{{[0-9]+}}, i64 1, i64 %{{[0-9]+}}') changes from one iteration to the next
// CHECK-LABEL: define {{.*}} @odd_length(
// CHECK-NOT: arg.first
// CHECK: ret i64
__attribute__((noinline)) long odd_length(int in, int out)
{
	static char buf[4096];
	ssize_t n;

	while ((n = read(in, buf, sizeof buf)) > 0) {
		if (write(out, buf, (n & 1) ? n : 1) < 0)
			return -1;
	}
	return n;
}

#ifdef MAIN
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>

// IN COUNT SYNC OUT: copies at most COUNT blocks, padded to whole ones with SYNC 1.
int main(int argc, char **argv)
{
	if (argc != 5)
		return 2;
	int in = open(argv[1], O_RDONLY);
	if (in < 0) {
		perror(argv[1]);
		return 1;
	}
	int out = open(argv[4], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0) {
		perror(argv[4]);
		return 1;
	}
	long r = padded_length(in, out, strtoul(argv[2], NULL, 10), atoi(argv[3]));
	printf("%ld %lld+%lld\n", r, in_full, in_partial);
	return r < 0;
}
#endif
