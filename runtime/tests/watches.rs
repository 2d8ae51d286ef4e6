//! Several watched words (`MC_BATCH_WATCHES`): a list of `struct mc_watch`, each read after
//! its entry (`after`). One after the last entry is read after each completed iteration, as
//! `MC_BATCH_WATCH`'s word; one after an earlier entry is read in every iteration, the first
//! included, and ends the batch at that entry (stop index `after`, the iteration not
//! completed) when it says so: the program's `if (interrupt || info) handle();` between two
//! calls. Every batch runs on the direct backend (the reference), on the backend under test
//! (`MULTICALL_BACKEND`: the kernel module in its guest) and on a runtime with io_uring asked
//! for (which leaves words watched within an iteration to the direct backend), and each must
//! give what the program's own loop gives.

mod common;

use common::{close, e, file_with, pipe, Way};
use multicall::abi::{
    McBatch, McWatch, MC_BATCH_LOOP, MC_BATCH_SUMS, MC_BATCH_WATCH, MC_BATCH_WATCHES,
    MC_MAX_WATCHES, MC_STOP_NEVER, MC_STOP_NONPOS, MC_WATCH_ZERO,
};
use multicall::{McEntry, Outcome, RunError};
use std::os::fd::AsRawFd;

/// A batch of `entries` watching `list`, looped with `max_iters` when given.
fn watching(entries: &mut [McEntry], max_iters: Option<u64>, list: &[McWatch]) -> McBatch {
    McBatch {
        entries: entries.as_mut_ptr() as u64,
        count: entries.len() as u32,
        flags: MC_BATCH_WATCHES | max_iters.map_or(0, |_| MC_BATCH_LOOP),
        max_iters: max_iters.unwrap_or(0),
        watches: list.as_ptr() as u64,
        nwatches: list.len() as u32,
        ..McBatch::default()
    }
}

/// A watch of the 4-byte integer at `word`, after entry `after`.
fn word_after(word: &mut u32, after: u32, mode: u32) -> McWatch {
    McWatch {
        addr: word as *mut u32 as u64,
        mode: 4 | mode,
        after,
    }
}

/// The file offset of `fd`.
fn offset(fd: i32) -> i64 {
    // SAFETY: lseek with SEEK_CUR and offset 0 only reports the offset.
    unsafe { libc::lseek(fd, 0, libc::SEEK_CUR) }
}

/// Four-byte records, one per iteration: `go_on` but the `end_at`-th (from 0), `end`.
fn records(n: usize, end_at: usize, go_on: u32, end: u32) -> Vec<u8> {
    (0..n)
        .flat_map(|k| if k == end_at { end } else { go_on }.to_ne_bytes())
        .collect()
}

#[test]
fn a_word_watched_after_an_entry_ends_the_batch_there_in_that_iteration() {
    for way in Way::all() {
        for on_zero in [false, true] {
            let name = format!("{}, on zero {on_zero}", way.name());
            let (go_on, end) = if on_zero { (1, 0) } else { (0, 1) };
            // Entry 0 reads the next record into the word, which is read after it; entry 1
            // is the loop's work, which the iteration that reads "end" does not reach.
            let flags_file = file_with(&records(8, 3, go_on, end));
            let input = file_with(&[b'x'; 100]);
            let mut buf = [0u8; 1];
            let mut word = go_on;
            let mut entries = [
                e(
                    libc::SYS_read,
                    &[
                        flags_file.as_raw_fd().into(),
                        &mut word as *mut u32 as i64,
                        4,
                    ],
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
            let mode = if on_zero { MC_WATCH_ZERO } else { 0 };
            let list = [word_after(&mut word, 0, mode)];
            let mut sums = [0i64; 2];
            let mut batch = watching(&mut entries, Some(100), &list);
            batch.flags |= MC_BATCH_SUMS;
            batch.sums = sums.as_mut_ptr() as u64;
            let outcome = way.run_batch(&batch).expect("a valid batch runs");
            assert_eq!(
                (outcome.stop_index, outcome.iterations),
                (0, 4),
                "{name}: ends at entry 0 of the iteration that read the fourth record"
            );
            assert_eq!(entries[0].result, 4, "{name}: entry 0 succeeded");
            assert_eq!(offset(input.as_raw_fd()), 3, "{name}: entry 1 ran 3 times");
            assert_eq!(offset(flags_file.as_raw_fd()), 16, "{name}");
            assert_eq!(sums, [12, 3], "{name}: the stopped iteration adds nothing");
            assert_eq!(word, end, "{name}");
        }
    }
}

#[test]
fn a_word_watched_within_the_iteration_is_read_in_the_first_one_too() {
    for way in Way::all() {
        let name = way.name();
        let input = file_with(&[b'x'; 10]);
        let mut buf = [0u8; 1];
        let mut word = 1u32;
        let mut entries = [
            e(libc::SYS_getpid, &[], MC_STOP_NEVER, 0),
            e(
                libc::SYS_read,
                &[input.as_raw_fd().into(), buf.as_mut_ptr() as i64, 1],
                MC_STOP_NONPOS,
                0,
            ),
        ];
        let list = [word_after(&mut word, 0, 0)];
        let batch = watching(&mut entries, Some(5), &list);
        let outcome = way.run_batch(&batch).expect("a valid batch runs");
        assert_eq!((outcome.stop_index, outcome.iterations), (0, 1), "{name}");
        assert_eq!(offset(input.as_raw_fd()), 0, "{name}: the read never ran");
    }
}

#[test]
fn words_at_two_points_each_end_the_batch_where_they_are_read() {
    for way in Way::all() {
        let name = way.name();
        // The first word is read after entry 0, the second after each completed iteration
        // (after entry 1, the last); entry 1 reads a record into the second.
        let ends = file_with(&records(6, 2, 0, 1));
        let mut first = 0u32;
        let mut second = 0u32;
        let mut entries = [
            e(libc::SYS_getpid, &[], MC_STOP_NEVER, 0),
            e(
                libc::SYS_read,
                &[ends.as_raw_fd().into(), &mut second as *mut u32 as i64, 4],
                MC_STOP_NONPOS,
                0,
            ),
        ];
        let list = [word_after(&mut first, 0, 0), word_after(&mut second, 1, 0)];
        let batch = watching(&mut entries, Some(100), &list);
        let outcome = way.run_batch(&batch).expect("a valid batch runs");
        assert_eq!(
            (outcome.stop_index, outcome.iterations),
            (2, 3),
            "{name}: the word after the iteration ends it after the third"
        );
        assert_eq!(offset(ends.as_raw_fd()), 12, "{name}");
    }
}

#[test]
fn words_at_one_point_are_read_in_order_and_any_ends_the_batch() {
    for way in Way::all() {
        for (a, b, ends) in [
            (0u32, 0u32, false),
            (1, 0, true),
            (0, 1, true),
            (1, 1, true),
        ] {
            let name = format!("{}, words {a} and {b}", way.name());
            let (mut wa, mut wb) = (a, b);
            let input = file_with(&[b'x'; 10]);
            let mut buf = [0u8; 1];
            let mut entries = [
                e(libc::SYS_getpid, &[], MC_STOP_NEVER, 0),
                e(
                    libc::SYS_read,
                    &[input.as_raw_fd().into(), buf.as_mut_ptr() as i64, 1],
                    MC_STOP_NONPOS,
                    0,
                ),
            ];
            let list = [word_after(&mut wa, 0, 0), word_after(&mut wb, 0, 0)];
            let batch = watching(&mut entries, Some(4), &list);
            let outcome = way.run_batch(&batch).expect("a valid batch runs");
            let expected = if ends { (0, 1, 0) } else { (2, 4, 4) };
            assert_eq!(
                (
                    outcome.stop_index,
                    outcome.iterations,
                    offset(input.as_raw_fd())
                ),
                expected,
                "{name}"
            );
        }
    }
}

#[test]
fn a_batch_stops_at_its_watch_and_never_merges_writes_across_it() {
    // Straight, and looped once (the direct backend merges two writes of a looped batch to
    // a blocking pipe into one writev, were no word read between them).
    for (way, max_iters) in Way::all()
        .into_iter()
        .flat_map(|way| [(way, None), (way, Some(1))])
    {
        for set in [false, true] {
            let name = format!("{}, max_iters {max_iters:?}, word {set}", way.name());
            let (r, w) = pipe(false);
            let mut word = u32::from(set);
            let mut entries = [
                e(
                    libc::SYS_write,
                    &[w.into(), b"a".as_ptr() as i64, 1],
                    MC_STOP_NEVER,
                    0,
                ),
                e(
                    libc::SYS_write,
                    &[w.into(), b"b".as_ptr() as i64, 1],
                    MC_STOP_NEVER,
                    0,
                ),
            ];
            let list = [word_after(&mut word, 0, 0)];
            let batch = watching(&mut entries, max_iters, &list);
            let outcome = way.run_batch(&batch).expect("a valid batch runs");
            close(w);
            let mut got = [0u8; 4];
            // SAFETY: reading into a local buffer from a pipe this test owns.
            let n = unsafe { libc::read(r, got.as_mut_ptr().cast(), got.len()) };
            close(r);
            let written: &[u8] = if set { b"a" } else { b"ab" };
            assert_eq!(&got[..n as usize], written, "{name}");
            assert_eq!(
                outcome,
                Outcome {
                    stop_index: if set { 0 } else { 2 },
                    iterations: 1
                },
                "{name}"
            );
        }
    }
}

/// Runs `batch` through the C entry point; its return and errno.
fn run_c(batch: &mut McBatch) -> (i64, i32) {
    // SAFETY: every pointer of the tests' batches is the test's own; errno is this thread's.
    unsafe {
        *libc::__errno_location() = 0;
        let ret = multicall::multicall_run_batch(batch);
        (ret, *libc::__errno_location())
    }
}

#[test]
fn every_invalid_list_is_refused_before_anything_runs() {
    let input = file_with(&[b'z'; 10]);
    let mut buf = [0u8; 1];
    let mut word = 0u32;
    let mut entries = [
        e(libc::SYS_getpid, &[], MC_STOP_NEVER, 0),
        e(
            libc::SYS_read,
            &[input.as_raw_fd().into(), buf.as_mut_ptr() as i64, 1],
            MC_STOP_NONPOS,
            0,
        ),
    ];
    let good = word_after(&mut word, 0, 0);
    let long = [good; MC_MAX_WATCHES + 1];
    let at = |after: u32| McWatch { after, ..good };
    let misaligned = McWatch {
        addr: good.addr + 2,
        ..good
    };
    let odd_size = McWatch { mode: 3, ..good };
    let unknown_bit = McWatch {
        mode: 4 | 1 << 7,
        ..good
    };
    let null = McWatch { addr: 0, ..good };
    type Case = (&'static str, Vec<McWatch>, fn(&mut McBatch));
    let keep: fn(&mut McBatch) = |_| {};
    let cases: Vec<Case> = vec![
        ("an after at count", vec![at(2)], keep),
        ("afters out of order", vec![at(1), at(0)], keep),
        ("a misaligned word", vec![misaligned], keep),
        ("a 3-byte word", vec![odd_size], keep),
        ("an unknown mode bit", vec![unknown_bit], keep),
        ("a null word", vec![null], keep),
        ("nwatches 0", vec![good], |b| b.nwatches = 0),
        ("nwatches above the most", long.to_vec(), keep),
        ("a null watches pointer", vec![good], |b| b.watches = 0),
        ("with MC_BATCH_WATCH", vec![good], |b| {
            b.flags |= MC_BATCH_WATCH;
            b.watch = b.watches;
            b.watch_mode = 4;
        }),
        ("a non-zero reserved field", vec![good], |b| b.reserved = 1),
        (
            "a straight batch watching after its last entry",
            vec![at(1)],
            |b| {
                b.flags &= !MC_BATCH_LOOP;
                b.max_iters = 0;
            },
        ),
    ];
    for (what, list, breaks) in cases {
        let mut batch = watching(&mut entries, Some(3), &list);
        breaks(&mut batch);
        assert_eq!(run_c(&mut batch), (-1, libc::EINVAL), "{what}");
        assert_eq!(offset(input.as_raw_fd()), 0, "{what}: nothing ran");
    }
    // Without the flag the C entry point reads the struct only up to `watches` (a caller
    // built against an older header has no more); a whole struct given to the runtime is
    // refused when the list's fields are set without it, as the module refuses it.
    for (what, breaks) in [
        (
            "a watches pointer without the flag",
            (|b| b.nwatches = 0) as fn(&mut McBatch),
        ),
        ("nwatches without the flag", |b| b.watches = 0),
    ] {
        let list = [good];
        let mut batch = watching(&mut entries, Some(3), &list);
        batch.flags &= !MC_BATCH_WATCHES;
        breaks(&mut batch);
        let refused = Way::Direct.run_batch(&batch);
        assert!(
            matches!(refused, Err(RunError::Invalid(_))),
            "{what}: {refused:?}"
        );
        assert_eq!(offset(input.as_raw_fd()), 0, "{what}: nothing ran");
    }
    // The same list, valid, runs.
    let list = [good];
    let mut batch = watching(&mut entries, Some(3), &list);
    assert_eq!(
        run_c(&mut batch),
        (2, 0),
        "the valid list runs to its bound"
    );
    assert_eq!(offset(input.as_raw_fd()), 3);
}
