// A C++ copy loop over helper methods that the host invokes (destructors are live around
// them): the inliner follows invokes as it follows calls, inlining an invoked helper makes
// its `read` and `write` invoke the host's landing pad, and invoke-to-call (run again after
// inlining) makes those calls, which then cluster. (clang's own inliner is held back with a
// negative threshold so that the helpers reach the pass as calls, as helpers of another
// translation unit do under --lto; the descriptors' destructor, not inlined either, keeps
// the loop's loads of them in the loop, so the loop is not taken whole here.)
//
// RUN: %clang -x c++ -O2 -g -mllvm -inline-threshold=-30 -S -emit-llvm %s -o %t.ll
// RUN: FileCheck %s --check-prefix=BEFORE < %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/read-write.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: opt -passes=verify -disable-output %t.out.ll

#include <fcntl.h>
#include <unistd.h>

struct File {
	int fd;
	explicit File(int f) : fd(f) {}
	~File()
	{
		if (fd >= 0)
			close(fd);
	}
	ssize_t get(char *b, size_t n) { return ::read(fd, b, n); }
	ssize_t put(const char *b, size_t n) { return ::write(fd, b, n); }
};

// BEFORE: invoke {{.*}} @_ZN4File3getEPcm(
// BEFORE: invoke {{.*}} @_ZN4File3putEPKcm(
// REMARK-DAG: remark: {{.*}}inline-invoked.cpp:[[#@LINE+13]]:{{[0-9]+}}: inlined '_ZN4File3getEPcm' ({{[0-9]+}} instructions) into '_Z4copyPKcS0_'
// REMARK-DAG: remark: {{.*}}inline-invoked.cpp:[[#@LINE+13]]:{{[0-9]+}}: inlined '_ZN4File3putEPKcm' ({{[0-9]+}} instructions) into '_Z4copyPKcS0_'
// REMARK-DAG: remark: {{.*}}inline-invoked.cpp:[[#@LINE-8]]:{{[0-9]+}}: made the invoke of 'read' a call
// REMARK-DAG: remark: {{.*}}inline-invoked.cpp:[[#@LINE-8]]:{{[0-9]+}}: made the invoke of 'write' a call
// REMARK-DAG: remark: {{.*}}inline-invoked.cpp:[[#@LINE-10]]:{{[0-9]+}}: clustered 2 system calls into one multi-call: read -> write
int copy(const char *from, const char *to)
{
	File in(open(from, O_RDONLY)), out(creat(to, 0666));
	char buf[4096];
	ssize_t n;

	if (in.fd < 0 || out.fd < 0)
		return 1;
	while ((n = in.get(buf, sizeof buf)) > 0)
		if (out.put(buf, n) != n)
			return 1;
	return n < 0;
}
