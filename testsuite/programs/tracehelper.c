/*
 * tracehelper IN OUT: a copy that traces each block through a helper with variable
 * arguments, as many tools do (`static void trace(const char *fmt, ...) { if (!verbose)
 * return; ... vfprintf(stderr, ..) }`), the option set from TRACE in the environment before
 * the loop. clang never inlines a function with variable arguments, so without the pass's
 * help the loop calls user code in every iteration. The pass makes the helper's first test
 * before the call; the option's load is then the same in every iteration, the loop is
 * unswitched on it, and its quiet copy is one looped multi-call whose buffer is dead after
 * it. The counts come last, on every way out.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define N 4096

static int verbose;

static void trace(const char *fmt, ...)
{
	va_list ap;

	if (!verbose)
		return;
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

int main(int argc, char *argv[])
{
	char buff[N];
	int inp, out, status = 0;
	long blocks = 0;
	long long bytes = 0;
	ssize_t n, w;

	if (argc != 3) {
		fprintf(stderr, "usage: %s IN OUT\n", argv[0]);
		return 2;
	}
	verbose = getenv("TRACE") != NULL;
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
	trace("copying %s to %s\n", argv[1], argv[2]);
	while ((n = read(inp, buff, N)) > 0) {
		w = write(out, buff, n);
		if (w != n) {
			fprintf(stderr, "write: %s\n", w < 0 ? strerror(errno) : "short write");
			status = 1;
			break;
		}
		blocks++;
		bytes += n;
		trace("block %ld: %lld bytes\n", blocks, bytes);
	}
	if (n < 0) {
		perror("read");
		status = 1;
	}
	fprintf(stderr, "%ld blocks, %lld bytes\n", blocks, bytes);
	close(inp);
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	return status;
}
