/*
 * ddbs IN OUT [BS]: ddrecords.c with the record size an option, as dd's bs=: BS bytes (1 to
 * 1 MiB, 4096 when not given), checked before the copy. It counts full and partial records
 * read and written and the bytes written, and reports them on stderr in dd's form.
 *
 * Its loop compares the results with a record size the program only knows at run time
 * (`r == bs`): the read and the write stop on anything but a whole record, so in every
 * iteration a batch completes both returned bs, equal to it whatever it is, and the counts'
 * steps are decided (docs/pass.md 3d); the check before the loop makes bs at least 1, so a
 * read of nothing stops too.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_BS (1 << 20)

int main(int argc, char *argv[])
{
	static char buf[MAX_BS];
	size_t bs = 4096;
	unsigned long full_in = 0, part_in = 0, full_out = 0, part_out = 0;
	unsigned long long bytes = 0;
	int in, out, status = 0;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: %s IN OUT [BS]\n", argv[0]);
		return 2;
	}
	if (argc == 4) {
		char *end;

		bs = strtoul(argv[3], &end, 10);
		if (*end || bs == 0 || bs > MAX_BS) {
			fprintf(stderr, "ddbs: invalid block size '%s'\n", argv[3]);
			return 2;
		}
	}
	in = open(argv[1], O_RDONLY);
	if (in < 0) {
		fprintf(stderr, "ddbs: %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	out = open(argv[2], O_WRONLY | O_CREAT | O_TRUNC, 0666);
	if (out < 0) {
		fprintf(stderr, "ddbs: %s: %s\n", argv[2], strerror(errno));
		return 1;
	}
	for (;;) {
		ssize_t r = read(in, buf, bs);
		ssize_t w;

		if (r == 0)
			break;
		if (r < 0) {
			fprintf(stderr, "ddbs: reading: %s\n", strerror(errno));
			status = 1;
			break;
		}
		if ((size_t)r == bs)
			full_in++;
		else
			part_in++;
		w = write(out, buf, r);
		if (w < 0) {
			switch (errno) {
			case ENOSPC:
				fprintf(stderr, "ddbs: writing: no space left\n");
				break;
			case EFBIG:
				fprintf(stderr, "ddbs: writing: file too large\n");
				break;
			default:
				fprintf(stderr, "ddbs: writing: %s\n", strerror(errno));
			}
			status = 1;
			break;
		}
		if ((size_t)w == bs)
			full_out++;
		else
			part_out++;
		bytes += w;
		if (w != r) {
			fprintf(stderr, "ddbs: short write\n");
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
