/*
 * A broken "clustered" build for the harness's self-test: a failing write (or pwrite) reports EIO
 * instead of its own errno, as a lowering that forgot to set errno from the batch's raw
 * result would. The differential runner must flag every case whose output depends on a
 * failing write's errno, and no other.
 */
#include <errno.h>
#include <unistd.h>

static inline ssize_t mutant_write(int fd, const void *buf, size_t count)
{
	ssize_t n = write(fd, buf, count);

	if (n < 0)
		errno = EIO;
	return n;
}
#define write mutant_write

static inline ssize_t mutant_pwrite(int fd, const void *buf, size_t count, off_t off)
{
	ssize_t n = pwrite(fd, buf, count, off);

	if (n < 0)
		errno = EIO;
	return n;
}
#define pwrite mutant_pwrite
