/*
 * ddcopy IN OUT: GNU dd's copy loop in its own shape: `iread` retries a read that a signal
 * interrupted (`do { process_signals(); n = read(..); } while (n < 0 && errno == EINTR)`),
 * `iwrite` writes a block whole (`while (total < size) { process_signals(); w = write(..);
 * .. }`, a write of nothing taken as ENOSPC), and the loop counts full and partial records
 * read and written and the bytes written in file-scope variables, which `process_signals`
 * prints on SIGUSR1 and which are printed at the end. SIGINT makes it close the output,
 * print the statistics and die of the signal again, as dd does. Its handlers are installed
 * without SA_RESTART, as dd's are, so a read a signal interrupts fails with EINTR and is
 * retried; a short read is followed by a check for signals too.
 *
 * The pass makes process_signals' two tests before each of its calls, keeps the counters in
 * registers (stored before and loaded after each call of process_signals), peels the first
 * iteration of the write-all loop, and moves the loop's start to the read: the loop is one
 * looped multi-call that reads both flags after the read (where iwrite tests them before
 * its write, its handler coming back to the write) and after each iteration; the read stops
 * the batch on every result but a whole block (so that the check after a short read, whose
 * way comes back, is the original code's), and the read's retry and the short writes resume
 * the original code.
 *
 * Exit status: 0 copied, 1 a system call failed (message on stderr), 2 usage, 130 SIGINT.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define BS 4096

static volatile sig_atomic_t interrupt_signal, info_signal_count;
static sigset_t caught_signals;
static long r_full, r_partial, w_full, w_partial;
static long long w_bytes;
static char *ibuf;

static void print_stats(void)
{
	fprintf(stderr, "%ld+%ld records in\n%ld+%ld records out\n%lld bytes copied\n", r_full,
		r_partial, w_full, w_partial, w_bytes);
}

static void cleanup(void)
{
	if (close(STDOUT_FILENO) < 0)
		perror("closing the output");
}

static void process_signals(void)
{
	while (interrupt_signal || info_signal_count) {
		int interrupt, infos;
		sigset_t oldset;

		sigprocmask(SIG_BLOCK, &caught_signals, &oldset);
		interrupt = interrupt_signal;
		infos = info_signal_count;
		if (infos)
			info_signal_count = infos - 1;
		sigprocmask(SIG_SETMASK, &oldset, NULL);
		if (interrupt)
			cleanup();
		print_stats();
		if (interrupt)
			raise(interrupt);
	}
}

static ssize_t iread(int fd, char *buf, size_t size)
{
	ssize_t nread;

	do {
		process_signals();
		nread = read(fd, buf, size);
	} while (nread < 0 && errno == EINTR);
	/* A short read may be due to a signal. */
	if (0 < nread && (size_t)nread < size)
		process_signals();
	return nread;
}

static size_t iwrite(int fd, const char *buf, size_t size)
{
	size_t total_written = 0;

	while (total_written < size) {
		ssize_t nwritten;

		process_signals();
		nwritten = write(fd, buf + total_written, size - total_written);
		if (nwritten < 0) {
			if (errno != EINTR)
				break;
		} else if (nwritten == 0) {
			errno = ENOSPC;
			break;
		} else {
			total_written += nwritten;
		}
	}
	return total_written;
}

static int dd_copy(void)
{
	for (;;) {
		ssize_t nread = iread(STDIN_FILENO, ibuf, BS);
		size_t nwritten;

		if (nread == 0)
			break;
		if (nread < 0) {
			fprintf(stderr, "error reading: %s\n", strerror(errno));
			return 1;
		}
		if (nread < BS)
			r_partial++;
		else
			r_full++;
		nwritten = iwrite(STDOUT_FILENO, ibuf, nread);
		w_bytes += nwritten;
		if (nwritten != (size_t)nread) {
			fprintf(stderr, "error writing: %s\n", strerror(errno));
			return 1;
		}
		if (nread == BS)
			w_full++;
		else
			w_partial++;
	}
	return 0;
}

static void on_interrupt(int sig)
{
	interrupt_signal = sig;
}

static void on_info(int sig)
{
	(void)sig;
	info_signal_count++;
}

int main(int argc, char *argv[])
{
	static char buf[BS];
	struct sigaction sa;
	int fd, status;

	if (argc != 3) {
		fprintf(stderr, "usage: %s IN OUT\n", argv[0]);
		return 2;
	}
	fd = open(argv[1], O_RDONLY);
	if (fd < 0 || dup2(fd, STDIN_FILENO) < 0) {
		perror(argv[1]);
		return 1;
	}
	fd = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0666);
	if (fd < 0 || dup2(fd, STDOUT_FILENO) < 0) {
		perror(argv[2]);
		return 1;
	}
	ibuf = buf;
	sigemptyset(&caught_signals);
	sigaddset(&caught_signals, SIGINT);
	sigaddset(&caught_signals, SIGUSR1);
	memset(&sa, 0, sizeof(sa));
	sa.sa_mask = caught_signals;
	sa.sa_handler = on_info;
	if (sigaction(SIGUSR1, &sa, NULL) < 0) {
		perror("sigaction");
		return 1;
	}
	sa.sa_flags = SA_NODEFER | SA_RESETHAND;
	sa.sa_handler = on_interrupt;
	if (sigaction(SIGINT, &sa, NULL) < 0) {
		perror("sigaction");
		return 1;
	}
	status = dd_copy();
	process_signals();
	print_stats();
	return status;
}
