/*
 * jobheap IN OUT: jobcopyarg.c with the job a connection-like struct that main allocates with
 * calloc, as a server allocates one per connection, and frees at the end: the copy loop is a
 * function of its own (not inlined) given the pointer, reads the descriptors through it, reads
 * into the struct's buffer and counts in its other fields. Prints the bytes and blocks copied
 * on stdout at the end.
 *
 * The only call of the copy function passes the allocation, of a constant size, tested for
 * null before, given to no other call before it (free comes after): the counters are kept in
 * registers across the loop, the descriptors' loads through the pointer leave it, and the loop
 * is one looped multi-call whose EINTR retry resumes the original code and whose buffer is
 * dead after it.
 *
 * Exit status: 0 copied, 1 a system call failed (message on stderr), 2 usage, 3 out of memory.
 *
 * Build with -DN=512 (or any size) to change the block size.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
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

/* Copies j->in to j->out: 0 at the end of the input, -1 when a read failed, -2 when a write
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
	if (argc != 3) {
		fprintf(stderr, "usage: %s IN OUT\n", argv[0]);
		return 2;
	}
	struct job *job = calloc(1, sizeof *job);
	if (!job) {
		perror("calloc");
		return 3;
	}
	job->in = open(argv[1], O_RDONLY);
	if (job->in < 0) {
		fprintf(stderr, "%s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	job->out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (job->out < 0) {
		fprintf(stderr, "%s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	int r = pump(job);
	int status = 0;
	if (r < 0) {
		int e = errno;
		printf("%llu bytes in %u blocks\n", job->total, job->blocks);
		fprintf(stderr, "%s: %s\n", r == -1 ? "read" : "write", strerror(e));
		status = 1;
	} else if (close(job->out) < 0) {
		perror("close");
		status = 1;
	} else {
		printf("%llu bytes in %u blocks\n", job->total, job->blocks);
	}
	free(job);
	return status;
}
