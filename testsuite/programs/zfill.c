/*
 * zfill [-x] IN OUT: a filter in the manner of gzip (its gzip.c over util.c, here
 * zfillio.c, another translation unit: build it with link-time optimisation,
 * syscluster build --lto, docs/build.md). It reads IN ('-': standard input) through a
 * buffer that fill_inbuf fills until it is full or the input ends, passes each byte through
 * the work function the options chose (a copy, or with -x each byte XORed with 0x5a), writes
 * OUT ('-': standard output) through a buffer flushed whole, and says on standard error how
 * many bytes went in and out and their sum. As gzip does, it opens the input non-blocking
 * (read_buffer makes it blocking on EAGAIN and reads again), calls the work through a
 * function pointer, and removes an unfinished output when SIGINT, SIGTERM or SIGHUP arrives.
 * Exit status 0; 1 after an error (its message on standard error); 2 for a bad command line.
 *
 * With the pass, the fill loop (`read_buffer` inlined, `insize` and the input descriptor
 * global variables, a `switch` on the result, the EAGAIN retry) is one looped multi-call.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "zfill.h"

static const char *ofname;
static volatile sig_atomic_t remove_ofname;

static void abort_signal(int sig)
{
	if (remove_ofname)
		unlink(ofname);
	_exit(128 + sig);
}

static unsigned long sum;

static int store(void)
{
	int c;

	while ((c = get_byte()) != EOF) {
		sum = sum * 31 + (unsigned)c;
		put_byte(c);
	}
	flush_outbuf();
	return 0;
}

static int encode(void)
{
	int c;

	while ((c = get_byte()) != EOF) {
		sum = sum * 31 + (unsigned)c;
		put_byte(c ^ 0x5a);
	}
	flush_outbuf();
	return 0;
}

static int (*work)(void) = store;

int main(int argc, char **argv)
{
	int a = 1;

	if (a < argc && strcmp(argv[a], "-x") == 0) {
		work = encode;
		a++;
	}
	if (argc - a != 2) {
		fprintf(stderr, "usage: zfill [-x] IN OUT\n");
		return 2;
	}
	signal(SIGINT, abort_signal);
	signal(SIGTERM, abort_signal);
	signal(SIGHUP, abort_signal);
	if (strcmp(argv[a], "-") == 0)
		ifd = 0;
	else
		ifd = open(argv[a], O_RDONLY | O_NONBLOCK);
	if (ifd < 0) {
		perror(argv[a]);
		return 1;
	}
	if (strcmp(argv[a + 1], "-") == 0) {
		ofd = 1;
	} else {
		ofname = argv[a + 1];
		ofd = open(ofname, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (ofd < 0) {
			perror(ofname);
			return 1;
		}
		remove_ofname = 1;
	}
	(*work)();
	remove_ofname = 0;
	if (ofd != 1 && close(ofd) != 0) {
		perror(ofname);
		return 1;
	}
	fprintf(stderr, "zfill: %ld bytes in, %ld out, sum %lx\n", bytes_in, bytes_out, sum);
	return 0;
}
