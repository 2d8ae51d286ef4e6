/*
 * I/O helpers in the manner of gnulib's safe-read.c, safe-write.c and full-write.c, for
 * gnucat.c, linked as a translation unit of their own (only link-time optimisation brings
 * them into reach of the pass).
 */
#include <errno.h>
#include <limits.h>
#include <unistd.h>

#include "gnucatio.h"

/* The largest count a read or write is given after the kernel refused a larger one with
 * EINVAL (some systems do above INT_MAX): 2 GiB less 1 MiB, a multiple of any block size. */
#define BUFSIZE_MAX ((size_t)INT_MAX - (1 << 20) + 1)

/* safe_read and safe_write are one loop around read or write, as gnulib compiles its
 * safe-read.c twice: a call retried on EINTR, its count clamped once on EINVAL. Both calls
 * have the same source position, as in gnulib. */
#define SAFE_RW(name, rw, qual)                                               \
	size_t name(int fd, qual void *buf, size_t count)                     \
	{                                                                     \
		for (;;) {                                                    \
			ssize_t n = rw(fd, buf, count);                       \
			if (n >= 0)                                           \
				return (size_t)n;                             \
			if (errno == EINTR)                                   \
				continue;                                     \
			if (errno == EINVAL && count > BUFSIZE_MAX) {         \
				count = BUFSIZE_MAX;                          \
				continue;                                     \
			}                                                     \
			return (size_t)-1;                                    \
		}                                                             \
	}

SAFE_RW(safe_read, read, )
SAFE_RW(safe_write, write, const)

/* Writes all count bytes unless an error stops it; returns how many were written. A write
 * that writes nothing is taken as a full device (ENOSPC). */
size_t full_write(int fd, const void *buf, size_t count)
{
	const char *p = buf;
	size_t done = 0;

	while (count > 0) {
		size_t n = safe_write(fd, p, count);

		if (n == SAFE_WRITE_ERROR)
			break;
		if (n == 0) {
			errno = ENOSPC;
			break;
		}
		done += n;
		p += n;
		count -= n;
	}
	return done;
}
