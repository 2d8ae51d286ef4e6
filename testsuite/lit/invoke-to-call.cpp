// C++ invokes `read` and `write` where destructors are live (`invoke @read(..) to label %ok
// unwind label %lpad`): the scan takes calls, so the pass first makes the invokes of system
// calls on the profile's hot edges calls followed by a branch to their normal destination
// (transform/unwind.rs); a wrapper unwinds only when its thread is cancelled. A landing pad
// nothing else unwinds to goes with them. A module that calls pthread_cancel is left as it
// is, its invokes with it (thread-cancel.c).
//
// RUN: %clang -x c++ -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: FileCheck %s --check-prefix=BEFORE < %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-write.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: FileCheck %s --check-prefix=AFTER < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll
// RUN: %clang -x c++ -DCANCELS -O2 -g -S -emit-llvm %s -o %t.cancel.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-write.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.cancel.ll -o %t.cancel.out.ll 2> %t.cancel.remarks
// RUN: FileCheck %s --check-prefix=CANCEL < %t.cancel.remarks
// RUN: opt -S %t.cancel.ll -o %t.cancel.same.ll
// RUN: diff %t.cancel.same.ll %t.cancel.out.ll

#include <pthread.h>
#include <string>
#include <unistd.h>

struct Fd {
	int fd;
	explicit Fd(int f) : fd(f) {}
	~Fd() { close(fd); }
};

// BEFORE: invoke i64 @read(
// BEFORE: invoke i64 @write(
// AFTER-NOT: invoke i64 @read(
// AFTER-NOT: invoke i64 @write(
// REMARK-DAG: remark: {{.*}}invoke-to-call.cpp:[[#@LINE+12]]:{{[0-9]+}}: made the invoke of 'read' a call: a system call's wrapper unwinds only when its thread is cancelled, which nothing in this module does, so the landing pad %{{[0-9a-z.]+}} never runs from it
// REMARK-DAG: remark: {{.*}}invoke-to-call.cpp:[[#@LINE+12]]:{{[0-9]+}}: made the invoke of 'write' a call
// REMARK-DAG: remark: {{.*}}invoke-to-call.cpp:[[#@LINE+10]]:{{[0-9]+}}: clustered the whole loop into one looped multi-call: read -> write
// CANCEL-DAG: remark: {{.*}}invoke-to-call.cpp:[[#@LINE+9]]:{{[0-9]+}}: this module calls pthread_cancel: a multi-call's calls are no cancellation points, so a thread cancelled while one runs would run it to its end; '{{.*}}copy{{.*}}''s system calls are left as they are
// CANCEL-NOT: made the invoke
// CANCEL-NOT: clustered the whole loop
int copy(int from, int to, std::string &log)
{
	Fd in(from), out(to);
	char buf[4096];
	ssize_t n;

	while ((n = read(in.fd, buf, sizeof buf)) > 0)
		if (write(out.fd, buf, n) != n)
			return 1;
	log += "copied";
	return n < 0;
}

#ifdef CANCELS
void stop(pthread_t t)
{
	pthread_cancel(t);
}
#endif
