//! The io_uring backend: a batch becomes one chain of linked submission queue entries,
//! submitted and reaped with one `io_uring_enter`.
//!
//! Only batches whose meaning survives the translation exactly are sent this way
//! ([`maps`]); every other batch runs on the direct backend. An entry maps when it has no
//! result references and its call and stop predicate have an exact io_uring counterpart:
//!
//! | call | io_uring | predicates that map (all but the last entry) |
//! |---|---|---|
//! | `read(fd, buf, n)` | `READ`, offset -1 (file position) | never (hard link), short transfer `NE_ARG` on `n` (link) |
//! | `write(fd, buf, n)` | `WRITE`, offset -1 (/dev/null only, below) | the same |
//! | `close(fd)` | `CLOSE`, last entry only (see below) | — |
//! | `fsync(fd)`, `fdatasync(fd)` | `FSYNC` (`DATASYNC`) | never (hard link), `NEG` (link) |
//!
//! A link is severed exactly when its predicate fires: io_uring fails a read or write link
//! on any result other than the full length (an error, end of file or a short transfer) and
//! any other link on a negative result; a hard link is never severed. The last entry's
//! predicate is tested after the chain has completed. A read or write maps only for a
//! length `n` of at most [`MAX_RW_COUNT`]: the kernel cuts every transfer to that length,
//! and io_uring compares the result with the cut length where the predicate compares it
//! with `n`, so a longer transfer would not sever the link where the predicate fires. A
//! closed file is released after its request completes, so `close` is only mapped as the
//! last entry: a later request would still see the file open.
//!
//! Descriptors: io_uring may run a request in one of its worker threads instead of the
//! calling thread (always for files that cannot be read or written without blocking, such
//! as procfs files), and it waits for readiness and through signals where the system call
//! would not. The translation is exact, and the chain sure to complete, only where neither
//! matters, so a batch is sent this way only when every descriptor it names is one of these
//! or is not open at all (EBADF either way); the backend asks the kernel (`fstat`, and for a
//! regular file that no write names `fcntl(F_GETFL)` and `fstatfs`, one of each per distinct
//! descriptor, stopping at the first that does not map) before every batch
//! ([`descriptors_map`]):
//!
//! - a regular file opened without `O_NONBLOCK` on one of [`TASK_INDEPENDENT_FILESYSTEMS`]:
//!   ext2/3/4, XFS and btrfs on a block device, tmpfs and ramfs in memory. Their reads and
//!   writes go through the page cache and depend on the calling thread only through its
//!   credentials (io_uring issues every request with the submitter's, in its workers too),
//!   its memory (which the workers share), the file-size limit (see below) and fatal
//!   signals, so their results do not depend on which thread of the process makes them;
//! - /dev/null, whose read returns 0 and whose write returns the length without looking at
//!   the caller or the buffer.
//!
//! Everything else runs on the direct backend, in particular regular files of filesystems
//! whose files describe or act on the calling thread (procfs: `/proc/thread-self/stat` read
//! by a worker says the caller sleeps, a write to `/proc/self/timerslack_ns` from a worker is
//! refused with EPERM, a read of `/proc/kmsg` is not interrupted by a signal; sysfs, debugfs,
//! tracefs, cgroupfs, configfs and the like), of network and FUSE filesystems (whose servers
//! see the calling thread), of stacking filesystems such as overlayfs (the filesystem that
//! does the work cannot be known from the descriptor), and of any filesystem not on the
//! list. Elsewhere io_uring differs from the system call, and may never complete:
//!
//! - on a pollable file (pipe, socket, terminal) io_uring waits for readiness where
//!   `read(2)`/`write(2)` on an `O_NONBLOCK` descriptor fail with EAGAIN: an empty
//!   non-blocking pipe, or a pipe whose other end is in this very thread, makes the chain
//!   wait forever;
//! - a blocked request is not interrupted by a signal (see below): a read of a terminal
//!   nobody types into (a program's stdin on a console) or of a pipe whose writer waits for
//!   the same thread waits forever inside `io_uring_enter`, its io-wq worker idle, where the
//!   direct read would return -EINTR to the signal handler's program;
//! - a character device may give a shorter transfer than the system call (io_uring's
//!   non-blocking first attempt reads /dev/zero up to a page boundary when the scheduler
//!   wants the CPU back);
//! - `close` of an io_uring instance is refused by io_uring (EBADF) but not by `close(2)`;
//! - a write past the file-size limit (`RLIMIT_FSIZE`) fails with EFBIG in io_uring, where
//!   `write(2)` also sends SIGXFSZ to the writer (by default, killing it): a batch with a
//!   write is sent this way only while the limit is infinite ([`file_size_limit_maps`]);
//! - a write to a regular file that the disk fills midway: io_uring tries the rest of the
//!   short write again and, when that fails, reports the bytes written but leaves the file
//!   position where the write began (Linux 6.18: a batch of writes of 512, 2 and 512 bytes on
//!   a tmpfs with 256 bytes left gives 256, 2, 254 and the position 2 bytes past where it
//!   began, where `write(2)` gives 256, -ENOSPC, -ENOSPC and the position at the end), so the
//!   next write overwrites what was written: writes map only to /dev/null, reads to regular
//!   files too.
//!
//! The check and the submission are two steps: a descriptor that another thread replaces
//! in between (`dup2`) is that program's own race, as it would be for the direct calls.
//! The checks cost crossings, which is why `auto` never picks this backend unless
//! `MULTICALL_IO_URING_MIN` asks for it.
//!
//! The chain is built once per batch from the copy taken at submission
//! ([`crate::batch::Batch`]) and submitted once per iteration; [`crate::batch::Batch::run`]
//! reads its results as the direct backend's calls. One iteration per submission is also
//! what makes a watched word (`MC_BATCH_WATCH`) exact here: the shared loop reads it between
//! two submissions, after every request of the iteration has completed and after any
//! handler of a signal that came during the wait has run, as on the direct backend; a chain
//! of several iterations would run the next ones before the word could be read. (No call
//! that maps raises a signal itself: writes map only to /dev/null, under an infinite
//! file-size limit.) The requests after a severed link
//! complete with -ECANCELED without running, and their result fields are left untouched, as
//! on the direct backend. `pread`/`pwrite` do not map (io_uring ignores the offset of a
//! pipe where the call fails with ESPIPE), nor `NONPOS` on a read (a short read would also
//! sever the link).
//!
//! Signals: io_uring waits through signal handlers: an interrupted wait is resumed until
//! every request of the chain has completed, and a read blocked on a pipe is not
//! interrupted as a direct `read` would be (-EINTR). That is why `auto` picks this backend
//! only from a measured batch size, and only for batches it maps.
//!
//! Worker threads: a request that cannot complete at once (a read of tmpfs) goes to one of
//! io_uring's worker threads, and when the thread has none and the kernel cannot start one
//! (it refuses while a signal is pending), the request completes with -ECANCELED without
//! running. Every new ring therefore starts a worker first, with signals blocked
//! ([`start_worker`]); and an entry whose request was cancelled although no link before it
//! was severed runs on the direct backend, like every later entry of that iteration, whose
//! requests were cancelled with it.
//!
//! Rings are per thread (no locking) and per process: a ring inherited across `fork`
//! shares its queues with the parent, so the child drops it and makes its own (a
//! `pthread_atfork` child handler bumps a generation counter).

use crate::abi::{
    McEntry, MC_MAX_ARGS, MC_MAX_ENTRIES, MC_STOP_NEG, MC_STOP_NEVER, MC_STOP_NE_ARG,
};
use crate::batch::{Batch, Calls, Outcome};
use crate::descriptor;
use io_uring::{opcode, squeue, types, IoUring};
use std::cell::RefCell;
use std::io;
use std::os::fd::AsRawFd;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

/// The most bytes one read or write transfers (the kernel's `MAX_RW_COUNT`, `INT_MAX &
/// PAGE_MASK`): longer transfers are cut to it.
pub const MAX_RW_COUNT: u32 = 0x7fff_f000;

pub use crate::descriptor::TASK_INDEPENDENT_FILESYSTEMS;

struct Ring {
    generation: u64,
    ring: IoUring,
}

thread_local! {
    static RING: RefCell<Option<Ring>> = const { RefCell::new(None) };
}

static FORK_GENERATION: AtomicU64 = AtomicU64::new(0);
/// The fork handler is registered.
static ATFORK: AtomicBool = AtomicBool::new(false);

extern "C" fn after_fork_in_child() {
    FORK_GENERATION.fetch_add(1, Ordering::Relaxed);
}

/// Registers [`after_fork_in_child`] when the library is loaded, before any batch runs:
/// `pthread_atfork` takes a lock of libc's, which a signal handler that jumped out of a batch
/// with `siglongjmp` would leave held for ever (the next `fork`, or `exit`, would wait on it).
#[used]
#[link_section = ".init_array"]
static REGISTER_AT_LOAD: extern "C" fn() = register_at_load;

extern "C" fn register_at_load() {
    register_atfork();
}

/// Registers [`after_fork_in_child`] unless it is (at load, [`REGISTER_AT_LOAD`]; here again
/// only if the loader did not run it). Nothing waits here (a `Once` would wait for ever in a
/// signal handler that interrupted it, or after a handler jumped out of it): two threads, or
/// a handler and the code it interrupted, may both register it, and a fork then counts two
/// generations, which tells the child from the parent as well.
fn register_atfork() {
    if ATFORK.load(Ordering::Acquire) {
        return;
    }
    // SAFETY: registers a handler that only increments an atomic, which is async-signal-safe
    // and valid in the child of a fork.
    unsafe { libc::pthread_atfork(None, None, Some(after_fork_in_child)) };
    ATFORK.store(true, Ordering::Release);
}

/// A new ring whose descriptor sits above [`crate::fds::floor`], with a worker thread
/// ready ([`start_worker`]).
///
/// The ring defers its task work to the next `io_uring_enter` that waits
/// (`IORING_SETUP_DEFER_TASKRUN`, with `IORING_SETUP_SINGLE_ISSUER`: rings are per thread,
/// Linux 6.1). Otherwise io_uring hands the completions its workers finish to the thread as
/// task work that marks it as having a signal pending (`TIF_NOTIFY_SIGNAL`), which may arrive
/// after the batch has returned: a blocking system call the program then makes stops as at
/// a signal, and a `write` into a pipe that had written part of its bytes returns short
/// where the original's never does. On an older kernel the ring is set up without them.
fn new_ring() -> io::Result<IoUring> {
    // The set-up goes through libc's `syscall` (and `mmap`), which write errno on failure.
    let ring = crate::errno::restored_on_failure(|| {
        IoUring::builder()
            .setup_single_issuer()
            .setup_defer_taskrun()
            .build(MC_MAX_ENTRIES as u32)
            .or_else(|_| IoUring::new(MC_MAX_ENTRIES as u32))
    })?;
    if !ring.params().is_feature_rw_cur_pos() {
        return Err(io::Error::new(
            io::ErrorKind::Unsupported,
            "this kernel's io_uring cannot read or write at the file position (IORING_FEAT_RW_CUR_POS, Linux 5.6)",
        ));
    }
    let ring = moved_high(ring)?;
    start_worker(&ring)?;
    Ok(ring)
}

/// `ring` on a descriptor at or above [`crate::fds::floor`] (as it was when none is free).
fn moved_high(ring: IoUring) -> io::Result<IoUring> {
    let params = ring.params().clone();
    let Some(high) = crate::fds::dup_high(ring.as_raw_fd()) else {
        return Ok(ring);
    };
    // Unmaps the queues and closes the low descriptor; the ring lives on through `high`.
    drop(ring);
    // SAFETY: high refers to the ring just set up, nothing has been submitted on it, and
    // params are the ones the kernel filled in for it.
    crate::errno::restored_on_failure(|| unsafe { IoUring::from_fd(high, params) })
}

/// Makes sure this thread's io_uring has a worker thread before any batch: a request that
/// cannot complete at once (a read of tmpfs) goes to a worker, and when the thread has none
/// and the kernel cannot start one (it refuses while a signal is pending: a program with a
/// fast interval timer), the request completes with -ECANCELED without running, and the
/// requests hard-linked after it run without it. Once one worker exists it stays (the last
/// worker of a thread does not time out) and requests wait for it instead. So a request that
/// must go to a worker (a no-op with `IOSQE_ASYNC`) is submitted once, with every signal
/// blocked so that none is pending while the worker starts; the signals that came meanwhile
/// are delivered when the mask is put back. A ring whose no-op is cancelled even so is not
/// used (the kernel cannot start a worker: `RLIMIT_NPROC`, say).
fn start_worker(ring: &IoUring) -> io::Result<()> {
    let nop = opcode::Nop::new()
        .build()
        .flags(squeue::Flags::ASYNC)
        .user_data(u64::MAX);
    // SAFETY: sigset_t is a plain C struct; sigfillset initialises it.
    let mut all: libc::sigset_t = unsafe { std::mem::zeroed() };
    // SAFETY: as above.
    let mut old: libc::sigset_t = unsafe { std::mem::zeroed() };
    // SAFETY: sigfillset writes the valid set; pthread_sigmask reads and writes valid sets
    // and reports failure by its return value, not errno.
    unsafe {
        libc::sigfillset(&mut all);
        libc::pthread_sigmask(libc::SIG_SETMASK, &all, &mut old);
    }
    let ran = submit_one(ring, &nop);
    // SAFETY: puts back the mask saved above.
    unsafe { libc::pthread_sigmask(libc::SIG_SETMASK, &old, std::ptr::null_mut()) };
    match ran? {
        result if result == -libc::ECANCELED => Err(io::Error::other(
            "io_uring could not start a worker thread for this thread",
        )),
        _ => Ok(()),
    }
}

/// Submits `sqe` alone on the empty `ring` and waits for its completion: its result.
fn submit_one(ring: &IoUring, sqe: &squeue::Entry) -> io::Result<i32> {
    // SAFETY: the no-op names no memory; the queue is empty (a new ring), and its shared
    // views are only taken here, one at a time, as the crate's `&mut` API does.
    unsafe {
        ring.submission_shared()
            .push(sqe)
            .map_err(|_| io::Error::other("the submission queue is full"))?;
    }
    enter_ring(ring, 1, 1)?;
    // SAFETY: as above.
    let result = unsafe { ring.completion_shared() }
        .next()
        .map(|cqe| cqe.result())
        .ok_or_else(|| io::Error::other("no completion"))?;
    Ok(result)
}

/// Checks that this process can set up a ring with what the backend needs. The ring is
/// kept as this thread's, not closed: closing a ring that a thread has used makes the
/// kernel send that thread task work (`io_ring_exit_work` removing its context), which
/// marks it as having a signal pending (`TIF_NOTIFY_SIGNAL`) whenever the kernel worker gets
/// to it, and the blocking system call the program makes then stops as at a signal: a
/// `write` into a full pipe that had written part of its bytes returns short.
pub fn probe() -> io::Result<()> {
    register_atfork();
    let ring = new_ring()?;
    let generation = FORK_GENERATION.load(Ordering::Relaxed);
    // A thread that is exiting, or whose ring is in use, drops this one.
    let _ = RING.try_with(move |cell| {
        if let Ok(mut slot) = cell.try_borrow_mut() {
            if slot.is_none() {
                *slot = Some(Ring { generation, ring });
            }
        }
    });
    Ok(())
}

/// The submission queue entry for `entry`, or `None` when it does not map exactly.
fn sqe_for(entry: &McEntry, last: bool) -> Option<squeue::Entry> {
    if entry.refs != 0 {
        return None;
    }
    // The kernel takes the descriptor as a 32-bit int.
    let fd = types::Fd(i32::try_from(entry.args[0]).ok()?);
    let (sqe, transfer) = match entry.nr as i64 {
        libc::SYS_read => {
            let len = transfer_length(entry)?;
            let buf = entry.args[1] as usize as *mut u8;
            let sqe = opcode::Read::new(fd, buf, len).offset(u64::MAX).build();
            (sqe, true)
        }
        libc::SYS_write => {
            let len = transfer_length(entry)?;
            let buf = entry.args[1] as usize as *const u8;
            let sqe = opcode::Write::new(fd, buf, len).offset(u64::MAX).build();
            (sqe, true)
        }
        // io_uring releases a closed file after the request completes (task work), so a
        // later request of the chain would still see it open (a write to a pipe whose read
        // end was closed succeeds instead of failing with EPIPE): close maps only as the
        // last entry, whose release happens before the batch returns.
        libc::SYS_close if last => (opcode::Close::new(fd).build(), false),
        libc::SYS_fsync => (opcode::Fsync::new(fd).build(), false),
        libc::SYS_fdatasync => {
            let sqe = opcode::Fsync::new(fd)
                .flags(types::FsyncFlags::DATASYNC)
                .build();
            (sqe, false)
        }
        _ => return None,
    };
    let flags = if last {
        squeue::Flags::empty()
    } else {
        match entry.stop {
            MC_STOP_NEVER => squeue::Flags::IO_HARDLINK,
            MC_STOP_NEG if !transfer => squeue::Flags::IO_LINK,
            MC_STOP_NE_ARG if transfer && entry.stop_arg == 2 => squeue::Flags::IO_LINK,
            _ => return None,
        }
    };
    Some(sqe.flags(flags))
}

/// The length of a read or write, when io_uring's link on it severs exactly where a
/// short-transfer predicate fires: at most [`MAX_RW_COUNT`].
fn transfer_length(entry: &McEntry) -> Option<u32> {
    u32::try_from(entry.args[2])
        .ok()
        .filter(|&len| len <= MAX_RW_COUNT)
}

/// Whether the batch goes to io_uring: its shape maps ([`shape_maps`]) and so does every
/// descriptor it names ([`descriptors_map`]). Makes up to three system calls per distinct
/// descriptor.
pub fn maps(entries: &[McEntry]) -> bool {
    // The descriptors first: a write to anything but /dev/null or a closed descriptor ends
    // the question after one `fstat`, before the file-size limit is asked.
    shape_maps(entries) && descriptors_map(entries) && file_size_limit_maps(entries)
}

/// Whether the batch's writes behave as `write(2)` does under the process's file-size limit:
/// true for a batch without writes, or while `RLIMIT_FSIZE` is infinite. Under a finite
/// limit a write that crosses it must raise SIGXFSZ in this thread, which io_uring does not.
pub fn file_size_limit_maps(entries: &[McEntry]) -> bool {
    if !entries.iter().any(|e| e.nr as i64 == libc::SYS_write) {
        return true;
    }
    crate::sys::getrlimit(libc::RLIMIT_FSIZE)
        .is_ok_and(|limit| limit.rlim_cur == libc::RLIM_INFINITY)
}

/// Whether every entry of the batch, as a call and a stop predicate, maps exactly onto
/// io_uring (see the module docs). Reads nothing but the entries.
pub fn shape_maps(entries: &[McEntry]) -> bool {
    let count = entries.len();
    count > 0
        && count <= MC_MAX_ENTRIES
        && entries
            .iter()
            .enumerate()
            .all(|(i, e)| sqe_for(e, i + 1 == count).is_some())
}

/// What a descriptor is, as far as io_uring's exactness goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Descriptor {
    /// Not open: every request on it fails with EBADF, as the system call does.
    NotOpen,
    /// /dev/null: io_uring completes every request on it with the system call's result.
    Null,
    /// A regular file opened without `O_NONBLOCK` on one of [`TASK_INDEPENDENT_FILESYSTEMS`]:
    /// io_uring reads it with the system call's result and file position, whichever thread
    /// makes the request. Not its writes: see the module docs.
    Exact,
    /// Anything else (pipe, socket, terminal, other devices, directories, io_uring and other
    /// anonymous files, regular files opened `O_NONBLOCK`, regular files of any other
    /// filesystem: procfs, sysfs, FUSE, NFS, overlayfs, ...), or a descriptor that could not
    /// be examined: io_uring may differ or never complete.
    Other,
}

/// Asks the kernel what `fd` is (`fstat`, then `fcntl(F_GETFL)` and `fstatfs` for a regular
/// file).
pub fn classify(fd: i32) -> Descriptor {
    classify_for(fd, false)
}

/// As [`classify`]; for a descriptor a `write` names (`for_write`), a regular file is
/// [`Descriptor::Other`] after the `fstat` alone: a write maps only onto /dev/null or a
/// closed descriptor, so the flags and the file system would not change the answer.
fn classify_for(fd: i32, for_write: bool) -> Descriptor {
    let file = match descriptor::examine(fd) {
        Ok(file) => file,
        Err(libc::EBADF) => return Descriptor::NotOpen,
        Err(_) => return Descriptor::Other,
    };
    if file.is_dev_null() {
        Descriptor::Null
    } else if !for_write
        && file.is_regular()
        && file
            .status_flags()
            .is_some_and(|flags| flags & libc::O_NONBLOCK == 0)
        && file.on_task_independent_filesystem()
    {
        Descriptor::Exact
    } else {
        Descriptor::Other
    }
}

/// Whether every descriptor the batch names is one io_uring handles exactly and completes for
/// the entries that name it: [`Descriptor::NotOpen`] and [`Descriptor::Null`] for any entry,
/// [`Descriptor::Exact`] for any but a `write`. Each distinct descriptor is examined once;
/// errno is left as it was.
pub fn descriptors_map(entries: &[McEntry]) -> bool {
    let mut seen: Vec<(i64, Descriptor)> = Vec::new();
    entries.iter().all(|entry| {
        let fd = entry.args[0];
        let kind = match seen.iter().find(|(f, _)| *f == fd) {
            Some(&(_, kind)) => kind,
            None => {
                // A write's descriptor is Other unless closed or /dev/null, and then the
                // batch does not map whatever its other entries name.
                let for_write = i64::from(entry.nr) == libc::SYS_write;
                let kind =
                    i32::try_from(fd).map_or(Descriptor::Other, |fd| classify_for(fd, for_write));
                seen.push((fd, kind));
                kind
            }
        };
        match kind {
            Descriptor::NotOpen | Descriptor::Null => true,
            Descriptor::Exact => i64::from(entry.nr) != libc::SYS_write,
            Descriptor::Other => false,
        }
    })
}

/// The chain of a batch on a ring: submitted whole at the start of each iteration, its
/// completions then read entry by entry by [`Batch::run`].
struct Chain<'a> {
    ring: &'a mut IoUring,
    sqes: Vec<squeue::Entry>,
    results: [Option<i64>; MC_MAX_ENTRIES],
    /// An iteration failed: the ring's state is unknown, it is not used again.
    broken: bool,
}

impl Chain<'_> {
    /// Submits the chain and reaps every completion.
    ///
    /// # Safety
    ///
    /// As for [`run`].
    unsafe fn submit(&mut self) -> io::Result<()> {
        let count = self.sqes.len();
        self.results = [None; MC_MAX_ENTRIES];
        // SAFETY: every buffer named by the entries is valid for the transfer (the caller's
        // contract, exactly as for the system calls themselves) and stays valid until every
        // completion has been reaped below, before this function returns.
        unsafe { self.ring.submission().push_multiple(&self.sqes) }
            .map_err(|_| io::Error::other("the submission queue is full"))?;
        let submitted = self.enter(count, count)?;
        if submitted != count {
            return Err(io::Error::other(format!(
                "io_uring accepted {submitted} of {count} requests"
            )));
        }
        let mut reaped = 0;
        loop {
            for cqe in self.ring.completion() {
                if let Some(slot) = self.results.get_mut(cqe.user_data() as usize) {
                    if slot.replace(i64::from(cqe.result())).is_none() {
                        reaped += 1;
                    }
                }
            }
            if reaped >= count {
                return Ok(());
            }
            match self.enter(0, 1) {
                Ok(_) => {}
                // A signal handler ran; the requests are still in flight: keep waiting.
                Err(err) if err.raw_os_error() == Some(libc::EINTR) => {}
                Err(err) => return Err(err),
            }
        }
    }

    /// [`enter_ring`] on this chain's ring.
    fn enter(&self, submit: usize, wait: usize) -> io::Result<usize> {
        enter_ring(&*self.ring, submit, wait)
    }
}

/// `io_uring_enter`: submits `submit` queued requests and waits for `wait` completions; the
/// number submitted. A raw system call, which leaves errno alone: a signal handler that runs
/// during the wait may write errno, and the program must find that value after the batch
/// (the crate's own `submit_and_wait` goes through libc's `syscall`, which would overwrite it
/// with EINTR).
fn enter_ring(ring: &IoUring, submit: usize, wait: usize) -> io::Result<usize> {
    let args = [
        i64::from(ring.as_raw_fd()),
        submit as i64,
        wait as i64,
        i64::from(IORING_ENTER_GETEVENTS),
    ];
    // SAFETY: io_uring_enter on the ring's descriptor with no argument pointer; the requests
    // it submits were pushed by the caller, who vouches for their buffers.
    let done = unsafe { crate::sys::call(libc::SYS_io_uring_enter, &args) }
        .map_err(io::Error::from_raw_os_error)?;
    Ok(done as usize)
}

/// `IORING_ENTER_GETEVENTS` (`include/uapi/linux/io_uring.h`): wait for completions.
const IORING_ENTER_GETEVENTS: u32 = 1;

impl Calls for Chain<'_> {
    type Error = io::Error;

    unsafe fn start(&mut self, _: &[McEntry]) -> io::Result<()> {
        // SAFETY: forwarded from the caller.
        let submitted = unsafe { self.submit() };
        self.broken |= submitted.is_err();
        submitted
    }

    unsafe fn call(
        &mut self,
        index: usize,
        nr: u32,
        args: &[i64; MC_MAX_ARGS],
        _: &[McEntry],
    ) -> i64 {
        let result = self
            .results
            .get(index)
            .copied()
            .flatten()
            .unwrap_or(-i64::from(libc::ECANCELED));
        if result != -i64::from(libc::ECANCELED) {
            return result;
        }
        // The batch asks for an entry only while every entry before it let the path on, so
        // no link before it was severed: its request did not run (none of the calls that
        // map ends with ECANCELED by itself), cancelled by io_uring when no worker thread
        // could take it ([`start_worker`]), and the requests after it were cancelled with it
        // (a severed link). It runs now, as the direct backend runs it, and so does each
        // later entry the batch asks for. The ring is set up anew for the next batch.
        self.broken = true;
        // SAFETY: the caller's contract: these are calls it could make itself.
        unsafe { crate::direct::raw_syscall(nr, args) }
    }
}

/// The chain for `entries`, each request tagged with its index.
fn chain_for(entries: &[McEntry]) -> io::Result<Vec<squeue::Entry>> {
    let count = entries.len();
    entries
        .iter()
        .enumerate()
        .map(|(index, entry)| {
            sqe_for(entry, index + 1 == count)
                .map(|sqe| sqe.user_data(index as u64))
                .ok_or_else(|| {
                    io::Error::new(
                        io::ErrorKind::InvalidInput,
                        "the batch does not map onto io_uring",
                    )
                })
        })
        .collect()
}

/// Runs a batch that [`maps`] on this thread's ring, looped when it is. An error means the
/// batch did not run (the ring is dropped and made anew next time).
///
/// # Safety
///
/// The batch [`maps`]; the calls are ones the caller could make itself.
pub unsafe fn run(batch: &mut Batch) -> io::Result<Outcome> {
    let sqes = chain_for(batch.entries())?;
    let generation = FORK_GENERATION.load(Ordering::Relaxed);
    let attempt = RING.try_with(|cell| {
        let mut slot = cell.try_borrow_mut().map_err(|_| {
            io::Error::other("the ring of this thread is busy (re-entered from a signal handler)")
        })?;
        if slot.as_ref().is_none_or(|r| r.generation != generation) {
            // A ring from before a fork belongs to the parent: dropping the child's copy
            // unmaps and closes only the child's references.
            *slot = None;
            register_atfork();
            *slot = Some(Ring {
                generation,
                ring: new_ring()?,
            });
        }
        let Some(ring) = slot.as_mut() else {
            return Err(io::Error::other("no ring"));
        };
        let mut chain = Chain {
            ring: &mut ring.ring,
            sqes,
            results: [None; MC_MAX_ENTRIES],
            broken: false,
        };
        // SAFETY: forwarded from the caller.
        let outcome = unsafe { batch.run(&mut chain) };
        if chain.broken {
            *slot = None;
        }
        outcome
    });
    attempt.unwrap_or_else(|_| Err(io::Error::other("the thread is exiting")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abi::MC_STOP_NONPOS;

    #[test]
    fn rings_sit_above_the_descriptor_floor() {
        if let Ok(ring) = new_ring() {
            assert!(ring.as_raw_fd() >= crate::fds::floor());
        }
    }

    #[test]
    fn what_maps() {
        let read = McEntry::new(libc::SYS_read, &[3, 0, 16]);
        let write = McEntry::new(libc::SYS_write, &[4, 0, 16]);
        let getpid = McEntry::new(libc::SYS_getpid, &[]);
        assert!(shape_maps(&[read.stop(MC_STOP_NE_ARG, 2), write]));
        assert!(shape_maps(&[read, write.stop(MC_STOP_NONPOS, 0)]));
        assert!(!shape_maps(&[read.stop(MC_STOP_NONPOS, 0), write]));
        assert!(!shape_maps(&[read.stop(MC_STOP_NEG, 0), write]));
        assert!(!shape_maps(&[read, write.reference(2, 0)]));
        assert!(!shape_maps(&[getpid]));
        assert!(!shape_maps(&[]));
        let close = McEntry::new(libc::SYS_close, &[9]);
        assert!(!shape_maps(&[close.stop(MC_STOP_NEG, 0), close]));
        assert!(shape_maps(&[
            write.stop(MC_STOP_NE_ARG, 2),
            close.stop(MC_STOP_NEG, 0)
        ]));
        assert!(!shape_maps(&[McEntry::new(
            libc::SYS_read,
            &[1 << 40, 0, 1]
        )]));
    }

    #[test]
    fn transfers_above_the_kernel_limit_do_not_map() {
        let write = |len: i64| McEntry::new(libc::SYS_write, &[4, 0, len]).stop(MC_STOP_NE_ARG, 2);
        let read = McEntry::new(libc::SYS_read, &[3, 0, 1]);
        assert!(shape_maps(&[write(MAX_RW_COUNT as i64), read]));
        assert!(!shape_maps(&[write(MAX_RW_COUNT as i64 + 1), read]));
        assert!(!shape_maps(&[write(1 << 31), read]));
        assert!(
            !shape_maps(&[read, write(1 << 31)]),
            "nor as the last entry"
        );
    }

    #[test]
    fn regular_files_of_pseudo_filesystems_are_not_exact() {
        for path in [
            c"/proc/self/stat",
            c"/proc/self/timerslack_ns",
            c"/sys/kernel/uevent_seqnum",
        ] {
            // SAFETY: a valid C string; the descriptor is closed below.
            let fd = unsafe { libc::open(path.as_ptr(), libc::O_RDONLY | libc::O_CLOEXEC) };
            if fd < 0 {
                continue;
            }
            assert_eq!(classify(fd), Descriptor::Other, "{path:?}");
            // SAFETY: closing the descriptor opened above.
            unsafe { libc::close(fd) };
        }
    }

    fn open(path: &std::ffi::CStr, flags: i32) -> std::os::fd::OwnedFd {
        use std::os::fd::FromRawFd;
        // SAFETY: a valid C string; the descriptor is new and owned by the OwnedFd.
        let fd = unsafe { libc::open(path.as_ptr(), flags | libc::O_CLOEXEC, 0o600) };
        assert!(fd >= 0, "open {path:?}: {}", io::Error::last_os_error());
        // SAFETY: fd was just opened and is owned by nobody else.
        unsafe { std::os::fd::OwnedFd::from_raw_fd(fd) }
    }

    #[test]
    fn only_files_and_dev_null_are_exact() {
        let file = tempfile_fd();
        assert_eq!(classify(file.as_raw_fd()), Descriptor::Exact);
        let null = open(c"/dev/null", libc::O_RDWR);
        assert_eq!(classify(null.as_raw_fd()), Descriptor::Null);
        let zero = open(c"/dev/zero", libc::O_RDONLY);
        assert_eq!(classify(zero.as_raw_fd()), Descriptor::Other);
        let dir = open(c"/", libc::O_RDONLY | libc::O_DIRECTORY);
        assert_eq!(classify(dir.as_raw_fd()), Descriptor::Other);
        let mut ends = [0; 2];
        // SAFETY: ends is a valid array of two ints.
        assert_eq!(
            unsafe { libc::pipe2(ends.as_mut_ptr(), libc::O_CLOEXEC) },
            0
        );
        assert_eq!(classify(ends[0]), Descriptor::Other);
        assert_eq!(classify(ends[1]), Descriptor::Other);
        for fd in ends {
            // SAFETY: closing the pipe this test made.
            unsafe { libc::close(fd) };
        }
        // SAFETY: setting a status flag on this test's own descriptor.
        unsafe { libc::fcntl(file.as_raw_fd(), libc::F_SETFL, libc::O_NONBLOCK) };
        assert_eq!(classify(file.as_raw_fd()), Descriptor::Other);
        assert_eq!(classify(i32::MAX), Descriptor::NotOpen);
        let ring = new_ring().ok();
        if let Some(ring) = &ring {
            assert_eq!(classify(ring.as_raw_fd()), Descriptor::Other);
        }
        let read = |fd: i64| McEntry::new(libc::SYS_read, &[fd, 0, 1]);
        assert!(descriptors_map(&[
            read(null.as_raw_fd() as i64),
            read(i32::MAX as i64)
        ]));
        assert!(!descriptors_map(&[
            read(null.as_raw_fd() as i64),
            read(zero.as_raw_fd() as i64)
        ]));
        assert!(!descriptors_map(&[read(1 << 40)]));
        // A write maps onto /dev/null and a closed descriptor only; a file read by an earlier
        // entry stays a file its write may not go to.
        let write = |fd: i64| McEntry::new(libc::SYS_write, &[fd, 0, 1]);
        let fd = |f: &std::os::fd::OwnedFd| i64::from(f.as_raw_fd());
        let other = tempfile_fd();
        assert_eq!(classify_for(other.as_raw_fd(), true), Descriptor::Other);
        assert_eq!(classify_for(other.as_raw_fd(), false), Descriptor::Exact);
        assert!(descriptors_map(&[read(fd(&other)), write(fd(&null))]));
        assert!(descriptors_map(&[write(i64::from(i32::MAX))]));
        assert!(!descriptors_map(&[read(fd(&other)), write(fd(&other))]));
        assert!(!descriptors_map(&[write(fd(&other)), read(fd(&other))]));
    }

    #[test]
    fn writes_under_a_finite_file_size_limit_stay_direct() {
        let read = McEntry::new(libc::SYS_read, &[0, 0, 1]);
        let write = McEntry::new(libc::SYS_write, &[1, 0, 1]);
        let mut saved = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit writes into a valid rlimit.
        assert_eq!(
            unsafe { libc::getrlimit(libc::RLIMIT_FSIZE, &mut saved) },
            0
        );
        if saved.rlim_cur == libc::RLIM_INFINITY {
            assert!(file_size_limit_maps(&[read, write]));
        }
        // A finite limit far above anything the tests write (1 TiB), so other test threads
        // never cross it while it is in force.
        let finite = libc::rlimit {
            rlim_cur: 1 << 40,
            rlim_max: saved.rlim_max,
        };
        // SAFETY: setrlimit reads a valid rlimit; the soft limit stays below the hard one.
        if saved.rlim_max >= finite.rlim_cur
            && unsafe { libc::setrlimit(libc::RLIMIT_FSIZE, &finite) } == 0
        {
            let with_write = file_size_limit_maps(&[read, write]);
            let without = file_size_limit_maps(&[read, read]);
            // SAFETY: restores the limit read above.
            unsafe { libc::setrlimit(libc::RLIMIT_FSIZE, &saved) };
            assert!(!with_write);
            assert!(without);
        }
    }

    /// A regular file in the temporary directory, already unlinked.
    fn tempfile_fd() -> std::os::fd::OwnedFd {
        tempfile::tempfile().expect("a temporary file").into()
    }
}
