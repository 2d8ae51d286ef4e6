/*
 * jobcopyarg IN OUT: jobcopylocal.c with the copy loop a function of its own that main gives a
 * pointer to its local struct (not inlined): the loop reads the descriptors through the
 * pointer, reads into the struct's buffer and counts in its other fields. Prints the bytes and
 * blocks copied on stdout at the end.
 *
 * Every call of the copy function passes a pointer into main's local struct, whose address
 * goes nowhere else, and the read and the write touch only the buffer, after the descriptors
 * and the counters: the counters are kept in registers across the loop, the descriptors'
 * loads through the pointer leave it, and the loop is one looped multi-call whose EINTR retry
 * resumes the original code.
 *
 * Exit status: 0 copied, 1 a system call failed (message on stderr), 2 usage.
 *
 * Build with -DN=512 (or any size) to change the block size.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef N
#define N 4096
#endif

struct job {
	int in, out;
	unsigned long long total;
	unsigned blocks;
	char buf[N];
};

/* Copies job.in to job.out: 0 at the end of the input, -1 when a read failed, -2 when a write
 * failed or came short. */
__attribute__((noinline)) static int pump(struct job *j)
{
	for (;;) {
		ssize_t n = read(j->in, j->buf, sizeof j->buf);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (n == 0)
			return 0;
		j->blocks++;
		ssize_t w = write(j->out, j->buf, (size_t)n);
		if (w != n)
			return -2;
		j->total += (unsigned long long)w;
	}
}

int main(int argc, char **argv)
{
	struct job job = {0};
	if (argc != 3) {
		fprintf(stderr, "usage: %s IN OUT\n", argv[0]);
		return 2;
	}
	job.in = open(argv[1], O_RDONLY);
	if (job.in < 0) {
		fprintf(stderr, "%s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	job.out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (job.out < 0) {
		fprintf(stderr, "%s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	int r = pump(&job);
	if (r < 0) {
		int e = errno;
		printf("%llu bytes in %u blocks\n", job.total, job.blocks);
		fprintf(stderr, "%s: %s\n", r == -1 ? "read" : "write", strerror(e));
		return 1;
	}
	if (close(job.out) < 0) {
		perror("close");
		return 1;
	}
	printf("%llu bytes in %u blocks\n", job.total, job.blocks);
	return 0;
}
