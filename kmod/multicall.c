// SPDX-License-Identifier: GPL-2.0
/*
 * multicall.ko: run a batch of system calls in one kernel crossing.
 *
 * The module registers the misc device /dev/multicall. One ioctl(MC_IOC_RUN) on it takes a
 * struct mc_batch (include/uapi/linux/multicall.h, the ABI shared with the runtime library)
 * and runs its entries in order, in the caller's own context, exactly as if the caller had
 * made the system calls one by one: same credentials, same permission checks, same results.
 * A looped batch (MC_BATCH_LOOP) runs the whole batch again until a stop predicate fires,
 * max_iters iterations have run, or a signal is pending at the start of an iteration: the
 * looped multi-call of Rajagopalan et al., which removes one crossing per iteration. With
 * MC_BATCH_WATCH it also ends when a word of the caller's memory says so, read after each
 * iteration that completes (a loop's `while (!stop)` on a flag a signal handler sets).
 *
 *   user:   ioctl(fd, MC_IOC_RUN, &batch)         one crossing
 *   kernel: for each entry: fill a struct pt_regs, x64_sys_call(regs, nr), test predicate
 *
 * Dispatch. New system-call numbers cannot be added from a module, so the batch arrives as
 * an ioctl and each entry goes through the kernel's own dispatcher: x64_sys_call() (kernels
 * with the Spectre-BHI fixes) or else sys_call_table[]. Neither is exported, nor is
 * kallsyms_lookup_name(); a kprobe on kallsyms_lookup_name gives its address once, at load.
 * The number is bounded and clamped with array_index_nospec() as the entry code does.
 *
 * Restarts. When an entry is interrupted with -ERESTARTSYS, -ERESTARTNOINTR or
 * -ERESTARTNOHAND, the ioctl itself returns that code after writing back the results so far,
 * stop_index = that entry, its result = -EINTR and resume = its index + 1. The kernel's signal
 * delivery then decides exactly as it would have for the entry run on its own: it restarts
 * the ioctl (same registers, so the same struct mc_batch, now with resume set: the batch goes
 * on at that entry of the same iteration), or user space sees the ioctl fail with EINTR and
 * reads in the batch where it stopped. -ERESTART_RESTARTBLOCK (nanosleep, clock_nanosleep,
 * poll with a timeout) would restart through restart_syscall, not through this ioctl: it
 * becomes -EINTR and stops the batch, as does a plain -EINTR. A restart code is returned only
 * when the re-issued ioctl would reach this same file: if an entry closed the descriptor the
 * batch was submitted on, or put another file there, the ioctl fails with EINTR instead.
 *
 * Resume points. The module remembers, per open file, the resume point it left for each task
 * (struct mc_file), with the run's own state: the batch as validated and the module's copy of
 * its entries. A batch that presents a resume point is checked like a new one (seccomp,
 * refuse_traced); only one that matches what the module left is taken to have run in part:
 * it goes on from the saved state (whatever an entry wrote over the batch in memory), and a
 * refusal stops it at its next entry with -EPERM instead of failing the ioctl (user space
 * would run the whole batch again). Any other resume point is read from user memory and
 * validated like a new batch: a forged one gains nothing.
 *
 * Bounds. One ioctl runs at most MC_AUDIT_ENTRIES entries while the caller's audit context
 * is live (audit on and a rule loaded): that context keeps every name looked up until the
 * system call exits, so an unbounded loop would pin unbounded memory and slow each lookup.
 * At the bound the module leaves a resume point, returns -ERESTARTNOINTR and sets
 * TIF_NOTIFY_SIGNAL, so that the way back to user space goes through signal handling, which
 * restarts the ioctl (after running a handler, if a signal came): the audit names are freed
 * at each exit and the batch goes on where it was, iterations and results exact. Between
 * entries the module reports an RCU-tasks quiescent state (cond_resched_tasks_rcu_qs()), so
 * a loop that never sleeps nor returns to user space does not hold up synchronize_rcu_tasks()
 * (ftrace, kprobes, BPF trampolines).
 *
 * Lifetime. Each ioctl holds a reference to its file from start to end: the kernel takes none
 * for a single-threaded caller, and an entry that closes the device's descriptor would
 * otherwise release the file, its mc_file and the module reference while the module's code
 * still runs. The module cannot be unloaded while any ioctl runs.
 *
 * Semantics beyond the uapi header (see docs/kmod.md):
 *  - The ioctl returns 0 when the batch ran and writes iterations and stop_index (and resume
 *    = 0); it fails with EINVAL (invalid batch), EFAULT (unreadable or unwritable batch or
 *    entries), EPERM (caller under seccomp, or syscall-traced when refuse_traced is set,
 *    whatever the resume field says; nothing ran), ENOTTY (other commands, 32-bit callers),
 *    EINTR after a restart code (see above) and EINTR with resume 0 (the caller got a fatal
 *    signal: it is dying; the results of the entries that ran are written back).
 *  - Calls that need the caller's own register frame or identity give -ENOSYS without
 *    running (the list in the header), and so does an ioctl with the command MC_IOC_RUN or
 *    one of its older sizes (MC_IOC_RUN_VER0 .. MC_IOC_RUN_VER2): a batch cannot run a batch.
 *  - Between two entries the module does what every return to user space does that a later
 *    call could observe: it runs pending task work (the final fput of a closed file), so a
 *    close takes full effect before the next entry, as it would before the next system call.
 *  - If the caller comes under seccomp in the middle of a batch (an entry installed a filter,
 *    or another thread synchronised one onto it), or under syscall tracing with
 *    refuse_traced set (across a restart), the next entry does not run: its result is -EPERM
 *    and the batch stops there.
 *
 * Security. Calls made this way do not pass through the system-call entry path: seccomp
 * filters, syscall audit records, ptrace syscall stops (strace) and the raw_syscalls
 * tracepoints see the ioctl, not the calls inside it. A seccomp filter must not be escaped
 * through the device, so callers under seccomp are refused. Every other check (file modes,
 * capabilities, LSMs, namespaces, rlimits) is made by the system calls themselves, as the
 * caller. The device node's mode is the module parameter `mode`.
 *
 * Counters (per CPU, summed on read) are in /sys/class/misc/multicall/.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/audit.h>
#include <linux/compat.h>
#include <linux/device.h>
#include <linux/err.h>
#include <linux/errno.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/kprobes.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/nospec.h>
#include <linux/percpu.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/rcupdate.h>
#include <linux/seccomp.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/task_work.h>
#include <linux/thread_info.h>
#include <linux/uaccess.h>
#include <asm/syscall.h>
#include <asm/unistd.h>

#include "include/uapi/linux/multicall.h"

/*
 * The older commands take a prefix of struct mc_batch: everything before sums, before watch,
 * before watches.
 */
static_assert(offsetof(struct mc_batch, sums) == MC_BATCH_SIZE_VER0);
static_assert(offsetof(struct mc_batch, watch) == MC_BATCH_SIZE_VER1);
static_assert(offsetof(struct mc_batch, watches) == MC_BATCH_SIZE_VER2);
static_assert(sizeof(struct mc_batch) == 88);
static_assert(sizeof(struct mc_watch) == 16);

/* Entries kept on the kernel stack; larger batches are allocated. */
#define MC_STACK_ENTRIES 4
/* Bits of mc_entry.refs that name an argument. */
#define MC_REFS_MASK ((1U << MC_MAX_ARGS) - 1)
/*
 * Entries one ioctl runs while the caller's audit context is live: each path name looked up
 * stays in that context until the system call (the ioctl) exits.
 */
#define MC_AUDIT_ENTRIES 16
/* Resume points an open file remembers, for as many tasks. */
#define MC_RESUME_POINTS 16

static ushort mode = 0666;
module_param(mode, ushort, 0444);
MODULE_PARM_DESC(mode, "Mode of /dev/multicall (default 0666: every call is checked as the caller's own)");

static bool refuse_traced = false;
module_param(refuse_traced, bool, 0644);
MODULE_PARM_DESC(refuse_traced,
		 "Refuse (EPERM) callers under ptrace syscall tracing, whose tracer would not see the calls of a batch");

typedef long (*mc_x64_sys_call_t)(const struct pt_regs *regs, unsigned int nr);
typedef void (*mc_task_work_run_t)(void);

static mc_x64_sys_call_t mc_x64_sys_call;
static const sys_call_ptr_t *mc_sys_call_table;
static mc_task_work_run_t mc_task_work_run;

/*
 * A resume point the module left: the task that got it, its struct mc_batch, the resume and
 * iterations written there, and the run's own state: the batch as validated at submission
 * and the module's copy of its entries, with the results of the entries that ran. Only a
 * resumed batch that matches one of these is taken to have run in part, and it goes on from
 * this state, whatever its entries or struct mc_batch in user memory became meanwhile.
 */
struct mc_resume_point {
	const struct task_struct *task;	/* compared, never dereferenced; NULL: free */
	u64 task_start;			/* with task: a reused task_struct is another task */
	u64 batch;
	u64 iterations;
	u32 resume;
	u64 age;
	struct mc_entry *ents;		/* owned: count entries */
	s64 *sums;			/* owned: count result sums (MC_BATCH_SUMS), or NULL */
	struct mc_advance *adv;		/* owned: count advances (MC_BATCH_ADVANCE), or NULL */
	u64 entries;
	u64 usums;			/* the batch's sums pointer */
	u32 count;
	bool loop;
	u64 max_iters;
	/*
	 * The watched words, as validated at submission, in the order they are read: the list
	 * of MC_BATCH_WATCHES, or MC_BATCH_WATCH's word as one watch after the last entry.
	 */
	struct mc_watch watches[MC_MAX_WATCHES];
	u32 nwatches;
};

/* An open /dev/multicall. */
struct mc_file {
	spinlock_t lock;
	unsigned int used;
	u64 clock;
	struct mc_resume_point points[MC_RESUME_POINTS];
};

/* What an administrator can read in /sys/class/misc/multicall/. */
struct mc_stats {
	u64 batches;		/* ioctls whose batch ran */
	u64 iterations;		/* iterations begun, over all batches */
	u64 entries;		/* system calls dispatched */
	u64 denied;		/* entries refused with -ENOSYS without running */
	u64 stops;		/* batches ended by a stop predicate */
	u64 interrupted;	/* batches ended by -EINTR (or -ERESTART_RESTARTBLOCK made -EINTR) */
	u64 restarts;		/* ioctls that returned a restart code with a resume point */
	u64 yields;		/* ioctls that stopped at their work bound and were re-issued */
	u64 resumed;		/* ioctls that went on with a batch at its resume point */
	u64 signal_stops;	/* looped batches ended by a pending signal */
	u64 watch_stops;	/* batches ended by a watched word (or a fault on it) */
	u64 refused_invalid;	/* EINVAL: malformed batches */
	u64 refused_fault;	/* EFAULT: unreadable or unwritable batches or entries */
	u64 refused_seccomp;	/* EPERM: callers under seccomp (or entries after it began) */
	u64 refused_traced;	/* EPERM: traced callers, with refuse_traced set */
	u64 refused_compat;	/* 32-bit callers */
};

static DEFINE_PER_CPU(struct mc_stats, mc_stats);

#define mc_count(field, n) this_cpu_add(mc_stats.field, (n))

static u64 mc_stats_sum(size_t offset)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += *(u64 *)((char *)per_cpu_ptr(&mc_stats, cpu) + offset);
	return sum;
}

/*
 * The address of a kernel symbol, through kallsyms_lookup_name(), whose own address a kprobe
 * reports (it is not exported since 5.7).
 */
static unsigned long mc_lookup(const char *name)
{
	typedef unsigned long (*lookup_t)(const char *name);
	struct kprobe kp = { .symbol_name = "kallsyms_lookup_name" };
	lookup_t lookup;
	int err;

	err = register_kprobe(&kp);
	if (err) {
		pr_err("cannot find kallsyms_lookup_name through a kprobe (error %d): is CONFIG_KPROBES on?\n",
		       err);
		return 0;
	}
	lookup = (lookup_t)kp.addr;
	unregister_kprobe(&kp);
	return lookup ? lookup(name) : 0;
}

static inline bool mc_under_seccomp(void)
{
#ifdef CONFIG_SECCOMP
	return READ_ONCE(current->seccomp.mode) != SECCOMP_MODE_DISABLED;
#else
	return false;
#endif
}

static inline bool mc_syscall_traced(void)
{
#ifdef CONFIG_GENERIC_ENTRY
	return test_syscall_work(SYSCALL_TRACE) || test_syscall_work(SYSCALL_EMU);
#else
	return test_thread_flag(TIF_SYSCALL_TRACE);
#endif
}

/* Why the caller may not run entries now. */
enum mc_refusal { MC_ALLOWED, MC_REFUSE_SECCOMP, MC_REFUSE_TRACED };

static enum mc_refusal mc_refusal(void)
{
	if (mc_under_seccomp())
		return MC_REFUSE_SECCOMP;
	if (READ_ONCE(refuse_traced) && mc_syscall_traced())
		return MC_REFUSE_TRACED;
	return MC_ALLOWED;
}

static void mc_count_refusal(enum mc_refusal why)
{
	if (why == MC_REFUSE_SECCOMP)
		mc_count(refused_seccomp, 1);
	else
		mc_count(refused_traced, 1);
}

/*
 * Whether the ioctl runs in a live audit context, which keeps every name looked up (a task
 * keeps a context, not marked dummy, after audit is turned off; it collects nothing then).
 */
static inline bool mc_audit_live(void)
{
	return READ_ONCE(audit_enabled) && !audit_dummy_context();
}

/*
 * Whether returning a restart code re-issues this ioctl on this file: the ioctl came from the
 * ioctl system call, and its descriptor still refers to the file (an entry may have closed it,
 * or put another file in its place).
 */
static bool mc_can_restart(struct file *file)
{
	struct pt_regs *regs = current_pt_regs();
	struct file *now;
	bool same;

	if (syscall_get_nr(current, regs) != __NR_ioctl)
		return false;
	now = fget((unsigned int)regs->di);
	same = now == file;
	if (now)
		fput(now);
	return same;
}

/*
 * Removes the resume point that the calling task left on this open file, if any. When it is
 * the one the batch presents (same struct mc_batch, resume and iterations), hands it over in
 * *got (the caller then owns got->ents) and returns true.
 */
static bool mc_take_resume_point(struct mc_file *mf, u64 batch, const struct mc_batch *b,
				 struct mc_resume_point *got)
{
	struct mc_resume_point *p, taken = { 0 };
	unsigned int i;

	if (!READ_ONCE(mf->used))
		return false;
	spin_lock(&mf->lock);
	for (i = 0; i < MC_RESUME_POINTS; i++) {
		p = &mf->points[i];
		if (p->task != current || p->task_start != current->start_time)
			continue;
		taken = *p;
		p->task = NULL;
		p->ents = NULL;
		p->sums = NULL;
		p->adv = NULL;
		WRITE_ONCE(mf->used, mf->used - 1);
		break;
	}
	spin_unlock(&mf->lock);
	if (taken.task && taken.batch == batch && taken.resume == b->resume &&
	    taken.iterations == b->iterations) {
		*got = taken;
		return true;
	}
	kfree(taken.ents);
	kfree(taken.sums);
	kfree(taken.adv);
	return false;
}

/*
 * Remembers a resume point (and takes over point->ents, point->sums and point->adv), in a free
 * slot or in place of the oldest one, whose task then gets its resumed batch checked and read
 * as a new one.
 */
static void mc_leave_resume_point(struct mc_file *mf, const struct mc_resume_point *point)
{
	struct mc_resume_point *slot = NULL;
	struct mc_entry *evicted = NULL;
	s64 *evicted_sums = NULL;
	struct mc_advance *evicted_adv = NULL;
	unsigned int i;

	spin_lock(&mf->lock);
	for (i = 0; i < MC_RESUME_POINTS; i++) {
		struct mc_resume_point *p = &mf->points[i];

		if (!p->task) {
			slot = p;
			break;
		}
		if (!slot || p->age < slot->age)
			slot = p;
	}
	if (slot->task) {
		evicted = slot->ents;
		evicted_sums = slot->sums;
		evicted_adv = slot->adv;
	} else {
		WRITE_ONCE(mf->used, mf->used + 1);
	}
	*slot = *point;
	slot->task = current;
	slot->task_start = current->start_time;
	slot->age = ++mf->clock;
	spin_unlock(&mf->lock);
	kfree(evicted);
	kfree(evicted_sums);
	kfree(evicted_adv);
}

/* Calls that depend on the caller's register frame or identity, and the multi-call itself. */
static bool mc_denied(unsigned int nr, const long *args)
{
#define MC_NEVER_RUN_CASE(name) case __NR_##name:
	switch (nr) {
	MC_FOR_EACH_NEVER_RUN(MC_NEVER_RUN_CASE)
		return true;
#undef MC_NEVER_RUN_CASE
	case __NR_ioctl:
		/* sys_ioctl takes the command as an unsigned int. */
		return (unsigned int)args[1] == MC_IOC_RUN ||
		       (unsigned int)args[1] == MC_IOC_RUN_VER0 ||
		       (unsigned int)args[1] == MC_IOC_RUN_VER1 ||
		       (unsigned int)args[1] == MC_IOC_RUN_VER2;
	default:
		return false;
	}
}

/* Restart codes that the ioctl can hand to signal delivery: a restart re-issues the ioctl. */
static inline bool mc_resumable_code(long res)
{
	return res == -ERESTARTSYS || res == -ERESTARTNOINTR || res == -ERESTARTNOHAND;
}

/* Results that mean "interrupted by a signal" and stop the batch as -EINTR. */
static inline bool mc_interrupted(long res)
{
	return res == -EINTR || res == -ERESTART_RESTARTBLOCK;
}

/*
 * The work the kernel does on every return to user space that later calls can observe:
 * task work, above all the final fput() of a closed file (a pipe's last reader must be gone
 * before the next write, or it would not see EPIPE; an flock must be released). Between two
 * entries of a batch there is no return to user space, so run it here, as get_signal() and
 * io_uring do.
 */
static void mc_user_return_work(void)
{
	if (test_thread_flag(TIF_NOTIFY_SIGNAL))
		clear_notify_signal();
	if (task_work_pending(current))
		mc_task_work_run();
}

/* Runs system call nr with the arguments in regs, as the system-call entry code would. */
static long mc_dispatch(struct pt_regs *regs, unsigned int nr)
{
	if (nr >= NR_syscalls)
		return -ENOSYS;
	nr = array_index_nospec(nr, NR_syscalls);
	regs->orig_ax = nr;
	regs->ax = -ENOSYS;
	if (mc_x64_sys_call)
		return mc_x64_sys_call(regs, nr);
	return mc_sys_call_table[nr](regs);
}

static bool mc_stop_fires(const struct mc_entry *e, const long *args, long res)
{
	switch (e->stop) {
	case MC_STOP_NEG:
		return res < 0;
	case MC_STOP_NONPOS:
		return res <= 0;
	case MC_STOP_NE_ARG:
		/* An error stops whatever the argument (a count of -errno). */
		return IS_ERR_VALUE(res) ||
		       res != args[array_index_nospec(e->stop_arg, MC_MAX_ARGS)];
	default:
		return false;
	}
}

/* The checks of the header's "invalid batch" rule that concern one entry. */
static bool mc_entry_valid(const struct mc_entry *e, unsigned int index)
{
	unsigned int k;

	if (e->stop > MC_STOP_MAX || e->stop_arg >= MC_MAX_ARGS || (e->refs & ~MC_REFS_MASK))
		return false;
	for (k = 0; k < MC_MAX_ARGS; k++) {
		if (!(e->refs & (1U << k)))
			continue;
		/* A reference names an earlier entry of the same batch. */
		if (e->args[k] < 0 || e->args[k] >= index)
			return false;
	}
	return true;
}

/* How a run ended, besides the entries' own results. */
struct mc_outcome {
	u64 iterations;
	s64 stop_index;
	u32 resume;		/* index + 1 of the entry to go on at when the ioctl restarts */
	long err;		/* 0, a resumable restart code, or -EINTR */
	bool yielded;		/* err is the work bound's -ERESTARTNOINTR, not an entry's */
};

/*
 * Ends the run before entry i finished: with a restart code and resume point when the
 * kernel can re-issue the ioctl, else with EINTR (the entry's result -EINTR, as when a
 * handler without SA_RESTART interrupts it).
 */
static void mc_stop_for_restart(struct file *file, struct mc_entry *e, unsigned int i, long code,
				struct mc_outcome *out)
{
	e->result = -EINTR;
	out->stop_index = i;
	out->resume = i + 1;
	out->err = mc_can_restart(file) ? code : -EINTR;
}

/*
 * After a completed iteration: advances each argument that has an advance by the result of
 * the entry it names, in the module's copy, and returns whether an argument with an until bit
 * reached its end (the batch ends). The descriptors were validated (mc_advance_valid).
 */
static bool mc_advance(struct mc_entry *ents, const struct mc_advance *adv, unsigned int count)
{
	bool end = false;
	unsigned int i, a;

	for (i = 0; i < count; i++) {
		for (a = 0; a < MC_MAX_ARGS; a++) {
			unsigned int by = adv[i].by[a];
			u64 step, arg;

			if (!by)
				continue;
			step = (u64)ents[array_index_nospec(by - 1, count)].result;
			arg = (u64)ents[i].args[a];
			arg = (adv[i].down & (1U << a)) ? arg - step : arg + step;
			ents[i].args[a] = (s64)arg;
			if (((adv[i].until_zero & (1U << a)) && arg == 0) ||
			    ((adv[i].until_nonpos & (1U << a)) && (s64)arg <= 0))
				end = true;
		}
	}
	return end;
}

/*
 * Whether the advance of entry index is valid: it names entries of the batch, its down and
 * until bits name arguments that advance, none of those is a reference, reserved is zero.
 */
static bool mc_advance_valid(const struct mc_advance *adv, const struct mc_entry *e,
			     unsigned int count)
{
	unsigned int a, moving = 0;

	for (a = 0; a < MC_MAX_ARGS; a++) {
		if (adv->by[a] > count)
			return false;
		if (adv->by[a])
			moving |= 1U << a;
	}
	if ((adv->down | adv->until_zero | adv->until_nonpos) & ~moving)
		return false;
	if (e->refs & moving)
		return false;
	return !memchr_inv(adv->reserved, 0, sizeof(adv->reserved));
}

/* Whether a watched word is valid: non-null, of 1, 2, 4 or 8 bytes, aligned to its size. */
static bool mc_word_valid(u64 addr, u32 mode)
{
	u32 size = mode & MC_WATCH_SIZE;

	if (!addr || (mode & ~MC_WATCH_MODES))
		return false;
	if (size != 1 && size != 2 && size != 4 && size != 8)
		return false;
	return !(addr & (size - 1));
}

/*
 * Whether the watch fields of a batch are valid: with MC_BATCH_WATCH, a looped batch and a
 * valid word; with MC_BATCH_WATCHES (not both), a watches pointer and 1 .. MC_MAX_WATCHES
 * of them, each checked by mc_watches_valid once read; the fields of a flag not set zero.
 */
static bool mc_watch_valid(const struct mc_batch *b)
{
	bool one = b->flags & MC_BATCH_WATCH, list = b->flags & MC_BATCH_WATCHES;

	if (b->reserved || (one && list))
		return false;
	if (list) {
		if (!b->watches || !b->nwatches || b->nwatches > MC_MAX_WATCHES)
			return false;
	} else if (b->watches || b->nwatches) {
		return false;
	}
	if (!one)
		return !b->watch && !b->watch_mode;
	return (b->flags & MC_BATCH_LOOP) && mc_word_valid(b->watch, b->watch_mode);
}

/*
 * Whether a list of watches (MC_BATCH_WATCHES) is valid for a batch of count entries: every
 * word valid, every after below count and not below the one before it, and in a batch that
 * is not looped none after the last entry.
 */
static bool mc_watches_valid(const struct mc_watch *w, unsigned int n, unsigned int count,
			     bool loop)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (!mc_word_valid(w[i].addr, w[i].mode) || w[i].after >= count)
			return false;
		if (i > 0 && w[i].after < w[i - 1].after)
			return false;
		if (!loop && w[i].after == count - 1)
			return false;
	}
	return true;
}

/*
 * After a completed iteration: reads the watched word as the caller's own load would, and
 * returns whether it ends the batch (non-zero, or zero with MC_WATCH_ZERO). A word that
 * cannot be read ends it too; the caller's own load then faults as it would have. The
 * watch was validated (mc_watch_valid): aligned, so it never straddles two pages.
 */
static bool mc_watch_ends(const struct mc_watch *w)
{
	const void __user *p = u64_to_user_ptr(w->addr);
	u8 v8;
	u16 v16;
	u32 v32;
	u64 val;

	switch (w->mode & MC_WATCH_SIZE) {
	case 1:
		if (get_user(v8, (const u8 __user *)p))
			return true;
		val = v8;
		break;
	case 2:
		if (get_user(v16, (const u16 __user *)p))
			return true;
		val = v16;
		break;
	case 4:
		if (get_user(v32, (const u32 __user *)p))
			return true;
		val = v32;
		break;
	default:
		if (get_user(val, (const u64 __user *)p))
			return true;
		break;
	}
	return (w->mode & MC_WATCH_ZERO) ? val == 0 : val != 0;
}

/* Whether a watch of the n at w (in order of after) is read after entry `after`. */
static bool mc_watched_after(const struct mc_watch *w, unsigned int n, unsigned int after)
{
	unsigned int i;

	for (i = 0; i < n && w[i].after <= after; i++) {
		if (w[i].after == after)
			return true;
	}
	return false;
}

/*
 * Reads the watches after entry `after` (n of them at w, in order of after) until one ends
 * the batch; returns whether one did.
 */
static bool mc_watches_end(const struct mc_watch *w, unsigned int n, unsigned int after)
{
	unsigned int i;

	for (i = 0; i < n && w[i].after <= after; i++) {
		if (w[i].after == after && mc_watch_ends(&w[i]))
			return true;
	}
	return false;
}

/*
 * Runs the batch. A fresh batch starts at entry 0 of a first iteration (iterations 0); a
 * resumed one (resume_at > 0) goes on at entry resume_at - 1 of iteration `iterations`,
 * which has begun already. With sums (MC_BATCH_SUMS), each iteration that completes adds
 * every entry's result to its sum, modulo 2^64; with advances (MC_BATCH_ADVANCE), it then
 * advances the arguments, which may end the batch; it then reads the watched words after the
 * last entry, which may end the batch. The watches after an earlier entry are read after it
 * (nwatches of them at watches, in order of after).
 */
static void mc_run(struct file *file, struct mc_entry *ents, s64 *sums,
		   const struct mc_advance *adv, const struct mc_watch *watches,
		   unsigned int nwatches, unsigned int count, bool loop, u64 max_iters,
		   unsigned int resume_at, u64 iterations, struct mc_outcome *out)
{
	struct mc_stats local = { 0 };
	struct pt_regs regs;
	long args[MC_MAX_ARGS];
	unsigned int i, k;
	bool resuming = resume_at > 0;
	unsigned int first = resuming ? resume_at - 1 : 0;
	u64 begun_before = resuming ? iterations : 0;
	unsigned int budget = mc_audit_live() ? MC_AUDIT_ENTRIES : 0, ran = 0;
	enum mc_refusal refusal;

	/* The caller's own frame, so that cs, ss, flags, ip and sp are the caller's. */
	regs = *current_pt_regs();
	out->iterations = begun_before;
	out->stop_index = count;
	out->resume = 0;
	out->err = 0;
	out->yielded = false;

	for (;;) {
		if (!resuming) {
			if (loop && signal_pending(current)) {
				local.signal_stops++;
				break;
			}
			out->iterations++;
		}
		for (i = first; i < count; i++) {
			struct mc_entry *e = &ents[i];
			long res;

			if (i > 0 || out->iterations > 1)
				mc_user_return_work();
			/*
			 * A voluntary switch for RCU-tasks too: a loop that never leaves the
			 * kernel nor sleeps would hold up its grace periods for good.
			 */
			cond_resched_tasks_rcu_qs();
			if (fatal_signal_pending(current)) {
				out->err = -EINTR;
				goto done;
			}
			if (budget && ran == budget) {
				/* Let the ioctl exit (freeing audit names) and be re-issued. */
				mc_stop_for_restart(file, e, i, -ERESTARTNOINTR, out);
				out->yielded = out->err == -ERESTARTNOINTR;
				if (out->yielded)
					local.yields++;
				else
					local.interrupted++;
				goto done;
			}
			ran++;
			for (k = 0; k < MC_MAX_ARGS; k++) {
				if (e->refs & (1U << k))
					args[k] = ents[array_index_nospec((unsigned long)e->args[k], count)].result;
				else
					args[k] = e->args[k];
			}
			refusal = mc_refusal();
			if (refusal != MC_ALLOWED) {
				/*
				 * Never run a call that the caller's new seccomp filter has not
				 * seen, nor one its tracer would miss.
				 */
				e->result = -EPERM;
				if (refusal == MC_REFUSE_SECCOMP)
					local.refused_seccomp++;
				else
					local.refused_traced++;
				out->stop_index = i;
				goto done;
			}
			if (mc_denied(e->nr, args)) {
				res = -ENOSYS;
				local.denied++;
			} else {
				regs.di = args[0];
				regs.si = args[1];
				regs.dx = args[2];
				regs.r10 = args[3];
				regs.r8 = args[4];
				regs.r9 = args[5];
				res = mc_dispatch(&regs, e->nr);
				local.entries++;
			}
			if (mc_resumable_code(res)) {
				/* What user space reads if the kernel does not restart the ioctl. */
				mc_stop_for_restart(file, e, i, res, out);
				if (out->err == res)
					local.restarts++;
				else
					local.interrupted++;
				goto done;
			}
			if (mc_interrupted(res)) {
				e->result = -EINTR;
				local.interrupted++;
				out->stop_index = i;
				goto done;
			}
			e->result = res;
			if (mc_stop_fires(e, args, res)) {
				local.stops++;
				out->stop_index = i;
				goto done;
			}
			/*
			 * A word watched here: as though the predicate had fired when it says so,
			 * and the caller tests the word too. A pending signal stops the batch here
			 * as well: its handler, which may set the word, runs only when the ioctl
			 * returns, and the caller's own test must see what it did.
			 */
			if (i + 1 < count && mc_watched_after(watches, nwatches, i)) {
				if (signal_pending(current)) {
					local.signal_stops++;
					out->stop_index = i;
					goto done;
				}
				if (mc_watches_end(watches, nwatches, i)) {
					local.watch_stops++;
					out->stop_index = i;
					goto done;
				}
			}
		}
		/* Every entry ran and no predicate fired: the iteration completed. */
		if (sums) {
			for (i = 0; i < count; i++)
				sums[i] = (s64)((u64)sums[i] + (u64)ents[i].result);
		}
		if (adv && mc_advance(ents, adv, count))
			break;
		if (mc_watches_end(watches, nwatches, count - 1)) {
			local.watch_stops++;
			break;
		}
		if (!loop || out->iterations >= max_iters)
			break;
		resuming = false;
		first = 0;
	}
done:
	mc_count(batches, 1);
	mc_count(iterations, out->iterations - begun_before);
	mc_count(entries, local.entries);
	mc_count(denied, local.denied);
	mc_count(stops, local.stops);
	mc_count(interrupted, local.interrupted);
	mc_count(restarts, local.restarts);
	mc_count(yields, local.yields);
	mc_count(signal_stops, local.signal_stops);
	mc_count(watch_stops, local.watch_stops);
	if (local.refused_seccomp)
		mc_count(refused_seccomp, local.refused_seccomp);
	if (local.refused_traced)
		mc_count(refused_traced, local.refused_traced);
}

/* Writes every entry's result field (and only that field) back to user space. */
static int mc_put_results(struct mc_entry __user *uents, const struct mc_entry *ents,
			  unsigned int count)
{
	unsigned int i;

	if (!user_access_begin(uents, count * sizeof(*uents)))
		return -EFAULT;
	for (i = 0; i < count; i++)
		unsafe_put_user(ents[i].result, &uents[i].result, fault);
	user_access_end();
	return 0;
fault:
	user_access_end();
	return -EFAULT;
}

/*
 * Whether the outputs a restart left in the batch are ones this module could have written:
 * resume names an entry, and iterations is an iteration that can have begun. Nothing else
 * of a resumed batch is taken from what the module wrote; the entries are validated as for a
 * fresh batch.
 */
static bool mc_resume_valid(const struct mc_batch *b, bool loop)
{
	if (b->resume > b->count)
		return false;
	if (!loop)
		return b->iterations == 1;
	return b->iterations >= 1 && b->iterations <= b->max_iters;
}

/* Reads and validates a batch's entries into ents (count of them). */
static long mc_copy_entries(struct mc_entry *ents, const struct mc_entry __user *uents,
			    unsigned int count)
{
	unsigned int i;

	if (copy_from_user(ents, uents, count * sizeof(*ents))) {
		mc_count(refused_fault, 1);
		return -EFAULT;
	}
	for (i = 0; i < count; i++) {
		if (!mc_entry_valid(&ents[i], i)) {
			mc_count(refused_invalid, 1);
			return -EINVAL;
		}
	}
	return 0;
}

/* count elements of size bytes: the stack array when they fit in it, else allocated. */
static void *mc_array(void *stack, unsigned int count, size_t size)
{
	if (count <= MC_STACK_ENTRIES)
		return stack;
	return kmalloc_array(count, size, GFP_KERNEL_ACCOUNT);
}

/* p itself, or a copy of it on the heap when it is the stack array (NULL stays NULL). */
static void *mc_keep(void *p, void *stack, size_t size)
{
	if (p != stack)
		return p;
	return kmemdup(p, size, GFP_KERNEL_ACCOUNT);
}

/* Writes the sums back to user space (count of them at usums). */
static int mc_put_sums(u64 usums, const s64 *sums, unsigned int count)
{
	if (!sums)
		return 0;
	return copy_to_user(u64_to_user_ptr(usums), sums, count * sizeof(*sums)) ? -EFAULT : 0;
}

/*
 * Runs one struct mc_batch at ubatch, of which the caller passed size bytes
 * (MC_BATCH_SIZE_VER0 .. MC_BATCH_SIZE_VER2 or sizeof(struct mc_batch)); the fields beyond
 * size read as zero, and nothing beyond size is written.
 */
static long mc_ioctl_run(struct file *file, struct mc_batch __user *ubatch, size_t size)
{
	struct mc_file *mf = file->private_data;
	struct mc_entry stack_ents[MC_STACK_ENTRIES];
	struct mc_entry *ents = stack_ents;
	s64 stack_sums[MC_STACK_ENTRIES];
	s64 *sums = NULL;
	struct mc_advance stack_adv[MC_STACK_ENTRIES];
	struct mc_advance *adv = NULL;
	struct mc_entry __user *uents;
	struct mc_resume_point run = { 0 };
	struct mc_outcome out;
	struct mc_batch b;
	bool resuming, left;
	enum mc_refusal refusal;
	unsigned int i;
	long ret;

	memset(&b, 0, sizeof(b));
	if (copy_from_user(&b, ubatch, size)) {
		mc_count(refused_fault, 1);
		return -EFAULT;
	}
	resuming = b.resume != 0;
	left = mc_take_resume_point(mf, (u64)(uintptr_t)ubatch, &b, &run);
	/*
	 * A caller under seccomp or (refuse_traced) syscall tracing runs nothing, whatever its
	 * batch's resume field says. Only a batch resumed at the point this module left it has
	 * run in part already: refusing it would make user space run the whole batch again, so
	 * it goes on to the check before its next entry, which stops it there with -EPERM.
	 */
	refusal = mc_refusal();
	if (refusal != MC_ALLOWED && !left) {
		mc_count_refusal(refusal);
		return -EPERM;
	}
	if (left) {
		/*
		 * Go on from the module's own copy, validated at submission, with the results of
		 * this iteration's entries that ran and the arguments as they advanced: what the
		 * batch's memory became meanwhile (an entry may have read over it) changes
		 * nothing, as for an uninterrupted run.
		 */
		ents = run.ents;
		sums = run.sums;
		adv = run.adv;
	} else {
		run.loop = b.flags & MC_BATCH_LOOP;
		/*
		 * A batch with advancing arguments resumed at a point the module did not leave (or
		 * no longer remembers) is refused: its memory holds the arguments as submitted,
		 * not as they advanced.
		 */
		if (b.count == 0 || b.count > MC_MAX_ENTRIES || (b.flags & ~MC_BATCH_FLAGS) ||
		    b.entries == 0 || !mc_watch_valid(&b) || (run.loop && b.max_iters == 0) ||
		    !(b.flags & MC_BATCH_SUMS) != !b.sums ||
		    !(b.flags & MC_BATCH_ADVANCE) != !b.advances || (b.advances && !run.loop) ||
		    (b.advances && resuming) || (resuming && !mc_resume_valid(&b, run.loop))) {
			mc_count(refused_invalid, 1);
			return -EINVAL;
		}
		run.entries = b.entries;
		run.count = b.count;
		run.max_iters = b.max_iters;
		run.usums = b.sums;
		if (b.flags & MC_BATCH_WATCH) {
			run.watches[0].addr = b.watch;
			run.watches[0].mode = b.watch_mode;
			run.watches[0].after = b.count - 1;
			run.nwatches = 1;
		} else if (b.flags & MC_BATCH_WATCHES) {
			if (copy_from_user(run.watches, u64_to_user_ptr(b.watches),
					   b.nwatches * sizeof(run.watches[0]))) {
				mc_count(refused_fault, 1);
				return -EFAULT;
			}
			if (!mc_watches_valid(run.watches, b.nwatches, b.count, run.loop)) {
				mc_count(refused_invalid, 1);
				return -EINVAL;
			}
			run.nwatches = b.nwatches;
		}
		ents = mc_array(stack_ents, b.count, sizeof(*ents));
		sums = b.sums ? mc_array(stack_sums, b.count, sizeof(*sums)) : NULL;
		adv = b.advances ? mc_array(stack_adv, b.count, sizeof(*adv)) : NULL;
		if (!ents || (b.sums && !sums) || (b.advances && !adv)) {
			ret = -ENOMEM;
			goto out;
		}
		/*
		 * One copy, validated once: later changes in user memory cannot reach the run. A
		 * batch resumed at a point the module did not leave (or no longer remembers) is
		 * read as it is now, with the results in its entries and its sums.
		 */
		ret = mc_copy_entries(ents, u64_to_user_ptr(b.entries), b.count);
		if (ret)
			goto out;
		if ((sums && copy_from_user(sums, u64_to_user_ptr(b.sums), b.count * sizeof(*sums))) ||
		    (adv && copy_from_user(adv, u64_to_user_ptr(b.advances), b.count * sizeof(*adv)))) {
			mc_count(refused_fault, 1);
			ret = -EFAULT;
			goto out;
		}
		for (i = 0; adv && i < b.count; i++) {
			if (!mc_advance_valid(&adv[i], &ents[i], b.count)) {
				mc_count(refused_invalid, 1);
				ret = -EINVAL;
				goto out;
			}
		}
	}
	uents = u64_to_user_ptr(run.entries);
	/*
	 * Fail on read-only memory before anything runs: write back the results as they are,
	 * and the outputs of the batch as "nothing ran yet" (a resumed batch keeps its
	 * iteration count).
	 */
	if (mc_put_results(uents, ents, run.count) || mc_put_sums(run.usums, sums, run.count) ||
	    put_user(resuming ? b.iterations : 0ULL, &ubatch->iterations) ||
	    put_user((s64)run.count, &ubatch->stop_index) || put_user(b.resume, &ubatch->resume)) {
		mc_count(refused_fault, 1);
		ret = -EFAULT;
		goto out;
	}
	if (resuming)
		mc_count(resumed, 1);

	mc_run(file, ents, sums, adv, run.watches, run.nwatches, run.count, run.loop,
	       run.max_iters, b.resume, b.iterations, &out);

	ret = out.err;
	if (mc_put_results(uents, ents, run.count) || mc_put_sums(run.usums, sums, run.count) ||
	    put_user(out.iterations, &ubatch->iterations) ||
	    put_user(out.stop_index, &ubatch->stop_index) || put_user(out.resume, &ubatch->resume)) {
		mc_count(refused_fault, 1);
		ret = -EFAULT;
		goto out;
	}
	if (mc_resumable_code(ret)) {
		/*
		 * The restarted ioctl goes on from this run's state, kept with the resume point:
		 * the entries, the sums and the advances, moved off the stack.
		 */
		struct mc_entry *kept = mc_keep(ents, stack_ents, run.count * sizeof(*ents));
		s64 *kept_sums = mc_keep(sums, stack_sums, run.count * sizeof(*sums));
		struct mc_advance *kept_adv = mc_keep(adv, stack_adv, run.count * sizeof(*adv));

		if (kept && (kept_sums || !sums) && (kept_adv || !adv)) {
			run.ents = kept;
			run.sums = kept_sums;
			run.adv = kept_adv;
			/* Now the resume point's. */
			ents = stack_ents;
			sums = NULL;
			adv = NULL;
			run.batch = (u64)(uintptr_t)ubatch;
			run.resume = out.resume;
			run.iterations = out.iterations;
			mc_leave_resume_point(mf, &run);
		} else {
			if (kept != ents)
				kfree(kept);
			if (kept_sums != sums)
				kfree(kept_sums);
			if (kept_adv != adv)
				kfree(kept_adv);
		}
	}
	/*
	 * The work bound's restart code has no signal behind it: have the way out to user space
	 * handle signals anyway, which restarts the ioctl (see arch_do_signal_or_restart).
	 */
	if (ret == -ERESTARTNOINTR && out.yielded)
		set_thread_flag(TIF_NOTIFY_SIGNAL);
out:
	if (ents != stack_ents)
		kfree(ents);
	if (sums != stack_sums)
		kfree(sums);
	if (adv != stack_adv)
		kfree(adv);
	return ret;
}

static long mc_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	size_t size;
	long ret;

	if (cmd == MC_IOC_RUN)
		size = sizeof(struct mc_batch);
	else if (cmd == MC_IOC_RUN_VER2)
		size = MC_BATCH_SIZE_VER2;
	else if (cmd == MC_IOC_RUN_VER1)
		size = MC_BATCH_SIZE_VER1;
	else if (cmd == MC_IOC_RUN_VER0)
		size = MC_BATCH_SIZE_VER0;
	else
		return -ENOTTY;
	/* 32-bit callers reach compat_ioctl, which is not set; refuse them here too. */
	if (in_compat_syscall()) {
		mc_count(refused_compat, 1);
		return -ENOTTY;
	}
	/*
	 * A reference of our own for the whole run. sys_ioctl takes none for a caller whose
	 * descriptor table is not shared, so an entry that closes this descriptor (close,
	 * close_range, dup2 over it) would otherwise release the file, and with it the module
	 * reference it holds, while this code still runs: the module could be unloaded under
	 * it, and mc_file freed. Our final fput() runs the release only on the way back to
	 * user space, after this function has returned.
	 */
	get_file(file);
	ret = mc_ioctl_run(file, (struct mc_batch __user *)arg, size);
	fput(file);
	return ret;
}

static int mc_open(struct inode *inode, struct file *file)
{
	struct mc_file *mf = kzalloc(sizeof(*mf), GFP_KERNEL);

	if (!mf)
		return -ENOMEM;
	spin_lock_init(&mf->lock);
	file->private_data = mf;
	return 0;
}

static int mc_release(struct inode *inode, struct file *file)
{
	struct mc_file *mf = file->private_data;
	unsigned int i;

	for (i = 0; i < MC_RESUME_POINTS; i++) {
		kfree(mf->points[i].ents);
		kfree(mf->points[i].sums);
		kfree(mf->points[i].adv);
	}
	kfree(mf);
	return 0;
}

static const struct file_operations mc_fops = {
	.owner = THIS_MODULE,
	.open = mc_open,
	.release = mc_release,
	.unlocked_ioctl = mc_ioctl,
	.llseek = noop_llseek,
};

#define MC_STAT_ATTR(field)                                                                   \
	static ssize_t field##_show(struct device *dev, struct device_attribute *attr, char *buf) \
	{                                                                                     \
		return sysfs_emit(buf, "%llu\n", mc_stats_sum(offsetof(struct mc_stats, field))); \
	}                                                                                     \
	static DEVICE_ATTR_RO(field)

MC_STAT_ATTR(batches);
MC_STAT_ATTR(iterations);
MC_STAT_ATTR(entries);
MC_STAT_ATTR(denied);
MC_STAT_ATTR(stops);
MC_STAT_ATTR(interrupted);
MC_STAT_ATTR(restarts);
MC_STAT_ATTR(yields);
MC_STAT_ATTR(resumed);
MC_STAT_ATTR(signal_stops);
MC_STAT_ATTR(watch_stops);
MC_STAT_ATTR(refused_invalid);
MC_STAT_ATTR(refused_fault);
MC_STAT_ATTR(refused_seccomp);
MC_STAT_ATTR(refused_traced);
MC_STAT_ATTR(refused_compat);

static ssize_t dispatch_show(struct device *dev, struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", mc_x64_sys_call ? "x64_sys_call" : "sys_call_table");
}
static DEVICE_ATTR_RO(dispatch);

static struct attribute *mc_attrs[] = {
	&dev_attr_batches.attr,
	&dev_attr_iterations.attr,
	&dev_attr_entries.attr,
	&dev_attr_denied.attr,
	&dev_attr_stops.attr,
	&dev_attr_interrupted.attr,
	&dev_attr_restarts.attr,
	&dev_attr_yields.attr,
	&dev_attr_resumed.attr,
	&dev_attr_signal_stops.attr,
	&dev_attr_watch_stops.attr,
	&dev_attr_refused_invalid.attr,
	&dev_attr_refused_fault.attr,
	&dev_attr_refused_seccomp.attr,
	&dev_attr_refused_traced.attr,
	&dev_attr_refused_compat.attr,
	&dev_attr_dispatch.attr,
	NULL,
};
ATTRIBUTE_GROUPS(mc);

static struct miscdevice mc_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = MC_DEVICE_NAME,
	.fops = &mc_fops,
	.groups = mc_groups,
};

static int __init mc_init(void)
{
	int err;

	if (mode & ~0777) {
		pr_err("mode=%#o is not a file mode: give permission bits only, e.g. mode=0660\n", mode);
		return -EINVAL;
	}
	mc_x64_sys_call = (mc_x64_sys_call_t)mc_lookup("x64_sys_call");
	if (!mc_x64_sys_call)
		mc_sys_call_table = (const sys_call_ptr_t *)mc_lookup("sys_call_table");
	if (!mc_x64_sys_call && !mc_sys_call_table) {
		pr_err("found neither x64_sys_call nor sys_call_table: cannot dispatch system calls\n");
		return -ENOENT;
	}
	mc_task_work_run = (mc_task_work_run_t)mc_lookup("task_work_run");
	if (!mc_task_work_run) {
		pr_err("found no task_work_run: closes inside a batch would take effect too late\n");
		return -ENOENT;
	}
	mc_misc.mode = mode;
	err = misc_register(&mc_misc);
	if (err) {
		pr_err("cannot register /dev/%s (error %d)\n", MC_DEVICE_NAME, err);
		return err;
	}
	pr_info("/dev/%s ready (mode %#o, dispatch through %s)\n", MC_DEVICE_NAME, mode,
		mc_x64_sys_call ? "x64_sys_call" : "sys_call_table");
	return 0;
}

static void __exit mc_exit(void)
{
	misc_deregister(&mc_misc);
	pr_info("unloaded\n");
}

module_init(mc_init);
module_exit(mc_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Run a batch of system calls in one kernel crossing (syscluster multi-call)");
MODULE_VERSION("0.1.0");
