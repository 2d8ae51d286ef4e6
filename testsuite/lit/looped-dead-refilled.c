// A copy loop's buffer is dead after the loop (MC_BATCH_DEAD_BUFFERS: the runtime may copy
// in the kernel and never fill it) when what runs after the loop cannot see what the loop
// left there. A later read into the buffer only writes it, and a later write whose count is
// the result of such a read at the same address (directly, or a phi of them: a rotated
// second loop's) reads only bytes that read wrote, provided the loop cannot run again in
// between and the count is not negative there. A helper that copies each of two inputs in
// turn, inlined twice, is the common shape. A write of a count read before the loop, of an
// unchecked count, or of a count of its own still sees the loop's bytes: the buffer stays
// live and the remark names that write.
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/copy-by-name.json>' -pass-remarks=syscall-cluster \
// RUN:   -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: FileCheck %s < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll
//
// Run, with and without the pass, on every backend: two inputs copied into a file (where the
// runtime's in-kernel copy runs), into a pipe, and with the second input missing; the output
// and what each helper returned must be the same.
//
// REQUIRES: multicall
// RUN: %clang -O2 -g %s -o %t.orig
// RUN: %clang-cluster -O2 -g %s -o %t.clustered %multicall \
// RUN:   -mllvm -syscluster-profile=%inputs/copy-by-name.json
// RUN: python3 -c "print('first ' * 50000, end='|')" > %t.a
// RUN: python3 -c "print('second ' * 30001, end='|')" > %t.b
// RUN: %t.orig %t.a %t.b %t.orig.data > %t.orig.out 2>&1; echo "exit $?" >> %t.orig.out
// RUN: %t.orig %t.a %t.missing %t.orig.data2 > %t.orig.out2 2>&1; echo "exit $?" >> %t.orig.out2
// RUN: %t.orig %t.a %t.b /dev/stdout 2>&1 | cat > %t.orig.pipe
// RUN: for b in auto direct io_uring; do \
// RUN:   env MULTICALL_BACKEND=$b %t.clustered %t.a %t.b %t.$b.data > %t.$b.out 2>&1; echo "exit $?" >> %t.$b.out; \
// RUN:   cmp %t.orig.data %t.$b.data && diff %t.orig.out %t.$b.out || exit 1; \
// RUN:   env MULTICALL_BACKEND=$b %t.clustered %t.a %t.missing %t.$b.data2 > %t.$b.out2 2>&1; echo "exit $?" >> %t.$b.out2; \
// RUN:   cmp %t.orig.data2 %t.$b.data2 && diff %t.orig.out2 %t.$b.out2 || exit 1; \
// RUN:   env MULTICALL_BACKEND=$b %t.clustered %t.a %t.b /dev/stdout 2>&1 | cat > %t.$b.pipe; \
// RUN:   cmp %t.orig.pipe %t.$b.pipe || exit 1; \
// RUN: done
// RUN: cat %t.a %t.b %t.a %t.b %t.a | cmp - %t.orig.data
// RUN: FileCheck %s --check-prefix=RESULT < %t.orig.out
// RESULT: returned 0 0 0 1 1

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

// REMARK-DAG: remark: {{.*}}looped-dead-refilled.c:[[#@LINE+12]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}}; its buffers are dead after the loop: the runtime may run it as an in-kernel copy
// REMARK-DAG: remark: {{.*}}looped-dead-refilled.c:[[#@LINE+16]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}}; its buffers are dead after the loop: the runtime may run it as an in-kernel copy
// CHECK-LABEL: define {{.*}} @two_inputs(
// CHECK: call i64 @multicall_loop_flags({{.*}}, i32 2)
// CHECK: call i64 @multicall_loop_flags({{.*}}, i32 2)
int two_inputs(int in1, int in2, int out)
{
	char buf[4096];
	ssize_t n;
	int in = in1;

	for (int pass = 0; pass < 1; pass++)
		while ((n = read(in, buf, sizeof buf)) > 0)
			if (write(out, buf, n) != n)
				return 1;
	if (n < 0)
		return 1;
	while ((n = read(in2, buf, sizeof buf)) > 0)
		if (write(out, buf, n) != n)
			return 1;
	return n < 0;
}

// A loop over inputs: clang's guard before the copy loop reads the next input's first block
// and writes it, after the copy loop of the input before; the way from that read round the
// outer loop to the copy loop and back to its write runs the read again.
// REMARK-DAG: remark: {{.*}}looped-dead-refilled.c:[[#@LINE+12]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}}; its buffers are dead after the loop: the runtime may run it as an in-kernel copy
// CHECK-LABEL: define {{.*}} @each_input(
// CHECK: call i64 @multicall_loop_flags({{.*}}, i32 2)
int each_input(char **paths, int count, int out)
{
	char buf[4096];
	ssize_t n = 0;

	for (int i = 0; i < count; i++) {
		int fd = open(paths[i], O_RDONLY);
		if (fd < 0)
			return 1;
		while ((n = read(fd, buf, sizeof buf)) > 0)
			if (write(out, buf, n) != n)
				return 1;
		close(fd);
	}
	return n < 0;
}

// REMARK-DAG: remark: {{.*}}looped-dead-refilled.c:[[#@LINE+9]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}}; no in-kernel copy: the buffer %{{[0-9]+}} of 'read' at {{.*}} is also used by '{{.*}}call i64 @write(
// CHECK-LABEL: define {{.*}} @unchecked_count(
// CHECK-NOT: @multicall_loop_flags
// CHECK: ret i32
int unchecked_count(int in, int in2, int out)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, n) != n)
			return 1;
	n = read(in2, buf, sizeof buf);
	return write(out, buf, n) != n;
}

// REMARK-DAG: remark: {{.*}}looped-dead-refilled.c:[[#@LINE+11]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}}; no in-kernel copy: the buffer %{{[0-9]+}} of 'read' at {{.*}} is also used by '{{.*}}call i64 @write(
// CHECK-LABEL: define {{.*}} @count_before(
// CHECK-NOT: @multicall_loop_flags
// CHECK: ret i32
int count_before(int in, int out)
{
	char buf[4096];
	ssize_t n, first = read(in, buf, sizeof buf);

	if (first <= 0)
		return 1;
	while ((n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, n) != n)
			return 1;
	return write(out, buf, first) != first;
}

// REMARK-DAG: remark: {{.*}}looped-dead-refilled.c:[[#@LINE+9]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}}; no in-kernel copy: the buffer %{{[0-9]+}} of 'read' at {{.*}} is also used by '{{.*}}call i64 @write(
// CHECK-LABEL: define {{.*}} @count_of_its_own(
// CHECK-NOT: @multicall_loop_flags
// CHECK: ret i32
int count_of_its_own(int in, int in2, int out)
{
	char buf[4096];
	ssize_t n;

	while ((n = read(in, buf, sizeof buf)) > 0)
		if (write(out, buf, n) != n)
			return 1;
	if (read(in2, buf, 16) <= 0)
		return 1;
	return write(out, buf, sizeof buf) != sizeof buf;
}

int main(int argc, char **argv)
{
	int out, a, b;

	if (argc != 4)
		return 2;
	out = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	a = open(argv[1], O_RDONLY);
	b = open(argv[2], O_RDONLY);
	int r1 = two_inputs(a, b, out);
	char *paths[3] = { argv[1], argv[2], argv[1] };
	int r0 = each_input(paths, 3, out);
	int r2 = unchecked_count(a, b, out);
	int r3 = count_before(a, out);
	int r4 = count_of_its_own(a, b, out);
	printf("returned %d %d %d %d %d\n", r1, r0, r2, r3, r4);
	return r1 | r0;
}
