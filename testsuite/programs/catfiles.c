/*
 * catfiles IN... OUT: `cat IN... > OUT` as cat's loop over its arguments has it: each file
 * opened, copied by a helper whose buffer is declared in it (inlined into the loop over the
 * files, so the buffer's lifetime begins and ends in each of that loop's iterations), its
 * writes finished by a write-all loop, the file closed; a file that cannot be opened or read
 * is reported and the next one copied, and the exit status says whether any failed.
 *
 * Build with -DN=512 (or any size) to change the block size.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#ifndef N
#define N 4096
#endif

static int copy_fd(int fd, const char *name, int out)
{
	char buf[N];
	ssize_t n;

	while ((n = read(fd, buf, sizeof buf)) > 0) {
		ssize_t off = 0;

		while (off < n) {
			ssize_t w = write(out, buf + off, n - off);

			if (w < 0) {
				fprintf(stderr, "write: %s\n", strerror(errno));
				return 1;
			}
			off += w;
		}
	}
	if (n < 0) {
		fprintf(stderr, "%s: %s\n", name, strerror(errno));
		return 1;
	}
	return 0;
}

int main(int argc, char *argv[])
{
	int out, rc = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: %s IN... OUT\n", argv[0]);
		return 2;
	}
	if ((out = open(argv[argc - 1], O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0) {
		perror(argv[argc - 1]);
		return 1;
	}
	for (int i = 1; i < argc - 1; i++) {
		int fd = open(argv[i], O_RDONLY);

		if (fd < 0) {
			fprintf(stderr, "%s: %s\n", argv[i], strerror(errno));
			rc = 1;
			continue;
		}
		rc |= copy_fd(fd, argv[i], out);
		close(fd);
	}
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	return rc;
}
