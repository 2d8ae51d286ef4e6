/*
 * copy IN OUT: the file copy program of the system call clustering paper (Figure 5a),
 * with the error checks a real program has. Its hot sequence is read -> write -> read.
 *
 * Build with -DN=512 (or any size) to change the block size.
 */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

#ifndef N
#define N 4096
#endif

int main(int argc, char *argv[])
{
	int inp, out;
	ssize_t n;
	char buff[N];

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
	while ((n = read(inp, buff, N)) > 0) {
		if (write(out, buff, n) != n) {
			perror("write");
			return 1;
		}
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
	return 0;
}
