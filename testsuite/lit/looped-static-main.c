// A static buffer outlives the call, so its uses anywhere in the loop's function count as
// after the loop (a later call of the function could read what the batch left there) and
// the in-kernel copy is off when one reads it: copy_header below, whose 16-byte header is
// read into the buffer and written out whole before its loop (a short read leaves the rest
// as the last call's loop left it; a write of only the bytes read would see none of it:
// looped-dead-refilled.c). main runs once: nothing calls it again, so a
// use before its loop cannot see what the batch left, and the same loop's buffers are dead;
// so does a static helper main calls once, outside any loop (copy_once, not copy_twice).
// Unless main calls setjmp (-DJUMP): a longjmp back would run the code before the loop again.
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-write.json>' \
// RUN:   -pass-remarks=syscall-cluster -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: opt -passes=verify -disable-output %t.out.ll
// RUN: %clang -O2 -g -DJUMP -S -emit-llvm %s -o %t.jump.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-write.json>' \
// RUN:   -pass-remarks=syscall-cluster -S %t.jump.ll -o %t.jump.out.ll 2> %t.jump.remarks
// RUN: FileCheck %s --check-prefix=JUMP < %t.jump.remarks

#include <setjmp.h>
#include <unistd.h>

static char buf[4096], other[4096], once[4096], twice[4096];
#ifdef JUMP
static jmp_buf env;
#endif

// REMARK-DAG: remark: {{.*}}looped-static-main.c:[[#@LINE+7]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}}; no in-kernel copy: the buffer @other of 'read' at {{.*}} is also used by '{{.*}}@write({{.*}}@other
// JUMP-DAG: remark: {{.*}}looped-static-main.c:[[#@LINE+6]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}}; no in-kernel copy: the buffer @other of 'read' at {{.*}} is also used by
__attribute__((noinline)) int copy_header(int in, int out)
{
	ssize_t n = read(in, other, 16);
	if (n <= 0 || write(out, other, 16) != 16)
		return 1;
	while ((n = read(in, other, sizeof other)) > 0)
		if (write(out, other, n) != n)
			return 1;
	return n < 0;
}

// A helper main calls once, outside any loop, runs once too; one called twice does not.
// REMARK-DAG: remark: {{.*}}looped-static-main.c:[[#@LINE+6]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}}; its buffers are dead after the loop: the runtime may run it as an in-kernel copy
__attribute__((noinline)) static int copy_once(int in, int out)
{
	ssize_t n = read(in, once, 16);
	if (n <= 0 || write(out, once, 16) != 16)
		return 1;
	while ((n = read(in, once, sizeof once)) > 0)
		if (write(out, once, n) != n)
			return 1;
	return n < 0;
}

// REMARK-DAG: remark: {{.*}}looped-static-main.c:[[#@LINE+6]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}}; no in-kernel copy: the buffer @twice of 'read' at {{.*}} is also used by
__attribute__((noinline)) static int copy_twice(int in, int out)
{
	ssize_t n = read(in, twice, 16);
	if (n <= 0 || write(out, twice, 16) != 16)
		return 1;
	while ((n = read(in, twice, sizeof twice)) > 0)
		if (write(out, twice, n) != n)
			return 1;
	return n < 0;
}

// REMARK-DAG: remark: {{.*}}looped-static-main.c:[[#@LINE+12]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}}; its buffers are dead after the loop: the runtime may run it as an in-kernel copy
// JUMP-DAG: remark: {{.*}}looped-static-main.c:[[#@LINE+11]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write {{.*}}; no in-kernel copy: the buffer @buf of 'read' at {{.*}} is also used by
int main(void)
{
	ssize_t n;
#ifdef JUMP
	if (setjmp(env))
		return 2;
#endif
	n = read(0, buf, 16);
	if (n <= 0 || write(1, buf, 16) != 16)
		return 1;
	while ((n = read(0, buf, sizeof buf)) > 0)
		if (write(1, buf, n) != n)
			return 1;
	return copy_header(3, 4) | copy_once(5, 6) | copy_twice(7, 8) | copy_twice(9, 10) | (n < 0);
}
