//! Copies at explicit offsets (`runtime/src/copy.rs`, "Copies at explicit offsets"): the
//! looped batch `pread64(in, buf, N, p)` -> `pwrite64(out, buf, n, q)` whose offsets advance
//! by the read's result (`MC_BATCH_ADVANCE`), with `MC_BATCH_DEAD_BUFFERS`, runs as
//! `copy_file_range` at those offsets. Differential: every case runs the batch as the plain
//! loop on the direct backend (the reference) and with the flag through the runtime (also
//! with `MC_BATCH_LIVE_AT_STOP`, whose buffer after a stop at the write or at the bound must
//! be the plain loop's), and compares the stop index, the iterations, both results, the sums
//! (from which the caller computes the advanced offsets), the output file's bytes and both
//! files' own offsets, which neither way may move. The read/write calls
//! (`/proc/thread-self/io`) show that the specialised path really ran.

mod common;

use common::{data, file_with, reopen, rw_calls};
use multicall::abi::{
    McAdvance, MC_BATCH_ADVANCE, MC_BATCH_DEAD_BUFFERS, MC_BATCH_LIVE_AT_STOP, MC_BATCH_SUMS,
    MC_STOP_NE_ARG, MC_STOP_NONPOS,
};
use multicall::{runtime, Backend, McEntry, Outcome, PerEntry};
use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, RawFd};

/// How a batch runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Way {
    /// The plain looped batch on the direct backend.
    Plain,
    /// With `MC_BATCH_DEAD_BUFFERS` through the runtime.
    Flagged,
    /// With `MC_BATCH_DEAD_BUFFERS | MC_BATCH_LIVE_AT_STOP` through the runtime.
    Live,
}

/// What a run left behind.
#[derive(Debug, PartialEq, Eq)]
struct Observed {
    outcome: Outcome,
    results: [i64; 2],
    sums: [i64; 2],
    input_offset: i64,
    output_offset: i64,
    output: Vec<u8>,
}

/// One case: the input's size, the block, where each offset starts, what the output holds
/// before, how it is opened, the bound, and whose result the write's offset advances by.
#[derive(Debug, Clone, Copy)]
struct Case {
    size: usize,
    n: usize,
    p: i64,
    q: i64,
    output_prefix: usize,
    append: bool,
    max_iters: u64,
    /// The write's offset advances by the write's own result (entry 1), not the read's.
    by_written: bool,
    /// The read's offset advances by the write's result too (a do-while loop that adds what
    /// it wrote to the one offset both calls take).
    read_by_written: bool,
}

impl Case {
    fn new(size: usize, n: usize) -> Case {
        Case {
            size,
            n,
            p: 0,
            q: 0,
            output_prefix: 0,
            append: false,
            max_iters: u64::MAX,
            by_written: false,
            read_by_written: false,
        }
    }
}

/// Everything in `f` from its start.
fn contents(f: &File) -> Vec<u8> {
    let mut all = Vec::new();
    reopen(f, libc::O_RDONLY)
        .read_to_end(&mut all)
        .expect("read");
    all
}

/// The offset of `fd` (-1 for a pipe).
fn offset(fd: RawFd) -> i64 {
    // SAFETY: lseek with offset 0 and SEEK_CUR only reports.
    unsafe { libc::lseek(fd, 0, libc::SEEK_CUR) }
}

/// Runs the positioned copy loop of `case` on `input` -> `output` the way `way`; returns its
/// outcome, results, sums and the buffer as the batch left it.
fn run(
    way: Way,
    case: &Case,
    input: RawFd,
    output: RawFd,
) -> (Outcome, [i64; 2], [i64; 2], Vec<u8>) {
    let mut buf = vec![0u8; case.n];
    let ptr = buf.as_mut_ptr() as i64;
    let mut entries = [
        McEntry::new(
            libc::SYS_pread64,
            &[input.into(), ptr, case.n as i64, case.p],
        )
        .stop(MC_STOP_NONPOS, 0),
        McEntry::new(libc::SYS_pwrite64, &[output.into(), ptr, 0, case.q])
            .stop(MC_STOP_NE_ARG, 2)
            .reference(2, 0),
    ];
    let mut advances = [McAdvance::default(); 2];
    advances[0].by[3] = if case.read_by_written { 2 } else { 1 };
    advances[1].by[3] = if case.by_written { 2 } else { 1 };
    let mut sums = [0i64; 2];
    let arrays = PerEntry {
        sums: sums.as_mut_ptr(),
        advances: advances.as_ptr(),
    };
    let flags = MC_BATCH_ADVANCE
        | MC_BATCH_SUMS
        | match way {
            Way::Plain => 0,
            Way::Flagged => MC_BATCH_DEAD_BUFFERS,
            Way::Live => MC_BATCH_DEAD_BUFFERS | MC_BATCH_LIVE_AT_STOP,
        };
    let choice = (way == Way::Plain).then_some(Backend::Direct);
    // SAFETY: reads into and writes from the test's own buffer of n bytes, on its own
    // descriptors; entries, sums and advances have two elements each.
    let outcome = unsafe {
        runtime().run_flags(
            choice,
            entries.as_mut_ptr(),
            2,
            Some(case.max_iters),
            flags,
            arrays,
        )
    }
    .expect("a valid batch runs");
    (outcome, [entries[0].result, entries[1].result], sums, buf)
}

/// A file -> file case run the way `way`: what it left, the buffer and the read/write calls.
fn file_to_file(way: Way, case: &Case) -> (Observed, Vec<u8>, u64) {
    let input = file_with(&data(case.size));
    let output = file_with(&vec![b'#'; case.output_prefix]);
    let output = if case.append {
        reopen(&output, libc::O_WRONLY | libc::O_APPEND)
    } else {
        output
    };
    let before = rw_calls();
    let (outcome, results, sums, buf) = run(way, case, input.as_raw_fd(), output.as_raw_fd());
    let calls = rw_calls() - before;
    let observed = Observed {
        outcome,
        results,
        sums,
        input_offset: offset(input.as_raw_fd()),
        output_offset: offset(output.as_raw_fd()),
        output: contents(&output),
    };
    (observed, buf, calls)
}

/// The three ways of `case` agree (the buffer too wherever the plain loop's is kept);
/// returns the flagged run's read/write calls.
fn same(case: Case) -> u64 {
    let (plain, plain_buf, _) = file_to_file(Way::Plain, &case);
    let (live, live_buf, _) = file_to_file(Way::Live, &case);
    assert_eq!(live, plain, "{case:?}, live at a stop");
    if plain.outcome.stop_index != 0 {
        assert!(live_buf == plain_buf, "{case:?}: the buffer");
    }
    let (flagged, _, calls) = file_to_file(Way::Flagged, &case);
    assert_eq!(flagged, plain, "{case:?}");
    calls
}

const BLOCKS: [usize; 2] = [512, 4096];

fn sizes(n: usize) -> [usize; 6] {
    [0, 1, n - 1, n, n + 1, (2 << 20) + 1]
}

#[test]
fn copies_at_offsets_match_the_plain_loop() {
    for n in BLOCKS {
        for size in sizes(n) {
            same(Case::new(size, n));
            // Offsets inside the files, the output's beyond its end (a hole), and the
            // output's own offset somewhere else: pread and pwrite move neither.
            same(Case {
                p: 100,
                q: 3000,
                output_prefix: 1000,
                ..Case::new(size, n)
            });
            same(Case {
                by_written: true,
                q: 7,
                output_prefix: 5000,
                ..Case::new(size, n)
            });
            same(Case {
                by_written: true,
                read_by_written: true,
                p: 100,
                q: 100,
                ..Case::new(size, n)
            });
        }
    }
    same(Case::new(100_000, 3000));
    // An input offset past the end: the first pread returns 0.
    same(Case {
        p: 1 << 30,
        ..Case::new(4096 * 10, 4096)
    });
}

#[test]
fn the_copy_at_offsets_makes_fewer_calls_than_blocks() {
    let size = (2 << 20) + 1;
    for n in BLOCKS {
        let blocks = (size / n) as u64;
        for read_by_written in [false, true] {
            let case = Case {
                by_written: read_by_written,
                read_by_written,
                ..Case::new(size, n)
            };
            let (_, _, plain_calls) = file_to_file(Way::Plain, &case);
            let flagged_calls = same(case);
            assert!(
                plain_calls >= 2 * blocks,
                "plain: {plain_calls} for {blocks} blocks"
            );
            assert!(
                flagged_calls * 10 < blocks,
                "at offsets, {n}-byte blocks, offsets up by the {}'s result: \
                 {flagged_calls} read/write calls for {blocks} blocks",
                if read_by_written { "write" } else { "read" }
            );
        }
    }
}

#[test]
fn bounds_are_kept_at_offsets() {
    let size = (2 << 20) + 1;
    for n in BLOCKS {
        for max_iters in [1, 2, 100, (size / n) as u64, (size / n) as u64 + 1] {
            same(Case {
                max_iters,
                p: 512,
                q: 64,
                ..Case::new(size, n)
            });
        }
    }
}

/// An `O_APPEND` output: each pwrite appends (Linux), which no copy at an offset does: the
/// plain loop runs it.
#[test]
fn an_append_output_runs_the_plain_loop() {
    for n in BLOCKS {
        for size in [0, n + 1, 100_000] {
            let case = Case {
                append: true,
                output_prefix: 77,
                q: 5,
                ..Case::new(size, n)
            };
            let (_, _, plain_calls) = file_to_file(Way::Plain, &case);
            assert_eq!(same(case), plain_calls, "{case:?}: the plain loop's calls");
        }
    }
}

/// The same file in and out, the output offset after the input's end: the plain loop reads
/// what it wrote and never ends but at the bound. The copy must not run (same file).
#[test]
fn the_same_file_in_and_out_runs_the_plain_loop() {
    for n in BLOCKS {
        let size = 40 * n + 17;
        let observe = |way: Way| {
            let file = file_with(&data(size));
            let output = reopen(&file, libc::O_WRONLY);
            let case = Case {
                q: size as i64,
                max_iters: 200,
                ..Case::new(size, n)
            };
            let (outcome, results, sums, _) = run(way, &case, file.as_raw_fd(), output.as_raw_fd());
            (outcome, results, sums, contents(&file))
        };
        assert_eq!(observe(Way::Flagged), observe(Way::Plain), "blocks of {n}");
    }
}

/// A pipe on either side fails pread or pwrite (`ESPIPE`) at the same call.
#[test]
fn pipes_fail_at_the_same_call() {
    let pipe = || {
        let mut fds = [0; 2];
        // SAFETY: pipe2 writes two descriptors into fds.
        assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
        // SAFETY: both descriptors were just created and are owned by nobody else.
        unsafe { (File::from_raw_fd(fds[0]), File::from_raw_fd(fds[1])) }
    };
    let n = 4096;
    for way in [Way::Plain, Way::Flagged] {
        let case = Case::new(0, n);
        let input = file_with(&data(100 * n));
        let (_reader, writer) = pipe();
        let into_pipe = run(way, &case, input.as_raw_fd(), writer.as_raw_fd());
        assert_eq!(
            (into_pipe.0.stop_index, into_pipe.1),
            (1, [n as i64, -(libc::ESPIPE as i64)]),
            "{way:?}: into a pipe"
        );
        let (reader, mut writer) = pipe();
        writer.write_all(&data(3 * n)).expect("fill the pipe");
        let output = file_with(&[]);
        let from_pipe = run(way, &case, reader.as_raw_fd(), output.as_raw_fd());
        assert_eq!(
            (from_pipe.0.stop_index, from_pipe.1[0]),
            (0, -(libc::ESPIPE as i64)),
            "{way:?}: from a pipe"
        );
    }
}
