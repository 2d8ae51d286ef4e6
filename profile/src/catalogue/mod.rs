//! The x86-64 Linux system call catalogue: every entry of the kernel's table (name, number, argument
//! kinds) and the libc functions that make those calls.
//!
//! The table (`table.rs`) is generated at development time by `profile/tools/gen_catalogue.py` from
//! `unistd_64.h` and the kernel's `syscalls.h`; the build needs neither header. The wrapper list below
//! is written by hand: it says, for each libc function that crosses into the kernel, which system call
//! does the same work, which names a trace may show for it (glibc's `open` is an `openat` in a trace),
//! and whether a raw `syscall(nr, same arguments)` is an exact substitute for the libc call.

mod table;

use crate::fxhash::FxHashMap as HashMap;
use std::sync::OnceLock;

/// What an argument of a system call is. The argument count of a call is `args.len()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArgKind {
    /// A file descriptor (also a directory descriptor such as `dfd`, where `AT_FDCWD` is -100).
    Fd,
    /// User memory the kernel reads (a buffer, a struct, an array). For an `iovec` array, the kind
    /// says what the kernel does with the memory the vectors point to (`writev`: `BufIn`).
    BufIn,
    /// User memory the kernel writes (`read`'s buffer; `readv`'s vectors' memory).
    BufOut,
    /// User memory the kernel reads and writes (e.g. a socket address length, a `pollfd` array).
    BufInOut,
    /// A length or count, usually of the preceding buffer.
    Len,
    /// A NUL-terminated path name the kernel reads.
    Path,
    /// A bit set of flags (`O_*`, `PROT_*`, `MSG_*`, ...).
    Flags,
    /// A file mode (`umode_t`) or access mode.
    Mode,
    /// A file offset.
    Offset,
    /// `SEEK_SET`, `SEEK_CUR`, `SEEK_END`, ...
    Whence,
    /// A process or thread id.
    Pid,
    /// A signal number.
    Signal,
    /// A user pointer whose direction depends on another argument (`ioctl`, `fcntl`, `ptrace`).
    Ptr,
    /// A signed integer of no more specific kind.
    Int,
    /// An unsigned integer of no more specific kind.
    Uint,
    /// A user id.
    Uid,
    /// A group id.
    Gid,
    /// A user-space address the kernel does not dereference as a buffer (`mmap`, `brk`, `munmap`).
    Addr,
    /// A command or request code that selects what the call does (`ioctl`, `fcntl`, `prctl`, `futex`).
    Cmd,
}

impl ArgKind {
    /// True when the argument points to user memory that the kernel reads or writes.
    pub fn is_memory(self) -> bool {
        matches!(
            self,
            ArgKind::BufIn | ArgKind::BufOut | ArgKind::BufInOut | ArgKind::Path | ArgKind::Ptr
        )
    }

    /// True when the kernel may write user memory through this argument.
    pub fn may_write_memory(self) -> bool {
        matches!(self, ArgKind::BufOut | ArgKind::BufInOut | ArgKind::Ptr)
    }
}

/// One entry of the x86-64 Linux system call table (names as the kernel's `unistd_64.h`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Syscall {
    pub nr: u32,
    pub name: &'static str,
    pub args: &'static [ArgKind],
}

impl Syscall {
    /// Whether a multi-call may hold this call: false for the ABI's never-run list
    /// (`multicall_abi::MC_NEVER_RUN`: calls that depend on the caller's register frame or
    /// process identity), whose entries a batch answers with -ENOSYS.
    pub fn batchable(&self) -> bool {
        !multicall_abi::is_never_run(self.nr)
    }
}

/// The whole table, in number order.
pub fn all() -> &'static [Syscall] {
    &table::TABLE
}

fn name_index() -> &'static HashMap<&'static str, &'static Syscall> {
    static INDEX: OnceLock<HashMap<&'static str, &'static Syscall>> = OnceLock::new();
    INDEX.get_or_init(|| {
        table::TABLE
            .iter()
            .map(|s| (s.name, s))
            .collect::<HashMap<_, _>>()
    })
}

/// The system call with the kernel's name `name` (`"openat"`, `"newfstatat"`, ...).
pub fn by_name(name: &str) -> Option<&'static Syscall> {
    name_index().get(name).copied()
}

/// The system call with x86-64 number `nr`.
pub fn by_nr(nr: u32) -> Option<&'static Syscall> {
    // The table is sorted by number with gaps (e.g. 335..=423 are unused), so search it.
    table::TABLE
        .binary_search_by_key(&nr, |s| s.nr)
        .ok()
        .map(|i| &table::TABLE[i])
}

/// A libc function that makes a system call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wrapper {
    /// The libc symbol as it appears in IR: `"read"`, `"open"`, `"open64"`, `"creat"`, `"__read_chk"`.
    pub function: &'static str,
    /// The x86-64 system call that does the same with the wrapper's own arguments, in order.
    pub nr: u32,
    /// Names a trace may show for a call of this function (`open` -> `["openat", "open"]`).
    pub trace_names: &'static [&'static str],
    /// True when a raw `syscall(nr, same arguments)` behaves exactly like the libc call, apart from
    /// the result convention (raw `-errno` against libc's `-1` and `errno`).
    pub lowerable: bool,
    /// Why the call is not lowerable, or what a caller must know; empty when there is nothing to say.
    pub note: &'static str,
}

macro_rules! w {
    ($f:literal, $nr:literal, [$($t:literal),*], $low:literal) => {
        Wrapper { function: $f, nr: $nr, trace_names: &[$($t),*], lowerable: $low, note: "" }
    };
    ($f:literal, $nr:literal, [$($t:literal),*], $low:literal, $note:literal) => {
        Wrapper { function: $f, nr: $nr, trace_names: &[$($t),*], lowerable: $low, note: $note }
    };
}

static WRAPPERS: &[Wrapper] = &[
    // files: data transfer
    w!("read", 0, ["read"], true),
    w!("write", 1, ["write"], true),
    w!("pread", 17, ["pread64"], true),
    w!("pread64", 17, ["pread64"], true),
    w!("pwrite", 18, ["pwrite64"], true),
    w!("pwrite64", 18, ["pwrite64"], true),
    w!("readv", 19, ["readv"], true),
    w!("writev", 20, ["writev"], true),
    w!(
        "preadv",
        295,
        ["preadv"],
        false,
        "the kernel takes the offset as two halves"
    ),
    w!(
        "pwritev",
        296,
        ["pwritev"],
        false,
        "the kernel takes the offset as two halves"
    ),
    w!("sendfile", 40, ["sendfile"], true),
    w!("sendfile64", 40, ["sendfile"], true),
    w!("splice", 275, ["splice"], true),
    w!("tee", 276, ["tee"], true),
    w!("copy_file_range", 326, ["copy_file_range"], true),
    w!(
        "__read_chk",
        0,
        ["read"],
        false,
        "fortified: checks the buffer size first (extra argument)"
    ),
    w!(
        "__pread_chk",
        17,
        ["pread64"],
        false,
        "fortified: checks the buffer size first (extra argument)"
    ),
    w!(
        "__pread64_chk",
        17,
        ["pread64"],
        false,
        "fortified: checks the buffer size first (extra argument)"
    ),
    w!(
        "__readlink_chk",
        89,
        ["readlink"],
        false,
        "fortified: checks the buffer size first (extra argument)"
    ),
    w!(
        "__recv_chk",
        45,
        ["recvfrom"],
        false,
        "fortified recv: extra argument, and recv is recvfrom"
    ),
    w!(
        "__recvfrom_chk",
        45,
        ["recvfrom"],
        false,
        "fortified: checks the buffer size first (extra argument)"
    ),
    // files: open, close, metadata
    w!("open", 2, ["openat", "open"], true),
    w!("open64", 2, ["openat", "open"], true),
    w!(
        "__open_2",
        2,
        ["openat", "open"],
        false,
        "fortified open without a mode (aborts on O_CREAT)"
    ),
    w!(
        "__open64_2",
        2,
        ["openat", "open"],
        false,
        "fortified open without a mode (aborts on O_CREAT)"
    ),
    w!("openat", 257, ["openat"], true),
    w!("openat64", 257, ["openat"], true),
    w!("creat", 85, ["creat", "openat"], true),
    w!("creat64", 85, ["creat", "openat"], true),
    w!("close", 3, ["close"], true),
    w!("stat", 4, ["newfstatat", "stat"], true),
    w!("stat64", 4, ["newfstatat", "stat"], true),
    w!("fstat", 5, ["newfstatat", "fstat"], true),
    w!("fstat64", 5, ["newfstatat", "fstat"], true),
    w!("lstat", 6, ["newfstatat", "lstat"], true),
    w!("lstat64", 6, ["newfstatat", "lstat"], true),
    w!("fstatat", 262, ["newfstatat"], true),
    w!("fstatat64", 262, ["newfstatat"], true),
    w!(
        "__xstat",
        4,
        ["newfstatat", "stat"],
        false,
        "old glibc entry point: takes a version first"
    ),
    w!(
        "__fxstat",
        5,
        ["newfstatat", "fstat"],
        false,
        "old glibc entry point: takes a version first"
    ),
    w!(
        "__lxstat",
        6,
        ["newfstatat", "lstat"],
        false,
        "old glibc entry point: takes a version first"
    ),
    w!("statx", 332, ["statx"], true),
    w!("statfs", 137, ["statfs"], true),
    w!("fstatfs", 138, ["fstatfs"], true),
    w!("lseek", 8, ["lseek"], true),
    w!("lseek64", 8, ["lseek"], true),
    w!("access", 21, ["access", "faccessat", "faccessat2"], true),
    w!(
        "faccessat",
        269,
        ["faccessat2", "faccessat"],
        false,
        "glibc emulates AT_EACCESS and uses faccessat2 for flags"
    ),
    w!("fsync", 74, ["fsync"], true),
    w!("fdatasync", 75, ["fdatasync"], true),
    w!("sync", 162, ["sync"], true),
    w!("syncfs", 306, ["syncfs"], true),
    w!("truncate", 76, ["truncate"], true),
    w!("truncate64", 76, ["truncate"], true),
    w!("ftruncate", 77, ["ftruncate"], true),
    w!("ftruncate64", 77, ["ftruncate"], true),
    w!("fallocate", 285, ["fallocate"], true),
    w!("fallocate64", 285, ["fallocate"], true),
    w!(
        "posix_fadvise",
        221,
        ["fadvise64"],
        false,
        "returns the error number instead of setting errno"
    ),
    w!(
        "posix_fallocate",
        285,
        ["fallocate"],
        false,
        "returns the error number and may emulate"
    ),
    w!("getdents64", 217, ["getdents64"], true),
    w!("readlink", 89, ["readlink", "readlinkat"], true),
    w!("readlinkat", 267, ["readlinkat"], true),
    w!("unlink", 87, ["unlink", "unlinkat"], true),
    w!("unlinkat", 263, ["unlinkat"], true),
    w!("rmdir", 84, ["rmdir", "unlinkat"], true),
    w!("mkdir", 83, ["mkdir", "mkdirat"], true),
    w!("mkdirat", 258, ["mkdirat"], true),
    w!("rename", 82, ["rename", "renameat", "renameat2"], true),
    w!("renameat", 264, ["renameat", "renameat2"], true),
    w!("renameat2", 316, ["renameat2"], true),
    w!("link", 86, ["link", "linkat"], true),
    w!("linkat", 265, ["linkat"], true),
    w!("symlink", 88, ["symlink", "symlinkat"], true),
    w!("symlinkat", 266, ["symlinkat"], true),
    w!("chdir", 80, ["chdir"], true),
    w!("fchdir", 81, ["fchdir"], true),
    w!("chmod", 90, ["chmod", "fchmodat"], true),
    w!("fchmod", 91, ["fchmod"], true),
    w!(
        "fchmodat",
        268,
        ["fchmodat"],
        false,
        "glibc handles AT_SYMLINK_NOFOLLOW itself; the kernel call has no flags"
    ),
    w!("chown", 92, ["chown", "fchownat"], true),
    w!("fchown", 93, ["fchown"], true),
    w!("lchown", 94, ["lchown", "fchownat"], true),
    w!("fchownat", 260, ["fchownat"], true),
    w!("umask", 95, ["umask"], true),
    w!("dup", 32, ["dup"], true),
    w!("dup2", 33, ["dup2", "dup3"], true),
    w!("dup3", 292, ["dup3"], true),
    w!("pipe", 22, ["pipe", "pipe2"], true),
    w!("pipe2", 293, ["pipe2"], true),
    w!("ioctl", 16, ["ioctl"], true),
    w!(
        "fcntl",
        72,
        ["fcntl"],
        false,
        "glibc turns F_GETOWN into F_GETOWN_EX (negative owners are not errors)"
    ),
    w!(
        "fcntl64",
        72,
        ["fcntl"],
        false,
        "glibc turns F_GETOWN into F_GETOWN_EX (negative owners are not errors)"
    ),
    w!("flock", 73, ["flock"], true),
    w!(
        "getcwd",
        79,
        ["getcwd"],
        false,
        "glibc allocates when the buffer is NULL and returns the buffer, not a length"
    ),
    w!("inotify_add_watch", 254, ["inotify_add_watch"], true),
    w!("memfd_create", 319, ["memfd_create"], true),
    // memory
    w!("mmap", 9, ["mmap"], true),
    w!("mmap64", 9, ["mmap"], true),
    w!("munmap", 11, ["munmap"], true),
    w!("mprotect", 10, ["mprotect"], true),
    w!("madvise", 28, ["madvise"], true),
    w!(
        "mremap",
        25,
        ["mremap"],
        false,
        "variadic: the new address is only passed with MREMAP_FIXED"
    ),
    w!("msync", 26, ["msync"], true),
    w!("mlock", 149, ["mlock"], true),
    w!("munlock", 150, ["munlock"], true),
    w!(
        "brk",
        12,
        ["brk"],
        false,
        "glibc returns 0 or -1; the kernel returns the new break"
    ),
    // sockets
    w!("socket", 41, ["socket"], true),
    w!("socketpair", 53, ["socketpair"], true),
    w!("bind", 49, ["bind"], true),
    w!("listen", 50, ["listen"], true),
    w!("connect", 42, ["connect"], true),
    w!("accept", 43, ["accept"], true),
    w!("accept4", 288, ["accept4"], true),
    w!(
        "send",
        44,
        ["sendto"],
        false,
        "send is sendto with two more arguments (NULL, 0)"
    ),
    w!(
        "recv",
        45,
        ["recvfrom"],
        false,
        "recv is recvfrom with two more arguments (NULL, NULL)"
    ),
    w!("sendto", 44, ["sendto"], true),
    w!("recvfrom", 45, ["recvfrom"], true),
    w!("sendmsg", 46, ["sendmsg"], true),
    w!("recvmsg", 47, ["recvmsg"], true),
    w!("sendmmsg", 307, ["sendmmsg"], true),
    w!("recvmmsg", 299, ["recvmmsg"], true),
    w!("shutdown", 48, ["shutdown"], true),
    w!("setsockopt", 54, ["setsockopt"], true),
    w!("getsockopt", 55, ["getsockopt"], true),
    w!("getsockname", 51, ["getsockname"], true),
    w!("getpeername", 52, ["getpeername"], true),
    // waiting for events
    w!("select", 23, ["pselect6", "select"], true),
    w!(
        "pselect",
        270,
        ["pselect6"],
        false,
        "the kernel takes the signal mask with its size in a struct"
    ),
    w!("poll", 7, ["poll", "ppoll"], true),
    w!(
        "ppoll",
        271,
        ["ppoll"],
        false,
        "the kernel takes the signal mask size as a fifth argument"
    ),
    w!("epoll_create", 213, ["epoll_create", "epoll_create1"], true),
    w!("epoll_create1", 291, ["epoll_create1"], true),
    w!("epoll_ctl", 233, ["epoll_ctl"], true),
    w!("epoll_wait", 232, ["epoll_wait", "epoll_pwait"], true),
    w!(
        "epoll_pwait",
        281,
        ["epoll_pwait"],
        false,
        "the kernel takes the signal mask size as a sixth argument"
    ),
    w!("eventfd", 290, ["eventfd2"], true),
    w!("nanosleep", 35, ["clock_nanosleep", "nanosleep"], true),
    w!(
        "clock_nanosleep",
        230,
        ["clock_nanosleep"],
        false,
        "returns the error number instead of setting errno"
    ),
    w!("alarm", 37, ["alarm"], true),
    w!("pause", 34, ["pause"], true),
    // processes, identity, signals
    w!("getpid", 39, ["getpid"], true),
    w!("getppid", 110, ["getppid"], true),
    w!("gettid", 186, ["gettid"], true),
    w!("getuid", 102, ["getuid"], true),
    w!("geteuid", 107, ["geteuid"], true),
    w!("getgid", 104, ["getgid"], true),
    w!("getegid", 108, ["getegid"], true),
    w!("setsid", 112, ["setsid"], true),
    w!("getrlimit", 97, ["prlimit64", "getrlimit"], true),
    w!("setrlimit", 160, ["prlimit64", "setrlimit"], true),
    w!("prlimit", 302, ["prlimit64"], true),
    w!("getrusage", 98, ["getrusage"], true),
    w!("uname", 63, ["uname"], true),
    w!("getrandom", 318, ["getrandom"], true),
    w!("sched_yield", 24, ["sched_yield"], true),
    w!("kill", 62, ["kill"], true),
    w!("tgkill", 234, ["tgkill"], true),
    w!("wait4", 61, ["wait4"], true),
    w!(
        "waitpid",
        61,
        ["wait4"],
        false,
        "waitpid is wait4 with a fourth argument (NULL)"
    ),
    w!(
        "wait",
        61,
        ["wait4"],
        false,
        "wait is wait4(-1, status, 0, NULL)"
    ),
    w!(
        "setuid",
        105,
        ["setuid"],
        false,
        "glibc applies it to every thread of the process"
    ),
    w!(
        "setgid",
        106,
        ["setgid"],
        false,
        "glibc applies it to every thread of the process"
    ),
    w!(
        "sigaction",
        13,
        ["rt_sigaction"],
        false,
        "glibc installs its own sa_restorer and converts the struct"
    ),
    w!(
        "signal",
        13,
        ["rt_sigaction"],
        false,
        "glibc builds a sigaction"
    ),
    w!(
        "sigprocmask",
        14,
        ["rt_sigprocmask"],
        false,
        "the kernel takes the mask size as a fourth argument"
    ),
    w!(
        "pthread_sigmask",
        14,
        ["rt_sigprocmask"],
        false,
        "returns the error number and guards glibc's own signals"
    ),
    w!(
        "raise",
        234,
        ["tgkill"],
        false,
        "glibc blocks signals around getpid/gettid/tgkill"
    ),
    w!(
        "fork",
        57,
        ["clone", "fork"],
        false,
        "the child's register frame and glibc's state (atfork handlers)"
    ),
    w!(
        "vfork",
        58,
        ["vfork"],
        false,
        "the child shares the caller's stack frame"
    ),
    w!(
        "execve",
        59,
        ["execve"],
        false,
        "replaces the process image"
    ),
    w!(
        "execv",
        59,
        ["execve"],
        false,
        "replaces the process image; libc passes environ"
    ),
    w!(
        "execvp",
        59,
        ["execve"],
        false,
        "replaces the process image; libc searches PATH"
    ),
    w!("_exit", 231, ["exit_group"], false, "ends the process"),
    w!("_Exit", 231, ["exit_group"], false, "ends the process"),
    w!(
        "exit",
        231,
        ["exit_group"],
        false,
        "runs atexit handlers and flushes stdio before ending the process"
    ),
];

/// Every libc wrapper the catalogue knows.
pub fn wrappers() -> &'static [Wrapper] {
    WRAPPERS
}

/// The wrapper for the libc symbol `function`, if it is one.
pub fn wrapper(function: &str) -> Option<&'static Wrapper> {
    static INDEX: OnceLock<HashMap<&'static str, &'static Wrapper>> = OnceLock::new();
    INDEX
        .get_or_init(|| WRAPPERS.iter().map(|w| (w.function, w)).collect())
        .get(function)
        .copied()
}

/// The argument kinds of the system call a trace names `name`, or of `syscall_0xNN` / `syscall_NN`
/// names strace prints for numbers it does not know.
pub fn resolve_trace_name(name: &str) -> Option<&'static Syscall> {
    if let Some(s) = by_name(name) {
        return Some(s);
    }
    let rest = name.strip_prefix("syscall_")?;
    let nr = match rest.strip_prefix("0x") {
        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
        None => rest.parse().ok()?,
    };
    by_nr(nr)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_is_sorted_unique_and_complete() {
        let t = all();
        assert!(t.len() >= 360, "only {} entries", t.len());
        for pair in t.windows(2) {
            assert!(
                pair[0].nr < pair[1].nr,
                "{} then {}",
                pair[0].name,
                pair[1].name
            );
        }
        let mut names: Vec<_> = t.iter().map(|s| s.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), t.len());
        assert!(t.iter().all(|s| s.args.len() <= 6));
    }

    #[test]
    fn well_known_numbers_and_kinds() {
        use ArgKind::*;
        let read = by_name("read").unwrap();
        assert_eq!((read.nr, read.args), (0, &[Fd, BufOut, Len][..]));
        assert_eq!(by_name("write").unwrap().args, &[Fd, BufIn, Len]);
        assert_eq!(by_name("openat").unwrap().nr, 257);
        assert_eq!(by_name("openat").unwrap().args, &[Fd, Path, Flags, Mode]);
        assert_eq!(by_name("creat").unwrap().nr, 85);
        assert_eq!(by_name("lseek").unwrap().args, &[Fd, Offset, Whence]);
        assert_eq!(by_name("newfstatat").unwrap().nr, 262);
        assert_eq!(by_name("io_uring_setup").unwrap().nr, 425);
        assert_eq!(by_name("set_mempolicy_home_node").unwrap().nr, 450);
        assert_eq!(by_nr(1).unwrap().name, "write");
        assert_eq!(by_nr(231).unwrap().name, "exit_group");
        assert!(by_nr(400).is_none());
        assert_eq!(by_name("close").unwrap().args, &[Fd]);
        assert!(by_name("readv").unwrap().args[1].may_write_memory());
        assert!(!by_name("writev").unwrap().args[1].may_write_memory());
        assert_eq!(
            by_name("sendto").unwrap().args,
            &[Fd, BufIn, Len, Flags, BufIn, Len]
        );
        assert_eq!(by_name("pread64").unwrap().args, &[Fd, BufOut, Len, Offset]);
        assert_eq!(by_name("getpid").unwrap().args.len(), 0);
        assert_eq!(by_name("mmap").unwrap().args.len(), 6);
    }

    #[test]
    fn wrappers_name_real_calls() {
        for w in wrappers() {
            let s = by_nr(w.nr).unwrap_or_else(|| panic!("{}: no syscall {}", w.function, w.nr));
            assert!(!w.trace_names.is_empty(), "{}", w.function);
            for t in w.trace_names {
                assert!(
                    by_name(t).is_some(),
                    "{}: unknown trace name {t}",
                    w.function
                );
            }
            assert!(
                w.lowerable || !w.note.is_empty(),
                "{}: say why it is not lowerable",
                w.function
            );
            let _ = s;
        }
        let open = wrapper("open").unwrap();
        assert_eq!(open.nr, 2);
        assert!(open.trace_names.contains(&"openat"));
        assert!(wrapper("creat").unwrap().lowerable);
        assert!(!wrapper("sigaction").unwrap().lowerable);
        assert!(!wrapper("__read_chk").unwrap().lowerable);
        assert!(wrapper("printf").is_none());
        assert_eq!(
            wrapper("select").unwrap().trace_names,
            &["pselect6", "select"]
        );
    }

    #[test]
    fn unknown_numbers_resolve() {
        assert_eq!(resolve_trace_name("syscall_0x1").unwrap().name, "write");
        assert_eq!(resolve_trace_name("syscall_257").unwrap().name, "openat");
        assert!(resolve_trace_name("syscall_0x1f4").is_none());
        assert!(resolve_trace_name("nonsense").is_none());
    }

    #[test]
    fn batchable_follows_the_abi() {
        assert!(by_name("read").unwrap().batchable());
        for (name, nr) in multicall_abi::MC_NEVER_RUN {
            let call = by_name(name).unwrap();
            assert_eq!(
                call.nr, *nr,
                "{name}: the catalogue and the ABI disagree on the number"
            );
            assert!(!call.batchable(), "{name}");
        }
    }
}
