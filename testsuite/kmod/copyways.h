/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * The copy program's loop (read a block, write what was read, until end of file) done four
 * ways, each counting the kernel crossings it makes:
 *
 *   direct   read(); write(); ...                         2 crossings per block, +1 at the end
 *   pair     one ioctl per read+write pair                1 per block, +1
 *   batched  one ioctl per PAIRS read+write pairs         1 per PAIRS blocks, +1
 *   looped   one looped batch for the whole file          1
 *
 * Each returns 0 when the copy completed, or -1 (error or short write).
 */
#ifndef COPYWAYS_H
#define COPYWAYS_H

#include "mctest.h"

#define PAIRS 16

enum way { WAY_DIRECT, WAY_PAIR, WAY_BATCHED, WAY_LOOPED, WAYS };

static const char *const way_names[WAYS] = {
	"direct read/write", "1 pair per ioctl", "16 pairs per ioctl", "1 looped batch",
};

static inline int copy_direct(int in, int out, char *buf, long bs, long *crossings)
{
	for (;;) {
		ssize_t n = read(in, buf, bs);

		++*crossings;
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		++*crossings;
		if (write(out, buf, n) != n)
			return -1;
	}
}

/* read(in, buf, bs) stopping at end of file; write(out, buf, <read's result>) stopping short. */
static inline void copy_pair_entries(struct mc_entry *e, int index, int in, int out, char *buf, long bs)
{
	e[0] = stop(E(SYS_read, in, (long)buf, bs, 0, 0, 0), MC_STOP_NONPOS, 0);
	e[1] = stop(ref(E(SYS_write, out, (long)buf, 0, 0, 0, 0), 2, index), MC_STOP_NE_ARG, 2);
}

static inline int copy_batched(int in, int out, char *buf, long bs, int pairs, long *crossings)
{
	struct mc_entry e[2 * PAIRS];
	struct mc_batch b;
	int count = 2 * pairs, i;

	for (i = 0; i < pairs; i++)
		copy_pair_entries(&e[2 * i], 2 * i, in, out, buf, bs);
	for (;;) {
		++*crossings;
		if (mc_run(e, count, 0, 0, &b))
			return -1;
		if (b.stop_index == count)
			continue;
		/* A read stopped it: end of file or an error. A write stopped it: short write. */
		if (b.stop_index % 2 == 0)
			return e[b.stop_index].result == 0 ? 0 : -1;
		return -1;
	}
}

static inline int copy_looped(int in, int out, char *buf, long bs, long *crossings)
{
	struct mc_entry e[2];
	struct mc_batch b;

	copy_pair_entries(e, 0, in, out, buf, bs);
	for (;;) {
		++*crossings;
		if (mc_run(e, 2, MC_BATCH_LOOP, 1ULL << 40, &b))
			return -1;
		if (b.stop_index == 2)
			continue; /* a signal ended the ioctl between iterations: go on */
		return b.stop_index == 0 && e[0].result == 0 ? 0 : -1;
	}
}

static inline int copy_way(enum way w, int in, int out, char *buf, long bs, long *crossings)
{
	switch (w) {
	case WAY_DIRECT:
		return copy_direct(in, out, buf, bs, crossings);
	case WAY_PAIR:
		return copy_batched(in, out, buf, bs, 1, crossings);
	case WAY_BATCHED:
		return copy_batched(in, out, buf, bs, PAIRS, crossings);
	case WAY_LOOPED:
		return copy_looped(in, out, buf, bs, crossings);
	default:
		return -1;
	}
}

/* Writes size bytes of a fixed pseudo-random pattern to path. */
static inline void make_input(const char *path, long size)
{
	char block[4096];
	unsigned x = 12345;
	long done = 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0)
		die("create %s", path);
	while (done < size) {
		long n = size - done < (long)sizeof(block) ? size - done : (long)sizeof(block);

		for (long i = 0; i < n; i++) {
			x = x * 1103515245u + 12345u;
			block[i] = (char)(x >> 16);
		}
		if (write(fd, block, n) != n)
			die("write %s", path);
		done += n;
	}
	close(fd);
}

/* 1 when the two files hold the same bytes. */
static inline int same_files(const char *a, const char *b)
{
	char x[8192], y[8192];
	int fa = open(a, O_RDONLY), fb = open(b, O_RDONLY), same = fa >= 0 && fb >= 0;

	while (same) {
		ssize_t na = read(fa, x, sizeof(x)), nb = read(fb, y, sizeof(y));

		if (na != nb || na < 0 || memcmp(x, y, na))
			same = 0;
		if (na <= 0)
			break;
	}
	if (fa >= 0)
		close(fa);
	if (fb >= 0)
		close(fb);
	return same;
}

#endif
