// Error handlers shared by the calls of a cluster (section 3.3.2): a `goto fail` cleanup
// that closes the file or not, `exit(1)` after each call (which clang merges into one block),
// and a shared `out:` returning a code set before each call. Each handler leaves the region,
// so legality takes the chain as it stands, at -O1 and -O2, without duplicating the handler;
// the lowered program takes each call's own way out.
//
// RUN: %clang -O1 -g -S -emit-llvm %s -o %t.O1.ll
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.O2.ll
// RUN: for o in O1 O2; do \
// RUN:   %opt-cluster -passes='syscall-cluster<profile=%inputs/error-paths.json>' \
// RUN:     -pass-remarks=syscall-cluster -S %t.$o.ll -o %t.$o.out.ll 2> %t.$o.remarks || exit 1; \
// RUN:   opt -passes=verify -disable-output %t.$o.out.ll || exit 1; \
// RUN: done
// RUN: FileCheck %s < %t.O1.remarks
// RUN: FileCheck %s < %t.O2.remarks

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

static char buf[512];

// CHECK-DAG: error-paths.c:[[#@LINE+4]]:{{[0-9]+}}: clustered 4 system calls into one multi-call: open -> fstat -> read -> close (stop: result < 0, result < 0, result < 0, never; 3 result references)
int shared_fail(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		goto fail;
	if (fstat(fd, &st) < 0)
		goto fail_close;
	if (read(fd, buf, sizeof buf) < 0)
		goto fail_close;
	if (close(fd) < 0)
		goto fail;
	return 0;
fail_close:
	close(fd);
fail:
	perror(path);
	return -1;
}

// CHECK-DAG: error-paths.c:[[#@LINE+4]]:{{[0-9]+}}: clustered 3 system calls into one multi-call: open -> fstat -> read (stop: result < 0, result < 0, never; 2 result references)
int shared_exit(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		exit(1);
	if (fstat(fd, &st) < 0)
		exit(1);
	if (read(fd, buf, sizeof buf) < 0)
		exit(1);
	return fd;
}

// CHECK-DAG: error-paths.c:[[#@LINE+5]]:{{[0-9]+}}: clustered 3 system calls into one multi-call: open -> fstat -> read (stop: result < 0, result < 0, never; 2 result references)
int ret_code(const char *path)
{
	struct stat st;
	int rc = -1;
	int fd = open(path, O_RDONLY);
	if (fd < 0)
		goto out;
	rc = -2;
	if (fstat(fd, &st) < 0)
		goto out;
	rc = -3;
	if (read(fd, buf, sizeof buf) < 0)
		goto out;
	rc = 0;
out:
	return rc;
}
