//! The runtime's own file descriptors (the module's device, io_uring rings) are kept out of
//! the range a program's own `open` calls would get.
//!
//! POSIX gives every new descriptor the lowest free number, and programs depend on it (a
//! program that closed stdout expects its next `open` to become fd 1). A descriptor the
//! runtime opened at first use would take that number and change the program's behaviour,
//! so each one is moved at once to the lowest free number at or above a high floor, with
//! close-on-exec, and the low one is closed.

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};

/// The floor where the soft limit on open files is above it (1024 by default): high enough
/// that programs' own descriptors do not reach it, low enough that the kernel's descriptor
/// table stays small even where the limit is in the millions.
pub const HIGH_FLOOR: RawFd = 768;

/// The lowest number the runtime's descriptors may take: [`HIGH_FLOOR`] where the soft limit
/// on open files is above it, else three quarters of that limit, at least 3.
pub fn floor() -> RawFd {
    let soft =
        crate::sys::getrlimit(libc::RLIMIT_NOFILE).map_or(1024, |limit| limit.rlim_cur.min(1024));
    if soft > HIGH_FLOOR as u64 {
        HIGH_FLOOR
    } else {
        ((soft * 3 / 4) as RawFd).max(3)
    }
}

/// A close-on-exec duplicate of `fd` at the lowest free number at or above [`floor`], or
/// `None` when no such number is free. Where the limit is above [`HIGH_FLOOR`] (the usual
/// case) this is one `fcntl`: the limit is asked for only when that `fcntl` fails (`EINVAL`,
/// a limit at or below the floor, or `EMFILE`, no free number above it).
pub fn dup_high(fd: RawFd) -> Option<RawFd> {
    let dup_from = |from: RawFd| crate::sys::fcntl_int(fd, libc::F_DUPFD_CLOEXEC, from.into()).ok();
    dup_from(HIGH_FLOOR)
        .or_else(|| match floor() {
            HIGH_FLOOR => None,
            lower => dup_from(lower),
        })
        .map(|high| high as RawFd)
}

/// Moves `fd` to the lowest free number at or above [`floor`] (close-on-exec, [`dup_high`])
/// and closes the original. When no such number is free, the original is kept: correct,
/// only less discreet.
pub fn move_high(fd: OwnedFd) -> OwnedFd {
    let Some(high) = dup_high(fd.as_raw_fd()) else {
        return fd;
    };
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

    #[test]
    fn under_a_low_limit_the_floor_is_three_quarters_of_it() {
        // In a child, whose limit the test harness's other threads do not share: only
        // async-signal-safe calls between fork and _exit.
        // SAFETY: fork; the child makes raw system calls and leaves with _exit.
        let pid = unsafe { libc::fork() };
        assert!(pid >= 0);
        if pid == 0 {
            let limit = libc::rlimit {
                rlim_cur: 64,
                rlim_max: 64,
            };
            // SAFETY: setrlimit reads `limit`; dup_high makes raw fcntl calls.
            let code = unsafe {
                if libc::setrlimit(libc::RLIMIT_NOFILE, &limit) != 0 {
                    2
                } else {
                    match dup_high(0) {
                        Some(fd) if (48..64).contains(&fd) => 0,
                        _ => 1,
                    }
                }
            };
            // SAFETY: leaves the child at once.
            unsafe { libc::_exit(code) };
        }
        let mut status = 0;
        // SAFETY: waits for the child just forked.
        assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
        assert!(libc::WIFEXITED(status));
        assert_eq!(
            libc::WEXITSTATUS(status),
            0,
            "a limit of 64 puts the descriptor at 48 or above, below 64"
        );
    }
}
