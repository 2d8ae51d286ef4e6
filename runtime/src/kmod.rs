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
//! The request: `MC_IOC_RUN` (the whole 88-byte `struct mc_batch`) only for a batch with
//! several watched words or one read before the iteration completes (`MC_BATCH_WATCHES`),
//! `MC_IOC_RUN_VER2` (its first 72 bytes, everything before `watches`) for a batch with one
//! word read after each iteration (`MC_BATCH_WATCH`), `MC_IOC_RUN_VER1` (its first 64 bytes,
//! everything before `watch`) for every other batch, so that a module of an older ABI runs
//! every batch it can. Such a module refuses a batch it cannot watch for before anything runs
//! (`ENOTTY` for the command it does not know, or `EINVAL` for the flag, the batch having
//! passed the runtime's own validation): [`KmodError::NoWatch`], after which the runtime runs
//! batches watched that way on the direct backend, without asking the module again.

use crate::abi::{
    McBatch, McWatch, MC_BATCH_ADVANCE, MC_BATCH_LOOP, MC_BATCH_SUMS, MC_BATCH_WATCH,
    MC_BATCH_WATCHES, MC_DEVICE_PATH_C, MC_MAX_ENTRIES, MC_MAX_WATCHES,
};
use crate::abi::{MC_IOC_RUN, MC_IOC_RUN_VER1, MC_IOC_RUN_VER2};
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
    /// The module refused a batch with watched words before anything ran, as a module that
    /// does not know `MC_BATCH_WATCH` or `MC_BATCH_WATCHES` does (ENOTTY, EINVAL): run the
    /// batch another way.
    #[error("the multicall module does not run batches with these watched words ({0}; a module older than them?): {1}")]
    NoWatch(&'static str, io::Error),
}

/// An open `/dev/multicall`.
#[derive(Debug)]
pub struct Kmod {
    fd: OwnedFd,
    /// The errno with which the module refused a batch watching one word after each
    /// iteration (`MC_BATCH_WATCH`), 0 while none was refused: the module does not change
    /// under an open descriptor (it cannot be unloaded while the device is open), so later
    /// such batches are not sent to it.
    watch_refused: AtomicI32,
    /// The same for batches with a list of watched words (`MC_BATCH_WATCHES`).
    watches_refused: AtomicI32,
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
            watches_refused: AtomicI32::new(0),
        })
    }

    /// Runs the batch (looped when it is) in the kernel, on the batch's own copy of the
    /// entries and of its result sums (`MC_BATCH_SUMS`, when it keeps them), with its
    /// watched words (the caller's, which the module reads): one read after each iteration
    /// as `MC_BATCH_WATCH`, any other as `MC_BATCH_WATCHES`.
    ///
    /// # Safety
    ///
    /// The calls the entries describe are ones the caller could make itself.
    pub unsafe fn run(&self, batch: &mut Batch) -> Result<Outcome, KmodError> {
        let watched = Watched::of(batch);
        let mut list = [McWatch::default(); MC_MAX_WATCHES];
        for (slot, &(word, after)) in list.iter_mut().zip(batch.watches()) {
            *slot = McWatch {
                addr: word.addr(),
                mode: word.mode(),
                after: after as u32,
            };
        }
        let single = match watched {
            Watched::One => batch.watches().first().map(|&(word, _)| word),
            Watched::No | Watched::List => None,
        };
        if let Some(refused) = self.refused(watched) {
            let refused = refused.load(Ordering::Relaxed);
            if refused != 0 {
                return Err(KmodError::NoWatch(
                    watched.flag_name(),
                    io::Error::from_raw_os_error(refused),
                ));
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
                | match watched {
                    Watched::No => 0,
                    Watched::One => MC_BATCH_WATCH,
                    Watched::List => MC_BATCH_WATCHES,
                },
            max_iters: max_iters.unwrap_or(1),
            sums: sums.map_or(0, |sums| sums as u64),
            advances: advances.map_or(0, |advances| advances as u64),
            watch: single.map_or(0, |watch| watch.addr()),
            watch_mode: single.map_or(0, |watch| watch.mode()),
            watches: match watched {
                Watched::List => list.as_ptr() as u64,
                Watched::No | Watched::One => 0,
            },
            nwatches: match watched {
                Watched::List => batch.watches().len() as u32,
                Watched::No | Watched::One => 0,
            },
            // A new batch; the module sets it if a restart code interrupts an entry.
            resume: 0,
            ..McBatch::default()
        };
        let command = watched.command();
        // The ioctl is a raw system call: a signal handler that runs while an entry blocks
        // may write errno, and the program must find that value after the batch.
        // SAFETY: request is a valid struct mc_batch that lives across the call (restarts
        // included), and its entries pointer is the batch's copy of count entries, which the
        // module reads and whose result fields it writes; its sums pointer, when set, is the
        // batch's own array of at least count values, which the module reads and writes; its
        // advances pointer, when set, is the batch's own array of at least count descriptors,
        // which the module only reads; its watch pointer, when set, is the caller's watched
        // integer, which the module only reads (a watch it cannot read ends the batch, by the
        // ABI); its watches pointer, when set, is `list`, which lives across the call and
        // holds nwatches watches of the caller's integers, read the same way; the command's
        // size (88, 72 or 64 bytes) is at most the struct's, and its direction is read and
        // write.
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
        match answer(errno, &request, count, watched != Watched::No) {
            Answer::Ran(outcome) => Ok(outcome),
            Answer::NoWatch(errno) => {
                if let Some(refused) = self.refused(watched) {
                    refused.store(errno, Ordering::Relaxed);
                }
                Err(KmodError::NoWatch(
                    watched.flag_name(),
                    io::Error::from_raw_os_error(errno),
                ))
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

    /// Where the module's refusal of batches watched as `watched` is kept.
    fn refused(&self, watched: Watched) -> Option<&AtomicI32> {
        match watched {
            Watched::No => None,
            Watched::One => Some(&self.watch_refused),
            Watched::List => Some(&self.watches_refused),
        }
    }
}

/// How a batch's watched words go to the module.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Watched {
    /// None.
    No,
    /// One word read after each completed iteration: `MC_BATCH_WATCH`.
    One,
    /// Several, or one read after an entry but the last: `MC_BATCH_WATCHES`.
    List,
}

impl Watched {
    fn of(batch: &Batch) -> Watched {
        match batch.watches().len() {
            0 => Watched::No,
            1 if !batch.watches_within() => Watched::One,
            _ => Watched::List,
        }
    }

    /// The command: each carries the fields its batch needs, and no more, so that a module
    /// of an older ABI knows the command of every batch it can run.
    fn command(self) -> u64 {
        match self {
            Watched::No => MC_IOC_RUN_VER1,
            Watched::One => MC_IOC_RUN_VER2,
            Watched::List => MC_IOC_RUN,
        }
    }

    fn flag_name(self) -> &'static str {
        match self {
            Watched::No | Watched::One => "MC_BATCH_WATCH",
            Watched::List => "MC_BATCH_WATCHES",
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
        // A module that does not know the watch: the command is not its own (ENOTTY),
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
    fn the_command_carries_the_watches_only_for_batches_that_need_them() {
        let size = |command: u64| (command >> 16) & 0x3fff;
        assert_eq!(size(Watched::List.command()), 88);
        assert_eq!(size(Watched::One.command()), 72);
        assert_eq!(size(Watched::No.command()), 64);
        assert_eq!(Watched::No.command(), crate::abi::MC_IOC_RUN_VER1);
        let words = [0u32; 2];
        let word = |k: usize| crate::abi::McWatch {
            addr: &words[k] as *const u32 as u64,
            mode: 4,
            after: 1,
        };
        let entries = [
            McEntry::new(libc::SYS_getpid, &[]),
            McEntry::new(libc::SYS_getpid, &[]),
        ];
        let mut batch = Batch::new(&entries, Some(3)).expect("a valid batch");
        assert_eq!(Watched::of(&batch), Watched::No);
        batch.set_watches(&[word(0)]).expect("valid");
        assert_eq!(
            Watched::of(&batch),
            Watched::One,
            "one word after the iteration"
        );
        batch.set_watches(&[word(0), word(1)]).expect("valid");
        assert_eq!(Watched::of(&batch), Watched::List, "two words");
        batch
            .set_watches(&[crate::abi::McWatch {
                after: 0,
                ..word(0)
            }])
            .expect("valid");
        assert_eq!(
            Watched::of(&batch),
            Watched::List,
            "one word within the iteration"
        );
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
                Err(KmodError::NoWatch(_, err)) => {
                    assert_eq!(err.raw_os_error(), Some(libc::ENOTTY))
                }
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
