// A loop whose calls take their descriptors from a file-scope struct that the loop also
// updates (`job.out` replaced every 64 blocks, counters beside it): `globals` keeps the
// struct's fields in registers across the loop and deletes their loads, which were the
// calls' arguments. The transformations after it see the module as it stands, with its
// sites scanned again (transform/mod.rs `run_on_hot`), never a deleted load: the pass
// must not crash, the module verifies, and the read -> write pair clusters. With
// -syscluster-verify-sites the pass checks, after each transformation, that no site holds a
// deleted instruction (without the rescan it names 'globals' in an internal-error warning).
//
// RUN: %clang -O1 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-write.json>' \
// RUN:   -syscluster-verify-sites -pass-remarks=syscall-cluster -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: not grep 'internal error' %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: opt -passes=verify -disable-output %t.out.ll
//
// Without a remark asked for, the pass prints no value for one (ir::texts_wanted) and
// rewrites the module the same.
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-write.json>' \
// RUN:   -S %t.ll -o %t.quiet.ll
// RUN: cmp %t.out.ll %t.quiet.ll
//
// Both builds write the same output, the same parts and the same report.
// REQUIRES: multicall
// RUN: %clang -O1 -g %s -o %t.orig
// RUN: %clang-cluster -O1 -g %s -o %t.clustered %multicall -mllvm -syscluster-profile=%inputs/read-write.json
// RUN: head -c 300001 /dev/urandom > %t.in
// RUN: rm -rf %t.o %t.c && mkdir %t.o %t.c
// RUN: for be in direct io_uring auto; do \
// RUN:   %t.orig %t.o/out < %t.in > %t.o/stdout 2> %t.o/stderr; echo "status $?" >> %t.o/stderr; \
// RUN:   MULTICALL_BACKEND=$be %t.clustered %t.c/out < %t.in > %t.c/stdout 2> %t.c/stderr; echo "status $?" >> %t.c/stderr; \
// RUN:   diff -r %t.o %t.c || exit 1; \
// RUN:   %t.orig %t.o/out < %t.in > /dev/full 2> %t.o/stderr; echo "status $?" >> %t.o/stderr; \
// RUN:   MULTICALL_BACKEND=$be %t.clustered %t.c/out < %t.in > /dev/full 2> %t.c/stderr; echo "status $?" >> %t.c/stderr; \
// RUN:   diff -r %t.o %t.c || exit 1; \
// RUN: done

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

struct job {
	int in, out;
	unsigned long long total;
	unsigned blocks, part;
	char buf[4096];
	const char *base;
};
static struct job job;

int main(int argc, char **argv)
{
	job.base = argc > 1 ? argv[1] : "part";
	job.in = 0;
	job.out = 1;
	ssize_t n;
	// REMARK: remark: {{.*}}promoted-arguments.c:[[#@LINE+2]]:{{[0-9]+}}: kept 'job' in a register across the loop of 'read'
	// REMARK: remark: {{.*}}promoted-arguments.c:[[#@LINE+1]]:{{[0-9]+}}: clustered 2 system calls into one multi-call: read -> write
	while ((n = read(job.in, job.buf, sizeof job.buf)) > 0) {
		job.blocks++;
		ssize_t w = write(job.out, job.buf, n);
		if (w != n) {
			perror("write");
			break;
		}
		job.total += w;
		if (job.blocks % 64 == 0) {
			char name[4096];
			close(job.out);
			snprintf(name, sizeof name, "%s.%u", job.base, ++job.part);
			job.out = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0644);
			if (job.out < 0) {
				perror(name);
				break;
			}
		}
	}
	printf("%llu bytes in %u blocks, %u parts\n", job.total, job.blocks, job.part);
	return n != 0;
}
