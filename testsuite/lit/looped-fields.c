// Copy loops whose state lives in one struct with the buffer: the loop reads into the
// struct's buffer and counts in its other fields. The kernel touches only what a system
// call's arguments describe (transform/extents.rs): `read(.., s.buf, N)` writes buf[0..N),
// `write(.., s.buf, n)` reads from buf on, so a field before the buffer is kept in a register
// across the loop (and a load of one hoisted) as if no pointer to the struct existed; a field
// after it too when the write's length is the count the read returned, tested not negative
// before the write (at most the read's constant length), and not when a failed read's -1 may
// reach the write as a length. Then the loop is one looped multi-call, its `EINTR` retry
// resumed in the original code, which the runtime may run as an in-kernel copy when no code
// reads the buffer's bytes after it (the struct's other fields, read or written there, see
// nothing the copy changed). Motion does not sink the `close` after the loop's exit into the
// loop's header, where it would stand between the calls of the hotter edge.
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-write.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: FileCheck %s --check-prefix=LATE < %t.remarks
// RUN: FileCheck %s < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll
//
// Both builds copy the same, count the same and fail the same: a file, an empty input, an
// output that fills up (/dev/full), on every host backend.
// REQUIRES: multicall
// RUN: %clang -O2 -g %s -o %t.orig
// RUN: %clang-cluster -O2 -g %s -o %t.clustered %multicall -mllvm -syscluster-profile=%inputs/read-write.json
// RUN: head -c 300001 /dev/urandom > %t.in && : > %t.empty
// RUN: for mode in job tail loose counted late peeked local path arg; do for in in %t.in %t.empty; do for out in %t.copy /dev/full; do \
// RUN:   for be in direct io_uring auto; do \
// RUN:     rm -f %t.copy; %t.orig $mode < $in > $out 2> %t.err.orig; echo "status $?" >> %t.err.orig; \
// RUN:     if [ $out = %t.copy ]; then mv %t.copy %t.copy.orig; fi; \
// RUN:     MULTICALL_BACKEND=$be %t.clustered $mode < $in > $out 2> %t.err.clustered; echo "status $?" >> %t.err.clustered; \
// RUN:     cmp %t.err.orig %t.err.clustered || exit 1; \
// RUN:     if [ $out = %t.copy ]; then cmp %t.copy.orig %t.copy || exit 1; fi; \
// RUN: done; done; done; done
// RUN: %t.clustered job < %t.in 2>&1 > /dev/null | FileCheck %s --check-prefix=OUT
// OUT: 300001 bytes in {{[0-9]+}} blocks

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static struct job {
	int in, out;
	unsigned long long total;
	unsigned blocks;
	char buf[4096];
} job;

static struct tail {
	int in, out;
	char buf[4096];
	unsigned long long total;
} tail, loose, counted, peeked;

struct books {
	long bytes;
	long blocks;
	char buf[4096];
};

// The copy loop of a job, inlined into its callers below.
// REMARK-DAG: remark: {{.*}}looped-fields.c:[[#@LINE+6]]:{{[0-9]+}}: kept 'job' in a register across the loop of 'read'
// REMARK-DAG: remark: {{.*}}looped-fields.c:[[#@LINE+5]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write
// REMARK-DAG: remark: {{.*}}looped-fields.c:[[#@LINE+13]]:{{[0-9]+}}: moved '{{.*}} = load i32, ptr getelementptr inbounds (i8, ptr @job, i64 4){{.*}}' out of the loop of 'write'
static int pump_job(struct job *j)
{
	for (;;) {
		ssize_t n = read(j->in, j->buf, sizeof j->buf);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			return 0;
		j->blocks++;
		ssize_t w = write(j->out, j->buf, (size_t)n);
		if (w != n)
			return -2;
		j->total += (unsigned long long)w;
	}
}

// The file-scope struct: the loop above with `j` the struct's address.
__attribute__((noinline)) static int pump(void)
{
	return pump_job(&job);
}

// A helper given a pointer to its caller's local struct: the descriptors' loads through it
// leave the loop.
// REMARK-DAG: remark: {{.*}}looped-fields.c:{{[0-9]+}}:{{[0-9]+}}: moved '%{{.*}} = load i32, ptr %{{.*}}' out of the loop of '{{read|write}}' at {{.*}}: it reads a caller's local variable or fresh memory through a pointer the function was given
__attribute__((noinline)) static int pump_arg(struct job *j)
{
	return pump_job(j);
}

// The total lies after the buffer, and the write's length is the read's result, which the
// loop's test keeps in [1, 4096]: the write reads at most the buffer.
// REMARK-DAG: remark: {{.*}}looped-fields.c:{{[0-9]+}}:{{[0-9]+}}: kept 'tail' in a register across the loop of '{{read|write}}'
// Neither the loop nor main reads the buffer afterwards (main sets the descriptors and reads
// the total, other bytes of the struct): the runtime may copy in the kernel.
// REMARK-DAG: remark: {{.*}}looped-fields.c:[[#@LINE+4]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}}its buffers are dead after the loop
__attribute__((noinline)) static int pump_tail(void)
{
	ssize_t n;
	while ((n = read(tail.in, tail.buf, sizeof tail.buf)) > 0) {
		if (write(tail.out, tail.buf, (size_t)n) != n)
			return -1;
		tail.total += (unsigned long long)n;
	}
	return n < 0 ? -1 : 0;
}

// The same loop stopping at 0 only: a failed read's -1 would be the write's length, every
// byte from the buffer on.
// REMARK-DAG: remark: {{.*}}looped-fields.c:[[#@LINE+4]]:{{[0-9]+}}: did not keep 'loose' in a register across the loop of '{{read|write}}' at {{.*}}: the loop passes a pointer to byte 8 of the object it lies in, with no constant length, to {{.*}}@write(
__attribute__((noinline)) static int pump_loose(void)
{
	ssize_t n;
	while ((n = read(loose.in, loose.buf, sizeof loose.buf)) != 0) {
		if (write(loose.out, loose.buf, (size_t)n) != n)
			return -1;
		loose.total += (unsigned long long)n;
	}
	return 0;
}

// An `int` count: clang brings the first read's count and the next one's to the write in a
// phi, masked to 31 bits; each was tested positive on its way in.
// REMARK-DAG: remark: {{.*}}looped-fields.c:{{[0-9]+}}:{{[0-9]+}}: kept 'counted' in a register across the loop of '{{read|write}}'
__attribute__((noinline)) static int pump_counted(void)
{
	for (;;) {
		int n = (int)read(counted.in, counted.buf, sizeof counted.buf);
		if (n <= 0)
			return n;
		if (write(counted.out, counted.buf, (size_t)n) != n)
			return -1;
		counted.total += (unsigned)n;
	}
}

// A caller's struct through a pointer, its count tested at 0 by the loop, then for a
// failure in the body: clang brings the first read's count and the next one's to the write
// in a phi that the `n < 0` test after it keeps in [1, 4096]; each of the two counts alone
// may be -1 where it enters the phi. The total adds what the write returned, tested not
// negative, before the short write is told apart. The first attempt keeps it (the phi is
// not negative where the write takes it), not only one after the loop was reshaped:
// LATE-NOT: did not keep '*l'
// REMARK-DAG: remark: {{.*}}looped-fields.c:{{[0-9]+}}:{{[0-9]+}}: kept '*l' (at byte 4104; argument 1 of 'pump_late') in a register across the loop of '{{read|write}}'
// REMARK-DAG: remark: {{.*}}looped-fields.c:[[#@LINE+4]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}}its buffers are dead after the loop
__attribute__((noinline)) static int pump_late(struct tail *l)
{
	ssize_t n;
	while ((n = read(l->in, l->buf, sizeof l->buf)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		ssize_t w = write(l->out, l->buf, (size_t)n);
		if (w < 0)
			return -2;
		l->total += (unsigned long long)w;
		if (w != n) {
			errno = ENOSPC;
			return -2;
		}
	}
	return 0;
}

// The same loop followed by a look at the buffer's first byte: what the last block left
// there is read, so the block must pass through the buffer.
// REMARK-DAG: remark: {{.*}}looped-fields.c:[[#@LINE+4]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}}no in-kernel copy: the buffer @peeked of 'read' {{.*}} is also used by '{{.*}} = load i8, ptr getelementptr inbounds (i8, ptr @peeked, i64 8)
__attribute__((noinline)) static int pump_peeked(void)
{
	ssize_t n;
	while ((n = read(peeked.in, peeked.buf, sizeof peeked.buf)) > 0) {
		if (write(peeked.out, peeked.buf, (size_t)n) != n)
			return -1;
		peeked.total += (unsigned long long)n;
	}
	return n < 0 ? -1 : peeked.buf[0] == '#';
}

// The same through a pointer to a caller's local struct (transform/pointees.rs).
// REMARK-DAG: remark: {{.*}}looped-fields.c:[[#@LINE+25]]:{{[0-9]+}}: kept '*b' (argument {{[0-9]+}} of 'books_copy') in a register across the loop
// REMARK-DAG: remark: {{.*}}looped-fields.c:[[#@LINE+24]]:{{[0-9]+}}: kept '*b' (at byte 8; argument {{[0-9]+}} of 'books_copy') in a register across the loop
// CHECK-LABEL: define internal {{.*}} @pump_tail(
// CHECK: call i64 @multicall_loop
// CHECK-LABEL: define internal {{.*}} @pump_loose(
// CHECK-NOT: @multicall_loop
// CHECK-LABEL: define internal {{.*}} @pump_counted(
// CHECK: call i64 @multicall_loop
// CHECK-LABEL: define internal {{.*}} @pump_late(
// CHECK: call i64 @multicall_loop
// CHECK-LABEL: define internal {{.*}} @pump_peeked(
// CHECK: call i64 @multicall_loop
// CHECK-LABEL: define internal {{.*}} @pump_arg(
// CHECK: call i64 @multicall_loop
// CHECK-LABEL: define internal {{.*}} @copy_path(
// CHECK: call i64 @multicall_loop
// CHECK-LABEL: define internal {{.*}} @books_copy(
// CHECK: call i64 @multicall_loop
// CHECK-LABEL: define internal {{.*}} @pump(
// CHECK: %mc.promoted.in = load
// CHECK: call i64 @multicall_loop
// CHECK: store i32 %mc.promoted{{.*}}, ptr getelementptr inbounds (i8, ptr @job, i64 16)
__attribute__((noinline)) static int books_copy(int in, int out, struct books *b)
{
	ssize_t n;
	while ((n = read(in, b->buf, sizeof b->buf)) > 0) {
		if (write(out, b->buf, (size_t)n) != n)
			return -1;
		b->bytes += n;
		b->blocks++;
	}
	return n < 0 ? -1 : 0;
}

// A caller's local struct whose input descriptor it stored before the loop: after inlining,
// GVN reloads the descriptor at the latch and carries it in a phi from the stored value; the
// reload moves out of the loop and reads that value, so the phi is the descriptor.
// REMARK-DAG: remark: {{.*}}looped-fields.c:{{[0-9]+}}:{{[0-9]+}}: '%{{.*}} = phi i32 {{.*}}' in the loop of 'write' at {{.*}} is '%{{.*}} = tail call i32 (ptr, i32, ...) @open({{.*}}' in every iteration
__attribute__((noinline)) static int copy_path(const char *path, unsigned long long *bytes,
					       unsigned long long *blocks)
{
	struct job j = {0};
	j.in = open(path, O_RDONLY);
	if (j.in < 0)
		return -1;
	j.out = 1;
	int r = pump_job(&j);
	*bytes = j.total;
	*blocks = j.blocks;
	return r;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "job";
	int r;
	unsigned long long bytes, blocks;
	if (strcmp(mode, "tail") == 0) {
		tail.in = 0;
		tail.out = 1;
		r = pump_tail();
		bytes = tail.total;
		blocks = 0;
	} else if (strcmp(mode, "loose") == 0) {
		loose.in = 0;
		loose.out = 1;
		r = pump_loose();
		bytes = loose.total;
		blocks = 0;
	} else if (strcmp(mode, "counted") == 0) {
		counted.in = 0;
		counted.out = 1;
		r = pump_counted();
		bytes = counted.total;
		blocks = 0;
	} else if (strcmp(mode, "late") == 0) {
		struct tail l = {0};
		l.out = 1;
		r = pump_late(&l);
		bytes = l.total;
		blocks = 0;
	} else if (strcmp(mode, "peeked") == 0) {
		peeked.in = 0;
		peeked.out = 1;
		r = pump_peeked();
		bytes = peeked.total;
		blocks = (unsigned long long)r;
	} else if (strcmp(mode, "arg") == 0) {
		struct job j = {0};
		j.in = 0;
		j.out = 1;
		r = pump_arg(&j);
		bytes = j.total;
		blocks = j.blocks;
	} else if (strcmp(mode, "path") == 0) {
		r = copy_path("/dev/stdin", &bytes, &blocks);
	} else if (strcmp(mode, "local") == 0) {
		struct books b = {0};
		r = books_copy(0, 1, &b);
		bytes = (unsigned long long)b.bytes;
		blocks = (unsigned long long)b.blocks;
	} else {
		job.in = 0;
		job.out = 1;
		r = pump();
		bytes = job.total;
		blocks = job.blocks;
	}
	int e = errno;
	fprintf(stderr, "%llu bytes in %llu blocks\n", bytes, blocks);
	if (r < 0) {
		fprintf(stderr, "%s\n", strerror(e));
		return 1;
	}
	if (close(1) < 0) {
		perror("close");
		return 1;
	}
	return 0;
}
