#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

/* Sums the sizes in blocks and the first block's lengths of the files named; a file that
   cannot be opened is reported and the next one taken, one that cannot be examined or read
   is reported and counted as empty. */
long sizes(int count, char **paths, char *buf, long size)
{
	long sum = 0;

	for (int i = 0; i < count; i++) {
		struct stat st;
		int fd = open(paths[i], O_RDONLY);
		if (fd < 0) {
			warn("%s", paths[i]);
			continue;
		}
		if (fstat(fd, &st) < 0) {
			warn("fstat %s", paths[i]);
			st.st_size = 0;
			st.st_blocks = 0;
		}
		long n = read(fd, buf, size);
		if (n < 0)
			warn("read %s", paths[i]);
		else
			sum += n + st.st_size / 512 + st.st_blocks;
		close(fd);
	}
	return sum;
}

#ifdef MAIN
/* sizes PATH...: prints the sum. */
int main(int argc, char **argv)
{
	char buf[64];

	printf("%ld\n", sizes(argc - 1, argv + 1, buf, sizeof buf));
	return 0;
}
#endif

/*
 * Handlers that join the common code again (section 3.3.2): the failures of fstat and read
 * are reported by warn(), after which both ways go on to the read and to the close, so
 * convexity refuses fstat -> read and read -> close (Inputs/rejoined-handler.json). The ways
 * past the handlers are quiet (loads and arithmetic): the blocks from the first join on are
 * copied for them as one path, the handlers' ways leave it for good, and open -> fstat ->
 * read -> close is one multi-call whose fstat and read stop it when they fail: the read
 * and the close are there twice after the pass, once in the copy, once for the handlers. Both
 * builds print the same for files, a directory (EISDIR at the read), a missing file, and
 * all of them together.
 *
 * REQUIRES: multicall
 * RUN: %clang -O2 -g -S -emit-llvm %s -o %t.before.ll
 * RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/rejoined-handler.json>' \
 * RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
 * RUN:   -S %t.before.ll -o %t.after.ll 2> %t.remarks
 * RUN: FileCheck %s --check-prefix=BEFORE < %t.before.ll
 * RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
 * RUN: FileCheck %s --check-prefix=AFTER < %t.after.ll
 * RUN: opt -passes=verify -disable-output %t.after.ll
 * The original blocks, where the handlers' ways go on, are refused for the edges whose copy
 * is clustered: no remark says so.
 * RUN: not grep -E 'not clustered: (fstat -> read|read -> close)' %t.remarks
 *
 * BEFORE-LABEL: define {{.*}} @sizes(
 * BEFORE-COUNT-1: call i64 @read(
 * BEFORE-COUNT-1: call i32 @close(
 * BEFORE-NOT: call i32 @close(
 *
 * REMARK: rejoined-handler.c:31:3: copied 3 blocks on the quiet path from 'fstat' at rejoined-handler.c:21:7 to 'close' at rejoined-handler.c:31:3 so that the hot edges fstat -> read -> close (weight 26) are one path of their own: each way off it that came back to it (an error handler joining the common code) now leaves for good, into the original blocks
 * REMARK: rejoined-handler.c:16:12: clustered 4 system calls into one multi-call: open -> fstat -> read -> close (stop: result < 0, result < 0, result < 0, never
 *
 * AFTER-LABEL: define {{.*}} @sizes(
 * AFTER: call i64 @multicall(ptr %{{.*}}, i32 4)
 * AFTER-COUNT-2: call i64 @read(
 * AFTER-NOT: call i64 @read(
 *
 * RUN: %clang -O2 -g -DMAIN %s -o %t.orig
 * RUN: %clang-cluster -O2 -g -DMAIN %s -o %t.clustered %multicall \
 * RUN:   -mllvm -syscluster-profile=%inputs/rejoined-handler.json
 * RUN: mkdir -p %t.dir && printf 'a file to read\n' > %t.file && rm -f %t.missing
 * RUN: head -c 100000 /dev/zero > %t.big
 * RUN: for args in "%t.file" "%t.dir" "%t.missing" "%t.big %t.file" "%t.file %t.dir %t.missing %t.big %t.file"; do \
 * RUN:   %t.orig $args 2>&1 | sed 's/^[^:]*orig: //' > %t.out.orig; \
 * RUN:   %t.clustered $args 2>&1 | sed 's/^[^:]*clustered: //' > %t.out.clustered; \
 * RUN:   cmp %t.out.orig %t.out.clustered || exit 1; \
 * RUN: done
 * RUN: %t.clustered %t.file %t.dir 2>&1 | FileCheck %s --check-prefix=EISDIR
 * EISDIR: read {{.*}}.dir: Is a directory
 * EISDIR-NEXT: {{^[0-9]+$}}
 */
