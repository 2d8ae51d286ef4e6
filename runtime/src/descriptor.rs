//! What a program's descriptor is, asked of the kernel in one place for the three parts of
//! the runtime whose exactness depends on it: the io_uring backend (`uring::classify`:
//! requests another thread may run), merged writes (`merge::merging_of`: where a `writev`
//! is the writes it replaces) and specialised copies (`copy::plan`: which kernel operation
//! moves the bytes as the plain loop would).
//!
//! [`examine`] makes one `fstat`; what else a rule needs is asked only when it asks
//! ([`Examined::status_flags`]: `fcntl(F_GETFL)`, [`Examined::on_task_independent_filesystem`]:
//! `fstatfs`), so a rule that is settled by the file's type costs one crossing.

use std::os::fd::RawFd;

/// The filesystems whose regular files are byte ranges of the page cache however the calls
/// cut them, read and written the same from any thread of the process, by `statfs.f_type`
/// (`include/uapi/linux/magic.h`). Not procfs, sysfs, debugfs or tracefs (a read describes
/// the calling task, a write is a command run once per call), FUSE (its server sees each
/// call), NFS, overlayfs and the like.
pub const TASK_INDEPENDENT_FILESYSTEMS: &[(&str, i64)] = &[
    ("ext2/ext3/ext4", 0xef53),
    ("xfs", 0x5846_5342),
    ("btrfs", 0x9123_683e),
    ("tmpfs", 0x0102_1994),
    ("ramfs", 0x8584_58f6),
];

/// A descriptor the kernel described (`fstat` succeeded).
#[derive(Clone, Copy)]
pub struct Examined {
    fd: RawFd,
    st: libc::stat,
}

/// Asks the kernel what `fd` is (`fstat`): the description, or the errno of the failure
/// (`EBADF`: not open). Like every question here, it leaves errno alone ([`crate::sys`]).
pub fn examine(fd: RawFd) -> Result<Examined, i32> {
    let st = crate::sys::fstat(fd)?;
    Ok(Examined { fd, st })
}

impl Examined {
    /// The `stat` the kernel gave.
    pub fn stat(&self) -> &libc::stat {
        &self.st
    }

    fn file_type(&self) -> libc::mode_t {
        self.st.st_mode & libc::S_IFMT
    }

    /// A regular file.
    pub fn is_regular(&self) -> bool {
        self.file_type() == libc::S_IFREG
    }

    /// A pipe or FIFO.
    pub fn is_pipe(&self) -> bool {
        self.file_type() == libc::S_IFIFO
    }

    /// A socket.
    pub fn is_socket(&self) -> bool {
        self.file_type() == libc::S_IFSOCK
    }

    /// A socket whose writes make one stream of bytes with no boundaries between them: a
    /// `SOCK_STREAM` socket of TCP (`SO_PROTOCOL`; not MPTCP, not SCTP, whose one-to-one
    /// sockets keep each write a message) or of the Unix domain. Not datagram, seqpacket or
    /// raw sockets (a raw socket of protocol TCP sends a packet per write). Up to three
    /// `getsockopt`s, asked only of a socket.
    pub fn is_byte_stream_socket(&self) -> bool {
        use crate::sys::socket_option;
        self.is_socket()
            && socket_option(self.fd, libc::SO_TYPE) == Ok(libc::SOCK_STREAM)
            && (socket_option(self.fd, libc::SO_PROTOCOL) == Ok(libc::IPPROTO_TCP)
                || socket_option(self.fd, libc::SO_DOMAIN) == Ok(libc::AF_UNIX))
    }

    /// `/dev/null` (character device 1, 3 on Linux).
    pub fn is_dev_null(&self) -> bool {
        self.file_type() == libc::S_IFCHR
            && libc::major(self.st.st_rdev) == 1
            && libc::minor(self.st.st_rdev) == 3
    }

    /// Whether `other` is the same file (device and inode).
    pub fn same_file(&self, other: &Examined) -> bool {
        self.st.st_dev == other.st.st_dev && self.st.st_ino == other.st.st_ino
    }

    /// The descriptor's status flags (`fcntl(F_GETFL)`), `None` when the kernel does not say.
    pub fn status_flags(&self) -> Option<i32> {
        crate::sys::fcntl_int(self.fd, libc::F_GETFL, 0)
            .ok()
            .map(|flags| flags as i32)
    }

    /// Whether the file is on one of [`TASK_INDEPENDENT_FILESYSTEMS`] (`fstatfs`); `false`
    /// when the kernel does not say.
    pub fn on_task_independent_filesystem(&self) -> bool {
        on_task_independent_filesystem(self.fd)
    }
}

/// Whether `fd` is a file of one of [`TASK_INDEPENDENT_FILESYSTEMS`] (`fstatfs`).
pub fn on_task_independent_filesystem(fd: RawFd) -> bool {
    let Ok(st) = crate::sys::fstatfs(fd) else {
        return false;
    };
    TASK_INDEPENDENT_FILESYSTEMS
        .iter()
        .any(|&(_, magic)| st.f_type == magic)
}
