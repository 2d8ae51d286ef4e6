//! `MULTICALL_COPY=0`: a copy loop marked `MC_BATCH_DEAD_BUFFERS` runs as the plain looped
//! batch (one read and one write per block), with the same outcome as the in-kernel copy.

use multicall::abi::{MC_BATCH_DEAD_BUFFERS, MC_STOP_NE_ARG, MC_STOP_NONPOS};
use multicall::{McEntry, Outcome, Runtime};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::AsRawFd;

fn rw_calls() -> u64 {
    let text = std::fs::read_to_string("/proc/thread-self/io").expect("/proc/thread-self/io");
    text.lines()
        .filter(|l| l.starts_with("syscr:") || l.starts_with("syscw:"))
        .filter_map(|l| l.split_whitespace().nth(1)?.parse::<u64>().ok())
        .sum()
}

/// Copies `size` bytes in blocks of `n` through `runtime`; the outcome, the output and the
/// read and write calls the thread made.
fn copy(runtime: &Runtime, size: usize, n: usize) -> (Outcome, Vec<u8>, u64) {
    let data: Vec<u8> = (0..size).map(|i| (i * 13 + i / 257) as u8).collect();
    let mut input = tempfile::tempfile().expect("tempfile");
    input.write_all(&data).expect("write");
    input.seek(SeekFrom::Start(0)).expect("seek");
    let mut output: File = tempfile::tempfile().expect("tempfile");
    let mut buf = vec![0u8; n];
    let ptr = buf.as_mut_ptr() as i64;
    let mut entries = [
        McEntry::new(libc::SYS_read, &[input.as_raw_fd().into(), ptr, n as i64])
            .stop(MC_STOP_NONPOS, 0),
        McEntry::new(libc::SYS_write, &[output.as_raw_fd().into(), ptr, 0])
            .stop(MC_STOP_NE_ARG, 2)
            .reference(2, 0),
    ];
    let before = rw_calls();
    // SAFETY: the entries read into and write from the test's own buffer of n bytes, on its
    // own descriptors, and the buffer is not read afterwards.
    let outcome = unsafe {
        runtime.run_flags(
            None,
            entries.as_mut_ptr(),
            entries.len(),
            Some(1 << 40),
            MC_BATCH_DEAD_BUFFERS,
        )
    }
    .expect("a valid batch runs");
    let calls = rw_calls() - before;
    let mut out = Vec::new();
    output.seek(SeekFrom::Start(0)).expect("seek");
    output.read_to_end(&mut out).expect("read");
    assert_eq!(out, data, "the copy is exact");
    (outcome, out, calls)
}

#[test]
fn multicall_copy_0_runs_the_plain_loop() {
    let (size, n) = ((1 << 20) + 1, 4096);
    let blocks = (size / n) as u64;
    let with = Runtime::from_env(|name: &str| (name == "MULTICALL_BACKEND").then_some("direct"));
    let without = Runtime::from_env(|name: &str| match name {
        "MULTICALL_BACKEND" => Some("direct"),
        "MULTICALL_COPY" => Some("0"),
        _ => None,
    });
    let (a, out_a, calls_a) = copy(&with, size, n);
    let (b, out_b, calls_b) = copy(&without, size, n);
    assert_eq!(a, b, "the same stop and iterations");
    assert_eq!(out_a, out_b);
    assert!(calls_a * 10 < blocks, "in-kernel copy: {calls_a} calls for {blocks} blocks");
    assert!(calls_b >= 2 * blocks, "plain loop: {calls_b} calls for {blocks} blocks");
}
