// gzip's fill_inbuf, run: a read-until-full loop over file-scope variables (the buffer, its
// `unsigned` fill count, the input descriptor), through a helper that clamps the count to
// INT_MAX and reads again after EAGAIN on a descriptor left non-blocking (making it
// blocking), with the result tested by one `switch` (`case 0` breaks, `case -1` is an error)
// and the loop going round while the buffer is not full. The count is kept in a register
// across the loop (transform/globals.rs), the descriptor's load moves out of it
// (transform/hoist.rs), and the loop is one looped multi-call whose arguments are computed
// from the 32-bit count (`inbuf + insize`, `INBUFSIZ - insize`): the count cannot wrap, as
// each read returns at most `INBUFSIZ - insize`. A negative result stops the batch and goes
// back into the loop by the original code (the retry), which joins the way round at the
// latch once the merge of the two reads' results is copied for the way round
// (transform/duplicate.rs). The reads are from a pipe that a child writes 1000 bytes at a
// time (the loop goes round and fills the buffer), from the same with its reader
// non-blocking (the first read fails with EAGAIN and is made again), from a pipe holding
// fewer bytes than the buffer and then its end, from an empty pipe, from a file larger than
// the buffer (one read fills it, then the end of the file) and from a closed descriptor (an
// error: errno EBADF). Built with and without the pass, the program must print the same, on
// every backend the runtime offers here.
//
// REQUIRES: multicall
// RUN: %clang -O2 -g %s -o %t.orig
// RUN: %clang-cluster -O2 -g %s -o %t.clustered %multicall \
// RUN:   -mllvm -syscluster-profile=%inputs/fill-inbuf.json -Rpass=syscall-cluster 2> %t.remarks
// RUN: FileCheck %s --check-prefix=REMARK < %t.remarks
// RUN: %t.orig %t.tmp > %t.orig.out 2>&1; echo "exit $?" >> %t.orig.out
// RUN: %t.clustered %t.tmp > %t.auto.out 2>&1; echo "exit $?" >> %t.auto.out
// RUN: env MULTICALL_BACKEND=direct %t.clustered %t.tmp > %t.direct.out 2>&1; echo "exit $?" >> %t.direct.out
// RUN: env MULTICALL_BACKEND=io_uring %t.clustered %t.tmp > %t.uring.out 2>&1; echo "exit $?" >> %t.uring.out
// RUN: diff %t.orig.out %t.auto.out
// RUN: diff %t.orig.out %t.direct.out
// RUN: diff %t.orig.out %t.uring.out
// RUN: FileCheck %s < %t.orig.out

// REMARK-DAG: remark: kept 'insize' in a register across the loop of 'read'
// REMARK-DAG: remark: copied block %{{[0-9a-z.]+}} (1 block) for the way round the loop from 'read'
// REMARK-DAG: {{.*}}looped-fill-inbuf-run.c:[[#@LINE+36]]:{{[0-9]+}}: remark: clustered the whole loop into one looped multi-call: read (stop: result <= 0; 0 result references); carries {{.*}} (total of read's results); advances {{.*}} (argument 1 of read, up by read's result), {{.*}} (argument 2 of read, down by read's result) until {{.*}} <= 0; a stop goes back into the loop at %{{[0-9a-z.]+}}, the original code
// CHECK: pieces: first 120, insize 16384, errno 0
// CHECK-NEXT: pieces: first 120, insize 3616, errno 0
// CHECK-NEXT: non-blocking: first 120, insize 16384, errno 11
// CHECK-NEXT: non-blocking: first 120, insize 3616, errno 0
// CHECK-NEXT: short: first 120, insize 2500, errno 0
// CHECK-NEXT: short: first -1, insize 0, errno 0
// CHECK-NEXT: empty: first -1, insize 0, errno 0
// CHECK-NEXT: file: first 120, insize 16384, errno 0
// CHECK-NEXT: file: first 120, insize 3616, errno 0
// CHECK-NEXT: file: first -1, insize 0, errno 0
// CHECK-NEXT: closed: read error, insize 0, errno 9
// CHECK-NEXT: bytes in 62500
// CHECK-NEXT: exit 0
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define INBUFSIZ 16384

static unsigned char inbuf[INBUFSIZ];
static unsigned insize;
static int ifd;
static long bytes_in;

/* As gzip's: a descriptor left non-blocking is made blocking on EAGAIN and read again. */
static int read_buffer(int fd, void *buf, unsigned cnt)
{
	int len;

	if (INT_MAX < cnt)
		cnt = INT_MAX;
	len = read(fd, buf, cnt);
	if (len < 0 && errno == EAGAIN) {
		int flags = fcntl(fd, F_GETFL);

		if (0 <= flags) {
			if (!(flags & O_NONBLOCK))
				errno = EAGAIN;
			else if (fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != -1)
				len = read(fd, buf, cnt);
		}
	}
	return len;
}

/* The first byte of the filled buffer, EOF at the end of the input, -2 after an error. */
static __attribute__((noinline)) int fill_inbuf(void)
{
	int len;

	insize = 0;
	do {
		len = read_buffer(ifd, (char *)inbuf + insize, INBUFSIZ - insize);
		if (len == 0)
			break;
		if (len == -1)
			return -2;
		insize += len;
	} while (insize < INBUFSIZ);
	if (insize == 0)
		return EOF;
	bytes_in += insize;
	return inbuf[0];
}

static void fill(const char *what)
{
	int first = fill_inbuf();

	if (first == -2)
		printf("%s: read error, insize %u, errno %d\n", what, insize, errno);
	else
		printf("%s: first %d, insize %u, errno %d\n", what, first, insize, errno);
	errno = 0;
}

/* A pipe that gets `pieces` writes of `size` bytes of 'x' and then its end: written
 * before it is read, or by a child that waits a little before each write (`slowly`), so
 * that reads return a piece at a time. */
static int piped(int pieces, size_t size, int slowly)
{
	static char piece[4096];
	int p[2];

	memset(piece, 'x', sizeof piece);
	if (pipe(p) < 0)
		return -1;
	/* Its reader non-blocking: the first read finds it empty (EAGAIN). */
	if (slowly > 1 && fcntl(p[0], F_SETFL, O_NONBLOCK) < 0)
		return -1;
	if (slowly) {
		pid_t pid = fork();

		if (pid < 0)
			return -1;
		if (pid == 0) {
			close(p[0]);
			for (int i = 0; i < pieces; i++) {
				usleep(500);
				if (write(p[1], piece, size) != (ssize_t)size)
					_exit(1);
			}
			_exit(0);
		}
	} else {
		for (int i = 0; i < pieces; i++)
			if (write(p[1], piece, size) != (ssize_t)size)
				return -1;
	}
	close(p[1]);
	return p[0];
}

int main(int argc, char **argv)
{
	static char data[20000];
	int fd;

	if (argc != 2)
		return 2;
	/* 20 writes of 1000 bytes: the first fill goes round until the buffer is full. */
	ifd = piped(20, 1000, 1);
	fill("pieces");
	fill("pieces");
	close(ifd);
	wait(NULL);
	ifd = piped(20, 1000, 2);
	fill("non-blocking");
	fill("non-blocking");
	close(ifd);
	wait(NULL);
	ifd = piped(5, 500, 0);
	fill("short");
	fill("short");
	close(ifd);
	ifd = piped(0, 0, 0);
	fill("empty");
	close(ifd);
	memset(data, 'x', sizeof data);
	fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, data, sizeof data) != (ssize_t)sizeof data ||
	    lseek(fd, 0, SEEK_SET) != 0)
		return 3;
	ifd = fd;
	fill("file");
	fill("file");
	fill("file");
	close(fd);
	ifd = fd;
	fill("closed");
	printf("bytes in %ld\n", bytes_in);
	return 0;
}
