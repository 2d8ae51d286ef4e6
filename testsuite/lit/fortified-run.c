// glibc's fortified entry points (-D_FORTIFY_SOURCE), called as a newer glibc's headers make
// clang call them: `__read_chk(fd, buf, n, sizeof buf)` is `read` after the check
// `n > sizeof buf` -> `__chk_fail` (abort). Clustered, the check must fail where the
// original's did: before the batch when the fortified call is first (nothing written), and
// after the calls before it when it comes later ("before" written, then the abort).
//
// REQUIRES: multicall
// RUN: %clang -O2 -g %s -o %t.orig
// RUN: %clang-cluster -O2 -g %s -o %t.clustered %multicall \
// RUN:   -mllvm -syscluster-profile=%inputs/fortified-run.json -Rpass=syscall-cluster 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: nm %t.clustered | FileCheck %s --check-prefix=SYMS
// RUN: for mode in first later; do for n in 16 64 65 1000; do \
// RUN:   %t.orig $mode $n > %t.orig.$mode.$n 2>&1; echo "exit $?" >> %t.orig.$mode.$n; \
// RUN:   %t.clustered $mode $n > %t.clustered.$mode.$n 2>&1; echo "exit $?" >> %t.clustered.$mode.$n; \
// RUN:   diff %t.orig.$mode.$n %t.clustered.$mode.$n || exit 1; \
// RUN: done; done
// RUN: FileCheck %s --check-prefix=LATER-OK < %t.clustered.later.16
// RUN: FileCheck %s --check-prefix=LATER-OVER < %t.clustered.later.65
// RUN: FileCheck %s --check-prefix=FIRST-OVER < %t.clustered.first.1000

// REMARK-DAG: fortified-run.c:{{[0-9]+}}:{{[0-9]+}}: remark: clustered 2 system calls into one multi-call: __read_chk -> write
// REMARK-DAG: fortified-run.c:{{[0-9]+}}:{{[0-9]+}}: remark: clustered 3 system calls into one multi-call: write -> __read_chk -> write
// SYMS: U __chk_fail
// SYMS: U multicall
// LATER-OK: before
// LATER-OK-NEXT: hello, fortifiedexit 0
// LATER-OVER: before
// LATER-OVER-NEXT: *** buffer overflow detected ***: terminated
// LATER-OVER-NEXT: exit 134
// FIRST-OVER-NOT: hello
// FIRST-OVER: *** buffer overflow detected ***: terminated
// FIRST-OVER-NEXT: exit 134
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern ssize_t __read_chk(int fd, void *buf, size_t n, size_t buflen);

static const char text[] = "hello, fortified world: enough bytes for every length\n";

/* The fortified call first: nothing written when its check fails. */
static __attribute__((noinline)) int first(int fd, size_t n)
{
	char buf[64];
	ssize_t r = __read_chk(fd, buf, n, sizeof buf);

	if (r < 0)
		return 3;
	return write(1, buf, r) == r ? 0 : 4;
}

/* The fortified call second: "before" written, then the check fails. */
static __attribute__((noinline)) int later(int fd, size_t n)
{
	char buf[64];
	ssize_t r;

	if (write(1, "before\n", 7) != 7)
		return 5;
	r = __read_chk(fd, buf, n, sizeof buf);
	if (r < 0)
		return 6;
	return write(1, buf, r) == r ? 0 : 7;
}

int main(int argc, char **argv)
{
	int p[2];
	size_t n;

	if (argc != 3 || pipe(p) != 0 || write(p[1], text, sizeof text - 1) < 0)
		return 2;
	n = strtoul(argv[2], NULL, 10);
	return strcmp(argv[1], "first") == 0 ? first(p[0], n) : later(p[0], n);
}
