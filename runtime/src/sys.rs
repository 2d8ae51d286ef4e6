//! The runtime's own system calls, made without touching errno.
//!
//! A batch runs in the middle of the program, and errno after it must be what the program's
//! own calls and signal handlers left there: a handler that runs while an entry blocks and
//! writes errno (calling `close(-1)`, say) must find its value still there when the batch
//! returns, as after the original calls. So nothing the runtime does on the way may write
//! errno: glibc's wrappers write it on every failure (and a probe fails routinely: `fstat`
//! of a closed descriptor, `lseek` of a pipe), and putting an old value back afterwards
//! would undo a handler's write. Every call here is a raw `syscall` instruction
//! ([`crate::direct::raw_syscall`]) whose failure comes back as a value.

use crate::direct::raw_syscall;
use std::os::fd::RawFd;

/// A raw result: the value, or the errno of the failure.
fn checked(ret: i64) -> Result<i64, i32> {
    if (-4095..0).contains(&ret) {
        Err(-ret as i32)
    } else {
        Ok(ret)
    }
}

/// One raw system call with up to six arguments (the rest 0): the kernel's raw result
/// (-errno on failure). errno is not touched.
///
/// # Safety
///
/// As for [`raw_syscall`]: the call may write any memory its arguments point to.
pub unsafe fn raw(nr: i64, args: &[i64]) -> i64 {
    let mut all = [0i64; 6];
    for (slot, arg) in all.iter_mut().zip(args) {
        *slot = *arg;
    }
    // SAFETY: forwarded from the caller.
    unsafe { raw_syscall(nr as u32, &all) }
}

/// [`raw`], with the failure as `Err(errno)`.
///
/// # Safety
///
/// As for [`raw`].
pub unsafe fn call(nr: i64, args: &[i64]) -> Result<i64, i32> {
    // SAFETY: forwarded from the caller.
    checked(unsafe { raw(nr, args) })
}

/// `fstat(fd)`.
pub fn fstat(fd: RawFd) -> Result<libc::stat, i32> {
    // SAFETY: an all-zero stat is a valid value of the plain C struct.
    let mut st: libc::stat = unsafe { std::mem::zeroed() };
    // SAFETY: fstat writes one struct stat (on x86-64 the kernel's layout is glibc's) into
    // the valid, writable `st`; fd is only a number to the kernel.
    unsafe { call(libc::SYS_fstat, &[i64::from(fd), &mut st as *mut _ as i64]) }?;
    Ok(st)
}

/// `fstatfs(fd)`.
pub fn fstatfs(fd: RawFd) -> Result<libc::statfs, i32> {
    // SAFETY: an all-zero statfs is a valid value of the plain C struct.
    let mut st: libc::statfs = unsafe { std::mem::zeroed() };
    // SAFETY: fstatfs writes one struct statfs (the kernel's layout on x86-64) into the
    // valid, writable `st`.
    unsafe {
        call(
            libc::SYS_fstatfs,
            &[i64::from(fd), &mut st as *mut _ as i64],
        )
    }?;
    Ok(st)
}

/// The `fcntl` commands [`fcntl_int`] makes: each takes an integer argument, never a pointer.
const INT_FCNTLS: [i32; 4] = [
    libc::F_GETFL,
    libc::F_GETFD,
    libc::F_GETPIPE_SZ,
    libc::F_DUPFD_CLOEXEC,
];

/// `fcntl(fd, cmd, arg)` for one of [`INT_FCNTLS`]; any other command is EINVAL without a
/// call.
pub fn fcntl_int(fd: RawFd, cmd: i32, arg: i64) -> Result<i64, i32> {
    if !INT_FCNTLS.contains(&cmd) {
        return Err(libc::EINVAL);
    }
    // SAFETY: the commands taken here read or write no memory of the caller's.
    unsafe { call(libc::SYS_fcntl, &[i64::from(fd), i64::from(cmd), arg]) }
}

/// `getsockopt(fd, SOL_SOCKET, option)` of an integer option (`SO_TYPE`, `SO_DOMAIN`,
/// `SO_PROTOCOL`, ...).
pub fn socket_option(fd: RawFd, option: i32) -> Result<i32, i32> {
    let mut value: libc::c_int = 0;
    let mut len = std::mem::size_of::<libc::c_int>() as libc::socklen_t;
    // SAFETY: getsockopt writes at most `len` bytes (one int) into `value` and the length
    // it wrote into `len`, both valid and writable.
    unsafe {
        call(
            libc::SYS_getsockopt,
            &[
                i64::from(fd),
                i64::from(libc::SOL_SOCKET),
                i64::from(option),
                &mut value as *mut libc::c_int as i64,
                &mut len as *mut libc::socklen_t as i64,
            ],
        )
    }?;
    Ok(value)
}

/// `lseek(fd, offset, whence)`.
pub fn lseek(fd: RawFd, offset: i64, whence: i32) -> Result<i64, i32> {
    // SAFETY: lseek writes no memory.
    unsafe { call(libc::SYS_lseek, &[i64::from(fd), offset, i64::from(whence)]) }
}

/// `ioctl(fd, FIONREAD)`: the bytes a pipe or socket holds.
pub fn unread_bytes(fd: RawFd) -> Result<i64, i32> {
    let mut unread: libc::c_int = 0;
    // SAFETY: FIONREAD writes one int into `unread`.
    unsafe {
        call(
            libc::SYS_ioctl,
            &[
                i64::from(fd),
                libc::FIONREAD as i64,
                &mut unread as *mut libc::c_int as i64,
            ],
        )
    }?;
    Ok(i64::from(unread))
}

/// The soft and hard limits of `resource` (`prlimit64` on this process, which is what
/// glibc's `getrlimit` makes).
pub fn getrlimit(resource: libc::__rlimit_resource_t) -> Result<libc::rlimit, i32> {
    let mut limit = libc::rlimit {
        rlim_cur: 0,
        rlim_max: 0,
    };
    // SAFETY: prlimit64(0, resource, NULL, &limit) only writes the old limits into the
    // valid, writable `limit` (struct rlimit64 has the layout of rlimit on x86-64).
    unsafe {
        call(
            libc::SYS_prlimit64,
            &[
                0,
                i64::from(resource),
                0,
                &mut limit as *mut libc::rlimit as i64,
            ],
        )
    }?;
    Ok(limit)
}

/// Writes all of `bytes` on descriptor `fd`, retrying short writes and EINTR; gives up
/// quietly on any other failure.
pub fn write_all(fd: RawFd, mut bytes: &[u8]) {
    while !bytes.is_empty() {
        // SAFETY: write reads `bytes.len()` bytes of the valid slice.
        let ret = unsafe {
            call(
                libc::SYS_write,
                &[i64::from(fd), bytes.as_ptr() as i64, bytes.len() as i64],
            )
        };
        match ret {
            Ok(n) if n > 0 => bytes = &bytes[(n as usize).min(bytes.len())..],
            Err(libc::EINTR) => {}
            _ => return,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_come_back_as_values_and_leave_errno_alone() {
        crate::errno::set(1234);
        assert_eq!(fstat(i32::MAX).err(), Some(libc::EBADF));
        assert_eq!(fstatfs(-1).err(), Some(libc::EBADF));
        assert_eq!(fcntl_int(-1, libc::F_GETFL, 0).err(), Some(libc::EBADF));
        assert_eq!(lseek(-1, 0, libc::SEEK_CUR).err(), Some(libc::EBADF));
        assert_eq!(unread_bytes(-1).err(), Some(libc::EBADF));
        assert_eq!(fcntl_int(0, libc::F_SETLK, 0).err(), Some(libc::EINVAL));
        assert_eq!(
            getrlimit(libc::RLIMIT_NOFILE + 1000).err(),
            Some(libc::EINVAL)
        );
        write_all(-1, b"x");
        assert_eq!(crate::errno::get(), 1234);
    }

    #[test]
    fn answers_match_the_c_library() {
        let st = fstat(0).or_else(|_| fstat(1));
        if let Ok(st) = st {
            assert_ne!(st.st_mode, 0);
        }
        let ours = getrlimit(libc::RLIMIT_NOFILE).expect("RLIMIT_NOFILE");
        let mut theirs = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes into a valid rlimit.
        assert_eq!(
            unsafe { libc::getrlimit(libc::RLIMIT_NOFILE, &mut theirs) },
            0
        );
        assert_eq!(
            (ours.rlim_cur, ours.rlim_max),
            (theirs.rlim_cur, theirs.rlim_max)
        );
        let file = tempfile::tempfile().expect("a temporary file");
        use std::os::fd::AsRawFd;
        let fd = file.as_raw_fd();
        std::io::Write::write_all(&mut &file, b"hello").expect("write");
        assert_eq!(lseek(fd, 0, libc::SEEK_CUR), Ok(5));
        let st = fstat(fd).expect("fstat");
        assert_eq!(st.st_size, 5);
        assert_eq!(st.st_mode & libc::S_IFMT, libc::S_IFREG);
        assert!(fstatfs(fd).is_ok());
        let flags = fcntl_int(fd, libc::F_GETFL, 0).expect("F_GETFL");
        assert_eq!(flags as i32 & libc::O_ACCMODE, libc::O_RDWR);
    }
}
