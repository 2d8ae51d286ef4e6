//! A signal during a batch, on the backend under test (`MULTICALL_BACKEND`, see `common`) and
//! on the direct backend, with exact expectations taken from what the same calls made one by
//! one do:
//!
//! - with an `SA_RESTART` handler, a read blocked in a pipe is restarted: the handler runs
//!   once, the read gets the data a writer sends later, the later entries run (with
//!   references to entries before and after the interrupted one) and no entry runs twice;
//! - a looped batch keeps its iteration count across such a restart;
//! - without `SA_RESTART` the read reports -EINTR, the batch stops there and later entries
//!   do not run.
//!
//! On the direct backend the kernel restarts each call itself; on the kmod backend the
//! module hands the restart code to the kernel with a resume point and goes on there.

mod common;

use common::{backend_under_test, close, e, pipe, run_direct, run_selected};
use multicall::abi::{MC_STOP_NEG, MC_STOP_NEVER, MC_STOP_NE_ARG, MC_STOP_NONPOS};
use multicall::McEntry;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::thread::JoinHandle;
use std::time::Duration;

/// The tests share SIGALRM's disposition: one at a time.
static SIGNALS: Mutex<()> = Mutex::new(());
static HANDLED: AtomicUsize = AtomicUsize::new(0);

/// A result no call returns here: the entry did not run.
const NOT_RUN: i64 = 0x5a5a_5a5a;

extern "C" fn on_alarm(_: i32) {
    HANDLED.fetch_add(1, Ordering::SeqCst);
}

/// Installs `on_alarm` for SIGALRM with `flags` and resets the count of handled signals.
fn handle_sigalrm(flags: i32) {
    HANDLED.store(0, Ordering::SeqCst);
    // SAFETY: a zeroed sigaction is a valid value to fill in; the handler only touches an
    // atomic, which is async-signal-safe.
    unsafe {
        let mut action: libc::sigaction = std::mem::zeroed();
        action.sa_sigaction = on_alarm as *const () as usize;
        action.sa_flags = flags;
        libc::sigemptyset(&mut action.sa_mask);
        assert_eq!(
            libc::sigaction(libc::SIGALRM, &action, std::ptr::null_mut()),
            0,
            "sigaction: {}",
            std::io::Error::last_os_error()
        );
    }
}

/// From a helper thread: SIGALRM to the calling thread after 200 ms, then (when given) `data`
/// into `fd` at 700 ms and a close of `fd`.
fn signal_then_write(fd: i32, data: Option<&'static [u8]>) -> JoinHandle<()> {
    // SAFETY: pthread_self has no preconditions.
    let me = unsafe { libc::pthread_self() };
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(200));
        // SAFETY: the target thread is alive: it joins this helper before it returns.
        unsafe { libc::pthread_kill(me, libc::SIGALRM) };
        if let Some(data) = data {
            std::thread::sleep(Duration::from_millis(500));
            // SAFETY: data is a valid buffer of data.len() bytes; fd is this helper's.
            let n = unsafe { libc::write(fd, data.as_ptr().cast(), data.len()) };
            assert_eq!(n, data.len() as isize, "the writer's write");
            close(fd);
        }
    })
}

/// Everything in the non-blocking pipe end `fd`.
fn drain(fd: i32) -> Vec<u8> {
    let mut all = Vec::new();
    let mut buf = [0u8; 256];
    loop {
        // SAFETY: buf is valid for buf.len() bytes.
        let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
        if n <= 0 {
            return all;
        }
        all.extend_from_slice(&buf[..n as usize]);
    }
}

/// 0: write(out, "A", 1); 1: read(input, buf, 8), which blocks; 2: write(out, buf, result
/// of 1); 3: write(out, "Z", result of 0), a reference to an entry before the read.
fn plain_batch(input: i32, out: i32, buf: &mut [u8; 8]) -> [McEntry; 4] {
    let ptr = buf.as_mut_ptr() as i64;
    let mut batch = [
        e(
            libc::SYS_write,
            &[out as i64, b"A".as_ptr() as i64, 1],
            MC_STOP_NEG,
            0,
        ),
        e(libc::SYS_read, &[input as i64, ptr, 8], MC_STOP_NONPOS, 0),
        e(libc::SYS_write, &[out as i64, ptr, 0], MC_STOP_NE_ARG, 2).reference(2, 1),
        e(
            libc::SYS_write,
            &[out as i64, b"Z".as_ptr() as i64, 0],
            MC_STOP_NEVER,
            0,
        )
        .reference(2, 0),
    ];
    for entry in &mut batch {
        entry.result = NOT_RUN;
    }
    batch
}

fn run_on(direct: bool, batch: &mut [McEntry], max_iters: Option<u64>) -> multicall::Outcome {
    if direct {
        run_direct(batch, max_iters)
    } else {
        run_selected(batch, max_iters)
    }
    .expect("the batch runs")
}

#[test]
fn sa_restart_restarts_a_blocked_read_and_the_batch_goes_on() {
    backend_under_test();
    let _one_at_a_time = SIGNALS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    handle_sigalrm(libc::SA_RESTART);
    for direct in [false, true] {
        let name = if direct { "direct" } else { "selected" };
        HANDLED.store(0, Ordering::SeqCst);
        let (input, feed) = pipe(false);
        let (out_r, out_w) = pipe(true);
        let mut buf = [0u8; 8];
        let mut batch = plain_batch(input, out_w, &mut buf);
        let helper = signal_then_write(feed, Some(b"data"));
        let outcome = run_on(direct, &mut batch, None);
        helper.join().expect("the helper thread");
        assert_eq!(
            HANDLED.load(Ordering::SeqCst),
            1,
            "{name}: the handler ran once"
        );
        assert_eq!(outcome.stop_index, 4, "{name}: no entry stopped the batch");
        let results: Vec<i64> = batch.iter().map(|entry| entry.result).collect();
        assert_eq!(results, [1, 4, 4, 1], "{name}: every entry ran once");
        assert_eq!(
            drain(out_r),
            b"AdataZ",
            "{name}: the read got the later data; entry 0 did not run again"
        );
        close(input);
        close(out_r);
        close(out_w);
    }
}

#[test]
fn sa_restart_keeps_a_loops_iteration_count() {
    backend_under_test();
    let _one_at_a_time = SIGNALS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    handle_sigalrm(libc::SA_RESTART);
    for direct in [false, true] {
        let name = if direct { "direct" } else { "selected" };
        HANDLED.store(0, Ordering::SeqCst);
        let (input, feed) = pipe(false);
        let (out_r, out_w) = pipe(true);
        // SAFETY: a valid 3-byte buffer; feed is an open pipe end with room.
        assert_eq!(unsafe { libc::write(feed, b"abc".as_ptr().cast(), 3) }, 3);
        let mut byte = [0u8; 1];
        let ptr = byte.as_mut_ptr() as i64;
        // read 1 byte (stop at end of file); write it.
        let mut batch = [
            e(libc::SYS_read, &[input as i64, ptr, 1], MC_STOP_NONPOS, 0),
            e(libc::SYS_write, &[out_w as i64, ptr, 0], MC_STOP_NE_ARG, 2).reference(2, 0),
        ];
        let helper = signal_then_write(feed, Some(b"de"));
        let outcome = run_on(direct, &mut batch, Some(100));
        helper.join().expect("the helper thread");
        assert_eq!(
            HANDLED.load(Ordering::SeqCst),
            1,
            "{name}: the handler ran once"
        );
        assert_eq!(
            (outcome.stop_index, batch[0].result),
            (0, 0),
            "{name}: the loop ends at end of file, not at the signal"
        );
        assert_eq!(
            outcome.iterations, 6,
            "{name}: 5 bytes and the read of 0, counted across the restart"
        );
        assert_eq!(drain(out_r), b"abcde", "{name}: every byte copied once");
        close(input);
        close(out_r);
        close(out_w);
    }
}

#[test]
fn without_sa_restart_the_read_reports_eintr_and_the_batch_stops() {
    backend_under_test();
    let _one_at_a_time = SIGNALS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    handle_sigalrm(0);
    for direct in [false, true] {
        let name = if direct { "direct" } else { "selected" };
        HANDLED.store(0, Ordering::SeqCst);
        let (input, feed) = pipe(false);
        let (out_r, out_w) = pipe(true);
        let mut buf = [0u8; 8];
        let mut batch = plain_batch(input, out_w, &mut buf);
        let helper = signal_then_write(feed, None);
        let outcome = run_on(direct, &mut batch, None);
        helper.join().expect("the helper thread");
        assert_eq!(
            HANDLED.load(Ordering::SeqCst),
            1,
            "{name}: the handler ran once"
        );
        assert_eq!(outcome.stop_index, 1, "{name}: stopped at the read");
        let results: Vec<i64> = batch.iter().map(|entry| entry.result).collect();
        assert_eq!(
            results,
            [1, -(libc::EINTR as i64), NOT_RUN, NOT_RUN],
            "{name}: -EINTR, later entries not run"
        );
        assert_eq!(drain(out_r), b"A", "{name}: only entry 0 wrote");
        close(input);
        close(feed);
        close(out_r);
        close(out_w);
    }
}
