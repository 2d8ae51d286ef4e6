//! Shared by the semantic tests: which backend is under test, and small helpers.
//!
//! The backend under test is the one the process selected (`MULTICALL_BACKEND`, default
//! `auto`). When `MULTICALL_BACKEND` names a backend, the tests fail at once unless that
//! backend is the one in use: a test meant for the kernel module never passes by quietly
//! running on the direct backend.

#![allow(dead_code)]

use multicall::abi::{McBatch, MC_BATCH_LOOP};
use multicall::{runtime, Backend, McEntry, Outcome, RunError};

/// The backend these tests exercise, checked against `MULTICALL_BACKEND`.
pub fn backend_under_test() -> Backend {
    let primary = runtime().primary();
    match std::env::var("MULTICALL_BACKEND") {
        Ok(name) if !name.is_empty() && name != "auto" => {
            let wanted = Backend::parse(&name).unwrap_or_else(|| {
                panic!("MULTICALL_BACKEND={name:?} is not a backend (auto, kmod, io_uring, direct)")
            });
            assert_eq!(
                primary,
                wanted,
                "MULTICALL_BACKEND={name} but the backend in use is {}: it is not available here",
                primary.name()
            );
            wanted
        }
        _ => primary,
    }
}

/// Runs on the backend under test (as selected per batch), looped when `max_iters` is set.
pub fn run_selected(entries: &mut [McEntry], max_iters: Option<u64>) -> Result<Outcome, RunError> {
    backend_under_test();
    // SAFETY: the tests build batches of harmless calls on buffers they own.
    unsafe {
        match max_iters {
            Some(n) => multicall::run_loop(entries, n),
            None => multicall::run(entries),
        }
    }
}

/// Runs on the direct backend, the reference.
pub fn run_direct(entries: &mut [McEntry], max_iters: Option<u64>) -> Result<Outcome, RunError> {
    // SAFETY: as above.
    unsafe { multicall::run_with(Backend::Direct, entries, max_iters) }
}

/// A pipe: (read end, write end), close-on-exec, optionally non-blocking.
pub fn pipe(nonblocking: bool) -> (i32, i32) {
    let mut fds = [0; 2];
    let flags = libc::O_CLOEXEC | if nonblocking { libc::O_NONBLOCK } else { 0 };
    // SAFETY: fds is a valid array of two ints.
    let rc = unsafe { libc::pipe2(fds.as_mut_ptr(), flags) };
    assert_eq!(rc, 0, "pipe2: {}", std::io::Error::last_os_error());
    (fds[0], fds[1])
}

/// Closes `fd`, ignoring errors.
pub fn close(fd: i32) {
    // SAFETY: closing a descriptor this test owns.
    unsafe { libc::close(fd) };
}

/// An entry with a stop predicate.
pub fn e(nr: i64, args: &[i64], stop: u8, stop_arg: u8) -> McEntry {
    McEntry::new(nr, args).stop(stop, stop_arg)
}

/// A runtime of its own with io_uring forced (`MULTICALL_BACKEND=io_uring`), or `None` when
/// this kernel offers no usable io_uring; `None` fails the caller when the process itself was
/// started with `MULTICALL_BACKEND=io_uring`, which asks for io_uring to be tested.
pub fn forced_uring() -> Option<&'static multicall::Runtime> {
    static RT: std::sync::OnceLock<Option<multicall::Runtime>> = std::sync::OnceLock::new();
    let rt = RT
        .get_or_init(|| {
            let rt = multicall::Runtime::from_env(|name| {
                (name == "MULTICALL_BACKEND").then(|| "io_uring".to_string())
            });
            (rt.primary() == Backend::IoUring).then_some(rt)
        })
        .as_ref();
    if rt.is_none() {
        let forced = std::env::var("MULTICALL_BACKEND").ok();
        assert_ne!(
            forced.as_deref(),
            Some("io_uring"),
            "MULTICALL_BACKEND=io_uring but io_uring is not usable here"
        );
        eprintln!("io_uring is not usable on this kernel: its part is not checked");
    }
    rt
}

/// Where a batch runs: the direct backend (the reference), the backend under test, or a
/// runtime with io_uring asked for.
#[derive(Clone, Copy)]
pub enum Way {
    Direct,
    Selected,
    Uring(&'static multicall::Runtime),
}

impl Way {
    /// Every way this machine offers.
    pub fn all() -> Vec<Way> {
        backend_under_test();
        let mut ways = vec![Way::Direct, Way::Selected];
        ways.extend(forced_uring().map(Way::Uring));
        ways
    }

    pub fn name(self) -> String {
        match self {
            Way::Direct => "direct".into(),
            Way::Selected => format!("selected ({})", runtime().primary().name()),
            Way::Uring(_) => "io_uring asked for".into(),
        }
    }

    /// Runs the whole `struct mc_batch` ([`multicall::Runtime::run_batch`]) on this way.
    pub fn run_batch(self, batch: &McBatch) -> Result<Outcome, RunError> {
        let (rt, choice) = self.target();
        // The module ends a looped batch before its first iteration when a signal or task
        // work (io_uring's) is pending at the ioctl (docs/kmod.md): nothing ran, and the
        // batch runs again, as the pass's lowering runs it again.
        for _ in 0..3 {
            // SAFETY: the tests' batches make harmless calls on descriptors and buffers they
            // own; every pointer of `batch` is the test's own, alive across the call.
            let outcome = unsafe { rt.run_batch(choice, batch) };
            let nothing_ran = matches!(
                outcome,
                Ok(Outcome { stop_index, iterations: 0 }) if stop_index == batch.count as usize
            );
            if !(nothing_ran && batch.flags & MC_BATCH_LOOP != 0) {
                return outcome;
            }
        }
        panic!("a looped batch ended before its first iteration three times running");
    }

    /// The runtime to run on and the backend to ask it for (`None`: its own choice).
    pub fn target(self) -> (&'static multicall::Runtime, Option<Backend>) {
        match self {
            Way::Direct => (runtime(), Some(Backend::Direct)),
            Way::Selected => (runtime(), None),
            Way::Uring(rt) => (rt, Some(Backend::IoUring)),
        }
    }
}

/// `size` bytes that differ from block to block and within each block (the copy tests').
pub fn data(size: usize) -> Vec<u8> {
    (0..size).map(|i| (i * 7 + i / 509) as u8).collect()
}

/// A temporary file holding `bytes`, its offset at 0.
pub fn file_with(bytes: &[u8]) -> std::fs::File {
    use std::io::{Seek, SeekFrom, Write};
    let mut f = tempfile::tempfile().expect("tempfile");
    f.write_all(bytes).expect("write");
    f.seek(SeekFrom::Start(0)).expect("seek");
    f
}

/// `f` opened again through /proc/self/fd with `flags` (a new open file description).
pub fn reopen(f: &std::fs::File, flags: i32) -> std::fs::File {
    use std::os::fd::{AsRawFd, FromRawFd};
    let path = format!("/proc/self/fd/{}\0", f.as_raw_fd());
    // SAFETY: a NUL-terminated path.
    let fd = unsafe { libc::open(path.as_ptr().cast(), flags | libc::O_CLOEXEC) };
    assert!(fd >= 0, "reopen: {}", std::io::Error::last_os_error());
    // SAFETY: fd was just opened and is owned by nobody else.
    unsafe { std::fs::File::from_raw_fd(fd) }
}

/// This thread's read- and write-type system calls so far (`syscr + syscw`).
pub fn rw_calls() -> u64 {
    let text = std::fs::read_to_string("/proc/thread-self/io").expect("/proc/thread-self/io");
    text.lines()
        .filter(|l| l.starts_with("syscr:") || l.starts_with("syscw:"))
        .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        .sum()
}
