//! Batches where a backend could take a shortcut the calls on their own do not: each runs on
//! the direct backend, on the backend under test (`MULTICALL_BACKEND`, see `common`) and on a
//! runtime with io_uring forced, and must give the same results, files and buffers on all:
//!
//! - a read of a procfs file describes the calling thread (`/proc/thread-self/stat` says it
//!   is running, `/proc/thread-self/syscall` that it is in `read`): such a file never goes to
//!   io_uring, whose worker threads would read it while the caller sleeps;
//! - a transfer longer than the kernel's limit of one transfer (`MAX_RW_COUNT`, 0x7ffff000
//!   bytes) is cut to that limit, so a short-transfer stop on it fires: the entries after it
//!   do not run;
//! - a batch whose read overwrites a later entry of the same batch (its call, arguments,
//!   references, even a reference to entry 2^40) runs the entries as they were submitted, as
//!   the kernel module does, and never reads outside the batch.

mod common;

use common::{backend_under_test, e, forced_uring};
use multicall::abi::{MC_STOP_NEG, MC_STOP_NEVER, MC_STOP_NE_ARG};
use multicall::{runtime, Backend, McEntry, Outcome, Runtime};
use std::io::{Read, Seek, Write};
use std::os::fd::AsRawFd;

/// The kernel's limit of one read or write (`MAX_RW_COUNT`: `INT_MAX & PAGE_MASK`).
const MAX_RW_COUNT: i64 = 0x7fff_f000;

/// Where a batch runs.
#[derive(Clone, Copy)]
enum Way {
    /// The direct backend, the reference.
    Direct,
    /// The backend this process selected (the kernel module in the module's guest).
    Selected,
    /// A runtime with io_uring forced.
    Uring(&'static Runtime),
}

impl Way {
    /// Every way this machine offers.
    fn all() -> Vec<Way> {
        backend_under_test();
        let mut ways = vec![Way::Direct, Way::Selected];
        ways.extend(forced_uring().map(Way::Uring));
        ways
    }

    fn name(self) -> String {
        match self {
            Way::Direct => "direct".into(),
            Way::Selected => format!("selected ({})", runtime().primary().name()),
            Way::Uring(_) => "io_uring forced".into(),
        }
    }

    /// Whether this way runs batches in the kernel module.
    fn is_kmod(self) -> bool {
        matches!(self, Way::Selected) && runtime().primary() == Backend::Kmod
    }

    /// Runs `count` entries at `entries`, looped when `max_iters` is set.
    ///
    /// # Safety
    ///
    /// `entries` points to `count` writable entries whose calls are harmless ones on the
    /// test's own descriptors and buffers.
    unsafe fn run(self, entries: *mut McEntry, count: usize, max_iters: Option<u64>) -> Outcome {
        // SAFETY: forwarded from the caller.
        let outcome = unsafe {
            match self {
                Way::Direct => runtime().run_with(Backend::Direct, entries, count, max_iters),
                Way::Selected => runtime().run(entries, count, max_iters),
                Way::Uring(rt) => rt.run_with(Backend::IoUring, entries, count, max_iters),
            }
        };
        outcome.expect("a valid batch runs")
    }
}

/// The thread's own procfs file `name`: `/proc/thread-self/<name>`.
fn thread_file(name: &str) -> std::fs::File {
    std::fs::File::open(format!("/proc/thread-self/{name}"))
        .unwrap_or_else(|err| panic!("open /proc/thread-self/{name}: {err}"))
}

/// Reads `file` from its start with a one-entry batch run `way`; returns what it read.
fn read_by_batch(way: Way, file: &mut std::fs::File) -> String {
    file.rewind().expect("rewind");
    let mut buf = vec![0u8; 4096];
    let mut batch = [e(
        libc::SYS_read,
        &[
            file.as_raw_fd() as i64,
            buf.as_mut_ptr() as i64,
            buf.len() as i64,
        ],
        MC_STOP_NEVER,
        0,
    )];
    // SAFETY: a read of the test's own file into its own buffer.
    let outcome = unsafe { way.run(batch.as_mut_ptr(), 1, None) };
    assert_eq!(outcome.stop_index, 1, "{}: the read ran", way.name());
    let n = usize::try_from(batch[0].result)
        .unwrap_or_else(|_| panic!("{}: the read failed: {}", way.name(), batch[0].result));
    String::from_utf8_lossy(&buf[..n]).into_owned()
}

/// The state letter of a `/proc/<pid>/stat` line (the field after the command in parentheses).
fn state(stat: &str) -> Option<char> {
    stat.rsplit_once(')')?.1.trim_start().chars().next()
}

#[test]
fn procfs_files_are_read_by_the_calling_thread() {
    let mut stat = thread_file("stat");
    let mut syscall = thread_file("syscall");
    for way in Way::all() {
        let line = read_by_batch(way, &mut stat);
        assert_eq!(
            state(&line),
            Some('R'),
            "{}: /proc/thread-self/stat read by a batch says the thread is running, as a \
             read(2) of it does: {line:?}",
            way.name()
        );
        // In the module the thread is inside the ioctl, which is the system call procfs
        // reports: only the backends that make the read from user space can say `read`.
        if !way.is_kmod() {
            let line = read_by_batch(way, &mut syscall);
            assert!(
                line.starts_with(&format!("{} ", libc::SYS_read)),
                "{}: /proc/thread-self/syscall read by a batch says the thread is in read: \
                 {line:?}",
                way.name()
            );
        }
        if let Way::Uring(rt) = way {
            let batch = [McEntry::new(
                libc::SYS_read,
                &[stat.as_raw_fd() as i64, 0, 1],
            )];
            assert_eq!(
                rt.backend_for(&batch, false),
                Backend::Direct,
                "a procfs file is not sent to io_uring"
            );
        }
    }
}

#[test]
fn a_transfer_above_the_kernel_limit_stops_a_short_transfer_predicate() {
    let null = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/null")
        .expect("open /dev/null");
    let byte = *b"X";
    for way in Way::all() {
        let mut file = tempfile::tempfile().expect("a temporary file");
        // /dev/null never reads the buffer; the range is checked to lie in user space only.
        let page = vec![0u8; 4096];
        let mut batch = [
            e(
                libc::SYS_write,
                &[null.as_raw_fd() as i64, page.as_ptr() as i64, 1 << 31],
                MC_STOP_NE_ARG,
                2,
            ),
            e(
                libc::SYS_write,
                &[file.as_raw_fd() as i64, byte.as_ptr() as i64, 1],
                MC_STOP_NEVER,
                0,
            ),
        ];
        batch[1].result = 12345;
        // SAFETY: writes from the test's own buffers to /dev/null and its own file.
        let outcome = unsafe { way.run(batch.as_mut_ptr(), 2, None) };
        assert_eq!(
            (outcome.stop_index, batch[0].result, batch[1].result),
            (0, MAX_RW_COUNT, 12345),
            "{}: write(2) transfers at most MAX_RW_COUNT bytes, a short transfer: entry 1 \
             does not run",
            way.name()
        );
        let mut content = Vec::new();
        file.rewind().expect("rewind");
        file.read_to_end(&mut content).expect("read the file");
        assert!(
            content.is_empty(),
            "{}: the file holds {content:?}",
            way.name()
        );
    }
}

/// A batch `read(src, &entries[1], 64); write(dst, "X", 1)` whose read replaces entry 1 by
/// `replacement`, run `way` (looped when `max_iters` is set); checks that entry 1 ran as
/// submitted.
fn rewrite_entry_one(way: Way, replacement: McEntry, max_iters: Option<u64>) {
    let size = std::mem::size_of::<McEntry>();
    let mut src = tempfile::tempfile().expect("a temporary file");
    // SAFETY: McEntry is a plain repr(C) struct of integers without padding (64 bytes, the
    // ABI test checks the layout): its bytes are initialized.
    let bytes =
        unsafe { std::slice::from_raw_parts((&replacement as *const McEntry).cast::<u8>(), size) };
    src.write_all(bytes).expect("write the replacement");
    src.rewind().expect("rewind");
    // Entry 1 reads one byte of this file each iteration (io_uring takes reads of regular
    // files, not their writes).
    let mut marks = tempfile::tempfile().expect("a temporary file");
    marks.write_all(b"XX").expect("write the marks");
    marks.rewind().expect("rewind");
    let mut got = [0u8; 2];
    let mut entries = Box::new([McEntry::default(); 2]);
    let base = entries.as_mut_ptr();
    // SAFETY: base points to two entries of the box.
    let target = unsafe { base.add(1) } as i64;
    entries[0] = e(
        libc::SYS_read,
        &[src.as_raw_fd() as i64, target, size as i64],
        MC_STOP_NE_ARG,
        2,
    );
    entries[1] = e(
        libc::SYS_read,
        &[marks.as_raw_fd() as i64, got.as_mut_ptr() as i64, 1],
        MC_STOP_NEVER,
        0,
    );
    if let Way::Uring(rt) = way {
        assert_eq!(
            rt.backend_for(&entries[..], max_iters.is_some()),
            Backend::IoUring,
            "reads of regular files go to io_uring"
        );
    }
    // SAFETY: a read into the batch itself (which the runtime copied at submission) and a
    // read into the test's buffer, of the test's own files.
    let outcome = unsafe { way.run(base, 2, max_iters) };
    let what = format!("{} (looped: {max_iters:?})", way.name());
    assert_eq!(&got[..1], b"X", "{what}: entry 1 ran as submitted");
    match max_iters {
        None => {
            assert_eq!(outcome.stop_index, 2, "{what}");
            assert_eq!(outcome.iterations, 1, "{what}");
            assert_eq!(entries[0].result, size as i64, "{what}");
        }
        // The second iteration reads the end of the file: a short read stops it.
        Some(_) => {
            assert_eq!(outcome.stop_index, 0, "{what}");
            assert_eq!(outcome.iterations, 2, "{what}");
            assert_eq!(entries[0].result, 0, "{what}");
        }
    }
    assert_eq!(
        entries[1].result, 1,
        "{what}: entry 1's result is its read's"
    );
    let mut rest = entries[1];
    rest.result = replacement.result;
    assert_eq!(
        rest, replacement,
        "{what}: only the result fields are written back; the rest of entry 1 is what the \
         read put there"
    );
}

#[test]
fn a_batch_that_rewrites_a_later_entry_runs_it_as_submitted() {
    let other = *b"Y";
    let ways = Way::all();
    for max_iters in [None, Some(3)] {
        for &way in &ways {
            // Another call: a write of "Y" to descriptor -1 (EBADF if it ran).
            let plausible = McEntry {
                result: 0x5555,
                ..McEntry::new(libc::SYS_write, &[-1, other.as_ptr() as i64, 1])
            }
            .stop(MC_STOP_NEG, 0);
            rewrite_entry_one(way, plausible, max_iters);
            // A reference far outside the batch.
            let stale = McEntry {
                result: 0x5555,
                ..McEntry::new(libc::SYS_write, &[-1, other.as_ptr() as i64, 0])
            }
            .reference(2, 1 << 40);
            rewrite_entry_one(way, stale, max_iters);
        }
    }
}

/// A tmpfs of 64 KiB mounted on a new directory, or `None` when this process may not mount
/// one (not root, no mount namespace privilege).
fn small_tmpfs() -> Option<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("mc-full-{}", std::process::id()));
    std::fs::create_dir_all(&dir).ok()?;
    let status = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=64k", "tmpfs"])
        .arg(&dir)
        .stderr(std::process::Stdio::null())
        .status()
        .ok()?;
    if status.success() {
        Some(dir)
    } else {
        let _ = std::fs::remove_dir(&dir);
        None
    }
}

/// Writes of 512, 2 and 512 bytes to a file with 256 bytes of room left: every way gives the
/// results, file and file position of the direct calls (256, -ENOSPC, -ENOSPC, position at
/// the end), io_uring included, where the kernel's own retry of a short write would leave the
/// position where the write began and let the next write overwrite it.
#[test]
fn a_write_the_disk_fills_midway_leaves_the_position_after_its_bytes() {
    let Some(dir) = small_tmpfs() else {
        eprintln!("skip: no tmpfs could be mounted (needs root)");
        return;
    };
    let mut outcomes = Vec::new();
    for way in Way::all() {
        let path = dir.join("full");
        let _ = std::fs::remove_file(&path);
        let mut file = std::fs::File::create(&path).unwrap();
        // Fill the filesystem but for 256 bytes: 65280 bytes, then the last page's rest.
        let fill = vec![b'.'; 65280];
        file.write_all(&fill).unwrap();
        let (a, b, c) = (vec![b'a'; 512], vec![b'b'; 2], vec![b'c'; 512]);
        let fd = i64::from(file.as_raw_fd());
        let mut entries = [
            e(
                libc::SYS_write,
                &[fd, a.as_ptr() as i64, 512],
                MC_STOP_NEVER,
                0,
            ),
            e(
                libc::SYS_write,
                &[fd, b.as_ptr() as i64, 2],
                MC_STOP_NEVER,
                0,
            ),
            e(
                libc::SYS_write,
                &[fd, c.as_ptr() as i64, 512],
                MC_STOP_NEVER,
                0,
            ),
        ];
        // SAFETY: writes from the test's own buffers to its own file.
        unsafe { way.run(entries.as_mut_ptr(), entries.len(), None) };
        let results: Vec<i64> = entries.iter().map(|e| e.result).collect();
        let position = file.stream_position().unwrap();
        let bytes = std::fs::read(&path).unwrap();
        outcomes.push((
            way.name(),
            results,
            position,
            bytes.len(),
            bytes[65280..].to_vec(),
        ));
        drop(file);
        std::fs::remove_file(&path).unwrap();
    }
    let _ = std::process::Command::new("umount").arg(&dir).status();
    let _ = std::fs::remove_dir(&dir);
    let direct = &outcomes[0];
    let enospc = -i64::from(libc::ENOSPC);
    assert_eq!(
        direct.1[1..],
        [enospc, enospc],
        "the direct calls fill the disk"
    );
    for other in &outcomes[1..] {
        assert_eq!(
            (&other.1, other.2, other.3, &other.4),
            (&direct.1, direct.2, direct.3, &direct.4),
            "{} against direct: results, position, size, bytes after the fill",
            other.0
        );
    }
}
