// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * A watched word (MC_BATCH_WATCH) in multicall.ko: after each iteration that completes, the
 * module reads the word; when it is non-zero (with MC_WATCH_ZERO: zero), or cannot be read,
 * the batch ends with stop_index = count and the iterations that completed. It is never read
 * before the first iteration; each width reads exactly its bytes; a predicate that fires
 * first wins; sums and advances cover exactly the completed iterations; a restart goes on
 * with the watch as submitted; another thread's store ends a busy loop; invalid watches are
 * refused before anything runs; the 64-byte struct mc_batch of MC_IOC_RUN_VER1 runs (and
 * has no watch), and a batch cannot run a batch by that command.
 *
 * Several watched words (MC_BATCH_WATCHES): a word after an entry but the last is read in
 * every iteration, the first included, and ends the batch at that entry (stop_index after,
 * no sums for that iteration); words at one point are read in order; a word after the last
 * entry acts as MC_BATCH_WATCH's; a signal pending after a watched entry stops the batch there
 * (its handler may set the word); a straight batch stops at its word; a restart goes on with
 * the list as submitted (not the caller's list as its signal handler changed it); invalid lists are refused before anything runs; the 72-byte struct
 * of MC_IOC_RUN_VER2 has no list.
 */
#include "mctest.h"

#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/wait.h>

#define NOT_RUN 0x5a5a5a5a
#define KERNEL_ADDR 0xffffffff81000000UL

static long page;

#define LW (MC_BATCH_LOOP | MC_BATCH_WATCH)

/* An unlinked temporary file holding len bytes of data, at offset 0. */
static int file_with(const void *data, size_t len)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/tmp/mct-watch-%d", getpid());
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		die("create %s", path);
	unlink(path);
	if (write(fd, data, len) != (ssize_t)len)
		die("write");
	if (lseek(fd, 0, SEEK_SET) != 0)
		die("lseek");
	return fd;
}

static void test_own_entry_sets_it(void)
{
	/* Entry 0 reads one byte per iteration into the word: 0, 0, 7, ... */
	static const unsigned char bytes[] = { 0, 0, 7, 9, 9 };
	long long w0 = mc_counter("watch_stops");
	int in = file_with(bytes, sizeof(bytes));
	unsigned char word = 0;
	struct mc_entry e[2];
	struct mc_batch b;

	e[0] = stop(E(SYS_read, in, (long)&word, 1, 0, 0, 0), MC_STOP_NONPOS, 0);
	e[1] = E(SYS_getppid, 0, 0, 0, 0, 0, 0);
	check_eq(mc_run_watch(e, 2, LW, 100, NULL, NULL, &word, 1, &b), 0, "own entry: runs");
	check_eq(b.stop_index, 2, "own entry: ends with stop_index = count");
	check_eq(b.iterations, 3, "own entry: after the iteration that set the word");
	check(e[0].result == 1 && e[1].result == getppid(),
	      "own entry: that iteration completed (%lld %lld)", (long long)e[0].result,
	      (long long)e[1].result);
	check_eq(lseek(in, 0, SEEK_CUR), 3, "own entry: no fourth read");
	check_eq(word, 7, "own entry: the word as the entry left it");
	check_eq(b.resume, 0, "own entry: resume 0");
	check_eq(mc_counter("watch_stops") - w0, 1, "own entry: the module counted a watch stop");

	/* From a pipe: the word is written by the batch's read in iteration 2. */
	{
		unsigned int flag = 0;
		unsigned int ones = 0x01010101;
		int p[2];

		if (pipe(p))
			die("pipe");
		if (write(p[1], "\0\0\0\0", 4) != 4 || write(p[1], &ones, 4) != 4 ||
		    write(p[1], &ones, 4) != 4)
			die("write");
		e[0] = stop(E(SYS_read, p[0], (long)&flag, 4, 0, 0, 0), MC_STOP_NONPOS, 0);
		check_eq(mc_run_watch(e, 1, LW, 100, NULL, NULL, &flag, 4, &b), 0, "pipe: runs");
		check(b.stop_index == 1 && b.iterations == 2,
		      "pipe: ends with count after iteration 2 (%lld %llu)",
		      (long long)b.stop_index, (unsigned long long)b.iterations);
		close(p[0]);
		close(p[1]);
	}
	close(in);
}

static void test_not_before_first(void)
{
	unsigned int word = 1;
	struct mc_entry e[1] = { E(SYS_getppid, 0, 0, 0, 0, 0, 0) };
	struct mc_batch b;

	check_eq(mc_run_watch(e, 1, LW, 100, NULL, NULL, &word, 4, &b), 0, "set before: runs");
	check(b.iterations == 1 && b.stop_index == 1 && e[0].result == getppid(),
	      "set before: one iteration still runs (%llu %lld)", (unsigned long long)b.iterations,
	      (long long)b.stop_index);
	word = 0;
	e[0].result = NOT_RUN;
	check_eq(mc_run_watch(e, 1, LW, 100, NULL, NULL, &word, 4 | MC_WATCH_ZERO, &b), 0,
		 "zero before, MC_WATCH_ZERO: runs");
	check(b.iterations == 1 && e[0].result == getppid(),
	      "zero before, MC_WATCH_ZERO: one iteration still runs (%llu)",
	      (unsigned long long)b.iterations);
	/* A word that stays clear: the bound ends the batch. */
	check_eq(mc_run_watch(e, 1, LW, 9, NULL, NULL, &word, 4, &b), 0, "clear: runs");
	check(b.iterations == 9 && b.stop_index == 1, "clear: the bound (%llu)",
	      (unsigned long long)b.iterations);
	/* The caller's flag, set once, stays set: a bound of 1 ends the same way. */
	word = 5;
	check_eq(mc_run_watch(e, 1, LW, 1, NULL, NULL, &word, 4, &b), 0, "bound 1: runs");
	check_eq(b.iterations, 1, "bound 1: one iteration");
}

static void test_zero_mode(void)
{
	/* Eight-byte reads of ones, ones, then zeros into a word that must stay non-zero. */
	unsigned char data[32];
	uint64_t word = ~0ULL;
	struct mc_entry e[1];
	struct mc_batch b;
	int in;

	memset(data, 1, 16);
	memset(data + 16, 0, 16);
	in = file_with(data, sizeof(data));
	e[0] = stop(E(SYS_read, in, (long)&word, 8, 0, 0, 0), MC_STOP_NONPOS, 0);
	check_eq(mc_run_watch(e, 1, LW, 100, NULL, NULL, &word, 8 | MC_WATCH_ZERO, &b), 0,
		 "MC_WATCH_ZERO: runs");
	check(b.stop_index == 1 && b.iterations == 3,
	      "MC_WATCH_ZERO: ends after the read of zeros, iteration 3 (%lld %llu)",
	      (long long)b.stop_index, (unsigned long long)b.iterations);
	check_eq(lseek(in, 0, SEEK_CUR), 24, "MC_WATCH_ZERO: no fourth read");
	close(in);
}

static void test_widths(void)
{
	static const unsigned sizes[] = { 1, 2, 4, 8 };
	int zero = open("/dev/zero", O_RDONLY), ones;
	unsigned char one = 1, scratch;
	unsigned i;

	if (zero < 0)
		die("open /dev/zero");
	ones = file_with(&one, 1);
	for (i = 0; i < 4; i++) {
		unsigned size = sizes[i];
		/* The word at w.b + 8; its neighbours are 0xff. */
		union {
			unsigned char b[24];
			uint64_t q[3];
		} w;
		unsigned char *word = w.b + 8, *top = word + size - 1;
		struct mc_entry e[1];
		struct mc_batch b;

		memset(w.b, 0xff, sizeof(w.b));
		memset(word, 0, size);
		/* pread of offset 0 reads the same byte every iteration. */
		e[0] = E(SYS_pread64, zero, (long)&scratch, 1, 0, 0, 0);
		check_eq(mc_run_watch(e, 1, LW, 5, NULL, NULL, word, size, &b), 0,
			 "width %u, neighbours set: runs", size);
		check_eq(b.iterations, 5, "width %u: non-zero bytes beside the word do not count",
			 size);
		e[0] = E(SYS_pread64, ones, (long)top, 1, 0, 0, 0);
		check_eq(mc_run_watch(e, 1, LW, 5, NULL, NULL, word, size, &b), 0,
			 "width %u, top byte set: runs", size);
		check_eq(b.iterations, 1, "width %u: its top byte counts", size);
		check_eq(b.stop_index, 1, "width %u: stop_index = count", size);

		/* MC_WATCH_ZERO: the word is zero, its neighbours are not. */
		memset(word, 0, size);
		e[0] = E(SYS_pread64, zero, (long)&scratch, 1, 0, 0, 0);
		check_eq(mc_run_watch(e, 1, LW, 5, NULL, NULL, word, size | MC_WATCH_ZERO, &b), 0,
			 "width %u, zero: runs", size);
		check_eq(b.iterations, 1, "width %u, zero: ends, whatever its neighbours", size);
		*top = 1;
		e[0] = E(SYS_pread64, zero, (long)(word + size), 1, 0, 0, 0);
		check_eq(mc_run_watch(e, 1, LW, 5, NULL, NULL, word, size | MC_WATCH_ZERO, &b), 0,
			 "width %u, zero, top byte set: runs", size);
		check_eq(b.iterations, 5, "width %u, zero: the zeroed byte after it does not count",
			 size);
		e[0] = E(SYS_pread64, zero, (long)top, 1, 0, 0, 0);
		check_eq(mc_run_watch(e, 1, LW, 5, NULL, NULL, word, size | MC_WATCH_ZERO, &b), 0,
			 "width %u, zero, top byte cleared: runs", size);
		check_eq(b.iterations, 1, "width %u, zero: clearing its top byte ends it", size);
	}
	close(zero);
	close(ones);
}

static void test_fault(void)
{
	long long w0 = mc_counter("watch_stops");
	char *p = mmap(NULL, 3 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct mc_entry e[2];
	struct mc_batch b;

	if (p == MAP_FAILED)
		die("mmap");
	/* Page 0 readable, page 1 unmapped, page 2 without access. */
	if (munmap(p + page, page) || mprotect(p + 2 * page, page, PROT_NONE))
		die("munmap/mprotect");
	e[0] = E(SYS_getppid, 0, 0, 0, 0, 0, 0);
	e[1] = E(SYS_getpid, 0, 0, 0, 0, 0, 0);
	check_eq(mc_run_watch(e, 2, LW, 100, NULL, NULL, p + page, 8, &b), 0, "unmapped: runs");
	check(b.stop_index == 2 && b.iterations == 1 && e[1].result == getpid(),
	      "unmapped: ends with count after iteration 1 (%lld %llu)", (long long)b.stop_index,
	      (unsigned long long)b.iterations);
	check_eq(mc_run_watch(e, 2, LW, 100, NULL, NULL, p + 2 * page + 4, 4 | MC_WATCH_ZERO, &b), 0,
		 "PROT_NONE: runs");
	check(b.stop_index == 2 && b.iterations == 1, "PROT_NONE: ends after iteration 1");
	check_eq(mc_run_watch(e, 2, LW, 100, NULL, NULL, (void *)KERNEL_ADDR, 8, &b), 0,
		 "kernel address: runs");
	check(b.stop_index == 2 && b.iterations == 1, "kernel address: ends after iteration 1");
	check_eq(mc_run_watch(e, 2, LW, 100, NULL, NULL, (void *)(-8L), 8, &b), 0,
		 "top of memory: runs");
	check(b.stop_index == 2 && b.iterations == 1, "top of memory: ends after iteration 1");
	check_eq(mc_counter("watch_stops") - w0, 4, "faults: counted as watch stops");

	/*
	 * A zero word on a read-only page is read to the bound; then the batch's own entry
	 * unmaps that page in iteration 1 (a later munmap of the hole would succeed too).
	 */
	if (mprotect(p, page, PROT_READ))
		die("mprotect");
	e[0] = E(SYS_getppid, 0, 0, 0, 0, 0, 0);
	e[1] = E(SYS_munmap, (long)p, page, 0, 0, 0, 0);
	check_eq(mc_run_watch(e, 1, LW, 4, NULL, NULL, p + 64, 8, &b), 0, "read-only zero word: runs");
	check_eq(b.iterations, 4, "read-only zero word: read to the bound");
	check_eq(mc_run_watch(e, 2, LW, 4, NULL, NULL, p + 64, 8, &b), 0,
		 "unmapped by its entry: runs");
	check(b.stop_index == 2 && b.iterations == 1 && e[1].result == 0,
	      "unmapped by its entry: ends after that iteration (%lld %llu)",
	      (long long)b.stop_index, (unsigned long long)b.iterations);
	munmap(p + 2 * page, page);
}

/* A batch of one getppid with the given flags and watch fields, which make it invalid. */
static void invalid(const char *what, unsigned flags, const void *watch, unsigned mode)
{
	long long v0 = mc_counter("refused_invalid");
	struct mc_entry e[1] = { E(SYS_getppid, 0, 0, 0, 0, 0, 0) };
	struct mc_batch b;

	check_eq(mc_run_watch(e, 1, flags, 3, NULL, NULL, watch, mode, &b), -EINVAL, "%s: EINVAL",
		 what);
	check(e[0].result == NOT_RUN && b.iterations == 0xdead,
	      "%s: nothing ran, nothing written", what);
	check_eq(mc_counter("refused_invalid") - v0, 1, "%s: counted as invalid", what);
}

static void test_invalid(void)
{
	static uint64_t words[2];
	char *w = (char *)words;

	invalid("MC_BATCH_WATCH without MC_BATCH_LOOP", MC_BATCH_WATCH, w, 4);
	invalid("a null watch", LW, NULL, 4);
	invalid("a null watch, mode 0", LW, NULL, 0);
	invalid("size 2 at an odd address", LW, w + 1, 2);
	invalid("size 4 at an address of 2 mod 4", LW, w + 2, 4);
	invalid("size 8 at an address of 4 mod 8", LW, w + 4, 8);
	invalid("size 8 at an odd address", LW, w + 7, 8 | MC_WATCH_ZERO);
	invalid("size 0", LW, w, 0);
	invalid("size 0 with MC_WATCH_ZERO", LW, w, MC_WATCH_ZERO);
	invalid("size 3", LW, w, 3);
	invalid("size 5", LW, w, 5);
	invalid("size 6", LW, w, 6);
	invalid("size 7", LW, w, 7);
	invalid("size 9", LW, w, 9);
	invalid("size 15", LW, w, 15);
	invalid("mode bit 5", LW, w, 4 | (1u << 5));
	invalid("mode bit 31", LW, w, 8 | (1u << 31));
	invalid("a watch without MC_BATCH_WATCH", MC_BATCH_LOOP, w, 0);
	invalid("a watch_mode without MC_BATCH_WATCH", MC_BATCH_LOOP, NULL, 4);
	invalid("MC_WATCH_ZERO without MC_BATCH_WATCH", MC_BATCH_LOOP, NULL, MC_WATCH_ZERO);
	invalid("a watch and mode without MC_BATCH_WATCH", MC_BATCH_LOOP, w, 8);
	invalid("a watch without MC_BATCH_WATCH, plain", 0, w, 0);
	invalid("MC_BATCH_WATCHES beside the watch", LW | MC_BATCH_WATCHES, w, 4);
	invalid("unknown flag bit 7 beside the watch", LW | (1u << 7), w, 4);
}

static void test_ver1(void)
{
	/* The struct mc_batch of MC_IOC_RUN_VER1 ends before watch. */
	unsigned char raw[sizeof(struct mc_batch) + 8];
	struct mc_entry e[1] = { E(SYS_getppid, 0, 0, 0, 0, 0, 0) }, nested[1];
	long long sums[1] = { 10 };
	uint64_t word = 1;
	struct mc_batch b;
	unsigned i;
	int clean;

	memset(&b, 0, sizeof(b));
	b.entries = (uintptr_t)e;
	b.count = 1;
	b.flags = MC_BATCH_LOOP | MC_BATCH_SUMS;
	b.max_iters = 3;
	b.stop_index = -2;
	b.sums = (uintptr_t)sums;
	memcpy(raw, &b, MC_BATCH_SIZE_VER1);
	/* Bytes past the 64 are not the batch's: a garbage watch there changes nothing. */
	memset(raw + MC_BATCH_SIZE_VER1, 0xff, sizeof(raw) - MC_BATCH_SIZE_VER1);
	check_eq(mc_ioctl_raw(MC_IOC_RUN_VER1, raw), 0, "VER1: a 64-byte batch runs");
	memcpy(&b, raw, MC_BATCH_SIZE_VER1);
	check(b.stop_index == 1 && b.iterations == 3, "VER1: to its bound (%lld %llu)",
	      (long long)b.stop_index, (unsigned long long)b.iterations);
	check_eq(sums[0], 10 + 3LL * getppid(), "VER1: with its sums");
	for (clean = 1, i = MC_BATCH_SIZE_VER1; i < sizeof(raw); i++)
		clean &= raw[i] == 0xff;
	check(clean, "VER1: nothing written past 64 bytes");

	/* The watch fields read as zero: MC_BATCH_WATCH has a null watch. */
	e[0].result = NOT_RUN;
	b.flags = MC_BATCH_LOOP | MC_BATCH_WATCH;
	b.sums = 0;
	b.watch_mode = 8;
	b.watch = (uintptr_t)&word;
	memcpy(raw, &b, sizeof(b));
	check_eq(mc_ioctl_raw(MC_IOC_RUN_VER1, raw), -EINVAL,
		 "VER1: MC_BATCH_WATCH has no watch: EINVAL");
	b.flags = MC_BATCH_LOOP;
	memcpy(raw, &b, sizeof(b));
	check_eq(mc_ioctl_raw(MC_IOC_RUN_VER1, raw), -EINVAL,
		 "VER1: a watch_mode without MC_BATCH_WATCH: EINVAL");
	check_eq(e[0].result, NOT_RUN, "VER1: nothing ran");
	/* VER0 ends before sums; its watch_mode is inside the 48 bytes. */
	b.flags = MC_BATCH_LOOP | MC_BATCH_WATCH;
	memcpy(raw, &b, sizeof(b));
	check_eq(mc_ioctl_raw(MC_IOC_RUN_VER0, raw), -EINVAL, "VER0: MC_BATCH_WATCH: EINVAL");
	b.flags = MC_BATCH_LOOP;
	memcpy(raw, &b, sizeof(b));
	check_eq(mc_ioctl_raw(MC_IOC_RUN_VER0, raw), -EINVAL, "VER0: a watch_mode: EINVAL");
	b.watch_mode = 0;
	memcpy(raw, &b, sizeof(b));
	check_eq(mc_ioctl_raw(MC_IOC_RUN_VER0, raw), 0, "VER0: without it, runs");
	check_eq(mc_ioctl_raw(MC_IOC_RUN_VER1, raw), 0, "VER1: a watch past 64 bytes is not read");
	memcpy(&b, raw, MC_BATCH_SIZE_VER1);
	check_eq(b.iterations, 3, "VER1: to its bound, the word ignored");
	/* With 72 bytes, or all of them, the same batch ends on the word. */
	b.flags = LW;
	b.watch_mode = 8;
	memcpy(raw, &b, sizeof(b));
	memset(raw + MC_BATCH_SIZE_VER2, 0xff, sizeof(raw) - MC_BATCH_SIZE_VER2);
	check_eq(mc_ioctl_raw(MC_IOC_RUN_VER2, raw), 0, "72 bytes: runs, the list's fields not read");
	for (clean = 1, i = MC_BATCH_SIZE_VER2; i < sizeof(raw); i++)
		clean &= raw[i] == 0xff;
	check(clean, "VER2: nothing written past 72 bytes");
	memcpy(&b, raw, MC_BATCH_SIZE_VER2);
	check_eq(b.iterations, 1, "72 bytes: the watch ends it");
	b.iterations = 0;
	memcpy(raw, &b, sizeof(b));
	check_eq(mc_ioctl_raw(MC_IOC_RUN, raw), 0, "88 bytes: runs");
	memcpy(&b, raw, sizeof(b));
	check_eq(b.iterations, 1, "88 bytes: the watch ends it");
	/* MC_BATCH_WATCHES needs the list's fields, which VER2 does not carry. */
	b.flags = MC_BATCH_LOOP | MC_BATCH_WATCHES;
	b.watch = 0;
	b.watch_mode = 0;
	memcpy(raw, &b, sizeof(b));
	check_eq(mc_ioctl_raw(MC_IOC_RUN_VER2, raw), -EINVAL, "VER2: MC_BATCH_WATCHES: EINVAL");

	/* A batch cannot run a batch by any of the three commands. */
	memset(&b, 0, sizeof(b));
	b.entries = (uintptr_t)e;
	b.count = 1;
	e[0] = E(SYS_getppid, 0, 0, 0, 0, 0, 0);
	nested[0] = E(SYS_ioctl, mc_open(), MC_IOC_RUN_VER1, (long)&b, 0, 0, 0);
	check_eq(mc_run_watch(nested, 1, 0, 0, NULL, NULL, NULL, 0, NULL), 0,
		 "VER1 nested: the outer batch runs");
	check_eq(nested[0].result, -ENOSYS, "VER1 nested: -ENOSYS");
	nested[0] = E(SYS_ioctl, mc_open(), MC_IOC_RUN, (long)&b, 0, 0, 0);
	check_eq(mc_run_watch(nested, 1, 0, 0, NULL, NULL, NULL, 0, NULL), 0,
		 "72-byte nested: the outer batch runs");
	check_eq(nested[0].result, -ENOSYS, "72-byte nested: -ENOSYS");
	nested[0] = E(SYS_ioctl, mc_open(), MC_IOC_RUN_VER2, (long)&b, 0, 0, 0);
	check_eq(mc_run_watch(nested, 1, 0, 0, NULL, NULL, NULL, 0, NULL), 0,
		 "VER2 nested: the outer batch runs");
	check_eq(nested[0].result, -ENOSYS, "VER2 nested: -ENOSYS");
	check_eq(e[0].result, NOT_RUN, "nested: the inner batch never ran");
	/* An ioctl of another size with the same number is not the multi-call. */
	check_eq(mc_ioctl_raw(_IOC(_IOC_READ | _IOC_WRITE, MC_IOC_MAGIC, 1, 56), raw), -ENOTTY,
		 "a 56-byte command: ENOTTY");
	check_eq(mc_ioctl_raw(_IOC(_IOC_READ | _IOC_WRITE, MC_IOC_MAGIC, 1, 80), raw), -ENOTTY,
		 "an 80-byte command: ENOTTY");
}

/* Runs a batch watching the list (n watches); as mc_run_watch. */
static long mc_run_list(struct mc_entry *ents, unsigned count, unsigned flags, uint64_t max_iters,
			long long *sums, const struct mc_watch *list, unsigned n,
			struct mc_batch *out)
{
	struct mc_batch b;
	long r;

	memset(&b, 0, sizeof(b));
	b.entries = (uintptr_t)ents;
	b.count = count;
	b.flags = flags | MC_BATCH_WATCHES;
	b.max_iters = max_iters;
	b.iterations = 0xdead;
	b.stop_index = -2;
	b.sums = (uintptr_t)sums;
	b.watches = (uintptr_t)list;
	b.nwatches = n;
	r = ioctl(mc_open(), MC_IOC_RUN, &b);
	if (r < 0)
		r = -errno;
	if (out)
		*out = b;
	return r;
}

static struct mc_watch W(const void *addr, unsigned mode, unsigned after)
{
	struct mc_watch w = { .addr = (uintptr_t)addr, .mode = mode, .after = after };

	return w;
}

static void test_list(void)
{
	/* Entry 0 reads the next record into the word; the fourth says "end". */
	uint32_t records[8] = { 0, 0, 0, 1, 0, 0, 0, 0 }, word = 0, other = 0;
	int flags_fd = file_with(records, sizeof(records));
	int in = mct_file_of(100);
	long long sums[2] = { 0, 0 }, w0 = mc_counter("watch_stops");
	struct mc_watch list[2];
	struct mc_entry e[2];
	struct mc_batch b;
	char buf[1];

	e[0] = E(SYS_read, flags_fd, (long)&word, 4, 0, 0, 0);
	e[1] = stop(E(SYS_read, in, (long)buf, 1, 0, 0, 0), MC_STOP_NONPOS, 0);
	list[0] = W(&word, 4, 0);
	check_eq(mc_run_list(e, 2, MC_BATCH_LOOP | MC_BATCH_SUMS, 100, sums, list, 1, &b), 0,
		 "after entry 0: runs");
	check(b.stop_index == 0 && b.iterations == 4 && e[0].result == 4,
	      "after entry 0: ends at entry 0 of iteration 4 (%lld %llu)", (long long)b.stop_index,
	      (unsigned long long)b.iterations);
	check(lseek(in, 0, SEEK_CUR) == 3, "after entry 0: entry 1 ran 3 times");
	check(sums[0] == 12 && sums[1] == 3, "after entry 0: the stopped iteration adds nothing");
	check_eq(mc_counter("watch_stops") - w0, 1, "after entry 0: counted as a watch stop");

	/* Read in the first iteration too: a word set before the batch stops it at once. */
	word = 1;
	e[0] = E(SYS_getppid, 0, 0, 0, 0, 0, 0);
	check_eq(mc_run_list(e, 2, MC_BATCH_LOOP, 100, NULL, list, 1, &b), 0, "set before: runs");
	check(b.stop_index == 0 && b.iterations == 1 && lseek(in, 0, SEEK_CUR) == 3,
	      "set before: ends at entry 0 of iteration 1, entry 1 not run");

	/* Two words at one point: either ends it. */
	word = 0;
	other = 1;
	list[1] = W(&other, 4, 0);
	check_eq(mc_run_list(e, 2, MC_BATCH_LOOP, 100, NULL, list, 2, &b), 0, "a || b: runs");
	check(b.stop_index == 0 && b.iterations == 1, "a || b: the second word ends it");
	other = 0;
	check_eq(mc_run_list(e, 2, MC_BATCH_LOOP, 5, NULL, list, 2, &b), 0, "neither: runs");
	check(b.stop_index == 2 && b.iterations == 5 && lseek(in, 0, SEEK_CUR) == 8,
	      "neither: to the bound");

	/* After the last entry: as MC_BATCH_WATCH, not before the first iteration. */
	word = 1;
	list[0] = W(&word, 4, 1);
	check_eq(mc_run_list(e, 2, MC_BATCH_LOOP, 100, NULL, list, 1, &b), 0, "after the last: runs");
	check(b.stop_index == 2 && b.iterations == 1 && lseek(in, 0, SEEK_CUR) == 9,
	      "after the last: ends after iteration 1, as MC_BATCH_WATCH");

	/* A straight batch stops at its word; a zero word lets it run whole. */
	list[0] = W(&word, 4, 0);
	check_eq(mc_run_list(e, 2, 0, 0, NULL, list, 1, &b), 0, "straight: runs");
	check(b.stop_index == 0 && b.iterations == 1 && lseek(in, 0, SEEK_CUR) == 9,
	      "straight: stops at entry 0");
	word = 0;
	check_eq(mc_run_list(e, 2, 0, 0, NULL, list, 1, &b), 0, "straight, zero word: runs");
	check(b.stop_index == 2 && lseek(in, 0, SEEK_CUR) == 10, "straight, zero word: whole");
	close(flags_fd);
	close(in);
}

static volatile sig_atomic_t raised_flag;

static void on_usr2(int sig)
{
	(void)sig;
	raised_flag = 1;
}

static void test_list_pending(void)
{
	/*
	 * Entry 0 sends the caller SIGUSR2, whose handler sets the flag watched after entry 0:
	 * the handler runs only when the ioctl returns, so the module must stop there for a
	 * pending signal (the caller's own test then sees the flag), never run entry 1.
	 */
	long long s0 = mc_counter("signal_stops");
	struct mc_watch list[1];
	struct mc_entry e[2];
	struct mc_batch b;
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr2;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR2, &sa, NULL))
		die("sigaction");
	raised_flag = 0;
	e[0] = E(SYS_kill, getpid(), SIGUSR2, 0, 0, 0, 0);
	e[1] = E(SYS_getppid, 0, 0, 0, 0, 0, 0);
	e[1].result = NOT_RUN;
	list[0] = W((const void *)&raised_flag, 4, 0);
	check_eq(mc_run_list(e, 2, MC_BATCH_LOOP, 5, NULL, list, 1, &b), 0, "pending: runs");
	check(b.stop_index == 0 && b.iterations == 1 && e[1].result == NOT_RUN,
	      "pending: a signal pending after the watched entry stops it there (%lld %llu)",
	      (long long)b.stop_index, (unsigned long long)b.iterations);
	check_eq(raised_flag, 1, "pending: the handler ran when the ioctl returned");
	check_eq(mc_counter("signal_stops") - s0, 1, "pending: counted as a signal stop");
	signal(SIGUSR2, SIG_DFL);
}

/* A batch of two getppid watching list (n watches), which makes it invalid. */
static void invalid_list(const char *what, unsigned flags, const struct mc_watch *list, unsigned n)
{
	long long v0 = mc_counter("refused_invalid");
	struct mc_entry e[2] = { E(SYS_getppid, 0, 0, 0, 0, 0, 0), E(SYS_getppid, 0, 0, 0, 0, 0, 0) };
	struct mc_batch b;

	check_eq(mc_run_list(e, 2, flags, 3, NULL, list, n, &b), -EINVAL, "%s: EINVAL", what);
	check(e[0].result == NOT_RUN && b.iterations == 0xdead, "%s: nothing ran, nothing written",
	      what);
	check_eq(mc_counter("refused_invalid") - v0, 1, "%s: counted as invalid", what);
}

static void test_list_invalid(void)
{
	static uint64_t words[2];
	char *w = (char *)words;
	struct mc_watch list[MC_MAX_WATCHES + 1];
	struct mc_entry e[2] = { E(SYS_getppid, 0, 0, 0, 0, 0, 0), E(SYS_getppid, 0, 0, 0, 0, 0, 0) };
	struct mc_batch b;
	unsigned i;

	for (i = 0; i <= MC_MAX_WATCHES; i++)
		list[i] = W(w, 4, 0);
	invalid_list("nwatches 0", MC_BATCH_LOOP, list, 0);
	invalid_list("nwatches above MC_MAX_WATCHES", MC_BATCH_LOOP, list, MC_MAX_WATCHES + 1);
	invalid_list("a null list", MC_BATCH_LOOP, NULL, 1);
	list[0] = W(w, 4, 2);
	invalid_list("an after at count", MC_BATCH_LOOP, list, 1);
	list[0] = W(w, 4, 1);
	list[1] = W(w, 4, 0);
	invalid_list("afters out of order", MC_BATCH_LOOP, list, 2);
	invalid_list("a straight batch watching after its last entry", 0, list, 1);
	list[0] = W(w + 2, 4, 0);
	invalid_list("a misaligned word", MC_BATCH_LOOP, list, 1);
	list[0] = W(w, 3, 0);
	invalid_list("a 3-byte word", MC_BATCH_LOOP, list, 1);
	list[0] = W(w, 4 | (1u << 6), 0);
	invalid_list("an unknown mode bit", MC_BATCH_LOOP, list, 1);
	list[0] = W(NULL, 4, 0);
	invalid_list("a null word", MC_BATCH_LOOP, list, 1);
	check_eq(mc_run_list(e, 2, MC_BATCH_LOOP, 3, NULL, (void *)KERNEL_ADDR, 1, &b), -EFAULT,
		 "a list in kernel memory: EFAULT");
	/* The list's fields without the flag, and a reserved field. */
	memset(&b, 0, sizeof(b));
	e[0].result = NOT_RUN;
	b.entries = (uintptr_t)e;
	b.count = 2;
	b.flags = MC_BATCH_LOOP;
	b.max_iters = 3;
	b.nwatches = 1;
	check_eq(mc_ioctl_raw(MC_IOC_RUN, &b), -EINVAL, "nwatches without the flag: EINVAL");
	b.nwatches = 0;
	b.watches = (uintptr_t)list;
	check_eq(mc_ioctl_raw(MC_IOC_RUN, &b), -EINVAL, "watches without the flag: EINVAL");
	b.watches = 0;
	b.reserved = 1;
	check_eq(mc_ioctl_raw(MC_IOC_RUN, &b), -EINVAL, "a reserved field: EINVAL");
	check_eq(e[0].result, NOT_RUN, "none of them ran");
}

static void test_sums_and_advance(void)
{
	/*
	 * Entry 0 reads 4 bytes at a position that advances by what it read, into a zeroed
	 * buffer; the watch is the word at buf + 12: the fourth read fills it and ends the
	 * batch. Entry 1 (getppid) counts remaining down by the same result.
	 */
	static const char data[] = "AAAABBBBCCCCDDDDEEEEFFFF";
	uint32_t buf[8];
	long long sums[2] = { 1, 2 }, ppid = getppid(), w0;
	struct mc_advance adv[2];
	struct mc_entry e[2];
	struct mc_batch b;
	int in = file_with(data, 24);

	memset(buf, 0, sizeof(buf));
	memset(adv, 0, sizeof(adv));
	e[0] = stop(E(SYS_read, in, (long)buf, 4, 0, 0, 0), MC_STOP_NONPOS, 0);
	e[1] = E(SYS_getppid, 1000, 0, 0, 0, 0, 0);
	adv[0].by[1] = 1;
	adv[1].by[0] = 1;
	adv[1].down = 1 << 0;
	adv[1].until_nonpos = 1 << 0;
	check_eq(mc_run_watch(e, 2, LW | MC_BATCH_SUMS | MC_BATCH_ADVANCE, 100, sums, adv, &buf[3], 4,
			   &b), 0, "sums and advances: runs");
	check(b.stop_index == 2 && b.iterations == 4, "sums and advances: ends after 4 (%lld %llu)",
	      (long long)b.stop_index, (unsigned long long)b.iterations);
	check(sums[0] == 1 + 16 && sums[1] == 2 + 4 * ppid,
	      "sums and advances: sums of the 4 completed iterations (%lld %lld)", sums[0],
	      sums[1]);
	check(memcmp(buf, "AAAABBBBCCCCDDDD", 16) == 0 && buf[4] == 0,
	      "sums and advances: the reads landed one after the other");
	check_eq(e[0].args[1], (long)buf,
		 "sums and advances: the caller's arguments are not written");

	/* The advance's until ends the same iteration first: the word is not needed. */
	lseek(in, 0, SEEK_SET);
	memset(buf, 0, sizeof(buf));
	e[1].args[0] = 16;
	sums[0] = sums[1] = 0;
	w0 = mc_counter("watch_stops");
	check_eq(mc_run_watch(e, 2, LW | MC_BATCH_SUMS | MC_BATCH_ADVANCE, 100, sums, adv, &buf[3], 4,
			   &b), 0, "until and watch together: runs");
	check(b.stop_index == 2 && b.iterations == 4 && sums[0] == 16,
	      "until and watch together: ends after 4 (%lld %llu %lld)", (long long)b.stop_index,
	      (unsigned long long)b.iterations, sums[0]);
	check_eq(mc_counter("watch_stops") - w0, 0, "until and watch together: the until ended it");

	/*
	 * A predicate that fires in the iteration that sets the word wins: entry 1 reads end of
	 * file in iteration 4 (a file of 3 bytes), stop_index 1, and that iteration adds nothing.
	 */
	{
		int three = file_with("xyz", 3);
		char sink[4];

		lseek(in, 0, SEEK_SET);
		memset(buf, 0, sizeof(buf));
		memset(adv, 0, sizeof(adv));
		adv[0].by[1] = 1;
		e[1] = stop(E(SYS_read, three, (long)sink, 1, 0, 0, 0), MC_STOP_NONPOS, 0);
		sums[0] = sums[1] = 0;
		check_eq(mc_run_watch(e, 2, LW | MC_BATCH_SUMS | MC_BATCH_ADVANCE, 100, sums, adv,
				   &buf[3], 4, &b), 0, "predicate first: runs");
		check(b.stop_index == 1 && b.iterations == 4 && e[1].result == 0,
		      "predicate first: stops at entry 1 of iteration 4 (%lld %llu)",
		      (long long)b.stop_index, (unsigned long long)b.iterations);
		check(sums[0] == 12 && sums[1] == 3,
		      "predicate first: the stopped iteration adds nothing (%lld %lld)", sums[0],
		      sums[1]);
		close(three);
	}
	close(in);
}

static struct mc_batch restart_batch;
static unsigned int restart_flag, decoy;
static volatile sig_atomic_t handled;

static void on_alarm(int sig)
{
	(void)sig;
	handled++;
	restart_flag = 1;
	/* The restarted ioctl goes on with the watch as submitted, not this one. */
	restart_batch.watch = (uintptr_t)&decoy;
}

static void test_restart(void)
{
	/*
	 * Iteration 1 reads "xy"; iteration 2 blocks, SIGALRM (SA_RESTART) restarts the ioctl
	 * while its handler sets the flag; a child writes "data", which iteration 2 reads: the
	 * flag then ends the batch after iteration 2, as `while (!flag)` around the read would.
	 */
	struct itimerval it = { { 0, 0 }, { 0, 300000 } };
	long long r0 = mc_counter("restarts");
	struct sigaction sa;
	struct mc_entry e[1];
	char buf[16] = { 0 };
	int in[2], status;
	pid_t pid;
	long r;

	if (pipe(in))
		die("pipe");
	if (write(in[1], "xy", 2) != 2)
		die("write");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL))
		die("sigaction");
	pid = mct_fork();
	if (pid == 0) {
		usleep(1000 * 1000);
		_exit(write(in[1], "data", 4) == 4 ? 0 : 1);
	}
	close(in[1]);
	e[0] = stop(E(SYS_read, in[0], (long)buf, 8, 0, 0, 0), MC_STOP_NONPOS, 0);
	memset(&restart_batch, 0, sizeof(restart_batch));
	restart_batch.entries = (uintptr_t)e;
	restart_batch.count = 1;
	restart_batch.flags = LW;
	restart_batch.max_iters = 100;
	restart_batch.watch = (uintptr_t)&restart_flag;
	restart_batch.watch_mode = 4;
	if (setitimer(ITIMER_REAL, &it, NULL))
		die("setitimer");
	r = mc_ioctl_raw(MC_IOC_RUN, &restart_batch);
	waitpid(pid, &status, 0);
	check_eq(r, 0, "restart: the batch completes");
	check_eq(handled, 1, "restart: the handler ran once");
	check_eq(mc_counter("restarts") - r0, 1, "restart: the module restarted the ioctl");
	check(restart_batch.iterations == 2 && restart_batch.stop_index == 1 && e[0].result == 4,
	      "restart: the flag ends it after iteration 2 (%llu %lld %lld)",
	      (unsigned long long)restart_batch.iterations, (long long)restart_batch.stop_index,
	      (long long)e[0].result);
	check(strcmp(buf, "data") == 0, "restart: iteration 2 read the data (\"%s\")", buf);
	signal(SIGALRM, SIG_DFL);
	close(in[0]);
}

static struct mc_watch restart_list[1];

static void on_alarm_list(int sig)
{
	(void)sig;
	handled++;
	restart_flag = 1;
	/* The restarted ioctl goes on with the list as submitted, not this one. */
	restart_list[0].addr = (uintptr_t)&decoy;
}

static void test_restart_list(void)
{
	/*
	 * As test_restart, with the flag watched after entry 0 (MC_BATCH_WATCHES): iteration 2's
	 * read blocks, the SA_RESTART handler sets the flag and points the caller's list
	 * elsewhere, the restarted ioctl reads the data and then the flag it was submitted with,
	 * which stops the batch at entry 0 of iteration 2, before entry 1.
	 */
	struct itimerval it = { { 0, 0 }, { 0, 300000 } };
	long long r0 = mc_counter("restarts");
	struct sigaction sa;
	struct mc_entry e[2];
	char buf[16] = { 0 };
	int in[2], status;
	pid_t pid;
	long r;

	restart_flag = 0;
	decoy = 0;
	handled = 0;
	if (pipe(in))
		die("pipe");
	if (write(in[1], "xy", 2) != 2)
		die("write");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm_list;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGALRM, &sa, NULL))
		die("sigaction");
	pid = mct_fork();
	if (pid == 0) {
		usleep(1000 * 1000);
		_exit(write(in[1], "data", 4) == 4 ? 0 : 1);
	}
	close(in[1]);
	e[0] = stop(E(SYS_read, in[0], (long)buf, 8, 0, 0, 0), MC_STOP_NONPOS, 0);
	e[1] = E(SYS_getppid, 0, 0, 0, 0, 0, 0);
	restart_list[0] = W(&restart_flag, 4, 0);
	memset(&restart_batch, 0, sizeof(restart_batch));
	restart_batch.entries = (uintptr_t)e;
	restart_batch.count = 2;
	restart_batch.flags = MC_BATCH_LOOP | MC_BATCH_WATCHES;
	restart_batch.max_iters = 100;
	restart_batch.watches = (uintptr_t)restart_list;
	restart_batch.nwatches = 1;
	if (setitimer(ITIMER_REAL, &it, NULL))
		die("setitimer");
	r = mc_ioctl_raw(MC_IOC_RUN, &restart_batch);
	waitpid(pid, &status, 0);
	check_eq(r, 0, "restart, list: the batch completes");
	check_eq(handled, 1, "restart, list: the handler ran once");
	check_eq(mc_counter("restarts") - r0, 1, "restart, list: the module restarted the ioctl");
	check(restart_batch.iterations == 2 && restart_batch.stop_index == 0 && e[0].result == 4,
	      "restart, list: the flag stops it at entry 0 of iteration 2 (%llu %lld %lld)",
	      (unsigned long long)restart_batch.iterations, (long long)restart_batch.stop_index,
	      (long long)e[0].result);
	check(strcmp(buf, "data") == 0, "restart, list: iteration 2 read the data (\"%s\")", buf);
	signal(SIGALRM, SIG_DFL);
	close(in[0]);
}

static volatile uint64_t thread_flag;

static void *setter(void *arg)
{
	(void)arg;
	usleep(200 * 1000);
	__atomic_store_n(&thread_flag, 1, __ATOMIC_RELEASE);
	return NULL;
}

static void test_other_thread(void)
{
	struct mc_entry e[1] = { E(SYS_getppid, 0, 0, 0, 0, 0, 0) };
	struct mc_batch b;
	pthread_t t;
	long r;

	if (pthread_create(&t, NULL, setter, NULL))
		die("pthread_create");
	alarm(60); /* a watch that is never read: SIGALRM ends the test */
	r = mc_run_watch(e, 1, LW, 1ULL << 50, NULL, NULL, (const void *)&thread_flag, 8, &b);
	alarm(0);
	pthread_join(t, NULL);
	check_eq(r, 0, "another thread's store: runs");
	check(b.stop_index == 1 && b.iterations > 1 && b.iterations < (1ULL << 50),
	      "another thread's store ends a busy loop (%llu iterations)",
	      (unsigned long long)b.iterations);
}

int main(void)
{
	page = sysconf(_SC_PAGESIZE);
	test_own_entry_sets_it();
	test_not_before_first();
	test_zero_mode();
	test_widths();
	test_fault();
	test_invalid();
	test_ver1();
	test_list();
	test_list_pending();
	test_list_invalid();
	test_sums_and_advance();
	test_restart();
	test_restart_list();
	test_other_thread();
	return done();
}
