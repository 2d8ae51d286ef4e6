// A copy loop over a static struct whose write-all helper walks the struct's buffer (`p +=
// w`): the pointer is a phi of addresses into the variable at offsets that are not
// constants. transform/globals.rs bounds such pointers from below (the buffer's offset, and
// a step known not negative where it is added, after `w < 0` and `w == 0` left), so the
// counters before the buffer are apart from every byte the pointer can reach, and are kept
// in registers; the loop is one looped multi-call. Counters after the buffer are kept too
// when the pointer and the length it is written with advance together from the read's
// count; not when the helper may be given more than the read filled.
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-write.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: opt -passes=verify -disable-output %t.out.ll
//
// Both builds copy the same, count the same and fail the same: a file, an empty input, a
// directory, into a file and /dev/full, on every host backend.
// REQUIRES: multicall
// RUN: %clang -O2 -g %s -o %t.orig
// RUN: %clang-cluster -O2 -g %s -o %t.clustered %multicall -mllvm -syscluster-profile=%inputs/read-write.json
// RUN: head -c 300001 /dev/urandom > %t.in && : > %t.empty && rm -rf %t.dir && mkdir %t.dir
// RUN: for mode in before after loose; do for in in %t.in %t.empty %t.dir; do for out in %t.copy /dev/full; do \
// RUN:   for be in direct io_uring auto; do \
// RUN:     rm -f %t.copy; %t.orig $mode < $in > $out 2> %t.err.orig; echo "status $?" >> %t.err.orig; \
// RUN:     if [ $out = %t.copy ]; then mv %t.copy %t.copy.orig; fi; \
// RUN:     MULTICALL_BACKEND=$be %t.clustered $mode < $in > $out 2> %t.err.clustered; echo "status $?" >> %t.err.clustered; \
// RUN:     cmp %t.err.orig %t.err.clustered || exit 1; \
// RUN:     if [ $out = %t.copy ]; then cmp %t.copy.orig %t.copy || exit 1; fi; \
// RUN: done; done; done; done
// RUN: %t.clustered before < %t.in 2>&1 > /dev/null | FileCheck %s --check-prefix=OUT
// OUT: before: 300001 bytes in {{[0-9]+}} blocks, {{[0-9]+}} writes

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

// The counters before the buffer.
static struct {
	int in, out;
	unsigned long long total;
	unsigned blocks, writes;
	char buf[8192];
} job = { 0, 1, 0, 0, 0, { 0 } };

static int write_all(const char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = write(job.out, p, len);
		job.writes++;
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (w == 0) {
			errno = ENOSPC;
			return -1;
		}
		p += w;
		len -= (size_t)w;
		job.total += (unsigned long long)w;
	}
	return 0;
}

// REMARK-DAG: remark: {{.*}}looped-static-write-all.c:{{[0-9]+}}:{{[0-9]+}}: kept 'job' in a register across the loop of 'read' at {{.*}}: loaded once before the loop and stored at each of its exits
// REMARK-DAG: remark: {{.*}}looped-static-write-all.c:[[#@LINE+5]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries {{.*}} (counter), {{.*}} (counter), {{.*}} (total of write's results)
static __attribute__((noinline)) int copy_before(void)
{
	ssize_t n;
	for (;;) {
		n = read(job.in, job.buf, sizeof job.buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		job.blocks++;
		if (write_all(job.buf, (size_t)n) < 0)
			return -2;
	}
	return n < 0 ? -1 : 0;
}

// The counters after the buffer: the walking pointer and the length it is written with
// advance together (`p += w; len -= w`), so it never passes the end of what the read
// filled, at most 8192 bytes from the buffer's start (extents::walked_end).
static struct {
	int in, out;
	char buf[8192];
	unsigned long long total;
	unsigned blocks, writes;
} late = { 0, 1, { 0 }, 0, 0, 0 };

static int write_all_late(const char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = write(late.out, p, len);
		late.writes++;
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (w == 0) {
			errno = ENOSPC;
			return -1;
		}
		p += w;
		len -= (size_t)w;
		late.total += (unsigned long long)w;
	}
	return 0;
}

// REMARK-DAG: remark: {{.*}}looped-static-write-all.c:{{[0-9]+}}:{{[0-9]+}}: kept 'late' in a register across the loop of 'read' at {{.*}}: loaded once before the loop and stored at each of its exits
// REMARK-DAG: remark: {{.*}}looped-static-write-all.c:[[#@LINE+5]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries {{.*}} (counter), {{.*}} (counter), {{.*}} (total of write's results)
static __attribute__((noinline)) int copy_after(void)
{
	ssize_t n;
	for (;;) {
		n = read(late.in, late.buf, sizeof late.buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		late.blocks++;
		if (write_all_late(late.buf, (size_t)n) < 0)
			return -2;
	}
	return n < 0 ? -1 : 0;
}

// The same, the helper writing a few bytes more than were read when asked to (`pad`, 0 in
// every run): the walk may reach the counters after the buffer.
static struct {
	int in, out;
	char buf[8192];
	unsigned long long total;
	unsigned blocks, writes;
} loose = { 0, 1, { 0 }, 0, 0, 0 };

static size_t pad;

static int write_all_loose(const char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = write(loose.out, p, len);
		loose.writes++;
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (w == 0) {
			errno = ENOSPC;
			return -1;
		}
		p += w;
		len -= (size_t)w;
		loose.total += (unsigned long long)w;
	}
	return 0;
}

// REMARK-DAG: remark: {{.*}}looped-static-write-all.c:{{[0-9]+}}:{{[0-9]+}}: did not keep 'loose' in a register across the loop of '{{read|write}}' at {{.*}}: the loop reads or writes it from byte 8 on through a pointer at an offset that is not a constant
static __attribute__((noinline)) int copy_loose(void)
{
	ssize_t n;
	for (;;) {
		n = read(loose.in, loose.buf, sizeof loose.buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		loose.blocks++;
		if (write_all_loose(loose.buf, (size_t)n + pad) < 0)
			return -2;
	}
	return n < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	pad = (size_t)(argc > 2 ? atol(argv[2]) : 0);
	if (argc > 1 && strcmp(argv[1], "loose") == 0) {
		int r = copy_loose();
		fprintf(stderr, "loose: %llu bytes in %u blocks, %u writes: %d\n", loose.total,
			loose.blocks, loose.writes, r);
		return r < 0;
	}
	if (argc > 1 && strcmp(argv[1], "after") == 0) {
		int r = copy_after();
		fprintf(stderr, "after: %llu bytes in %u blocks, %u writes: %d\n", late.total,
			late.blocks, late.writes, r);
		return r < 0;
	}
	int r = copy_before();
	fprintf(stderr, "before: %llu bytes in %u blocks, %u writes: %d\n", job.total, job.blocks,
		job.writes, r);
	return r < 0 ? 3 : 0;
}
