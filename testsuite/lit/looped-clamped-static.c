// A copy of at most a given number of bytes (`head -c`) over a static struct whose counters
// lie after its buffer: each read asks for `left < sizeof buf ? left : sizeof buf` bytes, a
// count that is not a constant. Shim::unsigned_max_at bounds it at the read (the loop's
// `left > 0` test and the clamp: at most 8192), so the read touches only the buffer
// (transform/extents.rs), the counters after it are kept in registers, the loop is one
// looped multi-call whose count is clamped (plan::Clamped), and its buffer is dead after
// the loop (legality/dead_buffers.rs: the load of `copied` after the loop reads none of the
// bytes the read writes). Refused with its reason: a loop that tests `left != 0`, where a
// negative `left` would make the count unbounded, and so the write's count of the bytes read.
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-write.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: opt -passes=verify -disable-output %t.out.ll
//
// At -O1 the total goes down by the write's result `w` (GVN does not make it `n`): the write
// stops the batch unless `w == n`, so in an iteration that completes it is the clamped
// read's result (legality/clamp.rs `same_results`).
// RUN: %clang -O1 -g -S -emit-llvm %s -o %t.O1.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-write.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.O1.ll -o %t.O1.out.ll 2> %t.O1.remarks
// RUN: FileCheck %s --check-prefix=REMARK-O1 < %t.O1.remarks
// RUN: opt -passes=verify -disable-output %t.O1.out.ll
//
// Both builds copy the same, count the same and fail the same: a file longer and shorter
// than the limit, an empty input, a directory, into a file, a pipe and /dev/full, on every
// host backend.
// REQUIRES: multicall
// RUN: %clang -O2 -g %s -o %t.orig
// RUN: %clang-cluster -O2 -g %s -o %t.clustered %multicall -mllvm -syscluster-profile=%inputs/read-write.json
// RUN: %clang-cluster -O1 -g %s -o %t.clustered.O1 %multicall -mllvm -syscluster-profile=%inputs/read-write.json
// RUN: head -c 300001 /dev/urandom > %t.in && : > %t.empty && rm -rf %t.dir && mkdir %t.dir
// RUN: for mode in positive nonzero; do for limit in 100000 1000000; do for in in %t.in %t.empty %t.dir; do \
// RUN:   for out in %t.copy /dev/full; do for be in direct io_uring auto; do for bin in %t.clustered %t.clustered.O1; do \
// RUN:     rm -f %t.copy; %t.orig $mode $limit < $in > $out 2> %t.err.orig; echo "status $?" >> %t.err.orig; \
// RUN:     if [ $out = %t.copy ]; then mv %t.copy %t.copy.orig; fi; \
// RUN:     MULTICALL_BACKEND=$be $bin $mode $limit < $in > $out 2> %t.err.clustered; echo "status $?" >> %t.err.clustered; \
// RUN:     cmp %t.err.orig %t.err.clustered || exit 1; \
// RUN:     if [ $out = %t.copy ]; then cmp %t.copy.orig %t.copy || exit 1; fi; \
// RUN: done; done; done; done; done; done
// RUN: for be in direct io_uring auto; do \
// RUN:   %t.orig positive 250000 < %t.in 2> %t.err.orig | cat > %t.pipe.orig; \
// RUN:   MULTICALL_BACKEND=$be %t.clustered positive 250000 < %t.in 2> %t.err.clustered | cat > %t.pipe.clustered; \
// RUN:   cmp %t.pipe.orig %t.pipe.clustered && cmp %t.err.orig %t.err.clustered || exit 1; done
// RUN: %t.clustered positive 100000 < %t.in 2>&1 > /dev/null | FileCheck %s --check-prefix=OUT
// OUT: positive: 100000 bytes in 13 blocks, 0 left

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// The counters after the buffer.
static struct {
	int in, out;
	long long left;
	char buf[8192];
	long long copied;
	unsigned blocks;
} job = { 0, 1, 0, { 0 }, 0, 0 };

// REMARK-DAG: remark: {{.*}}looped-clamped-static.c:{{[0-9]+}}:{{[0-9]+}}: kept 'job' in a register across the loop of 'read' at {{.*}}: loaded once before the loop and stored at each of its exits
// REMARK-O1: remark: {{.*}}looped-clamped-static.c:[[#@LINE+6]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries {{.*}} (total of write's results, whose count is min({{.*}}, 8192): the batch passes 8192 for the iterations {{.*}} has room for){{.*}}; its buffers are dead after the loop
// REMARK-DAG: remark: {{.*}}looped-clamped-static.c:[[#@LINE+5]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries {{.*}} (total of read's results, whose count is min({{.*}}, 8192): the batch passes 8192 for the iterations {{.*}} has room for){{.*}}; its buffers are dead after the loop: the runtime may run it as an in-kernel copy
static __attribute__((noinline)) int copy_positive(void)
{
	while (job.left > 0) {
		size_t want = job.left < (long long)sizeof job.buf ? (size_t)job.left : sizeof job.buf;
		ssize_t n = read(job.in, job.buf, want);
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		ssize_t w = write(job.out, job.buf, (size_t)n);
		if (w != n)
			return -2;
		job.blocks++;
		job.left -= w;
		job.copied += w;
	}
	return 0;
}

static struct {
	int in, out;
	long long left;
	char buf[8192];
	long long copied;
	unsigned blocks;
} unsure = { 0, 1, 0, { 0 }, 0, 0 };

// REMARK-DAG: remark: {{.*}}looped-clamped-static.c:{{[0-9]+}}:{{[0-9]+}}: did not keep 'unsure' in a register across the loop of '{{read|write}}' at {{.*}}: the loop passes a pointer to byte 16 of the object it lies in, with no constant length, to {{.*}}@write{{.*}}: every byte from there on may be touched
static __attribute__((noinline)) int copy_nonzero(void)
{
	while (unsure.left != 0) {
		size_t want = unsure.left < (long long)sizeof unsure.buf ? (size_t)unsure.left
									: sizeof unsure.buf;
		ssize_t n = read(unsure.in, unsure.buf, want);
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		if (write(unsure.out, unsure.buf, (size_t)n) != n)
			return -2;
		unsure.blocks++;
		unsure.left -= n;
		unsure.copied += n;
	}
	return 0;
}

int main(int argc, char **argv)
{
	long long limit = argc > 2 ? atoll(argv[2]) : 1 << 20;
	if (argc > 1 && strcmp(argv[1], "nonzero") == 0) {
		unsure.left = limit;
		int r = copy_nonzero();
		fprintf(stderr, "nonzero: %lld bytes in %u blocks, %lld left: %d %s\n", unsure.copied,
			unsure.blocks, unsure.left, r, r ? strerror(errno) : "");
		return r < 0;
	}
	job.left = limit;
	int r = copy_positive();
	fprintf(stderr, "positive: %lld bytes in %u blocks, %lld left: %d %s\n", job.copied, job.blocks,
		job.left, r, r ? strerror(errno) : "");
	return r < 0 ? 3 : 0;
}
