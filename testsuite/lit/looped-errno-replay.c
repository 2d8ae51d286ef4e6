// The store of errno = 0 on the way round a block loop (lzip's readblock without the reset
// before the loop) is replayed after the looped batch: after a batch that completed an
// iteration, errno is 0 at every exit as the original's last latch left it; after a batch
// that stopped at its first call, errno is what it was before the loop (99 here), or the
// call's own error. The reads are from a pipe holding three writes of 100 bytes and then the
// end of the file (the loop goes round), from an empty pipe (the end at once), and from a
// closed descriptor (EBADF at once). Built with and without the pass, the program must print
// the same, on every backend the runtime offers here. Without the replay, the first case
// prints errno 99.
//
// REQUIRES: multicall
// RUN: %clang -O2 -g %s -o %t.orig
// RUN: %clang-cluster -O2 -g %s -o %t.clustered %multicall \
// RUN:   -mllvm -syscluster-profile=%inputs/advance.json -Rpass=syscall-cluster 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: %t.orig > %t.orig.out 2>&1; echo "exit $?" >> %t.orig.out
// RUN: %t.clustered > %t.auto.out 2>&1; echo "exit $?" >> %t.auto.out
// RUN: env MULTICALL_BACKEND=direct %t.clustered > %t.direct.out 2>&1; echo "exit $?" >> %t.direct.out
// RUN: diff %t.orig.out %t.auto.out
// RUN: diff %t.orig.out %t.direct.out
// RUN: FileCheck %s < %t.orig.out

// REMARK-COUNT-2: remark: clustered the whole loop into one looped multi-call: read {{.*}}; replays errno = 0 after the iterations completed; a stop goes back into the loop at

// CHECK: pieces: 300 bytes, errno 0
// CHECK-NEXT: empty: 0 bytes, errno 99
// CHECK-NEXT: closed: 0 bytes, errno 9
// CHECK-NEXT: pieces (errno in the loop): 300 bytes, errno 0
// CHECK-NEXT: empty (errno in the loop): 0 bytes, errno 99
// CHECK-NEXT: closed (errno in the loop): 0 bytes, errno 9
// CHECK-NEXT: exit 0
#include <errno.h>
#include <stdio.h>
#include <unistd.h>

static unsigned char buf[4096];

/* readblock's loop with errno reset on the way round only, errno reached as ERR after
 * SETUP: through its address taken before the loop (as clang leaves it when errno is also
 * set before the loop), or as errno itself (clang then asks __errno_location() for its
 * address in the loop, on each way to the store: a phi in the latch). */
#define FILL(name, setup, err)                                                   \
	static __attribute__((noinline)) int name(int fd, unsigned char *b, int size) \
	{                                                                        \
		int got = 0;                                                     \
		setup;                                                           \
		while (got < size) {                                             \
			int n = read(fd, b + got, size - got);                   \
			if (n > 0)                                               \
				got += n;                                        \
			else if (n == 0)                                         \
				break;                                           \
			else if ((err) != EINTR)                                 \
				break;                                           \
			(err) = 0;                                               \
		}                                                                \
		return got;                                                      \
	}

FILL(fill, int *ep = &errno, *ep)
FILL(fill_errno, (void)0, errno)

static void run(const char *what, int fd, int (*f)(int, unsigned char *, int))
{
	int got;

	errno = 99;
	got = f(fd, buf, sizeof(buf));
	printf("%s: %d bytes, errno %d\n", what, got, errno);
}

/* Three pieces of 100 bytes in one pipe, and an empty one. */
static int pipes(int p[2], int q[2])
{
	static const unsigned char piece[100];

	if (pipe(p) < 0 || pipe(q) < 0)
		return -1;
	for (int i = 0; i < 3; i++)
		if (write(p[1], piece, sizeof(piece)) != sizeof(piece))
			return -1;
	close(p[1]);
	close(q[1]);
	return 0;
}

int main(void)
{
	int p[2], q[2];

	if (pipes(p, q) < 0)
		return 1;
	run("pieces", p[0], fill);
	run("empty", q[0], fill);
	close(p[0]);
	run("closed", p[0], fill);
	close(q[0]);
	if (pipes(p, q) < 0)
		return 1;
	run("pieces (errno in the loop)", p[0], fill_errno);
	run("empty (errno in the loop)", q[0], fill_errno);
	close(p[0]);
	run("closed (errno in the loop)", p[0], fill_errno);
	return 0;
}
