//! Advancing arguments (`MC_BATCH_ADVANCE`): after each completed iteration of a looped
//! batch, an argument advances by a result of that iteration (up or down), and the batch ends
//! when an argument with an until bit reaches 0 (or at most 0). Every batch runs on the direct
//! backend (the reference), on the backend under test (`MULTICALL_BACKEND`: the kernel module
//! in its guest) and on a runtime with io_uring asked for (which runs such a batch directly),
//! and each must give what the loop run by hand gives.

mod common;

use common::{backend_under_test, e, Way};
use multicall::abi::{
    McAdvance, McBatch, MC_BATCH_ADVANCE, MC_BATCH_LOOP, MC_BATCH_SUMS, MC_STOP_NONPOS,
};
use multicall::{runtime, BatchError, McEntry, Outcome, PerEntry, RunError};
use std::io::Write;
use std::os::fd::AsRawFd;

impl Way {
    /// Runs `entries` looped with `advances`, and with `sums` when given.
    fn run(
        self,
        entries: &mut [McEntry],
        max_iters: Option<u64>,
        advances: &[McAdvance],
        sums: Option<&mut [i64]>,
    ) -> Result<Outcome, RunError> {
        let (rt, choice) = self.target();
        let mut flags = MC_BATCH_ADVANCE;
        let mut arrays = PerEntry {
            advances: advances.as_ptr(),
            ..PerEntry::NONE
        };
        if let Some(sums) = sums {
            flags |= MC_BATCH_SUMS;
            arrays.sums = sums.as_mut_ptr();
        }
        assert_eq!(entries.len(), advances.len());
        // The module ends a looped batch before its first iteration when a signal or task
        // work (io_uring's) is pending at the ioctl (docs/kmod.md): nothing ran, and the
        // batch runs again, as the pass's lowering runs it again.
        for _ in 0..3 {
            // SAFETY: the batches read from the test's own file into its own buffer; entries,
            // advances and sums have entries.len() elements.
            let outcome = unsafe {
                rt.run_flags(
                    choice,
                    entries.as_mut_ptr(),
                    entries.len(),
                    max_iters,
                    flags,
                    arrays,
                )
            };
            let nothing_ran = matches!(
                outcome,
                Ok(Outcome { stop_index, iterations: 0 }) if stop_index == entries.len()
            );
            if !(nothing_ran && max_iters.is_some()) {
                return outcome;
            }
        }
        panic!("a looped batch ended before its first iteration three times running");
    }
}

/// An unlinked file of `len` bytes (a pattern), at offset 0.
fn file_of(len: usize) -> std::fs::File {
    let mut f = tempfile::tempfile().expect("a temporary file");
    let data: Vec<u8> = (0..len).map(|i| b'a' + (i % 26) as u8).collect();
    f.write_all(&data).expect("write the input");
    // SAFETY: lseek on a descriptor this test owns.
    assert_eq!(unsafe { libc::lseek(f.as_raw_fd(), 0, libc::SEEK_SET) }, 0);
    f
}

/// `args[a]` advances by entry `k`'s result, going down when `down`.
fn advance(mut adv: McAdvance, a: usize, k: usize, down: bool) -> McAdvance {
    adv.by[a] = k as u8 + 1;
    if down {
        adv.down |= 1 << a;
    }
    adv
}

/// Entry 0 reads 7 bytes at a time into a buffer position that advances by what it read;
/// entry 1 is getppid, whose first argument (ignored by the call) counts `remaining` down
/// by the read's result.
fn chunked(input: i32, buf: &mut [u8], remaining: i64) -> ([McEntry; 2], [McAdvance; 2]) {
    let entries = [
        e(
            libc::SYS_read,
            &[input.into(), buf.as_mut_ptr() as i64, 7],
            MC_STOP_NONPOS,
            0,
        ),
        e(libc::SYS_getppid, &[remaining], 0, 0),
    ];
    let advances = [
        advance(McAdvance::default(), 1, 0, false),
        advance(McAdvance::default(), 0, 0, true),
    ];
    (entries, advances)
}

#[test]
fn a_buffer_position_advances_by_each_read() {
    for way in Way::all() {
        let input = file_of(30);
        let mut buf = vec![0u8; 64];
        let (mut entries, advances) = chunked(input.as_raw_fd(), &mut buf, 1000);
        let submitted = entries;
        let mut sums = [0, 0];
        let outcome = way
            .run(&mut entries, Some(u64::MAX), &advances, Some(&mut sums))
            .expect("runs");
        let name = way.name();
        // 7 + 7 + 7 + 7 + 2, then end of file.
        assert_eq!((outcome.stop_index, outcome.iterations), (0, 6), "{name}");
        assert_eq!(&buf[..30], &file_data(30)[..], "{name}: contiguous");
        assert_eq!(buf[30], 0, "{name}: nothing past the file");
        assert_eq!(sums[0], 30, "{name}");
        // Only results go back to the caller; the advanced arguments stay the batch's.
        for (got, was) in entries.iter().zip(&submitted) {
            assert_eq!(got.args, was.args, "{name}");
        }
    }
}

fn file_data(len: usize) -> Vec<u8> {
    (0..len).map(|i| b'a' + (i % 26) as u8).collect()
}

#[test]
fn a_count_that_reaches_zero_ends_the_batch() {
    for way in Way::all() {
        // remaining 21: 14, 7, 0 after three reads of 7: the batch ends with count, three
        // iterations, where the file still has 9 bytes.
        let input = file_of(30);
        let mut buf = vec![0u8; 64];
        let (mut entries, mut advances) = chunked(input.as_raw_fd(), &mut buf, 21);
        advances[1].until_zero = 1 << 0;
        let outcome = way
            .run(&mut entries, Some(u64::MAX), &advances, None)
            .expect("runs");
        let name = way.name();
        assert_eq!((outcome.stop_index, outcome.iterations), (2, 3), "{name}");
        // SAFETY: lseek on the test's own descriptor.
        let at = unsafe { libc::lseek(input.as_raw_fd(), 0, libc::SEEK_CUR) };
        assert_eq!(at, 21, "{name}: no fourth read");

        // remaining 20: 13, 6, -1: "until zero" never fires, "until at most zero" after 3.
        let input = file_of(30);
        let (mut entries, mut advances) = chunked(input.as_raw_fd(), &mut buf, 20);
        advances[1].until_zero = 1 << 0;
        let outcome = way
            .run(&mut entries, Some(u64::MAX), &advances, None)
            .expect("runs");
        assert_eq!(
            (outcome.stop_index, outcome.iterations),
            (0, 6),
            "{name}: to EOF"
        );
        let input = file_of(30);
        let (mut entries, mut advances) = chunked(input.as_raw_fd(), &mut buf, 20);
        advances[1].until_nonpos = 1 << 0;
        let outcome = way
            .run(&mut entries, Some(u64::MAX), &advances, None)
            .expect("runs");
        assert_eq!(
            (outcome.stop_index, outcome.iterations),
            (2, 3),
            "{name}: <= 0"
        );
        // The bound ends it as before, with the arguments advanced so far.
        let input = file_of(30);
        let (mut entries, advances) = chunked(input.as_raw_fd(), &mut buf, 20);
        let outcome = way
            .run(&mut entries, Some(2), &advances, None)
            .expect("runs");
        assert_eq!(
            (outcome.stop_index, outcome.iterations),
            (2, 2),
            "{name}: bound"
        );
    }
}

#[test]
fn invalid_advances_are_refused_before_anything_runs() {
    let input = file_of(30);
    let mut buf = vec![0u8; 64];
    type Breaks = fn(&mut [McAdvance; 2], &mut [McEntry; 2]);
    let cases: [(&str, Breaks); 5] = [
        ("an entry outside the batch", |adv, _| adv[0].by[0] = 3),
        ("down for a fixed argument", |adv, _| adv[0].down = 1 << 3),
        ("until for a fixed argument", |adv, _| {
            adv[0].until_zero = 1 << 0
        }),
        ("a reference that advances", |adv, entries| {
            entries[1].refs = 1;
            adv[1].by[0] = 1;
        }),
        ("reserved bytes", |adv, _| adv[1].reserved[6] = 1),
    ];
    for (what, break_it) in cases {
        let (mut entries, mut advances) = chunked(input.as_raw_fd(), &mut buf, 5);
        entries[1].args[0] = 0;
        break_it(&mut advances, &mut entries);
        let got = Way::Selected.run(&mut entries, Some(10), &advances, None);
        assert!(
            matches!(got, Err(RunError::Invalid(BatchError::BadAdvance { .. }))),
            "{what}: {got:?}"
        );
        assert_eq!(entries[0].result, 0, "{what}: nothing ran");
    }
    // Advances in a plain batch, and the flag without its array.
    let (mut entries, advances) = chunked(input.as_raw_fd(), &mut buf, 5);
    let got = Way::Selected.run(&mut entries, None, &advances, None);
    assert!(
        matches!(got, Err(RunError::Invalid(BatchError::Advances))),
        "{got:?}"
    );
    // SAFETY: the flag without the array is refused before anything is read.
    let got = unsafe {
        runtime().run_flags(
            None,
            entries.as_mut_ptr(),
            2,
            Some(1),
            MC_BATCH_ADVANCE,
            PerEntry::NONE,
        )
    };
    assert!(
        matches!(got, Err(RunError::Invalid(BatchError::Advances))),
        "{got:?}"
    );
    assert_eq!(entries[0].result, 0, "nothing ran");
}

#[test]
fn the_c_entry_point_runs_a_whole_struct_mc_batch() {
    backend_under_test();
    let input = file_of(30);
    let mut buf = vec![0u8; 64];
    let (mut entries, mut advances) = chunked(input.as_raw_fd(), &mut buf, 21);
    advances[1].until_zero = 1 << 0;
    let mut sums = [100i64, 0];
    let mut batch = McBatch {
        entries: entries.as_mut_ptr() as u64,
        count: 2,
        flags: MC_BATCH_LOOP | MC_BATCH_SUMS | MC_BATCH_ADVANCE,
        max_iters: 1000,
        sums: sums.as_mut_ptr() as u64,
        advances: advances.as_ptr() as u64,
        ..McBatch::default()
    };
    // SAFETY: a valid batch of the test's own arrays.
    let stop = unsafe { multicall::multicall_run_batch(&mut batch) };
    assert_eq!(stop, 2);
    assert_eq!((batch.stop_index, batch.iterations), (2, 3));
    assert_eq!(sums[0], 121, "the reads' sum on top of 100");
    assert_eq!(&buf[..21], &file_data(21)[..]);
    // A resume point belongs to the module: refused, nothing runs.
    batch.resume = 1;
    entries[0].result = 77;
    // SAFETY: as above.
    assert_eq!(unsafe { multicall::multicall_run_batch(&mut batch) }, -1);
    assert_eq!(entries[0].result, 77);
}
