/*
 * chunkcopy IN OUT: copies the first LIMIT bytes of IN (head -c) in five loops whose counts
 * are clamped to a block size, as programs that know how much they want do:
 *
 *  - a read -> write copy of FIRST bytes, `read(in, buf, min(left, N))` on an off_t;
 *  - a body of BODY bytes read in chunks of CHUNK into one buffer that advances
 *    (`while (want)` on a size_t), then written at once; the code after it tests `want`
 *    again, which clang answers with the loop's own test of the read's result;
 *  - SENT bytes with sendfile in pieces of at most SEND bytes;
 *  - EXACT bytes by read -> write in blocks the read must fill (`if (read(in, buf, chunk)
 *    != chunk) fail; ... exact -= chunk;`);
 *  - the rest with read -> write on an `int` count, in pieces of at most TAILCHUNK.
 *
 * Each of the five loops must be one looped multi-call that passes the block size for the iterations
 * what is left has room for; the last, shorter, piece runs in the original code. It says on
 * stderr how far each loop got on every way out.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/sendfile.h>
#include <unistd.h>

#ifndef N
#define N 4096
#endif
#define LIMIT (1536 * 1024)
#define FIRST (512 * 1024 + 100)
#define BODY (64 * 1024 + 7)
#define CHUNK 1000
#define SEND 65536
#define SENT (640 * 1024)
#define EXACT (256 * 1024 + 5)
#define TAILCHUNK 512

static char buf[N];
static char body[BODY];

int main(int argc, char *argv[])
{
	int inp, out;
	off_t left = FIRST;
	size_t want = BODY, sent_left;
	char *p = body;
	size_t exact = EXACT;
	int tail = LIMIT - FIRST - BODY - SENT - EXACT;
	ssize_t n;

	if (argc != 3) {
		fprintf(stderr, "usage: %s IN OUT\n", argv[0]);
		return 2;
	}
	inp = open(argv[1], O_RDONLY);
	if (inp < 0) {
		perror(argv[1]);
		return 1;
	}
	out = creat(argv[2], 0666);
	if (out < 0) {
		perror(argv[2]);
		return 1;
	}
	while (left > 0) {
		n = read(inp, buf, left < (off_t)sizeof buf ? left : (off_t)sizeof buf);
		if (n < 0) {
			fprintf(stderr, "read: %s (%lld left)\n", strerror(errno), (long long)left);
			return 1;
		}
		if (n == 0)
			break;
		ssize_t w = write(out, buf, n);
		if (w != n) {
			fprintf(stderr, "write: %s (%lld left, last %zd)\n",
				w < 0 ? strerror(errno) : "short", (long long)left, w);
			return 1;
		}
		left -= n;
	}
	fprintf(stderr, "first loop: %lld left\n", (long long)left);
	if (left > 0)
		return close(out) < 0;
	while (want) {
		n = read(inp, p, want > CHUNK ? CHUNK : want);
		if (n < 0) {
			perror("read body");
			return 1;
		}
		if (n == 0)
			break;
		p += n;
		want -= n;
	}
	fprintf(stderr, "body: %zu bytes, %zu short\n", (size_t)(p - body), want);
	n = write(out, body, p - body);
	if (n != p - body) {
		fprintf(stderr, "write body: %s\n", n < 0 ? strerror(errno) : "short");
		return 1;
	}
	if (want)
		return close(out) < 0;
	sent_left = SENT;
	while (sent_left > 0) {
		n = sendfile(out, inp, NULL, sent_left > SEND ? SEND : sent_left);
		if (n <= 0) {
			if (n < 0)
				fprintf(stderr, "sendfile: %s (%zu left)\n", strerror(errno), sent_left);
			break;
		}
		sent_left -= n;
	}
	fprintf(stderr, "sendfile loop: %zu left\n", sent_left);
	if (n < 0)
		return 1;
	if (sent_left)
		return close(out) < 0;
	while (exact) {
		size_t chunk = exact < sizeof buf ? exact : sizeof buf;
		n = read(inp, buf, chunk);
		if (n != (ssize_t)chunk) {
			fprintf(stderr, "short read: %zd of %zu (%s)\n", n, chunk,
				n < 0 ? strerror(errno) : "end of input");
			return 1;
		}
		if (write(out, buf, chunk) != (ssize_t)chunk) {
			perror("write exact");
			return 1;
		}
		exact -= chunk;
	}
	while (tail > 0) {
		int got = read(inp, buf, tail < TAILCHUNK ? tail : TAILCHUNK);
		if (got <= 0) {
			if (got < 0)
				perror("read tail");
			break;
		}
		if (write(out, buf, got) != got) {
			fprintf(stderr, "write tail: %s (%d left)\n", strerror(errno), tail);
			return 1;
		}
		tail -= got;
	}
	fprintf(stderr, "tail: %d left\n", tail);
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	return tail < 0;
}
