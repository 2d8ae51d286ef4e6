// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * Hostile input to /dev/multicall: bad pointers for the batch, the entries and the buffers
 * of inner calls, read-only and vanishing memory, huge counts, malformed entries and batches.
 * Each must give a clean error (EFAULT, EINVAL, or -EFAULT in an entry's result), run
 * nothing when the batch is refused, and leave no oops in the kernel log (the harness checks).
 */
#include "mctest.h"

#include <sys/mman.h>

#define NOT_RUN 0x5a5a5a5a
#define KERNEL_ADDR 0xffffffff81000000UL

static long page;
static int pipefd[2];

/* Bytes waiting in the test pipe (drained): nonzero means an entry that should not run did. */
static int pending(void)
{
	char buf[256];
	int n = 0;

	if (ioctl(pipefd[0], FIONREAD, &n))
		die("FIONREAD");
	while (read(pipefd[0], buf, sizeof(buf)) > 0)
		;
	return n;
}

static void *map(int prot)
{
	void *p = mmap(NULL, page * 2, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap");
	/* The second page is a guard: unmapped. */
	if (munmap((char *)p + page, page))
		die("munmap");
	if (prot != (PROT_READ | PROT_WRITE) && mprotect(p, page, PROT_READ | PROT_WRITE))
		die("mprotect");
	return p;
}

static void test_bad_batch_pointer(void)
{
	struct mc_batch *b;
	struct mc_entry e[1] = { E(SYS_write, 0, (long)"x", 1, 0, 0, 0) };
	long long f0 = mc_counter("refused_fault");

	e[0].args[0] = pipefd[1];
	check_eq(mc_ioctl_raw(MC_IOC_RUN, NULL), -EFAULT, "batch pointer NULL: EFAULT");
	check_eq(mc_ioctl_raw(MC_IOC_RUN, (void *)KERNEL_ADDR), -EFAULT, "batch pointer into the kernel: EFAULT");
	check_eq(mc_ioctl_raw(MC_IOC_RUN, (void *)1), -EFAULT, "batch pointer 1: EFAULT");
	check_eq(mc_ioctl_raw(MC_IOC_RUN, (void *)-4096L), -EFAULT, "batch pointer at the top of memory: EFAULT");

	/* A batch that straddles into the unmapped guard page. */
	b = (struct mc_batch *)((char *)map(PROT_READ | PROT_WRITE) + page - 24);
	check_eq(mc_ioctl_raw(MC_IOC_RUN, b), -EFAULT, "batch straddling an unmapped page: EFAULT");
	munmap((char *)b - (page - 24), page);

	/* A read-only batch: readable, but its outputs cannot be written; nothing may run. */
	b = map(PROT_READ | PROT_WRITE);
	memset(b, 0, sizeof(*b));
	b->entries = (uintptr_t)e;
	b->count = 1;
	if (mprotect(b, page, PROT_READ))
		die("mprotect");
	check_eq(mc_ioctl_raw(MC_IOC_RUN, b), -EFAULT, "read-only batch: EFAULT");
	check_eq(pending(), 0, "read-only batch: nothing ran");
	munmap(b, page);
	check(mc_counter("refused_fault") - f0 >= 6, "the module counted the faults");
}

static void test_bad_entries(void)
{
	struct mc_entry *e;
	struct mc_batch b;
	long r;

	memset(&b, 0, sizeof(b));
	b.count = 1;
	check_eq(mc_ioctl_raw(MC_IOC_RUN, &b), -EINVAL, "entries NULL: EINVAL");
	b.entries = KERNEL_ADDR;
	check_eq(mc_ioctl_raw(MC_IOC_RUN, &b), -EFAULT, "entries in the kernel: EFAULT");
	b.entries = 0x10000;
	check_eq(mc_ioctl_raw(MC_IOC_RUN, &b), -EFAULT, "entries unmapped: EFAULT");
	b.entries = -64;
	check_eq(mc_ioctl_raw(MC_IOC_RUN, &b), -EFAULT, "entries at the top of memory: EFAULT");

	/* Two entries, the second in the guard page: nothing runs. */
	e = (struct mc_entry *)((char *)map(PROT_READ | PROT_WRITE) + page - sizeof(*e));
	e[0] = E(SYS_write, pipefd[1], (long)"x", 1, 0, 0, 0);
	r = mc_run(e, 2, 0, 0, NULL);
	check_eq(r, -EFAULT, "entries running into an unmapped page: EFAULT");
	check_eq(pending(), 0, "entries running into an unmapped page: nothing ran");
	munmap((char *)e - (page - sizeof(*e)), page);

	/* Read-only entries: the results cannot be written back, so nothing runs. */
	e = map(PROT_READ | PROT_WRITE);
	e[0] = E(SYS_write, pipefd[1], (long)"x", 1, 0, 0, 0);
	if (mprotect(e, page, PROT_READ))
		die("mprotect");
	check_eq(mc_run(e, 1, 0, 0, NULL), -EFAULT, "read-only entries: EFAULT");
	check_eq(pending(), 0, "read-only entries: nothing ran");
	munmap(e, page);

	/* An entry unmaps the entries during the batch: the write-back fails cleanly. */
	e = map(PROT_READ | PROT_WRITE);
	e[0] = E(SYS_munmap, (long)e, page, 0, 0, 0, 0);
	e[1] = E(SYS_write, pipefd[1], (long)"y", 1, 0, 0, 0);
	check_eq(mc_run(e, 2, 0, 0, NULL), -EFAULT, "entries unmapped by an entry: EFAULT");
	check_eq(pending(), 1, "entries unmapped by an entry: the batch ran from its kernel copy");

	/* An entry makes the entries read-only. */
	e = map(PROT_READ | PROT_WRITE);
	e[0] = E(SYS_mprotect, (long)e, page, PROT_READ, 0, 0, 0);
	check_eq(mc_run(e, 1, 0, 0, NULL), -EFAULT, "entries made read-only by an entry: EFAULT");
	munmap(e, page);

	/* An entry unmaps the batch itself. */
	{
		struct mc_batch *bp = map(PROT_READ | PROT_WRITE);
		struct mc_entry ee[1];

		ee[0] = E(SYS_munmap, (long)bp, page, 0, 0, 0, 0);
		memset(bp, 0, sizeof(*bp));
		bp->entries = (uintptr_t)ee;
		bp->count = 1;
		check_eq(mc_ioctl_raw(MC_IOC_RUN, bp), -EFAULT, "batch unmapped by an entry: EFAULT");
		check_eq(ee[0].result, 0, "batch unmapped by an entry: the entry's result is still written");
	}
}

static void test_bad_inner_buffers(void)
{
	char *ro = map(PROT_READ | PROT_WRITE);
	int zero = open("/dev/zero", O_RDONLY);
	struct mc_entry e[5];

	if (zero < 0)
		die("open /dev/zero");
	if (mprotect(ro, page, PROT_READ))
		die("mprotect");
	e[0] = E(SYS_read, zero, 1, 10, 0, 0, 0);
	e[1] = E(SYS_read, zero, KERNEL_ADDR, 10, 0, 0, 0);
	e[2] = E(SYS_read, zero, (long)ro, 10, 0, 0, 0);
	e[3] = E(SYS_write, pipefd[1], KERNEL_ADDR, 10, 0, 0, 0);
	e[4] = E(SYS_read, zero, (long)ro + page - 4, 100, 0, 0, 0); /* runs into the guard */
	check_eq(mc_run(e, 5, 0, 0, NULL), 0, "bad inner buffers: batch runs");
	check(e[0].result == -EFAULT && e[1].result == -EFAULT && e[2].result == -EFAULT &&
		      e[3].result == -EFAULT && e[4].result == -EFAULT,
	      "bad inner buffers give -EFAULT in the entries (%lld %lld %lld %lld %lld)",
	      (long long)e[0].result, (long long)e[1].result, (long long)e[2].result,
	      (long long)e[3].result, (long long)e[4].result);
	close(zero);
	munmap(ro, page);
}

/* A valid two-entry batch whose first entry writes to the pipe; then a change makes it bad. */
static void invalid(const char *what, void (*spoil)(struct mc_entry *e, struct mc_batch *b))
{
	struct mc_entry e[2];
	struct mc_batch b;

	e[0] = E(SYS_write, pipefd[1], (long)"z", 1, 0, 0, 0);
	e[1] = E(SYS_getpid, 0, 0, 0, 0, 0, 0);
	memset(&b, 0, sizeof(b));
	b.entries = (uintptr_t)e;
	b.count = 2;
	spoil(e, &b);
	check_eq(mc_ioctl_raw(MC_IOC_RUN, &b), -EINVAL, "%s: EINVAL", what);
	check(pending() == 0 && e[0].result == NOT_RUN, "%s: nothing ran", what);
}

static void count_0(struct mc_entry *e, struct mc_batch *b) { (void)e; b->count = 0; }
static void count_65(struct mc_entry *e, struct mc_batch *b) { (void)e; b->count = MC_MAX_ENTRIES + 1; }
static void count_huge(struct mc_entry *e, struct mc_batch *b) { (void)e; b->count = 0xffffffffu; }
static void count_2g(struct mc_entry *e, struct mc_batch *b) { (void)e; b->count = 0x80000000u; }
static void flags_unknown(struct mc_entry *e, struct mc_batch *b) { (void)e; b->flags = 2; }
static void flags_high(struct mc_entry *e, struct mc_batch *b) { (void)e; b->flags = MC_BATCH_LOOP | 0x80000000u; }
static void loop_zero(struct mc_entry *e, struct mc_batch *b) { (void)e; b->flags = MC_BATCH_LOOP; b->max_iters = 0; }
static void watch_mode(struct mc_entry *e, struct mc_batch *b) { (void)e; b->watch_mode = 1; }
static void watch_mode_high(struct mc_entry *e, struct mc_batch *b) { (void)e; b->watch_mode = 0x80000000u; }
static void watch_no_flag(struct mc_entry *e, struct mc_batch *b) { (void)e; b->watch = (uintptr_t)&b->count; }
static void watch_no_loop(struct mc_entry *e, struct mc_batch *b)
{
	(void)e;
	b->flags = MC_BATCH_WATCH;
	b->watch_mode = 4;
	b->watch = (uintptr_t)&b->count;
}
/* Forged resume points: an entry past the end, or an iteration that cannot have begun. */
static void resume_past(struct mc_entry *e, struct mc_batch *b) { (void)e; b->resume = 3; b->iterations = 1; }
static void resume_huge(struct mc_entry *e, struct mc_batch *b) { (void)e; b->resume = 0xffffffffu; b->iterations = 1; }
static void resume_iter_0(struct mc_entry *e, struct mc_batch *b) { (void)e; b->resume = 1; b->iterations = 0; }
static void resume_plain_iter_2(struct mc_entry *e, struct mc_batch *b) { (void)e; b->resume = 2; b->iterations = 2; }
static void resume_loop_past_max(struct mc_entry *e, struct mc_batch *b)
{
	(void)e;
	b->flags = MC_BATCH_LOOP;
	b->max_iters = 2;
	b->resume = 1;
	b->iterations = 3;
}
static void stop_4(struct mc_entry *e, struct mc_batch *b) { (void)b; e[1].stop = MC_STOP_MAX + 1; }
static void stop_255(struct mc_entry *e, struct mc_batch *b) { (void)b; e[1].stop = 255; }
static void stop_arg_6(struct mc_entry *e, struct mc_batch *b) { (void)b; e[1].stop = MC_STOP_NE_ARG; e[1].stop_arg = 6; }
static void stop_arg_255(struct mc_entry *e, struct mc_batch *b) { (void)b; e[1].stop_arg = 255; }
static void ref_self(struct mc_entry *e, struct mc_batch *b) { (void)b; e[1] = ref(e[1], 0, 1); }
static void ref_forward(struct mc_entry *e, struct mc_batch *b) { (void)b; e[0] = ref(e[0], 2, 1); }
static void ref_negative(struct mc_entry *e, struct mc_batch *b) { (void)b; e[1] = ref(e[1], 3, -1); }
static void ref_huge(struct mc_entry *e, struct mc_batch *b) { (void)b; e[1] = ref(e[1], 5, 1L << 40); }
static void ref_first(struct mc_entry *e, struct mc_batch *b) { (void)b; e[0] = ref(e[0], 0, 0); }
static void ref_bit6(struct mc_entry *e, struct mc_batch *b) { (void)b; e[1].refs = 1u << 6; }
static void ref_bit15(struct mc_entry *e, struct mc_batch *b) { (void)b; e[1].refs = 1u << 15; }

static void test_invalid(void)
{
	long long v0 = mc_counter("refused_invalid");

	invalid("count 0", count_0);
	invalid("count 65", count_65);
	invalid("count 0xffffffff", count_huge);
	invalid("count 2^31", count_2g);
	invalid("unknown flag", flags_unknown);
	invalid("high flag bit", flags_high);
	invalid("loop with max_iters 0", loop_zero);
	invalid("watch_mode set without MC_BATCH_WATCH", watch_mode);
	invalid("watch_mode's high bit set without MC_BATCH_WATCH", watch_mode_high);
	invalid("watch set without MC_BATCH_WATCH", watch_no_flag);
	invalid("MC_BATCH_WATCH without MC_BATCH_LOOP", watch_no_loop);
	invalid("resume past the last entry (count + 1)", resume_past);
	invalid("resume 0xffffffff", resume_huge);
	invalid("resume with iterations 0", resume_iter_0);
	invalid("resume of a plain batch with iterations 2", resume_plain_iter_2);
	invalid("resume of a loop with iterations above max_iters", resume_loop_past_max);
	invalid("stop code 4", stop_4);
	invalid("stop code 255", stop_255);
	invalid("stop_arg 6", stop_arg_6);
	invalid("stop_arg 255 (predicate never)", stop_arg_255);
	invalid("reference to itself", ref_self);
	invalid("reference forward", ref_forward);
	invalid("reference to a negative index", ref_negative);
	invalid("reference to index 2^40", ref_huge);
	invalid("reference in the first entry", ref_first);
	invalid("refs bit 6", ref_bit6);
	invalid("refs bit 15", ref_bit15);
	check_eq(mc_counter("refused_invalid") - v0, 27, "the module counted 27 invalid batches");
}

int main(void)
{
	page = sysconf(_SC_PAGESIZE);
	if (pipe(pipefd))
		die("pipe");
	fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
	printf("# hostile input to /dev/multicall\n");
	test_bad_batch_pointer();
	test_bad_entries();
	test_bad_inner_buffers();
	test_invalid();
	return done();
}
