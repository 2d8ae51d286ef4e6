// A copy loop given a pointer to its caller's struct, whose counters follow the buffer, with
// a write-all helper that walks the buffer (`p += w; len -= w`): the pointer is a phi at an
// offset that is not a constant. The pointer and the length advance together from the
// read's count (at most 8192), so the write touches only the buffer (extents::walked_bytes)
// and transform/pointees.rs keeps the counters behind the pointer in registers; the loop is
// one looped multi-call; the same with `send` to a socket. Refused: the helper given more
// than the read filled (`pad`, 0 in every run).
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-write.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: opt -passes=verify -disable-output %t.out.ll
//
// The same walk with `send` (a `sendto` that moves at most its length) to a socket.
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/send.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.ll -o %t.send.ll 2> %t.send.remarks
// RUN: FileCheck %s --check-prefix=SEND < %t.send.remarks
// RUN: opt -passes=verify -disable-output %t.send.ll
//
// Both builds copy the same, count the same and fail the same: a file, an empty input, a
// directory, into a file, a pipe and /dev/full, on every host backend (`send` to a file
// fails with ENOTSOCK in both).
// REQUIRES: multicall
// RUN: %clang -O2 -g %s -o %t.orig
// RUN: %clang-cluster -O2 -g %s -o %t.clustered %multicall -mllvm -syscluster-profile=%inputs/read-write.json
// RUN: head -c 300001 /dev/urandom > %t.in && : > %t.empty && rm -rf %t.dir && mkdir %t.dir
// RUN: for mode in walked loose send; do for in in %t.in %t.empty %t.dir; do for out in %t.copy /dev/full; do \
// RUN:   for be in direct io_uring auto; do \
// RUN:     rm -f %t.copy; %t.orig $mode < $in > $out 2> %t.err.orig; echo "status $?" >> %t.err.orig; \
// RUN:     if [ $out = %t.copy ]; then mv %t.copy %t.copy.orig; fi; \
// RUN:     MULTICALL_BACKEND=$be %t.clustered $mode < $in > $out 2> %t.err.clustered; echo "status $?" >> %t.err.clustered; \
// RUN:     cmp %t.err.orig %t.err.clustered || exit 1; \
// RUN:     if [ $out = %t.copy ]; then cmp %t.copy.orig %t.copy || exit 1; fi; \
// RUN: done; done; done; done
// RUN: for be in direct io_uring auto; do \
// RUN:   %t.orig walked < %t.in 2> %t.err.orig | cat > %t.pipe.orig; \
// RUN:   MULTICALL_BACKEND=$be %t.clustered walked < %t.in 2> %t.err.clustered | cat > %t.pipe.clustered; \
// RUN:   cmp %t.pipe.orig %t.pipe.clustered && cmp %t.err.orig %t.err.clustered || exit 1; done
// RUN: %t.clustered walked < %t.in 2>&1 > /dev/null | FileCheck %s --check-prefix=OUT
// OUT: walked: 300001 bytes in {{[0-9]+}} blocks, {{[0-9]+}} writes: 0

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

struct job {
	int in, out;
	char buf[8192];
	unsigned long long total;
	unsigned blocks, writes;
};

static size_t pad;

static int write_all(struct job *j, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = write(j->out, p, len);
		j->writes++;
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
		j->total += (unsigned long long)w;
	}
	return 0;
}

// REMARK-DAG: remark: {{.*}}looped-walked-pointee.c:{{[0-9]+}}:{{[0-9]+}}: kept '*j' (at byte 8200; argument 1 of 'copy') in a register across the loop of 'read' at {{.*}}: loaded once before the loop and stored at each of its exits
// REMARK-DAG: remark: {{.*}}looped-walked-pointee.c:[[#@LINE+5]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries {{.*}} (counter), {{.*}} (counter), {{.*}} (total of write's results)
static __attribute__((noinline)) int copy(struct job *j)
{
	ssize_t n;
	for (;;) {
		n = read(j->in, j->buf, sizeof j->buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		j->blocks++;
		if (write_all(j, j->buf, (size_t)n) < 0)
			return -2;
	}
	return n < 0 ? -1 : 0;
}

// REMARK-DAG: remark: {{.*}}looped-walked-pointee.c:{{[0-9]+}}:{{[0-9]+}}: did not keep '*j' (at byte 8200; argument 1 of 'copy_loose') in a register across the loop of 'read' at {{.*}}: the loop passes a pointer into it at an offset that is not a constant ({{.*}}) to {{.*}}@write
static __attribute__((noinline)) int copy_loose(struct job *j)
{
	ssize_t n;
	for (;;) {
		n = read(j->in, j->buf, sizeof j->buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		j->blocks++;
		if (write_all(j, j->buf, (size_t)n + pad) < 0)
			return -2;
	}
	return n < 0 ? -1 : 0;
}

static int send_all(struct job *j, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = send(j->out, p, len, 0);
		j->writes++;
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
		j->total += (unsigned long long)w;
	}
	return 0;
}

// SEND-DAG: remark: {{.*}}looped-walked-pointee.c:{{[0-9]+}}:{{[0-9]+}}: kept '*j' (at byte 8200; argument 1 of 'copy_send') in a register across the loop of 'read' at {{.*}}: loaded once before the loop and stored at each of its exits
// SEND-DAG: remark: {{.*}}looped-walked-pointee.c:[[#@LINE+5]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> send (stop: result <= 0, result != argument 2; 1 result reference); carries {{.*}} (counter), {{.*}} (counter), {{.*}} (total of send's results)
static __attribute__((noinline)) int copy_send(struct job *j)
{
	ssize_t n;
	for (;;) {
		n = read(j->in, j->buf, sizeof j->buf);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		j->blocks++;
		if (send_all(j, j->buf, (size_t)n) < 0)
			return -2;
	}
	return n < 0 ? -1 : 0;
}

int main(int argc, char **argv)
{
	struct job j = { 0, 1, { 0 }, 0, 0, 0 };
	pad = (size_t)(argc > 2 ? atol(argv[2]) : 0);
	int loose = argc > 1 && strcmp(argv[1], "loose") == 0;
	if (argc > 1 && strcmp(argv[1], "send") == 0) {
		struct job js = { 0, 1, { 0 }, 0, 0, 0 };
		int r = copy_send(&js);
		fprintf(stderr, "send: %llu bytes in %u blocks, %u sends: %d\n", js.total, js.blocks,
			js.writes, r);
		return r < 0 ? 3 : 0;
	}
	int r = loose ? copy_loose(&j) : copy(&j);
	fprintf(stderr, "%s: %llu bytes in %u blocks, %u writes: %d\n", loose ? "loose" : "walked",
		j.total, j.blocks, j.writes, r);
	return r < 0 ? 3 : 0;
}
