/*
 * bookkeep IN OUT: a copy that keeps its books between its system calls, as servers and copy
 * tools do. A request-like start (mini-httpd's form): open the input, open the output, read a
 * header into a buffer whose pointer also lives in a global, and write it out, counting the
 * opens and keeping the request's size in globals between the calls. Then dd's form: a copy
 * loop that counts full and partial blocks and totals bytes in globals between each read and
 * its write, and after each write keeps the last result and clears errno before the next
 * read. Every way out prints the books and errno, so that each store between calls shows
 * whether it happened in the original's order. bookkeepsig.c runs it with copysig.c's
 * SIGALRM every 2 ms.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define HEAD 512
#define BS 4096

/* The request: only loads and stores reach these (no pointer to them is ever taken). */
static char *request;
static long request_size;
static int requests, opens;

/* dd's counters: globals of the program, updated between each read and its write. */
long r_full, r_partial, w_blocks;
long long bytes_in, bytes_out;
long last_read, last_write;

static void report(FILE *f)
{
	fprintf(f,
		"opens %d requests %d request_size %ld r_full %ld r_partial %ld w_blocks %ld "
		"bytes_in %lld bytes_out %lld last_read %ld last_write %ld errno %d\n",
		opens, requests, request_size, r_full, r_partial, w_blocks, bytes_in, bytes_out,
		last_read, last_write, errno);
}

/* Says what failed with errno as it is here, and the books. */
static int fail(const char *what)
{
	int e = errno;

	fprintf(stderr, "%s: %s (errno %d)\n", what, strerror(e), e);
	report(stderr);
	return 1;
}

int main(int argc, char *argv[])
{
	const char *inname, *outname;
	int in, out;
	ssize_t n, w;
	char *req;
	char buf[BS];

	if (argc != 3) {
		fprintf(stderr, "usage: %s IN OUT\n", argv[0]);
		return 2;
	}
	req = malloc(HEAD);
	if (!req)
		return fail("malloc");
	request = req;
	inname = argv[1];
	outname = argv[2];

	in = open(inname, O_RDONLY);
	if (in < 0)
		return fail(inname);
	opens++;
	out = open(outname, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (out < 0)
		return fail(outname);
	opens++;
	n = read(in, req, HEAD);
	if (n < 0)
		return fail("read");
	request_size = n;
	requests++;
	w = write(out, req, n);
	if (w != n)
		return fail("write");
	bytes_in = n;
	bytes_out = w;
	w_blocks = 1;
	errno = 0;

	while ((n = read(in, buf, BS)) > 0) {
		r_full += n == BS;
		r_partial += n != BS;
		bytes_in += n;
		last_read = n;
		w = write(out, buf, n);
		if (w != n)
			return fail("write");
		w_blocks++;
		bytes_out += w;
		last_write = w;
		errno = 0;
	}
	if (n < 0)
		return fail("read");
	if (close(in) < 0)
		return fail("close");
	if (close(out) < 0)
		return fail("close");
	report(stdout);
	free(request);
	return 0;
}
