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
pub mod direct;
pub mod fds;
pub mod kmod;
pub mod uring;

/// The multi-call ABI (the `multicall-abi` crate, a mirror of the uapi header).
pub use multicall_abi as abi;
pub use abi::{McBatch, McEntry};
pub use backend::{runtime, Backend, Request, RunError, Runtime};
pub use batch::{BatchError, Outcome};

use std::ffi::{c_char, c_long, c_uint, c_ulong};

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

fn errno() -> i32 {
    // SAFETY: __errno_location returns this thread's errno slot, always valid.
    unsafe { *libc::__errno_location() }
}

/// Restores errno when dropped: the C entry points leave errno as they found it (the
/// program may read it later, as after a short write), except when they report an error.
struct KeepErrno(i32);

impl KeepErrno {
    fn new() -> KeepErrno {
        KeepErrno(errno())
    }
}

impl Drop for KeepErrno {
    fn drop(&mut self) {
        set_errno(self.0);
    }
}

fn set_errno(value: i32) {
    // SAFETY: __errno_location returns this thread's errno slot, always valid.
    unsafe { *libc::__errno_location() = value };
}

/// The C return value of a run; errno is restored from `keep` unless the run failed.
fn c_result(
    keep: KeepErrno,
    outcome: Result<Outcome, RunError>,
    iterations: *mut c_ulong,
) -> c_long {
    match outcome {
        Ok(outcome) => {
            if !iterations.is_null() {
                // SAFETY: the caller passed a non-null pointer to an unsigned long.
                unsafe { *iterations = outcome.iterations as c_ulong };
            }
            outcome.stop_index as c_long
        }
        Err(err) => {
            let code = err.errno();
            std::mem::forget(keep);
            set_errno(code);
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
    let keep = KeepErrno::new();
    // SAFETY: forwarded from the caller.
    let outcome = unsafe { runtime().run(entries, count as usize, None) };
    c_result(keep, outcome, std::ptr::null_mut())
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
    let keep = KeepErrno::new();
    // SAFETY: forwarded from the caller.
    let outcome = unsafe { runtime().run(entries, count as usize, Some(max_iters)) };
    c_result(keep, outcome, iterations)
}

/// `long multicall_direct(struct mc_entry *, unsigned count)`: as [`multicall`], always on
/// the direct backend (the reference semantics).
///
/// # Safety
///
/// As for [`multicall`].
#[no_mangle]
pub unsafe extern "C" fn multicall_direct(entries: *mut McEntry, count: c_uint) -> c_long {
    let keep = KeepErrno::new();
    // SAFETY: forwarded from the caller.
    let outcome = unsafe { runtime().run_with(Backend::Direct, entries, count as usize, None) };
    c_result(keep, outcome, std::ptr::null_mut())
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
    let keep = KeepErrno::new();
    // SAFETY: forwarded from the caller.
    let outcome =
        unsafe { runtime().run_with(Backend::Direct, entries, count as usize, Some(max_iters)) };
    c_result(keep, outcome, iterations)
}

/// `const char *multicall_backend(void)`: "kmod", "io_uring" or "direct": the backend
/// that runs batches in general in this process (see `multicall_backend_for`).
#[no_mangle]
pub extern "C" fn multicall_backend() -> *const c_char {
    let _keep = KeepErrno::new();
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
    let _keep = KeepErrno::new();
    let count = count as usize;
    if entries.is_null() || count > abi::MC_MAX_ENTRIES {
        return Backend::Direct.c_name().as_ptr();
    }
    // SAFETY: non-null, bounded count, readable per the caller.
    let shape = unsafe { std::slice::from_raw_parts(entries, count) };
    runtime().backend_for(shape, looped != 0).c_name().as_ptr()
}

/// `long multicall_libc_result(long raw)`: turns a raw kernel result into the libc
/// convention: `raw` itself, or -1 with errno set to `-raw` when `raw` is in -4095..=-1.
#[no_mangle]
pub extern "C" fn multicall_libc_result(raw: c_long) -> c_long {
    if (-4095..=-1).contains(&raw) {
        set_errno(-raw as i32);
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
        set_errno(0);
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
        set_errno(0);
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
