/*
 * ddrecords IN OUT: copies IN to OUT in 4096-byte records as dd does, counting full and
 * partial records read and written and the bytes written, which it reports on stderr in
 * dd's form ("F+P records in", "F+P records out", "N bytes copied"). A failed read or write
 * is reported with its errno (the write's by a switch on ENOSPC and EFBIG, as dd's own
 * messages), a short write as such; each ends the copy with status 1.
 *
 * Its loop counts with the read's and the write's results compared with the record size
 * (clang: `full += r == BS; part += r != BS` as zext of the comparisons): one looped
 * multi-call whose read and write stop on anything but a whole record, each stop resuming
 * the original loop after its call, which counts that record itself (docs/pass.md 3d).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define BS 4096

int main(int argc, char *argv[])
{
	static char buf[BS];
	unsigned long full_in = 0, part_in = 0, full_out = 0, part_out = 0;
	unsigned long long bytes = 0;
	int in, out, status = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: %s IN OUT\n", argv[0]);
		return 2;
	}
	in = open(argv[1], O_RDONLY);
	if (in < 0) {
		fprintf(stderr, "ddrecords: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0666);
	if (out < 0) {
		fprintf(stderr, "ddrecords: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	for (;;) {
		ssize_t r = read(in, buf, BS);
		ssize_t w;

		if (r == 0)
			break;
		if (r < 0) {
			fprintf(stderr, "ddrecords: reading: %s\n", strerror(errno));
			status = 1;
			break;
		}
		if (r == BS)
			full_in++;
		else
			part_in++;
		w = write(out, buf, r);
		if (w < 0) {
			switch (errno) {
			case ENOSPC:
				fprintf(stderr, "ddrecords: writing: no space left\n");
				break;
			case EFBIG:
				fprintf(stderr, "ddrecords: writing: file too large\n");
				break;
			default:
				fprintf(stderr, "ddrecords: writing: %s\n", strerror(errno));
			}
			status = 1;
			break;
		}
		if (w == BS)
			full_out++;
		else
			part_out++;
		bytes += w;
		if (w != r) {
			fprintf(stderr, "ddrecords: short write\n");
			status = 1;
			break;
		}
	}
	fprintf(stderr, "%lu+%lu records in\n%lu+%lu records out\n%llu bytes copied\n",
		full_in, part_in, full_out, part_out, bytes);
	close(in);
	if (close(out) < 0 && !status) {
		perror("close");
		status = 1;
	}
	return status;
}
