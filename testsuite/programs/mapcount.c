/*
 * mapcount IN OUT: a copy of IN to OUT that keeps its block count in the file OUT.count,
 * updated with pwrite and read back through a MAP_SHARED mapping of that file, and after
 * each update writes as many dots to OUT.log as the mapped count says (modulo 8, plus 1).
 * The mapping changes with the file: a load of the count moved above the pwrite (the
 * calls' memory model says pwrite writes no memory of the program) would read the count
 * before the update. Every way out reports the count on stderr.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static char buf[4096];
static const char dots[] = "........";

int main(int argc, char *argv[])
{
	char name[4096];
	const volatile long *count;
	ssize_t n;
	int in, out, cfd, logfd;
	long next;

	if (argc != 3) {
		fprintf(stderr, "usage: %s IN OUT\n", argv[0]);
		return 2;
	}
	in = open(argv[1], O_RDONLY);
	if (in < 0) {
		perror(argv[1]);
		return 1;
	}
	out = creat(argv[2], 0666);
	if (out < 0) {
		perror(argv[2]);
		return 1;
	}
	snprintf(name, sizeof name, "%s.count", argv[2]);
	cfd = open(name, O_RDWR | O_CREAT | O_TRUNC, 0666);
	snprintf(name, sizeof name, "%s.log", argv[2]);
	logfd = creat(name, 0666);
	if (cfd < 0 || logfd < 0 || ftruncate(cfd, sizeof(long)) < 0) {
		perror(name);
		return 1;
	}
	count = mmap(NULL, sizeof(long), PROT_READ, MAP_SHARED, cfd, 0);
	if (count == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	while ((n = read(in, buf, sizeof buf)) > 0) {
		next = *(const long *)count + 1;
		if (pwrite(cfd, &next, sizeof next, 0) < 0) {
			perror("pwrite");
			return 1;
		}
		if (write(logfd, dots, *(const long *)count % 8 + 1) < 0 ||
		    write(out, buf, n) != n) {
			fprintf(stderr, "write: %s after %ld blocks\n", strerror(errno),
				*(const long *)count);
			return 1;
		}
	}
	if (n < 0) {
		fprintf(stderr, "read: %s after %ld blocks\n", strerror(errno), *(const long *)count);
		return 1;
	}
	fprintf(stderr, "copied %ld blocks\n", *(const long *)count);
	return 0;
}
