//! The kmod backend: one `ioctl(MC_IOC_RUN)` on `/dev/multicall` runs a whole batch, or a
//! whole looped batch, in one kernel crossing.
//!
//! The device is opened once (close-on-exec, above [`crate::fds::floor`]) and shared by every thread and by forked
//! children: the ioctl keeps no state in the open file between calls, so sharing it is
//! sound. The batch is validated in user space first (the module validates it again), so
//! an invalid batch is refused with the same error on every backend.

use crate::abi::{McBatch, McEntry, MC_BATCH_LOOP, MC_DEVICE_PATH, MC_IOC_RUN};
use crate::batch::Outcome;
use std::ffi::CString;
use std::io;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use thiserror::Error;

/// Why the module did not run a batch.
#[derive(Debug, Error)]
pub enum KmodError {
    /// The module refused the batch or could not read it (EINVAL, EFAULT), or the caller
    /// is being killed (EINTR): the caller gets this errno.
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
    /// Opens the device at [`MC_DEVICE_PATH`].
    pub fn open() -> io::Result<Kmod> {
        Kmod::open_path(MC_DEVICE_PATH)
    }

    /// Opens the device at `path`.
    pub fn open_path(path: &str) -> io::Result<Kmod> {
        let c_path = CString::new(path).map_err(|_| {
            io::Error::new(
                io::ErrorKind::InvalidInput,
                "device path contains a NUL byte",
            )
        })?;
        // SAFETY: c_path is a valid NUL-terminated string; open has no other preconditions.
        let fd = unsafe { libc::open(c_path.as_ptr(), libc::O_RDWR | libc::O_CLOEXEC) };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        // SAFETY: fd was just returned by open and is owned by nobody else.
        let fd = unsafe { OwnedFd::from_raw_fd(fd) };
        Ok(Kmod {
            fd: crate::fds::move_high(fd),
        })
    }

    /// Runs the batch (looped when `max_iters` is given) in the kernel.
    ///
    /// # Safety
    ///
    /// `entries` points to `count` valid, writable entries that passed
    /// [`crate::batch::validate`]; the calls are ones the caller could make itself.
    pub unsafe fn run(
        &self,
        entries: *mut McEntry,
        count: usize,
        max_iters: Option<u64>,
    ) -> Result<Outcome, KmodError> {
        let mut batch = McBatch {
            entries: entries as u64,
            count: count as u32,
            flags: if max_iters.is_some() {
                MC_BATCH_LOOP
            } else {
                0
            },
            max_iters: max_iters.unwrap_or(1),
            ..McBatch::default()
        };
        // SAFETY: batch is a valid struct mc_batch that lives across the call, and its
        // entries pointer is valid for count entries (the caller's contract); the request
        // number matches the struct's size and direction.
        let ret = unsafe {
            libc::ioctl(
                self.fd.as_raw_fd(),
                MC_IOC_RUN as libc::c_ulong,
                &mut batch as *mut McBatch,
            )
        };
        if ret < 0 {
            let err = io::Error::last_os_error();
            return match err.raw_os_error() {
                // EINVAL, EFAULT: refused before anything ran. EINTR: the caller has a
                // fatal signal pending and is being killed; some entries may have run, so
                // the batch must not run again.
                Some(libc::EINVAL) | Some(libc::EFAULT) | Some(libc::EINTR) => {
                    Err(KmodError::Refused(err))
                }
                // EPERM (seccomp, tracing), ENOTTY, ENOMEM: nothing ran.
                _ => Err(KmodError::Unavailable(err)),
            };
        }
        let stop_index = usize::try_from(batch.stop_index)
            .ok()
            .filter(|&index| index <= count)
            .unwrap_or(count);
        Ok(Outcome {
            stop_index,
            iterations: batch.iterations,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn another_device_is_unavailable_not_an_error_of_the_batch() {
        let not_the_module = Kmod::open_path("/dev/null").expect("/dev/null opens");
        let mut entries = [McEntry::new(libc::SYS_getpid, &[])];
        // SAFETY: a valid batch; /dev/null refuses the ioctl before anything runs.
        let result = unsafe { not_the_module.run(entries.as_mut_ptr(), 1, None) };
        match result {
            Err(KmodError::Unavailable(err)) => assert_eq!(err.raw_os_error(), Some(libc::ENOTTY)),
            other => panic!("expected ENOTTY as Unavailable, got {other:?}"),
        }
        assert_eq!(entries[0].result, 0, "nothing ran");
    }

    #[test]
    fn a_missing_device_fails_to_open() {
        assert!(Kmod::open_path("/nonexistent/multicall").is_err());
        assert!(Kmod::open_path("bad\0path").is_err());
    }
}
