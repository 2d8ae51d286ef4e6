/*
 * mergedretry IN OUT: a copy whose read is retried when a signal interrupts it, over a
 * write-all helper of its own file that retries interrupted writes too: the careful copy of
 * programs that install handlers without SA_RESTART. clang -O2 rotates the copy loop (the
 * first read copied before it) and keeps the write-all loop inside it; the retried read
 * enters the loop's header without the write-all loop, so the read's way to the write
 * passes a header that does not dominate the read. The pass merges the read's copy before the
 * loop back into the read's block, which then heads the loop, and the copy loop is one looped
 * multi-call that begins at the read; a read stopped by EINTR or a short write resumes the
 * original loop, which retries or finishes it.
 *
 * Exit status: 0 copied, 1 a system call failed (message on stderr), 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#ifndef N
#define N 4096
#endif

/* Writes len bytes of p whole, retrying a write EINTR interrupted; -1 on an error. */
static int write_all(int fd, const char *p, size_t len)
{
	while (len > 0) {
		ssize_t w = write(fd, p, len);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		len -= w;
	}
	return 0;
}

int main(int argc, char *argv[])
{
	char buf[N];
	ssize_t n;
	int in, out;

	if (argc != 3) {
		fprintf(stderr, "usage: %s IN OUT\n", argv[0]);
		return 2;
	}
	in = open(argv[1], O_RDONLY);
	if (in < 0) {
		perror(argv[1]);
		return 1;
	}
	out = creat(argv[2], 0666);
	if (out < 0) {
		perror(argv[2]);
		return 1;
	}
	while ((n = read(in, buf, sizeof buf)) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			perror("read");
			return 1;
		}
		if (write_all(out, buf, n) < 0) {
			perror("write");
			return 1;
		}
	}
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	return 0;
}
