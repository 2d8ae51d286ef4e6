//! Merged writes on the direct backend (`runtime/src/merge.rs`): runs of writes to one regular
//! file become one `writev`, and every result, byte, file offset, errno and signal is the one
//! the writes made one by one give:
//!
//! - a plain file and an `O_APPEND` one, with one write crossing where there were six
//!   (`syscw` of `/proc/thread-self/io` counts the thread's write calls);
//! - the file-size limit in the middle of the run: the entry that crosses it gets the bytes
//!   below it, the ones after it fail with `EFBIG` and raise `SIGXFSZ` each, as alone;
//! - a buffer that faults in the middle: the entries before it are written, it fails with
//!   `EFAULT` on its own;
//! - a short-transfer stop that fires inside the run;
//! - a pipe: one `writev` for a run of at most `PIPE_BUF` bytes (atomic as each of its writes
//!   is), write by write above that and on a non-blocking pipe;
//! - byte-stream sockets (Unix and TCP): one `writev`; a non-blocking one whose buffer fills
//!   cuts the run inside one entry, and the entries after it fail with `EAGAIN` on their own;
//! - a looped copy that writes a header before each block it read (`read -> write(hdr, 4)
//!   -> write(buf, <result of the read>)`): the two writes one `writev` per iteration, the
//!   block's length taken from the read of the same iteration.
//!
//! The file-size limit is a process's: that case runs in a child process.

mod common;

use common::{e, pipe};
use multicall::abi::{MC_STOP_NEVER, MC_STOP_NE_ARG};
use multicall::McEntry;
use std::io::Read;
use std::os::fd::AsRawFd;

const N: usize = 6;
const LEN: usize = 3000;

/// Six buffers of LEN bytes, each its own letter.
fn buffers() -> Vec<Vec<u8>> {
    (0..N).map(|i| vec![b'a' + i as u8; LEN]).collect()
}

/// The writes of `bufs` to `fd` (a buffer `None` is an address that faults), each stopping
/// the batch on a short transfer when `stop_short`.
fn writes(fd: i32, bufs: &[Option<&[u8]>], stop_short: bool) -> Vec<McEntry> {
    let (stop, arg) = if stop_short {
        (MC_STOP_NE_ARG, 2)
    } else {
        (MC_STOP_NEVER, 0)
    };
    bufs.iter()
        .map(|b| {
            let (ptr, len) = match b {
                Some(b) => (b.as_ptr() as i64, b.len() as i64),
                None => (faulting_page(), LEN as i64),
            };
            e(libc::SYS_write, &[fd.into(), ptr, len], stop, arg)
        })
        .collect()
}

/// An address of a page that is mapped with no access: a write from it faults.
fn faulting_page() -> i64 {
    static PAGE: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *PAGE.get_or_init(|| {
        // SAFETY: a new anonymous mapping, never unmapped, that nothing may read.
        let p = unsafe {
            libc::mmap(
                std::ptr::null_mut(),
                4096,
                libc::PROT_NONE,
                libc::MAP_PRIVATE | libc::MAP_ANONYMOUS,
                -1,
                0,
            )
        };
        assert_ne!(p, libc::MAP_FAILED);
        p as usize
    }) as i64
}

/// The entries made one by one with `syscall(2)` (the batch's semantics without a backend):
/// results until a predicate fires.
fn one_by_one(entries: &[McEntry]) -> Vec<i64> {
    let mut results = Vec::new();
    for entry in entries {
        // SAFETY: the writes of these tests, from buffers they own or a page that faults.
        let r =
            unsafe { libc::syscall(entry.nr.into(), entry.args[0], entry.args[1], entry.args[2]) };
        let r = if r < 0 {
            -i64::from(std::io::Error::last_os_error().raw_os_error().unwrap_or(0))
        } else {
            r
        };
        results.push(r);
        if entry.stop == MC_STOP_NE_ARG && (r < 0 || r != entry.args[2]) {
            break;
        }
    }
    results
}

/// The results of the entries a batch ran on the direct backend (without the process's
/// runtime, which a forked child must not use).
fn batch_results(entries: &mut [McEntry]) -> Vec<i64> {
    let mut batch = multicall::Batch::new(entries, None).expect("a valid batch");
    // SAFETY: the writes of these tests, from buffers they own or a page that faults.
    let outcome = unsafe { multicall::direct::run(&mut batch) };
    batch.entries()[..=outcome.stop_index.min(entries.len() - 1)]
        .iter()
        .map(|e| e.result)
        .collect()
}

/// The thread's write calls so far (`syscw`).
fn write_calls() -> u64 {
    let mut text = String::new();
    std::fs::File::open("/proc/thread-self/io")
        .and_then(|mut f| f.read_to_string(&mut text))
        .expect("/proc/thread-self/io");
    text.lines()
        .find_map(|l| l.strip_prefix("syscw: "))
        .and_then(|v| v.trim().parse().ok())
        .expect("a syscw line")
}

/// A path for a test file: in the build's temporary directory when it exists (a disk
/// filesystem), else in the system's (the module's guest has no build directory).
fn temp(name: &str) -> std::path::PathBuf {
    let build = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"));
    let dir = if build.is_dir() {
        build.to_path_buf()
    } else {
        std::env::temp_dir()
    };
    dir.join(format!("merged-{name}-{}", std::process::id()))
}

fn file(name: &str, append: bool) -> (std::fs::File, std::path::PathBuf) {
    let path = temp(name);
    let _ = std::fs::remove_file(&path);
    let f = std::fs::OpenOptions::new()
        .create_new(true)
        .write(true)
        .append(append)
        .open(&path)
        .expect("a file in the target directory");
    (f, path)
}

#[test]
fn a_run_of_writes_is_one_crossing_and_the_same_file() {
    let bufs = buffers();
    let slices: Vec<Option<&[u8]>> = bufs.iter().map(|b| Some(&b[..])).collect();
    for append in [false, true] {
        let (merged, merged_path) = file(&format!("plain-{append}"), append);
        let (alone, alone_path) = file(&format!("alone-{append}"), append);
        if multicall::merge::merging_of(merged.as_raw_fd().into()) != multicall::merge::Merging::Any
        {
            eprintln!("skip: the target directory's filesystem is not one writes are merged on");
            return;
        }
        let mut entries = writes(merged.as_raw_fd(), &slices, true);
        let before = write_calls();
        let got = batch_results(&mut entries);
        let calls = write_calls() - before;
        let want = one_by_one(&writes(alone.as_raw_fd(), &slices, true));
        assert_eq!(got, want, "results (append {append})");
        assert_eq!(calls, 1, "one writev for the six writes (append {append})");
        assert_eq!(
            std::fs::read(&merged_path).unwrap(),
            std::fs::read(&alone_path).unwrap()
        );
        // SAFETY: lseek on the test's own descriptors.
        let offsets = unsafe {
            (
                libc::lseek(merged.as_raw_fd(), 0, libc::SEEK_CUR),
                libc::lseek(alone.as_raw_fd(), 0, libc::SEEK_CUR),
            )
        };
        assert_eq!(offsets.0, offsets.1, "file offsets");
        std::fs::remove_file(merged_path).unwrap();
        std::fs::remove_file(alone_path).unwrap();
    }
}

#[test]
fn a_buffer_that_faults_fails_on_its_own() {
    let bufs = buffers();
    let mut slices: Vec<Option<&[u8]>> = bufs.iter().map(|b| Some(&b[..])).collect();
    slices[3] = None;
    for stop_short in [false, true] {
        let (merged, merged_path) = file(&format!("fault-{stop_short}"), false);
        let (alone, alone_path) = file(&format!("fault-alone-{stop_short}"), false);
        let got = batch_results(&mut writes(merged.as_raw_fd(), &slices, stop_short));
        let want = one_by_one(&writes(alone.as_raw_fd(), &slices, stop_short));
        assert_eq!(got, want, "results (stop on a short write: {stop_short})");
        assert_eq!(got[3], -i64::from(libc::EFAULT));
        assert_eq!(
            std::fs::read(&merged_path).unwrap(),
            std::fs::read(&alone_path).unwrap()
        );
        std::fs::remove_file(merged_path).unwrap();
        std::fs::remove_file(alone_path).unwrap();
    }
}

/// Everything `fd` holds now (it is non-blocking, or its writer closed).
fn drain(fd: i32) -> Vec<u8> {
    let mut out = Vec::new();
    let mut buf = [0u8; 65536];
    loop {
        // SAFETY: read into the test's own buffer, at most its length.
        let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
        if n <= 0 {
            return out;
        }
        out.extend_from_slice(&buf[..n as usize]);
    }
}

/// The bytes of the first `written` bytes of `bufs` one after the other.
fn prefix(bufs: &[Vec<u8>], written: usize) -> Vec<u8> {
    let mut all: Vec<u8> = bufs.concat();
    all.truncate(written);
    all
}

#[test]
fn a_pipe_takes_one_writev_up_to_pipe_buf() {
    // Six writes of 100 bytes: each atomic, and so is their writev of 600 bytes.
    let small: Vec<Vec<u8>> = (0..N).map(|i| vec![b'a' + i as u8; 100]).collect();
    // Six writes of 3000 bytes: a writev of 18000 bytes could be interleaved with another
    // writer inside one of them, which the writes themselves cannot: write by write.
    let large = buffers();
    for (bufs, nonblocking, calls) in [
        (&small, false, 1),
        (&large, false, N as u64),
        (&small, true, N as u64),
    ] {
        let slices: Vec<Option<&[u8]>> = bufs.iter().map(|b| Some(&b[..])).collect();
        let (r, w) = pipe(nonblocking);
        let mut entries = writes(w, &slices, true);
        let before = write_calls();
        let got = batch_results(&mut entries);
        assert_eq!(
            write_calls() - before,
            calls,
            "write calls ({} bytes, non-blocking {nonblocking})",
            bufs[0].len() * N
        );
        let lens: Vec<i64> = bufs.iter().map(|b| b.len() as i64).collect();
        assert_eq!(got, lens);
        common::close(w);
        assert_eq!(drain(r), bufs.concat());
        common::close(r);
    }
}

/// A connected pair of byte-stream sockets: Unix (`socketpair`) or TCP on loopback.
fn stream_pair(tcp: bool) -> (i32, i32) {
    use std::os::fd::IntoRawFd;
    if tcp {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a loopback port");
        let addr = listener.local_addr().expect("its address");
        let client = std::net::TcpStream::connect(addr).expect("a connection");
        let (server, _) = listener.accept().expect("the connection accepted");
        (server.into_raw_fd(), client.into_raw_fd())
    } else {
        let mut fds = [0i32; 2];
        // SAFETY: socketpair writes two descriptors into the array.
        let rc = unsafe { libc::socketpair(libc::AF_UNIX, libc::SOCK_STREAM, 0, fds.as_mut_ptr()) };
        assert_eq!(rc, 0, "socketpair: {}", std::io::Error::last_os_error());
        (fds[0], fds[1])
    }
}

#[test]
fn a_stream_socket_takes_one_writev() {
    let bufs = buffers();
    let slices: Vec<Option<&[u8]>> = bufs.iter().map(|b| Some(&b[..])).collect();
    for tcp in [false, true] {
        let (r, w) = stream_pair(tcp);
        let mut entries = writes(w, &slices, true);
        let before = write_calls();
        let got = batch_results(&mut entries);
        assert_eq!(write_calls() - before, 1, "one writev (tcp {tcp})");
        assert_eq!(got, vec![LEN as i64; N]);
        common::close(w);
        let mut received = Vec::new();
        while received.len() < LEN * N {
            let mut buf = [0u8; 65536];
            // SAFETY: read into the test's own buffer, at most its length.
            let n = unsafe { libc::read(r, buf.as_mut_ptr().cast(), buf.len()) };
            assert!(n > 0, "the peer reads what was sent (tcp {tcp})");
            received.extend_from_slice(&buf[..n as usize]);
        }
        assert_eq!(received, bufs.concat(), "tcp {tcp}");
        common::close(r);
    }
}

#[test]
fn a_full_socket_cuts_the_run_where_the_writes_would_stop() {
    // A non-blocking socket whose peer reads nothing takes what its buffer holds: the
    // writev's short transfer falls inside one entry, which gets its part, and the entries
    // after it are made on their own and fail with EAGAIN, as each write would.
    let bufs: Vec<Vec<u8>> = (0..64).map(|i| vec![b'a' + (i % 26) as u8; LEN]).collect();
    let slices: Vec<Option<&[u8]>> = bufs.iter().map(|b| Some(&b[..])).collect();
    let (r, w) = stream_pair(false);
    // SAFETY: fcntl and setsockopt on the test's own socket, with an int it owns.
    unsafe {
        assert_eq!(libc::fcntl(w, libc::F_SETFL, libc::O_NONBLOCK), 0);
        let size: libc::c_int = 16384;
        libc::setsockopt(
            w,
            libc::SOL_SOCKET,
            libc::SO_SNDBUF,
            (&size as *const libc::c_int).cast(),
            std::mem::size_of::<libc::c_int>() as libc::socklen_t,
        );
    }
    // SAFETY: fcntl on the test's own socket.
    unsafe { assert_eq!(libc::fcntl(r, libc::F_SETFL, libc::O_NONBLOCK), 0) };
    let mut entries: Vec<McEntry> = writes(w, &slices, false);
    let before = write_calls();
    let got = batch_results(&mut entries);
    let calls = write_calls() - before;
    assert_eq!(got.len(), bufs.len());
    let whole = got.iter().take_while(|&&g| g == LEN as i64).count();
    assert!(whole < bufs.len(), "the socket's buffer filled: {got:?}");
    let mut written = whole * LEN;
    let mut rest = &got[whole..];
    if let Some(&part) = rest.first().filter(|&&g| g > 0) {
        assert!(part < LEN as i64, "{got:?}");
        written += part as usize;
        rest = &rest[1..];
    }
    assert!(
        rest.iter().all(|&g| g == -i64::from(libc::EAGAIN)),
        "after the cut, EAGAIN: {got:?}"
    );
    assert_eq!(
        calls,
        1 + rest.len() as u64,
        "one writev up to the cut, then one write per entry after it"
    );
    assert_eq!(drain(r), prefix(&bufs, written));
    common::close(w);
    common::close(r);
}

#[test]
fn a_header_and_a_block_of_the_read_s_length_are_one_writev_per_iteration() {
    use multicall::abi::MC_STOP_NONPOS;
    const BLOCK: usize = 4096;
    // Five whole blocks and a short one, then the end of the file.
    let input = common::data(5 * BLOCK + 1234);
    let hdr = *b"BLK\n";
    let mut want = Vec::new();
    for block in input.chunks(BLOCK) {
        want.extend_from_slice(&hdr);
        want.extend_from_slice(block);
    }
    let (out, path) = file("framed", false);
    if multicall::merge::merging_of(out.as_raw_fd().into()) != multicall::merge::Merging::Any {
        eprintln!("skip: the target directory's filesystem is not one writes are merged on");
        return;
    }
    let source = common::file_with(&input);
    let mut buf = vec![0u8; BLOCK];
    let mut body = e(
        libc::SYS_write,
        &[out.as_raw_fd().into(), buf.as_mut_ptr() as i64, 0],
        MC_STOP_NE_ARG,
        2,
    );
    body.refs = 1 << 2;
    let mut entries = [
        e(
            libc::SYS_read,
            &[
                source.as_raw_fd().into(),
                buf.as_mut_ptr() as i64,
                BLOCK as i64,
            ],
            MC_STOP_NONPOS,
            0,
        ),
        e(
            libc::SYS_write,
            &[out.as_raw_fd().into(), hdr.as_ptr() as i64, 4],
            MC_STOP_NE_ARG,
            2,
        ),
        body,
    ];
    let before = write_calls();
    let outcome = common::run_direct(&mut entries, Some(1000)).expect("a valid batch");
    let calls = write_calls() - before;
    // Six iterations: each block's header and the block in one writev; the seventh read
    // returns 0 and stops the batch at entry 0.
    assert_eq!((outcome.stop_index, outcome.iterations), (0, 7));
    assert_eq!(entries[0].result, 0);
    assert_eq!(calls, 6, "one write call per block, the header with it");
    assert_eq!(std::fs::read(&path).unwrap(), want, "the file");
    std::fs::remove_file(path).unwrap();
}

static XFSZ: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

extern "C" fn count_xfsz(_: libc::c_int) {
    XFSZ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
}

/// In a child process with a file-size limit of 10000 bytes: the results, the file and the
/// SIGXFSZ count of the batch and of the writes one by one; the child's exit status says
/// whether they agreed.
#[test]
fn the_file_size_limit_cuts_the_run_where_the_writes_would_stop() {
    // SAFETY: fork in a test process: the child only makes system calls and exits with _exit.
    let pid = unsafe { libc::fork() };
    assert!(pid >= 0);
    if pid == 0 {
        let ok = std::panic::catch_unwind(|| {
            // SAFETY: a handler that only counts, installed for SIGXFSZ.
            unsafe {
                libc::signal(
                    libc::SIGXFSZ,
                    count_xfsz as extern "C" fn(libc::c_int) as libc::sighandler_t,
                )
            };
            let limit = libc::rlimit {
                rlim_cur: 10000,
                rlim_max: libc::RLIM_INFINITY,
            };
            // SAFETY: setrlimit reads a valid rlimit.
            assert_eq!(unsafe { libc::setrlimit(libc::RLIMIT_FSIZE, &limit) }, 0);
            let bufs = buffers();
            let slices: Vec<Option<&[u8]>> = bufs.iter().map(|b| Some(&b[..])).collect();
            let (merged, merged_path) = file("limit", false);
            let (alone, alone_path) = file("limit-alone", false);
            let got = batch_results(&mut writes(merged.as_raw_fd(), &slices, false));
            let got_signals = XFSZ.swap(0, std::sync::atomic::Ordering::Relaxed);
            let want = one_by_one(&writes(alone.as_raw_fd(), &slices, false));
            let want_signals = XFSZ.swap(0, std::sync::atomic::Ordering::Relaxed);
            let efbig = -i64::from(libc::EFBIG);
            assert_eq!(want, vec![3000, 3000, 3000, 1000, efbig, efbig]);
            assert_eq!(got, want);
            assert_eq!((got_signals, want_signals), (2, 2));
            assert_eq!(
                std::fs::read(&merged_path).unwrap(),
                std::fs::read(&alone_path).unwrap()
            );
            std::fs::remove_file(merged_path).unwrap();
            std::fs::remove_file(alone_path).unwrap();
        })
        .is_ok();
        // SAFETY: leaving the child without running the parent's test harness.
        unsafe { libc::_exit(if ok { 0 } else { 1 }) };
    }
    let mut status = 0;
    // SAFETY: waiting for the child this test forked.
    assert_eq!(unsafe { libc::waitpid(pid, &mut status, 0) }, pid);
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "the child found a difference (status {status:#x}): see its panic message above"
    );
}
