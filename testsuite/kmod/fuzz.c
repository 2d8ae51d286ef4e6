// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * A bounded-time fuzzer for /dev/multicall. Two unprivileged processes throw batches at the
 * ioctl until the time is up:
 *
 *  - well-formed random batches (1..64 entries, random predicates, references and loops,
 *    some loops with a watched word that stays zero, becomes zero or cannot be read) of
 *    calls whose results are known in advance (getpid, reads of /dev/zero into good and bad
 *    buffers, writes to /dev/null, closes of bad descriptors, unknown and denied numbers),
 *    and calls that pull the batch's own ground from under it: close, close_range or dup2
 *    over the /dev/multicall descriptor the batch runs on, and reads of /dev/zero or
 *    /dev/urandom over the entry array and the struct mc_batch themselves (the module runs
 *    its own copy, taken at submission); a model computes what running them one by one
 *    gives, and every result, the stop index and the iteration count must match it;
 *  - malformed batches: random bytes for the batch and its entries (only the system-call
 *    numbers are kept harmless), extreme counts, random watch modes, and batch, entry and
 *    watch pointers that are NULL, in the kernel, unmapped, read-only, misaligned or
 *    straddling a missing page, given by any of the three commands: the ioctl
 *    must answer 0, EINVAL or EFAULT, and a batch that ran must report sane outputs.
 *
 * The kernel log is checked for oops/WARN/BUG by the harness afterwards.
 *
 *   fuzz [SECONDS [SEED]]     defaults: 20 s, seed from the clock (printed)
 */
#include "mctest.h"

#include <grp.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>

#define KERNEL_ADDR 0xffffffff81000000UL
#define NOT_RUN 0x5a5a5a5a

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static unsigned below(unsigned n)
{
	return (unsigned)(rnd() % n);
}

static long page;
static char *buf;      /* 8 KiB of good memory: buffers, a batch, entries */
static char *ro_page;  /* read-only */
static char *hole;     /* unmapped */
static int zero_fd, null_fd, urandom_fd;

/* The batch of a well-formed run, and its entries: entries may read over both. */
static struct mc_batch fz_batch;
static struct mc_entry fz_ents[MC_MAX_ENTRIES];

/* Entries whose result depends on what earlier entries did to the device's descriptor. */
enum kind { K_KNOWN, K_CLOSE_SELF, K_CLOSE_RANGE_SELF, K_DUP_OVER_SELF };
/* The device's descriptor, as the model sees it. */
enum dev_state { DEV_OPEN, DEV_CLOSED, DEV_REPLACED };

static const unsigned denied[] = { SYS_rt_sigreturn, SYS_clone, SYS_clone3, SYS_fork, SYS_vfork,
				   SYS_execve, SYS_execveat, SYS_exit, SYS_exit_group, SYS_iopl };

/*
 * A random well-formed entry and the result running it gives (*kind K_KNOWN), or the kind of
 * entry whose result the model works out as it goes.
 */
static struct mc_entry model_entry(int index, long *expect, enum kind *kind)
{
	struct mc_entry e;
	unsigned what = below(12);
	long n = 1 + below(256);
	unsigned free_args = 0; /* args the call ignores, which may hold references */

	*kind = K_KNOWN;
	switch (what) {
	case 0:
		e = E(SYS_getpid, rnd(), rnd(), rnd(), rnd(), rnd(), rnd());
		*expect = getpid();
		free_args = 077;
		break;
	case 1:
		e = E(SYS_getppid, rnd(), rnd(), rnd(), rnd(), rnd(), rnd());
		*expect = getppid();
		free_args = 077;
		break;
	case 2:
		e = E(SYS_read, zero_fd, (long)buf + below(4096 - 256), n, rnd(), rnd(), rnd());
		*expect = n;
		free_args = 070;
		break;
	case 3: {
		long bad[] = { 0, (long)KERNEL_ADDR, (long)hole + below(page), (long)ro_page };

		e = E(SYS_read, zero_fd, bad[below(4)], n, 0, 0, 0);
		*expect = -EFAULT;
		free_args = 070;
		break;
	}
	case 4:
		e = E(SYS_write, null_fd, (long)buf + below(4096 - 256), n, 0, 0, 0);
		*expect = n;
		free_args = 070;
		break;
	case 5:
		e = E(SYS_write, null_fd, (long)KERNEL_ADDR, n, 0, 0, 0);
		*expect = -EFAULT;
		free_args = 070;
		break;
	case 6:
		e = E(SYS_close, 1000 + below(1000), 0, 0, 0, 0, 0);
		*expect = -EBADF;
		free_args = 076;
		break;
	case 7:
		e = E(below(2) ? 1000 + below(1u << 20) : 0x40000000u | below(512), rnd(), rnd(), rnd(),
		      rnd(), rnd(), rnd());
		*expect = -ENOSYS;
		free_args = 077;
		break;
	case 9:
		/* The descriptor the batch runs on: closed, or replaced by /dev/null. */
		switch (below(3)) {
		case 0:
			e = E(SYS_close, mc_fd, 0, 0, 0, 0, 0);
			*kind = K_CLOSE_SELF;
			free_args = 076;
			break;
		case 1:
			e = E(SYS_close_range, mc_fd, mc_fd, 0, 0, 0, 0);
			*kind = K_CLOSE_RANGE_SELF;
			free_args = 070;
			break;
		default:
			e = E(SYS_dup2, null_fd, mc_fd, 0, 0, 0, 0);
			*kind = K_DUP_OVER_SELF;
			free_args = 074;
			break;
		}
		*expect = 0;
		break;
	case 10: {
		/* Zeros or random bytes over the entry array, this entry and later ones included. */
		size_t off = below(sizeof(fz_ents) - 1);

		if (n > (long)(sizeof(fz_ents) - off))
			n = sizeof(fz_ents) - off;
		e = E(SYS_read, below(2) ? zero_fd : urandom_fd, (long)((char *)fz_ents + off), n, 0, 0, 0);
		*expect = n;
		free_args = 070;
		break;
	}
	case 11:
		/* Zeros over the struct mc_batch being run. */
		e = E(SYS_read, zero_fd, (long)&fz_batch, sizeof(fz_batch), 0, 0, 0);
		*expect = sizeof(fz_batch);
		free_args = 070;
		break;
	default:
		e = E(denied[below(sizeof(denied) / sizeof(denied[0]))], rnd(), rnd(), rnd(), rnd(),
		      rnd(), rnd());
		*expect = -ENOSYS;
		free_args = 077;
		break;
	}
	e.stop = below(4);
	e.stop_arg = below(6);
	if (index > 0) {
		for (int k = 0; k < 6; k++) {
			if ((free_args & (1u << k)) && below(4) == 0)
				e = ref(e, k, below(index));
		}
	}
	return e;
}

static int fires(const struct mc_entry *e, const long *args, long res)
{
	switch (e->stop) {
	case MC_STOP_NEG: return res < 0;
	case MC_STOP_NONPOS: return res <= 0;
	case MC_STOP_NE_ARG: return (res < 0 && res >= -4095) || res != args[e->stop_arg];
	default: return 0;
	}
}

/* What an entry gives when it runs with the device's descriptor in state *dev. */
static long model_result(enum kind kind, long known, enum dev_state *dev)
{
	long res;

	switch (kind) {
	case K_CLOSE_SELF:
		res = *dev == DEV_CLOSED ? -EBADF : 0;
		*dev = DEV_CLOSED;
		return res;
	case K_CLOSE_RANGE_SELF:
		*dev = DEV_CLOSED;
		return 0;
	case K_DUP_OVER_SELF:
		*dev = DEV_REPLACED;
		return mc_fd;
	default:
		return known;
	}
}

static long wellformed(void)
{
	struct mc_entry *e = fz_ents, before[MC_MAX_ENTRIES];
	long expect[MC_MAX_ENTRIES], model[MC_MAX_ENTRIES], args[6];
	enum kind kind[MC_MAX_ENTRIES];
	enum dev_state dev = DEV_OPEN;
	unsigned count = 1 + below(below(4) ? 8 : MC_MAX_ENTRIES);
	int loop = below(3) == 0;
	uint64_t max_iters = 1 + below(4), iters = 0;
	long stop_index = count;
	/*
	 * A looped batch may watch a word: 1, a zero word of the read-only page (never ends
	 * it); 2, the same with MC_WATCH_ZERO (ends it after the first completed iteration);
	 * 3, a word in the hole (cannot be read: ends it the same way).
	 */
	unsigned watch = loop && below(3) == 0 ? 1 + below(3) : 0;
	unsigned wsize = 1u << below(4);
	unsigned long cmd = watch || below(4) ? MC_IOC_RUN : MC_IOC_RUN_VER1;
	struct mc_batch b;
	unsigned i;
	long r;

	mc_open();
	for (i = 0; i < count; i++) {
		e[i] = model_entry(i, &expect[i], &kind[i]);
		model[i] = e[i].result;
	}
	memcpy(before, e, sizeof(e[0]) * count);
	/* The model: the calls one by one, on the entries as they were submitted. */
	do {
		iters++;
		for (i = 0; i < count; i++) {
			for (int k = 0; k < 6; k++)
				args[k] = before[i].refs & (1u << k) ? model[before[i].args[k]] : before[i].args[k];
			model[i] = model_result(kind[i], expect[i], &dev);
			if (fires(&before[i], args, model[i])) {
				stop_index = i;
				goto modelled;
			}
		}
		if (watch >= 2)
			break;
	} while (loop && iters < max_iters);
modelled:
	memset(&fz_batch, 0, sizeof(fz_batch));
	fz_batch.entries = (uintptr_t)e;
	fz_batch.count = count;
	fz_batch.flags = loop ? MC_BATCH_LOOP : 0;
	fz_batch.max_iters = max_iters;
	if (watch) {
		fz_batch.flags |= MC_BATCH_WATCH;
		fz_batch.watch_mode = wsize;
		if (watch == 2 || (watch == 3 && below(2)))
			fz_batch.watch_mode |= MC_WATCH_ZERO;
		fz_batch.watch = (uintptr_t)(watch == 3 ? hole : ro_page) + wsize * below(page / wsize);
	}
	r = ioctl(mc_fd, cmd, &fz_batch) < 0 ? -errno : 0;
	b = fz_batch;
	if (dev != DEV_OPEN) {
		/* The batch closed or replaced the device's descriptor: open the device again. */
		if (dev == DEV_REPLACED)
			close(mc_fd);
		mc_fd = -1;
		mc_open();
	}
	if (r != 0 || b.stop_index != stop_index || b.iterations != iters) {
		printf("# well-formed batch of %u (loop %d, watch %u): ioctl %ld, stop %lld/%ld, iterations %llu/%llu\n",
		       count, loop, watch, r, (long long)b.stop_index, stop_index,
		       (unsigned long long)b.iterations, (unsigned long long)iters);
		return 1;
	}
	for (i = 0; i < count; i++) {
		if (e[i].result != model[i]) {
			printf("# entry %u (nr %u) gave %lld, the model %ld\n", i, before[i].nr,
			       (long long)e[i].result, model[i]);
			return 1;
		}
	}
	return 0;
}

/* Fills a batch and entries with random bytes; numbers stay harmless. */
static long malformed(void)
{
	static const unsigned harmless[] = { SYS_getpid, SYS_getppid, SYS_write, SYS_lseek,
					     SYS_getuid, 1000, 0x40000001u, SYS_fork, SYS_exit_group };
	struct mc_entry *e = (struct mc_entry *)(buf + 4096);
	struct mc_batch *b = (struct mc_batch *)buf;
	unsigned char *raw_bytes = (unsigned char *)e;
	unsigned i, count;
	void *arg = b;
	long r;

	/* The batch sits at the start of the good memory, the entries fill its second half. */
	for (i = 0; i < sizeof(struct mc_entry) * MC_MAX_ENTRIES; i++)
		raw_bytes[i] = (unsigned char)rnd();
	for (i = 0; i < MC_MAX_ENTRIES; i++) {
		unsigned nr = harmless[below(sizeof(harmless) / sizeof(harmless[0]))];

		e[i].nr = nr;
		if (nr == SYS_write || nr == SYS_lseek)
			e[i].args[0] = null_fd; /* garbage elsewhere is harmless for /dev/null */
		if (below(2)) { /* often keep the rest plausible, to get deeper */
			e[i].stop &= 3;
			e[i].stop_arg %= 6;
			e[i].refs = 0;
		}
	}
	memset(b, 0, sizeof(*b));
	count = below(4) ? 1 + below(MC_MAX_ENTRIES) : (unsigned)rnd();
	b->count = count;
	b->entries = (uintptr_t)e + (MC_MAX_ENTRIES - (count <= MC_MAX_ENTRIES ? count : 1)) * sizeof(*e);
	b->flags = below(4) ? below(2) : (unsigned)rnd();
	b->max_iters = below(4) ? below(4) : rnd();
	if (b->max_iters > 4 && below(2))
		b->max_iters = 4;
	if (!below(4)) { /* a watch, often with the flag and a valid mode */
		static const uint32_t modes[] = { 1, 2, 4, 8, 1 | MC_WATCH_ZERO, 8 | MC_WATCH_ZERO };

		if (below(2))
			b->flags |= MC_BATCH_WATCH | MC_BATCH_LOOP;
		b->watch_mode = below(4) ? modes[below(6)] : (uint32_t)rnd();
		switch (below(7)) {
		case 0: b->watch = 0; break;
		case 1: b->watch = (uintptr_t)ro_page + 8 * below(page / 8); break;
		case 2: b->watch = (uintptr_t)hole + 8 * below(page / 8); break;
		case 3: b->watch = KERNEL_ADDR + 8 * below(512); break;
		case 4: b->watch = (uintptr_t)buf + below(64); break; /* the batch itself */
		case 5: b->watch = -8; break;
		default: b->watch = rnd(); break;
		}
	} else if (!below(8)) {
		b->watch_mode = (uint32_t)rnd();
	}
	if (!below(8)) { /* a forged resume point: often in range, sometimes with a valid iteration */
		b->resume = below(2) ? below(count <= MC_MAX_ENTRIES ? count + 2 : 66) : (uint32_t)rnd();
		b->iterations = below(2) ? below(6) : rnd();
	}
	switch (below(10)) {
	case 0: b->entries = 0; break;
	case 1: b->entries = KERNEL_ADDR + below(4096); break;
	case 2: b->entries = (uintptr_t)hole + below(page); break;
	case 3: b->entries = (uintptr_t)ro_page; break;
	case 4: b->entries += 1 + below(7); break;                       /* misaligned */
	case 5: b->entries = (uintptr_t)ro_page + page - 32; break;      /* straddles the hole */
	case 6: arg = (void *)(uintptr_t)(below(2) ? KERNEL_ADDR : 0); break;
	case 7: arg = hole + page - 24; break;
	default: break;
	}
	if (b->flags & MC_BATCH_LOOP && b->max_iters > 4)
		b->max_iters = 4; /* bound the time of a malformed loop that is valid after all */
	switch (below(8)) {
	case 0: r = mc_ioctl_raw(MC_IOC_RUN_VER0, arg); break;
	case 1: r = mc_ioctl_raw(MC_IOC_RUN_VER1, arg); break;
	default: r = mc_ioctl_raw(MC_IOC_RUN, arg); break;
	}
	if (r != 0 && r != -EINVAL && r != -EFAULT) {
		printf("# malformed batch: ioctl gave %ld\n", r);
		return 1;
	}
	if (r == 0 && arg == b && (b->stop_index < 0 || b->stop_index > (long long)count ||
				   b->iterations < 1 || b->iterations > (b->flags & 1 ? b->max_iters : 1))) {
		printf("# malformed batch ran with outputs stop %lld iterations %llu\n",
		       (long long)b->stop_index, (unsigned long long)b->iterations);
		return 1;
	}
	return 0;
}

static int fuzz(double seconds, uint64_t seed)
{
	struct timespec t0, t;
	long rounds = 0, bad = 0;

	rng_state = seed ? seed : 1;
	page = sysconf(_SC_PAGESIZE);
	buf = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ro_page = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED || ro_page == MAP_FAILED)
		die("mmap");
	hole = ro_page + page;
	munmap(hole, page);
	mprotect(ro_page, page, PROT_READ);
	zero_fd = open("/dev/zero", O_RDONLY);
	null_fd = open("/dev/null", O_WRONLY);
	urandom_fd = open("/dev/urandom", O_RDONLY);
	if (zero_fd < 0 || null_fd < 0 || urandom_fd < 0)
		die("open /dev/zero, /dev/null, /dev/urandom");
	mc_open();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	do {
		for (int i = 0; i < 64; i++, rounds++)
			bad += below(2) ? wellformed() : malformed();
		clock_gettime(CLOCK_MONOTONIC, &t);
	} while (bad < 10 && (t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9 < seconds);
	printf("# fuzzer (seed %llu): %ld batches, %ld wrong\n", (unsigned long long)seed, rounds, bad);
	return bad != 0;
}

int main(int argc, char **argv)
{
	double seconds = argc > 1 ? atof(argv[1]) : 20;
	uint64_t seed = argc > 2 ? strtoull(argv[2], NULL, 0) : (uint64_t)time(NULL);
	long long b0 = mc_counter("batches");
	pid_t pids[2];
	int i, status;

	printf("# fuzzing /dev/multicall for %.0f s, seed %llu\n", seconds, (unsigned long long)seed);
	fflush(stdout);
	for (i = 0; i < 2; i++) {
		pids[i] = fork();
		if (pids[i] < 0)
			die("fork");
		if (pids[i] == 0) {
			if (getuid() == 0 && (setgroups(0, NULL) || setresgid(65534, 65534, 65534) ||
					      setresuid(65534, 65534, 65534)))
				die("dropping root");
			alarm((unsigned)seconds + 60);
			_exit(fuzz(seconds, seed + (uint64_t)i * 0x9E3779B97F4A7C15ULL));
		}
	}
	for (i = 0; i < 2; i++) {
		waitpid(pids[i], &status, 0);
		check(WIFEXITED(status) && WEXITSTATUS(status) == 0,
		      "fuzzer %d: every batch gave the modelled or an allowed answer (status %#x)", i, status);
	}
	check(mc_counter("batches") > b0, "the fuzzers' valid batches ran (%lld)", mc_counter("batches") - b0);
	return done();
}
