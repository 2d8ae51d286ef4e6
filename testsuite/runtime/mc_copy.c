/*
 * mc_copy IN OUT: the paper's copy program (testsuite/programs/copy.c) written by hand with
 * one looped multi-call: read n -> write n, repeated until read returns <= 0 or a write
 * is short. Exits 0 when the copy is complete, 1 on an error (reported like copy.c does).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <multicall.h>

#ifndef N
#define N 4096
#endif

int main(int argc, char *argv[])
{
	static char buff[N];
	struct mc_entry e[2];
	unsigned long iters = 0;
	long stop;
	int inp, out;

	if (argc != 3) {
		fprintf(stderr, "usage: %s IN OUT\n", argv[0]);
		return 2;
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
	memset(e, 0, sizeof e);
	e[0].nr = SYS_read;
	e[0].stop = MC_STOP_NONPOS;
	e[0].args[0] = inp;
	e[0].args[1] = (long)buff;
	e[0].args[2] = N;
	e[1].nr = SYS_write;
	e[1].stop = MC_STOP_NE_ARG;
	e[1].stop_arg = 2;
	e[1].refs = 1 << 2;
	e[1].args[0] = out;
	e[1].args[1] = (long)buff;
	e[1].args[2] = 0; /* the result of entry 0 */
	do
		stop = multicall_loop(e, 2, ~0UL, &iters);
	while (stop == 2); /* max_iters reached: go on */
	if (stop < 0) {
		perror("multicall_loop");
		return 1;
	}
	if (stop == 1) {
		if (multicall_libc_result(e[1].result) < 0)
			perror("write");
		else
			fprintf(stderr, "write: short write\n");
		return 1;
	}
	if (multicall_libc_result(e[0].result) < 0) {
		perror("read");
		return 1;
	}
	close(inp);
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	return 0;
}
