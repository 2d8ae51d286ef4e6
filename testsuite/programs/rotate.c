/*
 * rotate CONF LOG ARCHIVE: a small log rotator, the end-to-end tests' second program.
 *
 * It appends LOG to ARCHIVE after a header line, empties LOG and writes the banner read from
 * CONF as the fresh log's first line, then prints a summary on stdout. Every system call is
 * checked and every failure ends the program with a message and exit status 1, so the error
 * paths are as many as the clusters. The hot sequences, in program order:
 *
 *   CONF:     open -> fstat -> read -> close        (read a small file whole)
 *   LOG:      open -> fstat                         (its size goes into the header)
 *   ARCHIVE:  open -> write -> write                (header line, then the banner)
 *   copy:     read -> write -> read ...             (LOG appended to ARCHIVE)
 *   closing:  close -> close
 *   LOG:      open(O_TRUNC) -> write -> close       (the fresh log)
 *
 * Exit status: 0 done, 1 a system call failed (message on stderr), 2 usage or bad CONF.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BLOCK 4096
#define CONF_MAX 512

static char conf[CONF_MAX];
static char block[BLOCK];

static void __attribute__((noreturn)) die(const char *what)
{
	perror(what);
	exit(1);
}

/* Reads CONF whole: its content is the banner. Returns its length. */
static ssize_t read_conf(const char *path)
{
	struct stat st;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY);
	if (fd < 0)
		die(path);
	if (fstat(fd, &st) < 0)
		die("fstat");
	n = read(fd, conf, sizeof conf);
	if (n < 0)
		die("read");
	if (close(fd) < 0)
		die("close");
	if (st.st_size >= CONF_MAX) {
		fprintf(stderr, "%s: banner longer than %d bytes\n", path, CONF_MAX - 1);
		exit(2);
	}
	return n;
}

int main(int argc, char *argv[])
{
	char header[256];
	long long total = 0;
	ssize_t banner, n;
	int header_len;
	struct stat st;
	int in, out, fd;

	if (argc != 4) {
		fprintf(stderr, "usage: %s CONF LOG ARCHIVE\n", argv[0]);
		return 2;
	}
	banner = read_conf(argv[1]);

	in = open(argv[2], O_RDONLY);
	if (in < 0)
		die(argv[2]);
	if (fstat(in, &st) < 0)
		die("fstat");
	header_len = snprintf(header, sizeof header, "--- %s: %lld bytes\n", argv[2],
			      (long long)st.st_size);
	if (header_len < 0 || header_len >= (int)sizeof header) {
		fprintf(stderr, "%s: name too long\n", argv[2]);
		return 2;
	}

	out = open(argv[3], O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (out < 0)
		die(argv[3]);
	if (write(out, header, header_len) != header_len)
		die("write header");
	if (write(out, conf, banner) != banner)
		die("write banner");

	while ((n = read(in, block, BLOCK)) > 0) {
		if (write(out, block, n) != n)
			die("write");
		total += n;
	}
	if (n < 0)
		die("read");

	if (close(in) < 0)
		die("close log");
	if (close(out) < 0)
		die("close archive");

	fd = open(argv[2], O_WRONLY | O_TRUNC);
	if (fd < 0)
		die(argv[2]);
	if (write(fd, conf, banner) != banner)
		die("write banner");
	if (close(fd) < 0)
		die("close");

	printf("%s: %lld bytes rotated into %s\n", argv[2], total, argv[3]);
	if (fflush(stdout) != 0) {
		fprintf(stderr, "stdout: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}
