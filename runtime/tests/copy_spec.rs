//! Specialised copy loops (`MC_BATCH_DEAD_BUFFERS`, `runtime/src/copy.rs`), differential:
//! every case runs the looped copy batch twice on identical set-ups, once as the plain loop
//! on the direct backend (the reference) and once with the flag through the runtime, and
//! compares the stop index, the iterations, both entries' results, the bytes that reached
//! the output and both descriptors' offsets. The cases that must fall back (special files,
//! `O_APPEND`, the same file, bad descriptors, bounds) are here; the ones that need a
//! process of their own (`RLIMIT_FSIZE`, `ENOSPC` on a small tmpfs) are in `copy_fork.rs`.
//! The crossing counts (`/proc/thread-self/io`) show that the specialised path really ran.
//! With `MC_BATCH_LIVE_AT_STOP` as well, the buffer after a stop at the write or at the bound
//! must hold what the plain loop's holds (rule 6).

mod common;

use common::{data, file_with, reopen, rw_calls};
use multicall::abi::{
    MC_BATCH_DEAD_BUFFERS, MC_BATCH_LIVE_AT_STOP, MC_STOP_NEG, MC_STOP_NE_ARG, MC_STOP_NONPOS,
};
use multicall::{copy, Backend, McEntry, Outcome, Runtime};
use std::cell::RefCell;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::fd::{AsRawFd, FromRawFd, RawFd};

/// The block sizes of the brief.
const BLOCKS: [usize; 2] = [512, 4096];

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

thread_local! {
    /// The buffer of this thread's last [`run`], as the batch left it.
    static LAST_BUFFER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    /// Whether this thread's copy loops stop at the write only on a failure (`MC_STOP_NEG`, a
    /// loop that ignores the count written) instead of at a short write.
    static UNCHECKED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The buffer of this thread's last [`run`].
fn last_buffer() -> Vec<u8> {
    LAST_BUFFER.with(|b| b.borrow().clone())
}

/// Whether the plain loop's buffer must be kept by a [`Way::Live`] run that ended as `outcome`:
/// everywhere but after a stop at the read.
fn kept(outcome: &Outcome) -> bool {
    outcome.stop_index != 0
}

/// What a run left behind.
#[derive(Debug, PartialEq, Eq)]
struct Observed {
    outcome: Outcome,
    results: [i64; 2],
    input_offset: Option<i64>,
    output_offset: Option<i64>,
    output: Vec<u8>,
}

/// The copy loop's two entries on `input`, `output` and `buf`.
fn copy_batch(input: RawFd, output: RawFd, buf: &mut [u8]) -> [McEntry; 2] {
    let ptr = buf.as_mut_ptr() as i64;
    [
        McEntry::new(libc::SYS_read, &[input.into(), ptr, buf.len() as i64])
            .stop(MC_STOP_NONPOS, 0),
        McEntry::new(libc::SYS_write, &[output.into(), ptr, 0])
            .stop(
                if UNCHECKED.with(|u| u.get()) {
                    MC_STOP_NEG
                } else {
                    MC_STOP_NE_ARG
                },
                2,
            )
            .reference(2, 0),
    ]
}

/// Runs the copy loop on `input` -> `output` with blocks of `n` bytes.
fn run(way: Way, input: RawFd, output: RawFd, n: usize, max_iters: u64) -> (Outcome, [i64; 2]) {
    run_as(way, input, output, n, max_iters, false)
}

/// [`run`], the write made as `send(output, buf, n, 0)` when `send`.
fn run_as(
    way: Way,
    input: RawFd,
    output: RawFd,
    n: usize,
    max_iters: u64,
    send: bool,
) -> (Outcome, [i64; 2]) {
    let mut buf = vec![0u8; n];
    let mut entries = copy_batch(input, output, &mut buf);
    if send {
        entries[1].nr = libc::SYS_sendto as u32;
    }
    // SAFETY: reads into and writes from the test's own buffer of n bytes, on its own
    // descriptors; the buffer is not read afterwards.
    let outcome = unsafe {
        match way {
            Way::Plain => multicall::run_with(Backend::Direct, &mut entries, Some(max_iters)),
            Way::Flagged => {
                multicall::run_loop_flags(&mut entries, max_iters, MC_BATCH_DEAD_BUFFERS)
            }
            Way::Live => multicall::run_loop_flags(
                &mut entries,
                max_iters,
                MC_BATCH_DEAD_BUFFERS | MC_BATCH_LIVE_AT_STOP,
            ),
        }
    }
    .expect("a valid batch runs");
    LAST_BUFFER.with(|b| *b.borrow_mut() = buf);
    (outcome, [entries[0].result, entries[1].result])
}

/// The offset of `fd`, `None` for a pipe or socket.
fn offset(fd: RawFd) -> Option<i64> {
    // SAFETY: lseek with offset 0 and SEEK_CUR only reports.
    let off = unsafe { libc::lseek(fd, 0, libc::SEEK_CUR) };
    (off >= 0).then_some(off)
}

/// Everything in `f` from its start.
fn contents(f: &mut File) -> Vec<u8> {
    let mut all = Vec::new();
    f.seek(SeekFrom::Start(0)).expect("seek");
    f.read_to_end(&mut all).expect("read");
    all
}

/// Options of a file -> file case.
#[derive(Debug, Clone, Copy)]
struct FileCase {
    size: usize,
    n: usize,
    input_start: u64,
    output_prefix: usize,
    append: bool,
    max_iters: u64,
}

impl FileCase {
    fn new(size: usize, n: usize) -> FileCase {
        FileCase {
            size,
            n,
            input_start: 0,
            output_prefix: 0,
            append: false,
            max_iters: u64::MAX,
        }
    }
}

/// A file -> file copy; returns what it left and the read/write calls it made.
fn file_to_file(way: Way, case: FileCase) -> (Observed, u64) {
    let mut input = file_with(&data(case.size));
    input.seek(SeekFrom::Start(case.input_start)).expect("seek");
    let prefix = vec![b'#'; case.output_prefix];
    let output = file_with(&prefix);
    let mut output = if case.append {
        reopen(&output, libc::O_WRONLY | libc::O_APPEND)
    } else {
        output
    };
    if !case.append {
        output
            .seek(SeekFrom::Start(case.output_prefix as u64 / 2))
            .expect("seek");
    }
    let before = rw_calls();
    let (outcome, results) = run(
        way,
        input.as_raw_fd(),
        output.as_raw_fd(),
        case.n,
        case.max_iters,
    );
    let calls = rw_calls() - before;
    let observed = Observed {
        outcome,
        results,
        input_offset: offset(input.as_raw_fd()),
        output_offset: offset(output.as_raw_fd()),
        output: contents(&mut reopen(&output, libc::O_RDONLY)),
    };
    (observed, calls)
}

/// The three ways of a file -> file case agree (with the buffer where [`kept`] says);
/// returns the flagged run's read/write calls.
fn same_file_to_file(case: FileCase) -> u64 {
    let (plain, _) = file_to_file(Way::Plain, case);
    let plain_buffer = last_buffer();
    let (live, _) = file_to_file(Way::Live, case);
    assert_eq!(live, plain, "{case:?}, live at a stop");
    if kept(&plain.outcome) {
        assert!(last_buffer() == plain_buffer, "{case:?}: the buffer");
    }
    let (flagged, calls) = file_to_file(Way::Flagged, case);
    assert_eq!(flagged, plain, "{case:?}");
    calls
}

fn sizes(n: usize) -> [usize; 6] {
    [0, 1, n - 1, n, n + 1, (2 << 20) + 1]
}

#[test]
fn file_to_file_matches_the_plain_loop() {
    for n in BLOCKS {
        for size in sizes(n) {
            same_file_to_file(FileCase::new(size, n));
            same_file_to_file(FileCase {
                input_start: 100,
                output_prefix: 3000,
                ..FileCase::new(size, n)
            });
        }
    }
    same_file_to_file(FileCase::new(100_000, 3000));
}

/// A write whose count the loop does not check (`MC_STOP_NEG`): the same copy, the same
/// outcome as its plain loop, into a file, a pipe and a socket (which the plain loop runs).
#[test]
fn an_unchecked_write_copies_as_the_plain_loop() {
    UNCHECKED.with(|u| u.set(true));
    for n in BLOCKS {
        for size in sizes(n) {
            same_file_to_file(FileCase::new(size, n));
            for stream in [Stream::Pipe, Stream::Socket] {
                let (plain, _) = file_to_stream(Way::Plain, size, n, 0, stream);
                let (flagged, _) = file_to_stream(Way::Flagged, size, n, 0, stream);
                assert_eq!(flagged, plain, "unchecked, {stream:?} n {n} size {size}");
            }
        }
        let size = (2 << 20) + 1;
        let calls = same_file_to_file(FileCase::new(size, n));
        assert!(
            calls * 10 < (size / n) as u64,
            "unchecked file -> file at {n}: {calls} read/write calls"
        );
    }
    UNCHECKED.with(|u| u.set(false));
}

#[test]
fn the_specialised_path_makes_fewer_calls_than_blocks() {
    let size = (2 << 20) + 1;
    for n in BLOCKS {
        let blocks = (size / n) as u64;
        let case = FileCase::new(size, n);
        let (_, plain_calls) = file_to_file(Way::Plain, case);
        let flagged_calls = same_file_to_file(case);
        assert!(
            plain_calls >= 2 * blocks,
            "plain: {plain_calls} for {blocks} blocks"
        );
        assert!(
            flagged_calls * 10 < blocks,
            "file -> file at {n}: {flagged_calls} read/write calls for {blocks} blocks"
        );
    }
}

/// The plain loop runs the first iterations (`warm_up_iterations`); after them, a file with fewer than
/// `MIN_BLOCKS` whole blocks left (from the start, or from its offset) is copied by the plain
/// loop, whose calls cost less than the checks of the specialisation; from `MIN_BLOCKS` on,
/// the specialisation runs. The read/write calls tell which ran; a copy that ends within the
/// warm-up makes no call at all besides the plain loop's (`copy_warm_up.rs`).
#[test]
fn files_of_few_blocks_run_the_plain_loop() {
    let min = copy::MIN_BLOCKS as usize;
    for n in BLOCKS {
        let warm = copy::warm_up_iterations(n as u64) as usize;
        for (size, input_start) in [
            ((warm - 1) * n + 17, 0),
            ((warm + min - 1) * n + 17, 0),
            ((warm + min + 1) * n, 2 * n as u64),
        ] {
            let case = FileCase {
                input_start,
                ..FileCase::new(size, n)
            };
            let (_, plain_calls) = file_to_file(Way::Plain, case);
            let flagged_calls = same_file_to_file(case);
            assert_eq!(
                flagged_calls, plain_calls,
                "{size} bytes from {input_start}, n {n}"
            );
        }
        let case = FileCase::new((warm + min) * n, n);
        let (_, plain_calls) = file_to_file(Way::Plain, case);
        let flagged_calls = same_file_to_file(case);
        assert!(
            flagged_calls < plain_calls,
            "{} blocks of {n}: {flagged_calls} calls, the plain loop {plain_calls}",
            warm + min
        );
    }
}

#[test]
fn bounds_are_kept() {
    for n in BLOCKS {
        let size = (2 << 20) + 1;
        for max_iters in [1, 2, 100, (size / n) as u64, (size / n) as u64 + 1] {
            same_file_to_file(FileCase {
                max_iters,
                ..FileCase::new(size, n)
            });
        }
    }
}

#[test]
fn append_output_falls_back() {
    for n in BLOCKS {
        for size in [0, n + 1, 100_000] {
            same_file_to_file(FileCase {
                append: true,
                output_prefix: 77,
                ..FileCase::new(size, n)
            });
        }
    }
}

/// Input and output are the same file through two open file descriptions.
fn same_file(way: Way, n: usize) -> Observed {
    let mut f = file_with(&data(50_000));
    let input = reopen(&f, libc::O_RDONLY);
    let output = reopen(&f, libc::O_WRONLY);
    // SAFETY: lseek on a descriptor the test owns.
    unsafe { libc::lseek(output.as_raw_fd(), 1000, libc::SEEK_SET) };
    let (outcome, results) = run(way, input.as_raw_fd(), output.as_raw_fd(), n, 1000);
    Observed {
        outcome,
        results,
        input_offset: offset(input.as_raw_fd()),
        output_offset: offset(output.as_raw_fd()),
        output: contents(&mut f),
    }
}

#[test]
fn the_same_file_in_and_out_falls_back() {
    for n in BLOCKS {
        assert_eq!(same_file(Way::Flagged, n), same_file(Way::Plain, n));
    }
}

#[test]
fn bad_outputs_give_the_same_error() {
    for n in BLOCKS {
        let run_bad = |way: Way, read_only: bool| {
            let input = file_with(&data(3 * n));
            let (outcome, results) = if read_only {
                let out = file_with(b"");
                let out = reopen(&out, libc::O_RDONLY);
                run(way, input.as_raw_fd(), out.as_raw_fd(), n, 100)
            } else {
                // A number far above any descriptor this process has open.
                run(way, input.as_raw_fd(), 1 << 20, n, 100)
            };
            (outcome, results, offset(input.as_raw_fd()))
        };
        for read_only in [true, false] {
            let plain = run_bad(Way::Plain, read_only);
            assert_eq!(plain.1[1], -i64::from(libc::EBADF));
            assert_eq!(
                run_bad(Way::Flagged, read_only),
                plain,
                "read_only {read_only}"
            );
        }
    }
}

/// A pipe (read end, write end) holding up to `capacity` bytes.
fn pipe(capacity: usize) -> (File, File) {
    let mut fds = [0; 2];
    // SAFETY: fds is an array of two ints.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    if capacity > 65536 {
        // SAFETY: F_SETPIPE_SZ on the test's own pipe.
        let set = unsafe { libc::fcntl(fds[1], libc::F_SETPIPE_SZ, capacity as libc::c_int) };
        assert!(
            set >= capacity as i32,
            "F_SETPIPE_SZ: {}",
            std::io::Error::last_os_error()
        );
    }
    // SAFETY: both descriptors were just created and are owned by nobody else.
    unsafe { (File::from_raw_fd(fds[0]), File::from_raw_fd(fds[1])) }
}

/// A connected pair of TCP sockets over the loopback device: (reader, writer).
fn tcp_pair() -> (File, File) {
    let listener =
        std::net::TcpListener::bind("127.0.0.1:0").expect("listen on the loopback device");
    let address = listener.local_addr().expect("the listener's address");
    let writer = std::net::TcpStream::connect(address)
        .expect("connect to a listener on the loopback device (is the device up?)");
    let (reader, _) = listener.accept().expect("accept");
    (
        File::from(std::os::fd::OwnedFd::from(reader)),
        File::from(std::os::fd::OwnedFd::from(writer)),
    )
}

/// A connected pair of Unix stream sockets.
fn socketpair() -> (File, File) {
    let mut fds = [0; 2];
    // SAFETY: fds is an array of two ints.
    let rc = unsafe {
        libc::socketpair(
            libc::AF_UNIX,
            libc::SOCK_STREAM | libc::SOCK_CLOEXEC,
            0,
            fds.as_mut_ptr(),
        )
    };
    assert_eq!(rc, 0);
    // SAFETY: as above.
    unsafe { (File::from_raw_fd(fds[0]), File::from_raw_fd(fds[1])) }
}

/// Where a file -> stream copy writes, and who reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stream {
    /// A TCP connection over the loopback device, read by a thread as the bytes arrive.
    Socket,
    /// The same, written with `send(fd, buf, n, 0)`.
    SocketSend,
    /// A Unix stream socket pair, read by a thread (the plain loop runs it all).
    UnixSocket,
    /// A pipe read by a thread, written with `send` (which fails: `ENOTSOCK`).
    PipeSend,
    /// A pipe, read by a thread as the bytes arrive.
    Pipe,
    /// A pipe of 1 MiB, read after the batch.
    BigPipeReadAfter,
}

/// A file -> pipe or socket copy. Returns what it left and the read/write calls of the
/// copying thread.
fn file_to_stream(way: Way, size: usize, n: usize, start: u64, stream: Stream) -> (Observed, u64) {
    let mut input = file_with(&data(size));
    input.seek(SeekFrom::Start(start)).expect("seek");
    let (reader, writer) = match stream {
        Stream::Socket | Stream::SocketSend => tcp_pair(),
        Stream::UnixSocket => socketpair(),
        Stream::Pipe | Stream::PipeSend => pipe(0),
        Stream::BigPipeReadAfter => pipe(1 << 20),
    };
    let read_all = |mut reader: File| {
        let mut got = Vec::new();
        reader.read_to_end(&mut got).expect("read the stream");
        got
    };
    let (drain, read_after) = match stream {
        Stream::BigPipeReadAfter => (None, Some(reader)),
        _ => (Some(std::thread::spawn(move || read_all(reader))), None),
    };
    let before = rw_calls();
    let send = matches!(stream, Stream::SocketSend | Stream::PipeSend);
    let (outcome, results) = run_as(
        way,
        input.as_raw_fd(),
        writer.as_raw_fd(),
        n,
        u64::MAX,
        send,
    );
    let calls = rw_calls() - before;
    drop(writer);
    let output = match (drain, read_after) {
        (Some(thread), _) => thread.join().expect("reader"),
        (None, Some(reader)) => read_all(reader),
        (None, None) => unreachable!("a stream is read one way or the other"),
    };
    let observed = Observed {
        outcome,
        results,
        input_offset: offset(input.as_raw_fd()),
        output_offset: None,
        output,
    };
    (observed, calls)
}

/// A file -> pipe copy into a pipe large enough for all of it, read after the batch: the
/// pipe holds the warm-up's whole pages when the copy begins, and `sendfile` runs.
#[test]
fn a_pipe_that_holds_the_copy() {
    let size = 768 << 10;
    for n in BLOCKS {
        let observe = |way| file_to_stream(way, size, n, 0, Stream::BigPipeReadAfter);
        let (plain, _) = observe(Way::Plain);
        let (flagged, calls) = observe(Way::Flagged);
        assert_eq!(flagged, plain, "n {n}");
        let blocks = (size / n) as u64;
        assert!(
            calls * 10 < blocks,
            "n {n}: {calls} calls for {blocks} blocks"
        );
    }
}

/// A rotated copy loop's first block, read and written before the batch: the input is one
/// block past a page boundary and the pipe holds that block. The plain loop first brings both
/// to a page boundary (`copy::Decision::AlignFirst`), then `sendfile` runs.
#[test]
fn a_pipe_after_a_first_block_is_aligned_first() {
    let size = 768 << 10;
    for n in [512, 1024] {
        let observe = |way| {
            let mut input = file_with(&data(size));
            let (mut reader, mut writer) = pipe(1 << 20);
            let mut first = vec![0u8; n];
            input.read_exact(&mut first).expect("the first block");
            writer.write_all(&first).expect("the first block");
            let before = rw_calls();
            let (outcome, results) = run(way, input.as_raw_fd(), writer.as_raw_fd(), n, u64::MAX);
            let calls = rw_calls() - before;
            drop(writer);
            let mut output = Vec::new();
            reader.read_to_end(&mut output).expect("read the pipe");
            let observed = Observed {
                outcome,
                results,
                input_offset: offset(input.as_raw_fd()),
                output_offset: None,
                output,
            };
            (observed, calls)
        };
        let (plain, _) = observe(Way::Plain);
        let (flagged, calls) = observe(Way::Flagged);
        assert_eq!(flagged, plain, "n {n}");
        let blocks = (size / n) as u64;
        assert!(
            calls * 10 < blocks,
            "n {n}: {calls} calls for {blocks} blocks"
        );
    }
}

#[test]
fn file_to_pipe_and_socket_match_the_plain_loop() {
    let stream = |socket: bool| if socket { Stream::Socket } else { Stream::Pipe };
    for socket in [false, true] {
        for n in BLOCKS {
            for size in sizes(n) {
                for start in [0, 100, n as u64] {
                    let (plain, _) = file_to_stream(Way::Plain, size, n, start, stream(socket));
                    let (flagged, calls) =
                        file_to_stream(Way::Flagged, size, n, start, stream(socket));
                    assert_eq!(
                        flagged, plain,
                        "socket {socket} n {n} size {size} start {start}"
                    );
                    let (live, _) = file_to_stream(Way::Live, size, n, start, stream(socket));
                    assert_eq!(
                        live, plain,
                        "socket {socket} n {n} size {size} start {start}, live at a stop"
                    );
                    // Into a pipe the copy begins only where the pipe holds whole pages,
                    // which depends on how fast its reader is: `a_pipe_that_holds_the_copy`.
                    // Into a TCP socket the plain loop runs it all (`sendfile` would lose
                    // the error of a peer that resets the connection), two calls a block.
                    let blocks = (size as u64).saturating_sub(start) / n as u64;
                    if socket {
                        assert!(
                            calls >= 2 * blocks,
                            "socket n {n}: {calls} calls for {blocks} blocks"
                        );
                    }
                }
            }
        }
    }
    // A Unix stream socket takes each plain send whole or not at all, which a chunk cannot
    // promise: the plain loop runs it all, with its own two calls per block.
    for n in [512, 4096] {
        let size = 4000 * n + 7;
        let (plain, _) = file_to_stream(Way::Plain, size, n, 0, Stream::UnixSocket);
        let (flagged, calls) = file_to_stream(Way::Flagged, size, n, 0, Stream::UnixSocket);
        assert_eq!(flagged, plain, "unix socket n {n}");
        assert!(
            calls >= 2 * 4000,
            "unix socket n {n}: {calls} calls for 4000 blocks"
        );
    }
    // Blocks above PIPE_BUF that divide no page: chunks end inside blocks, completed.
    for socket in [false, true] {
        let (plain, _) = file_to_stream(Way::Plain, 300_001, 5000, 10, stream(socket));
        let (flagged, _) = file_to_stream(Way::Flagged, 300_001, 5000, 10, stream(socket));
        assert_eq!(flagged, plain, "socket {socket}, blocks of 5000");
        let (live, _) = file_to_stream(Way::Live, 300_001, 5000, 10, stream(socket));
        assert_eq!(
            live, plain,
            "socket {socket}, blocks of 5000, live at a stop"
        );
    }
}

/// `send(sock, buf, n, 0)` as the loop's write: into a stream socket the plain loop runs it
/// (no socket output is specialised); into a pipe it fails with `ENOTSOCK` every way.
/// A file -> `/dev/null` copy from `start`; returns what it left (no output bytes to
/// compare: the input's offset and the results say what the loop did) and the read/write
/// calls it made.
fn file_to_null(
    way: Way,
    size: usize,
    n: usize,
    start: u64,
    max_iters: u64,
    append: bool,
) -> (Observed, u64) {
    let mut input = file_with(&data(size));
    input.seek(SeekFrom::Start(start)).expect("seek");
    let null = File::options()
        .write(true)
        .append(append)
        .open("/dev/null")
        .expect("/dev/null");
    let before = rw_calls();
    let (outcome, results) = run(way, input.as_raw_fd(), null.as_raw_fd(), n, max_iters);
    let calls = rw_calls() - before;
    let observed = Observed {
        outcome,
        results,
        input_offset: offset(input.as_raw_fd()),
        output_offset: None,
        output: Vec::new(),
    };
    (observed, calls)
}

/// Into `/dev/null`: `sendfile` moves the whole blocks, with the plain loop's outcome,
/// results and input offset, in far fewer calls than blocks; bounds and offsets inside a block
/// are kept. Opened with `O_APPEND` (a shell's `>>/dev/null`), `sendfile` refuses it
/// (`EINVAL`), and the plain loop runs the copy with the same outcome.
#[test]
fn file_to_dev_null_matches_the_plain_loop() {
    for append in [false, true] {
        for n in BLOCKS {
            for size in sizes(n) {
                for start in [0, 100, n as u64] {
                    let what =
                        format!("/dev/null (append {append}), n {n} size {size} from {start}");
                    let (plain, _) = file_to_null(Way::Plain, size, n, start, u64::MAX, append);
                    let (flagged, _) = file_to_null(Way::Flagged, size, n, start, u64::MAX, append);
                    assert_eq!(flagged, plain, "{what}");
                    let (live, _) = file_to_null(Way::Live, size, n, start, u64::MAX, append);
                    assert_eq!(live, plain, "{what}, live at a stop");
                }
            }
            let size = (2 << 20) + 1;
            let blocks = (size / n) as u64;
            for max_iters in [1, 100, blocks, blocks + 1] {
                let (plain, _) = file_to_null(Way::Plain, size, n, 0, max_iters, append);
                let (flagged, calls) = file_to_null(Way::Flagged, size, n, 0, max_iters, append);
                assert_eq!(
                    flagged, plain,
                    "/dev/null (append {append}), n {n}, bound {max_iters}"
                );
                if max_iters >= blocks && !append {
                    assert!(
                        calls * 10 < blocks,
                        "file -> /dev/null at {n}: {calls} read/write calls for {blocks} blocks"
                    );
                }
            }
        }
    }
}

#[test]
fn send_into_a_socket_matches_the_plain_loop() {
    for n in BLOCKS {
        for size in sizes(n) {
            let (plain, _) = file_to_stream(Way::Plain, size, n, 0, Stream::SocketSend);
            for way in [Way::Flagged, Way::Live] {
                let (got, calls) = file_to_stream(way, size, n, 0, Stream::SocketSend);
                assert_eq!(got, plain, "{way:?} n {n} size {size}");
                // A read per block (`send` is not among the calls `rw_calls` counts).
                let blocks = size as u64 / n as u64;
                assert!(calls >= blocks, "n {n}: {calls} calls for {blocks} blocks");
            }
        }
        let (plain, _) = file_to_stream(Way::Plain, 100_000, n, 0, Stream::PipeSend);
        assert_eq!(plain.results[1], -i64::from(libc::ENOTSOCK));
        let (flagged, _) = file_to_stream(Way::Flagged, 100_000, n, 0, Stream::PipeSend);
        assert_eq!(flagged, plain, "send into a pipe, n {n}");
    }
}

/// A pipe -> file copy of `size` bytes written into the pipe (and its write end closed)
/// before the batch runs.
fn pipe_to_file(way: Way, size: usize, n: usize, max_iters: u64) -> (Observed, u64) {
    let (reader, mut writer) = pipe(size.next_power_of_two().max(65536));
    writer.write_all(&data(size)).expect("fill the pipe");
    drop(writer);
    let mut output = file_with(b"");
    let before = rw_calls();
    let (outcome, results) = run(way, reader.as_raw_fd(), output.as_raw_fd(), n, max_iters);
    let calls = rw_calls() - before;
    let mut left = Vec::new();
    let mut reader = reader;
    reader.read_to_end(&mut left).expect("rest of the pipe");
    let mut out = contents(&mut output);
    out.extend_from_slice(b"|rest:");
    out.extend_from_slice(&left);
    let observed = Observed {
        outcome,
        results,
        input_offset: None,
        output_offset: offset(output.as_raw_fd()),
        output: out,
    };
    (observed, calls)
}

#[test]
fn pipe_to_file_matches_the_plain_loop() {
    for n in BLOCKS {
        // A pipe holds at most pipe-max-size (1 MiB) unprivileged: the biggest case here is
        // just below it; 2 MiB + 1 comes through a writer below.
        let mut cases = sizes(n);
        cases[5] = (1 << 20) - 1;
        for size in cases {
            for max_iters in [u64::MAX, 3] {
                let (plain, _) = pipe_to_file(Way::Plain, size, n, max_iters);
                let plain_buffer = last_buffer();
                let (flagged, calls) = pipe_to_file(Way::Flagged, size, n, max_iters);
                assert_eq!(flagged, plain, "n {n} size {size} max_iters {max_iters}");
                // A pipe input is never copied in chunks when the buffer is kept.
                let (live, live_calls) = pipe_to_file(Way::Live, size, n, max_iters);
                assert_eq!(live, plain, "n {n} size {size} max_iters {max_iters}, live");
                if kept(&plain.outcome) {
                    assert!(
                        last_buffer() == plain_buffer,
                        "n {n} size {size}: the buffer"
                    );
                }
                if size > 1000 * n && max_iters == u64::MAX {
                    assert!(live_calls >= (size / n) as u64, "pipe -> file, live: plain");
                }
                if size > 1000 * n && max_iters == u64::MAX {
                    assert!(
                        calls * 10 < (size / n) as u64,
                        "pipe -> file: {calls} calls"
                    );
                }
            }
        }
    }
}

/// A pipe -> file copy of `size` bytes that a thread writes in pieces of 1000 bytes while
/// the batch runs: the pieces' timing decides how many bytes each read gets.
fn pipe_to_file_fed(way: Way, size: usize, n: usize) -> (Outcome, [i64; 2], Vec<u8>) {
    let (reader, mut writer) = pipe(0);
    let feeder = std::thread::spawn(move || {
        for piece in data(size).chunks(1000) {
            writer.write_all(piece).expect("feed");
        }
    });
    let mut output = file_with(b"");
    let (outcome, results) = run(way, reader.as_raw_fd(), output.as_raw_fd(), n, u64::MAX);
    feeder.join().expect("feeder");
    (outcome, results, contents(&mut output))
}

#[test]
fn pipe_to_file_with_a_writer_gives_the_same_bytes() {
    let size = (2 << 20) + 1;
    for n in BLOCKS {
        let (plain, plain_results, plain_bytes) = pipe_to_file_fed(Way::Plain, size, n);
        let (flagged, flagged_results, flagged_bytes) = pipe_to_file_fed(Way::Flagged, size, n);
        assert!(
            flagged_bytes == plain_bytes && plain_bytes == data(size),
            "n {n}"
        );
        assert_eq!(
            (flagged.stop_index, flagged_results[0]),
            (0, 0),
            "end of file"
        );
        assert_eq!((plain.stop_index, plain_results[0]), (0, 0), "end of file");
        let least = size.div_ceil(n) as u64 + 1;
        for outcome in [plain, flagged] {
            assert!(
                (least..=size as u64 + 1).contains(&outcome.iterations),
                "{outcome:?}: every read got 1 to {n} bytes"
            );
        }
    }
}

#[test]
fn other_inputs_and_nonblocking_descriptors_fall_back() {
    let n = 4096;
    let make = |nonblocking: bool| {
        let input = file_with(&data(10 * n));
        let (reader, writer) = pipe(1 << 20);
        if nonblocking {
            // SAFETY: F_SETFL on the test's own pipe.
            unsafe { libc::fcntl(writer.as_raw_fd(), libc::F_SETFL, libc::O_NONBLOCK) };
        }
        (input, reader, writer)
    };
    for way in [Way::Plain, Way::Flagged] {
        let (input, _reader, writer) = make(true);
        let (outcome, results) = run(way, input.as_raw_fd(), writer.as_raw_fd(), n, u64::MAX);
        assert_eq!(
            (outcome.stop_index, outcome.iterations, results),
            (0, 11, [0, 4096])
        );
    }
    let plan = |input: RawFd, output: RawFd, n: u64| {
        copy::plan(
            &copy::CopyLoop {
                input,
                output,
                buf: 0,
                block: n,
                send: false,
                offsets: None,
                short_stops: true,
            },
            false,
        )
    };
    let (input, _reader, writer) = make(true);
    assert_eq!(
        plan(input.as_raw_fd(), writer.as_raw_fd(), 4096),
        None,
        "non-blocking"
    );
    let full = File::options()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    assert_eq!(
        plan(input.as_raw_fd(), full.as_raw_fd(), 4096),
        None,
        "a device other than /dev/null"
    );
    let comm = File::options()
        .write(true)
        .open("/proc/self/comm")
        .expect("/proc/self/comm");
    assert_eq!(
        plan(input.as_raw_fd(), comm.as_raw_fd(), 4096),
        None,
        "a regular file of procfs, whose store runs once per write"
    );
    let (_input, _reader, writer) = make(false);
    let zero = File::open("/dev/zero").expect("/dev/zero");
    assert_eq!(
        plan(zero.as_raw_fd(), writer.as_raw_fd(), 4096),
        None,
        "a device input"
    );
    let misaligned = file_with(&data(10 * n));
    // SAFETY: lseek on the test's own file.
    unsafe { libc::lseek(misaligned.as_raw_fd(), 100, libc::SEEK_SET) };
    assert_eq!(
        plan(misaligned.as_raw_fd(), writer.as_raw_fd(), 4096),
        None,
        "atomic blocks into a pipe from an offset that is not a multiple of them"
    );
    let half_page = file_with(&data(64 * 512));
    // SAFETY: lseek on the test's own file.
    unsafe { libc::lseek(half_page.as_raw_fd(), 2048, libc::SEEK_SET) };
    assert_eq!(
        plan(half_page.as_raw_fd(), writer.as_raw_fd(), 512),
        None,
        "atomic blocks into a pipe from the middle of a page: sendfile's first piece would \
         take a slot of the pipe of its own"
    );
    // SAFETY: writes 100 bytes of the test's own to its own pipe.
    assert_eq!(
        unsafe { libc::write(writer.as_raw_fd(), [1u8; 100].as_ptr().cast(), 100) },
        100
    );
    assert_eq!(
        plan(input.as_raw_fd(), writer.as_raw_fd(), 512),
        None,
        "atomic blocks into a pipe whose last page plain writes would go on filling"
    );
    // Blocks of 128 KiB (coreutils cat's) into a pipe of 64 KiB: a chunk moves at most the
    // pipe's capacity, so none would finish a block; into a pipe of 256 KiB they may run.
    let big = 128 << 10;
    let big_input = file_with(&data(16 * big));
    let method = |p: Option<copy::Plan>| p.map(|p| p.method);
    let (_small_reader, small) = pipe(0);
    assert_eq!(
        plan(big_input.as_raw_fd(), small.as_raw_fd(), big as u64),
        None,
        "blocks above the pipe's capacity"
    );
    let (_large_reader, large) = pipe(256 << 10);
    assert_eq!(
        method(plan(big_input.as_raw_fd(), large.as_raw_fd(), big as u64)),
        Some(copy::Method::Sendfile),
        "blocks within the pipe's capacity"
    );
    let out = file_with(b"");
    assert_eq!(
        method(plan(misaligned.as_raw_fd(), out.as_raw_fd(), 4096)),
        Some(copy::Method::CopyFileRange)
    );
    // The output's offset, for the first chunk to end at an aligned one.
    // SAFETY: lseek on the test's own file.
    unsafe { libc::lseek(out.as_raw_fd(), 12288, libc::SEEK_SET) };
    assert_eq!(
        plan(misaligned.as_raw_fd(), out.as_raw_fd(), 4096).map(|p| p.output_offset),
        Some(Some(12288))
    );
    assert_eq!(
        plan(misaligned.as_raw_fd(), writer.as_raw_fd(), 8192).map(|p| p.output_offset),
        Some(None),
        "a pipe has no offset"
    );
    assert_eq!(
        method(plan(misaligned.as_raw_fd(), writer.as_raw_fd(), 8192)),
        Some(copy::Method::Sendfile)
    );
}

/// Does nothing: a handler whose only effect is to interrupt a blocked call.
extern "C" fn on_usr1(_: libc::c_int) {}

/// A copy into a pipe nobody reads, interrupted by a signal without SA_RESTART once the
/// pipe is full.
fn interrupted(way: Way, n: usize) -> Observed {
    let input = file_with(&data(1 << 20));
    let (reader, writer) = pipe(0);
    // SAFETY: pthread_self has no preconditions.
    let me = unsafe { libc::pthread_self() } as usize;
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let finished = done.clone();
    let kicker = std::thread::spawn(move || {
        // The first signal must end the batch; more come only to end a batch that went on
        // (which the test then reports as a failure instead of hanging).
        let mut signals = 0;
        let mut next = std::time::Instant::now() + std::time::Duration::from_millis(200);
        while !finished.load(std::sync::atomic::Ordering::SeqCst) {
            if std::time::Instant::now() >= next {
                // SAFETY: signals the test thread, which is alive until it has set `done`.
                unsafe { libc::pthread_kill(me as libc::pthread_t, libc::SIGUSR1) };
                signals += 1;
                next += std::time::Duration::from_secs(2);
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        signals
    });
    let (outcome, results) = run(way, input.as_raw_fd(), writer.as_raw_fd(), n, u64::MAX);
    done.store(true, std::sync::atomic::Ordering::SeqCst);
    let signals = kicker.join().expect("kicker");
    assert_eq!(
        signals, 1,
        "{way:?}: one signal interrupts the blocked write"
    );
    drop(writer);
    let mut got = Vec::new();
    let mut reader = reader;
    reader.read_to_end(&mut got).expect("pipe");
    Observed {
        outcome,
        results,
        input_offset: offset(input.as_raw_fd()),
        output_offset: None,
        output: got,
    }
}

#[test]
fn a_full_pipe_interrupted_by_a_signal_stops_at_the_write() {
    // SAFETY: installs a handler that does nothing, without SA_RESTART, for SIGUSR1, which
    // no other test of this binary uses.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_usr1 as *const () as usize;
        libc::sigemptyset(&mut action.sa_mask);
        assert_eq!(
            libc::sigaction(libc::SIGUSR1, &action, std::ptr::null_mut()),
            0
        );
    }
    for n in BLOCKS {
        let plain = interrupted(Way::Plain, n);
        let plain_buffer = last_buffer();
        assert_eq!(plain.outcome.stop_index, 1);
        assert_eq!(plain.results[1], -i64::from(libc::EINTR));
        assert_eq!(interrupted(Way::Flagged, n), plain, "n {n}");
        assert_eq!(interrupted(Way::Live, n), plain, "n {n}, live at a stop");
        assert!(
            last_buffer() == plain_buffer,
            "n {n}: the buffer after the stop"
        );
    }
}

#[test]
fn unknown_flags_are_refused_and_other_batches_run_as_without_the_flag() {
    let mut getpid = [McEntry::new(libc::SYS_getpid, &[])];
    // SAFETY: getpid touches no memory.
    let refused = unsafe { multicall::run_loop_flags(&mut getpid, 3, 1 << 2) };
    assert_eq!(refused.map_err(|e| e.errno()), Err(libc::EINVAL));
    // SAFETY: as above.
    let ran = unsafe { multicall::run_loop_flags(&mut getpid, 3, MC_BATCH_DEAD_BUFFERS) };
    assert_eq!(
        ran.expect("runs"),
        Outcome {
            stop_index: 1,
            iterations: 3
        }
    );
    assert_eq!(getpid[0].result, i64::from(std::process::id()));
    let mut entries = [McEntry::new(libc::SYS_getpid, &[])];
    // SAFETY: getpid touches no memory; the C entry point with a valid array.
    let stop = unsafe {
        multicall::multicall_loop_flags(
            entries.as_mut_ptr(),
            1,
            2,
            std::ptr::null_mut(),
            multicall::abi::MC_BATCH_LOOP | MC_BATCH_DEAD_BUFFERS,
        )
    };
    assert_eq!(stop, 1);
    // MC_BATCH_LIVE_AT_STOP is known (a batch of another shape runs as without it); a flag
    // above it is not.
    // SAFETY: getpid touches no memory.
    let ran = unsafe {
        multicall::run_loop_flags(
            &mut getpid,
            2,
            MC_BATCH_DEAD_BUFFERS | MC_BATCH_LIVE_AT_STOP,
        )
    };
    assert_eq!(
        ran.expect("runs"),
        Outcome {
            stop_index: 1,
            iterations: 2
        }
    );
    // SAFETY: as above.
    let refused = unsafe { multicall::run_loop_flags(&mut getpid, 2, MC_BATCH_LIVE_AT_STOP << 1) };
    assert_eq!(refused.map_err(|e| e.errno()), Err(libc::EINVAL));
}

/// A file -> pipe copy whose input grows by `extra` bytes as soon as the reader has the
/// first bytes: the pipe holds 64 KiB, so the copy is still far from the old end of file.
fn growing(way: Way, n: usize, extra: usize) -> Observed {
    let size = 2 << 20;
    let input = file_with(&data(size));
    let appender = reopen(&input, libc::O_WRONLY | libc::O_APPEND);
    let (mut reader, writer) = pipe(0);
    let drain = std::thread::spawn(move || {
        let mut appender = appender;
        let mut got = vec![0u8; 1];
        reader.read_exact(&mut got).expect("first byte");
        appender
            .write_all(&vec![b'+'; extra])
            .expect("grow the input");
        reader.read_to_end(&mut got).expect("the rest");
        got
    });
    let (outcome, results) = run(way, input.as_raw_fd(), writer.as_raw_fd(), n, u64::MAX);
    drop(writer);
    let output = drain.join().expect("reader");
    Observed {
        outcome,
        results,
        input_offset: offset(input.as_raw_fd()),
        output_offset: None,
        output,
    }
}

#[test]
fn an_input_growing_during_the_copy_is_copied_to_its_new_end() {
    for n in BLOCKS {
        let plain = growing(Way::Plain, n, 10_001);
        assert_eq!(plain.output.len(), (2 << 20) + 10_001);
        assert_eq!(growing(Way::Flagged, n, 10_001), plain, "n {n}");
    }
}

/// `MULTICALL_COPY=0`: a flagged copy loop runs as the plain looped batch (one read and one
/// write per block), with the same outcome as the in-kernel copy.
#[test]
fn multicall_copy_0_runs_the_plain_loop() {
    let (size, n) = ((1 << 20) + 1, 4096);
    let blocks = (size / n) as u64;
    let data = data(size);
    let copy = |runtime: &Runtime| {
        let input = file_with(&data);
        let mut output = file_with(&[]);
        let mut buf = vec![0u8; n];
        let mut entries = copy_batch(input.as_raw_fd(), output.as_raw_fd(), &mut buf);
        let before = rw_calls();
        // SAFETY: the entries read into and write from the test's own buffer of n bytes, on
        // its own descriptors, and the buffer is not read afterwards.
        let outcome = unsafe {
            runtime.run_flags(
                None,
                entries.as_mut_ptr(),
                entries.len(),
                Some(1 << 40),
                MC_BATCH_DEAD_BUFFERS,
                multicall::PerEntry::NONE,
            )
        }
        .expect("a valid batch runs");
        let calls = rw_calls() - before;
        assert_eq!(contents(&mut output), data, "the copy is exact");
        (outcome, [entries[0].result, entries[1].result], calls)
    };
    let with = Runtime::from_env(|name: &str| (name == "MULTICALL_BACKEND").then_some("direct"));
    let without = Runtime::from_env(|name: &str| match name {
        "MULTICALL_BACKEND" => Some("direct"),
        "MULTICALL_COPY" => Some("0"),
        _ => None,
    });
    let (a, results_a, calls_a) = copy(&with);
    let (b, results_b, calls_b) = copy(&without);
    assert_eq!(
        (a, results_a),
        (b, results_b),
        "the same stop, iterations and results"
    );
    assert!(
        calls_a * 10 < blocks,
        "in-kernel copy: {calls_a} calls for {blocks} blocks"
    );
    assert!(
        calls_b >= 2 * blocks,
        "plain loop: {calls_b} calls for {blocks} blocks"
    );
}
