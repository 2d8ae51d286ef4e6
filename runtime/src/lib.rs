//! libmulticall: executes a batch of system calls with the semantics of running them one by
//! one, in as few kernel crossings as the machine allows.
//!
//! The batch format is the multi-call ABI of `kmod/include/uapi/linux/multicall.h`,
//! mirrored in [`abi`]. Code lowered by the syscall-cluster pass, and programmers by hand,
//! call the C API below (declared in `runtime/include/multicall.h`):
//!
//! ```c
//! struct mc_entry e[2] = {
//!     { .nr = SYS_read,  .stop = MC_STOP_NONPOS, .args = { in, (long)buf, sizeof buf } },
//!     { .nr = SYS_write, .stop = MC_STOP_NE_ARG, .stop_arg = 2, .refs = 1 << 2,
//!       .args = { out, (long)buf, 0 /* = result of entry 0 */ } },
//! };
//! unsigned long iters;
//! long stop = multicall_loop(e, 2, ~0UL, &iters);   /* the whole copy loop, in one call */
//! ```
//!
//! Backends ([`backend`]): the kernel module ([`kmod`]), io_uring ([`uring`]) and direct
//! system calls ([`direct`], the reference). The choice is made once, at first use.

pub mod backend;
pub mod batch;
pub mod copy;
pub mod descriptor;
pub mod direct;
mod errno;
pub mod fds;
pub mod kmod;
pub mod merge;
pub mod restorer;
pub mod sys;
pub mod uring;

pub use abi::{McBatch, McEntry};
pub use backend::{runtime, Backend, PerEntry, Request, RunError, Runtime};
pub use batch::{Batch, BatchError, Outcome};
/// The multi-call ABI (the `multicall-abi` crate, a mirror of the uapi header).
pub use multicall_abi as abi;

use std::ffi::{c_char, c_long, c_uint, c_ulong};
use std::ptr::null_mut;

/// Runs `entries` once on the selected backend.
///
/// # Safety
///
/// The entries' system calls are made as described, so they must be calls the caller
/// could make soundly itself with `libc::syscall` (buffers valid for their lengths, no
/// unmapping of memory Rust still uses, ...).
pub unsafe fn run(entries: &mut [McEntry]) -> Result<Outcome, RunError> {
    // SAFETY: a unique slice of valid entries; the calls are the caller's contract.
    unsafe { runtime().run(entries.as_mut_ptr(), entries.len(), None) }
}

/// Runs `entries` as a looped batch of at most `max_iters` iterations.
///
/// # Safety
///
/// As for [`run`].
pub unsafe fn run_loop(entries: &mut [McEntry], max_iters: u64) -> Result<Outcome, RunError> {
    // SAFETY: as for `run`.
    unsafe { runtime().run(entries.as_mut_ptr(), entries.len(), Some(max_iters)) }
}

/// Runs `entries` as a looped batch of at most `max_iters` iterations with `struct mc_batch`
/// flags (`MC_BATCH_LOOP`, implied, `MC_BATCH_DEAD_BUFFERS` and `MC_BATCH_LIVE_AT_STOP`, see
/// [`copy`]).
///
/// # Safety
///
/// As for [`run`]; with `MC_BATCH_DEAD_BUFFERS`, the caller does not read the memory the
/// batch's calls write after it returns (with `MC_BATCH_LIVE_AT_STOP`: unless it stopped past
/// entry 0).
pub unsafe fn run_loop_flags(
    entries: &mut [McEntry],
    max_iters: u64,
    flags: u32,
) -> Result<Outcome, RunError> {
    // SAFETY: as for `run`, and the caller's promise about the buffers.
    unsafe {
        runtime().run_flags(
            None,
            entries.as_mut_ptr(),
            entries.len(),
            Some(max_iters),
            flags,
            PerEntry::NONE,
        )
    }
}

/// Runs `entries` on `backend` when it can run them exactly, else on the direct backend;
/// looped when `max_iters` is given.
///
/// # Safety
///
/// As for [`run`].
pub unsafe fn run_with(
    backend: Backend,
    entries: &mut [McEntry],
    max_iters: Option<u64>,
) -> Result<Outcome, RunError> {
    // SAFETY: as for `run`.
    unsafe { runtime().run_with(backend, entries.as_mut_ptr(), entries.len(), max_iters) }
}

/// The one worker behind the C entry points that run a batch: runs `count` entries at
/// `entries` on `choice` (the backend the runtime picks when `None`), looped when
/// `max_iters` is given; stores the iterations in `*iterations` when it is not null; returns
/// the stop index, or -1 with errno set when the batch did not run. errno is otherwise left
/// as it was found (a failed entry's -errno stays in its result).
///
/// # Safety
///
/// `entries` is null or points to `count` writable entries, the system calls are ones the
/// caller could make itself, `iterations` is null or points to a writable unsigned long, and
/// `arrays` is as [`PerEntry`] says for `flags`.
#[inline]
unsafe fn submit(
    choice: Option<Backend>,
    entries: *mut McEntry,
    count: c_uint,
    max_iters: Option<u64>,
    iterations: *mut c_ulong,
    flags: u32,
    arrays: PerEntry,
) -> c_long {
    let count = count as usize;
    // SAFETY: forwarded from the caller.
    let outcome = unsafe { runtime().run_flags(choice, entries, count, max_iters, flags, arrays) };
    match outcome {
        Ok(outcome) => {
            if !iterations.is_null() {
                // SAFETY: the caller passed a non-null pointer to an unsigned long.
                unsafe { *iterations = outcome.iterations as c_ulong };
            }
            outcome.stop_index as c_long
        }
        Err(err) => {
            errno::set(err.errno());
            -1
        }
    }
}

/// `long multicall(struct mc_entry *entries, unsigned count)`: runs the entries in order;
/// returns the index of the entry whose stop predicate fired (or that was interrupted by a
/// signal), or `count`; -1 with errno EINVAL for an invalid batch (nothing ran).
///
/// # Safety
///
/// `entries` is null or points to `count` writable entries; the system calls are ones the
/// caller could make itself.
#[no_mangle]
pub unsafe extern "C" fn multicall(entries: *mut McEntry, count: c_uint) -> c_long {
    // SAFETY: forwarded from the caller.
    unsafe { submit(None, entries, count, None, null_mut(), 0, PerEntry::NONE) }
}

/// `long multicall_loop(struct mc_entry *, unsigned count, unsigned long max_iters,
/// unsigned long *iterations)`: repeats the batch until a predicate fires, `max_iters`
/// iterations have begun, or a signal interrupts it; stores the iterations begun in
/// `*iterations` (when not null) and returns as `multicall` does. `max_iters` 0 is EINVAL.
///
/// # Safety
///
/// As for [`multicall`]; `iterations` is null or points to a writable unsigned long.
#[no_mangle]
pub unsafe extern "C" fn multicall_loop(
    entries: *mut McEntry,
    count: c_uint,
    max_iters: c_ulong,
    iterations: *mut c_ulong,
) -> c_long {
    // SAFETY: forwarded from the caller.
    unsafe { multicall_loop_flags(entries, count, max_iters, iterations, 0) }
}

/// `long multicall_direct(struct mc_entry *, unsigned count)`: as [`multicall`], always on
/// the direct backend (the reference semantics).
///
/// # Safety
///
/// As for [`multicall`].
#[no_mangle]
pub unsafe extern "C" fn multicall_direct(entries: *mut McEntry, count: c_uint) -> c_long {
    // SAFETY: forwarded from the caller.
    unsafe {
        submit(
            Some(Backend::Direct),
            entries,
            count,
            None,
            null_mut(),
            0,
            PerEntry::NONE,
        )
    }
}

/// `long multicall_loop_direct(...)`: as [`multicall_loop`], always on the direct backend.
///
/// # Safety
///
/// As for [`multicall_loop`].
#[no_mangle]
pub unsafe extern "C" fn multicall_loop_direct(
    entries: *mut McEntry,
    count: c_uint,
    max_iters: c_ulong,
    iterations: *mut c_ulong,
) -> c_long {
    // SAFETY: forwarded from the caller.
    unsafe {
        submit(
            Some(Backend::Direct),
            entries,
            count,
            Some(max_iters),
            iterations,
            0,
            PerEntry::NONE,
        )
    }
}

/// `long multicall_loop_flags(struct mc_entry *, unsigned count, unsigned long max_iters,
/// unsigned long *iterations, unsigned flags)`: as [`multicall_loop`], with `struct
/// mc_batch` flags: `MC_BATCH_LOOP` (implied) and `MC_BATCH_DEAD_BUFFERS`, which lets a
/// copy loop run as `copy_file_range`, `sendfile` or `splice` ([`copy`]), with
/// `MC_BATCH_LIVE_AT_STOP` when the caller reads the buffer after a stop past entry 0.
/// Other flags are EINVAL.
///
/// # Safety
///
/// As for [`multicall_loop`]; with `MC_BATCH_DEAD_BUFFERS`, the caller does not read the
/// memory the batch's calls write after it returns (with `MC_BATCH_LIVE_AT_STOP`: unless it
/// stopped past entry 0).
#[no_mangle]
pub unsafe extern "C" fn multicall_loop_flags(
    entries: *mut McEntry,
    count: c_uint,
    max_iters: c_ulong,
    iterations: *mut c_ulong,
    flags: c_uint,
) -> c_long {
    // SAFETY: forwarded from the caller.
    unsafe {
        submit(
            None,
            entries,
            count,
            Some(max_iters),
            iterations,
            flags,
            PerEntry::NONE,
        )
    }
}

/// `long multicall_loop_sums(struct mc_entry *, unsigned count, unsigned long max_iters,
/// unsigned long *iterations, unsigned flags, long long *sums)`: as
/// [`multicall_loop_flags`], keeping result sums (`MC_BATCH_SUMS`, implied): each iteration
/// that completes adds every entry's result to `sums[i]` (modulo 2^64). A null `sums` is
/// EINVAL; `sums` is untouched when nothing ran.
///
/// # Safety
///
/// As for [`multicall_loop_flags`]; `sums` is null or points to `count` readable and
/// writable `long long`s.
#[no_mangle]
pub unsafe extern "C" fn multicall_loop_sums(
    entries: *mut McEntry,
    count: c_uint,
    max_iters: c_ulong,
    iterations: *mut c_ulong,
    flags: c_uint,
    sums: *mut i64,
) -> c_long {
    // SAFETY: forwarded from the caller (a null sums is refused with EINVAL).
    unsafe {
        submit(
            None,
            entries,
            count,
            Some(max_iters),
            iterations,
            flags | abi::MC_BATCH_SUMS,
            PerEntry {
                sums,
                ..PerEntry::NONE
            },
        )
    }
}

/// `long multicall_run_batch(struct mc_batch *batch)`: runs the batch as the kernel module's
/// `MC_IOC_RUN` would, on the backend the runtime picks ([`Runtime::run_batch`]): its entries,
/// count, flags (`MC_BATCH_LOOP` with `max_iters`, `MC_BATCH_DEAD_BUFFERS` and
/// `MC_BATCH_LIVE_AT_STOP`, `MC_BATCH_SUMS` with `sums`, `MC_BATCH_ADVANCE` with
/// `advances`, `MC_BATCH_WATCH` with `watch` and `watch_mode`); writes `iterations` and
/// `stop_index` and returns the stop index, or -1 with errno EINVAL for an invalid batch (by
/// the header's list, and a non-zero `resume`: a resume point belongs to the module), in
/// which case nothing ran.
///
/// # Safety
///
/// `batch` is null or points to a readable and writable `struct mc_batch` whose pointers
/// are as for [`multicall_loop_sums`] and [`PerEntry`], and whose `watch`, with
/// `MC_BATCH_WATCH`, is readable after each iteration (as the caller's own loop test needs
/// it); the system calls are ones the caller could make itself.
#[no_mangle]
pub unsafe extern "C" fn multicall_run_batch(batch: *mut McBatch) -> c_long {
    if batch.is_null() {
        errno::set(libc::EINVAL);
        return -1;
    }
    // SAFETY: non-null and readable per the caller; read as a copy.
    let b = unsafe { read_batch(batch) };
    if b.resume != 0 {
        errno::set(libc::EINVAL);
        return -1;
    }
    // SAFETY: forwarded from the caller.
    match unsafe { runtime().run_batch(None, &b) } {
        Ok(outcome) => {
            // SAFETY: the caller's writable struct; the fields are written without
            // references.
            unsafe {
                std::ptr::addr_of_mut!((*batch).iterations).write_unaligned(outcome.iterations);
                std::ptr::addr_of_mut!((*batch).stop_index)
                    .write_unaligned(outcome.stop_index as i64);
            }
            outcome.stop_index as c_long
        }
        Err(err) => {
            errno::set(err.errno());
            -1
        }
    }
}

/// A copy of the caller's `struct mc_batch`: its first `MC_BATCH_SIZE_VER2` bytes, and the
/// fields after them (`watches`, `nwatches`, `reserved`) only when `flags` has
/// `MC_BATCH_WATCHES`, so that a caller whose struct ends before them (built against an
/// older header, or the pass, which fills the 72 bytes a batch without the list needs) is
/// never read past its end; they are zero otherwise.
///
/// # Safety
///
/// `batch` points to a readable `struct mc_batch` of at least `MC_BATCH_SIZE_VER2` bytes,
/// of all of it when its flags have `MC_BATCH_WATCHES`; it may be unaligned.
unsafe fn read_batch(batch: *const McBatch) -> McBatch {
    let mut b = McBatch::default();
    // SAFETY: the caller's readable prefix, copied bytewise into a local of the whole size.
    unsafe {
        std::ptr::copy_nonoverlapping(
            batch.cast::<u8>(),
            (&mut b as *mut McBatch).cast::<u8>(),
            abi::MC_BATCH_SIZE_VER2,
        )
    };
    if b.flags & abi::MC_BATCH_WATCHES != 0 {
        // SAFETY: with the flag the caller's struct is whole (the caller's contract).
        b = unsafe { batch.read_unaligned() };
    }
    b
}

/// `const char *multicall_backend(void)`: "kmod", "io_uring" or "direct": the backend
/// that runs batches in general in this process (see `multicall_backend_for`).
#[no_mangle]
pub extern "C" fn multicall_backend() -> *const c_char {
    runtime().primary().c_name().as_ptr()
}

/// `const char *multicall_backend_for(const struct mc_entry *, unsigned count, int looped)`:
/// the backend that would run this batch (as a looped batch when `looped` is non-zero).
/// "direct" for a null pointer or a count above MC_MAX_ENTRIES.
///
/// # Safety
///
/// `entries` is null or points to `count` readable entries.
#[no_mangle]
pub unsafe extern "C" fn multicall_backend_for(
    entries: *const McEntry,
    count: c_uint,
    looped: std::ffi::c_int,
) -> *const c_char {
    let count = count as usize;
    if entries.is_null() {
        return Backend::Direct.c_name().as_ptr();
    }
    if count > abi::MC_MAX_ENTRIES {
        return Backend::Direct.c_name().as_ptr();
    }
    // SAFETY: non-null and readable for count entries per the caller (which may be
    // unaligned: each is read as such).
    let copy: Vec<McEntry> = (0..count)
        .map(|i| unsafe { entries.add(i).read_unaligned() })
        .collect();
    runtime().backend_for(&copy, looped != 0).c_name().as_ptr()
}

/// `long multicall_libc_result(long raw)`: turns a raw kernel result into the libc
/// convention: `raw` itself, or -1 with errno set to `-raw` when `raw` is in -4095..=-1.
/// For programs that call the C API by hand; the pass's lowered code does the same inline
/// (it stores `-raw` to `*__errno_location()` where the original call returned).
#[no_mangle]
pub extern "C" fn multicall_libc_result(raw: c_long) -> c_long {
    if abi::is_error_result(raw) {
        errno::set(-raw as i32);
        -1
    } else {
        raw
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libc_result() {
        errno::set(0);
        assert_eq!(multicall_libc_result(5), 5);
        assert_eq!(multicall_libc_result(0), 0);
        assert_eq!(multicall_libc_result(-4096), -4096);
        // SAFETY: reading this thread's errno.
        assert_eq!(unsafe { *libc::__errno_location() }, 0);
        assert_eq!(multicall_libc_result(-(libc::EBADF as c_long)), -1);
        // SAFETY: as above.
        assert_eq!(unsafe { *libc::__errno_location() }, libc::EBADF);
        assert_eq!(multicall_libc_result(-4095), -1);
        // SAFETY: as above.
        assert_eq!(unsafe { *libc::__errno_location() }, 4095);
    }

    #[test]
    fn invalid_batches_set_einval() {
        let mut e = [McEntry::new(libc::SYS_getpid, &[])];
        errno::set(0);
        // SAFETY: null and zero-count batches are refused before anything is read.
        assert_eq!(unsafe { multicall(std::ptr::null_mut(), 1) }, -1);
        // SAFETY: as above.
        assert_eq!(unsafe { *libc::__errno_location() }, libc::EINVAL);
        // SAFETY: e is a valid array of one entry.
        assert_eq!(unsafe { multicall(e.as_mut_ptr(), 0) }, -1);
        // SAFETY: as above.
        assert_eq!(
            unsafe { multicall_loop(e.as_mut_ptr(), 1, 0, std::ptr::null_mut()) },
            -1
        );
        // SAFETY: as above.
        assert_eq!(unsafe { multicall(e.as_mut_ptr(), 1) }, 1);
        assert_eq!(e[0].result, std::process::id() as i64);
    }
}
