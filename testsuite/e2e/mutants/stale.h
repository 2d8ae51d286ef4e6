/*
 * A broken "clustered" build for the harness's self-test: a write that follows a read
 * (a pwrite that follows a pread) writes the full block instead of the bytes read, as a batch without a result reference
 * (read -> write of n bytes) would at end of file. The differential runner must flag the
 * successful copies whose size is not a multiple of the block.
 */
#include <unistd.h>

static ssize_t mutant_last_read = -1;

static inline ssize_t mutant_read(int fd, void *buf, size_t count)
{
	ssize_t n = read(fd, buf, count);

	mutant_last_read = n;
	return n;
}

static inline ssize_t mutant_write(int fd, const void *buf, size_t count)
{
	ssize_t last = mutant_last_read;

	mutant_last_read = -1;
	/* A write right after a short read writes the whole block, and claims the bytes read. */
	if (last > 0 && count == (size_t)last && count < 4096) {
		ssize_t n = write(fd, buf, 4096);

		return n < 0 ? n : (ssize_t)count;
	}
	return write(fd, buf, count);
}
static inline ssize_t mutant_pread(int fd, void *buf, size_t count, off_t off)
{
	ssize_t n = pread(fd, buf, count, off);

	mutant_last_read = n;
	return n;
}

static inline ssize_t mutant_pwrite(int fd, const void *buf, size_t count, off_t off)
{
	ssize_t last = mutant_last_read;

	mutant_last_read = -1;
	if (last > 0 && count == (size_t)last && count < 4096) {
		ssize_t n = pwrite(fd, buf, 4096, off);

		return n < 0 ? n : (ssize_t)count;
	}
	return pwrite(fd, buf, count, off);
}
#define read mutant_read
#define pread mutant_pread
#define pwrite mutant_pwrite
#define write mutant_write
