/*
 * records IN OUT: writes IN to OUT as records: each 512-byte block of IN after a 2-byte
 * header "#\n", the last record shorter when IN's size is not a multiple of 512. Prints
 * the number of records on stdout.
 *
 * Its hot loop writes a header and a record per iteration, the record's address computed
 * between the two writes, and counts the bytes written instead of testing each write:
 *
 *	for (i = 0; i < n; i++) { total += write(out, hdr, 2); total += write(out, p + i * 512, 512); }
 *
 * Code motion hoists the address above the header's write, so that the body is one straight
 * multi-call, and the profile (every iteration goes round but the last) unrolls the loop,
 * so that several records' writes are one multi-call (docs/pass.md, "Unrolling").
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#define REC 512

static const char hdr[2] = { '#', '\n' };

/* Reads all of the file open at fd into a new buffer; its length in *len. */
static char *slurp(int fd, size_t *len)
{
	struct stat st;
	size_t size, got = 0;
	ssize_t n = 0;
	char *buf;

	if (fstat(fd, &st) < 0) {
		perror("fstat");
		return NULL;
	}
	size = st.st_size > 0 ? (size_t)st.st_size : 0;
	buf = malloc(size + 1);
	if (!buf) {
		perror("malloc");
		return NULL;
	}
	/* One byte more than fstat said, so that the end of the file is read too. */
	while (got <= size && (n = read(fd, buf + got, size + 1 - got)) > 0)
		got += n;
	if (n < 0) {
		perror("read");
		free(buf);
		return NULL;
	}
	*len = got > size ? size : got;
	return buf;
}

/* Writes the n whole records at p, each after its header; the bytes written, counting a
 * failed write as -1. */
static ssize_t put_records(int out, const char *p, size_t n)
{
	ssize_t total = 0;

	for (size_t i = 0; i < n; i++) {
		total += write(out, hdr, 2);
		total += write(out, p + i * REC, REC);
	}
	return total;
}

/* Reports a failed or short write (errno is the last failed write's; a short one sets none). */
static int write_failed(void)
{
	if (errno)
		perror("write");
	else
		fprintf(stderr, "write: short write\n");
	return 1;
}

int main(int argc, char *argv[])
{
	int inp, out;
	size_t len, whole, tail;
	char *p;

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
	p = slurp(inp, &len);
	if (!p)
		return 1;
	whole = len / REC;
	tail = len % REC;
	errno = 0;
	if (put_records(out, p, whole) != (ssize_t)(whole * (REC + sizeof(hdr))))
		return write_failed();
	if (tail && (write(out, hdr, sizeof(hdr)) != sizeof(hdr) ||
		     write(out, p + whole * REC, tail) != (ssize_t)tail))
		return write_failed();
	close(inp);
	if (close(out) < 0) {
		perror("close");
		return 1;
	}
	printf("%zu records\n", whole + (tail != 0));
	free(p);
	return 0;
}
