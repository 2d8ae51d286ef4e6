//! The runtime's own file descriptors (the module's device, io_uring rings) are kept out of
//! the range a program's own `open` calls would get.
//!
//! POSIX gives every new descriptor the lowest free number, and programs depend on it (a
//! program that closed stdout expects its next `open` to become fd 1). A descriptor the
//! runtime opened at first use would take that number and change the program's behaviour,
//! so each one is moved at once to the lowest free number at or above a high floor, with
//! close-on-exec, and the low one is closed.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// The lowest number the runtime's descriptors may take: three quarters of the soft limit
/// on open files, at most 768 (so that the kernel's descriptor table stays small even where
/// the limit is in the millions), at least 3.
pub fn floor() -> RawFd {
    let soft =
        crate::sys::getrlimit(libc::RLIMIT_NOFILE).map_or(1024, |limit| limit.rlim_cur.min(1024));
    ((soft * 3 / 4) as RawFd).max(3)
}

/// Moves `fd` to the lowest free number at or above [`floor`] (close-on-exec) and closes
/// the original. When no such number is free, the original is kept: correct, only less
/// discreet.
pub fn move_high(fd: OwnedFd) -> OwnedFd {
    let Ok(high) = crate::sys::fcntl_int(fd.as_raw_fd(), libc::F_DUPFD_CLOEXEC, floor().into())
    else {
        return fd;
    };
    let high = high as RawFd;
    // SAFETY: high was just created by fcntl and is owned by nobody else. Dropping fd closes
    // the low number.
    unsafe { OwnedFd::from_raw_fd(high) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn moves_above_the_floor_and_frees_the_low_number() {
        // SAFETY: opening /dev/null with a static C string.
        let low = unsafe { libc::open(c"/dev/null".as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC) };
        assert!(low >= 0);
        // SAFETY: low is ours.
        let moved = move_high(unsafe { OwnedFd::from_raw_fd(low) });
        assert!(moved.as_raw_fd() >= floor());
        // SAFETY: F_GETFD on descriptor numbers.
        assert_eq!(
            unsafe { libc::fcntl(low, libc::F_GETFD) },
            -1,
            "the low number is free again"
        );
        // SAFETY: as above.
        let flags = unsafe { libc::fcntl(moved.as_raw_fd(), libc::F_GETFD) };
        assert_eq!(flags & libc::FD_CLOEXEC, libc::FD_CLOEXEC);
    }
}
