//! errno after a batch is what the program's own calls and signal handlers left there, on
//! every backend:
//!
//! - a handler that writes errno (`close(-1)`: EBADF) while a looped batch blocks in a pipe
//!   read, under `SA_RESTART`, leaves EBADF after the batch, as after the original loop (the
//!   runtime's own calls, probes included, never write errno, and nothing puts an old value
//!   back);
//! - a periodic timer (every 50 us, `SA_RESTART`) whose handler writes errno while a looped
//!   batch (a shape io_uring takes: whole blocks, stop at a short read) copies 2 MiB of a file
//!   on tmpfs in 512-byte reads to /dev/null: the batch copies it all
//!   (no request of io_uring's is lost to the signals: -ECANCELED, -EINTR), and errno is the
//!   handler's when it ran, else untouched;
//! - the C entry point's one write of errno: EINVAL for a batch it refuses.
//!
//! Each runs through the C entry points on the direct backend and the process's own
//! (`MULTICALL_BACKEND`: the guest runs them on the module), and again in a child process
//! with io_uring asked for.

mod common;

use common::e;
use multicall::abi::{MC_STOP_NEG, MC_STOP_NE_ARG, MC_STOP_NONPOS};
use multicall::McEntry;
use std::io::Write;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// One test at a time: the handlers and timers are the process's.
static SERIAL: Mutex<()> = Mutex::new(());

static RAN: AtomicU64 = AtomicU64::new(0);

/// Writes errno the way a careless handler does: a failing call.
extern "C" fn careless_handler(_: i32) {
    RAN.fetch_add(1, Ordering::SeqCst);
    // SAFETY: close(-1) only fails, with EBADF; it is async-signal-safe.
    unsafe { libc::close(-1) };
}

fn errno() -> i32 {
    std::io::Error::last_os_error().raw_os_error().unwrap_or(0)
}

fn set_errno(value: i32) {
    // SAFETY: this thread's errno slot.
    unsafe { *libc::__errno_location() = value };
}

fn install(signal: i32) {
    // SAFETY: installs a handler that only bumps an atomic and calls close(-1), both
    // async-signal-safe; SA_RESTART, so an interrupted read is restarted.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = careless_handler as *const () as usize;
        action.sa_flags = libc::SA_RESTART;
        libc::sigemptyset(&mut action.sa_mask);
        assert_eq!(libc::sigaction(signal, &action, std::ptr::null_mut()), 0);
    }
}

/// Where a batch runs: through the C entry points, as lowered code calls them.
#[derive(Clone, Copy, Debug)]
enum Way {
    /// `multicall_loop_direct`.
    Direct,
    /// `multicall_loop`: the process's backend (`MULTICALL_BACKEND`).
    Selected,
}

fn ways() -> [Way; 2] {
    common::backend_under_test();
    [Way::Direct, Way::Selected]
}

impl Way {
    fn name(self) -> String {
        match self {
            Way::Direct => "direct".into(),
            Way::Selected => format!("selected ({})", multicall::runtime().primary().name()),
        }
    }
}

/// Runs the looped batch on `way` to its end: again where the module ended it early for a
/// pending signal (docs/kmod.md: stop index `count`, the iterations done so far), as the
/// pass's lowering runs it again. The stop index and the iterations in all.
fn run(way: Way, batch: &mut [McEntry]) -> (usize, u64) {
    let mut total = 0;
    loop {
        let mut iterations: libc::c_ulong = 0;
        let count = batch.len() as libc::c_uint;
        // SAFETY: the batches make harmless calls on the test's own descriptors and
        // buffers; iterations is a valid unsigned long.
        let stop = unsafe {
            match way {
                Way::Direct => multicall::multicall_loop_direct(
                    batch.as_mut_ptr(),
                    count,
                    libc::c_ulong::MAX,
                    &mut iterations,
                ),
                Way::Selected => multicall::multicall_loop(
                    batch.as_mut_ptr(),
                    count,
                    libc::c_ulong::MAX,
                    &mut iterations,
                ),
            }
        };
        assert!(stop >= 0, "{}: the batch runs", way.name());
        total += iterations;
        if stop as usize != batch.len() {
            return (stop as usize, total);
        }
    }
}

#[test]
fn a_handlers_errno_survives_a_blocked_batch() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    install(libc::SIGUSR1);
    for way in ways() {
        let (r, w) = common::pipe(false);
        // SAFETY: w is a fresh descriptor owned by nobody else.
        let mut writer = std::fs::File::from(unsafe { OwnedFd::from_raw_fd(w) });
        let null = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/null")
            .expect("/dev/null");
        let mut buf = [0u8; 64];
        let ptr = buf.as_mut_ptr() as i64;
        let mut batch = [
            e(libc::SYS_read, &[r as i64, ptr, 64], MC_STOP_NONPOS, 0),
            e(
                libc::SYS_write,
                &[null.as_raw_fd() as i64, ptr, 0],
                MC_STOP_NEG,
                0,
            )
            .reference(2, 0),
        ];
        // SAFETY: pthread_self has no preconditions.
        let me = unsafe { libc::pthread_self() };
        let before = RAN.load(Ordering::SeqCst);
        let feeder = std::thread::spawn(move || {
            writer.write_all(&[1u8; 64]).expect("first block");
            std::thread::sleep(std::time::Duration::from_millis(150));
            // SAFETY: the target thread waits for this one to be joined.
            unsafe { libc::pthread_kill(me, libc::SIGUSR1) };
            std::thread::sleep(std::time::Duration::from_millis(150));
            writer.write_all(&[2u8; 64]).expect("second block");
            // Dropping the writer ends the input: the read returns 0.
        });
        set_errno(0);
        let (stop, iterations) = run(way, &mut batch);
        let after = errno();
        feeder.join().expect("the feeder");
        assert_eq!(stop, 0, "{}: ends at the read", way.name());
        assert_eq!(
            batch[0].result,
            0,
            "{}: at the end of the input",
            way.name()
        );
        assert_eq!(iterations, 3, "{}: two blocks, then EOF", way.name());
        assert!(
            RAN.load(Ordering::SeqCst) > before,
            "{}: the handler ran",
            way.name()
        );
        assert_eq!(
            after,
            libc::EBADF,
            "{}: errno is the handler's after the batch",
            way.name()
        );
        common::close(r);
    }
}

/// A timer that sends `signal` to this thread (not to the process: another test thread
/// would take it) every `period_ns` until dropped.
struct ThreadTimer(libc::timer_t);

impl ThreadTimer {
    fn start(signal: i32, period_ns: i64) -> ThreadTimer {
        // SAFETY: an all-zero sigevent is a valid value of the plain C struct.
        let mut event: libc::sigevent = unsafe { std::mem::zeroed() };
        event.sigev_notify = libc::SIGEV_THREAD_ID;
        event.sigev_signo = signal;
        // SAFETY: gettid has no preconditions.
        event.sigev_notify_thread_id = unsafe { libc::gettid() };
        let mut timer: libc::timer_t = std::ptr::null_mut();
        // SAFETY: timer_create reads a valid sigevent and writes the timer's id.
        let made = unsafe { libc::timer_create(libc::CLOCK_MONOTONIC, &mut event, &mut timer) };
        assert_eq!(made, 0, "timer_create: {}", std::io::Error::last_os_error());
        let every = libc::timespec {
            tv_sec: 0,
            tv_nsec: period_ns,
        };
        let spec = libc::itimerspec {
            it_interval: every,
            it_value: every,
        };
        // SAFETY: arms the timer just made with a valid itimerspec.
        assert_eq!(
            unsafe { libc::timer_settime(timer, 0, &spec, std::ptr::null_mut()) },
            0
        );
        ThreadTimer(timer)
    }
}

impl Drop for ThreadTimer {
    fn drop(&mut self) {
        // SAFETY: deletes the timer this value owns (disarming it).
        unsafe { libc::timer_delete(self.0) };
    }
}

#[test]
fn a_periodic_signal_loses_no_request_and_no_errno() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    install(libc::SIGALRM);
    const SIZE: usize = 2 << 20;
    const BLOCK: usize = 512;
    // tmpfs where there is one: io_uring hands its reads to a worker thread, whose creation
    // a pending signal can refuse.
    let dir = std::path::Path::new("/dev/shm");
    let input = if dir.is_dir() {
        tempfile::tempfile_in(dir).expect("a file on /dev/shm")
    } else {
        tempfile::tempfile().expect("a temporary file")
    };
    (&input).write_all(&common::data(SIZE)).expect("fill");
    let null = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/null")
        .expect("/dev/null");
    for way in ways() {
        for round in 0..3 {
            // SAFETY: lseek on the test's own descriptor.
            assert_eq!(
                unsafe { libc::lseek(input.as_raw_fd(), 0, libc::SEEK_SET) },
                0
            );
            let mut buf = vec![0u8; BLOCK];
            let ptr = buf.as_mut_ptr() as i64;
            let mut batch = [
                e(
                    libc::SYS_read,
                    &[input.as_raw_fd() as i64, ptr, BLOCK as i64],
                    MC_STOP_NE_ARG,
                    2,
                ),
                e(
                    libc::SYS_write,
                    &[null.as_raw_fd() as i64, ptr, BLOCK as i64],
                    MC_STOP_NEG,
                    0,
                ),
            ];
            set_errno(0);
            let before = RAN.load(Ordering::SeqCst);
            let timer = ThreadTimer::start(libc::SIGALRM, 50_000);
            let (stop, iterations) = run(way, &mut batch);
            let ran = RAN.load(Ordering::SeqCst) > before;
            let after = errno();
            drop(timer);
            let name = format!("{} round {round}", way.name());
            assert_eq!(
                (stop, batch[0].result),
                (0, 0),
                "{name}: ends at the end of the file, not at a lost request"
            );
            assert_eq!(
                iterations,
                (SIZE / BLOCK + 1) as u64,
                "{name}: every block read"
            );
            let expected = if ran { libc::EBADF } else { 0 };
            assert_eq!(after, expected, "{name}: errno (handler ran: {ran})");
        }
    }
}

#[test]
fn the_c_entry_point_sets_errno_only_for_a_refused_batch() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut batch = [McEntry::new(libc::SYS_getpid, &[])];
    set_errno(77);
    // SAFETY: a valid batch of one getpid.
    assert_eq!(unsafe { multicall::multicall(batch.as_mut_ptr(), 1) }, 1);
    assert_eq!(errno(), 77, "a batch that ran leaves errno alone");
    let bad = [McEntry::new(libc::SYS_close, &[i64::from(i32::MAX)])];
    let mut bad = bad;
    // SAFETY: a valid batch whose close fails: the failure is the entry's result.
    assert_eq!(unsafe { multicall::multicall(bad.as_mut_ptr(), 1) }, 1);
    assert_eq!(bad[0].result, -(libc::EBADF as i64));
    assert_eq!(errno(), 77, "a failed entry's errno stays in its result");
    // SAFETY: a zero count is refused before anything is read.
    assert_eq!(unsafe { multicall::multicall(batch.as_mut_ptr(), 0) }, -1);
    assert_eq!(errno(), libc::EINVAL);
}

/// The two tests above again in a process of their own with `MULTICALL_BACKEND=io_uring`,
/// where this kernel has a usable io_uring (the C entry points run on the process's backend).
#[test]
fn on_io_uring_too() {
    if std::env::var_os("MULTICALL_BACKEND").is_some() || common::forced_uring().is_none() {
        return;
    }
    let exe = std::env::current_exe().expect("this test's executable");
    for test in [
        "a_handlers_errno_survives_a_blocked_batch",
        "a_periodic_signal_loses_no_request_and_no_errno",
    ] {
        let out = std::process::Command::new(&exe)
            .args(["--exact", test, "--test-threads=1"])
            .env("MULTICALL_BACKEND", "io_uring")
            .output()
            .expect("runs the test executable");
        assert!(
            out.status.success(),
            "{test} with MULTICALL_BACKEND=io_uring: {}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
