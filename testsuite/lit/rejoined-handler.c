#include <err.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

/* Sums the sizes and the first block's lengths of the files named; a file that cannot be
   opened, examined or read is reported, and the next one taken. */
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
			close(fd);
			continue;
		}
		long n = read(fd, buf, size);
		if (n < 0)
			warn("read %s", paths[i]);
		else
			sum += n + st.st_size;
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
 * A handler that joins the common code again (section 3.3.2): the read's failure is
 * reported by warn(), after which both ways close the file, so convexity refuses read ->
 * close (Inputs/rejoined-handler.json). The way past the handler is quiet (an addition):
 * the close's block is copied for it, the handler's way leaves the path for good, and
 * open -> fstat -> read -> close is one multi-call whose read stops it when it fails. Both
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
 *
 * BEFORE-LABEL: define {{.*}} @sizes(
 * BEFORE-COUNT-2: call i32 @close(
 * BEFORE-NOT: call i32 @close(
 *
 * REMARK: rejoined-handler.c:30:3: copied 1 block on the quiet path from 'read' at rejoined-handler.c:25:12 to 'close' at rejoined-handler.c:30:3 so that the hot edge read -> close (weight 26) is a path of its own: the way off it that came back to it (an error handler joining the common code) now leaves for good, into the original blocks
 * REMARK: rejoined-handler.c:15:12: clustered 4 system calls into one multi-call: open -> fstat -> read -> close (stop: result < 0, result < 0, result < 0, never
 *
 * AFTER-LABEL: define {{.*}} @sizes(
 * AFTER: call i64 @multicall(ptr %{{.*}}, i32 4)
 * AFTER-COUNT-3: call i32 @close(
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
 * EISDIR-NEXT: 30
 */
