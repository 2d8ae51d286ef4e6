/*
 * A broken "clustered" build for the harness's self-test: before the program's first open,
 * a descriptor of its own is opened and kept, at the lowest free number, as a runtime that
 * opened its device that way would. With stdout closed the program's files then get other
 * numbers than in the original, which the closed-stdout cases must show.
 */
#include <fcntl.h>
#include <stdarg.h>

static int mutant_fd = -1;

static inline int mutant_open(const char *path, int flags, ...)
{
	mode_t mode = 0;
	va_list ap;

	if (mutant_fd < 0)
		mutant_fd = open("/dev/null", O_RDWR);
	if (flags & O_CREAT) {
		va_start(ap, flags);
		mode = va_arg(ap, mode_t);
		va_end(ap);
	}
	return open(path, flags, mode);
}
#define open mutant_open
