// sigaction(sig, &act, NULL) as the first call of a multi-call: rt_sigaction with the kernel's
// struct built as glibc builds it (SA_RESTORER and the runtime's restorer, the flags as a
// sign-extended int), so the handler runs and returns, the mask and flags are glibc's
// (SA_RESETHAND's high bit included), and an unwinder crosses the signal frame (backtrace()
// in the handler reaches main's caller). The second sigaction cannot join the first batch
// (it reads its struct when the batch starts); it starts its own. Built with and without
// the pass, the program prints the same on every backend the runtime offers here.
//
// REQUIRES: multicall
// RUN: sed 's|@FILE@|%s|' %inputs/sigaction.json > %t.json
// RUN: %clang -O2 -g %s -o %t.orig
// RUN: %clang-cluster -O2 -g %s -o %t.clustered %multicall -mllvm -syscluster-profile=%t.json \
// RUN:   -Rpass=syscall-cluster -Rpass-missed=syscall-cluster 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: %t.orig > %t.orig.out 2>&1; echo "exit $?" >> %t.orig.out
// RUN: %t.clustered > %t.auto.out 2>&1; echo "exit $?" >> %t.auto.out
// RUN: env MULTICALL_BACKEND=direct %t.clustered > %t.direct.out 2>&1; echo "exit $?" >> %t.direct.out
// RUN: env MULTICALL_BACKEND=io_uring %t.clustered > %t.uring.out 2>&1; echo "exit $?" >> %t.uring.out
// RUN: diff %t.orig.out %t.auto.out
// RUN: diff %t.orig.out %t.direct.out
// RUN: diff %t.orig.out %t.uring.out
// RUN: FileCheck %s < %t.orig.out
//
// The conversion as lowered: handler, flags | SA_RESTORER sign-extended, the restorer, the
// first word of the mask.
// RUN: %clang -O2 -g -S -emit-llvm %s -o %t.ll
// RUN: %opt-cluster -passes='syscall-cluster<profile=%t.json>' -S %t.ll -o %t.out.ll
// RUN: FileCheck %s --check-prefix=IR < %t.out.ll
// RUN: opt -passes=verify -disable-output %t.out.ll

// REMARK-DAG: sigaction.c:108:6: remark: not clustered: kill -> sigaction (weight 2) breaks safety: 'sigaction' at sigaction.c:108:6 reads its new action when the batch starts, where glibc reads it at the call: it must be the first call of a straight multi-call
// REMARK-DAG: sigaction.c:100:6: remark: clustered 2 system calls into one multi-call: sigaction -> kill (stop: result < 0, never; 0 result references)
// REMARK-DAG: sigaction.c:108:6: remark: clustered 2 system calls into one multi-call: sigaction -> kill (stop: result < 0, never; 0 result references)

// CHECK: SIGUSR1: 1 delivered, unwound past the signal frame 1, flags 0x14000000, mask has SIGUSR2 1, handler on_usr1
// CHECK-NEXT: SIGUSR2: 1 delivered, then reset: flags 0x94000000, handler SIG_DFL
// CHECK-NEXT: exit 0

// IR: @multicall_sa_restorer = external constant ptr
// IR: %mc.ksigaction = alloca [4 x i64], align 8
// IR: %mc.sa.handler = load ptr, ptr %[[SA:[0-9]+]]
// IR: %[[FP:.*]] = getelementptr inbounds i8, ptr %[[SA]], i64 136
// IR-NEXT: %mc.sa.flags = load i32, ptr %[[FP]]
// IR-NEXT: %[[OR:.*]] = or i32 %mc.sa.flags, 67108864
// IR-NEXT: %[[SX:.*]] = sext i32 %[[OR]] to i64
// IR: %mc.sa.restorer = load ptr, ptr @multicall_sa_restorer
// IR: %[[MP:.*]] = getelementptr inbounds i8, ptr %[[SA]], i64 8
// IR-NEXT: %mc.sa.mask = load i64, ptr %[[MP]]
// IR: store i32 13, ptr
// IR: call i64 @multicall(

#include <execinfo.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t hits1, hits2;
static void *outer;
static volatile int reached_outer;

static void on_usr1(int sig)
{
	void *frames[64];
	int n = backtrace(frames, 64);

	for (int i = 0; i < n; i++)
		if (frames[i] == outer)
			reached_outer = 1;
	hits1++;
	(void)sig;
}

static void on_usr2(int sig)
{
	hits2++;
	(void)sig;
}

int main(void)
{
	struct sigaction sa, sb, old;
	void *top[2];
	pid_t me = getpid();

	// The return address into main's caller: a backtrace from the handler reaches it only
	// through the signal frame.
	if (backtrace(top, 2) != 2)
		return 1;
	outer = top[1];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGUSR2);
	sa.sa_flags = SA_RESTART;
	memset(&sb, 0, sizeof(sb));
	sb.sa_handler = on_usr2;
	sigemptyset(&sb.sa_mask);
	sb.sa_flags = SA_RESTART | SA_RESETHAND;
	if (sigaction(SIGUSR1, &sa, NULL) != 0) {
		perror("sigaction");
		return 1;
	}
	if (kill(me, SIGUSR1) != 0) {
		perror("kill");
		return 1;
	}
	if (sigaction(SIGUSR2, &sb, NULL) != 0) {
		perror("sigaction");
		return 1;
	}
	if (kill(me, SIGUSR2) != 0) {
		perror("kill");
		return 1;
	}
	if (sigaction(SIGUSR1, NULL, &old) != 0)
		return 1;
	printf("SIGUSR1: %d delivered, unwound past the signal frame %d, flags %#x, mask has SIGUSR2 %d, handler %s\n",
	       (int)hits1, reached_outer, (unsigned)old.sa_flags, sigismember(&old.sa_mask, SIGUSR2),
	       old.sa_handler == on_usr1 ? "on_usr1" : "other");
	if (sigaction(SIGUSR2, NULL, &old) != 0)
		return 1;
	printf("SIGUSR2: %d delivered, then reset: flags %#x, handler %s\n", (int)hits2,
	       (unsigned)old.sa_flags, old.sa_handler == SIG_DFL ? "SIG_DFL" : "other");
	return 0;
}
