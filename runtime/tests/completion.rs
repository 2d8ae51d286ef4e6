//! Every batch returns as the direct calls would, also with io_uring forced: the io_uring
//! backend takes a batch only when the chain is sure to complete with the calls' results.
//!
//! A read on an empty non-blocking pipe or terminal fails at once with EAGAIN, but io_uring
//! waits for readiness instead; a read blocked on a pipe (or on a console nobody types
//! into) is interrupted by a signal, but io_uring waits through signal handlers. Sent as a
//! chain, each of these waits in `io_uring_enter` forever. Each test here runs such a batch
//! on a runtime with `MULTICALL_BACKEND=io_uring` under a watchdog: a batch that has not
//! returned after [`PATIENCE`] makes the watchdog feed the descriptor (so the chain
//! completes) and the test fails, instead of hanging. The terminal is a pseudo-terminal, or
//! stdin's terminal where there is none (the console of a test guest). A last test checks
//! that batches on regular files and /dev/null still take the ring.
//!
//! Each test uses only descriptors it opened itself, so the tests run on any number of
//! threads.

mod common;

use common::e;
use multicall::abi::{MC_STOP_NEVER, MC_STOP_NE_ARG};
use multicall::{Backend, McEntry, Outcome, Runtime};
use std::cell::Cell;
use std::io::Write;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long a batch that should return at once may take before the watchdog steps in.
const PATIENCE: Duration = Duration::from_secs(10);

/// Runs `entries` on `rt` with io_uring asked for, looped when `max_iters` is set. When the
/// batch has not returned after [`PATIENCE`], `unblock` runs every 100 ms until it has (it
/// must make a waiting read complete) and the test fails.
fn run_bounded(
    rt: &Runtime,
    entries: &mut [McEntry],
    max_iters: Option<u64>,
    what: &str,
    unblock: impl Fn() + Send + 'static,
) -> Outcome {
    let done = Arc::new(AtomicBool::new(false));
    let fired = Arc::new(AtomicBool::new(false));
    let watchdog = {
        let (done, fired) = (done.clone(), fired.clone());
        std::thread::spawn(move || {
            let start = Instant::now();
            while !done.load(Ordering::SeqCst) {
                if start.elapsed() > PATIENCE {
                    // Again and again: a looped batch may wait once per iteration.
                    fired.store(true, Ordering::SeqCst);
                    unblock();
                    std::thread::sleep(Duration::from_millis(100));
                    continue;
                }
                std::thread::sleep(Duration::from_millis(10));
            }
        })
    };
    // SAFETY: the entries name this test's own descriptors and buffers.
    let outcome = unsafe {
        rt.run_with(
            Backend::IoUring,
            entries.as_mut_ptr(),
            entries.len(),
            max_iters,
        )
    };
    done.store(true, Ordering::SeqCst);
    watchdog.join().expect("the watchdog thread");
    assert!(
        !fired.load(Ordering::SeqCst),
        "{what}: the batch did not return within {PATIENCE:?} (it waited until the \
         watchdog fed its descriptor): a request that can wait forever reached io_uring"
    );
    outcome.expect("a valid batch runs")
}

/// A pipe owned by the test: (read end, write end).
fn pipe(nonblocking: bool) -> (OwnedFd, OwnedFd) {
    let (r, w) = common::pipe(nonblocking);
    // SAFETY: both descriptors are new and owned by nobody else.
    unsafe { (OwnedFd::from_raw_fd(r), OwnedFd::from_raw_fd(w)) }
}

/// Writes one byte to `fd` (a descriptor the test keeps open until the watchdog is joined).
fn feed(fd: i32) -> impl Fn() + Send + 'static {
    move || {
        // SAFETY: writing one byte from a static buffer.
        unsafe { libc::write(fd, b"x".as_ptr().cast(), 1) };
    }
}

#[test]
fn an_empty_nonblocking_pipe_gives_eagain_at_once() {
    let Some(rt) = common::forced_uring() else {
        return;
    };
    let (r, w) = pipe(true);
    let mut buf = [0u8; 16];
    let mut batch = [e(
        libc::SYS_read,
        &[r.as_raw_fd() as i64, buf.as_mut_ptr() as i64, 16],
        MC_STOP_NE_ARG,
        2,
    )];
    let outcome = run_bounded(rt, &mut batch, None, "empty pipe", feed(w.as_raw_fd()));
    assert_eq!(outcome.stop_index, 0);
    assert_eq!(
        batch[0].result,
        -(libc::EAGAIN as i64),
        "read(2) gives EAGAIN"
    );
    assert_eq!(
        rt.backend_for(&batch, false),
        Backend::Direct,
        "a pipe is not sent to io_uring"
    );
}

/// A terminal of the test's own: its descriptor and what makes a read of it complete.
struct Terminal {
    fd: OwnedFd,
    /// The pseudo-terminal's controller, when the terminal is one.
    controller: Option<OwnedFd>,
}

impl Terminal {
    /// A pseudo-terminal; where there is none (a guest without devpts) and stdin is a
    /// terminal (the console), a new open file description of stdin's terminal, so that
    /// `O_NONBLOCK` stays ours. `None` when neither is there.
    fn open(nonblocking: bool) -> Option<Terminal> {
        let flags = libc::O_RDWR
            | libc::O_NOCTTY
            | libc::O_CLOEXEC
            | if nonblocking { libc::O_NONBLOCK } else { 0 };
        if let Some((controller, fd)) = pty(flags) {
            return Some(Terminal {
                fd,
                controller: Some(controller),
            });
        }
        // SAFETY: isatty only examines descriptor 0.
        if unsafe { libc::isatty(0) } != 1 {
            return None;
        }
        // SAFETY: opening a static C string path; the descriptor is new.
        let fd = unsafe { libc::open(c"/proc/self/fd/0".as_ptr(), flags) };
        // SAFETY: fd is new and owned by nobody else.
        (fd >= 0).then(|| Terminal {
            fd: unsafe { OwnedFd::from_raw_fd(fd) },
            controller: None,
        })
    }

    /// Makes a pending read of the terminal complete: a line written to the controller, or
    /// for stdin's terminal a newline pushed into its input (TIOCSTI, which needs
    /// CAP_SYS_ADMIN; without it only the run's own timeout ends a stuck test).
    fn unblocker(&self) -> impl Fn() + Send + 'static {
        let (fd, controller) = match &self.controller {
            Some(c) => (c.as_raw_fd(), true),
            None => (self.fd.as_raw_fd(), false),
        };
        move || {
            if controller {
                // SAFETY: writing a line from a static buffer to our own controller.
                unsafe { libc::write(fd, b"x\n".as_ptr().cast(), 2) };
            } else {
                // SAFETY: TIOCSTI reads one byte from a valid pointer.
                unsafe { libc::ioctl(fd, libc::TIOCSTI, b"\n".as_ptr()) };
            }
        }
    }
}

/// A pseudo-terminal: (controller, terminal opened with `flags`), or `None` where this
/// system has no pseudo-terminals.
fn pty(flags: i32) -> Option<(OwnedFd, OwnedFd)> {
    // SAFETY: posix_openpt only opens the multiplexer.
    let controller = unsafe { libc::posix_openpt(libc::O_RDWR | libc::O_NOCTTY | libc::O_CLOEXEC) };
    if controller < 0 {
        return None;
    }
    // SAFETY: controller is new and owned by nobody else.
    let controller = unsafe { OwnedFd::from_raw_fd(controller) };
    // SAFETY: grantpt and unlockpt on our own controller.
    if unsafe { libc::grantpt(controller.as_raw_fd()) } != 0
        || unsafe { libc::unlockpt(controller.as_raw_fd()) } != 0
    {
        return None;
    }
    // TIOCGPTPEER opens the terminal without a path (no /dev/pts needed).
    // SAFETY: an ioctl on our own controller that returns a new descriptor.
    let terminal = unsafe { libc::ioctl(controller.as_raw_fd(), libc::TIOCGPTPEER, flags) };
    if terminal < 0 {
        return None;
    }
    // SAFETY: terminal is new and owned by nobody else.
    Some((controller, unsafe { OwnedFd::from_raw_fd(terminal) }))
}

#[test]
fn a_quiet_nonblocking_terminal_gives_eagain_at_once() {
    let Some(rt) = common::forced_uring() else {
        return;
    };
    let Some(terminal) = Terminal::open(true) else {
        eprintln!("no terminal here (no pseudo-terminals, stdin not a terminal): not checked");
        return;
    };
    let mut buf = [0u8; 16];
    let mut batch = [e(
        libc::SYS_read,
        &[terminal.fd.as_raw_fd() as i64, buf.as_mut_ptr() as i64, 16],
        MC_STOP_NEVER,
        0,
    )];
    let outcome = run_bounded(rt, &mut batch, None, "terminal", terminal.unblocker());
    assert_eq!(outcome.stop_index, 1);
    assert_eq!(
        batch[0].result,
        -(libc::EAGAIN as i64),
        "read(2) gives EAGAIN"
    );
    assert_eq!(
        rt.backend_for(&batch, false),
        Backend::Direct,
        "a terminal is not sent to io_uring"
    );
}

thread_local! {
    /// Whether SIGALRM was handled on this thread (each test signals its own thread).
    static HANDLED: Cell<bool> = const { Cell::new(false) };
}

extern "C" fn on_alarm(_: i32) {
    HANDLED.with(|h| h.set(true));
}

/// Runs `batch` (a looped read of `fd` that blocks in iteration `blocks_in`) with a SIGALRM
/// sent to this thread after 300 ms, and checks that the read was interrupted as a direct
/// read is: -EINTR, stop at the read, in that iteration.
fn interrupted(
    rt: &Runtime,
    batch: &mut [McEntry; 1],
    blocks_in: u64,
    what: &str,
    unblock: impl Fn() + Send + 'static,
) {
    // SAFETY: installs a handler that only sets a constant-initialized thread-local flag;
    // without SA_RESTART a blocked read is interrupted rather than restarted.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_alarm as *const () as usize;
        libc::sigemptyset(&mut action.sa_mask);
        assert_eq!(
            libc::sigaction(libc::SIGALRM, &action, std::ptr::null_mut()),
            0
        );
    }
    HANDLED.with(|h| h.set(false));
    // SAFETY: pthread_self has no preconditions.
    let me = unsafe { libc::pthread_self() };
    let alarm = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        // SAFETY: the target thread is alive: it joins this thread before it returns.
        unsafe { libc::pthread_kill(me, libc::SIGALRM) };
    });
    let outcome = run_bounded(rt, batch, Some(blocks_in + 5), what, unblock);
    alarm.join().expect("the alarm thread");
    assert!(HANDLED.with(|h| h.get()), "{what}: the handler ran");
    assert_eq!(outcome.stop_index, 0, "{what}: stopped at the read");
    assert_eq!(
        outcome.iterations, blocks_in,
        "{what}: interrupted in iteration {blocks_in}"
    );
    assert_eq!(
        batch[0].result,
        -(libc::EINTR as i64),
        "{what}: read(2) gives EINTR"
    );
    assert_eq!(
        rt.backend_for(batch, true),
        Backend::Direct,
        "{what}: not sent to io_uring"
    );
}

#[test]
fn a_blocked_pipe_read_is_interrupted_by_a_signal() {
    let Some(rt) = common::forced_uring() else {
        return;
    };
    let (r, w) = pipe(false);
    let mut writer = std::fs::File::from(w.try_clone().expect("dup the write end"));
    writer.write_all(&[7u8; 32]).expect("fill the pipe");
    let mut buf = [0u8; 16];
    // Two iterations read 16 bytes each; the third blocks until the signal.
    let mut batch = [e(
        libc::SYS_read,
        &[r.as_raw_fd() as i64, buf.as_mut_ptr() as i64, 16],
        MC_STOP_NE_ARG,
        2,
    )];
    interrupted(rt, &mut batch, 3, "blocked pipe", feed(w.as_raw_fd()));
}

#[test]
fn a_blocked_terminal_read_is_interrupted_by_a_signal() {
    let Some(rt) = common::forced_uring() else {
        return;
    };
    let Some(terminal) = Terminal::open(false) else {
        eprintln!("no terminal here (no pseudo-terminals, stdin not a terminal): not checked");
        return;
    };
    let mut buf = [0u8; 16];
    let mut batch = [e(
        libc::SYS_read,
        &[terminal.fd.as_raw_fd() as i64, buf.as_mut_ptr() as i64, 16],
        MC_STOP_NE_ARG,
        2,
    )];
    let unblock = terminal.unblocker();
    interrupted(rt, &mut batch, 1, "blocked terminal", unblock);
}

#[test]
fn files_and_dev_null_still_take_the_ring() {
    let Some(rt) = common::forced_uring() else {
        return;
    };
    let mut file = tempfile::tempfile().expect("a temporary file");
    let data = *b"0123456789";
    std::io::Write::write_all(&mut file, &data).expect("write the file");
    std::io::Seek::rewind(&mut file).expect("rewind");
    let null = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/null")
        .expect("open /dev/null");
    let mut back = [0u8; 10];
    let mut batch = [
        e(
            libc::SYS_read,
            &[file.as_raw_fd() as i64, back.as_mut_ptr() as i64, 10],
            MC_STOP_NE_ARG,
            2,
        ),
        e(
            libc::SYS_write,
            &[null.as_raw_fd() as i64, back.as_ptr() as i64, 10],
            MC_STOP_NEVER,
            0,
        ),
    ];
    assert_eq!(
        rt.backend_for(&batch, false),
        Backend::IoUring,
        "a read of a regular file and a write to /dev/null go to io_uring"
    );
    let outcome = run_bounded(rt, &mut batch, None, "file and /dev/null", || {});
    assert_eq!(outcome.stop_index, 2);
    assert_eq!((batch[0].result, batch[1].result), (10, 10));
    assert_eq!(back, data, "the chain read the file");
    // A write to a regular file does not (tests/exactness.rs: a write the disk fills).
    let write = [e(
        libc::SYS_write,
        &[file.as_raw_fd() as i64, data.as_ptr() as i64, 10],
        MC_STOP_NE_ARG,
        2,
    )];
    assert_eq!(rt.backend_for(&write, false), Backend::Direct);
}
