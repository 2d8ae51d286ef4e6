/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note OR MIT */
/*
 * multicall: run a batch of system calls in one kernel crossing.
 *
 * This header is the single source of truth for the multi-call ABI. The kernel module
 * (kmod/), the runtime library (runtime/include/multicall.h includes this file unchanged),
 * the runtime's Rust mirror and the LLVM pass's lowering all follow it; tests compare their
 * sizes and offsets with the ones a C compiler gives for this file.
 *
 * Semantics (identical on every backend, and identical to running the calls one by one):
 *
 *  - Entries run in order. Each entry's raw kernel result (-errno on failure) is written to
 *    its result field.
 *  - The batch is read once, when it is submitted, and runs from that copy: calls of the
 *    batch that write to the caller's entries change neither which calls run nor their
 *    arguments, predicates or references, in this iteration or a later one. Only the result
 *    fields are written back to the caller's entries, every one of them, when the batch
 *    returns (and before a restart, see Resuming); an entry that did not run gets back the
 *    result it was submitted with or had after an earlier iteration.
 *  - After an entry runs, its stop predicate is tested on its result. When it fires, later
 *    entries do not run and the batch reports that entry's index. Otherwise the batch
 *    reports count.
 *  - Bit i of refs means args[i] is not a value but the index of an EARLIER entry of the same
 *    batch (same iteration of a loop); the value used is that entry's result.
 *    MC_STOP_NE_ARG compares with the argument after this substitution.
 *  - An entry interrupted by a signal behaves as the same call made on its own: it is
 *    restarted where the kernel would restart it (SA_RESTART handlers for -ERESTARTSYS,
 *    always for -ERESTARTNOINTR, signals with no handler, e.g. SIGSTOP/SIGCONT), and the
 *    batch goes on with it; otherwise its result is -EINTR and the batch stops there, the
 *    handler running when the batch returns. The kernel module does this by returning the
 *    restart code from the ioctl with a resume point (resume, below), so that the kernel's
 *    own signal delivery restarts the ioctl or fails it with EINTR. One exception:
 *    -ERESTART_RESTARTBLOCK (nanosleep, clock_nanosleep, poll and select with a timeout)
 *    restarts through restart_syscall, not through the ioctl: it is always reported as
 *    -EINTR and stops the batch, also where the call on its own would have been resumed
 *    transparently (a signal with no handler that stops and continues the process).
 *  - Any entry whose result is -EINTR stops the batch, whatever its predicate.
 *  - Calls that depend on the caller's register frame or process identity are not run:
 *    their result is -ENOSYS (and the predicate is tested on that). They are the calls of
 *    MC_FOR_EACH_NEVER_RUN below, numbers with the x32 bit, and an ioctl whose command is
 *    MC_IOC_RUN or one of its older sizes, MC_IOC_RUN_VER0 .. MC_IOC_RUN_VER2 (a batch cannot
 *    run a batch).
 *  - Results from -MC_MAX_ERRNO to -1 are errors (-errno); any other value is a success.
 *  - A looped batch (MC_BATCH_LOOP) runs the whole batch again and again until a predicate
 *    fires, max_iters iterations have run, or a signal is pending at the start of an
 *    iteration. iterations counts the iterations begun; entries hold the results of the
 *    last one.
 *  - Result sums (MC_BATCH_SUMS): sums points to count __s64, read when the batch is
 *    submitted and written back with the results. Each iteration that completes (every
 *    entry ran and no predicate fired, no interruption) adds each entry's result to its
 *    sum, modulo 2^64; an iteration that stops adds nothing. So after a looped batch that
 *    stopped at entry i of iteration n, sums[j] grew by entry j's results of iterations
 *    1 .. n-1 (of iterations 1 .. n when it ended at the bound or a pending signal): what
 *    a loop's running total `total += result` holds at that exit. Like the entries, the
 *    sums are the batch's own copy while it runs: a call of the batch that writes over
 *    the caller's array changes nothing, and a restart goes on from the copy.
 *  - Advancing arguments (MC_BATCH_ADVANCE, looped batches only): advances points to count
 *    struct mc_advance, one per entry, read when the batch is submitted. After each
 *    iteration that completes, each argument a of entry i with by[a] = k + 1 advances by
 *    entry k's result of that iteration: args[a] += result, or -= when bit a of down is
 *    set (modulo 2^64), in the batch's own copy; the next iteration runs with the advanced
 *    arguments. Then, if for some entry an argument a with bit a of until_zero is 0, or one
 *    with bit a of until_nonpos is <= 0, the batch ends there: stop_index is count, as at
 *    the bound or a pending signal, and the caller tells them apart by the arguments'
 *    values (with MC_BATCH_SUMS, the initial value plus or minus the sum). A write-all loop
 *    `while (left > 0) { n = write(fd, p, left); if (n < 0) break; p += n; left -= n; }` is
 *    one entry write(fd, p, left) stopping on n < 0, with by[1] = by[2] = 1, bit 2 of down
 *    and bit 2 of until_nonpos. Advanced arguments are never written back; a restart goes
 *    on with them.
 *  - A watched word (MC_BATCH_WATCH, looped batches only): watch points to a naturally aligned
 *    integer of watch_mode & MC_WATCH_SIZE bytes (1, 2, 4 or 8). After each iteration that
 *    completes (after the advancing arguments' tests, before the bound), the batch reads it,
 *    as the program's own load would; when it is non-zero (with MC_WATCH_ZERO: when it is
 *    zero) the batch ends there: stop_index is count, as at the bound. A watch that cannot
 *    be read ends the batch the same way (the caller's own load then faults as it would
 *    have). It is not read before the first iteration: the caller tested it before the
 *    batch. This is a loop's test of a flag after each iteration, `while (!stop)` on a
 *    volatile sig_atomic_t that a signal handler sets: a handler run by a call of the batch
 *    (SIGPIPE, SIGXFSZ on the direct backend) or between two iterations is seen before the
 *    next iteration begins, as the loop's test sees it. The caller tells the watch from the
 *    bound by reading the word again.
 *  - Several watched words (MC_BATCH_WATCHES): watches points to nwatches struct mc_watch
 *    (1 .. MC_MAX_WATCHES), read when the batch is submitted, in order of their after
 *    field. Each word is read as MC_BATCH_WATCH's is (its size and MC_WATCH_ZERO in mode,
 *    a word that cannot be read ends the batch), at its own point: after entry `after` has
 *    run, when that entry was not interrupted and its predicate did not fire. A watch after
 *    the last entry (after == count - 1) is read after each iteration that completes, as
 *    MC_BATCH_WATCH's word (after the advancing arguments' tests, never before the first
 *    iteration, stop_index count when it ends the batch). A watch after an earlier entry is
 *    read in every iteration, the first included; when it says to end, later entries do
 *    not run, the iteration does not complete (it adds nothing to the sums, advances
 *    nothing) and the batch reports stop_index = after, as though that entry's predicate
 *    had fired: the caller tells them apart by testing the entry's result, and goes on as
 *    its own code does after that entry, where it tests the word. The batch stops there the
 *    same way when a signal is pending after that entry (the module: a handler, which may
 *    set the word, runs only when the batch returns, and the caller's test must see it). Watches at one point are
 *    read in array order, and the first that says to end ends the batch without reading
 *    the others, as `a || b` reads a, then b only when a is zero. A resumed batch does not
 *    read again the watches after the entries of its iteration that ran before the
 *    restart. This is dd's `if (interrupt_signal || info_signal_count)` before each read
 *    and each write.
 *  - An invalid batch (count 0 or above MC_MAX_ENTRIES, an unknown stop code, a stop_arg
 *    above 5, a reference to the entry itself or a later one, unknown flags, a looped batch
 *    with max_iters 0, MC_BATCH_SUMS with a null sums pointer or sums without it, the same
 *    for MC_BATCH_ADVANCE and advances, MC_BATCH_ADVANCE without MC_BATCH_LOOP, an advance
 *    by an entry at or above count, MC_BATCH_WATCH without MC_BATCH_LOOP or with a null or
 *    misaligned watch, a size other than 1, 2, 4 or 8 or unknown bits in watch_mode, a
 *    non-zero watch or watch_mode without MC_BATCH_WATCH, MC_BATCH_WATCHES with
 *    MC_BATCH_WATCH, with a null watches pointer, nwatches 0 or above MC_MAX_WATCHES, a
 *    watch of a null, misaligned or badly sized word, unknown mode bits, an after at or
 *    above count, after fields out of order, or in a batch that is not looped a watch after
 *    its last entry, a non-zero watches or nwatches without MC_BATCH_WATCHES, a non-zero
 *    reserved field, down, until_zero or
 *    until_nonpos bits for arguments that do not advance or above bit 5, an argument that
 *    both advances and is a reference, non-zero reserved fields of struct mc_advance, a
 *    resume above count, a resume with iterations 0 or above max_iters, or other than 1
 *    without MC_BATCH_LOOP) is refused with EINVAL before any entry runs.
 *
 * Resuming (MC_IOC_RUN and restarts). User space sets resume to 0 for every new batch.
 * When an entry's call returns -ERESTARTSYS, -ERESTARTNOINTR or -ERESTARTNOHAND, the module
 * writes back the results so far, stop_index = that entry, iterations, that entry's result
 * = -EINTR and resume = its index + 1, and the ioctl returns the restart code to signal
 * delivery. If the kernel restarts the ioctl, it is issued again with the same struct
 * mc_batch, and the module goes on at entry resume - 1 of iteration `iterations`, from the
 * batch as it was submitted (references to earlier entries of that iteration use the
 * results they gave). If not, the ioctl fails with EINTR and the batch reads as stopped at that
 * entry with -EINTR. A batch that ran to its end has resume 0 again. An EINTR with resume 0
 * means the caller has a fatal signal pending (it is being killed).
 */
#ifndef _UAPI_LINUX_MULTICALL_H
#define _UAPI_LINUX_MULTICALL_H

#include <linux/types.h>
#include <linux/ioctl.h>

/* Most entries in one batch. */
#define MC_MAX_ENTRIES		64
/* Most watched words of one batch (MC_BATCH_WATCHES). */
#define MC_MAX_WATCHES		8
/* Arguments of one system call. */
#define MC_MAX_ARGS		6

/* Raw results from -MC_MAX_ERRNO to -1 are errors (the kernel's MAX_ERRNO). */
#define MC_MAX_ERRNO		4095

/*
 * The calls a batch never runs (result -ENOSYS): X(name) for each, name as in __NR_name.
 * They depend on the caller's register frame or process identity.
 */
#define MC_FOR_EACH_NEVER_RUN(X)					\
	X(rt_sigreturn) X(clone) X(clone3) X(fork) X(vfork)		\
	X(execve) X(execveat) X(exit) X(exit_group) X(iopl)

/* Stop predicates (struct mc_entry.stop). */
#define MC_STOP_NEVER		0	/* never stop after this entry */
#define MC_STOP_NEG		1	/* stop when result < 0 (an error) */
#define MC_STOP_NONPOS		2	/* stop when result <= 0 (error or end of file) */
#define MC_STOP_NE_ARG		3	/* stop when result != args[stop_arg] (short transfer)
					   or result is an error */
#define MC_STOP_MAX		MC_STOP_NE_ARG

/* One system call of a batch: 64 bytes. */
struct mc_entry {
	__u32 nr;		/* x86-64 system call number */
	__u8  stop;		/* MC_STOP_* */
	__u8  stop_arg;		/* argument compared by MC_STOP_NE_ARG */
	__u16 refs;		/* bit i: args[i] is the index of an earlier entry */
	__s64 args[MC_MAX_ARGS];
	__s64 result;		/* out: raw kernel result, -errno on failure */
};

/* struct mc_batch.flags */
#define MC_BATCH_LOOP		(1U << 0)	/* repeat the batch (looped multi-call) */
#define MC_BATCH_SUMS		(1U << 2)	/* keep per-entry result sums (sums) */
#define MC_BATCH_ADVANCE	(1U << 3)	/* arguments advance by results (advances) */
#define MC_BATCH_WATCH		(1U << 5)	/* end when a watched word says so (watch) */
#define MC_BATCH_WATCHES	(1U << 6)	/* watched words after given entries (watches) */
#define MC_BATCH_FLAGS		(MC_BATCH_LOOP | MC_BATCH_SUMS | MC_BATCH_ADVANCE | \
				 MC_BATCH_WATCH | MC_BATCH_WATCHES)

/* struct mc_batch.watch_mode (MC_BATCH_WATCH) */
#define MC_WATCH_SIZE		0xfU		/* bytes of the watched integer: 1, 2, 4, 8 */
#define MC_WATCH_ZERO		(1U << 4)	/* end when it is zero (else: when non-zero) */
#define MC_WATCH_MODES		(MC_WATCH_SIZE | MC_WATCH_ZERO)

/* One of several watched words (MC_BATCH_WATCHES): 16 bytes. */
struct mc_watch {
	__u64 addr;		/* user pointer to the integer, aligned to its size */
	__u32 mode;		/* MC_WATCH_*: its size, and whether zero ends the batch */
	__u32 after;		/* read after this entry: 0 .. count - 1 */
};
/*
 * For libmulticall only, never in a struct mc_batch given to the module (which refuses it
 * as an unknown flag; the runtime strips it before any backend sees the batch): a promise
 * that the memory the batch's calls write (a read's buffer) is dead after the batch, so
 * that only results, file contents, file offsets and other kernel state must be those of
 * the calls run one by one. It lets a looped copy loop, read(in, buf, N) with
 * MC_STOP_NONPOS then write(out, buf, <result of entry 0>) with MC_STOP_NE_ARG on
 * argument 2 (or MC_STOP_NEG: a write whose count is not checked), run as
 * copy_file_range, sendfile or splice (docs/runtime.md).
 */
#define MC_BATCH_DEAD_BUFFERS	(1U << 1)
/*
 * For libmulticall only, with MC_BATCH_DEAD_BUFFERS: the memory is dead after the batch
 * only when the batch completes its iterations or stops at entry 0; after a stop at a later
 * entry (a copy loop's short or failed write) the caller may read it, and it holds what the
 * calls run one by one would have left there.
 */
#define MC_BATCH_LIVE_AT_STOP	(1U << 4)

/* How the arguments of one entry advance (MC_BATCH_ADVANCE): 16 bytes. */
struct mc_advance {
	__u8 by[MC_MAX_ARGS];	/* 0: args[a] stays; k + 1: it advances by entry k's result */
	__u8 down;		/* bit a: args[a] goes down by that result */
	__u8 until_zero;	/* bit a: the batch ends when args[a] is 0 after advancing */
	__u8 until_nonpos;	/* bit a: the batch ends when args[a] is <= 0 after advancing */
	__u8 reserved[7];	/* must be zero */
};

/*
 * Argument of MC_IOC_RUN: 88 bytes. MC_IOC_RUN_VER0 takes its first MC_BATCH_SIZE_VER0 bytes
 * (everything before sums), as a batch without MC_BATCH_SUMS, MC_BATCH_ADVANCE,
 * MC_BATCH_WATCH or MC_BATCH_WATCHES; MC_IOC_RUN_VER1 its first MC_BATCH_SIZE_VER1 bytes
 * (everything before watch), as a batch without MC_BATCH_WATCH or MC_BATCH_WATCHES;
 * MC_IOC_RUN_VER2 its first MC_BATCH_SIZE_VER2 bytes (everything before watches), as a
 * batch without MC_BATCH_WATCHES.
 */
struct mc_batch {
	__u64 entries;		/* user pointer to struct mc_entry[count] */
	__u32 count;		/* 1 .. MC_MAX_ENTRIES */
	__u32 flags;		/* MC_BATCH_* */
	__u64 max_iters;	/* MC_BATCH_LOOP: most iterations (>= 1) */
	__u64 iterations;	/* out: iterations begun (1 without MC_BATCH_LOOP) */
	__s64 stop_index;	/* out: entry whose predicate fired, or count */
	__u32 resume;		/* 0 for a new batch; in/out: index + 1 of the entry to go on at */
	__u32 watch_mode;	/* MC_BATCH_WATCH: MC_WATCH_*; else 0 */
	__u64 sums;		/* MC_BATCH_SUMS: user pointer to __s64[count], in/out; else 0 */
	__u64 advances;		/* MC_BATCH_ADVANCE: user pointer to struct mc_advance[count] */
	__u64 watch;		/* MC_BATCH_WATCH: user pointer to the watched integer; else 0 */
	__u64 watches;		/* MC_BATCH_WATCHES: user pointer to struct mc_watch[nwatches] */
	__u32 nwatches;		/* MC_BATCH_WATCHES: 1 .. MC_MAX_WATCHES; else 0 */
	__u32 reserved;		/* must be zero */
};

#define MC_BATCH_SIZE_VER0	48
#define MC_BATCH_SIZE_VER1	64
#define MC_BATCH_SIZE_VER2	72

#define MC_IOC_MAGIC		0xB7
#define MC_IOC_RUN		_IOWR(MC_IOC_MAGIC, 1, struct mc_batch)
#define MC_IOC_RUN_VER0		_IOC(_IOC_READ | _IOC_WRITE, MC_IOC_MAGIC, 1, MC_BATCH_SIZE_VER0)
#define MC_IOC_RUN_VER1		_IOC(_IOC_READ | _IOC_WRITE, MC_IOC_MAGIC, 1, MC_BATCH_SIZE_VER1)
#define MC_IOC_RUN_VER2		_IOC(_IOC_READ | _IOC_WRITE, MC_IOC_MAGIC, 1, MC_BATCH_SIZE_VER2)

/* The misc device. */
#define MC_DEVICE_NAME		"multicall"
#define MC_DEVICE_PATH		"/dev/multicall"

#endif /* _UAPI_LINUX_MULTICALL_H */
