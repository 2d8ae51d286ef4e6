// Signals during a looped multi-call: a SIGALRM handler (SA_RESTART) runs every 50 µs while
// the whole copy loop runs as one looped batch. The runtime ends a batch with a signal
// pending at an iteration's start (or restarts an interrupted call, SA_RESTART), the lowered
// code calls it again, and the handler runs in between: the copy is exact, the handler ran,
// and the program prints and exits like the original, on every backend the runtime offers.
//
// REQUIRES: multicall
// RUN: rm -rf %t && mkdir -p %t
// RUN: %clang -O2 -g %s -o %t/orig
// RUN: %clang-cluster -O2 -g %s -o %t/clustered %multicall \
// RUN:   -mllvm -syscluster-profile=%inputs/copy-loop.json -Rpass=syscall-cluster 2> %t/remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t/remarks
// RUN: head -c 4194304 /dev/urandom > %t/in
// RUN: %t/orig %t/in %t/out.orig > %t/orig.log 2>&1; echo "exit $?" >> %t/orig.log
// RUN: %t/clustered %t/in %t/out.auto > %t/auto.log 2>&1; echo "exit $?" >> %t/auto.log
// RUN: env MULTICALL_BACKEND=direct %t/clustered %t/in %t/out.direct > %t/direct.log 2>&1; echo "exit $?" >> %t/direct.log
// RUN: cmp %t/in %t/out.orig
// RUN: cmp %t/in %t/out.auto
// RUN: cmp %t/in %t/out.direct
// RUN: diff %t/orig.log %t/auto.log
// RUN: diff %t/orig.log %t/direct.log
// RUN: FileCheck %s < %t/auto.log

// REMARK: remark: clustered the whole loop into one looped multi-call: read -> write (stop: result <= 0, result != argument 2; 1 result reference)

// CHECK: copied 4194304 bytes, the handler ran
// CHECK-NEXT: exit 0
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static volatile sig_atomic_t ticks;

static void tick(int sig)
{
	(void)sig;
	ticks++;
}

int main(int argc, char *argv[])
{
	struct sigaction sa;
	struct itimerval every = { { 0, 50 }, { 0, 50 } };
	char buf[512];
	ssize_t n;
	int in, out;

	if (argc != 3)
		return 2;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = tick;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL) < 0 || setitimer(ITIMER_REAL, &every, NULL) < 0)
		return 3;
	in = open(argv[1], O_RDONLY);
	out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (in < 0 || out < 0)
		return 4;
	while ((n = read(in, buf, sizeof(buf))) > 0) {
		if (write(out, buf, n) != n) {
			perror("write");
			return 1;
		}
	}
	if (n < 0) {
		perror("read");
		return 1;
	}
	struct itimerval off = { { 0, 0 }, { 0, 0 } };
	setitimer(ITIMER_REAL, &off, NULL);
	printf("copied %ld bytes, the handler %s\n", (long)lseek(out, 0, SEEK_CUR),
	       ticks > 0 ? "ran" : "did not run");
	return 0;
}
