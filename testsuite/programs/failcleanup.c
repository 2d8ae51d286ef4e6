/*
 * failcleanup IN OUT: a copy of IN to OUT whose SIGUSR1 handler gives up as compressors do on
 * SIGINT (lzip's cleanup_and_fail): it closes and deletes the output, says so and exits with
 * status 3. The output's descriptor is a file-scope variable the handler writes; since the
 * handler never returns, the code it interrupts never reads that variable again, so the
 * loop's load of it may rise above the read and the loop be one looped multi-call.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <unistd.h>

static int outfd = -1;
static const char *output_name;

static void cleanup_and_fail(int status)
{
	static const char said[] = "failcleanup: interrupted, output deleted\n";

	if (outfd >= 0) {
		close(outfd);
		outfd = -1;
		unlink(output_name);
	}
	if (write(2, said, sizeof said - 1) < 0)
		status = 4;
	_exit(status);
}

static void on_signal(int sig)
{
	(void)sig;
	cleanup_and_fail(3);
}

static void set_signals(void (*action)(int))
{
	signal(SIGUSR1, action);
}

int main(int argc, char *argv[])
{
	static char buf[4096];
	ssize_t n;
	int in;

	if (argc != 3) {
		fprintf(stderr, "usage: %s IN OUT\n", argv[0]);
		return 2;
	}
	in = open(argv[1], O_RDONLY);
	if (in < 0) {
		perror(argv[1]);
		return 1;
	}
	output_name = argv[2];
	outfd = creat(output_name, 0666);
	if (outfd < 0) {
		perror(output_name);
		return 1;
	}
	set_signals(on_signal);
	while ((n = read(in, buf, sizeof buf)) > 0) {
		if (write(outfd, buf, n) != n) {
			perror("write");
			return 1;
		}
	}
	if (n < 0) {
		perror("read");
		return 1;
	}
	return 0;
}
