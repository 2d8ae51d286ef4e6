/*
 * eintrall IN OUT: stevens.c's copy through a pipe under signals without SA_RESTART, with the
 * read-until-full and write-all loops as much code writes them: a call that EINTR interrupted
 * is retried by `continue`, the pointer and the count left as they were. clang -O2 joins the
 * advanced values and the unchanged ones in the latch (`phi [ %p.next, %more ], [ %p,
 * %retry ]`): on the way round a looped batch runs they are the advanced ones, and the retry
 * is original code entered from the stop.
 */
#include <errno.h>
#include <sys/types.h>
#include <unistd.h>

/* Reads until n bytes or the end of the input; -1 on an error. */
static __attribute__((noinline)) ssize_t readn(int fd, void *vptr, size_t n)
{
	char *p = vptr;
	size_t left = n;

	while (left > 0) {
		ssize_t r = read(fd, p, left);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		if (r == 0)
			break;
		p += r;
		left -= r;
	}
	return n - left;
}

/* Writes n bytes whole; -1 on an error. */
static __attribute__((noinline)) ssize_t writen(int fd, const void *vptr, size_t n)
{
	const char *p = vptr;
	size_t left = n;

	do {
		ssize_t w = write(fd, p, left);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		left -= w;
	} while (left > 0);
	return n;
}

#define STEVENS_HELPERS
#include "stevens.c"
