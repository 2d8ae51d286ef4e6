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

use crate::abi::MC_IOC_RUN;
use crate::abi::{
    McBatch, MC_BATCH_ADVANCE, MC_BATCH_LOOP, MC_BATCH_SUMS, MC_DEVICE_PATH_C, MC_MAX_ENTRIES,
};
use crate::batch::{Batch, Outcome, ERESTARTNOHAND, ERESTARTNOINTR, ERESTARTSYS};
use std::ffi::{CStr, CString};
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
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
}

/// An open `/dev/multicall`.
#[derive(Debug)]
pub struct Kmod {
    fd: OwnedFd,
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
    /// [`crate::fds::floor`].
    fn open_c(path: &CStr) -> io::Result<Kmod> {
        // SAFETY: path is a valid NUL-terminated string; open has no other preconditions.
        let fd = unsafe { libc::open(path.as_ptr(), libc::O_RDWR | libc::O_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: fd was just returned by open and is owned by nobody else.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(Kmod {
            fd: crate::fds::move_high(fd),
        })
    }

    /// Runs the batch (looped when it is) in the kernel, on the batch's own copy of the
    /// entries and of its result sums (`MC_BATCH_SUMS`, when it keeps them).
    ///
    /// # Safety
    ///
    /// The calls the entries describe are ones the caller could make itself.
    pub unsafe fn run(&self, batch: &mut Batch) -> Result<Outcome, KmodError> {
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
                },
            max_iters: max_iters.unwrap_or(1),
            sums: sums.map_or(0, |sums| sums as u64),
            advances: advances.map_or(0, |advances| advances as u64),
            // A new batch; the module sets it if a restart code interrupts an entry.
            resume: 0,
            ..McBatch::default()
        };
        // SAFETY: request is a valid struct mc_batch that lives across the call (restarts
        // included), and its entries pointer is the batch's copy of count entries, which the
        // module reads and whose result fields it writes; its sums pointer, when set, is the
        // batch's own array of at least count values, which the module reads and writes; its
        // advances pointer, when set, is the batch's own array of at least count descriptors,
        // which the module only reads; the request number matches the struct's size and
        // direction.
        let ret = unsafe {
            libc::ioctl(
                self.fd.as_raw_fd(),
                MC_IOC_RUN as libc::c_ulong,
                &mut request as *mut McBatch,
            )
        };
        let errno = if ret < 0 {
            Some(
                io::Error::last_os_error()
                    .raw_os_error()
                    .unwrap_or(libc::EIO),
            )
        } else {
            None
        };
        if let (Some(sums), Some(_), None) = (sums, advances, errno) {
            let mut grown = [0i64; MC_MAX_ENTRIES];
            // SAFETY: as above; the module has written the sums back.
            let after = unsafe { std::slice::from_raw_parts(sums, count) };
            for (g, (a, b)) in grown.iter_mut().zip(after.iter().zip(&before)) {
                *g = a.wrapping_sub(*b);
            }
            batch.advance_by_grown_sums(&grown[..count]);
        }
        match answer(errno, &request, count) {
            Answer::Ran(outcome) => Ok(outcome),
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
}

/// Reads the module's answer: `errno` is `None` when the ioctl returned 0; `batch` is the
/// batch as the module left it, with `count` entries.
fn answer(errno: Option<i32>, batch: &McBatch, count: usize) -> Answer {
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
        assert_eq!(answer(None, &left(0, 1, 3), 3), Answer::Ran(outcome(3, 1)));
        assert_eq!(answer(None, &left(0, 7, 1), 3), Answer::Ran(outcome(1, 7)));
        // An out-of-range stop index from a broken module reads as "ran to the end".
        assert_eq!(answer(None, &left(0, 1, -1), 3), Answer::Ran(outcome(3, 1)));
    }

    #[test]
    fn an_interrupted_entry_that_was_not_restarted_stops_the_batch_with_eintr() {
        let got = answer(Some(libc::EINTR), &left(2, 5, 1), 3);
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
        let got = answer(Some(ERESTARTSYS), &left(1, 1, 0), 3);
        assert!(matches!(got, Answer::Interrupted { result: -512, .. }));
    }

    #[test]
    fn failures_after_entries_ran_never_fall_back() {
        // Fatal signal: EINTR with resume 0.
        assert_eq!(
            answer(Some(libc::EINTR), &left(0, 1, 3), 3),
            Answer::Refused(libc::EINTR)
        );
        // A restarted ioctl that could not go on: entries ran before, so no fallback.
        for errno in [libc::ENOMEM, libc::EPERM, libc::EINVAL, libc::EFAULT] {
            assert_eq!(
                answer(Some(errno), &left(2, 1, 1), 3),
                Answer::Refused(errno)
            );
        }
        // A resume point outside the batch cannot be trusted.
        assert_eq!(
            answer(Some(libc::EINTR), &left(4, 1, 3), 3),
            Answer::Refused(libc::EINTR)
        );
        // Before anything ran: fall back.
        for errno in [libc::ENOMEM, libc::EPERM, libc::ENOTTY] {
            assert_eq!(
                answer(Some(errno), &left(0, 0, 3), 3),
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
    fn a_missing_device_fails_to_open() {
        assert!(Kmod::open_path("/nonexistent/multicall").is_err());
        assert!(Kmod::open_path("bad\0path").is_err());
    }
}
