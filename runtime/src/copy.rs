//! Specialised copy loops: a looped batch `read(in, buf, N)` -> `write(out, buf, n)` whose
//! buffer is dead after the batch (`MC_BATCH_DEAD_BUFFERS`) runs as `copy_file_range`,
//! `sendfile` or `splice` in large chunks, with the outcome of the plain loop.
//!
//! Everything about it is in this file: [`recognise`] (the shape), [`plan`] (which kernel
//! operation, chosen once per batch from the descriptors' types and flags) and [`run`] (the
//! chunks and the exactness rule). The rest of the batch, from the point where a chunk
//! could differ from the plain loop, runs on the normal backend
//! ([`crate::backend::Runtime`]).
//!
//! # The exactness rule
//!
//! Write `N` for the read's length (the block) and call one plain iteration a *block*.
//!
//! 1. **Where a chunk may run.** A chunk asks for `k * N` bytes, `1 <= k <=` the iterations
//!    left of `max_iters`. A regular-file input is copied only inside the part that exists
//!    when the batch starts: whole blocks from its offset up to its size then (`st_size`);
//!    the last partial block, end of file and everything the file grows by afterwards are
//!    read by the plain loop. So each whole block a chunk moves is one iteration whose
//!    `read` returned `N` and whose `write` returned `N`.
//! 2. **A chunk that moved `c` bytes** counts `c / N` such iterations. When `c` is not a
//!    multiple of `N`, the block it ended in is *completed with the original's own calls on
//!    the dead buffer*: `read(in, buf, N - c % N)` takes `r2` bytes and, when `r2 > 0`,
//!    `write(out, buf, r2)` writes `w2`. That block is one iteration whose read result is `c % N + max(r2, 0)` and
//!    whose write result is `c % N + max(w2, 0)`: exactly what one `read(N)` and one
//!    `write` that stopped after those bytes return. When the two differ the batch stops at
//!    entry 1 (a short write), as the plain loop does; a write that stops the batch only at
//!    a failure (`MC_STOP_NEG`: a loop that ignores the count it wrote) completes the
//!    iteration instead, and the plain loop runs the rest from the next block, whose own
//!    `write` meets the output's failure where the original's does. A pipe input whose pipe is empty
//!    after the chunk (`FIONREAD` 0) needs no completion: the pipe held exactly the bytes
//!    the chunk took, and the plain loop's reads would have returned `N, ..., N, c % N`.
//! 3. **A chunk that failed** moved nothing (the kernel reports an error only then):
//!    - an operation the descriptors do not support (`EINVAL`, `EXDEV`, `EOPNOTSUPP`,
//!      `ENOSYS`) changes nothing: `copy_file_range` gives way to `sendfile`, otherwise the
//!      plain loop runs the rest;
//!    - an interruption where the plain loop would block: a pipe input waiting for data
//!      (`splice`) is the iteration's read interrupted: entry 0 gets `-EINTR`, the batch
//!      stops there; an output pipe that is full (`sendfile`) is the iteration's
//!      write interrupted after a full read: `read(in, buf, N)` runs, entry 1 gets
//!      `-EINTR`. The same holds for the output's `EPIPE`, `ECONNRESET`, `ENOTCONN` and
//!      `ESHUTDOWN`, whose SIGPIPE the failed chunk already raised, once, as the plain
//!      write would have;
//!    - every other error (`ENOSPC`, `EIO`, `EDQUOT`, `EBADF`, ...) and a zero count from a
//!      regular-file input: the plain loop runs the rest from this block boundary, and its
//!      own `read` and `write` meet the error where the original does;
//!    - a zero count from a pipe input is end of file: entry 0 gets 0, the batch stops.
//! 4. **Where no chunk runs at all** (the plain loop does the whole batch): an input that
//!    is not a regular file or a pipe; an output that is not a regular file, a pipe or
//!    `/dev/null` (character device 1:3, whose every plain `write` returns its length and
//!    does nothing else, whatever its status flags and `RLIMIT_FSIZE`: from a regular input
//!    it takes `sendfile`, and neither check is asked of it) (a
//!    socket: a Unix stream socket takes a `send` of up to about half its send buffer whole
//!    or fails it whole, while a chunk that the peer's closing cuts short may end at any byte
//!    of a block, which the peer may have read; and `sendfile` into a TCP socket that the
//!    peer resets moves the pages before the reset and returns their count, the reset's
//!    `ECONNRESET` consumed on the way, so that the next call fails with `EPIPE` and raises
//!    `SIGPIPE`, where the plain loop's `send` reports `ECONNRESET`); a regular file on a file system other than ext2/3/4, XFS, btrfs, tmpfs
//!    and ramfs ([`crate::descriptor::TASK_INDEPENDENT_FILESYSTEMS`], whose files are byte
//!    ranges of the page cache however they are cut into calls: a sysfs or procfs file's
//!    store runs once per write, a FUSE server sees each read); a pipe input with any output but a regular file; either descriptor
//!    non-blocking or `O_DIRECT`; an output opened with `O_APPEND`; input and output the
//!    same file (same `st_dev` and `st_ino`); a finite `RLIMIT_FSIZE` (SIGXFSZ and EFBIG
//!    must come from a plain `write` at the same byte); an output pipe written in blocks
//!    of at most `PIPE_BUF` bytes unless `N` divides the page size, the input offset is a
//!    multiple of the page size and the pipe holds whole pages (then `sendfile` fills the
//!    pipe with page pieces that are whole blocks, each block atomic as a plain `write` of
//!    it is, and the pipe is full at the same byte: plain writes fill its last page before
//!    they take another; an input a whole number of blocks past a page boundary, as after
//!    a rotated loop's first block, first runs the blocks to the next boundary on the plain
//!    loop and is decided again there, once: [`Decision::AlignFirst`]); an output pipe
//!    whose capacity (`F_GETPIPE_SZ`) is below one
//!    block (a chunk moves at most the capacity, so no chunk would finish a block); a block
//!    above [`MAX_BLOCK`]; a regular input with fewer than
//!    [`MIN_BLOCKS`] whole blocks left.
//! 5. **The warm-up.** The plain loop runs the first [`warm_up_iterations`] on the batch's
//!    backend before [`plan`] is asked: a copy that ends within them makes no call of rule
//!    4's checks.
//! 6. **A buffer read after a stop** (`MC_BATCH_LIVE_AT_STOP`: the caller reads the buffer
//!    after a stop at the write, e.g. to finish a short write from it). The input must be a
//!    regular file (a pipe's bytes, once a chunk took them, cannot be read again). Wherever
//!    the batch stops at entry 1 after a chunk, ends at its bound, or hands the rest to the
//!    plain loop, the buffer is filled with what the plain loop would hold there: the
//!    stopped (or last) iteration's block up to what its read returned, then the rest of
//!    the block before it, read again with `pread` (one or two calls, at most once per
//!    batch). A completion (rule 2) reads into the buffer at the block's offset `c % N`,
//!    where the plain loop's one read would have put those bytes. Only a stop at entry 0
//!    (end of input, a read error) leaves the buffer unspecified. A process that rewrites
//!    the input while it is copied may make the bytes read again differ from the ones the
//!    chunk moved, as it may tear a plain `read` (which is not atomic towards writers).
//!
//! A batch that watches a word (`MC_BATCH_WATCH`) is never specialised
//! ([`Refusal::Watched`], decided before any of rule 4's calls): its loop tests the word after
//! every block, and a chunk of many blocks in one crossing would read blocks past the one
//! after which a handler (or a call of the batch) set it.
//!
//! Signals: each chunk is a crossing, and a signal handler runs when it returns, exactly
//! as between two plain calls; no signal stays pending in user space, so there is nothing
//! more to check between chunks. A handler that replaces a descriptor (`dup2`) during the
//! copy meets rule 3: a chunk on the new file either works on it exactly as the plain calls
//! would or fails without moving anything.
//!
//! The buffer holds no particular bytes after the batch, except by rule 6: that is what the
//! flag allows.
//!
//! # Copies at explicit offsets
//!
//! The same loop with `pread64(in, buf, N, p)` -> `pwrite64(out, buf, n, q)`, whose offsets
//! advance by the read's result (`MC_BATCH_ADVANCE`: each entry's argument 3 by entry 0's
//! result, or the write's by its own, which equals it in every completed iteration), runs as
//! `copy_file_range(in, &p, out, &q, len, 0)`, which reads and writes at those offsets and
//! moves neither file's own offset, as `pread` and `pwrite` do. The rules above hold with
//! the offsets in place of the files' positions: both descriptors must be regular files
//! (anything else fails `pread`/`pwrite` with `ESPIPE` in the plain loop), there is no
//! `sendfile` to fall back to (it writes at the output's own position), an `O_APPEND` output
//! runs the plain loop (its `pwrite` appends), and a block is completed (rule 2) with
//! `pread64` and `pwrite64` at the offsets where the chunk ended. Each iteration the chunks
//! account for advances both offsets by its read's result, as the batch's own iterations do.

use crate::abi::{McAdvance, McEntry, MC_STOP_NEG, MC_STOP_NE_ARG, MC_STOP_NONPOS};
use crate::batch::Batch;
use crate::descriptor;
use crate::sys::raw as sys;
use std::os::fd::RawFd;

/// Most bytes one chunk asks for (rounded down to whole blocks, at least one block).
pub const CHUNK_BYTES: u64 = 8 << 20;

/// Into a regular file, the first chunk ends where the output's offset is a multiple of
/// this many bytes, when whole blocks can reach one ([`blocks_to_alignment`]), and the
/// chunks after it keep the alignment. The kernel moves a chunk through the page cache in
/// pieces of its splice pipe (16 pages), and the page cache of a file system with large
/// folios (ext4, XFS, tmpfs) gives each piece folios no larger than the alignment of its
/// offset: from an offset one page past a boundary, as after a warm-up of one 4 KiB block,
/// every folio is one page, and a copy of 16 MiB on ext4 takes longer by a tenth or more
/// (docs/results.md, `scripts/bench-copy16.sh`).
pub const OUTPUT_ALIGN: u64 = 64 << 10;

/// How many whole blocks of `block` bytes take an output at `offset` to the next multiple of
/// [`OUTPUT_ALIGN`]: `None` when it is at one already, or when whole blocks never reach one
/// (a block that does not divide the alignment, an offset inside a block).
pub fn blocks_to_alignment(offset: u64, block: u64) -> Option<u64> {
    if block == 0 || !OUTPUT_ALIGN.is_multiple_of(block) || !offset.is_multiple_of(block) {
        return None;
    }
    let gap = (OUTPUT_ALIGN - offset % OUTPUT_ALIGN) % OUTPUT_ALIGN;
    (gap > 0).then_some(gap / block)
}

/// The largest block the copy loop is specialised for: a read of more than the kernel's
/// per-call limit (`MAX_RW_COUNT`) returns less than asked, which rule 1 does not model.
pub const MAX_BLOCK: u64 = 1 << 30;

/// The fewest whole blocks of a regular input worth the checks of [`plan`]: they cost up to
/// 8 crossings, and the plain loop 2 per block; below this the plain loop runs it all, after
/// one `fstat` (three or four when the file is large enough but its offset leaves fewer
/// blocks).
pub const MIN_BLOCKS: u64 = 4;

/// The fewest iterations the plain loop runs (on the batch's backend) before [`plan`] is
/// asked: a copy that ends sooner, a small file, pays for no check at all, so a program that
/// copies small files makes no more crossings than its original. After them a regular input
/// needs [`MIN_BLOCKS`] more whole blocks for the specialisation to run.
pub const WARM_UP: u64 = MIN_BLOCKS;

/// The most iterations of the warm-up.
const MAX_WARM_UP: u64 = 64;

/// The iterations of the warm-up for blocks of `block` bytes: [`WARM_UP`], or, for a block
/// that divides the page size, enough blocks to fill whole pages (at most [`MAX_WARM_UP`]),
/// so that an input read from a page boundary is still at one when the copy begins: a pipe
/// output takes whole pages only (rule 4).
pub fn warm_up_iterations(block: u64) -> u64 {
    let page = page_size();
    if block > 0 && page.is_multiple_of(block) {
        (page / block).clamp(WARM_UP, MAX_WARM_UP.max(WARM_UP))
    } else {
        WARM_UP
    }
}

/// Why a looped batch marked `MC_BATCH_DEAD_BUFFERS` is not tried as a specialised copy at
/// all (it runs as the plain loop, and nothing is asked of its descriptors).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// A plain (not looped) batch.
    NotLooped,
    /// The entries are not the copy shape ([`recognise`]).
    NotACopy,
    /// The advancing arguments are not those of the copy at explicit offsets
    /// ([`advances_fit`]).
    Advances,
    /// The batch watches a word (`MC_BATCH_WATCH`): the loop tests it after every block, a
    /// per-iteration observation that a chunk of many blocks in one crossing cannot make (a
    /// handler that sets it, or a call of the batch that writes it, must end the batch after
    /// that very block, with the rest of the input unread).
    Watched,
    /// No more iterations allowed than the warm-up runs.
    WithinWarmUp,
}

/// The copy `batch` is and how many iterations the plain loop runs before [`try_run`], when
/// it may be a specialised copy at all: a looped copy batch (the shape [`recognise`] takes,
/// arguments that do not advance or advance as [`advances_fit`] allows), without a watched
/// word, with more iterations allowed than the warm-up. Otherwise why no copy is tried.
pub(crate) fn warm_up(batch: &Batch) -> Result<(u64, CopyLoop), Refusal> {
    let max = batch.max_iters().ok_or(Refusal::NotLooped)?;
    if !batch.watches().is_empty() {
        return Err(Refusal::Watched);
    }
    let copy = recognise(batch.entries()).ok_or(Refusal::NotACopy)?;
    if !advances_fit(&copy, batch.advances()) {
        return Err(Refusal::Advances);
    }
    let warm = warm_up_iterations(copy.block);
    if max > warm {
        Ok((warm, copy))
    } else {
        Err(Refusal::WithinWarmUp)
    }
}

/// `PIPE_BUF`: writes to a pipe of at most this many bytes are atomic.
const PIPE_BUF: u64 = 4096;

/// A looped batch of the copy shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CopyLoop {
    /// The read's descriptor.
    pub input: RawFd,
    /// The write's descriptor.
    pub output: RawFd,
    /// The buffer both calls use.
    pub buf: i64,
    /// The read's length, `N`.
    pub block: u64,
    /// The write is `send(out, buf, n, 0)` (`sendto` with no flags and no address), which
    /// only a socket takes.
    pub send: bool,
    /// For `pread64(in, buf, N, p)` -> `pwrite64(out, buf, n, q)`: the offsets `(p, q)` the
    /// entries hold (non-negative).
    pub offsets: Option<(u64, u64)>,
    /// The write stops the batch at a short transfer (`MC_STOP_NE_ARG` on its length), as a
    /// checked copy loop does; `false`: only at a failure (`MC_STOP_NEG`), as a loop that
    /// ignores the write's count does (`write(out, buf, n);` unchecked, or `if (write(..) <
    /// 0)`), whose next iteration follows a short write.
    pub short_stops: bool,
}

/// Whether `entries` are exactly the copy loop: entry 0 `read(in, buf, N)` with
/// `MC_STOP_NONPOS`, `0 < N <=` [`MAX_BLOCK`], no references; entry 1 `write(out, buf,
/// <result of entry 0>)` with `MC_STOP_NE_ARG` on argument 2 or `MC_STOP_NEG` (rule 2's
/// short write then goes on) and that one reference, or the
/// same `send(out, buf, <result of entry 0>, 0)` (on a connected stream socket `write` and a
/// `send` without flags are one operation: the same bytes, the same `SIGPIPE`); or the same
/// with `pread64(in, buf, N, p)` and `pwrite64(out, buf, <result of entry 0>, q)` at
/// offsets `p, q >= 0` (the copy at explicit offsets of the module docs).
pub fn recognise(entries: &[McEntry]) -> Option<CopyLoop> {
    let [read, write] = entries else {
        return None;
    };
    let fd = |v: i64| RawFd::try_from(v).ok().filter(|fd| *fd >= 0);
    let positioned = read.nr == libc::SYS_pread64 as u32;
    let short_stops = write.stop == MC_STOP_NE_ARG && write.stop_arg == 2;
    let stops = short_stops || write.stop == MC_STOP_NEG;
    if positioned {
        let is_pwrite = write.nr == libc::SYS_pwrite64 as u32
            && stops
            && write.refs == 1 << 2
            && write.args[2] == 0
            && write.args[1] == read.args[1];
        let is_pread = read.stop == MC_STOP_NONPOS
            && read.refs == 0
            && read.args[2] > 0
            && read.args[2] as u64 <= MAX_BLOCK;
        let (p, q) = (read.args[3], write.args[3]);
        if !(is_pread && is_pwrite) || p < 0 || q < 0 {
            return None;
        }
        return Some(CopyLoop {
            input: fd(read.args[0])?,
            output: fd(write.args[0])?,
            buf: read.args[1],
            block: read.args[2] as u64,
            send: false,
            offsets: Some((p as u64, q as u64)),
            short_stops,
        });
    }
    let is_read = read.nr == libc::SYS_read as u32
        && read.stop == MC_STOP_NONPOS
        && read.refs == 0
        && read.args[2] > 0
        && read.args[2] as u64 <= MAX_BLOCK;
    let send = write.nr == libc::SYS_sendto as u32 && write.args[3..6] == [0, 0, 0];
    let is_write = (write.nr == libc::SYS_write as u32 || send)
        && stops
        && write.refs == 1 << 2
        && write.args[2] == 0
        && write.args[1] == read.args[1];
    if !(is_read && is_write) {
        return None;
    }
    Some(CopyLoop {
        input: fd(read.args[0])?,
        output: fd(write.args[0])?,
        buf: read.args[1],
        block: read.args[2] as u64,
        send,
        offsets: None,
        short_stops,
    })
}

/// Whether `advances` are what `copy` needs: none for `read` -> `write`; for the copy at
/// explicit offsets, each entry's argument 3 up by entry 0's result and nothing else, with
/// no until bits. The write's may go up by its own result, equal in every completed
/// iteration; so may the read's when the write stops on a short transfer (`MC_STOP_NE_ARG`),
/// which no completed iteration has (a do-while loop that adds what it wrote to the one
/// offset both calls take). After an unchecked write (`MC_STOP_NEG`) a short one completes
/// its iteration, and the read's offset must go up by what was read.
pub fn advances_fit(copy: &CopyLoop, advances: Option<&[McAdvance]>) -> bool {
    match (copy.offsets, advances) {
        (None, None) => true,
        (Some(_), Some([read, write])) => {
            let only_offset = |a: &McAdvance, by: &[u8]| {
                a.by[..3] == [0, 0, 0]
                    && by.contains(&a.by[3])
                    && a.by[4..] == [0, 0]
                    && a.down == 0
                    && a.until_zero == 0
                    && a.until_nonpos == 0
            };
            let read_by: &[u8] = if copy.short_stops { &[1, 2] } else { &[1] };
            only_offset(read, read_by) && only_offset(write, &[1, 2])
        }
        _ => false,
    }
}

/// The kernel operation a chunk uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `copy_file_range(in, NULL, out, NULL, len, 0)`: regular file to regular file.
    CopyFileRange,
    /// `sendfile(out, in, NULL, len)`: regular file to a regular file, a pipe or `/dev/null`.
    Sendfile,
    /// `splice(in, NULL, out, NULL, len, 0)`: pipe to regular file.
    Splice,
}

impl Method {
    /// The name used in docs and diagnostics.
    pub fn name(self) -> &'static str {
        match self {
            Method::CopyFileRange => "copy_file_range",
            Method::Sendfile => "sendfile",
            Method::Splice => "splice",
        }
    }
}

/// What kind of descriptor the output is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Output {
    File,
    Pipe,
    /// `/dev/null`: every plain `write` of it returns its length and does nothing else, and
    /// neither the status flags nor `RLIMIT_FSIZE` change that (`sendfile` refuses an output
    /// opened with `O_APPEND` with `EINVAL`, which gives way to the plain loop: rule 3).
    Null,
}

/// The decision for one batch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    /// The first operation tried.
    pub method: Method,
    /// For a regular-file input: the whole blocks between its offset and its size.
    pub blocks: Option<u64>,
    /// For a regular-file input: its offset when the chunks begin.
    pub offset: Option<u64>,
    /// For a regular-file output: its offset when the chunks begin ([`OUTPUT_ALIGN`]).
    pub output_offset: Option<u64>,
    output: Output,
}

/// Whether `RLIMIT_FSIZE` is unlimited.
fn file_size_unlimited() -> bool {
    crate::sys::getrlimit(libc::RLIMIT_FSIZE)
        .is_ok_and(|limit| limit.rlim_cur == libc::RLIM_INFINITY)
}

/// Chooses the operation for `copy` from its descriptors (rule 4 of the module docs), or
/// `None` when the plain loop must run it all. A few system calls (`fstat`, `lseek`,
/// `fstatfs`, `fcntl`, `getrlimit`, `getsockopt`): one when the input is a regular file with
/// fewer than [`MIN_BLOCKS`] whole blocks, two or three when the descriptors' types refuse
/// (a device other than `/dev/null` or a terminal output, a pipe smaller than a block), three for an output opened
/// with `O_APPEND`; none of them writes errno ([`crate::sys`]).
/// `live_at_stop` (`MC_BATCH_LIVE_AT_STOP`, rule 6) refuses a pipe input: the bytes a chunk
/// takes from a pipe cannot be read into the buffer again.
pub fn plan(copy: &CopyLoop, live_at_stop: bool) -> Option<Plan> {
    match decide(copy, live_at_stop)? {
        Decision::Run(plan) => Some(plan),
        Decision::AlignFirst(_) => None,
    }
}

/// What [`decide`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// The chunks may run now.
    Run(Plan),
    /// Into a pipe in blocks that divide the page size from a regular input whose offset is
    /// a whole number of blocks but not of pages (the loop's first block read before it, as
    /// clang's rotation leaves it): this many more plain iterations bring the input to a page
    /// boundary, where [`decide`] may be asked again (rule 4).
    AlignFirst(u64),
}

/// [`plan`], telling apart a copy into a pipe that only needs its input at a page boundary
/// first ([`Decision::AlignFirst`]).
pub fn decide(copy: &CopyLoop, live_at_stop: bool) -> Option<Decision> {
    // What the descriptors' types settle comes first, one `fstat` each, so that a copy the
    // specialisation cannot take costs two or three calls. A regular input's whole blocks
    // first: the file's size bounds the blocks left whatever its offset, so a small file
    // costs one call.
    let input_file = descriptor::examine(copy.input).ok()?;
    let size = input_file.stat().st_size.max(0) as u64;
    // pread and pwrite take regular files only here (a pipe or socket fails them).
    let input_regular = if copy.offsets.is_some() && !input_file.is_regular() {
        return None;
    } else if input_file.is_regular() {
        if size / copy.block < MIN_BLOCKS {
            return None;
        }
        true
    } else if input_file.is_pipe() && !live_at_stop {
        false
    } else {
        return None;
    };
    let output_file = descriptor::examine(copy.output).ok()?;
    if input_file.same_file(&output_file) {
        return None;
    }
    // send(2) on anything but a socket fails (ENOTSOCK): the plain loop says so.
    let output = if output_file.is_regular() && !copy.send {
        Output::File
    } else if copy.offsets.is_some() {
        return None;
    } else if output_file.is_pipe() && input_regular && !copy.send {
        Output::Pipe
    } else if output_file.is_dev_null() && input_regular && !copy.send {
        Output::Null
    } else {
        // A socket among the rest (rule 4): `sendfile` into a TCP socket that the peer
        // resets loses the error, which the plain loop's `send` reports.
        return None;
    };
    // A pipe takes at most its capacity per call: below one block a chunk cannot even finish
    // the block it starts, and each block would cost more calls than the plain loop's two.
    if output == Output::Pipe && pipe_capacity(copy.output).is_none_or(|c| c < copy.block) {
        return None;
    }
    // The status flags next, the output's first: an output opened with O_APPEND (a log, `>>`)
    // is refused for one more call, before the offsets and file systems are asked.
    let refused = libc::O_NONBLOCK | libc::O_DIRECT;
    if output != Output::Null && output_file.status_flags()? & (refused | libc::O_APPEND) != 0 {
        return None;
    }
    if input_file.status_flags()? & refused != 0 {
        return None;
    }
    let input = if input_regular {
        let offset = match copy.offsets {
            Some((p, _)) => p,
            None => u64::try_from(crate::sys::lseek(copy.input, 0, libc::SEEK_CUR).ok()?).ok()?,
        };
        let blocks = size.saturating_sub(offset) / copy.block;
        if blocks < MIN_BLOCKS || !input_file.on_task_independent_filesystem() {
            return None;
        }
        Some((offset, blocks))
    } else {
        None
    };
    if output == Output::File && !output_file.on_task_independent_filesystem() {
        return None;
    }
    if output != Output::Null && !file_size_unlimited() {
        return None;
    }
    let output_offset = match (output, copy.offsets) {
        (Output::File, Some((_, q))) => Some(q),
        (Output::File, None) => {
            let offset = crate::sys::lseek(copy.output, 0, libc::SEEK_CUR).ok()?;
            u64::try_from(offset).ok()
        }
        _ => None,
    };
    match input {
        Some((offset, blocks)) => {
            if output == Output::Pipe && copy.block <= PIPE_BUF {
                let page = page_size();
                if !page.is_multiple_of(copy.block) || !offset.is_multiple_of(copy.block) {
                    return None;
                }
                if !offset.is_multiple_of(page) {
                    // Asked again at the boundary, where the pipe must hold whole pages as
                    // below (its reader may have emptied it, or the loop's first block, read
                    // before the loop, makes it come to whole pages with the input).
                    let left = (page - offset % page) / copy.block;
                    return (blocks >= left + MIN_BLOCKS).then_some(Decision::AlignFirst(left));
                }
                if !pipe_holds_whole_pages(copy.output, page) {
                    return None;
                }
            }
            let method = if output == Output::File {
                Method::CopyFileRange
            } else {
                Method::Sendfile
            };
            Some(Decision::Run(Plan {
                method,
                blocks: Some(blocks),
                offset: Some(offset),
                output_offset,
                output,
            }))
        }
        None if output == Output::File => Some(Decision::Run(Plan {
            method: Method::Splice,
            blocks: None,
            offset: None,
            output_offset,
            output,
        })),
        None => None,
    }
}

/// The page size.
fn page_size() -> u64 {
    // SAFETY: sysconf only reads a value.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    if size > 0 {
        size as u64
    } else {
        4096
    }
}

/// How [`run`] ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Progress {
    /// The batch is over: its stop index and iterations (the entries hold the last
    /// iteration's results).
    Done {
        /// Where the batch stopped.
        stop_index: usize,
        /// Iterations, all of them.
        iterations: u64,
    },
    /// `iterations` whole iterations ran (the entries hold the last one's results, when
    /// there was one); the plain loop runs the rest from here.
    Rest {
        /// Iterations the chunks accounted for.
        iterations: u64,
    },
    /// Nothing ran: the plain loop runs this many iterations first, after which the copy
    /// may be tried again ([`Decision::AlignFirst`]).
    AlignFirst {
        /// Plain iterations to run first.
        iterations: u64,
    },
}

/// Errors after which a chunk changed nothing and the operation is not for these files.
fn unsupported(err: i64) -> bool {
    [libc::EINVAL, libc::EXDEV, libc::EOPNOTSUPP, libc::ENOSYS]
        .iter()
        .any(|&e| err == -i64::from(e))
}

/// Errors of a pipe output where the plain loop's write, after its read, fails the
/// same way (its signal, if any, already raised by the failed chunk).
fn output_failure(err: i64) -> bool {
    [
        libc::EINTR,
        libc::EPIPE,
        libc::ECONNRESET,
        libc::ENOTCONN,
        libc::ESHUTDOWN,
    ]
    .iter()
    .any(|&e| err == -i64::from(e))
}

/// Runs the copy loop of `batch` (recognised as `copy`, planned as `plan`) in chunks, by
/// the rule of the module docs, up to the point where the plain loop must go on. With
/// `live_at_stop` (rule 6), the buffer holds what the plain loop would have left in it
/// after a stop at the write and whenever the plain loop goes on.
///
/// # Safety
///
/// The batch's calls are ones the caller could make itself (its buffer valid for `N`
/// bytes), and the caller does not read the buffer after the batch (with `live_at_stop`:
/// unless it stopped at entry 1).
pub unsafe fn run(batch: &mut Batch, copy: &CopyLoop, plan: &Plan, live_at_stop: bool) -> Progress {
    let n = copy.block;
    let max = batch.max_iters().unwrap_or(1);
    let (input, output, buf) = (i64::from(copy.input), i64::from(copy.output), copy.buf);
    let mut method = plan.method;
    let mut blocks_left = plan.blocks;
    let mut done: u64 = 0;
    let per_chunk = (CHUNK_BYTES / n).max(1);
    // The first chunk into a regular file takes the output to an aligned offset.
    let mut to_alignment = plan.output_offset.and_then(|o| blocks_to_alignment(o, n));
    // A regular input's offset at the next block, and the last iteration the chunks
    // accounted for: where its block starts and what its read returned (rule 6).
    let mut pos = plan.offset;
    let mut last: Option<(u64, u64)> = None;
    // At explicit offsets: the output's offset at the next block (the input's is `pos`).
    let positioned = copy.offsets.is_some();
    let mut out_pos = plan.output_offset;
    let restore = |last: Option<(u64, u64)>, have: u64| {
        if let (true, Some((start, taken))) = (live_at_stop, last) {
            // SAFETY: preads into the batch's own buffer of N bytes, within it.
            unsafe { refill(copy, start, taken, have) };
        }
    };
    let rest = |done: u64, last: Option<(u64, u64)>| {
        restore(last, 0);
        Progress::Rest { iterations: done }
    };
    loop {
        let mut k = (max - done).min(per_chunk);
        if let Some(left) = blocks_left {
            k = k.min(left);
        }
        if let Some(aligning) = to_alignment.take() {
            k = k.min(aligning);
        }
        if k == 0 {
            if done == max {
                // The bound: the caller goes on after the iterations (rule 6).
                restore(last, 0);
                return Progress::Done {
                    stop_index: batch.count(),
                    iterations: done,
                };
            }
            return rest(done, last);
        }
        let len = (k * n) as i64;
        // At explicit offsets, the kernel reads and updates these two, not the files'.
        let (mut p, mut q) = (
            pos.unwrap_or(0).min(i64::MAX as u64) as i64,
            out_pos.unwrap_or(0).min(i64::MAX as u64) as i64,
        );
        // SAFETY: the three calls move bytes between the batch's own descriptors through
        // the kernel only, advancing their offsets as the batch's reads and writes would (at
        // explicit offsets: `p` and `q`, locals that live across the call); no user memory
        // of the caller is touched.
        let c = unsafe {
            match method {
                Method::CopyFileRange if positioned => {
                    let (p, q) = (&mut p as *mut i64 as i64, &mut q as *mut i64 as i64);
                    sys(libc::SYS_copy_file_range, &[input, p, output, q, len, 0])
                }
                Method::CopyFileRange => {
                    sys(libc::SYS_copy_file_range, &[input, 0, output, 0, len, 0])
                }
                Method::Sendfile => sys(libc::SYS_sendfile, &[output, input, 0, len]),
                Method::Splice => sys(libc::SYS_splice, &[input, 0, output, 0, len, 0]),
            }
        };
        if c < 0 {
            if unsupported(c) {
                // sendfile writes at the output's own offset, not at an explicit one.
                if method == Method::CopyFileRange && !positioned {
                    method = Method::Sendfile;
                    continue;
                }
                return rest(done, last);
            }
            if method == Method::Splice && c == -i64::from(libc::EINTR) {
                batch.set_result(0, c);
                return Progress::Done {
                    stop_index: 0,
                    iterations: done + 1,
                };
            }
            if method == Method::Sendfile && plan.output != Output::File && output_failure(c) {
                // SAFETY: the batch's own read into its buffer of N bytes.
                let r = unsafe { sys(libc::SYS_read, &[input, buf, n as i64]) };
                batch.set_result(0, crate::batch::reported(r));
                if r <= 0 {
                    return Progress::Done {
                        stop_index: 0,
                        iterations: done + 1,
                    };
                }
                if let Some(start) = pos {
                    // The read filled the buffer's first r bytes.
                    restore(Some((start, r as u64)), r as u64);
                }
                batch.set_result(1, c);
                return Progress::Done {
                    stop_index: 1,
                    iterations: done + 1,
                };
            }
            return rest(done, last);
        }
        if c == 0 {
            if method == Method::Splice {
                batch.set_result(0, 0);
                return Progress::Done {
                    stop_index: 0,
                    iterations: done + 1,
                };
            }
            return rest(done, last);
        }
        let c = c as u64;
        let whole = c / n;
        let part = c % n;
        let chunk_start = pos;
        pos = pos.map(|p| p + c);
        out_pos = out_pos.map(|q| q + c);
        if whole > 0 {
            last = chunk_start.map(|p| (p + (whole - 1) * n, n));
            done += whole;
            blocks_left = blocks_left.map(|left| left.saturating_sub(whole));
            batch.set_result(0, n as i64);
            batch.set_result(1, n as i64);
            batch.complete(whole);
        }
        if part == 0 {
            continue;
        }
        if method == Method::Splice && pipe_empty(copy.input) {
            // The pipe held exactly these bytes: the last read took `part`.
            done += 1;
            batch.set_result(0, part as i64);
            batch.set_result(1, part as i64);
            batch.complete(1);
            continue;
        }
        // Complete the block the chunk ended in with the original's own calls, reading
        // into the buffer where the plain loop's one read would have put these bytes.
        let at = buf + part as i64;
        let rest_of_block = (n - part) as i64;
        // SAFETY: the batch's own read into its buffer of N bytes, within it: `part` plus
        // fewer than N - part bytes (at explicit offsets, where the chunk ended).
        let r2 = unsafe {
            match pos {
                Some(at_in) if positioned => {
                    sys(libc::SYS_pread64, &[input, at, rest_of_block, at_in as i64])
                }
                _ => sys(libc::SYS_read, &[input, at, rest_of_block]),
            }
        };
        let mut w2 = 0;
        if r2 > 0 {
            pos = pos.map(|p| p + r2 as u64);
            // SAFETY: the batch's own write of bytes just read into its buffer.
            w2 = unsafe {
                if let (true, Some(at_out)) = (positioned, out_pos) {
                    sys(libc::SYS_pwrite64, &[output, at, r2, at_out as i64])
                } else {
                    sys(libc::SYS_write, &[output, at, r2])
                }
            };
        }
        let taken = part as i64 + r2.max(0);
        let written = part as i64 + w2.max(0);
        done += 1;
        blocks_left = blocks_left.map(|left| left.saturating_sub(1));
        batch.set_result(0, taken);
        batch.set_result(1, written);
        last = chunk_start.map(|p| (p + whole * n, taken as u64));
        if written != taken && copy.short_stops {
            restore(last, 0);
            return Progress::Done {
                stop_index: 1,
                iterations: done,
            };
        }
        // Neither predicate fired (taken > 0; written == taken, or a short write that only a
        // failure would stop, `written >= part > 0`): a completed iteration.
        out_pos = out_pos.map(|q| q + r2.max(0) as u64);
        batch.complete(1);
        if written != taken {
            // The plain loop's next iteration follows the short write, and meets the
            // output's failure with its own calls.
            return rest(done, last);
        }
        if taken != n as i64 {
            // A short read inside the part that existed: the file changed under the copy;
            // the plain loop goes on from here as the original would.
            return rest(done, last);
        }
    }
}

/// Rule 6: leaves in the buffer of `copy` what the plain loop would hold after the
/// iteration whose block starts at input offset `start` and whose read returned `taken`
/// bytes: the block's first `taken` bytes, then the rest of the block before it (every
/// iteration before it read a whole block: rule 1), read again from the regular input with
/// `pread`, which moves no offset. `have`: how many of the first bytes the buffer already
/// holds. A `pread` that fails or comes short (the file changed under the copy) leaves the
/// bytes as they are, as a plain read racing the same change might have.
///
/// # Safety
///
/// The buffer of `copy` is valid for `N` bytes and `taken <= N`.
unsafe fn refill(copy: &CopyLoop, start: u64, taken: u64, have: u64) {
    let (input, buf, n) = (i64::from(copy.input), copy.buf, copy.block);
    // (where in the buffer, how many bytes, from which input offset)
    let pieces = [
        (have < taken).then(|| (have, taken - have, start + have)),
        (taken < n && start >= n).then(|| (taken, n - taken, start - n + taken)),
    ];
    for (at, len, offset) in pieces.into_iter().flatten() {
        // SAFETY: `at + len <= N`: within the buffer the caller vouches for; pread writes
        // nothing else and moves no file offset.
        unsafe {
            sys(
                libc::SYS_pread64,
                &[input, buf + at as i64, len as i64, offset as i64],
            )
        };
    }
}

/// Runs the looped batch `copy` (what [`warm_up`] found it to be) specialised, when [`plan`]
/// accepts it: `None` when it does not (nothing ran); otherwise how far it went, the batch's
/// bound lowered by the iterations done when the plain loop must run the rest.
///
/// # Safety
///
/// As for [`run`].
pub(crate) unsafe fn try_run(
    batch: &mut Batch,
    copy: &CopyLoop,
    live_at_stop: bool,
) -> Option<Progress> {
    let max = batch.max_iters()?;
    // At explicit offsets: the offsets as the iterations before left them.
    let copy = &match copy.offsets {
        Some(_) => recognise(batch.entries())?,
        None => *copy,
    };
    let plan = match decide(copy, live_at_stop)? {
        Decision::Run(plan) => plan,
        Decision::AlignFirst(iterations) => {
            return (iterations < max).then_some(Progress::AlignFirst { iterations })
        }
    };
    // SAFETY: forwarded from the caller.
    let progress = unsafe { run(batch, copy, &plan, live_at_stop) };
    if let Progress::Rest { iterations } = progress {
        batch.set_max_iters(max - iterations);
    }
    Some(progress)
}

/// The capacity of pipe `fd` (`F_GETPIPE_SZ`), `None` when it cannot say.
fn pipe_capacity(fd: RawFd) -> Option<u64> {
    let size = crate::sys::fcntl_int(fd, libc::F_GETPIPE_SZ, 0).ok()?;
    (size > 0).then_some(size as u64)
}

/// The bytes pipe `fd` holds (`FIONREAD`), `None` when it cannot say.
fn pipe_bytes(fd: RawFd) -> Option<u64> {
    crate::sys::unread_bytes(fd)
        .ok()
        .map(|unread| unread.max(0) as u64)
}

/// Whether the bytes pipe `fd` holds are a whole number of pages: its last page is full (or
/// it is empty), so plain writes cannot add to a page that `sendfile`'s page pieces would
/// leave alone, and both fill the same pipe to the same byte.
fn pipe_holds_whole_pages(fd: RawFd, page: u64) -> bool {
    pipe_bytes(fd).is_some_and(|bytes| bytes.is_multiple_of(page))
}

/// Whether pipe `fd` holds no bytes (`FIONREAD`); a pipe that cannot say counts as not
/// empty, which completes the block with plain calls (always exact).
fn pipe_empty(fd: RawFd) -> bool {
    pipe_bytes(fd) == Some(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::abi::{MC_BATCH_WATCH, MC_STOP_NEVER};
    use crate::batch::Watch;

    #[test]
    fn a_watched_batch_is_never_a_copy() {
        let entries = copy_loop(4096);
        let batch = Batch::new(&entries, Some(1000)).expect("valid");
        assert!(warm_up(&batch).is_ok(), "the copy shape, looped, unwatched");
        let mut word = 0u64;
        for mode in [1, 2, 4, 8, 8 | crate::abi::MC_WATCH_ZERO] {
            let mut watched = batch.clone();
            let watch = Watch::from_fields(MC_BATCH_WATCH, &mut word as *mut u64 as u64, mode)
                .expect("a valid watch")
                .expect("watched");
            watched.set_watch(watch).expect("looped");
            assert_eq!(warm_up(&watched).err(), Some(Refusal::Watched), "{mode:#x}");
        }
        let plain = Batch::new(&entries, None).expect("valid");
        assert_eq!(warm_up(&plain).err(), Some(Refusal::NotLooped));
        let short = Batch::new(&entries, Some(2)).expect("valid");
        assert_eq!(warm_up(&short).err(), Some(Refusal::WithinWarmUp));
        let other = Batch::new(&entries[..1], Some(1000)).expect("valid");
        assert_eq!(warm_up(&other).err(), Some(Refusal::NotACopy));
    }

    fn copy_loop(n: i64) -> [McEntry; 2] {
        [
            McEntry::new(libc::SYS_read, &[3, 0x1000, n]).stop(MC_STOP_NONPOS, 0),
            McEntry::new(libc::SYS_write, &[4, 0x1000, 0])
                .stop(MC_STOP_NE_ARG, 2)
                .reference(2, 0),
        ]
    }

    #[test]
    fn the_first_chunk_ends_at_an_aligned_output_offset() {
        // After a warm-up of four 4 KiB blocks: twelve blocks to 64 KiB.
        assert_eq!(blocks_to_alignment(16384, 4096), Some(12));
        // Eight blocks of 512 bytes: 120 more.
        assert_eq!(blocks_to_alignment(4096, 512), Some(120));
        assert_eq!(blocks_to_alignment(OUTPUT_ALIGN * 3 + 512, 512), Some(127));
        // At a boundary already, or no whole number of blocks reaches one.
        assert_eq!(blocks_to_alignment(0, 4096), None);
        assert_eq!(blocks_to_alignment(OUTPUT_ALIGN * 5, 4096), None);
        assert_eq!(blocks_to_alignment(12000, 3000), None);
        assert_eq!(blocks_to_alignment(4096 + 100, 4096), None);
        assert_eq!(blocks_to_alignment(4096, 128 << 10), None);
        assert_eq!(blocks_to_alignment(4096, 0), None);
    }

    #[test]
    fn recognises_exactly_the_copy_shape() {
        let good = copy_loop(4096);
        assert_eq!(
            recognise(&good),
            Some(CopyLoop {
                input: 3,
                output: 4,
                buf: 0x1000,
                block: 4096,
                send: false,
                offsets: None,
                short_stops: true,
            })
        );
        let mut send = good;
        send[1].nr = libc::SYS_sendto as u32;
        assert_eq!(
            recognise(&send).map(|c| c.send),
            Some(true),
            "send(out, buf, n, 0)"
        );
        let mut send_flags = send;
        send_flags[1].args[3] = i64::from(libc::MSG_NOSIGNAL);
        let mut send_to = send;
        send_to[1].args[4] = 0x3000;
        let mut other_buffer = good;
        other_buffer[1].args[1] = 0x2000;
        // A write whose count is not checked, only its failure: the same copy, whose short
        // write goes on.
        let mut neg_stop = good;
        neg_stop[1].stop = MC_STOP_NEG;
        neg_stop[1].stop_arg = 0;
        assert_eq!(
            recognise(&neg_stop).map(|c| c.short_stops),
            Some(false),
            "MC_STOP_NEG on the write"
        );
        let mut never = good;
        never[1].stop = MC_STOP_NEVER;
        let mut other_arg = good;
        other_arg[1].stop_arg = 1;
        let mut constant_length = good;
        constant_length[1].refs = 0;
        constant_length[1].args[2] = 4096;
        let mut pread = good;
        pread[0].nr = libc::SYS_pread64 as u32;
        let mut huge = good;
        huge[0].args[2] = (MAX_BLOCK + 1) as i64;
        for (name, bad) in [
            ("another buffer", &other_buffer[..]),
            ("no stop on the write", &never[..]),
            ("MC_STOP_NE_ARG on another argument", &other_arg[..]),
            ("a constant length", &constant_length[..]),
            ("send with flags", &send_flags[..]),
            ("sendto with an address", &send_to[..]),
            ("pread", &pread[..]),
            ("a block above MAX_BLOCK", &huge[..]),
            ("zero length", &copy_loop(0)[..]),
            ("one entry", &good[..1]),
        ] {
            assert_eq!(recognise(bad), None, "{name}");
        }
    }
}
