/*
 * pipe_after_setup: a blocking write into a full pipe right after the runtime has set up
 * (with MULTICALL_BACKEND=io_uring, whose set-up probes io_uring) must write every byte, as
 * write(2) does without a signal. A ring the set-up opened and closed again makes the kernel
 * send the thread task work later (io_ring_exit_work), which marks a signal pending and stops
 * such a write short. A reader process drains the pipe after 200 ms; the parent writes 1 MiB
 * in blocks of 128 KiB (a pipe holds 64 KiB). Prints "pipe_after_setup: ok" and exits 0, or
 * names the short write and exits 1.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <multicall.h>

#define BLOCK (128 * 1024)

static char buf[BLOCK];

int main(void)
{
	struct mc_entry e;
	struct timespec pause = { 0, 200 * 1000 * 1000 };
	int fds[2], status, failed = 0;
	pid_t reader;

	if (pipe(fds) != 0) {
		perror("pipe");
		return 1;
	}
	reader = fork();
	if (reader < 0) {
		perror("fork");
		return 1;
	}
	if (reader == 0) {
		close(fds[1]);
		nanosleep(&pause, NULL);
		while (read(fds[0], buf, sizeof buf) > 0)
			;
		_exit(0);
	}
	close(fds[0]);
	/* The first batch sets the runtime up. */
	memset(&e, 0, sizeof e);
	e.nr = SYS_getppid;
	if (multicall(&e, 1) < 0) {
		perror("multicall");
		return 1;
	}
	for (int i = 0; i < 8; i++) {
		ssize_t n = write(fds[1], buf, sizeof buf);

		if (n != (ssize_t)sizeof buf) {
			fprintf(stderr, "pipe_after_setup: write %d returned %zd of %d (%s)\n", i, n,
				BLOCK, n < 0 ? strerror(errno) : "short");
			failed = 1;
			break;
		}
	}
	close(fds[1]);
	waitpid(reader, &status, 0);
	if (failed)
		return 1;
	puts("pipe_after_setup: ok");
	return 0;
}
