//! Specialised copy loops (`MC_BATCH_DEAD_BUFFERS`) where the file system refuses bytes,
//! each copy in a forked child, differential against the plain loop on the direct backend:
//!
//! - `RLIMIT_FSIZE` below the input's size: with SIGXFSZ ignored the write that reaches the
//!   limit is short or fails with EFBIG at the same byte; with SIGXFSZ's default action the
//!   child is killed by it with the same bytes in the output;
//! - `ENOSPC` midway, on a 64 KiB tmpfs mounted in a mount namespace of the child's own;
//!   with `MC_BATCH_LIVE_AT_STOP` too, where the buffer after the stop at the short write
//!   must also hold what the plain loop's does (`copy.rs`, rule 6).
//!
//! Each also with a write that stops the batch only at a failure (`MC_STOP_NEG`, a loop that
//! ignores the count written): the short write at the limit or on the full tmpfs goes on, and
//! the next block's write fails (EFBIG, ENOSPC) or is killed by SIGXFSZ.
//!
//! Each also as the copy at explicit offsets (`pread64` -> `pwrite64` whose offsets advance,
//! `MC_BATCH_ADVANCE`), from offset 0 to offset 0: its chunk that `ENOSPC` cuts short is
//! completed with `pread64` and `pwrite64` at the offsets where it ended.
//!
//! Its own test binary with one test, so that no other thread holds a lock at a fork: the
//! children run the batch without allocating and report through a pipe.

use multicall::abi::{
    McAdvance, MC_BATCH_ADVANCE, MC_BATCH_DEAD_BUFFERS, MC_BATCH_LIVE_AT_STOP, MC_BATCH_SUMS,
    MC_STOP_NEG, MC_STOP_NE_ARG, MC_STOP_NONPOS,
};
use multicall::{Backend, McEntry, PerEntry};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::{AsRawFd, FromRawFd};
use std::os::unix::ffi::OsStrExt;

/// What a child reports: stop index, iterations, both results, both offsets, the output's
/// size, a hash of the buffer; the parent adds how the child ended.
type Report = [i64; 8];

/// The fields of a [`Report`] without the buffer's hash.
const OUTCOME: usize = 7;

/// How the child runs the batch: the plain loop on the direct backend (`None`), or through
/// the runtime with these flags.
type Flags = Option<u32>;

/// The flags of the specialised copy: dead buffers; live after a stop at the write.
const DEAD: Flags = Some(MC_BATCH_DEAD_BUFFERS);
const LIVE_AT_STOP: Flags = Some(MC_BATCH_DEAD_BUFFERS | MC_BATCH_LIVE_AT_STOP);

/// Where the child writes.
#[derive(Clone, Copy, Debug)]
enum Target<'a> {
    /// An open file of the parent's, under a file-size limit.
    Limited { fd: i32, limit: u64, ignore: bool },
    /// A new file on a 64 KiB tmpfs mounted at this NUL-terminated path; with `input`, the
    /// copy's input is a file on the same tmpfs holding these bytes (`copy_file_range` works
    /// within one file system only).
    SmallTmpfs {
        dir: &'a [u8],
        input: Option<&'a [u8]>,
    },
}

/// The copy loop's calls: `read` -> `write`, or `pread64` -> `pwrite64` at offsets that
/// start at 0 and advance.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Calls {
    ReadWrite,
    AtOffsets,
    /// `read` -> `write` whose write stops the batch only at a failure (`MC_STOP_NEG`): a
    /// short write goes on to the next block.
    Unchecked,
}

/// Forks a child that copies `input` (offset 0) to `target` in blocks of `n` with the copy
/// loop `calls`, plain or with `flags`; returns its report and its wait status.
fn in_child(input: &File, target: Target, n: usize, flags: Flags, calls: Calls) -> (Report, i32) {
    let mut buf = vec![0u8; n];
    let ptr = buf.as_mut_ptr() as i64;
    let mut report_fds = [0; 2];
    // SAFETY: an array of two ints.
    assert_eq!(
        unsafe { libc::pipe2(report_fds.as_mut_ptr(), libc::O_CLOEXEC) },
        0
    );
    multicall::runtime();
    // SAFETY: lseek on the test's own file; the child shares its offset.
    unsafe { libc::lseek(input.as_raw_fd(), 0, libc::SEEK_SET) };
    // SAFETY: the child runs only system calls and the runtime's batch, which allocate
    // nothing, and leaves with _exit; this binary's only test thread forks.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0);
    if pid == 0 {
        // SAFETY: in the child: plain system calls on its own descriptors and memory.
        unsafe {
            child(
                input.as_raw_fd(),
                target,
                ptr,
                n,
                (flags, calls),
                report_fds[1],
            )
        }
    }
    // SAFETY: the parent's copy of the write end.
    unsafe { libc::close(report_fds[1]) };
    // SAFETY: the read end was just created and is owned by nobody else.
    let mut reader = unsafe { File::from_raw_fd(report_fds[0]) };
    let mut bytes = Vec::new();
    reader.read_to_end(&mut bytes).expect("report");
    let mut status = 0;
    // SAFETY: waits for our own child.
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    let mut report = [-1i64; 8];
    for (slot, chunk) in report.iter_mut().zip(bytes.chunks_exact(8)) {
        *slot = i64::from_ne_bytes(chunk.try_into().expect("8 bytes"));
    }
    drop(buf);
    (report, status)
}

/// The child's side of [`in_child`]; never returns.
///
/// # Safety
///
/// Called in a forked child only, with `buf` valid for `n` bytes.
unsafe fn child(
    mut input: i32,
    target: Target,
    buf: i64,
    n: usize,
    (flags, calls): (Flags, Calls),
    report: i32,
) -> ! {
    // SAFETY: the whole body: system calls on the child's own descriptors and memory.
    unsafe {
        let output = match target {
            Target::Limited { fd, limit, ignore } => {
                let rl = libc::rlimit {
                    rlim_cur: limit,
                    rlim_max: libc::RLIM_INFINITY,
                };
                libc::setrlimit(libc::RLIMIT_FSIZE, &rl);
                if ignore {
                    libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
                }
                fd
            }
            Target::SmallTmpfs {
                dir,
                input: on_tmpfs,
            } => {
                if libc::unshare(libc::CLONE_NEWNS) != 0
                    || libc::mount(
                        c"none".as_ptr(),
                        c"/".as_ptr(),
                        std::ptr::null(),
                        libc::MS_REC | libc::MS_PRIVATE,
                        std::ptr::null(),
                    ) != 0
                    || libc::mount(
                        c"none".as_ptr(),
                        dir.as_ptr().cast(),
                        c"tmpfs".as_ptr(),
                        0,
                        c"size=64k".as_ptr().cast(),
                    ) != 0
                    || libc::chdir(dir.as_ptr().cast()) != 0
                {
                    libc::_exit(3);
                }
                if let Some(bytes) = on_tmpfs {
                    input = libc::open(c"in".as_ptr(), libc::O_RDWR | libc::O_CREAT, 0o600);
                    let wrote = libc::write(input, bytes.as_ptr().cast(), bytes.len());
                    if input < 0 || wrote != bytes.len() as isize {
                        libc::_exit(5);
                    }
                    libc::lseek(input, 0, libc::SEEK_SET);
                }
                libc::open(c"out".as_ptr(), libc::O_WRONLY | libc::O_CREAT, 0o600)
            }
        };
        let mut entries = [
            McEntry::new(libc::SYS_read, &[input.into(), buf, n as i64]).stop(MC_STOP_NONPOS, 0),
            McEntry::new(libc::SYS_write, &[output.into(), buf, 0])
                .stop(MC_STOP_NE_ARG, 2)
                .reference(2, 0),
        ];
        if calls == Calls::Unchecked {
            entries[1] = entries[1].stop(MC_STOP_NEG, 0);
        }
        let mut advances = [McAdvance::default(); 2];
        let mut sums = [0i64; 2];
        let outcome = if calls == Calls::AtOffsets {
            entries[0].nr = libc::SYS_pread64 as u32;
            entries[1].nr = libc::SYS_pwrite64 as u32;
            advances[0].by[3] = 1;
            advances[1].by[3] = 1;
            let arrays = PerEntry {
                sums: sums.as_mut_ptr(),
                advances: advances.as_ptr(),
            };
            let choice = flags.is_none().then_some(Backend::Direct);
            let flags = MC_BATCH_ADVANCE | MC_BATCH_SUMS | flags.unwrap_or(0);
            multicall::runtime().run_flags(
                choice,
                entries.as_mut_ptr(),
                2,
                Some(u64::MAX),
                flags,
                arrays,
            )
        } else {
            match flags {
                Some(flags) => multicall::run_loop_flags(&mut entries, u64::MAX, flags),
                None => multicall::run_with(Backend::Direct, &mut entries, Some(u64::MAX)),
            }
        };
        let Ok(outcome) = outcome else { libc::_exit(4) };
        let mut st: libc::stat = std::mem::zeroed();
        libc::fstat(output, &mut st);
        let values: Report = [
            outcome.stop_index as i64,
            outcome.iterations as i64,
            entries[0].result,
            entries[1].result,
            libc::lseek(input, 0, libc::SEEK_CUR),
            libc::lseek(output, 0, libc::SEEK_CUR),
            st.st_size,
            fnv1a(std::slice::from_raw_parts(buf as *const u8, n)),
        ];
        libc::write(
            report,
            values.as_ptr().cast(),
            std::mem::size_of::<Report>(),
        );
        libc::_exit(0)
    }
}

/// The FNV-1a hash of `bytes` (the child allocates nothing).
fn fnv1a(bytes: &[u8]) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h as i64
}

/// `size` bytes that differ from block to block.
fn data(size: usize) -> Vec<u8> {
    (0..size).map(|i| (i * 13 + i / 509) as u8).collect()
}

/// A temporary file holding `bytes`, offset at 0.
fn file_with(bytes: &[u8]) -> File {
    let mut f = tempfile::tempfile().expect("tempfile");
    f.write_all(bytes).expect("write");
    f.seek(SeekFrom::Start(0)).expect("seek");
    f
}

/// A copy under `RLIMIT_FSIZE` `limit`: the report, the wait status and the output.
fn limited(
    n: usize,
    limit: u64,
    ignore: bool,
    flags: Flags,
    calls: Calls,
) -> (Report, i32, Vec<u8>) {
    let input = file_with(&data(100_000));
    let mut output = file_with(b"");
    let target = Target::Limited {
        fd: output.as_raw_fd(),
        limit,
        ignore,
    };
    let (report, status) = in_child(&input, target, n, flags, calls);
    let mut bytes = Vec::new();
    output.seek(SeekFrom::Start(0)).expect("seek");
    output.read_to_end(&mut bytes).expect("read");
    (report, status, bytes)
}

#[test]
fn file_size_limits_and_a_full_file_system_stop_where_the_plain_loop_does() {
    for (n, calls) in [512, 4096, 3000].into_iter().flat_map(|n| {
        [
            (n, Calls::ReadWrite),
            (n, Calls::AtOffsets),
            (n, Calls::Unchecked),
        ]
    }) {
        for limit in [10_000, 8192, 65_536] {
            // SIGXFSZ ignored: the write that reaches the limit is short or fails with EFBIG.
            // Its default action: a write that begins at the limit kills; one that begins
            // below it is cut short at the limit (and the unchecked loop's next write
            // kills).
            for ignore in [true, false] {
                let plain = limited(n, limit, ignore, None, calls);
                let killed = libc::WIFSIGNALED(plain.1) && libc::WTERMSIG(plain.1) == libc::SIGXFSZ;
                assert_eq!(
                    killed,
                    !ignore && (limit % n as u64 == 0 || calls == Calls::Unchecked),
                    "n {n} limit {limit}: {:?}",
                    plain.0
                );
                assert_eq!(plain.2.len() as u64, limit);
                let case = format!("{calls:?} n {n} limit {limit} SIGXFSZ ignored {ignore}");
                let flagged = limited(n, limit, ignore, DEAD, calls);
                assert_eq!(
                    (flagged.0[..OUTCOME].to_vec(), flagged.1),
                    (plain.0[..OUTCOME].to_vec(), plain.1),
                    "{case}"
                );
                assert!(flagged.2 == plain.2, "{case}: the same output");
                // The buffer too, where the plain loop stopped at the write.
                let live = limited(n, limit, ignore, LIVE_AT_STOP, calls);
                assert_eq!(
                    (live.0, live.1),
                    (plain.0, plain.1),
                    "{case}, live at a stop"
                );
                assert!(live.2 == plain.2, "{case}, live at a stop: the same output");
            }
        }
    }

    let dir = tempfile::tempdir().expect("tempdir");
    let mut path = dir.path().as_os_str().as_bytes().to_vec();
    path.push(0);
    let input = file_with(&data(200_000));
    let tmpfs = Target::SmallTmpfs {
        dir: &path,
        input: None,
    };
    let probe = in_child(&input, tmpfs, 512, None, Calls::ReadWrite);
    if libc::WIFEXITED(probe.1) && libc::WEXITSTATUS(probe.1) == 3 {
        eprintln!("cannot mount a tmpfs in a mount namespace here: ENOSPC is not checked");
        return;
    }
    for n in [512, 4096, 3000] {
        for calls in [Calls::ReadWrite, Calls::AtOffsets, Calls::Unchecked] {
            let plain = in_child(&input, tmpfs, n, None, calls);
            assert_eq!(plain.0[0], 1, "the plain loop stops at a write: {plain:?}");
            assert!(plain.0[3] != n as i64, "a short or failed write: {plain:?}");
            assert_eq!(plain.0[6], 65_536, "the tmpfs is full");
            let flagged = in_child(&input, tmpfs, n, DEAD, calls);
            assert_eq!(
                (flagged.0[..OUTCOME].to_vec(), flagged.1),
                (plain.0[..OUTCOME].to_vec(), plain.1),
                "ENOSPC, {calls:?}, n {n}"
            );
            // Stopped at the short write: the buffer holds the block the plain read took.
            let live = in_child(&input, tmpfs, n, LIVE_AT_STOP, calls);
            assert_eq!(live, plain, "ENOSPC, {calls:?}, n {n}, live at a stop");
        }
    }
    // The input on the same tmpfs (40 KiB of its 64): `copy_file_range` runs, and the tmpfs
    // fills within a chunk, which the plain calls complete (rule 2): with blocks of 3000 the
    // chunk ends inside a block.
    let small = data(40 << 10);
    let same_fs = Target::SmallTmpfs {
        dir: &path,
        input: Some(&small),
    };
    for n in [512, 4096, 3000] {
        for calls in [Calls::ReadWrite, Calls::AtOffsets, Calls::Unchecked] {
            let plain = in_child(&input, same_fs, n, None, calls);
            assert_eq!(plain.0[0], 1, "the plain loop stops at a write: {plain:?}");
            let flagged = in_child(&input, same_fs, n, DEAD, calls);
            assert_eq!(
                (flagged.0[..OUTCOME].to_vec(), flagged.1),
                (plain.0[..OUTCOME].to_vec(), plain.1),
                "ENOSPC within one tmpfs, {calls:?}, n {n}"
            );
            let live = in_child(&input, same_fs, n, LIVE_AT_STOP, calls);
            assert_eq!(
                live, plain,
                "ENOSPC within one tmpfs, {calls:?}, n {n}, live"
            );
        }
    }
}
