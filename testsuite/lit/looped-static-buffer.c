// A copy helper whose buffer lies in a static struct its caller passes (`pump(&job)`, the
// helper also called on a local job): the buffer is dead after the loop when no code reads
// the bytes the loop's calls write, anywhere in the module (legality/dead_buffers.rs
// `callers_leave`): the caller reads only the struct's other fields after the call, and no
// other function touches the buffer. Then the runtime may run the loop as an in-kernel copy.
// Live, each with the use that reads it: the caller reads the buffer after the call; another
// function reads it.
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-write.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: opt -passes=verify -disable-output %t.out.ll
//
// Both builds copy the same and print the same (the last block's first byte where the
// program reads it), on every host backend: a file, an empty input, a directory, into a
// file, a pipe and /dev/full.
// REQUIRES: multicall
// RUN: %clang -O2 -g %s -o %t.orig
// RUN: %clang-cluster -O2 -g %s -o %t.clustered %multicall -mllvm -syscluster-profile=%inputs/read-write.json
// RUN: head -c 300001 /dev/urandom > %t.in && : > %t.empty && rm -rf %t.dir && mkdir %t.dir
// RUN: for mode in dead peek dump; do for in in %t.in %t.empty %t.dir; do for out in file pipe /dev/full; do \
// RUN:   for be in direct io_uring auto; do \
// RUN:     rm -f %t.copy %t.copy.orig; \
// RUN:     if [ $out = file ]; then %t.orig $mode < $in > %t.copy.orig 2> %t.err.orig; echo "status $?" >> %t.err.orig; \
// RUN:     elif [ $out = pipe ]; then %t.orig $mode < $in 2> %t.err.orig | cat > %t.copy.orig; echo "status $?" >> %t.err.orig; \
// RUN:     else %t.orig $mode < $in > $out 2> %t.err.orig; echo "status $?" >> %t.err.orig; fi; \
// RUN:     if [ $out = file ]; then MULTICALL_BACKEND=$be %t.clustered $mode < $in > %t.copy 2> %t.err.clustered; echo "status $?" >> %t.err.clustered; \
// RUN:     elif [ $out = pipe ]; then MULTICALL_BACKEND=$be %t.clustered $mode < $in 2> %t.err.clustered | cat > %t.copy; echo "status $?" >> %t.err.clustered; \
// RUN:     else MULTICALL_BACKEND=$be %t.clustered $mode < $in > $out 2> %t.err.clustered; echo "status $?" >> %t.err.clustered; fi; \
// RUN:     cmp %t.err.orig %t.err.clustered || exit 1; \
// RUN:     if [ $out != /dev/full ]; then cmp %t.copy.orig %t.copy || exit 1; fi; \
// RUN: done; done; done; done
// RUN: %t.clustered peek < %t.in 2>&1 > /dev/null | FileCheck %s --check-prefix=OUT
// OUT: peek: 300001 bytes, last block from {{[0-9]+}}

#include <stdio.h>
#include <string.h>
#include <unistd.h>

struct job {
	int in, out;
	unsigned long long total;
	char buf[8192];
};

#define PUMP(name)                                                        \
	static __attribute__((noinline)) int name(struct job *j)          \
	{                                                                 \
		for (;;) {                                                \
			ssize_t n = read(j->in, j->buf, sizeof j->buf);   \
			if (n <= 0)                                       \
				return (int)n;                            \
			if (write(j->out, j->buf, (size_t)n) != n)        \
				return -2;                                \
			j->total += (unsigned long long)n;                \
		}                                                         \
	}

// REMARK-DAG: remark: {{.*}}looped-static-buffer.c:[[#@LINE+1]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}}; its buffers are dead after the loop: the runtime may run it as an in-kernel copy
PUMP(pump_dead)
// REMARK-DAG: remark: {{.*}}looped-static-buffer.c:[[#@LINE+1]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}}; no in-kernel copy: the buffer {{.*}} is given to the function by its callers, and 'main' reads it after the call: '{{.*}}load i8{{.*}}'
PUMP(pump_peek)
// REMARK-DAG: remark: {{.*}}looped-static-buffer.c:[[#@LINE+1]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}}; no in-kernel copy: the buffer {{.*}} is given to the function by its callers, and the static buffer @dumped is also used in 'dump': '{{.*}}'
PUMP(pump_dump)

static struct job dead = { 0, 1, 0, { 0 } };
static struct job peeked = { 0, 1, 0, { 0 } };
static struct job dumped = { 0, 1, 0, { 0 } };

static __attribute__((noinline)) void dump(void)
{
	fprintf(stderr, "dump: %d\n", dumped.buf[0]);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "dead";
	struct job spare = { 0, 1, 0, { 0 } };
	int r;

	// Each helper is also called on a local job, so that it keeps its argument.
	if (strcmp(mode, "peek") == 0) {
		r = pump_peek(&peeked);
		if (r == 0 && argc > 2)
			r = pump_peek(&spare);
		fprintf(stderr, "peek: %llu bytes, last block from %d: %d\n", peeked.total,
			peeked.buf[0] & 0xff, r);
		return r < 0;
	}
	if (strcmp(mode, "dump") == 0) {
		r = pump_dump(&dumped);
		if (r == 0 && argc > 2)
			r = pump_dump(&spare);
		dump();
		fprintf(stderr, "dump: %llu bytes: %d\n", dumped.total, r);
		return r < 0 ? 3 : 0;
	}
	r = pump_dead(&dead);
	if (r == 0 && argc > 2)
		r = pump_dead(&spare);
	fprintf(stderr, "dead: %llu bytes: %d\n", dead.total, r);
	return r < 0 ? 4 : 0;
}
