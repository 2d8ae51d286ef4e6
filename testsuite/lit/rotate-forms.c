// The loop forms clang leaves at -O1 and -O2 for a read -> work -> write loop, whose hot edge
// write -> read crosses the back edge: `while ((n = read(...)) > 0)`, `for (;;)` with a
// break, a do-while tested by write, and a loop whose print after write keeps write -> read
// apart (the loop clang has already rotated is rotated back, so read -> write is a straight
// line). Each is rotated and clustered, except the -O1 `for (;;)`, whose exits clang joins
// in one block that also leads back to the header: the remark says so.
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

// BOTH-DAG: remark: {{.*}}rotate-forms.c:[[#@LINE+6]]:{{[0-9]+}}: rotated the loop so that 'read' at rotate-forms.c:[[#@LINE+5]]:{{[0-9]+}} is followed by the next iteration's 'write' at rotate-forms.c:[[#@LINE+6]]:{{[0-9]+}} on a straight line; the loop's first write runs before it
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
