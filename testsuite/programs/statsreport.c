/*
 * statsreport IN OUT: a copy that keeps its statistics in file-scope counters, as GNU dd
 * does, and prints them from a helper of its own: on SIGUSR1 (a `volatile sig_atomic_t`
 * the handler sets and the report clears) and once at the end. A short write is reported
 * by the same helper and the copy goes on.
 *
 * The report reads the counters, and it is a call of the loop: the counters are kept in
 * registers across the loop all the same, stored before each call of the report and loaded
 * again after it (it runs only when the flag is set or a write was short), so the loop is
 * one looped multi-call that watches the flag and carries the counts.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define N 4096

static long records_in, records_out, short_writes;
static long long bytes_out;
static volatile sig_atomic_t info_requested;

static void on_usr1(int sig)
{
	(void)sig;
	info_requested = 1;
}

__attribute__((noinline)) static void print_stats(const char *why)
{
	info_requested = 0;
	fprintf(stderr, "%s: %ld records in, %ld records out, %ld short, %lld bytes\n", why,
		records_in, records_out, short_writes, bytes_out);
}

int main(int argc, char *argv[])
{
	static char buff[N];
	int inp, out;
	ssize_t n, w;
	struct sigaction sa;

	if (argc != 3) {
		fprintf(stderr, "usage: %s IN OUT\n", argv[0]);
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sa.sa_flags = SA_RESTART;
	if (sigaction(SIGUSR1, &sa, NULL) < 0) {
		perror("sigaction");
		return 1;
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
	while ((n = read(inp, buff, N)) > 0) {
		records_in++;
		w = write(out, buff, n);
		if (w < 0) {
			perror("write");
			print_stats("failed");
			return 1;
		}
		records_out++;
		bytes_out += w;
		if (w != n) {
			short_writes++;
			print_stats("short write");
		}
		if (info_requested)
			print_stats("progress");
	}
	if (n < 0) {
		perror("read");
		return 1;
	}
	close(inp);
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	print_stats("done");
	return 0;
}
