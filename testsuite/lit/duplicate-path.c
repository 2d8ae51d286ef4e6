#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

int opt_stat;

/* Reads the start of PATH into BUF; with opt_stat, checks that it is a file first. */
long show(const char *path, char *buf, long size)
{
	struct stat st;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -1;
	if (opt_stat) {
		if (fstat(fd, &st) < 0)
			return -2;
	}
	long n = read(fd, buf, size);
	close(fd);
	return n;
}

#ifdef MAIN
#include <errno.h>
#include <stdio.h>
#include <string.h>

/* show PATH [stat]: prints what show returns, errno and the bytes read. */
int main(int argc, char **argv)
{
	char buf[64];
	long n;

	opt_stat = argc > 2;
	errno = 0;
	n = show(argv[1], buf, sizeof buf);
	printf("%ld %s %.*s\n", n, strerror(errno), n > 0 ? (int)n : 0, buf);
	return n < 0;
}
#endif

/*
 * Tail duplication (section 3.3.2): the hot edge fstat -> read (Inputs/duplicate-path.json)
 * is refused for dominance, since read also runs when opt_stat is 0. The block of read and
 * close is copied for the path from fstat, whose copy fstat then dominates: fstat -> read ->
 * close is one multi-call there, read -> close another on the other path. Both builds print
 * the same for a file, a directory (EISDIR at the read) and a missing file, with and without
 * the fstat.
 *
 * REQUIRES: multicall
 * RUN: %clang -O2 -g -S -emit-llvm %s -o %t.before.ll
 * RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/duplicate-path.json>' \
 * RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
 * RUN:   -S %t.before.ll -o %t.after.ll 2> %t.remarks
 * RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
 * RUN: FileCheck %s --check-prefix=AFTER < %t.after.ll
 * RUN: opt -passes=verify -disable-output %t.after.ll
 *
 * REMARK: duplicate-path.c:19:11: copied 1 block on the path from 'fstat' at duplicate-path.c:16:7 to 'read' at duplicate-path.c:19:11 so that the hot edge fstat -> read (weight 90) has a path of its own: read can also be reached without fstat
 * REMARK-DAG: duplicate-path.c:19:11: clustered 2 system calls into one multi-call: read -> close
 * REMARK-DAG: duplicate-path.c:15:6: moved '%8 = load i32, ptr @opt_stat, align 4' above 'open' at duplicate-path.c:11:11, out of the gap between 'open' at duplicate-path.c:11:11 and 'fstat' at duplicate-path.c:16:7
 * REMARK-DAG: duplicate-path.c:11:11: clustered 4 system calls into one multi-call: open -> fstat -> read -> close (stop: result < 0, result < 0, never, never; 3 result references); it goes on after open only when @opt_stat is not zero
 *
 * The test of opt_stat (loaded above the open for the path to the read, which may write
 * what it reads) is a guard: with opt_stat 0 the batch ends after the open, and the copy of
 * read -> close on that path is a multi-call of its own.
 *
 * AFTER-LABEL: define {{.*}} @show(
 * AFTER: %mc.guard.off = icmp eq i1 %{{.*}}, true
 * AFTER: call i64 @multicall(ptr %{{.*}}, i32 %mc.count)
 * AFTER: call i64 @multicall(ptr %{{.*}}, i32 2)
 *
 * RUN: %clang -O2 -g -DMAIN %s -o %t.orig
 * RUN: %clang-cluster -O2 -g -DMAIN %s -o %t.clustered %multicall \
 * RUN:   -mllvm -syscluster-profile=%inputs/duplicate-path.json
 * RUN: mkdir -p %t.dir && printf 'a file to read\n' > %t.file && rm -f %t.missing
 * RUN: for args in "%t.file" "%t.file stat" "%t.dir" "%t.dir stat" "%t.missing" "%t.missing stat"; do \
 * RUN:   %t.orig $args > %t.out.orig 2>&1; echo "status $?" >> %t.out.orig; \
 * RUN:   %t.clustered $args > %t.out.clustered 2>&1; echo "status $?" >> %t.out.clustered; \
 * RUN:   cmp %t.out.orig %t.out.clustered || exit 1; \
 * RUN: done
 * RUN: not %t.clustered %t.dir stat | FileCheck %s --check-prefix=EISDIR
 * EISDIR: -1 Is a directory
 */
