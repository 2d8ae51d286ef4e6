//! The kmod backend: one `ioctl(MC_IOC_RUN)` on `/dev/multicall` runs a whole batch, or a
//! whole looped batch, in one kernel crossing.
//!
//! Signals: when a call of the batch is interrupted, the module returns its restart code
//! from the ioctl with a resume point in the batch, and the kernel's signal delivery decides
//! as it would have for the call on its own. A restart (an `SA_RESTART` handler, a signal
//! with no handler) re-issues the ioctl on the same batch, which goes on at that entry: this
//! backend never sees it. Otherwise the ioctl fails with EINTR and `resume` is set: that
//! entry's result is -EINTR and the batch stopped there, as on the direct backend. An EINTR
//! with `resume` 0 means the caller is being killed.
//!
//! The device is opened once (close-on-exec, above [`crate::fds::floor`]) and shared by every thread and by forked
//! children: the ioctl keeps no state in the open file between calls, so sharing it is
//! sound. The module is given the runtime's validated copy of the batch
//! ([`crate::batch::Batch`]; it validates it again), so an invalid batch is refused with the
//! same error on every backend, and the runtime writes the results back as for every backend.
//!
//! The request: `MC_IOC_RUN` (the whole 72-byte `struct mc_batch`) only for a batch with a
//! watched word (`MC_BATCH_WATCH`), `MC_IOC_RUN_VER1` (its first 64 bytes, everything before
//! `watch`) for every other batch, so that a module of the ABI before the watch, which knows
//! that command only, runs every batch it can. Such a module refuses a watched batch before
//! anything runs (`ENOTTY` for the command it does not know, or `EINVAL` for the flag, the
//! batch having passed the runtime's own validation): [`KmodError::NoWatch`], after which the
//! runtime runs watched batches on the direct backend, without asking the module again.

use crate::abi::{
    McBatch, MC_BATCH_ADVANCE, MC_BATCH_LOOP, MC_BATCH_SUMS, MC_BATCH_WATCH, MC_DEVICE_PATH_C,
    MC_MAX_ENTRIES,
};
use crate::abi::{MC_IOC_RUN, MC_IOC_RUN_VER1};
use crate::batch::{Batch, Outcome, ERESTARTNOHAND, ERESTARTNOINTR, ERESTARTSYS};
use std::ffi::{CStr, CString};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicI32, Ordering};
use thiserror::Error;

/// Why the module did not run a batch.
#[derive(Debug, Error)]
pub enum KmodError {
    /// The module refused the batch or could not read it (EINVAL, EFAULT), the caller
    /// is being killed (EINTR), or a restarted batch could not go on: the caller gets this
    /// errno, and the batch must not run again another way.
    #[error("the multicall module refused the batch: {0}")]
    Refused(io::Error),
    /// The module cannot serve this caller (for example it runs under seccomp, or the
    /// device is not the multicall module): nothing ran, run the batch another way.
    #[error("the multicall module cannot run batches for this process: {0}")]
    Unavailable(io::Error),
    /// The module refused a batch with a watched word before anything ran, as a module that
    /// does not know `MC_BATCH_WATCH` does (ENOTTY, EINVAL): run the batch another way.
    #[error("the multicall module does not run batches with a watched word (MC_BATCH_WATCH; a module older than the watch?): {0}")]
    NoWatch(io::Error),
}

/// An open `/dev/multicall`.
#[derive(Debug)]
pub struct Kmod {
    fd: OwnedFd,
    /// The errno with which the module refused a watched batch, 0 while none was refused:
    /// the module does not change under an open descriptor (it cannot be unloaded while the
    /// device is open), so later watched batches are not sent to it.
    watch_refused: AtomicI32,
}

impl Kmod {
    /// Opens the device at [`MC_DEVICE_PATH`], without allocating.
    pub fn open() -> io::Result<Kmod> {
        Kmod::open_c(MC_DEVICE_PATH_C)
    }

    /// Opens the device at `path`.
    pub fn open_path(path: &str) -> io::Result<Kmod> {
        let c_path = CString::new(path).map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "device path contains a NUL byte",
            )
        })?;
        Kmod::open_c(&c_path)
    }

    /// Opens the device at `path`, close-on-exec, and moves it above
    /// [`crate::fds::floor`]. The open is a raw system call, which leaves errno alone: the
    /// probe runs inside the program's first batch, and a signal handler that leaves that
    /// batch with `siglongjmp` would otherwise find the probe's ENOENT in errno.
    fn open_c(path: &CStr) -> io::Result<Kmod> {
        let flags = libc::O_RDWR | libc::O_CLOEXEC;
        let args = [
            i64::from(libc::AT_FDCWD),
            path.as_ptr() as i64,
            i64::from(flags),
        ];
        // SAFETY: openat(AT_FDCWD, path, flags): path is a valid NUL-terminated string that
        // outlives the call; the call writes no memory of ours.
        let fd = unsafe { crate::sys::call(libc::SYS_openat, &args) }
            .map_err(io::Error::from_raw_os_error)? as libc::c_int;
        // SAFETY: fd was just returned by open and is owned by nobody else.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(Kmod {
            fd: crate::fds::move_high(fd),
            watch_refused: AtomicI32::new(0),
        })
    }

    /// Runs the batch (looped when it is) in the kernel, on the batch's own copy of the
    /// entries and of its result sums (`MC_BATCH_SUMS`, when it keeps them), with its
    /// watched word (`MC_BATCH_WATCH`, the caller's, which the module reads).
    ///
    /// # Safety
    ///
    /// The calls the entries describe are ones the caller could make itself.
    pub unsafe fn run(&self, batch: &mut Batch) -> Result<Outcome, KmodError> {
        let watch = batch.watch();
        if watch.is_some() {
            let refused = self.watch_refused.load(Ordering::Relaxed);
            if refused != 0 {
                return Err(KmodError::NoWatch(io::Error::from_raw_os_error(refused)));
            }
        }
        let count = batch.count();
        let max_iters = batch.max_iters();
        let advances = batch.advances_ptr();
        // The module advances its own copy of the arguments; the batch's copy follows by the
        // sums' growth, so a batch with advances always runs with sums (the batch's own, or
        // these, which nobody else sees).
        let mut scratch = [0i64; MC_MAX_ENTRIES];
        let sums = match batch.sums_mut_ptr() {
            Some(sums) => Some(sums),
            None if advances.is_some() => Some(scratch.as_mut_ptr()),
            None => None,
        };
        let mut before = [0i64; MC_MAX_ENTRIES];
        if let (Some(sums), Some(_)) = (sums, advances) {
            // SAFETY: sums points to at least count values (the batch's array or scratch).
            before[..count].copy_from_slice(unsafe { std::slice::from_raw_parts(sums, count) });
        }
        let mut request = McBatch {
            entries: batch.entries_mut_ptr() as u64,
            count: count as u32,
            flags: if max_iters.is_some() {
                MC_BATCH_LOOP
            } else {
                0
            } | if sums.is_some() { MC_BATCH_SUMS } else { 0 }
                | if advances.is_some() {
                    MC_BATCH_ADVANCE
                } else {
                    0
                }
                | if watch.is_some() { MC_BATCH_WATCH } else { 0 },
            max_iters: max_iters.unwrap_or(1),
            sums: sums.map_or(0, |sums| sums as u64),
            advances: advances.map_or(0, |advances| advances as u64),
            watch: watch.map_or(0, |watch| watch.addr()),
            watch_mode: watch.map_or(0, |watch| watch.mode()),
            // A new batch; the module sets it if a restart code interrupts an entry.
            resume: 0,
            ..McBatch::default()
        };
        let command = command_for(watch.is_some());
        // The ioctl is a raw system call: a signal handler that runs while an entry blocks
        // may write errno, and the program must find that value after the batch.
        // SAFETY: request is a valid struct mc_batch that lives across the call (restarts
        // included), and its entries pointer is the batch's copy of count entries, which the
        // module reads and whose result fields it writes; its sums pointer, when set, is the
        // batch's own array of at least count values, which the module reads and writes; its
        // advances pointer, when set, is the batch's own array of at least count descriptors,
        // which the module only reads; its watch pointer, when set, is the caller's watched
        // integer, which the module only reads (a watch it cannot read ends the batch, by the
        // ABI); the command's size (72 or 64 bytes) is at most the struct's, and its
        // direction is read and write.
        let errno = unsafe {
            crate::sys::call(
                libc::SYS_ioctl,
                &[
                    i64::from(self.fd.as_raw_fd()),
                    command as i64,
                    &mut request as *mut McBatch as i64,
                ],
            )
        }
        .err();
        if let (Some(sums), Some(_), None) = (sums, advances, errno) {
            let mut grown = [0i64; MC_MAX_ENTRIES];
            // SAFETY: as above; the module has written the sums back.
            let after = unsafe { std::slice::from_raw_parts(sums, count) };
            for (g, (a, b)) in grown.iter_mut().zip(after.iter().zip(&before)) {
                *g = a.wrapping_sub(*b);
            }
            batch.advance_by_grown_sums(&grown[..count]);
        }
        match answer(errno, &request, count, watch.is_some()) {
            Answer::Ran(outcome) => Ok(outcome),
            Answer::NoWatch(errno) => {
                self.watch_refused.store(errno, Ordering::Relaxed);
                Err(KmodError::NoWatch(io::Error::from_raw_os_error(errno)))
            }
            Answer::Interrupted { outcome, result } => {
                batch.set_result(outcome.stop_index, result);
                Ok(outcome)
            }
            Answer::Refused(errno) => Err(KmodError::Refused(io::Error::from_raw_os_error(errno))),
            Answer::Unavailable(errno) => {
                Err(KmodError::Unavailable(io::Error::from_raw_os_error(errno)))
            }
        }
    }
}

/// The command for a batch: the 72-byte `MC_IOC_RUN` for a watched batch only; a module of
/// the ABI before the watch knows the 64-byte `MC_IOC_RUN_VER1`, which carries everything
/// but the watch.
fn command_for(watched: bool) -> u64 {
    if watched {
        MC_IOC_RUN
    } else {
        MC_IOC_RUN_VER1
    }
}

/// What one `MC_IOC_RUN` means for the batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Answer {
    /// The batch ran (to its end, a stop, or a pending signal between iterations).
    Ran(Outcome),
    /// An entry was interrupted and the kernel did not restart the ioctl: that entry's
    /// result is `result` and the batch stopped there.
    Interrupted { outcome: Outcome, result: i64 },
    /// Refused, or failed after entries ran: report this errno, run nothing again.
    Refused(i32),
    /// Nothing ran and the module cannot serve this caller: run the batch another way.
    Unavailable(i32),
    /// Nothing ran: the module does not know the watched word of this batch; run it, and
    /// every later watched batch, another way.
    NoWatch(i32),
}

/// Reads the module's answer: `errno` is `None` when the ioctl returned 0; `batch` is the
/// batch as the module left it, with `count` entries; `watched`: it was sent with
/// `MC_BATCH_WATCH` (and `MC_IOC_RUN`).
fn answer(errno: Option<i32>, batch: &McBatch, count: usize, watched: bool) -> Answer {
    let Some(errno) = errno else {
        let stop_index = usize::try_from(batch.stop_index)
            .ok()
            .filter(|&index| index <= count)
            .unwrap_or(count);
        return Answer::Ran(Outcome {
            stop_index,
            iterations: batch.iterations,
        });
    };
    if batch.resume != 0 {
        // This batch was sent with resume 0: the module set it, so entries ran and an entry
        // returned a restart code. The batch must never run again from the start.
        let index = batch.resume as usize - 1;
        let result = match errno {
            // The kernel turned the restart code into EINTR (a handler without
            // SA_RESTART, or -ERESTARTNOHAND with a handler).
            libc::EINTR => -(libc::EINTR as i64),
            // No signal was there to restart or interrupt it: what a call on its own returns.
            ERESTARTSYS | ERESTARTNOINTR | ERESTARTNOHAND => -(errno as i64),
            // A restarted ioctl failed (its batch became unreadable or invalid, no memory).
            _ => return Answer::Refused(errno),
        };
        if index >= count {
            return Answer::Refused(errno);
        }
        return Answer::Interrupted {
            outcome: Outcome {
                stop_index: index,
                iterations: batch.iterations,
            },
            result,
        };
    }
    match errno {
        // A module that does not know the watch: the 72-byte command is not its own (ENOTTY),
        // or it refuses the flag (EINVAL). The batch passed the runtime's validation, which
        // is the module's, so EINVAL says the same; nothing ran.
        libc::ENOTTY | libc::EINVAL if watched => Answer::NoWatch(errno),
        // EINVAL, EFAULT: refused before anything ran. EINTR without resume: the caller has
        // a fatal signal pending and is being killed; some entries may have run, so the
        // batch must not run again.
        libc::EINVAL | libc::EFAULT | libc::EINTR => Answer::Refused(errno),
        // EPERM (seccomp, tracing), ENOTTY, ENOMEM: nothing ran.
        _ => Answer::Unavailable(errno),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abi::McEntry;

    #[test]
    fn a_failed_probe_leaves_errno_alone() {
        crate::errno::set(0);
        let err = Kmod::open_path("/nonexistent/multicall").err();
        assert_eq!(err.map(|e| e.kind()), Some(io::ErrorKind::NotFound));
        assert_eq!(
            crate::errno::get(),
            0,
            "the probe's ENOENT stays out of errno"
        );
    }

    fn left(resume: u32, iterations: u64, stop_index: i64) -> McBatch {
        McBatch {
            count: 3,
            resume,
            iterations,
            stop_index,
            ..McBatch::default()
        }
    }

    #[test]
    fn a_batch_that_ran_gives_its_outcome() {
        let outcome = |stop_index, iterations| Outcome {
            stop_index,
            iterations,
        };
        assert_eq!(
            answer(None, &left(0, 1, 3), 3, false),
            Answer::Ran(outcome(3, 1))
        );
        assert_eq!(
            answer(None, &left(0, 7, 1), 3, false),
            Answer::Ran(outcome(1, 7))
        );
        // An out-of-range stop index from a broken module reads as "ran to the end".
        assert_eq!(
            answer(None, &left(0, 1, -1), 3, false),
            Answer::Ran(outcome(3, 1))
        );
    }

    #[test]
    fn an_interrupted_entry_that_was_not_restarted_stops_the_batch_with_eintr() {
        let got = answer(Some(libc::EINTR), &left(2, 5, 1), 3, false);
        assert_eq!(
            got,
            Answer::Interrupted {
                outcome: Outcome {
                    stop_index: 1,
                    iterations: 5
                },
                result: -(libc::EINTR as i64),
            }
        );
        // A restart code that reached user space is what the call on its own returns.
        let got = answer(Some(ERESTARTSYS), &left(1, 1, 0), 3, false);
        assert!(matches!(got, Answer::Interrupted { result: -512, .. }));
    }

    #[test]
    fn failures_after_entries_ran_never_fall_back() {
        // Fatal signal: EINTR with resume 0.
        assert_eq!(
            answer(Some(libc::EINTR), &left(0, 1, 3), 3, false),
            Answer::Refused(libc::EINTR)
        );
        // A restarted ioctl that could not go on: entries ran before, so no fallback.
        for errno in [libc::ENOMEM, libc::EPERM, libc::EINVAL, libc::EFAULT] {
            assert_eq!(
                answer(Some(errno), &left(2, 1, 1), 3, false),
                Answer::Refused(errno)
            );
        }
        // A resume point outside the batch cannot be trusted.
        assert_eq!(
            answer(Some(libc::EINTR), &left(4, 1, 3), 3, false),
            Answer::Refused(libc::EINTR)
        );
        // Before anything ran: fall back.
        for errno in [libc::ENOMEM, libc::EPERM, libc::ENOTTY] {
            assert_eq!(
                answer(Some(errno), &left(0, 0, 3), 3, false),
                Answer::Unavailable(errno)
            );
        }
    }

    #[test]
    fn another_device_is_unavailable_not_an_error_of_the_batch() {
        let not_the_module = Kmod::open_path("/dev/null").expect("/dev/null opens");
        let mut batch =
            Batch::new(&[McEntry::new(libc::SYS_getpid, &[])], None).expect("a valid batch");
        // SAFETY: a valid batch; /dev/null refuses the ioctl before anything runs.
        let result = unsafe { not_the_module.run(&mut batch) };
        match result {
            Err(KmodError::Unavailable(err)) => assert_eq!(err.raw_os_error(), Some(libc::ENOTTY)),
            other => panic!("expected ENOTTY as Unavailable, got {other:?}"),
        }
        assert_eq!(batch.entries()[0].result, 0, "nothing ran");
    }

    #[test]
    fn a_module_without_the_watch_refuses_only_watched_batches() {
        for errno in [libc::ENOTTY, libc::EINVAL] {
            assert_eq!(
                answer(Some(errno), &left(0, 0, 3), 3, true),
                Answer::NoWatch(errno)
            );
        }
        assert_eq!(
            answer(Some(libc::EINVAL), &left(0, 0, 3), 3, false),
            Answer::Refused(libc::EINVAL),
            "an unwatched batch's EINVAL is the caller's"
        );
        // Entries ran (resume set), or another error: as for any batch.
        assert_eq!(
            answer(Some(libc::EINVAL), &left(2, 1, 1), 3, true),
            Answer::Refused(libc::EINVAL)
        );
        assert_eq!(
            answer(Some(libc::EPERM), &left(0, 0, 3), 3, true),
            Answer::Unavailable(libc::EPERM)
        );
    }

    #[test]
    fn the_command_carries_the_watch_only_for_watched_batches() {
        let size = |command: u64| (command >> 16) & 0x3fff;
        assert_eq!(size(command_for(true)), 72);
        assert_eq!(size(command_for(false)), 64);
        assert_eq!(command_for(false), crate::abi::MC_IOC_RUN_VER1);
    }

    #[test]
    fn a_refused_watch_is_not_asked_again() {
        let not_the_module = Kmod::open_path("/dev/null").expect("/dev/null opens");
        let mut word = 0u32;
        let mut batch =
            Batch::new(&[McEntry::new(libc::SYS_getpid, &[])], Some(3)).expect("a valid batch");
        let watch =
            crate::batch::Watch::from_fields(MC_BATCH_WATCH, &mut word as *mut u32 as u64, 4)
                .expect("a valid watch")
                .expect("watched");
        batch.set_watch(watch).expect("looped");
        for _ in 0..2 {
            // SAFETY: a valid batch; /dev/null refuses the ioctl before anything runs.
            match unsafe { not_the_module.run(&mut batch) } {
                Err(KmodError::NoWatch(err)) => assert_eq!(err.raw_os_error(), Some(libc::ENOTTY)),
                other => panic!("expected ENOTTY as NoWatch, got {other:?}"),
            }
        }
        assert_eq!(
            not_the_module.watch_refused.load(Ordering::Relaxed),
            libc::ENOTTY
        );
        assert_eq!(batch.entries()[0].result, 0, "nothing ran");
        // An unwatched batch is still sent (and refused as the device refuses any).
        let mut plain =
            Batch::new(&[McEntry::new(libc::SYS_getpid, &[])], None).expect("a valid batch");
        // SAFETY: as above.
        let result = unsafe { not_the_module.run(&mut plain) };
        assert!(
            matches!(result, Err(KmodError::Unavailable(_))),
            "{result:?}"
        );
    }

    #[test]
    fn a_missing_device_fails_to_open() {
        assert!(Kmod::open_path("/nonexistent/multicall").is_err());
        assert!(Kmod::open_path("bad\0path").is_err());
    }
}
