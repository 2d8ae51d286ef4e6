// A copy loop that upper-cases each block in a loop of its own before a write-all loop: at
// -O1 clang keeps the write-all loop inside the copy loop, and the way from the read round
// the copy loop's header to the write goes through the upper-casing loop. That loop's header
// dominates the read (every way to it passes there) but its loop does not hold the read, and
// its count of the letters changed is used after it: a copy of the way would join that count
// wrongly (the rewritten module would not verify, and the pass would put it back whole), so
// that way is not copied (transform/duplicate.rs, `round_path`; a loop that leaves no value
// behind, a first write-all loop before a second, is copied: e2e framecopy.c). The module is still rewritten (the first
// iteration of the write-all loop peeled) and verifies.
//
// RUN: %clang -O1 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-write.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK --implicit-check-not="internal error" \
// RUN:   --implicit-check-not="round the loop's header" < %t.remarks
// RUN: opt -passes=verify -disable-output %t.out.ll

#include <errno.h>
#include <unistd.h>

static char buf[1536];

static ssize_t xwrite(int fd, const char *c, size_t n)
{
	size_t left = n;

	while (left > 0) {
		ssize_t w = write(fd, c, left);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		c += w;
		left -= w;
	}
	return n;
}

// REMARK: remark: {{.*}}round-inner-loop.c:{{[0-9]+}}:{{[0-9]+}}: peeled the first iteration of the loop at block {{.*}} so that the first 'write' at {{.*}} after 'read' at round-inner-loop.c:[[#@LINE+6]]:{{[0-9]+}} does not enter the loop
int main(void)
{
	unsigned long changed = 0;
	ssize_t n;

	while ((n = read(0, buf, sizeof buf)) > 0) {
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] >= 'a' && buf[i] <= 'z') {
				buf[i] -= 32;
				changed++;
			}
		if (xwrite(1, buf, n) < 0)
			return 3;
	}
	return changed & 1;
}
