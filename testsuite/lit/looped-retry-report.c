// A copy loop that retries an interrupted read by `continue` and finishes short writes in a
// write-all loop of its own that retries too, reporting the total on every way out (as a
// program that runs under a timer without SA_RESTART is written). Peeling the write-all
// loop's first iteration leaves its address `buf + off` as `buf + zext(0)` in the copy, which
// folds to `buf` (the copy's instructions are simplified in program order, operands first:
// the same output on every run), and the whole loop is one looped multi-call whose stops
// resume it (the retry and the rest of a short write are the original code's). The total
// reaches its addition through a phi that merges copies of it (resume-loop.ll
// `merged_total`).
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-write.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: FileCheck %s --check-prefix=IR < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static char buf[4096];

// IR-LABEL: define {{.*}}@report_retry(
// IR: call i64 @multicall_loop
// REMARK-DAG: remark: {{.*}}looped-retry-report.c:[[#@LINE+6]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries %{{[0-9a-z.]+}} (total of read's results); its buffers are dead after the loop but for a stop past the first call
int report_retry(int in, int out)
{
	long total = 0;

	for (;;) {
		int n = read(in, buf, sizeof buf);
		switch (n) {
		case 0:
			signal(SIGALRM, SIG_IGN);
			fprintf(stderr, "%ld bytes\n", total);
			return 0;
		case -1:
			if (errno == EINTR)
				continue;
			fprintf(stderr, "read: %s after %ld\n", strerror(errno), total);
			return 1;
		}
		int off = 0;
		while (off < n) {
			int w = write(out, buf + off, n - off);
			if (w < 0) {
				if (errno == EINTR)
					continue;
				fprintf(stderr, "write: %s at %d of %d (total %ld)\n", strerror(errno), off, n, total);
				return 1;
			}
			off += w;
		}
		total += n;
	}
}
