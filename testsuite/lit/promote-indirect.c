#include <stddef.h>
#include <unistd.h>

/* A: the reader is chosen once and called through a static pointer, as dd's iread_fnc. */
static ssize_t plain_read(int fd, void *buf, size_t len) { return read(fd, buf, len); }
static ssize_t full_read(int fd, void *buf, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n = plain_read(fd, (char *)buf + got, len - got);
		if (n <= 0)
			return got ? (ssize_t)got : n;
		got += (size_t)n;
	}
	return (ssize_t)got;
}
static ssize_t (*reader)(int, void *, size_t);
ssize_t put(int fd, const void *buf, size_t len) { return write(fd, buf, len); }

void choose(int full) { reader = full ? full_read : plain_read; }

int copy_a(int in, int out)
{
	char buf[4096];
	ssize_t n;

	while ((n = reader(in, buf, sizeof buf)) > 0)
		if (put(out, buf, n) != n)
			return -1;
	return n < 0 ? -1 : 0;
}

/* B: the pointer's address escapes, so what it holds is not known. */
static ssize_t b_read(int fd, void *buf, size_t len) { return read(fd, buf, len); }
static ssize_t (*b_reader)(int, void *, size_t) = b_read;
void register_reader(ssize_t (**slot)(int, void *, size_t));
void setup_b(void) { register_reader(&b_reader); }
ssize_t b_put(int fd, const void *buf, size_t len) { return write(fd, buf, len); }

int copy_b(int in, int out)
{
	char buf[4096];
	ssize_t n;

	while ((n = b_reader(in, buf, sizeof buf)) > 0)
		if (b_put(out, buf, n) != n)
			return -1;
	return n < 0 ? -1 : 0;
}

/*
 * Calls through a function pointer (coreutils' dd calls its reader through iread_fnc): the
 * hot edge read -> write runs from plain_read, reached through the static pointer `reader`,
 * to put. The pointer only ever holds full_read or plain_read (LLVM's !callees metadata and
 * the stores to it agree), so the call becomes a direct call of plain_read, the nearest to the
 * hot read, where the pointer is plain_read, and the inliner then brings the read into copy_a.
 * The read and the write are then in one function, the write also reached from the indirect
 * call: tail duplication copies the blocks from that join to the write for the read's path,
 * and read -> write is one multi-call there (the loop is not one looped multi-call: the
 * pointer is loaded at the top of every iteration, before the read).
 * b_reader's address escapes, so what it holds is not known and nothing is promoted.
 *
 * REQUIRES: multicall
 * RUN: %clang -O2 -g -mllvm -inline-threshold=-10000 -S -emit-llvm %s -o %t.before.ll
 * RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/promote-indirect.json>' \
 * RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
 * RUN:   -S %t.before.ll -o %t.after.ll 2> %t.remarks
 * RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
 * RUN: FileCheck %s --check-prefix=AFTER < %t.after.ll
 * RUN: opt -passes=verify -disable-output %t.after.ll
 *
 * REMARK: promote-indirect.c:28:14: the call through 'reader' calls 'plain_read' directly when the pointer is that function (it may call only 'full_read', 'plain_read'), so that the hot call it leads to can be inlined
 * REMARK-NEXT: promote-indirect.c:28:14: inlined 'plain_read' (2 instructions) into 'copy_a' so that the hot edge read() -> write() (weight 100) runs in one function
 * REMARK-NOT: calls {{.*}} directly when the pointer
 * REMARK: promote-indirect.c:19:59: copied 2 blocks on the path from 'read' at promote-indirect.c:5:67 to 'write' at promote-indirect.c:19:59
 * REMARK: promote-indirect.c:35:63: not clustered: hot edge read() -> write() (weight 50) {{.*}} different functions: no function of this module calls both 'b_read' and 'b_put'
 * REMARK: promote-indirect.c:5:67: clustered 2 system calls into one multi-call: read -> write (stop: result <= 0, never; 1 result reference)
 *
 * AFTER-LABEL: define {{.*}} @copy_a(
 * AFTER: %[[FP:[0-9]+]] = load ptr, ptr @reader
 * AFTER: icmp eq ptr %[[FP]], @plain_read
 * AFTER: call i64 @multicall(
 * AFTER: call i64 %[[FP]](
 * AFTER-LABEL: define {{.*}} @copy_b(
 * AFTER: call i64 %{{[0-9]+}}(
 *
 * The promoted program copies as the original, with either reader.
 * RUN: %clang -O2 %t.before.ll %inputs/promote-indirect-main.c -o %t.before
 * RUN: %clang -O2 %t.after.ll %inputs/promote-indirect-main.c -o %t.after %multicall
 * RUN: head -c 10000 %s > %t.in
 * RUN: %t.before < %t.in > %t.out.before && %t.after < %t.in > %t.out.after
 * RUN: cmp %t.in %t.out.after && cmp %t.out.before %t.out.after
 * RUN: %t.after full < %t.in > %t.out.full && cmp %t.in %t.out.full
 */
