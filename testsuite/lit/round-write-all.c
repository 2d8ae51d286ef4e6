// A read-until-full helper and a write-all helper, both inlined into a copy loop that stops
// after a short block (transform/duplicate.rs round paths): the write-all loop nests in the
// copy loop, whose header is the read's. The way round from the write to the read is the
// likeliest one (through the write's success, not its EINTR retry, which is as short), and
// each copy sees only the values of the copies before it: the copy of the test `n < 4096`
// after the write-all loop tests the block count the write-all loop carries, not the copied
// read's result, which runs after it.
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/copy-by-name.json>' -pass-remarks=syscall-cluster \
// RUN:   -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: opt -passes=verify -disable-output %t.out.ll

// REMARK: remark: {{.*}}round-write-all.c:{{[0-9]+}}:{{[0-9]+}}: copied 8 blocks on the way from 'write' at round-write-all.c:{{[0-9]+}}:{{[0-9]+}} round the loop's header to 'read' at round-write-all.c:{{[0-9]+}}:{{[0-9]+}} so that the hot edge write -> read (weight 556) is one iteration
// REMARK-NOT: internal error

#include <errno.h>
#include <unistd.h>

static ssize_t read_full(int fd, char *b, size_t len)
{
	size_t got = 0;

	while (got < len) {
		ssize_t r = read(fd, b + got, len - got);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		got += r;
	}
	return got;
}

static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, p, len);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= w;
	}
	return 0;
}

int copy_full_blocks(int in, int out)
{
	static char buf[4096];
	ssize_t n;

	while ((n = read_full(in, buf, sizeof(buf))) > 0) {
		if (write_all(out, buf, n) < 0)
			return -1;
		if (n < (ssize_t)sizeof(buf))
			break;
	}
	return n < 0 ? -1 : 0;
}
