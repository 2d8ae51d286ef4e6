//! Fork safety: a process that has run batches (so its backend is chosen and, on io_uring,
//! its thread has a ring) forks; parent and child then both run batches at the same time
//! and each sees exactly its own results. A ring inherited across fork shares its queues
//! with the parent; the child must make its own.
//!
//! Its own test binary, so that no other test thread holds a lock at the fork.

mod common;

use common::{backend_under_test, e, run_selected};
use multicall::abi::{MC_STOP_NEVER, MC_STOP_NE_ARG};
use std::os::fd::AsRawFd;

/// Writes `tag` 200 times through `file` in batches of two writes and checks every result;
/// returns whether all matched.
fn write_batches(file: &std::fs::File, tag: u8) -> bool {
    let block = [tag; 100];
    let fd = file.as_raw_fd() as i64;
    let mut ok = true;
    for _ in 0..100 {
        let mut batch = [
            e(
                libc::SYS_write,
                &[fd, block.as_ptr() as i64, 100],
                MC_STOP_NE_ARG,
                2,
            ),
            e(
                libc::SYS_write,
                &[fd, block.as_ptr() as i64, 100],
                MC_STOP_NEVER,
                0,
            ),
        ];
        match run_selected(&mut batch, None) {
            Ok(outcome) => {
                ok &= outcome.stop_index == 2 && batch[0].result == 100 && batch[1].result == 100
            }
            Err(_) => ok = false,
        }
    }
    ok
}

#[test]
fn parent_and_child_run_batches_after_fork() {
    backend_under_test();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let parent_path = dir.path().join("parent");
    let child_path = dir.path().join("child");
    let parent_file = std::fs::File::create(&parent_path).expect("create");
    let child_file = std::fs::File::create(&child_path).expect("create");
    assert!(write_batches(&parent_file, b'p'), "batches before fork");
    // A ring shared across fork makes parent and child wait for each other's completions:
    // fail rather than hang.
    std::thread::spawn(|| {
        std::thread::sleep(std::time::Duration::from_secs(60));
        eprintln!("fork test: batches did not complete within 60 s after fork");
        std::process::abort();
    });

    // SAFETY: the child only runs batches on files it already has, then _exit()s.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0, "fork: {}", std::io::Error::last_os_error());
    if pid == 0 {
        // SAFETY: alarm has no preconditions; SIGALRM's default action ends a hung child.
        unsafe { libc::alarm(60) };
        let ok = write_batches(&child_file, b'c');
        // SAFETY: leaving the child without running the parent's destructors.
        unsafe { libc::_exit(if ok { 0 } else { 1 }) };
    }
    let parent_ok = write_batches(&parent_file, b'p');
    let mut status = 0;
    // SAFETY: waiting for our own child.
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    assert!(parent_ok, "the parent's batches after fork");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "the child's batches failed (status {status:#x})"
    );
    let parent = std::fs::read(&parent_path).expect("read");
    let child = std::fs::read(&child_path).expect("read");
    assert_eq!(parent.len(), 40_000);
    assert!(parent.iter().all(|&b| b == b'p'));
    assert_eq!(child.len(), 20_000);
    assert!(child.iter().all(|&b| b == b'c'));
}
