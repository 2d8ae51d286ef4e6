//! A specialised copy loop (`MC_BATCH_DEAD_BUFFERS`) that ends within its warm-up
//! (`copy::warm_up_iterations` of the plain loop) makes no system call besides the loop's own
//! `read`s and `write`s: a program that copies small files makes no more crossings than its
//! original. Each copy runs in a forked child under a seccomp filter that kills it (SIGSYS)
//! at the first call the specialisation's checks use (`fstat`, `lseek`, `fstatfs`, `fcntl`,
//! the file-size limit, the socket type); a copy long enough to be specialised is killed,
//! which shows that the filter sees the checks.
//!
//! Its own test binary with one test, so that no other thread holds a lock at a fork.

use multicall::abi::{MC_BATCH_DEAD_BUFFERS, MC_STOP_NE_ARG, MC_STOP_NONPOS};
use multicall::{copy, McEntry};
use std::io::Write;
use std::os::fd::AsRawFd;

/// The calls of the specialisation's checks (x86-64 numbers).
const CHECKS: [i64; 9] = [
    libc::SYS_fstat,
    libc::SYS_newfstatat,
    libc::SYS_statx,
    libc::SYS_fstatfs,
    libc::SYS_lseek,
    libc::SYS_fcntl,
    libc::SYS_prlimit64,
    libc::SYS_getrlimit,
    libc::SYS_getsockopt,
];

/// Installs a filter that raises SIGSYS at any call of [`CHECKS`].
///
/// # Safety
///
/// Only in a child that is to run nothing else than the batch and `_exit`.
unsafe fn trap_checks() {
    const LD_NR: u16 = (libc::BPF_LD | libc::BPF_W | libc::BPF_ABS) as u16;
    const JEQ: u16 = (libc::BPF_JMP | libc::BPF_JEQ | libc::BPF_K) as u16;
    const RET: u16 = (libc::BPF_RET | libc::BPF_K) as u16;
    let stmt = |code: u16, k: u32| libc::sock_filter {
        code,
        jt: 0,
        jf: 0,
        k,
    };
    let mut filter = vec![stmt(LD_NR, 0)];
    for (i, nr) in CHECKS.iter().enumerate() {
        // Equal: jump to the trap after the remaining tests and the allow.
        let to_trap = (CHECKS.len() - i) as u8;
        filter.push(libc::sock_filter {
            code: JEQ,
            jt: to_trap,
            jf: 0,
            k: *nr as u32,
        });
    }
    filter.push(stmt(RET, libc::SECCOMP_RET_ALLOW));
    filter.push(stmt(RET, libc::SECCOMP_RET_TRAP));
    let prog = libc::sock_fprog {
        len: filter.len() as u16,
        filter: filter.as_mut_ptr(),
    };
    // SAFETY: prctl with the documented arguments; `prog` and `filter` outlive the call
    // (the kernel copies the program).
    unsafe {
        assert_eq!(libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), 0);
        assert_eq!(
            libc::prctl(
                libc::PR_SET_SECCOMP,
                libc::SECCOMP_MODE_FILTER,
                &prog as *const libc::sock_fprog
            ),
            0
        );
    }
}

/// Copies a new file of `size` bytes in blocks of `n` in a forked child under the filter;
/// the child's wait status.
fn copy_in_child(size: usize, n: usize) -> i32 {
    let dir = std::env::temp_dir();
    let mut input = tempfile_in(&dir, "in");
    input.write_all(&vec![7u8; size]).expect("write the input");
    let output = tempfile_in(&dir, "out");
    // SAFETY: lseek on the test's own file.
    unsafe { libc::lseek(input.as_raw_fd(), 0, libc::SEEK_SET) };
    let mut buf = vec![0u8; n];
    let ptr = buf.as_mut_ptr() as i64;
    let mut entries = [
        McEntry::new(libc::SYS_read, &[input.as_raw_fd().into(), ptr, n as i64])
            .stop(MC_STOP_NONPOS, 0),
        McEntry::new(libc::SYS_write, &[output.as_raw_fd().into(), ptr, 0])
            .stop(MC_STOP_NE_ARG, 2)
            .reference(2, 0),
    ];
    multicall::runtime();
    // SAFETY: this binary's only test thread forks; the child runs the batch and leaves
    // with _exit.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0);
    if pid == 0 {
        // SAFETY: in the child, which runs only the batch on its own copy of the test's
        // descriptors and buffer (not read afterwards), then leaves.
        unsafe {
            trap_checks();
            let ok = multicall::run_loop_flags(&mut entries, 1 << 20, MC_BATCH_DEAD_BUFFERS)
                .is_ok_and(|o| o.stop_index == 0 && entries[0].result == 0);
            libc::_exit(if ok { 0 } else { 1 });
        }
    }
    let mut status = 0;
    // SAFETY: waits for our own child.
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    drop(buf);
    status
}

/// A new, unlinked file in `dir`.
fn tempfile_in(dir: &std::path::Path, name: &str) -> std::fs::File {
    let path = dir.join(format!("multicall-warm-up-{}-{name}", std::process::id()));
    let file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(true)
        .open(&path)
        .expect("a temporary file");
    std::fs::remove_file(&path).expect("unlink the temporary file");
    file
}

#[test]
fn a_copy_within_the_warm_up_makes_no_check() {
    for n in [512, 4096] {
        let warm = copy::warm_up_iterations(n as u64) as usize;
        // Iterations: one per block begun, and the read that meets end of file.
        for size in [0, 17, n, (warm - 2) * n + 17, (warm - 1) * n] {
            let status = copy_in_child(size, n);
            assert!(
                libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
                "{size} bytes in blocks of {n}: status {status:#x} (SIGSYS: a check ran)"
            );
        }
        let long = (warm + copy::MIN_BLOCKS as usize) * n;
        let status = copy_in_child(long, n);
        assert!(
            libc::WIFSIGNALED(status) && libc::WTERMSIG(status) == libc::SIGSYS,
            "{long} bytes in blocks of {n}: the specialisation's checks ran under the filter \
             (status {status:#x})"
        );
    }
}
