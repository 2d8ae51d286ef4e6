// C++ calls a function that may throw with `invoke` (a call that may unwind to a landing
// pad). Invoking a function does not take its address: a global it writes is not written
// by "a function that may run at any time", so a load of it between two calls moves out of
// their gap (lzip's `outfd`, stored by `open_outstream`, read between `fchown` and
// `fchmod`). A function whose address a signal handler's registration takes still counts.
//
// RUN: %clang -x c++ -O2 -g -fexceptions -S -emit-llvm %s -o %t.ll
// RUN: FileCheck %s --check-prefix=IR < %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/fchown-fchmod.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: opt -passes=verify -disable-output %t.out.ll

#include <csignal>
#include <fcntl.h>
#include <string>
#include <sys/stat.h>
#include <unistd.h>

namespace {
int outfd = -1;
int logfd = -1;
std::string output_filename;

// Invoked (the strings' destructors run if it throws): its address is not taken.
// IR: invoke {{.*}} @_ZN12_GLOBAL__N_114open_outstreamEv
__attribute__((noinline)) bool open_outstream()
{
	outfd = open(output_filename.c_str(), O_CREAT | O_WRONLY | O_TRUNC, 0600);
	if (outfd < 0)
		throw output_filename;
	return true;
}

// A handler: registered with signal, it may run at any time.
void on_hup(int)
{
	logfd = open("log.1", O_WRONLY | O_CREAT | O_TRUNC, 0644);
}

// REMARK-DAG: remark: {{.*}}gap-loads-invoked.cpp:[[#@LINE+6]]:{{[0-9]+}}: moved '{{.*}} = load i32, ptr @_ZN12_GLOBAL__N_15outfdE{{.*}}' above 'fchown'
// REMARK-DAG: remark: {{.*}}gap-loads-invoked.cpp:[[#@LINE+3]]:{{[0-9]+}}: clustered 2 system calls into one multi-call: fchown -> fchmod
__attribute__((noinline)) void copy_owner(uid_t uid, gid_t gid, mode_t mode)
{
	if (fchown(outfd, uid, gid) != 0)
		return;
	fchmod(outfd, mode & 07777);
}

// REMARK-DAG: remark: {{.*}}gap-loads-invoked.cpp:[[#@LINE+5]]:{{[0-9]+}}: not clustered: fchown -> fchmod (weight {{[0-9]+}}) breaks safety: '{{.*}} = load i32, ptr @_ZN12_GLOBAL__N_15logfdE{{.*}}' reads memory that '_ZN12_GLOBAL__N_16on_hupEi', which may run at any time (a signal handler, a thread, or a function they call), may write; in a multi-call it would run after 'fchmod' at {{.*}} returns and see what such a function wrote meanwhile
__attribute__((noinline)) void copy_log_owner(uid_t uid, gid_t gid, mode_t mode)
{
	if (fchown(logfd, uid, gid) != 0)
		return;
	fchmod(logfd, mode & 07777);
}
} // namespace

int main(int argc, char **argv)
{
	struct stat in;

	if (argc < 3 || stat(argv[1], &in) != 0)
		return 1;
	std::signal(SIGHUP, on_hup);
	output_filename = argv[2];
	try {
		open_outstream();
	} catch (const std::string &name) {
		return 1;
	}
	copy_owner(in.st_uid, in.st_gid, in.st_mode);
	copy_log_owner(in.st_uid, in.st_gid, in.st_mode);
	return 0;
}
