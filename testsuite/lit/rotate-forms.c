// The loop forms clang leaves at -O1 and -O2 for a read -> work -> write loop, whose hot edge
// write -> read crosses the back edge: `while ((n = read(...)) > 0)`, `for (;;)` with a
// break, and a do-while tested by write. Each is rotated and clustered, except the -O1
// `for (;;)`, whose exits clang joins in one block that also leads back to the header: the
// remark says so. Where read's result reaches write round the back edge past nothing a
// multi-call cannot skip, the loop's start moves to read instead of a rotation (a loop whose
// print after write keeps write -> read apart: read -> write a straight line; one whose
// write is tested twice, a failure reported and a short write counted: one looped
// multi-call, which a rotated loop, headed by the test after write, could not be).
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.O2.ll
// RUN: %clang -O1 -g -S -emit-llvm %s -o %t.O1.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/copy-by-name.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
// RUN:   -S %t.O2.ll -o %t.O2.out.ll 2> %t.O2.remarks
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/copy-by-name.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster \
// RUN:   -S %t.O1.ll -o %t.O1.out.ll 2> %t.O1.remarks
// RUN: FileCheck %s --check-prefixes=BOTH,O2 < %t.O2.remarks
// RUN: FileCheck %s --check-prefixes=BOTH,O1 < %t.O1.remarks
// RUN: opt -passes=verify -disable-output %t.O2.out.ll
// RUN: opt -passes=verify -disable-output %t.O1.out.ll

#include <stdio.h>
#include <unistd.h>

static char buf[4096];
void work(char *p, long n);

// BOTH-DAG: remark: {{.*}}rotate-forms.c:[[#@LINE+5]]:{{[0-9]+}}: rotated the loop so that 'write' at rotate-forms.c:[[#@LINE+7]]:{{[0-9]+}} is followed by the next iteration's 'read' at rotate-forms.c:[[#@LINE+5]]:{{[0-9]+}} on a straight line; the loop's first read runs before it
// BOTH-DAG: remark: {{.*}}rotate-forms.c:[[#@LINE+6]]:{{[0-9]+}}: clustered 2 system calls into one multi-call: write -> read (stop: result != argument 2, never; 0 result references)
long while_read(int in, int out)
{
	long n;
	while ((n = read(in, buf, sizeof buf)) > 0) {
		work(buf, n);
		if (write(out, buf, n) != n)
			return -1;
	}
	return n;
}

// O2-DAG: remark: {{.*}}rotate-forms.c:[[#@LINE+6]]:{{[0-9]+}}: rotated the loop so that 'write' at rotate-forms.c:[[#@LINE+10]]:{{[0-9]+}} is followed by the next iteration's 'read' at rotate-forms.c:[[#@LINE+6]]:{{[0-9]+}} on a straight line
// O2-DAG: remark: {{.*}}rotate-forms.c:[[#@LINE+9]]:{{[0-9]+}}: clustered 2 system calls into one multi-call: write -> read
// O1-DAG: remark: {{.*}}rotate-forms.c:[[#@LINE+4]]:{{[0-9]+}}: did not rotate the loop of 'write' at rotate-forms.c:[[#@LINE+8]]:{{[0-9]+}} -> 'read' at rotate-forms.c:[[#@LINE+4]]:{{[0-9]+}} across its back edge: the path from 'write' at rotate-forms.c:[[#@LINE+8]]:{{[0-9]+}} to the back edge is not a straight line: a block on it is entered from more than one place
int for_break(int in, int out)
{
	for (;;) {
		long n = read(in, buf, sizeof buf);
		if (n <= 0)
			return (int)n;
		work(buf, n);
		if (write(out, buf, n) != n)
			return -1;
	}
}

// BOTH-DAG: remark: {{.*}}rotate-forms.c:[[#@LINE+6]]:{{[0-9]+}}: rotated the loop so that 'write' at rotate-forms.c:[[#@LINE+10]]:{{[0-9]+}} is followed by the next iteration's 'read' at rotate-forms.c:[[#@LINE+6]]:{{[0-9]+}} on a straight line
// BOTH-DAG: remark: {{.*}}rotate-forms.c:[[#@LINE+9]]:{{[0-9]+}}: clustered 2 system calls into one multi-call: write -> read
long do_while(int in, int out)
{
	long n;
	do {
		n = read(in, buf, sizeof buf);
		if (n <= 0)
			break;
		work(buf, n);
	} while (write(out, buf, n) == n);
	return n;
}

// BOTH-DAG: remark: {{.*}}rotate-forms.c:[[#@LINE+5]]:{{[0-9]+}}: moved the start of the loop to 'read' at rotate-forms.c:[[#@LINE+5]]:{{[0-9]+}}: the part of the loop before it, with 'write' at rotate-forms.c:[[#@LINE+6]]:{{[0-9]+}}, runs once before the loop and at the end of each iteration, so that read -> write is one iteration
// BOTH-DAG: remark: {{.*}}rotate-forms.c:[[#@LINE+4]]:{{[0-9]+}}: clustered 2 system calls into one multi-call: read -> write (stop: result <= 0, never; 1 result reference)
long printing(int in, int out)
{
	long n;
	while ((n = read(in, buf, sizeof buf)) > 0) {
		if (write(out, buf, n) != n)
			return -1;
		printf("%ld\n", n);
	}
	return n;
}

// BOTH-DAG: remark: {{.*}}rotate-forms.c:[[#@LINE+9]]:{{[0-9]+}}: moved the start of the loop to 'read' at rotate-forms.c:[[#@LINE+9]]:{{[0-9]+}}: the part of the loop before it, with 'write' at rotate-forms.c:[[#@LINE+10]]:{{[0-9]+}}, runs once before the loop and at the end of each iteration, so that read -> write is one iteration
// BOTH-DAG: remark: {{.*}}rotate-forms.c:[[#@LINE+8]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference); carries %{{[0-9]+}} (counter)
// BOTH-NOT: rotated the loop so that 'read' at rotate-forms.c:[[#@LINE+7]]
void warnx(const char *fmt, ...);
void err(int status, const char *fmt, ...);
long warned(int in, int out)
{
	long n, shorts = 0;

	while ((n = read(in, buf, sizeof buf)) > 0) {
		long w = write(out, buf, n);
		if (w < 0)
			err(1, "write");
		if (w != n) {
			warnx("short write: %ld of %ld", w, n);
			shorts++;
		}
	}
	return n < 0 ? -1 : shorts;
}
