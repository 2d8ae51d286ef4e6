/*
 * Input and output buffers in the manner of gzip's util.c, for zfill.c, linked as a
 * translation unit of its own: the buffers and their counts are global variables shared
 * with the program, and the reads go through a helper that makes a non-blocking descriptor
 * blocking and reads again on EAGAIN.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "zfill.h"

unsigned char inbuf[INBUFSIZ];
unsigned char outbuf[OUTBUFSIZ];
unsigned insize, inptr, outcnt;
int ifd, ofd;
long bytes_in, bytes_out;

void read_error(void)
{
	perror("zfill: read");
	exit(1);
}

void write_error(void)
{
	perror("zfill: write");
	exit(1);
}

/* read(), as gzip's read_buffer: a descriptor opened non-blocking is made blocking on EAGAIN
 * and read again. */
int read_buffer(int fd, void *buf, unsigned cnt)
{
	int len;

	if (INT_MAX < cnt)
		cnt = INT_MAX;
	len = read(fd, buf, cnt);
	if (len < 0 && errno == EAGAIN) {
		int flags = fcntl(fd, F_GETFL);

		if (0 <= flags) {
			if (!(flags & O_NONBLOCK))
				errno = EAGAIN;
			else if (fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) != -1)
				len = read(fd, buf, cnt);
		}
	}
	return len;
}

/* Fills the input buffer, as gzip's fill_inbuf: reads until it is full or the input ends;
 * returns its first byte, or EOF at the end when eof_ok. */
int fill_inbuf(int eof_ok)
{
	int len;

	insize = 0;
	do {
		len = read_buffer(ifd, (char *)inbuf + insize, INBUFSIZ - insize);
		if (len == 0)
			break;
		if (len == -1) {
			read_error();
			break;
		}
		insize += len;
	} while (insize < INBUFSIZ);
	if (insize == 0) {
		if (eof_ok)
			return EOF;
		read_error();
	}
	bytes_in += insize;
	inptr = 1;
	return inbuf[0];
}

static int write_buffer(int fd, void *buf, unsigned cnt)
{
	if (INT_MAX < cnt)
		cnt = INT_MAX;
	return write(fd, buf, cnt);
}

/* Writes all of buf, as gzip's write_buf. */
void write_buf(int fd, void *buf, unsigned cnt)
{
	unsigned n;

	while ((n = write_buffer(fd, buf, cnt)) != cnt) {
		if (n == (unsigned)-1)
			write_error();
		cnt -= n;
		buf = (char *)buf + n;
	}
}

void flush_outbuf(void)
{
	if (outcnt == 0)
		return;
	write_buf(ofd, outbuf, outcnt);
	bytes_out += outcnt;
	outcnt = 0;
}
