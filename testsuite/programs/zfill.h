/* zfillio.c: gzip-style buffers for zfill.c. */
#ifndef ZFILL_H
#define ZFILL_H

/* Input filled 16 KiB at a time, output written 64 KiB at a time: on a file the fills' reads
 * follow one another (the profile's read -> read), as gzip's do on small files. */
#define INBUFSIZ 0x4000
#define OUTBUFSIZ 0x10000

extern unsigned char inbuf[INBUFSIZ];
extern unsigned char outbuf[OUTBUFSIZ];
extern unsigned insize, inptr, outcnt;
extern int ifd, ofd;
extern long bytes_in, bytes_out;

#define get_byte() (inptr < insize ? inbuf[inptr++] : fill_inbuf(1))
#define put_byte(c)                            \
	do {                                   \
		outbuf[outcnt++] = (unsigned char)(c); \
		if (outcnt == OUTBUFSIZ)       \
			flush_outbuf();        \
	} while (0)

void read_error(void);
void write_error(void);
int read_buffer(int fd, void *buf, unsigned cnt);
int fill_inbuf(int eof_ok);
void write_buf(int fd, void *buf, unsigned cnt);
void flush_outbuf(void);

#endif
