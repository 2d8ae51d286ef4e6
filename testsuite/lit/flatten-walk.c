#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

/* walk DIR: counts the regular files directly in DIR and their bytes. */
int main(int argc, char **argv)
{
	DIR *d = opendir(argc > 1 ? argv[1] : ".");
	if (!d) {
		perror("opendir");
		return 1;
	}
	int dfd = dirfd(d);
	long long total = 0;
	int files = 0;
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		int fd = openat(dfd, e->d_name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
		if (fd < 0)
			continue;
		struct stat st;
		if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
			total += st.st_size;
			files++;
		}
		close(fd);
	}
	closedir(d);
	printf("%d files, %lld bytes\n", files, total);
	return 0;
}

/*
 * Flattening (pass.md 2c''''): the totals kept between the fstat and the close, on both
 * ways of the fstat's test, are computed on every way and chosen by selects; the lifetime
 * start of the `struct stat` declared in the loop's body rises above the openat (LLVM
 * computed its fields' addresses before the loop, which reads none of it), and openat ->
 * fstat -> close is one multi-call per file (Inputs/flatten-walk.json). Both builds print the same for a
 * directory of files, links, a FIFO, an unreadable file and a subdirectory, an empty one
 * and a missing one, on every host backend.
 *
 * REQUIRES: multicall
 * RUN: %clang -O2 -g -S -emit-llvm %s -o %t.before.ll
 * RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/flatten-walk.json>' \
 * RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
 * RUN:   -S %t.before.ll -o %t.after.ll 2> %t.remarks
 * RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
 * RUN: opt -passes=verify -disable-output %t.after.ll
 *
 * REMARK-DAG: flatten-walk.c:30:3: computed the 2 blocks between 'fstat' at flatten-walk.c:26:7 and 'close' at flatten-walk.c:30:3 on every way
 * REMARK-DAG: flatten-walk.c:25:3: moved 'call void @llvm.lifetime.start.p0(i64 144, ptr nonnull %3) #6' above 'openat' at flatten-walk.c:22:12
 * REMARK-DAG: flatten-walk.c:22:12: clustered 3 system calls into one multi-call: openat -> fstat -> close
 *
 * RUN: %clang -O2 -g %s -o %t.orig
 * RUN: %clang-cluster -O2 -g %s -o %t.clustered %multicall \
 * RUN:   -mllvm -syscluster-profile=%inputs/flatten-walk.json
 * RUN: rm -rf %t.d %t.empty && mkdir -p %t.d/sub %t.empty
 * RUN: printf 'abc' > %t.d/a && head -c 5000 /dev/zero > %t.d/b && : > %t.d/c
 * RUN: ln -s a %t.d/link && ln -s nowhere %t.d/dangling && mkfifo %t.d/fifo
 * RUN: : > %t.d/locked && chmod 000 %t.d/locked
 * RUN: for dir in %t.d %t.empty %t.missing; do for be in direct io_uring auto; do \
 * RUN:   %t.orig $dir > %t.out.orig 2>&1; echo "status $?" >> %t.out.orig; \
 * RUN:   MULTICALL_BACKEND=$be %t.clustered $dir > %t.out.clustered 2>&1; echo "status $?" >> %t.out.clustered; \
 * RUN:   cmp %t.out.orig %t.out.clustered || exit 1; \
 * RUN: done; done
 * RUN: %t.clustered %t.d | FileCheck %s --check-prefix=OUT
 * OUT: {{[34]}} files, 5003 bytes
 */
