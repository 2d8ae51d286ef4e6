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
    /// How the system call's arguments come from the wrapper's.
    pub args: Args,
}

/// How a wrapper's arguments become its system call's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Args {
    /// The wrapper's arguments in order; arguments the wrapper does not pass (a missing
    /// variadic one, or the system call's trailing extras) are 0.
    Same,
    /// One source per argument of the system call (`wait(s)` is `wait4(-1, s, 0, NULL)`).
    Map(&'static [Arg]),
    /// `fcntl(fd, cmd, ...)`: the wrapper's arguments in order, exact only for a constant
    /// command that [`fcntl_command`] knows.
    FcntlCommand,
    /// A fortified entry point (`__read_chk(fd, buf, n, buflen)`): the system call's arguments
    /// by `map`, after glibc's check that the wrapper's argument `len` is at most its argument
    /// `buflen` (unsigned), which calls `__chk_fail` (it aborts) instead of the system call.
    Checked {
        map: &'static [Arg],
        len: usize,
        buflen: usize,
    },
    /// `sigaction(sig, act, NULL)`: `rt_sigaction(sig, &kact, NULL, 8)` with the kernel's
    /// struct built from `*act` as glibc builds it (`SA_RESTORER` and a restorer added),
    /// exact for a constant signal glibc accepts, a non-null `act` and a NULL `oact`.
    Sigaction,
}

/// Where one argument of the system call comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arg {
    /// The wrapper's argument with this index.
    From(usize),
    /// The wrapper's variadic argument with this index, 0 when the caller passes none
    /// (`open`'s mode).
    Optional(usize),
    /// A constant.
    Const(i64),
    /// A pointer to an empty string (`fstat(fd, st)` is `newfstatat(fd, "", st,
    /// AT_EMPTY_PATH)`).
    EmptyPath,
}

/// `AT_FDCWD`: a path relative to the working directory.
const AT_FDCWD: i64 = -100;
/// `AT_SYMLINK_NOFOLLOW`.
const AT_SYMLINK_NOFOLLOW: i64 = 0x100;
/// `AT_EMPTY_PATH`.
const AT_EMPTY_PATH: i64 = 0x1000;
/// `CLOCK_REALTIME`.
const CLOCK_REALTIME: i64 = 0;

/// `open(p, f[, m])`: `openat(AT_FDCWD, p, f, m)`, as glibc makes it.
const OPEN_ARGS: Args = Args::Map(&[
    Arg::Const(AT_FDCWD),
    Arg::From(0),
    Arg::From(1),
    Arg::Optional(2),
]);
/// `stat(p, st)`: `newfstatat(AT_FDCWD, p, st, 0)`.
const STAT_ARGS: Args = Args::Map(&[
    Arg::Const(AT_FDCWD),
    Arg::From(0),
    Arg::From(1),
    Arg::Const(0),
]);
/// `lstat(p, st)`: `newfstatat(AT_FDCWD, p, st, AT_SYMLINK_NOFOLLOW)`.
const LSTAT_ARGS: Args = Args::Map(&[
    Arg::Const(AT_FDCWD),
    Arg::From(0),
    Arg::From(1),
    Arg::Const(AT_SYMLINK_NOFOLLOW),
]);
/// `fstat(fd, st)`: `newfstatat(fd, "", st, AT_EMPTY_PATH)`.
const FSTAT_ARGS: Args = Args::Map(&[
    Arg::From(0),
    Arg::EmptyPath,
    Arg::From(1),
    Arg::Const(AT_EMPTY_PATH),
]);
/// `pipe(fds)`: `pipe2(fds, 0)`.
const PIPE_ARGS: Args = Args::Map(&[Arg::From(0), Arg::Const(0)]);
/// `getrlimit(r, old)`: `prlimit64(0, r, NULL, old)` (`struct rlimit` is the kernel's
/// `rlimit64` on x86-64).
const GETRLIMIT_ARGS: Args = Args::Map(&[Arg::Const(0), Arg::From(0), Arg::Const(0), Arg::From(1)]);
/// `setrlimit(r, new)`: `prlimit64(0, r, new, NULL)`.
const SETRLIMIT_ARGS: Args = Args::Map(&[Arg::Const(0), Arg::From(0), Arg::From(1), Arg::Const(0)]);
/// `nanosleep(req, rem)`: `clock_nanosleep(CLOCK_REALTIME, 0, req, rem)`.
const NANOSLEEP_ARGS: Args = Args::Map(&[
    Arg::Const(CLOCK_REALTIME),
    Arg::Const(0),
    Arg::From(0),
    Arg::From(1),
]);

macro_rules! w {
    ($f:literal, $nr:literal, [$($t:literal),*], $low:literal) => {
        Wrapper { function: $f, nr: $nr, trace_names: &[$($t),*], lowerable: $low, note: "", args: Args::Same }
    };
    ($f:literal, $nr:literal, [$($t:literal),*], $low:literal, $note:literal) => {
        Wrapper { function: $f, nr: $nr, trace_names: &[$($t),*], lowerable: $low, note: $note, args: Args::Same }
    };
    ($f:literal, $nr:literal, [$($t:literal),*], $note:literal, args: $args:expr) => {
        Wrapper { function: $f, nr: $nr, trace_names: &[$($t),*], lowerable: true, note: $note, args: $args }
    };
}

/// A fortified wrapper whose system call takes the wrapper's arguments `[$k, ...]`.
macro_rules! checked {
    ($f:literal, $nr:literal, [$($t:literal),*], [$($k:literal),*], len: $len:literal, buflen: $buf:literal) => {
        Wrapper {
            function: $f,
            nr: $nr,
            trace_names: &[$($t),*],
            lowerable: true,
            note: "fortified: checks the length against the buffer's size first",
            args: Args::Checked { map: &[$(Arg::From($k)),*], len: $len, buflen: $buf },
        }
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
    // glibc's fortified entry points (-D_FORTIFY_SOURCE): `n > buflen` calls `__chk_fail`
    // (which aborts) before any system call; otherwise the call of the unfortified wrapper.
    checked!("__read_chk", 0, ["read"], [0, 1, 2], len: 2, buflen: 3),
    checked!("__pread_chk", 17, ["pread64"], [0, 1, 2, 3], len: 2, buflen: 4),
    checked!("__pread64_chk", 17, ["pread64"], [0, 1, 2, 3], len: 2, buflen: 4),
    checked!("__readlink_chk", 89, ["readlink", "readlinkat"], [0, 1, 2], len: 2, buflen: 3),
    checked!("__readlinkat_chk", 267, ["readlinkat"], [0, 1, 2, 3], len: 3, buflen: 4),
    // __recv_chk(fd, buf, n, buflen, flags): recvfrom(fd, buf, n, flags, NULL, NULL).
    Wrapper {
        function: "__recv_chk",
        nr: 45,
        trace_names: &["recvfrom"],
        lowerable: true,
        note: "fortified recv: recvfrom with two more arguments (NULL, NULL)",
        args: Args::Checked {
            map: &[
                Arg::From(0),
                Arg::From(1),
                Arg::From(2),
                Arg::From(4),
                Arg::Const(0),
                Arg::Const(0),
            ],
            len: 2,
            buflen: 3,
        },
    },
    checked!("__recvfrom_chk", 45, ["recvfrom"], [0, 1, 2, 4, 5, 6], len: 2, buflen: 3),
    // files: open, close, metadata
    w!("open", 257, ["openat", "open"], "glibc's open is openat(AT_FDCWD, ...)", args: OPEN_ARGS),
    w!("open64", 257, ["openat", "open"], "glibc's open is openat(AT_FDCWD, ...)", args: OPEN_ARGS),
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
    w!("stat", 262, ["newfstatat", "stat"], "glibc's stat is newfstatat(AT_FDCWD, p, st, 0)", args: STAT_ARGS),
    w!("stat64", 262, ["newfstatat", "stat"], "glibc's stat is newfstatat(AT_FDCWD, p, st, 0)", args: STAT_ARGS),
    w!("fstat", 262, ["newfstatat", "fstat"], "glibc's fstat is newfstatat(fd, \"\", st, AT_EMPTY_PATH)", args: FSTAT_ARGS),
    w!("fstat64", 262, ["newfstatat", "fstat"], "glibc's fstat is newfstatat(fd, \"\", st, AT_EMPTY_PATH)", args: FSTAT_ARGS),
    w!("lstat", 262, ["newfstatat", "lstat"], "glibc's lstat is newfstatat(AT_FDCWD, p, st, AT_SYMLINK_NOFOLLOW)", args: LSTAT_ARGS),
    w!("lstat64", 262, ["newfstatat", "lstat"], "glibc's lstat is newfstatat(AT_FDCWD, p, st, AT_SYMLINK_NOFOLLOW)", args: LSTAT_ARGS),
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
    w!("pipe", 293, ["pipe2", "pipe"], "glibc's pipe is pipe2(fds, 0)", args: PIPE_ARGS),
    w!("pipe2", 293, ["pipe2"], true),
    w!("ioctl", 16, ["ioctl"], true),
    w!(
        "fcntl",
        72,
        ["fcntl"],
        "variadic: the third argument's kind depends on the command",
        args: Args::FcntlCommand
    ),
    w!(
        "fcntl64",
        72,
        ["fcntl"],
        "variadic: the third argument's kind depends on the command",
        args: Args::FcntlCommand
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
        "send is sendto with two more arguments (NULL, 0)",
        args: Args::Same
    ),
    w!(
        "recv",
        45,
        ["recvfrom"],
        "recv is recvfrom with two more arguments (NULL, NULL)",
        args: Args::Same
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
        "glibc passes a copy of the timeout (the kernel writes the time left into it)"
    ),
    w!("epoll_create", 213, ["epoll_create", "epoll_create1"], true),
    w!("epoll_create1", 291, ["epoll_create1"], true),
    w!("epoll_ctl", 233, ["epoll_ctl"], true),
    w!("epoll_wait", 232, ["epoll_wait", "epoll_pwait"], true),
    w!(
        "epoll_pwait",
        281,
        ["epoll_pwait"],
        "the kernel takes the signal mask's size (8 bytes) as a sixth argument",
        args: Args::Map(&[
            Arg::From(0),
            Arg::From(1),
            Arg::From(2),
            Arg::From(3),
            Arg::From(4),
            Arg::Const(8)
        ])
    ),
    w!("eventfd", 290, ["eventfd2"], true),
    w!("nanosleep", 230, ["clock_nanosleep", "nanosleep"], "glibc's nanosleep is clock_nanosleep(CLOCK_REALTIME, 0, req, rem)", args: NANOSLEEP_ARGS),
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
    w!("getrlimit", 302, ["prlimit64", "getrlimit"], "glibc's getrlimit is prlimit64(0, r, NULL, old)", args: GETRLIMIT_ARGS),
    w!("setrlimit", 302, ["prlimit64", "setrlimit"], "glibc's setrlimit is prlimit64(0, r, new, NULL)", args: SETRLIMIT_ARGS),
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
        "waitpid is wait4 with a fourth argument (NULL)",
        args: Args::Same
    ),
    w!(
        "wait",
        61,
        ["wait4"],
        "wait is wait4(-1, status, 0, NULL)",
        args: Args::Map(&[Arg::Const(-1), Arg::From(0), Arg::Const(0), Arg::Const(0)])
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
        "glibc converts the struct to the kernel's and adds SA_RESTORER and its restorer",
        args: Args::Sigaction
    ),
    w!(
        "signal",
        13,
        ["rt_sigaction"],
        false,
        "glibc sets SA_RESTART or not by siginterrupt's state, which only glibc sees"
    ),
    w!(
        "sigprocmask",
        14,
        ["rt_sigprocmask"],
        false,
        "glibc removes its own signals (SIGCANCEL, SIGSETXID) from the set first"
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

/// What an `fcntl` command does with the third argument, for the commands whose kind is fixed
/// and for which glibc's `fcntl` is the system call itself (it is not for `F_GETOWN`, which glibc
/// answers with `F_GETOWN_EX`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FcntlCommand {
    /// `F_GETFL`, ...
    pub name: &'static str,
    /// The third argument's kind: `None` when the command ignores it, `Int`, or a pointer
    /// (`BufIn`: the kernel reads a struct, `BufOut`: writes one, `BufInOut`: both).
    pub arg: Option<ArgKind>,
    /// The result on success is 0 (so the call returns only 0 or -1).
    pub zero_on_success: bool,
}

/// The `fcntl` command `cmd` (x86-64 Linux values), when its argument kind is known. Left out:
/// `F_GETOWN` (glibc emulates it), `F_NOTIFY` (the kernel reads the argument as an unsigned
/// long, so the upper half of a negative int, which the C caller leaves undefined, matters)
/// and commands this table does not list.
pub fn fcntl_command(cmd: i64) -> Option<FcntlCommand> {
    use ArgKind::*;
    let (name, arg, zero_on_success) = match cmd {
        0 => ("F_DUPFD", Some(Int), false),
        1 => ("F_GETFD", None, false),
        2 => ("F_SETFD", Some(Int), true),
        3 => ("F_GETFL", None, false),
        4 => ("F_SETFL", Some(Int), true),
        5 => ("F_GETLK", Some(BufInOut), true),
        6 => ("F_SETLK", Some(BufIn), true),
        7 => ("F_SETLKW", Some(BufIn), true),
        8 => ("F_SETOWN", Some(Int), true),
        10 => ("F_SETSIG", Some(Int), true),
        11 => ("F_GETSIG", None, false),
        15 => ("F_SETOWN_EX", Some(BufIn), true),
        16 => ("F_GETOWN_EX", Some(BufOut), true),
        36 => ("F_OFD_GETLK", Some(BufInOut), true),
        37 => ("F_OFD_SETLK", Some(BufIn), true),
        38 => ("F_OFD_SETLKW", Some(BufIn), true),
        1024 => ("F_SETLEASE", Some(Int), true),
        1025 => ("F_GETLEASE", None, false),
        1030 => ("F_DUPFD_CLOEXEC", Some(Int), false),
        1031 => ("F_SETPIPE_SZ", Some(Int), false),
        1032 => ("F_GETPIPE_SZ", None, false),
        1033 => ("F_ADD_SEALS", Some(Int), true),
        1034 => ("F_GET_SEALS", None, false),
        _ => return None,
    };
    Some(FcntlCommand {
        name,
        arg,
        zero_on_success,
    })
}

/// The system calls whose result on success is a count or a new file descriptor, never
/// negative (kernel names), so that the libc call returns -1 or a value >= 0: the transfers
/// (at most their length) and the calls that return a descriptor.
const NONNEG_ON_SUCCESS: &[&str] = &[
    "read",
    "write",
    "pread64",
    "pwrite64",
    "readv",
    "writev",
    "preadv",
    "pwritev",
    "preadv2",
    "pwritev2",
    "sendfile",
    "copy_file_range",
    "splice",
    "tee",
    "sendto",
    "recvfrom",
    "sendmsg",
    "recvmsg",
    "getdents64",
    "readlink",
    "readlinkat",
    "open",
    "openat",
    "openat2",
    "creat",
    "dup",
    "dup2",
    "dup3",
    "socket",
    "accept",
    "accept4",
];

/// The system calls whose result on success is always 0 (kernel names).
const ZERO_ON_SUCCESS: &[&str] = &[
    "close",
    "stat",
    "fstat",
    "lstat",
    "newfstatat",
    "statx",
    "statfs",
    "fstatfs",
    "access",
    "faccessat",
    "faccessat2",
    "fsync",
    "fdatasync",
    "syncfs",
    "truncate",
    "ftruncate",
    "fallocate",
    "unlink",
    "unlinkat",
    "rmdir",
    "mkdir",
    "mkdirat",
    "rename",
    "renameat",
    "renameat2",
    "link",
    "linkat",
    "symlink",
    "symlinkat",
    "chdir",
    "fchdir",
    "chmod",
    "fchmod",
    "fchmodat",
    "chown",
    "fchown",
    "lchown",
    "fchownat",
    "pipe",
    "pipe2",
    "flock",
    "munmap",
    "mprotect",
    "madvise",
    "msync",
    "mlock",
    "munlock",
    "socketpair",
    "bind",
    "listen",
    "connect",
    "shutdown",
    "setsockopt",
    "getsockopt",
    "getsockname",
    "getpeername",
    "epoll_ctl",
    "nanosleep",
    "kill",
    "tgkill",
    "getrlimit",
    "setrlimit",
    "prlimit64",
    "getrusage",
    "uname",
    "rt_sigaction",
    "rt_sigprocmask",
];

impl Syscall {
    /// Whether the call's result on success is always 0, so that it returns only 0 or
    /// -errno (libc: 0 or -1). `fcntl`'s depends on the command ([`fcntl_command`]).
    pub fn zero_on_success(&self) -> bool {
        ZERO_ON_SUCCESS.contains(&self.name)
    }

    /// Whether the call's result on success is never negative (a count, a descriptor, or
    /// always 0), so that it returns -errno or a value >= 0 (libc: -1 or >= 0).
    pub fn nonneg_on_success(&self) -> bool {
        NONNEG_ON_SUCCESS.contains(&self.name) || self.zero_on_success()
    }
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

    /// A lowered wrapper makes the system call glibc's function makes, which a trace shows
    /// first (`trace_names[0]`): a seccomp filter, `strace -e inject=` or an audit rule sees
    /// the same call from both builds. The exceptions, and why.
    #[test]
    fn lowered_wrappers_make_glibcs_call() {
        // glibc's select is pselect6 with the timeout converted to a timespec and back: the
        // batch makes select itself, the same effects.
        const OTHER_CALL: &[&str] = &["select"];
        for w in wrappers().iter().filter(|w| w.lowerable) {
            let made = by_nr(w.nr).map(|s| s.name);
            if OTHER_CALL.contains(&w.function) {
                assert_ne!(made, Some(w.trace_names[0]), "{}", w.function);
                continue;
            }
            assert_eq!(
                made,
                Some(w.trace_names[0]),
                "{}: the batch makes another call than glibc's",
                w.function
            );
        }
        let fstat = wrapper("fstat").unwrap();
        assert_eq!(fstat.nr, 262);
        assert!(
            matches!(fstat.args, Args::Map(m) if m[1] == Arg::EmptyPath && m[3] == Arg::Const(0x1000))
        );
        assert!(matches!(wrapper("open").unwrap().args, Args::Map(m) if m[3] == Arg::Optional(2)));
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
        assert_eq!(open.nr, 257);
        assert!(open.trace_names.contains(&"openat"));
        assert!(wrapper("creat").unwrap().lowerable);
        assert!(wrapper("sigaction").unwrap().lowerable);
        assert!(!wrapper("signal").unwrap().lowerable);
        assert!(wrapper("__read_chk").unwrap().lowerable);
        assert!(matches!(
            wrapper("__recv_chk").unwrap().args,
            Args::Checked { len: 2, buflen: 3, map } if map.len() == 6
        ));
        assert!(wrapper("printf").is_none());
        assert_eq!(
            wrapper("select").unwrap().trace_names,
            &["pselect6", "select"]
        );
    }

    #[test]
    fn mapped_wrappers_fit_their_calls() {
        for w in wrappers() {
            let call = by_nr(w.nr).unwrap();
            if let Args::Map(args) = w.args {
                assert_eq!(args.len(), call.args.len(), "{}", w.function);
            }
            if w.args != Args::Same {
                assert!(w.lowerable, "{}", w.function);
            }
        }
        let wait = wrapper("wait").unwrap();
        assert_eq!(
            wait.args,
            Args::Map(&[Arg::Const(-1), Arg::From(0), Arg::Const(0), Arg::Const(0)])
        );
        assert!(wrapper("recv").unwrap().lowerable);
        assert_eq!(wrapper("recv").unwrap().trace_names, &["recvfrom"]);
        assert_eq!(by_nr(wrapper("send").unwrap().nr).unwrap().name, "sendto");
        assert_eq!(wrapper("fcntl").unwrap().args, Args::FcntlCommand);
    }

    #[test]
    fn fcntl_commands() {
        assert_eq!(fcntl_command(3).unwrap().name, "F_GETFL");
        assert_eq!(fcntl_command(3).unwrap().arg, None);
        assert_eq!(fcntl_command(4).unwrap().arg, Some(ArgKind::Int));
        assert!(fcntl_command(4).unwrap().zero_on_success);
        assert!(!fcntl_command(0).unwrap().zero_on_success);
        assert_eq!(fcntl_command(5).unwrap().arg, Some(ArgKind::BufInOut));
        assert!(fcntl_command(9).is_none(), "F_GETOWN: glibc emulates it");
        assert!(fcntl_command(1026).is_none(), "F_NOTIFY");
        assert!(fcntl_command(-1).is_none());
    }

    #[test]
    fn zero_on_success_calls() {
        for name in ["close", "newfstatat", "fstat", "bind", "rt_sigaction"] {
            assert!(by_name(name).unwrap().zero_on_success(), "{name}");
        }
        for name in [
            "read", "openat", "accept", "dup2", "fcntl", "ioctl", "getpid", "umask",
        ] {
            assert!(!by_name(name).unwrap().zero_on_success(), "{name}");
        }
        for name in ZERO_ON_SUCCESS {
            assert!(by_name(name).is_some(), "{name} is not a system call");
        }
    }

    #[test]
    fn nonneg_on_success_calls() {
        for name in ["read", "write", "openat", "dup2", "close", "fstat"] {
            assert!(by_name(name).unwrap().nonneg_on_success(), "{name}");
        }
        // lseek may return a negative offset on some devices, fcntl's result depends on its
        // command (F_GETOWN: a negative process group), getpriority is not a count.
        for name in ["lseek", "fcntl", "ioctl", "getpriority", "ptrace", "mmap"] {
            assert!(!by_name(name).unwrap().nonneg_on_success(), "{name}");
        }
        for name in NONNEG_ON_SUCCESS {
            assert!(by_name(name).is_some(), "{name} is not a system call");
        }
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
