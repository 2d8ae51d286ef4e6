//! Result sums (`MC_BATCH_SUMS`): each iteration of a looped batch that completes adds every
//! entry's result to its sum; an iteration that stops adds nothing. Every batch runs on the
//! direct backend (the reference), on the backend under test (`MULTICALL_BACKEND`: the kernel
//! module in its guest) and on a runtime with io_uring forced, and each must give the sums
//! that running the loop by hand gives.

mod common;

use common::{close, e, pipe, Way};
use multicall::abi::{
    MC_BATCH_DEAD_BUFFERS, MC_BATCH_LOOP, MC_BATCH_SUMS, MC_STOP_NEG, MC_STOP_NE_ARG,
    MC_STOP_NONPOS,
};
use multicall::{runtime, BatchError, McEntry, Outcome, PerEntry, RunError};
use std::io::Write;
use std::os::fd::AsRawFd;

impl Way {
    /// Runs `entries` looped with sums `sums` and `flags` (`MC_BATCH_SUMS` added).
    fn run(
        self,
        entries: &mut [McEntry],
        max_iters: u64,
        flags: u32,
        sums: &mut [i64],
    ) -> Result<Outcome, RunError> {
        assert_eq!(entries.len(), sums.len());
        let (rt, choice) = self.target();
        // SAFETY: the tests' batches make harmless calls on descriptors and buffers they
        // own; entries and sums are arrays of entries.len() elements.
        unsafe {
            rt.run_flags(
                choice,
                entries.as_mut_ptr(),
                entries.len(),
                Some(max_iters),
                flags | MC_BATCH_SUMS,
                PerEntry {
                    sums: sums.as_mut_ptr(),
                    ..PerEntry::NONE
                },
            )
        }
    }
}

/// A file of `len` bytes (a byte pattern), open for reading at offset 0.
fn file_of(len: usize) -> std::fs::File {
    let mut f = tempfile::tempfile().expect("a temporary file");
    let data: Vec<u8> = (0..len).map(|i| (i * 7 % 251) as u8).collect();
    f.write_all(&data).expect("write the input");
    // SAFETY: lseek on a descriptor this test owns.
    assert_eq!(unsafe { libc::lseek(f.as_raw_fd(), 0, libc::SEEK_SET) }, 0);
    f
}

/// The copy loop `while ((n = read(in, buf, N)) > 0) if (write(out, buf, n) != n) break;`.
fn copy_loop(input: i32, output: i32, buf: &mut [u8]) -> [McEntry; 2] {
    let n = buf.len() as i64;
    let addr = buf.as_mut_ptr() as i64;
    [
        e(libc::SYS_read, &[input.into(), addr, n], MC_STOP_NONPOS, 0),
        e(
            libc::SYS_write,
            &[output.into(), addr, 0],
            MC_STOP_NE_ARG,
            2,
        )
        .reference(2, 0),
    ]
}

#[test]
fn a_copy_loop_sums_the_bytes_it_moved() {
    for way in Way::all() {
        for len in [0usize, 1, 4095, 4096, 4097, 3 * 4096 + 5] {
            let input = file_of(len);
            let output = tempfile::tempfile().expect("a temporary file");
            let mut buf = vec![0u8; 4096];
            let mut entries = copy_loop(input.as_raw_fd(), output.as_raw_fd(), &mut buf);
            // In/out: the sums start from the caller's values.
            let mut sums = [1000, -5];
            let outcome = way
                .run(&mut entries, u64::MAX, MC_BATCH_LOOP, &mut sums)
                .expect("a valid batch runs");
            let name = way.name();
            assert_eq!(outcome.stop_index, 0, "{name}, {len}: stops at end of file");
            assert_eq!(
                outcome.iterations,
                len.div_ceil(4096) as u64 + 1,
                "{name}, {len}"
            );
            assert_eq!(entries[0].result, 0, "{name}, {len}");
            // The last iteration read 0 and stopped: it adds nothing.
            assert_eq!(sums, [1000 + len as i64, len as i64 - 5], "{name}, {len}");
            assert_eq!(
                output.metadata().expect("fstat").len(),
                len as u64,
                "{name}"
            );
        }
    }
}

#[test]
fn a_stop_at_a_later_entry_leaves_out_its_iteration() {
    for way in Way::all() {
        // Two iterations complete (8 + 8 bytes), the third reads 3 and its write fails.
        let input = file_of(19);
        let mut buf = vec![0u8; 8];
        let mut entries = copy_loop(input.as_raw_fd(), -1, &mut buf);
        let (r, w) = pipe(false);
        entries[1].args[0] = w.into();
        // A pipe closed for reading makes the write fail (EPIPE; SIGPIPE ignored below) from
        // the third iteration: the writes of the first two go through.
        let mut fill = [0u8; 16];
        let mut sums = [0, 0];
        // SAFETY: ignoring SIGPIPE for this process (the test harness does not rely on it).
        unsafe { libc::signal(libc::SIGPIPE, libc::SIG_IGN) };
        let max = 2;
        let outcome = way
            .run(&mut entries, max, MC_BATCH_LOOP, &mut sums)
            .expect("runs");
        assert_eq!(outcome.stop_index, 2, "{}: the bound", way.name());
        assert_eq!(sums, [16, 16], "{}: two whole iterations", way.name());
        // SAFETY: reading what the batch wrote into this test's pipe.
        assert_eq!(
            unsafe { libc::read(r, fill.as_mut_ptr().cast(), 16) },
            16,
            "{}",
            way.name()
        );
        close(r);
        let outcome = way
            .run(&mut entries, u64::MAX, MC_BATCH_LOOP, &mut sums)
            .expect("runs");
        assert_eq!(outcome.stop_index, 1, "{}: the write fails", way.name());
        assert_eq!(outcome.iterations, 1, "{}", way.name());
        assert_eq!(entries[0].result, 3, "{}", way.name());
        assert_eq!(entries[1].result, -i64::from(libc::EPIPE), "{}", way.name());
        assert_eq!(
            sums,
            [16, 16],
            "{}: the stopped iteration adds nothing",
            way.name()
        );
        close(w);
    }
}

#[test]
fn sums_wrap_and_count_every_entry() {
    for way in Way::all() {
        // getppid never fails (stop on < 0 never fires): the bound ends the batch and
        // every iteration completes.
        // SAFETY: getppid has no preconditions.
        let ppid = i64::from(unsafe { libc::getppid() });
        let mut entries = [
            e(libc::SYS_getppid, &[], MC_STOP_NEG, 0),
            e(libc::SYS_getppid, &[], MC_STOP_NEG, 0),
        ];
        let mut sums = [i64::MAX, 7];
        let outcome = way
            .run(&mut entries, 5, MC_BATCH_LOOP, &mut sums)
            .expect("runs");
        assert_eq!(
            (outcome.stop_index, outcome.iterations),
            (2, 5),
            "{}",
            way.name()
        );
        assert_eq!(
            sums,
            [i64::MAX.wrapping_add(5 * ppid), 7 + 5 * ppid],
            "{}",
            way.name()
        );
    }
}

#[test]
fn an_in_kernel_copy_sums_as_the_loop_does() {
    // MC_BATCH_DEAD_BUFFERS lets the runtime move whole blocks with copy_file_range or
    // sendfile: the sums must be those of the plain loop all the same.
    for way in Way::all() {
        for len in [4096usize * 5, 4096 * 5 + 17, 100] {
            let input = file_of(len);
            let output = tempfile::tempfile().expect("a temporary file");
            let mut buf = vec![0u8; 4096];
            let mut entries = copy_loop(input.as_raw_fd(), output.as_raw_fd(), &mut buf);
            let mut sums = [0, 0];
            let outcome = way
                .run(
                    &mut entries,
                    u64::MAX,
                    MC_BATCH_LOOP | MC_BATCH_DEAD_BUFFERS,
                    &mut sums,
                )
                .expect("runs");
            assert_eq!(outcome.stop_index, 0, "{} {len}", way.name());
            assert_eq!(outcome.iterations, len.div_ceil(4096) as u64 + 1);
            assert_eq!(sums, [len as i64, len as i64], "{} {len}", way.name());
        }
    }
}

#[test]
fn sums_without_the_flag_or_the_flag_without_sums_are_refused() {
    let mut entries = [e(libc::SYS_getppid, &[], MC_STOP_NEG, 0)];
    let mut sums = [0i64];
    // SAFETY: entries and sums are one-element arrays; the call is harmless.
    let no_flag = unsafe {
        runtime().run_flags(
            None,
            entries.as_mut_ptr(),
            1,
            Some(1),
            MC_BATCH_LOOP,
            PerEntry {
                sums: sums.as_mut_ptr(),
                ..PerEntry::NONE
            },
        )
    };
    assert!(
        matches!(no_flag, Err(RunError::Invalid(BatchError::Sums))),
        "{no_flag:?}"
    );
    // SAFETY: as above; a null sums pointer is refused before anything is read.
    let no_sums = unsafe {
        runtime().run_flags(
            None,
            entries.as_mut_ptr(),
            1,
            Some(1),
            MC_BATCH_LOOP | MC_BATCH_SUMS,
            PerEntry::NONE,
        )
    };
    assert!(
        matches!(no_sums, Err(RunError::Invalid(BatchError::Sums))),
        "{no_sums:?}"
    );
    // SAFETY: the C entry point with a null sums pointer: EINVAL, nothing runs.
    let ret = unsafe {
        multicall::multicall_loop_sums(
            entries.as_mut_ptr(),
            1,
            1,
            std::ptr::null_mut(),
            0,
            std::ptr::null_mut(),
        )
    };
    assert_eq!(ret, -1);
    assert_eq!(
        std::io::Error::last_os_error().raw_os_error(),
        Some(libc::EINVAL)
    );
    assert_eq!(entries[0].result, 0, "nothing ran");
}
