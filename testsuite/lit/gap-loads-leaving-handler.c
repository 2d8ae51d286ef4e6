// A signal handler that never returns (it deletes the output and exits, as lzip's does)
// cannot change a load's value under the code it interrupted: that code never resumes. So a
// load in the gap of a global only such a handler writes moves above the earlier call, and
// the calls are one multi-call, whether `signal` (through a helper) or `sigaction` (through a
// local struct) installs it. A thread that never returns, or a function whose address goes
// to code the module does not have (it might be anything), still keeps the calls apart, as
// does a handler that returns.
//
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%inputs/fchown-fchmod.json>' \
// RUN:   -pass-remarks=syscall-cluster -pass-remarks-missed=syscall-cluster -S %t.ll -o %t.out.ll 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: opt -passes=verify -disable-output %t.out.ll

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int outfd = -1, threadfd = -1, actfd = -1, hookfd = -1;
static const char *output_name;

static void cleanup_and_fail(int status)
{
	if (outfd >= 0) {
		close(outfd);
		outfd = -1;
		unlink(output_name);
	}
	exit(status);
}

static void on_signal(int sig)
{
	(void)sig;
	cleanup_and_fail(1);
}

// Installed through a helper, as lzip's set_signals does.
__attribute__((noinline)) static void set_signals(void (*action)(int))
{
	signal(SIGHUP, action);
	signal(SIGINT, action);
}

// A thread that never returns is running all the time.
static void *watcher(void *arg)
{
	(void)arg;
	for (;;) {
		threadfd = -1;
		pause();
	}
}

// Installed with sigaction: its address is stored in a local struct only sigaction reads.
static void on_term(int sig)
{
	(void)sig;
	actfd = -1;
	_exit(1);
}

// Given to code the module does not have: it may call it at any time, and return.
extern void take_callback(void (*)(int));
static void on_hook(int sig)
{
	(void)sig;
	hookfd = -1;
	_exit(1);
}

// REMARK-DAG: remark: {{.*}}gap-loads-leaving-handler.c:[[#@LINE+6]]:{{[0-9]+}}: moved '{{.*}} = load i32, ptr @outfd{{.*}}' above 'fchown'
// REMARK-DAG: remark: {{.*}}gap-loads-leaving-handler.c:[[#@LINE+3]]:{{[0-9]+}}: clustered 2 system calls into one multi-call: fchown -> fchmod
__attribute__((noinline)) static void copy_owner(uid_t uid, gid_t gid, mode_t mode)
{
	if (fchown(outfd, uid, gid) != 0)
		return;
	fchmod(outfd, mode & 07777);
}

// REMARK-DAG: remark: {{.*}}gap-loads-leaving-handler.c:[[#@LINE+5]]:{{[0-9]+}}: not clustered: fchown -> fchmod (weight {{[0-9]+}}) breaks safety: '{{.*}} = load i32, ptr @threadfd{{.*}}' reads memory that 'watcher', which may run at any time
__attribute__((noinline)) static void copy_thread_owner(uid_t uid, gid_t gid, mode_t mode)
{
	if (fchown(threadfd, uid, gid) != 0)
		return;
	fchmod(threadfd, mode & 07777);
}

// REMARK-DAG: remark: {{.*}}gap-loads-leaving-handler.c:[[#@LINE+3]]:{{[0-9]+}}: clustered 2 system calls into one multi-call: fchown -> fchmod
__attribute__((noinline)) static void copy_act_owner(uid_t uid, gid_t gid, mode_t mode)
{
	if (fchown(actfd, uid, gid) != 0)
		return;
	fchmod(actfd, mode & 07777);
}

// REMARK-DAG: remark: {{.*}}gap-loads-leaving-handler.c:[[#@LINE+5]]:{{[0-9]+}}: not clustered: fchown -> fchmod (weight {{[0-9]+}}) breaks safety: '{{.*}} = load i32, ptr @hookfd{{.*}}' reads memory that 'on_hook', which may run at any time
__attribute__((noinline)) static void copy_hook_owner(uid_t uid, gid_t gid, mode_t mode)
{
	if (fchown(hookfd, uid, gid) != 0)
		return;
	fchmod(hookfd, mode & 07777);
}

int main(int argc, char **argv)
{
	struct sigaction sa;
	struct stat in;
	pthread_t t;

	if (argc < 3 || stat(argv[1], &in) != 0)
		return 1;
	output_name = argv[2];
	set_signals(on_signal);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	pthread_create(&t, NULL, watcher, NULL);
	take_callback(on_hook);
	outfd = creat(output_name, 0600);
	threadfd = dup(outfd);
	actfd = dup(outfd);
	hookfd = dup(outfd);
	copy_owner(in.st_uid, in.st_gid, in.st_mode);
	copy_thread_owner(in.st_uid, in.st_gid, in.st_mode);
	copy_act_owner(in.st_uid, in.st_gid, in.st_mode);
	copy_hook_owner(in.st_uid, in.st_gid, in.st_mode);
	return 0;
}
