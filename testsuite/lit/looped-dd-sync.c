// dd's copy loop with its options as GNU and busybox dd write it: a count of blocks, the
// input records counted before the write, conv=sync padding of a short block, and the
// output records counted after the write, all in file-scope variables. The padding's way
// gets its own write (the rejoined copy), the read's tests then all go on where it moved a
// whole block, so its stop is `result != argument 2` (conditions::implied_by_whole); the
// records' choices are split and kept in registers; and the loop resumes after its stops:
// the output records' branch after the write is one the way round decides (the write moved
// the whole block), so a `select` on its condition chooses as the branch did
// (resume::taken_on_way). The same loop in a function whose opens are tested together
// (`if (in < 0 || out < 0)`): no peel of a first iteration follows them, and the loop is
// asked whole with the padding's own copy of the write once `rejoined` made it (the sites
// are scanned again after it).
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/dd-loop.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.ll \
// RUN:   -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: FileCheck %s < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long long r_full, r_partial, w_full, w_partial;
static unsigned long long total;

static void report(void)
{
	fprintf(stderr, "%lld+%lld records in\n%lld+%lld records out\n%llu bytes\n", r_full,
		r_partial, w_full, w_partial, total);
}

// REMARK-DAG: remark: {{.*}}looped-dd-sync.c:[[#@LINE+25]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result != argument 2, result != argument 2; 0 result references); carries {{.*}}(counter){{.*}}; each batch runs at most the iterations until the counter %{{[0-9]+}}
// CHECK-LABEL: define {{.*}} @main(
// CHECK: call i64 @multicall_loop(
int main(int argc, char **argv)
{
	char buf[4096];
	int sync = 0, rc = 0;
	if (argc < 3)
		return 2;
	long count = argc > 3 ? strtol(argv[3], 0, 10) : -1;
	if (argc > 4 && !strcmp(argv[4], "sync"))
		sync = 1;
	int in = open(argv[1], O_RDONLY);
	if (in < 0) {
		perror(argv[1]);
		report();
		return 1;
	}
	int out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0) {
		perror(argv[2]);
		report();
		return 1;
	}
	while (count--) {
		ssize_t n = read(in, buf, 4096);
		if (n <= 0) {
			if (n < 0) {
				perror("reading");
				rc = 1;
			}
			break;
		}
		if (n == 4096)
			r_full++;
		else
			r_partial++;
		if (sync && n < 4096) {
			memset(buf + n, 0, 4096 - n);
			n = 4096;
		}
		ssize_t w = write(out, buf, n);
		if (w < 0) {
			perror("writing");
			rc = 1;
			break;
		}
		if (w == 4096)
			w_full++;
		else
			w_partial++;
		total += w;
		if (w != n) {
			rc = 1;
			break;
		}
	}
	report();
	return rc;
}

// REMARK-DAG: remark: {{.*}}looped-dd-sync.c:[[#@LINE+12]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result != argument 2, result != argument 2; 0 result references)
// CHECK-LABEL: define {{.*}} @opened_together(
// CHECK: call i64 @multicall_loop(
int opened_together(const char *from, const char *to, long count, int sync)
{
	static char buf[4096];
	int in = open(from, O_RDONLY);
	int out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (in < 0 || out < 0)
		return 1;
	while (count--) {
		ssize_t n = read(in, buf, 4096);
		if (n <= 0)
			return n < 0;
		if (n == 4096)
			r_full++;
		else
			r_partial++;
		if (sync && n < 4096) {
			memset(buf + n, 0, 4096 - n);
			n = 4096;
		}
		ssize_t w = write(out, buf, n);
		if (w != n)
			return 1;
		total += w;
	}
	return 0;
}
