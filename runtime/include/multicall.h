/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * libmulticall: run a batch of system calls with the semantics of running them one by one,
 * in as few kernel crossings as the machine allows.
 *
 * The batch format and its semantics are those of the kernel module's uapi header
 * <linux/multicall.h> (kmod/include/uapi/linux/multicall.h), included unchanged below.
 * Build with:  cc prog.c $(pkg-config --cflags --libs multicall)
 *
 * Backends, chosen once per process at first use:
 *   kmod      one ioctl on /dev/multicall per batch or looped batch;
 *   io_uring  linked requests, only for batches that map exactly and only from a measured
 *             batch size (MULTICALL_IO_URING_MIN);
 *   direct    one system call per entry from user space (always there; the reference).
 * MULTICALL_BACKEND=auto|kmod|io_uring|direct forces one; MULTICALL_DEBUG=1 says on stderr
 * why a backend is not used.
 *
 * Every function is thread-safe and safe to call in a forked child.
 */
#ifndef MULTICALL_H
#define MULTICALL_H

#include <linux/multicall.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * Runs entries[0..count) in order. Returns the index of the entry whose stop predicate
 * fired or that was interrupted by a signal (its result is then -EINTR), later entries not
 * having run; count when every entry ran; -1 with errno EINVAL for an invalid batch
 * (nothing ran). Each entry's raw result (-errno on failure) is in its result field.
 * The entries are copied and validated when the call begins and run from that copy: a call
 * of the batch that overwrites the array changes nothing about what runs, and only the
 * result fields are written back, all of them, when the batch returns. The array need not
 * be aligned. The array itself (and every pointer these functions take besides the entries'
 * arguments: iterations, sums, advances, a batch) must be memory the caller may read and
 * write, as for any C function: the user-space backends read it directly, and an invalid
 * pointer there faults as it would in memcpy (only the kernel module's ioctl checks it and
 * fails with EFAULT). Pointers among an entry's arguments are the system call's, checked by
 * the kernel: a bad one gives that entry -EFAULT, as the call on its own would.
 */
long multicall(struct mc_entry *entries, unsigned count);

/*
 * 1 while a batch may save crossings by running through the runtime, 0 once this process
 * runs batches one call at a time: in auto mode (MULTICALL_BACKEND unset or "auto") after
 * the kernel module's device failed to open, with io_uring not chosen. Code that can make a
 * batch's calls itself (the syscall-cluster pass's, which does so after a batch that ran
 * fewer entries) reads it before building a batch and makes the calls itself at 0, unless
 * the runtime may specialise the batch on any backend: five writes or more in a plain batch,
 * two or more in a looped one (merged into one writev), or a copy loop with
 * MC_BATCH_DEAD_BUFFERS (an in-kernel copy). A backend asked for by name keeps it at 1. Read
 * it with a relaxed atomic load; only the runtime writes it.
 */
extern int multicall_batches_pay;

/*
 * Runs the batch again and again until a predicate fires, max_iters iterations have begun,
 * or a signal interrupts it. *iterations (when iterations is not NULL) receives the
 * iterations begun; the entries hold the results of the last one. Returns as multicall().
 * max_iters 0 is EINVAL.
 */
long multicall_loop(struct mc_entry *entries, unsigned count, unsigned long max_iters,
		    unsigned long *iterations);

/*
 * multicall_loop with struct mc_batch flags: MC_BATCH_LOOP (implied) and
 * MC_BATCH_DEAD_BUFFERS, the caller's promise that it does not read the memory the batch's
 * calls write (a read's buffer) after the batch. With it, a copy loop
 *     e[0] = read(in, buf, N)                      stop MC_STOP_NONPOS
 *     e[1] = write(out, buf, <result of e[0]>)     stop MC_STOP_NE_ARG, stop_arg 2
 *                                                  (or MC_STOP_NEG: its count unchecked)
 * runs as copy_file_range, sendfile or splice in large chunks wherever the outcome is that
 * of the plain loop (the same bytes, file offsets, results of the last iteration,
 * iterations, stop index and errors), and as the plain loop from the point where it could
 * differ (docs/runtime.md, "Specialised copy loops"). The buffer's contents after the batch
 * are unspecified; with MC_BATCH_LIVE_AT_STOP as well, they are unspecified only after a stop
 * at entry 0 (the caller may read the buffer after a stop at the write, e.g. to finish a
 * short write: the runtime leaves there what the plain loop would, and copies from a regular
 * file input only). Any other batch runs as with multicall_loop. Other flags: -1, EINVAL.
 */
long multicall_loop_flags(struct mc_entry *entries, unsigned count, unsigned long max_iters,
			  unsigned long *iterations, unsigned flags);

/*
 * multicall_loop_flags with result sums (MC_BATCH_SUMS, set by this call): sums holds count
 * values, and each iteration that completes (every entry ran, no predicate fired) adds each
 * entry's result to its value, modulo 2^64. After a stop at entry i of iteration n, they grew
 * by iterations 1 .. n-1; after the bound or a pending signal, by every iteration begun. They
 * are untouched when the call returns -1 before running anything. flags: as for
 * multicall_loop_flags. A null sums is EINVAL.
 */
long multicall_loop_sums(struct mc_entry *entries, unsigned count, unsigned long max_iters,
			 unsigned long *iterations, unsigned flags, long long *sums);

/* The same, always on the direct backend: the reference semantics. */
long multicall_direct(struct mc_entry *entries, unsigned count);
long multicall_loop_direct(struct mc_entry *entries, unsigned count, unsigned long max_iters,
			   unsigned long *iterations);

/*
 * Runs a whole struct mc_batch as the module's MC_IOC_RUN would, on the backend the runtime
 * picks: entries, count, flags and the fields that go with them: MC_BATCH_LOOP (max_iters),
 * MC_BATCH_DEAD_BUFFERS and MC_BATCH_LIVE_AT_STOP (as for multicall_loop_flags),
 * MC_BATCH_SUMS (sums), MC_BATCH_ADVANCE (advances), MC_BATCH_WATCH (watch, watch_mode),
 * MC_BATCH_WATCHES (watches, nwatches). The fields after watch (watches, nwatches, reserved)
 * are read only when flags has MC_BATCH_WATCHES, so a caller built against the 72-byte
 * struct of an older header runs unchanged. Writes iterations and stop_index and returns the stop index; -1 with errno EINVAL for a
 * batch the header calls invalid, or a non-zero resume (a resume point belongs to the
 * module), in which case nothing ran.
 *
 * With MC_BATCH_WATCH, the integer of watch_mode & MC_WATCH_SIZE bytes (1, 2, 4 or 8) at
 * watch, naturally aligned, is read after each iteration that completes, never before the
 * first, with one load of its width, as the loop's own test of a volatile sig_atomic_t flag
 * reads it; when it is non-zero (MC_WATCH_ZERO: zero) the batch ends with stop_index count,
 * as at the bound. A signal handler that a call of the batch runs (SIGPIPE, SIGXFSZ) has set
 * it by then. A batch with a watch never runs as an in-kernel copy. The word must stay
 * readable while the batch runs: on the direct and io_uring backends the runtime's load of
 * an unreadable word faults where the loop's own test would, before the results are written
 * back.
 *
 * With MC_BATCH_WATCHES, each struct mc_watch of the list is read after its entry (after),
 * as the uapi header says: one after an earlier entry than the last in every iteration,
 * ending the batch at that entry (stop_index = after) when it says so, as the program's own
 * `if (a || b)` between two calls would. Such a batch runs its calls one at a time on the
 * direct backend when io_uring is asked for (io_uring sends a whole iteration at once), and
 * never merges two writes that a word is read between.
 */
long multicall_run_batch(struct mc_batch *batch);

/* "kmod", "io_uring" or "direct": the backend that runs batches in this process. */
const char *multicall_backend(void);

/* The backend that would run this batch (as a looped batch when looped is non-zero). */
const char *multicall_backend_for(const struct mc_entry *entries, unsigned count, int looped);

/*
 * The libc convention for a raw result: returns raw, or -1 with errno = -raw when raw is in
 * -4095..-1. For programs that call this API by hand; code lowered by the syscall-cluster
 * pass sets errno inline where the original call returned.
 */
long multicall_libc_result(long raw);

/*
 * A signal restorer for an rt_sigaction entry (sa_restorer with SA_RESTORER set, as glibc's
 * sigaction sets its own): it makes rt_sigreturn, with the instruction bytes unwinders
 * recognise a signal frame by. The pass lowers sigaction(sig, act, NULL) with it.
 */
extern void (*const multicall_sa_restorer)(void);

#ifdef __cplusplus
}
#endif

#endif /* MULTICALL_H */
