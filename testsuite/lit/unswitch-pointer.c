/*
 * A copy loop that reads through a function pointer chosen before it (coreutils dd's
 * `iread_fnc`: one read, or a read-until-full helper) and writes with a write-all helper.
 * transform/promote.rs makes the call direct where the pointer is the one-read helper,
 * which is inlined; the pointer, loaded in every iteration, is moved out of the loop, and
 * the test of it is made once: the loop is unswitched on it (transform/unswitch.rs), though
 * neither way of the test goes straight to where they meet (the direct call's way holds
 * the read, the indirect call's way reaches the write without it). The loop, whose test now
 * goes the direct way only, is one looped multi-call; a copy of it runs the indirect call
 * when the pointer is the other helper. Both builds copy the same bytes with either
 * helper, and fail alike on a missing input and a full device.
 *
 * REQUIRES: multicall
 * RUN: %clang -O2 -g -mllvm -inline-threshold=-10000 -S -emit-llvm %s -o %t.before.ll
 * RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/copy-by-name.json>' \
 * RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
 * RUN:   -S %t.before.ll -o %t.after.ll 2> %t.remarks
 * RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
 * RUN: FileCheck %s --check-prefix=AFTER < %t.after.ll
 * RUN: opt -passes=verify -disable-output %t.after.ll
 *
 * REMARK: unswitch-pointer.c:[[#LOOP:]]:15: the call through 'reader' calls 'read_once' directly when the pointer is that function
 * REMARK: unswitch-pointer.c:[[#LOOP]]:15: unswitched the loop on '%{{[0-9]+}} = icmp eq ptr %{{[0-9]+}}, @read_once', which has the same value in every iteration
 * REMARK: clustered the whole loop into one looped multi-call: read -> write
 *
 * The test of the pointer, made before the loop: the loop for the direct call, the copy
 * (last) for the indirect one.
 * AFTER-LABEL: define internal {{.*}} @copy(
 * AFTER: %[[FP:[0-9]+]] = load ptr, ptr @reader
 * AFTER: %[[IS:[0-9]+]] = icmp eq ptr %[[FP]], @read_once
 * AFTER: br i1 %[[IS]], label %{{[.a-z0-9]+}}, label %{{[.a-z0-9]+}}.unsw
 * AFTER: call i64 @multicall_loop
 * AFTER: call i64 %[[FP]](
 * AFTER: }
 *
 * RUN: %clang -O2 %t.before.ll -o %t.before
 * RUN: %clang -O2 %t.after.ll -o %t.after %multicall
 * RUN: head -c 10000 /dev/urandom > %t.in && : > %t.empty && rm -f %t.missing
 * RUN: for args in "%t.in 0" "%t.in 1" "%t.empty 0" "%t.missing 0"; do \
 * RUN:   set -- $args; rm -f %t.o.before %t.o.after; \
 * RUN:   %t.before $1 %t.o.before $2 > %t.out.before 2>&1; echo "status $?" >> %t.out.before; \
 * RUN:   %t.after $1 %t.o.after $2 > %t.out.after 2>&1; echo "status $?" >> %t.out.after; \
 * RUN:   cmp %t.out.before %t.out.after || exit 1; \
 * RUN:   if [ -e %t.o.before ]; then cmp %t.o.before %t.o.after || exit 1; fi; \
 * RUN: done
 * RUN: %t.after %t.in %t.o.after 0 && cmp %t.in %t.o.after && %t.after %t.in %t.o.after 1 && cmp %t.in %t.o.after
 * RUN: for mode in 0 1; do \
 * RUN:   %t.before %t.in /dev/full $mode > %t.full.before 2>&1; echo "status $?" >> %t.full.before; \
 * RUN:   %t.after %t.in /dev/full $mode > %t.full.after 2>&1; echo "status $?" >> %t.full.after; \
 * RUN:   cmp %t.full.before %t.full.after || exit 1; \
 * RUN: done
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char buf[4096];

static ssize_t read_once(int fd, char *p, size_t size)
{
	ssize_t n;

	do
		n = read(fd, p, size);
	while (n < 0 && errno == EINTR);
	return n;
}

static ssize_t read_full(int fd, char *p, size_t size)
{
	size_t got = 0;

	while (got < size) {
		ssize_t n = read_once(fd, p + got, size - got);
		if (n < 0)
			return n;
		if (n == 0)
			break;
		got += n;
	}
	return got;
}

static ssize_t (*reader)(int, char *, size_t);

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
		ssize_t n = reader(in, buf, sizeof buf);
		if (n == 0)
			return 0;
		if (n < 0) {
			perror("read");
			return 1;
		}
		if (write_all(out, buf, n) != (size_t)n) {
			perror("write");
			return 1;
		}
	}
}

int main(int argc, char **argv)
{
	if (argc != 4)
		return 2;
	reader = !atoi(argv[3]) ? read_once : read_full;
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
	return copy(in, out);
}
