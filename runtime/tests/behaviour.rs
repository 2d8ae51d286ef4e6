//! Semantics beyond single random batches, on the backend under test (`MULTICALL_BACKEND`,
//! see `common`), each compared with the direct backend or with exact expectations:
//!
//! - the copy loop (read n; write n; stop on read <= 0 or a short write) as one looped
//!   batch copies files of 0, 1, 4095, 4096, 4097 bytes and 2 MiB byte for byte, with the
//!   expected iteration count, also when resumed in slices of a few iterations;
//! - a short write stops the loop at the write;
//! - a looped batch blocked in a pipe read is interrupted by SIGALRM and reports -EINTR at
//!   that entry with the right iteration count;
//! - many threads run batches at once without sharing state.

mod common;

use common::{backend_under_test, e, run_direct, run_selected};
use multicall::abi::{MC_STOP_NEG, MC_STOP_NEVER, MC_STOP_NE_ARG, MC_STOP_NONPOS};
use multicall::{Backend, McEntry};
use std::io::Write;
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, Ordering};

const BLOCK: usize = 4096;

/// read(in, buf, BLOCK) stop <= 0; write(out, buf, result of 0) stop on a short write.
fn copy_batch(input: i32, output: i32, buf: &mut [u8]) -> [McEntry; 2] {
    let ptr = buf.as_mut_ptr() as i64;
    [
        e(
            libc::SYS_read,
            &[input as i64, ptr, buf.len() as i64],
            MC_STOP_NONPOS,
            0,
        ),
        e(libc::SYS_write, &[output as i64, ptr, 0], MC_STOP_NE_ARG, 2).reference(2, 0),
    ]
}

fn copy_file(size: usize, slice: Option<u64>) {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let data: Vec<u8> = (0..size).map(|i| (i * 131 + i / 4096) as u8).collect();
    let src = dir.path().join("in");
    let dst = dir.path().join("out");
    std::fs::write(&src, &data).expect("write the input");
    let input = std::fs::File::open(&src).expect("open the input");
    let output = std::fs::File::create(&dst).expect("create the output");
    let mut buf = vec![0u8; BLOCK];
    let mut batch = copy_batch(input.as_raw_fd(), output.as_raw_fd(), &mut buf);
    let mut iterations = 0;
    let outcome = loop {
        let outcome =
            run_selected(&mut batch, Some(slice.unwrap_or(u64::MAX))).expect("the copy runs");
        iterations += outcome.iterations;
        if outcome.stop_index < batch.len() {
            break outcome;
        }
        assert_eq!(
            Some(outcome.iterations),
            slice,
            "a loop ends early only on a stop"
        );
    };
    assert_eq!(outcome.stop_index, 0, "the loop ends at the read");
    assert_eq!(batch[0].result, 0, "at end of file");
    assert_eq!(
        iterations as usize,
        size.div_ceil(BLOCK) + 1,
        "one iteration per block, plus the read of 0"
    );
    drop(output);
    let copied = std::fs::read(&dst).expect("read the output");
    assert!(
        copied == data,
        "{size} bytes: the copy differs from the input"
    );
}

#[test]
fn copy_loop_copies_files_byte_for_byte() {
    backend_under_test();
    for size in [0, 1, 4095, 4096, 4097, 2 << 20] {
        copy_file(size, None);
    }
    for size in [4097, 5 * BLOCK] {
        copy_file(size, Some(2));
    }
}

#[test]
fn short_write_stops_the_loop_at_the_write() {
    backend_under_test();
    let mut results = Vec::new();
    for direct in [true, false] {
        let (r, w) = common::pipe(true);
        let zero = std::fs::File::open("/dev/zero").expect("/dev/zero");
        let mut buf = vec![0u8; 10_000];
        let mut batch = copy_batch(zero.as_raw_fd(), w, &mut buf);
        // The pipe holds 64 KiB: the seventh write of 10 000 bytes is short (non-blocking).
        let outcome = if direct {
            run_direct(&mut batch, Some(100))
        } else {
            run_selected(&mut batch, Some(100))
        }
        .expect("runs");
        assert_eq!(outcome.stop_index, 1);
        assert_eq!(outcome.iterations, 7);
        // How much of it fits depends on the pipe's page accounting: some, not all.
        assert!(
            batch[1].result > 0 && batch[1].result < 10_000,
            "short: {}",
            batch[1].result
        );
        results.push((outcome, batch[0].result, batch[1].result));
        common::close(r);
        common::close(w);
    }
    assert_eq!(results[0], results[1]);
}

static HANDLED: AtomicBool = AtomicBool::new(false);

extern "C" fn on_alarm(_: i32) {
    HANDLED.store(true, Ordering::SeqCst);
}

/// Sends SIGALRM to the calling thread after `ms` milliseconds, from a helper thread.
fn alarm_this_thread(ms: u64) -> std::thread::JoinHandle<()> {
    // SAFETY: pthread_self has no preconditions.
    let me = unsafe { libc::pthread_self() };
    std::thread::spawn(move || {
        std::thread::sleep(std::time::Duration::from_millis(ms));
        // SAFETY: the target thread is alive: it waits for this helper to be joined.
        unsafe { libc::pthread_kill(me, libc::SIGALRM) };
    })
}

#[test]
fn sigalrm_interrupts_a_blocked_loop_with_eintr() {
    backend_under_test();
    // SAFETY: installs a handler that only stores to an atomic; no SA_RESTART, so a
    // blocked read is interrupted rather than restarted.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_alarm as *const () as usize;
        action.sa_flags = 0;
        libc::sigemptyset(&mut action.sa_mask);
        assert_eq!(
            libc::sigaction(libc::SIGALRM, &action, std::ptr::null_mut()),
            0
        );
    }
    for backend in ["selected", "direct"] {
        HANDLED.store(false, Ordering::SeqCst);
        let (r, w) = common::pipe(false);
        // SAFETY: w is a fresh descriptor owned by nobody else.
        let mut writer = std::fs::File::from(unsafe {
            <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(w)
        });
        writer.write_all(&[1u8; 48]).expect("fill the pipe");
        let null = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/null")
            .expect("/dev/null");
        let mut buf = [0u8; 16];
        let ptr = buf.as_mut_ptr() as i64;
        // Three iterations find 16 bytes each; the fourth blocks in the read.
        let mut batch = [
            e(libc::SYS_read, &[r as i64, ptr, 16], MC_STOP_NEVER, 0),
            e(
                libc::SYS_write,
                &[null.as_raw_fd() as i64, ptr, 0],
                MC_STOP_NEG,
                0,
            )
            .reference(2, 0),
        ];
        let alarm = alarm_this_thread(300);
        let outcome = if backend == "direct" {
            run_direct(&mut batch, Some(1000))
        } else {
            run_selected(&mut batch, Some(1000))
        }
        .expect("runs");
        alarm.join().expect("the alarm thread");
        assert!(HANDLED.load(Ordering::SeqCst), "{backend}: the handler ran");
        assert_eq!(
            outcome.stop_index, 0,
            "{backend}: stopped at the interrupted read"
        );
        assert_eq!(batch[0].result, -(libc::EINTR as i64), "{backend}: -EINTR");
        assert_eq!(
            outcome.iterations, 4,
            "{backend}: interrupted in the fourth iteration"
        );
        assert_eq!(
            batch[1].result, 16,
            "{backend}: the last write that ran wrote 16 bytes"
        );
        common::close(r);
    }
}

#[test]
fn threads_run_batches_at_once() {
    let backend = backend_under_test();
    let threads: Vec<_> = (0..8u8)
        .map(|t| {
            std::thread::spawn(move || {
                // A file of this thread's own, through two descriptors (two offsets): what
                // the thread writes (directly) a batch reads back and writes to /dev/null.
                let file = tempfile::NamedTempFile::new().expect("a temporary file");
                let mut writer = file.reopen().expect("reopen for writing");
                let reader = file.reopen().expect("reopen for reading");
                let null = std::fs::OpenOptions::new()
                    .write(true)
                    .open("/dev/null")
                    .expect("/dev/null");
                let (r, n) = (reader.as_raw_fd(), null.as_raw_fd());
                let mut used = std::collections::HashSet::new();
                for i in 0..400u32 {
                    let msg: Vec<u8> = (0..64).map(|k| t ^ (i as u8).wrapping_add(k)).collect();
                    let mut back = vec![0u8; 64];
                    std::io::Write::write_all(&mut writer, &msg).expect("write the message");
                    // read this thread's own file, then write to /dev/null: mappable onto
                    // io_uring, so that backend is exercised too when forced.
                    let mut batch = [
                        e(
                            libc::SYS_read,
                            &[r as i64, back.as_mut_ptr() as i64, 64],
                            MC_STOP_NE_ARG,
                            2,
                        ),
                        e(
                            libc::SYS_write,
                            &[n as i64, back.as_ptr() as i64, 64],
                            MC_STOP_NE_ARG,
                            2,
                        ),
                    ];
                    used.insert(multicall::runtime().backend_for(&batch, false));
                    let outcome = run_selected(&mut batch, None).expect("runs");
                    assert_eq!(outcome.stop_index, 2, "thread {t} batch {i}");
                    assert_eq!((batch[0].result, batch[1].result), (64, 64));
                    assert_eq!(back, msg, "thread {t} batch {i}: data crossed threads");
                }
                used
            })
        })
        .collect();
    for thread in threads {
        let used = thread.join().expect("a batch thread");
        if backend == Backend::IoUring || backend == Backend::Kmod {
            assert!(
                used.contains(&backend),
                "the batches ran on {}",
                backend.name()
            );
        }
    }
}
