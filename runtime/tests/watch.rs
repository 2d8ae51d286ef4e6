//! A watched word (`MC_BATCH_WATCH`): after each completed iteration of a looped batch, the
//! batch reads an integer of 1, 2, 4 or 8 bytes in the caller's memory, as the loop's own
//! test of a `volatile sig_atomic_t` flag would, and ends (stop index `count`) when it is
//! non-zero, or zero with `MC_WATCH_ZERO`. Every batch runs on the direct backend (the
//! reference), on the backend under test (`MULTICALL_BACKEND`: the kernel module in its guest)
//! and on a runtime with io_uring asked for, and each must give what the loop run by hand
//! gives: `while (!stop) { ...; }`.

mod common;

use common::{backend_under_test, close, e, file_with, pipe, rw_calls, Way};
use multicall::abi::{
    McAdvance, McBatch, MC_BATCH_ADVANCE, MC_BATCH_DEAD_BUFFERS, MC_BATCH_LOOP, MC_BATCH_SUMS,
    MC_BATCH_WATCH, MC_STOP_NEG, MC_STOP_NEVER, MC_STOP_NE_ARG, MC_STOP_NONPOS, MC_WATCH_ZERO,
};
use multicall::{BatchError, McEntry, PerEntry, RunError};
use std::io::Write;
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicU32, Ordering};

/// A looped batch of `entries` watching the integer at `watch` with `watch_mode`, with
/// `flags` besides `MC_BATCH_LOOP | MC_BATCH_WATCH`.
fn watched(entries: &mut [McEntry], max_iters: u64, watch: u64, watch_mode: u32) -> McBatch {
    McBatch {
        entries: entries.as_mut_ptr() as u64,
        count: entries.len() as u32,
        flags: MC_BATCH_LOOP | MC_BATCH_WATCH,
        max_iters,
        watch,
        watch_mode,
        ..McBatch::default()
    }
}

/// The file offset of `fd`.
fn offset(fd: i32) -> i64 {
    // SAFETY: lseek with SEEK_CUR and offset 0 only reports the offset.
    unsafe { libc::lseek(fd, 0, libc::SEEK_CUR) }
}

/// 24 bytes aligned to 8: the watched integer sits at byte 8, whatever its width, with bytes
/// of the test's choosing on both sides.
#[repr(C, align(8))]
struct Words([u8; 24]);

impl Words {
    /// The address of byte `at`.
    fn at(&mut self, at: usize) -> u64 {
        self.0[at..].as_mut_ptr() as u64
    }
}

/// A record of `width` bytes whose last byte is `last` (so that only a read of the whole
/// width sees it) and whose other bytes are zero.
fn record(width: usize, last: u8) -> Vec<u8> {
    let mut r = vec![0u8; width];
    r[width - 1] = last;
    r
}

#[test]
fn an_entry_that_writes_the_word_ends_the_batch_after_its_iteration() {
    for way in Way::all() {
        let name = way.name();
        for width in [1usize, 2, 4, 8] {
            for on_zero in [false, true] {
                // The records the batch reads into the word, one per iteration: three that
                // say "go on", then one that says "end", then more that would go on.
                let (go_on, end) = if on_zero { (1, 0) } else { (0, 1) };
                let mut records = Vec::new();
                for k in 0..8 {
                    records.extend(record(width, if k == 3 { end } else { go_on }));
                }
                let flags_file = file_with(&records);
                let input = file_with(&[b'x'; 100]);
                let mut buf = [0u8; 1];
                let mut words = Words([0; 24]);
                // The bytes around the word say "end" all along: they are not the word's.
                let outside = if on_zero { 0xff } else { 0x01 };
                words.0[7] = outside;
                words.0[8 + width] = outside;
                // The word says "end" before the batch: not read before the first iteration.
                words.0[8 + width - 1] = end;
                let word = words.at(8);
                // Entry 0 reads the next record into the word, entry 1 is the loop's work.
                // Both map onto io_uring where the files do (the last entry's predicate is
                // tested after the chain).
                let mut entries = [
                    e(
                        libc::SYS_read,
                        &[flags_file.as_raw_fd().into(), word as i64, width as i64],
                        MC_STOP_NEVER,
                        0,
                    ),
                    e(
                        libc::SYS_read,
                        &[input.as_raw_fd().into(), buf.as_mut_ptr() as i64, 1],
                        MC_STOP_NONPOS,
                        0,
                    ),
                ];
                if let Way::Uring(_) = way {
                    if !multicall::uring::maps(&entries) {
                        eprintln!("{name}: the batch does not map onto io_uring here");
                    }
                }
                let mode = width as u32 | if on_zero { MC_WATCH_ZERO } else { 0 };
                let batch = watched(&mut entries, 100, word, mode);
                let outcome = way.run_batch(&batch).expect("a valid batch runs");
                let what = format!("{name}, width {width}, on zero {on_zero}");
                assert_eq!(
                    (outcome.stop_index, outcome.iterations),
                    (2, 4),
                    "{what}: ends after the iteration that read the fourth record"
                );
                assert_eq!(entries[0].result, width as i64, "{what}");
                assert_eq!(entries[1].result, 1, "{what}");
                assert_eq!(offset(input.as_raw_fd()), 4, "{what}: no fifth iteration");
                assert_eq!(offset(flags_file.as_raw_fd()), 4 * width as i64, "{what}");
                assert_eq!(words.0[8..8 + width], record(width, end)[..], "{what}");
                assert_eq!((words.0[7], words.0[8 + width]), (outside, outside));
            }
        }
    }
}

#[test]
fn a_word_that_says_end_before_the_batch_still_runs_one_iteration() {
    for way in Way::all() {
        let name = way.name();
        for (value, mode) in [
            (1u32, 4),
            (0u32, 4 | MC_WATCH_ZERO),
            (7, 1),
            (0, 2 | MC_WATCH_ZERO),
        ] {
            let input = file_with(&[b'x'; 100]);
            let mut buf = [0u8; 1];
            let mut words = Words([0; 24]);
            words.0[8..12].copy_from_slice(&value.to_le_bytes());
            let word = words.at(8);
            let mut entries = [e(
                libc::SYS_read,
                &[input.as_raw_fd().into(), buf.as_mut_ptr() as i64, 1],
                MC_STOP_NONPOS,
                0,
            )];
            let outcome = way
                .run_batch(&watched(&mut entries, 50, word, mode))
                .expect("runs");
            assert_eq!(
                (outcome.stop_index, outcome.iterations),
                (1, 1),
                "{name}, {value} {mode:#x}"
            );
            assert_eq!(offset(input.as_raw_fd()), 1, "{name}: one read");
        }
        // A word that never says "end": the bound, then end of file, end the batch.
        for (max, expect) in [(5u64, (1, 5)), (500, (0, 101))] {
            let input = file_with(&[b'x'; 100]);
            let mut buf = [0u8; 1];
            let mut words = Words([0; 24]);
            words.0[7] = 1;
            words.0[9] = 1;
            let word = words.at(8);
            let mut entries = [e(
                libc::SYS_read,
                &[input.as_raw_fd().into(), buf.as_mut_ptr() as i64, 1],
                MC_STOP_NONPOS,
                0,
            )];
            let outcome = way
                .run_batch(&watched(&mut entries, max, word, 1))
                .expect("runs");
            assert_eq!(
                (outcome.stop_index, outcome.iterations),
                expect,
                "{name}, max {max}"
            );
        }
    }
}

/// The flag a SIGPIPE handler sets, as `volatile sig_atomic_t stop` (4 bytes, aligned).
static STOP: AtomicU32 = AtomicU32::new(0);
/// How many times the handler ran.
static HANDLED: AtomicU32 = AtomicU32::new(0);

extern "C" fn on_sigpipe(_: libc::c_int) {
    STOP.store(1, Ordering::SeqCst);
    HANDLED.fetch_add(1, Ordering::SeqCst);
}

#[test]
fn a_sigpipe_handler_that_sets_the_word_ends_the_batch_after_that_iteration() {
    // SAFETY: a sigaction struct zeroed and filled in; the handler only stores to atomics,
    // which is async-signal-safe. No other test of this file writes to a pipe without
    // reader, and SIGPIPE is put back to SIG_IGN (the Rust runtime's) at the end.
    unsafe {
        let mut act: libc::sigaction = std::mem::zeroed();
        act.sa_sigaction = on_sigpipe as *const () as usize;
        libc::sigemptyset(&mut act.sa_mask);
        assert_eq!(
            libc::sigaction(libc::SIGPIPE, &act, std::ptr::null_mut()),
            0
        );
    }
    for way in Way::all() {
        let name = way.name();
        // while (!stop) { n = read(in, buf, 16); if (n <= 0) break; write(out, buf, n); }
        // with the write unchecked, into a pipe whose reader is gone: EPIPE, and SIGPIPE's
        // handler sets stop; the loop's test ends it before the next read.
        let input = file_with(&[b'y'; 160]);
        let (r, w) = pipe(false);
        close(r);
        let mut buf = [0u8; 16];
        let addr = buf.as_mut_ptr() as i64;
        let mut entries = [
            e(
                libc::SYS_read,
                &[input.as_raw_fd().into(), addr, 16],
                MC_STOP_NONPOS,
                0,
            ),
            e(libc::SYS_write, &[w.into(), addr, 0], MC_STOP_NEVER, 0).reference(2, 0),
        ];
        STOP.store(0, Ordering::SeqCst);
        HANDLED.store(0, Ordering::SeqCst);
        let batch = watched(&mut entries, 1000, STOP.as_ptr() as u64, 4);
        let outcome = way.run_batch(&batch).expect("runs");
        assert_eq!(
            (outcome.stop_index, outcome.iterations),
            (2, 1),
            "{name}: ends after the first iteration"
        );
        assert_eq!(entries[0].result, 16, "{name}");
        assert_eq!(entries[1].result, -i64::from(libc::EPIPE), "{name}");
        assert_eq!(offset(input.as_raw_fd()), 16, "{name}: no second read");
        assert_eq!(STOP.load(Ordering::SeqCst), 1, "{name}");
        assert_eq!(HANDLED.load(Ordering::SeqCst), 1, "{name}: one SIGPIPE");
        if let Way::Direct = way {
            // The same batch unwatched goes on reading after the handler ran: the watch is
            // what ends it (on the direct backend, where no pending signal ends a loop).
            let input = file_with(&[b'y'; 160]);
            entries[0].args[0] = input.as_raw_fd().into();
            let mut unwatched = watched(&mut entries, 1000, 0, 0);
            unwatched.flags = MC_BATCH_LOOP;
            let outcome = way.run_batch(&unwatched).expect("runs");
            assert_eq!((outcome.stop_index, outcome.iterations), (0, 11));
            assert_eq!(offset(input.as_raw_fd()), 160);
        }
        close(w);
    }
    // SAFETY: back to the disposition the Rust runtime set at start-up.
    unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
}

#[test]
fn the_watch_with_sums_and_advancing_arguments() {
    for way in Way::all() {
        let name = way.name();
        // Reads of 7 bytes land one after another in buf (argument 1 advances by each
        // result); entry 1 reads the next byte of the flags file into the word.
        let data: Vec<u8> = (0..60).map(|i| b'a' + (i % 26) as u8).collect();
        let input = file_with(&data);
        let flags_file = file_with(&[0, 0, 1, 0, 0, 0, 0, 0, 0]);
        let mut buf = vec![0u8; 64];
        let mut words = Words([0; 24]);
        let word = words.at(8);
        let mut entries = [
            e(
                libc::SYS_read,
                &[input.as_raw_fd().into(), buf.as_mut_ptr() as i64, 7],
                MC_STOP_NONPOS,
                0,
            ),
            e(
                libc::SYS_read,
                &[flags_file.as_raw_fd().into(), word as i64, 1],
                MC_STOP_NEG,
                0,
            ),
        ];
        let mut advances = [McAdvance::default(); 2];
        advances[0].by[1] = 1;
        let mut sums = [100i64, 0];
        let mut batch = watched(&mut entries, 1000, word, 1);
        batch.flags |= MC_BATCH_SUMS | MC_BATCH_ADVANCE;
        batch.sums = sums.as_mut_ptr() as u64;
        batch.advances = advances.as_ptr() as u64;
        let outcome = way.run_batch(&batch).expect("runs");
        assert_eq!(
            (outcome.stop_index, outcome.iterations),
            (2, 3),
            "{name}: the third iteration read the 1"
        );
        assert_eq!(sums, [121, 3], "{name}: three completed iterations, on 100");
        assert_eq!(&buf[..21], &data[..21], "{name}: contiguous");
        assert_eq!(buf[21], 0, "{name}");
        assert_eq!(offset(input.as_raw_fd()), 21, "{name}");
        assert_eq!(words.0[8], 1);

        // The advancing arguments' until-test and the bound stay as they were: a count that
        // reaches zero after two iterations ends the batch before the word is set.
        let input = file_with(&data);
        let flags_file = file_with(&[0, 0, 1, 0]);
        let mut words = Words([0; 24]);
        let word = words.at(8);
        let mut entries = [
            e(
                libc::SYS_read,
                &[input.as_raw_fd().into(), buf.as_mut_ptr() as i64, 7],
                MC_STOP_NONPOS,
                0,
            ),
            e(
                libc::SYS_read,
                &[flags_file.as_raw_fd().into(), word as i64, 1],
                MC_STOP_NEG,
                0,
            ),
            e(libc::SYS_getppid, &[14], MC_STOP_NEVER, 0),
        ];
        let mut advances = [McAdvance::default(); 3];
        advances[2].by[0] = 1;
        advances[2].down = 1;
        advances[2].until_zero = 1;
        let mut batch = watched(&mut entries, 1000, word, 1);
        batch.flags |= MC_BATCH_ADVANCE;
        batch.advances = advances.as_ptr() as u64;
        let outcome = way.run_batch(&batch).expect("runs");
        assert_eq!(
            (outcome.stop_index, outcome.iterations),
            (3, 2),
            "{name}: until zero"
        );
        assert_eq!(words.0[8], 0, "{name}");
    }
}

/// `multicall_run_batch(batch)` and errno.
fn run_c(batch: &mut McBatch) -> (i64, i32) {
    // SAFETY: every pointer of the tests' batches is the test's own; errno is this thread's.
    unsafe {
        *libc::__errno_location() = 0;
        let ret = multicall::multicall_run_batch(batch);
        (ret, *libc::__errno_location())
    }
}

#[test]
fn every_invalid_watch_is_refused_before_anything_runs() {
    backend_under_test();
    let input = file_with(&[b'z'; 10]);
    let mut buf = [0u8; 1];
    let mut words = Words([0; 24]);
    let base = words.at(8);
    let mut entries = [e(
        libc::SYS_read,
        &[input.as_raw_fd().into(), buf.as_mut_ptr() as i64, 1],
        MC_STOP_NONPOS,
        0,
    )];
    let valid = watched(&mut entries, 3, base, 4);
    type Breaks = fn(&mut McBatch, u64);
    let cases: [(&str, Breaks); 16] = [
        ("MC_BATCH_WATCH without MC_BATCH_LOOP", |b, _| {
            b.flags = MC_BATCH_WATCH
        }),
        ("a null watch", |b, _| b.watch = 0),
        ("2 bytes at an odd address", |b, base| {
            b.watch = base + 1;
            b.watch_mode = 2;
        }),
        ("4 bytes at 2 past", |b, base| b.watch = base + 2),
        ("8 bytes at 4 past", |b, base| {
            b.watch = base + 4;
            b.watch_mode = 8;
        }),
        ("8 bytes with MC_WATCH_ZERO at 4 past", |b, base| {
            b.watch = base + 4;
            b.watch_mode = 8 | MC_WATCH_ZERO;
        }),
        ("size 0", |b, _| b.watch_mode = 0),
        ("size 0 with MC_WATCH_ZERO", |b, _| {
            b.watch_mode = MC_WATCH_ZERO
        }),
        ("size 3", |b, _| b.watch_mode = 3),
        ("size 5", |b, _| b.watch_mode = 5),
        ("size 15", |b, _| b.watch_mode = 15),
        ("bit 5 of watch_mode", |b, _| b.watch_mode = 4 | 1 << 5),
        ("bit 31 of watch_mode", |b, _| b.watch_mode = 4 | 1 << 31),
        ("a watch pointer without the flag", |b, _| {
            b.flags = MC_BATCH_LOOP;
            b.watch_mode = 0;
        }),
        ("a watch_mode without the flag", |b, _| {
            b.flags = MC_BATCH_LOOP;
            b.watch = 0;
        }),
        ("MC_WATCH_ZERO alone without the flag", |b, _| {
            b.flags = MC_BATCH_LOOP;
            b.watch = 0;
            b.watch_mode = MC_WATCH_ZERO;
        }),
    ];
    for (what, break_it) in cases {
        let mut batch = valid;
        break_it(&mut batch, base);
        batch.iterations = 999;
        batch.stop_index = 999;
        entries[0].result = 77;
        let (ret, errno) = run_c(&mut batch);
        assert_eq!((ret, errno), (-1, libc::EINVAL), "{what}");
        assert_eq!(entries[0].result, 77, "{what}: nothing ran");
        assert_eq!((batch.iterations, batch.stop_index), (999, 999), "{what}");
        assert_eq!(offset(input.as_raw_fd()), 0, "{what}: no read");
        // The same through the Rust API, with the reason.
        // SAFETY: as for run_c.
        let got = unsafe { multicall::runtime().run_batch(None, &batch) };
        assert!(
            matches!(got, Err(RunError::Invalid(BatchError::BadWatch(_)))),
            "{what}: {got:?}"
        );
    }
    // The valid batch runs (its word stays 0: to the bound).
    let mut batch = valid;
    let (ret, errno) = run_c(&mut batch);
    assert_eq!((ret, errno), (1, 0));
    assert_eq!((batch.iterations, batch.stop_index), (3, 1));
    assert_eq!(offset(input.as_raw_fd()), 3);
    // Entry points without a watch pointer refuse the flag.
    entries[0].result = 77;
    // SAFETY: a valid array of one entry; refused before anything runs.
    let ret = unsafe {
        multicall::multicall_loop_flags(
            entries.as_mut_ptr(),
            1,
            3,
            std::ptr::null_mut(),
            MC_BATCH_WATCH,
        )
    };
    // SAFETY: this thread's errno.
    assert_eq!(
        (ret, unsafe { *libc::__errno_location() }),
        (-1, libc::EINVAL)
    );
    // SAFETY: as above.
    let got = unsafe {
        multicall::runtime().run_flags(
            None,
            entries.as_mut_ptr(),
            1,
            Some(3),
            MC_BATCH_WATCH,
            PerEntry::NONE,
        )
    };
    assert!(
        matches!(got, Err(RunError::Invalid(BatchError::BadWatch(_)))),
        "{got:?}"
    );
    assert_eq!(entries[0].result, 77, "nothing ran");
    assert_eq!(offset(input.as_raw_fd()), 3);
}

#[test]
fn a_watched_copy_loop_is_not_an_in_kernel_copy() {
    const N: usize = 4096;
    const BLOCKS: usize = 16;
    let data = common::data(N * BLOCKS);
    for way in Way::all() {
        let name = way.name();
        for watch in [true, false] {
            let input = file_with(&data);
            let mut output = tempfile::tempfile().expect("a temporary file");
            let mut buf = vec![0u8; N];
            let addr = buf.as_mut_ptr() as i64;
            let mut entries = [
                e(
                    libc::SYS_read,
                    &[input.as_raw_fd().into(), addr, N as i64],
                    MC_STOP_NONPOS,
                    0,
                ),
                e(
                    libc::SYS_write,
                    &[output.as_raw_fd().into(), addr, 0],
                    MC_STOP_NE_ARG,
                    2,
                )
                .reference(2, 0),
            ];
            let mut words = Words([0; 24]);
            let mut batch = watched(&mut entries, u64::MAX, words.at(8), 8);
            batch.flags |= MC_BATCH_DEAD_BUFFERS;
            if !watch {
                batch.flags &= !MC_BATCH_WATCH;
                batch.watch = 0;
                batch.watch_mode = 0;
            }
            let before = rw_calls();
            let outcome = way.run_batch(&batch).expect("runs");
            let calls = rw_calls() - before;
            let what = format!("{name}, watched {watch}");
            assert_eq!(
                (outcome.stop_index, outcome.iterations),
                (0, BLOCKS as u64 + 1),
                "{what}"
            );
            output.flush().expect("flush");
            let written =
                std::fs::read(format!("/proc/self/fd/{}", output.as_raw_fd())).expect("the output");
            assert!(written == data, "{what}: the output is the input");
            if watch {
                // The plain loop: a read and a write per block, and the read of end of file.
                assert!(
                    calls > 2 * BLOCKS as u64,
                    "{what}: {calls} read/write calls for {BLOCKS} blocks"
                );
            } else if calls > 2 * BLOCKS as u64 {
                // The specialisation's own conditions (docs/runtime.md, rule 4) refused it
                // here; the contrast says nothing then.
                eprintln!("{what}: the unwatched copy ran as the plain loop here ({calls} calls)");
            }
        }
    }
}
