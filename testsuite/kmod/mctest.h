/* SPDX-License-Identifier: GPL-2.0 OR MIT */
/*
 * Helpers shared by the kernel module's test programs: building entries, running a batch
 * through /dev/multicall, reading the module's counters, and TAP-style checks.
 *
 * Every program prints one "ok N - what" or "not ok N - what" line per check and exits with
 * the number of failed checks (0 when all passed), so a guest script can run them in a row.
 */
#ifndef MCTEST_H
#define MCTEST_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "../../kmod/include/uapi/linux/multicall.h"

static int mct_checks, mct_failed;

/* One TAP line; returns cond so callers can react to a failure. */
static inline int __attribute__((format(printf, 2, 3))) check(int cond, const char *fmt, ...)
{
	va_list ap;

	mct_checks++;
	if (!cond)
		mct_failed++;
	printf("%s %d - ", cond ? "ok" : "not ok", mct_checks);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	fflush(stdout);
	return cond;
}

/* A check of two integers that prints both when they differ. */
#define check_eq(got, want, ...)                                                            \
	do {                                                                                 \
		long long g_ = (long long)(got), w_ = (long long)(want);                     \
		if (!check(g_ == w_, __VA_ARGS__))                                           \
			printf("#   got %lld, want %lld (%s)\n", g_, w_, #got);                 \
	} while (0)

static inline void __attribute__((noreturn, format(printf, 1, 2))) die(const char *fmt, ...)
{
	va_list ap;

	printf("Bail out! ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf(" (%s)\n", strerror(errno));
	fflush(stdout);
	exit(100);
}

static inline int done(void)
{
	printf("# %d checks, %d failed\n", mct_checks, mct_failed);
	fflush(stdout);
	return mct_failed > 125 ? 125 : mct_failed;
}

static inline struct mc_entry E(unsigned nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
	struct mc_entry e;

	memset(&e, 0, sizeof(e));
	e.nr = nr;
	e.args[0] = a0;
	e.args[1] = a1;
	e.args[2] = a2;
	e.args[3] = a3;
	e.args[4] = a4;
	e.args[5] = a5;
	e.result = 0x5a5a5a5a; /* "not written" */
	return e;
}

static inline struct mc_entry stop(struct mc_entry e, int code, int arg)
{
	e.stop = code;
	e.stop_arg = arg;
	return e;
}

/* Marks args[arg] as a reference to entry index. */
static inline struct mc_entry ref(struct mc_entry e, int arg, long index)
{
	e.refs |= 1u << arg;
	e.args[arg] = index;
	return e;
}

/*
 * fork() for the tests: stdout is flushed first so that buffered output is not printed twice
 * (once by the child), and a failed fork ends the program.
 */
static inline pid_t mct_fork(void)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	if (pid < 0)
		die("fork");
	return pid;
}

static int mc_fd = -1;

static inline int mc_open(void)
{
	if (mc_fd < 0) {
		mc_fd = open(MC_DEVICE_PATH, O_RDWR | O_CLOEXEC);
		if (mc_fd < 0)
			die("open %s", MC_DEVICE_PATH);
	}
	return mc_fd;
}

/*
 * Runs a batch with result sums, advances and a watched word (the sums, advances and watch
 * fields, NULL for none; watch_mode is mode): returns the ioctl's result (0, or -errno) and
 * fills *out (when not NULL) with the batch as the module left it.
 */
static inline long mc_run_watch(struct mc_entry *ents, unsigned count, unsigned flags,
				uint64_t max_iters, long long *sums, struct mc_advance *adv,
				const void *watch, unsigned mode, struct mc_batch *out)
{
	struct mc_batch b;
	long r;

	memset(&b, 0, sizeof(b));
	b.entries = (uintptr_t)ents;
	b.count = count;
	b.flags = flags;
	b.max_iters = max_iters;
	b.iterations = 0xdead;
	b.stop_index = -2;
	b.sums = (uintptr_t)sums;
	b.advances = (uintptr_t)adv;
	b.watch = (uintptr_t)watch;
	b.watch_mode = mode;
	r = ioctl(mc_open(), MC_IOC_RUN, &b);
	if (r < 0)
		r = -errno;
	if (out)
		*out = b;
	return r;
}

/* Runs a batch with result sums and advances, as mc_run_watch. */
static inline long mc_run_batch(struct mc_entry *ents, unsigned count, unsigned flags,
				uint64_t max_iters, long long *sums, struct mc_advance *adv,
				struct mc_batch *out)
{
	return mc_run_watch(ents, count, flags, max_iters, sums, adv, NULL, 0, out);
}

/* Runs a batch with result sums, as mc_run_batch. */
static inline long mc_run_sums(struct mc_entry *ents, unsigned count, unsigned flags,
			       uint64_t max_iters, long long *sums, struct mc_batch *out)
{
	return mc_run_batch(ents, count, flags, max_iters, sums, NULL, out);
}

/* Runs a batch without sums or advances, as mc_run_batch. */
static inline long mc_run(struct mc_entry *ents, unsigned count, unsigned flags, uint64_t max_iters,
		   struct mc_batch *out)
{
	return mc_run_batch(ents, count, flags, max_iters, NULL, NULL, out);
}

/* A raw ioctl on the device with a caller-made argument. */
static inline long mc_ioctl_raw(unsigned long cmd, void *arg)
{
	long r = ioctl(mc_open(), cmd, arg);

	return r < 0 ? -errno : r;
}

/* An unlinked temporary file holding len bytes of the alphabet, at offset 0. */
static inline int mct_file_of(size_t len)
{
	char path[64];
	size_t i;
	int fd;

	snprintf(path, sizeof(path), "/tmp/mct-file-%d", getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		die("create %s", path);
	unlink(path);
	for (i = 0; i < len; i++) {
		char c = 'a' + i % 26;

		if (write(fd, &c, 1) != 1)
			die("write");
	}
	if (lseek(fd, 0, SEEK_SET) != 0)
		die("lseek");
	return fd;
}

/* The number a file (in sysfs, procfs) starts with, or -1. */
static inline long long mct_read_number(const char *path)
{
	long long v = -1;
	FILE *f = fopen(path, "r");

	if (!f)
		return -1;
	if (fscanf(f, "%lld", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

/* A module counter from /sys/class/misc/multicall/NAME, or -1. */
static inline long long mc_counter(const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "/sys/class/misc/multicall/%s", name);
	return mct_read_number(path);
}

/* Seconds on the monotonic clock. */
static inline double mct_seconds(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* Drops root for nobody (uid and gid 65534, no groups); 0 or -1. */
static inline int mct_become_nobody(void)
{
	if (setgroups(0, NULL) || setresgid(65534, 65534, 65534) || setresuid(65534, 65534, 65534))
		return -1;
	return 0;
}

/* The raw syscall, -errno on failure. */
static inline long raw(long nr, long a0, long a1, long a2, long a3, long a4, long a5)
{
	long r = syscall(nr, a0, a1, a2, a3, a4, a5);

	return r < 0 ? -errno : r;
}

#endif
