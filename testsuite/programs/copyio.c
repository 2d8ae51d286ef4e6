/*
 * I/O helpers in the style of mini-httpd's my_read/my_write: my_read is a plain wrapper,
 * my_write traces each call to standard error when COPYIO_TRACE is set, and a last line at
 * exit. clang's inliner takes my_read and leaves my_write (its trace makes it too large for a
 * function with two callers), so the hot edge read -> write of a copy loop runs between two
 * functions until the pass inlines my_write. copyhelpers.c includes this file (one
 * translation unit); copylto.c links it as a translation unit of its own, which only
 * link-time optimisation brings into reach.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

ssize_t my_read(int fd, void *buf, size_t len);
ssize_t my_write(int fd, const void *buf, size_t len);

/* -1 until the first call reads COPYIO_TRACE. */
static int trace = -1;

ssize_t my_read(int fd, void *buf, size_t len)
{
	return read(fd, buf, len);
}

ssize_t my_write(int fd, const void *buf, size_t len)
{
	ssize_t n = write(fd, buf, len);
	int saved = errno;

	if (trace < 0)
		trace = getenv("COPYIO_TRACE") != NULL;
	if (trace) {
		const unsigned char *p = buf;
		size_t k, shown = n > 0 ? (size_t)n : 0;

		if (shown > 16)
			shown = 16;
		fprintf(stderr, "write(%d, %zu) = %zd:", fd, len, n);
		for (k = 0; k < shown; k++)
			fprintf(stderr, " %02x", p[k]);
		if (n < 0)
			fprintf(stderr, " (%s)", strerror(saved));
		fputc('\n', stderr);
	}
	errno = saved;
	return n;
}

__attribute__((destructor)) static void copyio_done(void)
{
	static const char done[] = "copyio: done\n";

	if (trace > 0)
		my_write(2, done, sizeof done - 1);
}
