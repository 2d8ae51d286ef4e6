//! Choosing a backend: once per process, at first use, from the environment and what the
//! machine offers; then per batch, from the batch's shape.
//!
//! - `MULTICALL_BACKEND=auto|kmod|io_uring|direct` (default `auto`). A forced backend that
//!   is missing is reported on stderr (always: the user asked for it) and the direct
//!   backend runs instead; [`Runtime::primary`] then says `direct`, which is how tests
//!   notice.
//! - `auto` uses the kernel module for every batch of two or more entries and every looped
//!   batch when `/dev/multicall` opens (a single plain entry costs one crossing on the direct
//!   backend too, without the copy); the device is opened once per process, at the first
//!   looped batch or the second plain one (a process that runs one plain batch does not pay
//!   for the open: [`Runtime::module_worth_it`]), io_uring for batches it maps exactly, calls and
//!   descriptors ([`crate::uring::maps`]: regular files of a few local filesystems and
//!   /dev/null only, where a chain is sure to complete as the calls would, whichever thread
//!   runs it), of at least the measured break-even size
//!   ([`URING_MIN_ENTRIES`], overridable with `MULTICALL_IO_URING_MIN=N`), and the direct
//!   backend otherwise.
//! - `MULTICALL_DEBUG` (any value) prints on stderr, once, why a backend was not used.
//! - `MULTICALL_COPY=0` runs copy loops marked `MC_BATCH_DEAD_BUFFERS` as plain looped
//!   batches instead of in-kernel copies (`copy_file_range`, `sendfile`, `splice`).
//!
//! Setting up costs no crossing and no heap allocation (the environment is read with
//! `getenv`): a process pays one crossing, the `open` of the device, and only if it runs a
//! looped batch or a second plain batch the module could take.
//!
//! The selection lives in a `OnceLock`; nothing is kept per batch, so threads run batches
//! concurrently. No batch waits for a set-up (the selection's, the device's open) begun on
//! its own thread: below it on the stack when a signal handler runs a batch, or abandoned by
//! a handler that jumped out of it with `siglongjmp`; such a batch runs without it, its calls
//! one by one, as they would run on their own. One begun on another thread is waited for, as
//! a `OnceLock` would (it takes microseconds to milliseconds; only a handler on that thread
//! that jumped out of it would leave it unfinished, and the other threads waiting). The module's file descriptor is shared across fork (the module keeps no
//! state in it); io_uring rings are per thread and per process ([`crate::uring`]).

use crate::abi::McEntry;
use crate::abi::{
    McAdvance, McBatch, McWatch, MC_BATCH_ADVANCE, MC_BATCH_DEAD_BUFFERS, MC_BATCH_LIVE_AT_STOP,
    MC_BATCH_LOOP, MC_BATCH_SUMS, MC_BATCH_WATCH, MC_BATCH_WATCHES, MC_MAX_WATCHES,
};
use crate::batch::{Batch, BatchError, Outcome, Watch};
use crate::kmod::{Kmod, KmodError};
use crate::{copy, direct, uring};
use std::cell::Cell;
use std::ffi::CStr;
use std::io;
use std::sync::atomic::{compiler_fence, AtomicBool, AtomicI32, Ordering};
use std::sync::OnceLock;
use thiserror::Error;

/// The smallest batch for which `auto` prefers io_uring over direct system calls, when
/// io_uring is available. `None`: never. Measured with `scripts/bench-runtime.sh` on this
/// project's machines (docs/runtime.md): a linked io_uring chain costs more per entry than
/// a direct system call at every batch size from 1 to 64, so there is no break-even point.
pub const URING_MIN_ENTRIES: Option<usize> = None;

/// A way of running a batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Backend {
    /// One ioctl on `/dev/multicall`.
    Kmod,
    /// Linked submission queue entries on a per-thread io_uring.
    IoUring,
    /// One system call per entry from user space.
    Direct,
}

impl Backend {
    /// Every backend.
    pub const ALL: [Backend; 3] = [Backend::Kmod, Backend::IoUring, Backend::Direct];

    /// The name used by `MULTICALL_BACKEND` and `multicall_backend()`.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Kmod => "kmod",
            Backend::IoUring => "io_uring",
            Backend::Direct => "direct",
        }
    }

    /// The name as a static C string.
    pub fn c_name(self) -> &'static CStr {
        match self {
            Backend::Kmod => c"kmod",
            Backend::IoUring => c"io_uring",
            Backend::Direct => c"direct",
        }
    }

    /// Parses a backend name.
    pub fn parse(name: &str) -> Option<Backend> {
        Backend::ALL.into_iter().find(|b| b.name() == name)
    }
}

/// What `MULTICALL_BACKEND` asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Request {
    /// Pick per batch.
    Auto,
    /// Use this backend wherever it can run the batch exactly.
    Only(Backend),
}

/// The per-entry arrays a batch may have besides its entries (`struct mc_batch.sums` and
/// `.advances`); a null pointer for each it does not have. With `MC_BATCH_SUMS`, `sums`
/// points to `count` readable and writable `i64`s; with `MC_BATCH_ADVANCE`, `advances` to
/// `count` readable `struct mc_advance`; either may be unaligned.
#[derive(Debug, Clone, Copy)]
pub struct PerEntry {
    /// `MC_BATCH_SUMS`: the result sums, in/out.
    pub sums: *mut i64,
    /// `MC_BATCH_ADVANCE`: how the arguments advance.
    pub advances: *const McAdvance,
}

impl PerEntry {
    /// Neither array.
    pub const NONE: PerEntry = PerEntry {
        sums: std::ptr::null_mut(),
        advances: std::ptr::null(),
    };
}

/// Why a batch did not run.
#[derive(Debug, Error)]
pub enum RunError {
    /// The batch breaks a rule of the ABI; nothing ran.
    #[error(transparent)]
    Invalid(#[from] BatchError),
    /// The kernel refused the batch (EINVAL, EFAULT); nothing ran.
    #[error("the kernel refused the batch: {0}")]
    Refused(io::Error),
}

impl RunError {
    /// The errno the C API reports.
    pub fn errno(&self) -> i32 {
        match self {
            RunError::Invalid(e) => e.errno(),
            RunError::Refused(e) => e.raw_os_error().unwrap_or(libc::EINVAL),
        }
    }
}

/// The process-wide selection.
#[derive(Debug)]
pub struct Runtime {
    request: Request,
    /// The module's device, opened at the first batch that could use it (see
    /// [`Runtime::kmod`]); never tried when the request excludes the module.
    kmod: OnceLock<Option<Kmod>>,
    uring_available: bool,
    uring_min: Option<usize>,
    debug: bool,
    /// Whether a copy loop marked `MC_BATCH_DEAD_BUFFERS` may run as an in-kernel copy
    /// (`MULTICALL_COPY=0` turns it off: the loop then runs as a plain looped batch).
    copy: bool,
    kmod_fallback_said: AtomicBool,
    /// `MULTICALL_DEBUG` said that the module does not run watched batches.
    kmod_watch_said: AtomicBool,
    /// The device's open has begun (see [`Runtime::kmod`]).
    kmod_opening: AtomicBool,
    /// In `auto` mode, a plain batch that the module could take has run without it (see
    /// [`Runtime::module_worth_it`]).
    plain_batch_seen: AtomicBool,
}

/// `int multicall_batches_pay` ([`crate::abi::BATCHES_PAY_SYMBOL`], `multicall.h`):
/// 1 until the process is known to run batches one call at a time, then 0, read by compiled
/// code before it builds a batch that the runtime would not specialise (it makes the calls
/// itself at 0, the way it does after a batch that ran fewer entries). It becomes 0 in `auto` mode once the module's
/// device failed to open and io_uring is not chosen ([`Runtime::open_kmod`]); a backend asked
/// for by name keeps it at 1, so that batches run where they were asked to.
#[export_name = "multicall_batches_pay"]
pub static BATCHES_PAY: AtomicI32 = AtomicI32::new(1);

static RUNTIME: OnceLock<Runtime> = OnceLock::new();
/// The selection's set-up has begun (see [`runtime`]).
static SETTING_UP: AtomicBool = AtomicBool::new(false);

thread_local! {
    /// This thread has begun a set-up (the selection's or the device's open) and not
    /// finished it: a batch here is a signal handler's, or comes after a handler jumped out.
    static SETTING_UP_HERE: Cell<bool> = const { Cell::new(false) };
}

/// How many times a batch yields the processor while another thread sets up before it
/// sleeps a millisecond between looks instead.
const YIELD_ROUNDS: u32 = 1000;

/// Marks this thread's set-up begun and returns the mark as it was (`true` when the thread
/// cannot tell, while it exits: it then never waits). The signal fence keeps the mark's
/// store before whatever follows, the shared flag's swap included, as a handler on this
/// thread sees them: a handler that finds the flag taken must find the mark too.
fn mark_here() -> bool {
    let before = SETTING_UP_HERE
        .try_with(|h| h.replace(true))
        .unwrap_or(true);
    compiler_fence(Ordering::SeqCst);
    before
}

/// Puts this thread's mark back as [`mark_here`] found it, after everything before it.
fn unmark_here(before: bool) {
    compiler_fence(Ordering::SeqCst);
    let _ = SETTING_UP_HERE.try_with(|h| h.set(before));
}

/// A process-wide value set up once, at first use: `get` reads it, `begun` says that its
/// set-up has begun, and `set_up` makes it (and returns what `get` would then). A caller
/// that finds the set-up begun and not finished waits for another thread's (yielding the
/// processor, then sleeping a millisecond between looks); for its own thread's (a signal
/// handler interrupted it or jumped out of it with `siglongjmp`) it gets `None` at once.
/// (A `OnceLock::get_or_init` would wait for ever there.)
///
/// The thread marks itself before it takes `begun`, and puts the mark back only after the
/// value is set, so that at every instruction "`begun` taken by this thread and the value
/// not set" implies "marked": a jump out of the set-up at any point leaves either the value
/// set or the mark, never a flag that the thread itself would wait on. A mark left by an
/// abandoned set-up makes this thread run without a set-up another thread has under way
/// rather than wait for it, which is always exact (the batch's calls run one by one).
fn set_up_once<'a, T>(
    get: impl Fn() -> Option<&'a T>,
    begun: &AtomicBool,
    set_up: impl FnOnce() -> Option<&'a T>,
) -> Option<&'a T> {
    if let Some(value) = get() {
        return Some(value);
    }
    let before = mark_here();
    if begun.swap(true, Ordering::AcqRel) {
        unmark_here(before);
        if before {
            return None;
        }
        let mut rounds = 0u32;
        return loop {
            if let Some(value) = get() {
                break Some(value);
            }
            if rounds < YIELD_ROUNDS {
                rounds += 1;
                std::thread::yield_now();
            } else {
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
        };
    }
    let value = set_up();
    unmark_here(before);
    value
}

/// What a batch runs on while the selection's set-up is under way elsewhere: direct system
/// calls, no in-kernel copy.
static DIRECT_ONLY: Runtime = Runtime {
    request: Request::Only(Backend::Direct),
    kmod: OnceLock::new(),
    uring_available: false,
    uring_min: None,
    debug: false,
    copy: false,
    kmod_fallback_said: AtomicBool::new(false),
    kmod_watch_said: AtomicBool::new(false),
    kmod_opening: AtomicBool::new(false),
    plain_batch_seen: AtomicBool::new(false),
};

/// Writes a line on stderr with raw `write`s, ignoring failure (`eprintln!` panics when
/// stderr fails, and a panic in a C entry point aborts the program; a failed libc `write`
/// would leave its errno in the program's).
macro_rules! say {
    ($($arg:tt)*) => {{
        let line = format!("{}\n", format_args!($($arg)*));
        crate::sys::write_all(2, line.as_bytes());
    }};
}

/// The selection, made at first use ([`set_up_once`]): a batch that interrupted the set-up
/// on its own thread, or comes after a handler jumped out of it, gets the direct backend
/// alone, whose calls run one by one as on their own.
#[inline]
pub fn runtime() -> &'static Runtime {
    set_up_once(
        || RUNTIME.get(),
        &SETTING_UP,
        || {
            // Only this caller sets it, once: `set` cannot find it set.
            let _ = RUNTIME.set(Runtime::from_env(process_var));
            RUNTIME.get()
        },
    )
    .unwrap_or(&DIRECT_ONLY)
}

/// A variable of the process's environment (one of the runtime's), read without allocating:
/// the first batch of a program that never called `malloc` must not set up its heap (glibc's
/// first `malloc` costs three crossings). A value that is not UTF-8 reads as unset, as with
/// `std::env::var`.
fn process_var(name: &str) -> Option<&'static str> {
    let c_name = match name {
        "MULTICALL_BACKEND" => c"MULTICALL_BACKEND",
        "MULTICALL_DEBUG" => c"MULTICALL_DEBUG",
        "MULTICALL_IO_URING_MIN" => c"MULTICALL_IO_URING_MIN",
        "MULTICALL_COPY" => c"MULTICALL_COPY",
        _ => return None,
    };
    // SAFETY: getenv reads the environment with a NUL-terminated name and returns null or a
    // NUL-terminated string of the environment. glibc never frees the strings `setenv` and
    // `unsetenv` replace or remove, so the value stays readable; it is read once, at the
    // runtime's set-up, as a C program reading its environment would.
    let value = unsafe { libc::getenv(c_name.as_ptr()) };
    if value.is_null() {
        return None;
    }
    // SAFETY: non-null and NUL-terminated (above).
    unsafe { CStr::from_ptr(value) }.to_str().ok()
}

impl Runtime {
    /// Builds the selection from environment variables read through `var`, probing io_uring
    /// when it may be chosen and the module's device when `MULTICALL_BACKEND=kmod` asks for
    /// it (in `auto` mode the device is opened at the first batch that could use it).
    pub fn from_env<S: AsRef<str>>(var: impl Fn(&str) -> Option<S>) -> Runtime {
        let debug = var("MULTICALL_DEBUG").is_some();
        let backend_var = var("MULTICALL_BACKEND");
        let request = match backend_var.as_ref().map(|v| v.as_ref()) {
            None | Some("") | Some("auto") => Request::Auto,
            Some(name) => match Backend::parse(name) {
                Some(backend) => Request::Only(backend),
                None => {
                    say!(
                        "libmulticall: MULTICALL_BACKEND={name:?} is not a backend \
                         (use auto, kmod, io_uring or direct): using auto"
                    );
                    Request::Auto
                }
            },
        };
        let forced = |b: Backend| request == Request::Only(b);
        let uring_min = match var("MULTICALL_IO_URING_MIN") {
            Some(text) => match text.as_ref().parse::<usize>() {
                Ok(n) => Some(n.max(1)),
                Err(_) => {
                    let text = text.as_ref();
                    say!(
                        "libmulticall: MULTICALL_IO_URING_MIN={text:?} is not a number of \
                         entries: using the measured default"
                    );
                    URING_MIN_ENTRIES
                }
            },
            None => URING_MIN_ENTRIES,
        };
        let wants_uring =
            forced(Backend::IoUring) || (request == Request::Auto && uring_min.is_some());
        let mut uring_available = false;
        if wants_uring {
            match uring::probe() {
                Ok(()) => uring_available = true,
                Err(err) if debug || forced(Backend::IoUring) => say!(
                    "libmulticall: io_uring is not usable: {err}: batches run on the \
                     direct backend"
                ),
                Err(_) => {}
            }
        }
        if debug && request == Request::Auto && uring_min.is_none() {
            say!(
                "libmulticall: io_uring is not chosen automatically: it did not beat direct \
                 system calls at any measured batch size (set MULTICALL_IO_URING_MIN=N to \
                 use it from N entries)"
            );
        }
        let copy = !matches!(
            var("MULTICALL_COPY").as_ref().map(|v| v.as_ref()),
            Some("0")
        );
        let runtime = Runtime {
            request,
            kmod: OnceLock::new(),
            uring_available,
            uring_min,
            debug,
            copy,
            kmod_fallback_said: AtomicBool::new(false),
            kmod_watch_said: AtomicBool::new(false),
            kmod_opening: AtomicBool::new(false),
            plain_batch_seen: AtomicBool::new(false),
        };
        if forced(Backend::Kmod) {
            // Asked for by name: say at once when the device is not there.
            runtime.kmod();
        }
        runtime
    }

    /// The module's device, opened at the first call (once per process: forked children
    /// share it) when the request allows the module; `None` when it does not or the device
    /// does not open (said on stderr when the module was asked for or `MULTICALL_DEBUG` is
    /// set). A batch that finds the open begun and not finished (as [`runtime`]) runs
    /// without the module.
    fn kmod(&self) -> Option<&Kmod> {
        set_up_once(
            || self.kmod.get(),
            &self.kmod_opening,
            || {
                self.open_kmod();
                self.kmod.get()
            },
        )
        .and_then(|k| k.as_ref())
    }

    /// Opens the module's device once (see [`Runtime::kmod`]).
    fn open_kmod(&self) {
        let kmod = if matches!(self.request, Request::Auto | Request::Only(Backend::Kmod)) {
            match Kmod::open() {
                Ok(kmod) => Some(kmod),
                Err(err) => {
                    if self.debug || self.request == Request::Only(Backend::Kmod) {
                        say!(
                            "libmulticall: cannot open {}: {err}: the kmod backend is not \
                             used, batches run on the direct backend",
                            crate::abi::MC_DEVICE_PATH
                        );
                    }
                    None
                }
            }
        } else {
            None
        };
        let direct_only = kmod.is_none()
            && self.request == Request::Auto
            && !(self.uring_available && self.uring_min.is_some());
        let _ = self.kmod.set(kmod);
        if direct_only && BATCHES_PAY.swap(0, Ordering::Relaxed) != 0 && self.debug {
            say!(
                "libmulticall: batches run as the program's own calls from now on, but for \
                 merged writes and copy loops (on the direct backend they would make the \
                 same calls, one at a time)"
            );
        }
    }

    /// What `MULTICALL_BACKEND` asked for.
    pub fn request(&self) -> Request {
        self.request
    }

    /// The backend that runs batches in general: the forced one when it is available, in
    /// `auto` mode the module when its device opened, otherwise io_uring when it may be
    /// chosen, otherwise direct.
    pub fn primary(&self) -> Backend {
        match self.request {
            Request::Only(Backend::Kmod) if self.kmod().is_some() => Backend::Kmod,
            Request::Only(Backend::IoUring) if self.uring_available => Backend::IoUring,
            Request::Only(_) => Backend::Direct,
            Request::Auto if self.kmod().is_some() => Backend::Kmod,
            Request::Auto if self.uring_available => Backend::IoUring,
            Request::Auto => Backend::Direct,
        }
    }

    /// The backend that runs this batch (looped when `looped`). The batch need not be
    /// valid: an invalid one is refused before any backend sees it. When io_uring is a
    /// candidate, the batch's descriptors are examined (a few system calls).
    #[inline]
    pub fn backend_for(&self, entries: &[McEntry], looped: bool) -> Backend {
        let uring_fits =
            |min: usize| self.uring_available && entries.len() >= min && uring::maps(entries);
        match self.request {
            Request::Only(Backend::Kmod) if self.kmod().is_some() => Backend::Kmod,
            Request::Only(Backend::IoUring) if uring_fits(1) => Backend::IoUring,
            Request::Only(_) => Backend::Direct,
            Request::Auto => {
                // A single plain entry costs one crossing on the direct backend too: the
                // device is not even opened for it.
                if (entries.len() > 1 || looped)
                    && self.module_worth_it(looped)
                    && self.kmod().is_some()
                {
                    Backend::Kmod
                } else if self.uring_min.is_some_and(uring_fits) {
                    Backend::IoUring
                } else {
                    Backend::Direct
                }
            }
        }
    }

    /// In `auto` mode, whether a batch of two or more entries (looped when `looped`) should
    /// go to the module, opening its device if that has not been tried: always once the
    /// open was tried, and for a looped batch (whose iterations each save crossings); a
    /// plain batch only from the process's second one on. Opening the device costs up to
    /// three crossings (`openat`, `fcntl`, `close`: one, the failed `openat`, where there
    /// is no module), which one plain batch of two entries saves only in part: a process
    /// that runs one plain batch (a cluster on its start-up path, say) runs it on the
    /// direct backend and makes no crossing more than the original.
    fn module_worth_it(&self, looped: bool) -> bool {
        looped || self.kmod.get().is_some() || self.plain_batch_seen.swap(true, Ordering::Relaxed)
    }

    /// Runs the batch at `entries` (looped when `max_iters` is given) on the backend
    /// [`Runtime::backend_for`] names.
    ///
    /// # Safety
    ///
    /// `entries` is null or points to `count` valid, writable entries, and the system calls
    /// they describe are ones the caller could make itself.
    pub unsafe fn run(
        &self,
        entries: *mut McEntry,
        count: usize,
        max_iters: Option<u64>,
    ) -> Result<Outcome, RunError> {
        // SAFETY: forwarded from the caller.
        unsafe { self.run_flags(None, entries, count, max_iters, 0, PerEntry::NONE) }
    }

    /// Runs the batch on `backend` if it can run it exactly, else on the direct backend.
    ///
    /// # Safety
    ///
    /// As for [`Runtime::run`].
    pub unsafe fn run_with(
        &self,
        backend: Backend,
        entries: *mut McEntry,
        count: usize,
        max_iters: Option<u64>,
    ) -> Result<Outcome, RunError> {
        // SAFETY: forwarded from the caller.
        unsafe { self.run_flags(Some(backend), entries, count, max_iters, 0, PerEntry::NONE) }
    }

    /// Runs the batch as [`Runtime::run`] (`choice` `None`) or [`Runtime::run_with`] do,
    /// with `struct mc_batch` flags: `MC_BATCH_LOOP` (implied by `max_iters`),
    /// `MC_BATCH_DEAD_BUFFERS` (with `MC_BATCH_LIVE_AT_STOP`), `MC_BATCH_SUMS` and
    /// `MC_BATCH_ADVANCE`; other flags are refused (a watched word needs
    /// [`Runtime::run_batch`]). Takes the batch
    /// (a validated copy, [`Batch::take`]), runs a copy loop marked `MC_BATCH_DEAD_BUFFERS`
    /// specialised as far as [`copy::try_run`] goes, runs the rest on `choice` when that
    /// backend can run it, on the one [`Runtime::backend_for`] names when `choice` is `None`,
    /// and writes the results back. No backend sees `MC_BATCH_DEAD_BUFFERS`. With
    /// `MC_BATCH_SUMS`, `arrays.sums` (non-null, else the batch is refused) holds `count`
    /// values to which each completed iteration adds its entries' results, written back with
    /// the results; with `MC_BATCH_ADVANCE`, `arrays.advances` (non-null) says how arguments
    /// advance (such a batch never runs on io_uring, nor as an in-kernel copy). Without the
    /// flags the pointers must be null.
    ///
    /// # Safety
    ///
    /// As for [`Runtime::run`]; with `MC_BATCH_DEAD_BUFFERS`, the caller does not read the
    /// memory the batch's calls write after the batch; `arrays` is as [`PerEntry`] says.
    #[inline]
    pub unsafe fn run_flags(
        &self,
        choice: Option<Backend>,
        entries: *mut McEntry,
        count: usize,
        max_iters: Option<u64>,
        flags: u32,
        arrays: PerEntry,
    ) -> Result<Outcome, RunError> {
        if flags & MC_BATCH_WATCH != 0 {
            return Err(BatchError::BadWatch("MC_BATCH_WATCH without a watch pointer").into());
        }
        let mut batch = Batch::unfilled();
        // SAFETY: forwarded from the caller.
        unsafe {
            take(
                &mut batch,
                entries,
                count,
                max_iters,
                flags,
                arrays,
                Watching::None,
            )?
        };
        // SAFETY: forwarded from the caller; `batch` was taken from these entries and sums.
        unsafe { self.run_taken(choice, &mut batch, entries, flags, arrays.sums) }
    }

    /// Runs a whole `struct mc_batch` as the module's `MC_IOC_RUN` would, as
    /// [`Runtime::run_flags`] does with its fields: `entries`, `count`, `flags` (looped with
    /// `max_iters` when `MC_BATCH_LOOP` is set), `sums`, `advances`, and the watched word
    /// (`MC_BATCH_WATCH` with `watch` and `watch_mode`, checked by [`Watch::from_fields`]).
    /// `iterations`, `stop_index` and `resume` are not read (the C entry point refuses a
    /// non-zero `resume`, which belongs to the module) nor written.
    ///
    /// A watched batch runs on every backend: the direct and io_uring backends read the word
    /// after each completed iteration in the shared loop ([`Batch::run`]; io_uring submits
    /// one iteration at a time), the module reads it itself, and a module that does not know
    /// the watch (an older one) leaves the batch to the direct backend. It never runs as an
    /// in-kernel copy ([`copy::Refusal::Watched`]).
    ///
    /// # Safety
    ///
    /// As for [`Runtime::run_flags`], with the pointers of `batch`; with `MC_BATCH_WATCH`,
    /// `batch.watch` is readable after each iteration, as the caller's own loop test needs.
    pub unsafe fn run_batch(
        &self,
        choice: Option<Backend>,
        batch: &McBatch,
    ) -> Result<Outcome, RunError> {
        let looped = batch.flags & MC_BATCH_LOOP != 0;
        let entries = batch.entries as usize as *mut McEntry;
        let arrays = PerEntry {
            sums: batch.sums as usize as *mut i64,
            advances: batch.advances as usize as *const McAdvance,
        };
        let watch = Watch::from_fields(batch.flags, batch.watch, batch.watch_mode)?;
        // SAFETY: forwarded from the caller: with MC_BATCH_WATCHES, `watches` points to
        // `nwatches` readable watches (their number is checked before they are read).
        let list = unsafe { watch_list(batch)? };
        let watching = match (watch, list) {
            (Some(_), Some(_)) => {
                return Err(BatchError::BadWatches("MC_BATCH_WATCHES with MC_BATCH_WATCH").into())
            }
            (Some(watch), None) => Watching::One(watch),
            (None, Some(list)) => Watching::List(list),
            (None, None) => Watching::None,
        };
        let count = batch.count as usize;
        let max_iters = looped.then_some(batch.max_iters);
        let flags = batch.flags & !(MC_BATCH_WATCH | MC_BATCH_WATCHES);
        let mut taken = Batch::unfilled();
        // SAFETY: forwarded from the caller.
        unsafe {
            take(
                &mut taken, entries, count, max_iters, flags, arrays, watching,
            )?
        };
        // SAFETY: forwarded from the caller; `taken` was taken from these entries and sums.
        unsafe { self.run_taken(choice, &mut taken, entries, flags, arrays.sums) }
    }

    /// Runs `batch`, taken from the caller's `entries` and `sums` with `flags` (without
    /// `MC_BATCH_WATCH`, which the batch holds), and writes the results back: the part of
    /// [`Runtime::run_flags`] after the batch is taken.
    ///
    /// # Safety
    ///
    /// As for [`Runtime::run_batch`]; `entries` and `sums` are the ones `batch` was taken
    /// from.
    #[inline]
    unsafe fn run_taken(
        &self,
        choice: Option<Backend>,
        batch: &mut Batch,
        entries: *mut McEntry,
        flags: u32,
        sums: *mut i64,
    ) -> Result<Outcome, RunError> {
        // SAFETY: the caller's count writable entries, and sums when the batch keeps them.
        let write_back = |batch: &Batch| unsafe {
            batch.write_back(entries);
            batch.write_back_sums(sums);
        };
        let backend = match choice {
            None => self.backend_for(batch.entries(), batch.looped()),
            Some(backend) => {
                let usable = match backend {
                    Backend::Kmod => self.kmod().is_some(),
                    Backend::IoUring => self.uring_available && uring::maps(batch.entries()),
                    Backend::Direct => true,
                };
                if usable {
                    backend
                } else {
                    Backend::Direct
                }
            }
        };
        // io_uring was checked on the submitted arguments, which advancing changes; and it
        // sends a whole iteration at once, so a word watched within one must go direct.
        let backend = match backend {
            Backend::IoUring if batch.advances().is_some() || batch.watches_within() => {
                Backend::Direct
            }
            other => other,
        };
        // Iterations run before the last part of the batch: the plain loop's first ones and
        // the specialised copy's.
        let mut before = 0;
        if flags & MC_BATCH_DEAD_BUFFERS != 0 && self.copy && batch.looped() {
            // SAFETY: forwarded from the caller.
            match unsafe { self.run_copy(backend, batch, flags) } {
                CopyRun::Ended(outcome) => {
                    write_back(batch);
                    return outcome;
                }
                CopyRun::Rest { iterations } => before = iterations,
            }
        }
        // SAFETY: forwarded from the caller.
        let outcome = unsafe { self.run_on(backend, batch) };
        write_back(batch);
        after(outcome, before, batch.count())
    }

    /// The part of [`Runtime::run_taken`] for a looped batch marked `MC_BATCH_DEAD_BUFFERS`:
    /// runs it as far as a specialised copy goes ([`copy::warm_up`], [`copy::try_run`]),
    /// which is how it ended, or how many iterations ran before the plain loop takes the rest.
    ///
    /// # Safety
    ///
    /// As for [`Runtime::run_taken`].
    #[inline(never)]
    unsafe fn run_copy(&self, backend: Backend, batch: &mut Batch, flags: u32) -> CopyRun {
        let Ok((warm, shape)) = copy::warm_up(batch) else {
            return CopyRun::Rest { iterations: 0 };
        };
        // SAFETY: forwarded from the caller.
        if let Some(outcome) = unsafe { self.run_ahead(backend, batch, warm) } {
            // It stopped (or ended early, or could not run): that is the whole batch.
            return CopyRun::Ended(outcome);
        }
        let mut before = warm;
        let live_at_stop = flags & MC_BATCH_LIVE_AT_STOP != 0;
        // At most twice: a copy into a pipe may first need the plain loop to bring its
        // input to a page boundary (`copy::Decision::AlignFirst`).
        for attempt in 0..2 {
            // SAFETY: forwarded from the caller, who does not read the buffers
            // afterwards (or, with MC_BATCH_LIVE_AT_STOP, only after a stop past entry 0,
            // where copy::run leaves them as the plain loop would).
            match unsafe { copy::try_run(batch, &shape, live_at_stop) } {
                None => {}
                Some(copy::Progress::Done {
                    stop_index,
                    iterations,
                }) => {
                    return CopyRun::Ended(Ok(Outcome {
                        stop_index,
                        iterations: before + iterations,
                    }));
                }
                Some(copy::Progress::Rest { iterations }) => before += iterations,
                Some(copy::Progress::AlignFirst { iterations }) if attempt == 0 => {
                    // SAFETY: forwarded from the caller.
                    match unsafe { self.run_ahead(backend, batch, iterations) } {
                        None => {
                            before += iterations;
                            continue;
                        }
                        Some(outcome) => {
                            return CopyRun::Ended(after(outcome, before, batch.count()));
                        }
                    }
                }
                Some(copy::Progress::AlignFirst { .. }) => {}
            }
            break;
        }
        CopyRun::Rest { iterations: before }
    }

    /// Runs the first `k` of the iterations the batch has left on `backend` (the plain loop
    /// ahead of a specialised copy): `None` when all `k` ran, the batch then bounded by the
    /// iterations left after them; else how that run ended, which ends the batch.
    ///
    /// # Safety
    ///
    /// As for [`Runtime::run_on`].
    unsafe fn run_ahead(
        &self,
        backend: Backend,
        batch: &mut Batch,
        k: u64,
    ) -> Option<Result<Outcome, RunError>> {
        let left = batch.max_iters().unwrap_or(0);
        batch.set_max_iters(k);
        // SAFETY: forwarded from the caller.
        match unsafe { self.run_on(backend, batch) } {
            Ok(o) if o.stop_index == batch.count() && o.iterations == k => {
                batch.set_max_iters(left - k);
                None
            }
            other => Some(other),
        }
    }

    /// Runs a batch on `backend`, falling back to direct when the backend turns out unable
    /// to run it (nothing ran then).
    ///
    /// # Safety
    ///
    /// The calls are ones the caller could make itself.
    #[inline]
    unsafe fn run_on(&self, backend: Backend, batch: &mut Batch) -> Result<Outcome, RunError> {
        match backend {
            Backend::Kmod => {
                if let Some(kmod) = self.kmod() {
                    // SAFETY: forwarded from the caller.
                    match unsafe { kmod.run(batch) } {
                        Ok(outcome) => return Ok(outcome),
                        Err(KmodError::Refused(err)) => return Err(RunError::Refused(err)),
                        Err(err @ KmodError::NoWatch(..)) => {
                            if self.debug && !self.kmod_watch_said.swap(true, Ordering::Relaxed) {
                                say!(
                                    "libmulticall: {err}: watched batches run on the direct \
                                     backend"
                                );
                            }
                        }
                        Err(err @ KmodError::Unavailable(_)) => {
                            if self.debug && !self.kmod_fallback_said.swap(true, Ordering::Relaxed)
                            {
                                say!("libmulticall: {err}: running it on the direct backend");
                            }
                        }
                    }
                }
            }
            Backend::IoUring => {
                // SAFETY: forwarded from the caller; the batch maps (checked by the caller).
                match unsafe { uring::run(batch) } {
                    Ok(outcome) => return Ok(outcome),
                    Err(err) => {
                        if self.debug {
                            say!("libmulticall: io_uring: {err}: running it on the direct backend");
                        }
                    }
                }
            }
            Backend::Direct => {}
        }
        // SAFETY: forwarded from the caller.
        Ok(unsafe { direct::run(batch) })
    }
}

/// The watched words of a batch: `MC_BATCH_WATCH`'s one, or `MC_BATCH_WATCHES`'s list.
#[derive(Debug, Clone, Copy)]
enum Watching {
    None,
    One(Watch),
    List(([McWatch; MC_MAX_WATCHES], usize)),
}

/// A copy of the list of watched words of `batch` (`MC_BATCH_WATCHES`): `None` without the
/// flag, when `watches`, `nwatches` and `reserved` must be zero (as `reserved` always).
///
/// # Safety
///
/// With the flag, `batch.watches` points to `batch.nwatches` readable `struct mc_watch`, when
/// that is 1 ..= `MC_MAX_WATCHES` (nothing is read otherwise); it may be unaligned.
unsafe fn watch_list(
    batch: &McBatch,
) -> Result<Option<([McWatch; MC_MAX_WATCHES], usize)>, BatchError> {
    if batch.reserved != 0 {
        return Err(BatchError::BadWatches(
            "struct mc_batch.reserved is not zero",
        ));
    }
    if batch.flags & MC_BATCH_WATCHES == 0 {
        return match (batch.watches, batch.nwatches) {
            (0, 0) => Ok(None),
            _ => Err(BatchError::BadWatches(
                "a non-zero watches or nwatches without MC_BATCH_WATCHES",
            )),
        };
    }
    let n = batch.nwatches as usize;
    if batch.watches == 0 {
        return Err(BatchError::BadWatches(
            "MC_BATCH_WATCHES with a null watches pointer",
        ));
    }
    if n == 0 || n > MC_MAX_WATCHES {
        return Err(BatchError::BadWatches(
            "nwatches is not 1 ..= MC_MAX_WATCHES",
        ));
    }
    let mut list = [McWatch::default(); MC_MAX_WATCHES];
    let from = batch.watches as usize as *const McWatch;
    for (k, slot) in list.iter_mut().enumerate().take(n) {
        // SAFETY: k < n readable watches (the caller's contract), read unaligned as copies.
        *slot = unsafe { from.add(k).read_unaligned() };
    }
    Ok(Some((list, n)))
}

/// Takes the batch at `entries` (looped when `max_iters` is given) with `flags` and
/// `arrays`, and the watched words `watching`: checks the flags and the pointers that go with
/// them, then copies and validates it ([`Batch::take`], [`Batch::take_advances`],
/// [`Batch::take_sums`], [`Batch::set_watch`], [`Batch::set_watches`]). Nothing runs.
///
/// # Safety
///
/// `entries` is null or points to `count` readable entries; `arrays` is as [`PerEntry`]
/// says for `flags`.
#[inline]
unsafe fn take(
    batch: &mut Batch,
    entries: *mut McEntry,
    count: usize,
    max_iters: Option<u64>,
    flags: u32,
    arrays: PerEntry,
    watching: Watching,
) -> Result<(), BatchError> {
    let known = MC_BATCH_LOOP
        | MC_BATCH_DEAD_BUFFERS
        | MC_BATCH_LIVE_AT_STOP
        | MC_BATCH_SUMS
        | MC_BATCH_ADVANCE;
    if flags & !known != 0 {
        return Err(BatchError::UnknownFlags(flags));
    }
    if (flags & MC_BATCH_SUMS != 0) == arrays.sums.is_null() {
        return Err(BatchError::Sums);
    }
    if (flags & MC_BATCH_ADVANCE != 0) == arrays.advances.is_null() {
        return Err(BatchError::Advances);
    }
    // SAFETY: forwarded from the caller: count readable entries.
    unsafe { batch.fill(entries, count, max_iters)? };
    if !arrays.advances.is_null() {
        // SAFETY: the caller's count readable descriptors.
        unsafe { batch.take_advances(arrays.advances)? };
    }
    match watching {
        Watching::None => {}
        Watching::One(watch) => batch.set_watch(watch)?,
        Watching::List((list, n)) => batch.set_watches(&list[..n])?,
    }
    if !arrays.sums.is_null() {
        // SAFETY: the caller's count readable values.
        unsafe { batch.take_sums(arrays.sums) };
    }
    Ok(())
}

/// How [`Runtime::run_copy`] left a batch.
enum CopyRun {
    /// The batch ended (a stop, an early end, or an error): its outcome.
    Ended(Result<Outcome, RunError>),
    /// The plain loop runs the rest, after these iterations.
    Rest { iterations: u64 },
}

/// A batch's outcome from the run that ended it, after `before` iterations ran ahead of that
/// run: its iterations added; a refusal of the backend after some ran ends the looped batch
/// early (all `count` entries ran in each, as when a signal is pending).
fn after(
    outcome: Result<Outcome, RunError>,
    before: u64,
    count: usize,
) -> Result<Outcome, RunError> {
    match outcome {
        Ok(outcome) => Ok(Outcome {
            iterations: outcome.iterations + before,
            ..outcome
        }),
        Err(_) if before > 0 => Ok(Outcome {
            stop_index: count,
            iterations: before,
        }),
        Err(err) => Err(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn parses_requests() {
        assert_eq!(Runtime::from_env(env(&[])).request(), Request::Auto);
        assert_eq!(
            Runtime::from_env(env(&[("MULTICALL_BACKEND", "direct")])).request(),
            Request::Only(Backend::Direct)
        );
        assert_eq!(
            Runtime::from_env(env(&[("MULTICALL_BACKEND", "bogus")])).request(),
            Request::Auto
        );
    }

    #[test]
    fn direct_request_runs_direct() {
        let rt = Runtime::from_env(env(&[("MULTICALL_BACKEND", "direct")]));
        assert_eq!(rt.primary(), Backend::Direct);
        let batch = [McEntry::new(libc::SYS_getpid, &[]); 4];
        assert_eq!(rt.backend_for(&batch, true), Backend::Direct);
    }

    #[test]
    fn the_first_plain_batch_does_not_open_the_device_in_auto_mode() {
        let rt = Runtime::from_env(env(&[]));
        let two = [McEntry::new(libc::SYS_getpid, &[]); 2];
        assert_eq!(rt.backend_for(&two, false), Backend::Direct);
        assert!(
            rt.kmod.get().is_none(),
            "a process that runs one plain batch pays nothing for the device"
        );
        let _ = rt.backend_for(&two, false);
        assert!(
            rt.kmod.get().is_some(),
            "the second plain batch tries the device"
        );
    }

    #[test]
    fn a_looped_batch_tries_the_device_at_once_in_auto_mode() {
        let rt = Runtime::from_env(env(&[]));
        let two = [McEntry::new(libc::SYS_getpid, &[]); 2];
        let _ = rt.backend_for(&two, true);
        assert!(rt.kmod.get().is_some());
        let forced = Runtime::from_env(env(&[("MULTICALL_BACKEND", "kmod")]));
        assert!(
            forced.kmod.get().is_some(),
            "MULTICALL_BACKEND=kmod opens the device before the first batch"
        );
    }

    #[test]
    fn single_entries_never_take_the_module_in_auto_mode() {
        let rt = Runtime::from_env(env(&[]));
        let one = [McEntry::new(libc::SYS_getpid, &[])];
        assert_eq!(rt.backend_for(&one, false), Backend::Direct);
        assert!(
            rt.kmod.get().is_none(),
            "the device is not even opened for a single plain entry"
        );
    }
}
