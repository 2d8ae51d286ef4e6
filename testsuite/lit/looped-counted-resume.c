// Counted loops whose way round counts full and partial records (dd's `n == bs ? full++ :
// part++`): the advancing form, bounded by its count (legality/counted.rs), has no stop
// that decides that branch, so the loop resumes after its stops instead
// (legality/resume.rs): the read stops on every short block, and the latch's test of the
// count, which no result decides, is a period test (legality/period.rs `reaches`): each
// batch runs at most the iterations the count has left, and the lowering makes the test
// again after it. A count up to a bound (`i + 1 == count`, an equality clang knows is met)
// and a count down (`count-- > 0`, read mirrored), `long` or `int`, by 1 or by 2, the
// records counted before the write in a loop clang left unrotated, and a counter by 3 that
// the advancing form refuses; refused: a count against a limit that moves too.
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/copy-by-name.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.ll \
// RUN:   -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: FileCheck %s < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll

#include <string.h>
#include <unistd.h>

long long full, part;
// REMARK-DAG: remark: {{.*}}looped-counted-resume.c:[[#@LINE+10]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result != argument 2, result != argument 2; 1 result reference); carries %{{[0-9]+}} (counter), %{{[0-9]+}} (counter), %{{[0-9]+}} (counter); each batch runs at most the iterations until the counter %{{[0-9]+}} after the iteration reaches i64 %{{[0-9]+}}, where the original makes the test '%{{[0-9]+}} = icmp eq i64 %{{[0-9]+}}, %{{[0-9]+}}' and goes on
// CHECK-LABEL: define {{.*}} @up_count(
// CHECK: %mc.loop.reach.room = sub i64 %
// CHECK: call i64 @multicall_loop(
__attribute__((noinline)) long up_count(int in, int out, long count)
{
	static char buf[4096];
	long f = 0, p = 0;
	ssize_t n = 0;
	for (long i = 0; i < count; i++) {
		n = read(in, buf, sizeof buf);
		if (n <= 0)
			break;
		if (write(out, buf, n) != n)
			return -1;
		if (n == sizeof buf)
			f++;
		else
			p++;
	}
	full = f;
	part = p;
	return n;
}
// REMARK-DAG: remark: {{.*}}looped-counted-resume.c:[[#@LINE+9]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result != argument 2, result != argument 2; 1 result reference); carries %{{[0-9]+}} (counter), %{{[0-9]+}} (counter), %{{[0-9]+}} (counter); each batch runs at most the iterations until the counter %{{[0-9]+}} comes down to i64 {{[01]}}, where the original makes the test '%{{[0-9]+}} = icmp {{[su]}}gt i64 %{{[0-9]+}}, {{[01]}}' and goes on
// CHECK-LABEL: define {{.*}} @down_count(
// CHECK: %mc.loop.reach.room = sub i64 %
// CHECK: call i64 @multicall_loop(
__attribute__((noinline)) long down_count(int in, int out, long count)
{
	static char buf[4096];
	long f = 0, p = 0;
	ssize_t n = 0;
	while (count-- > 0 && (n = read(in, buf, sizeof buf)) > 0) {
		if (write(out, buf, n) != n)
			return -1;
		if (n == sizeof buf)
			f++;
		else
			p++;
	}
	full = f;
	part = p;
	return count;
}
// The records counted between the read and the write, as dd does: clang leaves the loop
// unrotated, its header computing `count - 1` and testing `count > 0` before the read, and
// the records' step (`f + zext (n == 4096)`) is no value the plain form knows. The loop is
// rotated (transform/flag_test.rs), the count's test then on the way round, and resumes
// after its stops: the read's stronger stop decides the records' test, so one counter steps
// by 1 and the other is left alone.
// REMARK-DAG: remark: {{.*}}looped-counted-resume.c:[[#@LINE+9]]:{{[0-9]+}}: rotated the loop that tests %{{[0-9]+}} before 'read' at looped-counted-resume.c:[[#@LINE+9]]:{{[0-9]+}}: the test runs once before the loop and after each iteration, so that the loop's header begins with read
// REMARK-DAG: remark: {{.*}}looped-counted-resume.c:[[#@LINE+8]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result != argument 2, result != argument 2; 1 result reference); carries %{{[0-9]+}} (counter), %{{[0-9]+}} (counter), %{{[0-9]+}} (counter); each batch runs at most the iterations until the counter %{{[0-9]+}} comes down to i64 0
// CHECK-LABEL: define {{.*}} @records_first(
// CHECK: call i64 @multicall_loop(
__attribute__((noinline)) long records_first(int in, int out, long count)
{
	static char buf[4096];
	long f = 0, p = 0;
	ssize_t n = 0;
	while (count-- > 0 && (n = read(in, buf, sizeof buf)) > 0) {
		if (n == sizeof buf)
			f++;
		else
			p++;
		if (write(out, buf, n) != n)
			return -1;
	}
	full = f;
	part = p;
	return count;
}
// An `int` count: the test widened by the lowering as the comparison reads it.
// REMARK-DAG: remark: {{.*}}looped-counted-resume.c:[[#@LINE+11]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result != argument 2, result != argument 2; 1 result reference); carries %{{[0-9]+}} (counter), %{{[0-9]+}} (counter), %{{[0-9]+}} (counter); each batch runs at most the iterations until the counter %{{[0-9]+}} comes down to i32 {{[01]}}
// CHECK-LABEL: define {{.*}} @down_int(
// CHECK: {{[sz]}}ext i32 %{{.*}} to i64
// CHECK: %mc.loop.reach.room = sub i64 %
// CHECK: call i64 @multicall_loop(
__attribute__((noinline)) int down_int(int in, int out, int count)
{
	static char buf[4096];
	int f = 0, p = 0;
	ssize_t n = 0;

	while (count-- > 0 && (n = read(in, buf, sizeof buf)) > 0) {
		if (write(out, buf, n) != n)
			return -1;
		if (n == sizeof buf)
			f++;
		else
			p++;
	}
	full = f;
	part = p;
	return count;
}

// A count by 2: a counter that grows by 2 at most in each iteration.
// REMARK-DAG: remark: {{.*}}looped-counted-resume.c:[[#@LINE+10]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result != argument 2, result != argument 2; 1 result reference); carries %{{[0-9]+}} (counter), %{{[0-9]+}} (counter), %{{[0-9]+}} (counter); each batch runs at most the iterations until the counter %{{[0-9]+}} after the iteration reaches i64 %{{[0-9]+}} (by 2 in each)
// CHECK-LABEL: define {{.*}} @by_two(
// CHECK: %mc.loop.reach.room = sub i64 %
// CHECK: call i64 @multicall_loop(
__attribute__((noinline)) long by_two(int in, int out, long count)
{
	static char buf[4096];
	long f = 0, p = 0;
	ssize_t n = 0;
	for (long i = 0; i < count; i += 2) {
		n = read(in, buf, sizeof buf);
		if (n <= 0)
			break;
		if (write(out, buf, n) != n)
			return -1;
		if (n == sizeof buf)
			f++;
		else
			p++;
	}
	full = f;
	part = p;
	return n;
}

// A counter by 3 from a value set before the loop, next to a plain count of the blocks: the
// advancing form takes only a counter by 1 ("does not step by 1 up or down"), so the loop
// resumes after its stops instead, each batch running at most the iterations until the
// counter reaches the bound (by 3 in each).
// REMARK-DAG: remark: {{.*}}looped-counted-resume.c:[[#@LINE+8]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries %{{[0-9]+}} (counter), %{{[0-9]+}} (counter); each batch runs at most the iterations until the counter %{{[0-9]+}} after the iteration reaches i64 %{{[0-9]+}} (by 3 in each)
// CHECK-LABEL: define {{.*}} @by_three(
// CHECK: call i64 @multicall_loop_flags(
__attribute__((noinline)) long by_three(int in, int out, long start, long count)
{
	static char buf[4096];
	long blocks = 0;
	for (long i = start; i < count; i += 3) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n <= 0)
			break;
		if (write(out, buf, n) != n)
			return -1;
		blocks++;
	}
	return blocks;
}

// `while (count--)` on an `int`, the output records counted after the write's test: clang
// rotates the loop itself, stepping the count before the read and testing the step's
// result on the way round (`count - 1 == 0`). That test compares the counter's next value,
// computed before the call but carried round the loop, not a condition set before it: a
// period test like the others.
// REMARK-DAG: remark: {{.*}}looped-counted-resume.c:[[#@LINE+8]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result != argument 2, result != argument 2; 1 result reference); carries %{{[0-9]+}} (counter), %{{[0-9]+}} (counter), %{{[0-9]+}} (counter), %{{[0-9]+}} (counter); each batch runs at most the iterations until the counter %{{[0-9]+}} after the iteration comes down to i32 0, where the original makes the test '%{{[0-9]+}} = icmp eq i32 %{{[0-9]+}}, 0' and goes on
// CHECK-LABEL: define {{.*}} @stepped_first(
// CHECK: call i64 @multicall_loop(
__attribute__((noinline)) int stepped_first(int in, int out, int count)
{
	static char buf[4096];
	long f = 0, p = 0, t = 0;
	while (count--) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n <= 0)
			break;
		ssize_t w = write(out, buf, n);
		if (w != n)
			return -1;
		if (w == sizeof buf)
			f++;
		else
			p++;
		t += w;
	}
	full = f + t;
	part = p;
	return count;
}

// The same count tested before the read, in a loop clang leaves unrotated, with dd's
// conv=sync padding: the padding's way to the write gets its own copy of the write
// (`rejoined`), so the loop has two back edges, and the resuming form stops at the header's
// test of the count, which no stop decides. The loop is rotated all the same, its back
// edges joined in one new latch first.
// REMARK-DAG: remark: {{.*}}looped-counted-resume.c:[[#@LINE+9]]:{{[0-9]+}}: rotated the loop that tests %{{[0-9]+}} before 'read' at looped-counted-resume.c:[[#@LINE+9]]:{{[0-9]+}}: the test runs once before the loop and after each iteration, so that the loop's header begins with read
// REMARK-DAG: remark: {{.*}}looped-counted-resume.c:[[#@LINE+8]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result != argument 2, result != argument 2; 1 result reference); carries %{{[0-9]+}} (counter), %{{[0-9]+}} (counter), %{{[0-9]+}} (counter); each batch runs at most the iterations until the counter %{{[0-9]+}} comes down to i32 0
// CHECK-LABEL: define {{.*}} @padded_count(
// CHECK: call i64 @multicall_loop(
__attribute__((noinline)) int padded_count(int in, int out, int count, int sync)
{
	static char buf[4096];
	long f = 0, p = 0;
	while (count--) {
		ssize_t n = read(in, buf, sizeof buf);
		if (n <= 0)
			break;
		if (n == sizeof buf)
			f++;
		else
			p++;
		if (sync && n < sizeof buf) {
			memset(buf + n, 0, sizeof buf - n);
			n = sizeof buf;
		}
		if (write(out, buf, n) != n)
			return -1;
	}
	full = f;
	part = p;
	return count;
}

// A count against a limit that comes down too: refused (the advancing form's remark; the
// resuming form has no counter against a limit the way round leaves alone either).
// REMARK-DAG: remark: {{.*}}looped-counted-resume.c:[[#@LINE+11]]:{{[0-9]+}}: not clustered: write -> read (weight 556) breaks whole-loop legality: loop-carried value %{{[0-9]+}}: '%{{[0-9]+}} = icmp slt i64 %{{[0-9]+}}, %{{[0-9]+}}' uses %{{[0-9]+}} in the loop
// CHECK-LABEL: define {{.*}} @meeting(
// CHECK-NOT: @multicall_loop
// CHECK: ret i64
__attribute__((noinline)) long meeting(int in, int out, long count)
{
	static char buf[4096];
	long f = 0, p = 0, j = count;
	ssize_t n = 0;

	for (long i = 0; i < j; i++, j--) {
		n = read(in, buf, sizeof buf);
		if (n <= 0)
			break;
		if (write(out, buf, n) != n)
			return -1;
		if (n == sizeof buf)
			f++;
		else
			p++;
	}
	full = f;
	part = p;
	return n;
}
