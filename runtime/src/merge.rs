//! Merged writes (the direct backend): consecutive `write`s of a batch to one regular file (or
//! a byte-stream socket, or a pipe within `PIPE_BUF`) run as one `writev`, one crossing instead
//! of one per write, where that is exactly what the writes one by one would have done.
//!
//! A *group* is two or more consecutive entries of the batch that are `write(fd, buf, len)` on
//! the same descriptor, whose buffer and length are constants or results of entries before
//! the group (a header and the block a read of the same iteration filled: `read -> write(hdr,
//! 4) -> write(buf, <result of the read>)`; known when the group is written, where a length
//! that is no single write, 0 or less, makes the writes one by one), `0 < len`, the
//! lengths' sum at most the kernel's cap on one transfer (`MAX_RW_COUNT`), and each but the
//! last with a predicate that lets the batch go on after a whole write (a predicate that
//! fires anyway stops the batch before the next write, which a `writev` would have made). When the batch
//! reaches a group's first entry and the descriptor is a regular file of a filesystem whose
//! writes depend on nothing but the file (ext2/3/4, XFS, btrfs, tmpfs, ramfs:
//! `descriptor::on_task_independent_filesystem`) opened without `O_DIRECT`, or /dev/null, the
//! group's buffers go to the kernel in one `writev`, and its result is split over the entries
//! in order: each entry gets its length, until the bytes written run out. There a regular file
//! and a sequence of writes agree byte for byte: `writev` copies the buffers in order at the
//! file's offset (or its end, `O_APPEND`) and stops at the same byte a write would stop at (a
//! full disk, the file-size limit, a buffer that faults), so
//!
//! - an entry inside the bytes written gets its length, as its own write would have returned;
//! - the entry in which the transfer stopped gets the bytes of it that were written, which is
//!   what its own write, made at that offset, returns;
//! - an error with nothing written is the first entry's (the same call on the same file, with
//!   more bytes after it that it never reached); a stop on a byte boundary, or an error, leaves
//!   the entries after it unanswered: [`crate::batch::Batch::run`] makes each of them as a
//!   plain call if its predicates let the batch go on, so the write that meets the full disk
//!   or the file-size limit (`EFBIG` and `SIGXFSZ`) is made on its own, as in the original.
//!
//! Every predicate is then tested on each entry in order, as for calls made one by one. Two
//! other kinds of descriptor take merged writes ([`merging_of`]): byte-stream sockets (TCP,
//! Unix `SOCK_STREAM`), whose bytes are one stream and where `writev` sends as much as the
//! socket takes, as the writes would, so a short transfer (a full non-blocking socket, a
//! signal or a send timeout after some bytes) falls inside the entry it cuts; and blocking
//! pipes for groups of at most `PIPE_BUF` bytes, where each write is atomic and so is the
//! `writev`, which keeps other writers out from between the writes (one of the orders the
//! writes allow). Not merged, because their writes are not interchangeable with one `writev`:
//! larger groups on a pipe (another writer's bytes could fall inside one write), non-blocking
//! pipes (room for the first write but not for the group fails the first with `EAGAIN`),
//! packet pipes, datagram, seqpacket, raw and SCTP sockets (a message per write), terminals
//! and other devices, files of procfs, sysfs and the like (a write is a command), network,
//! FUSE and stacking filesystems, `O_DIRECT` files (each buffer's alignment is checked on its
//! own). What the kernel does besides the bytes is the same but for one thing: a process
//! watching the file with inotify or fanotify sees one modification event where it would
//! have seen one per write (inotify merges such events when they are not read in between).
//!
//! Examining a file's descriptor costs three calls (`fstat`, `fcntl(F_GETFL)`, `fstatfs`), so a
//! batch merges only where it saves more: once per batch, its examination kept for the whole
//! batch, when no entry of the batch can change what a descriptor number refers to (reads,
//! writes, seeks, syncs, `fstat`...) and the batch is looped (an iteration saves a crossing
//! per merged write after the first); otherwise each group is examined when it runs, and only
//! groups of at least [`MIN_GROUP_UNSTABLE`] writes are merged. A batch whose arguments
//! advance (`MC_BATCH_ADVANCE`) is not merged (its writes' arguments change per iteration).
//! Another thread that replaces the descriptor between its examination and the `writev`
//! races with the batch as it would race with the writes.
//!
//! Nothing here allocates: the plan lives in arrays of the batch's largest size, so that a
//! batch stays async-signal-safe as its calls are (a signal handler may run a batch, or jump
//! out of one with `siglongjmp`, as it may with the calls made one by one; `malloc` would
//! deadlock there).

use std::ops::Range;

use multicall_abi::{
    McEntry, MC_MAX_ENTRIES, MC_STOP_NEG, MC_STOP_NEVER, MC_STOP_NE_ARG, MC_STOP_NONPOS,
};

use crate::batch::substituted;
use crate::descriptor;
use crate::direct::raw_syscall;

/// The kernel's cap on the bytes of one read or write (`MAX_RW_COUNT`, `INT_MAX` rounded down
/// to a page): a group whose lengths add up to more would be cut where its writes are not.
const MAX_RW_COUNT: i64 = 0x7fff_f000;

/// Writes a group needs, when its descriptor is examined each time it runs: the three calls
/// of the examination and the `writev` must cost fewer crossings than the writes.
pub const MIN_GROUP_UNSTABLE: usize = crate::abi::PLAIN_MERGE_MIN_WRITES;

/// Calls that never change what a descriptor number refers to: a batch of only these keeps
/// the examination of its descriptors from its first iteration to its last.
const KEEPS_DESCRIPTORS: &[i64] = &[
    libc::SYS_read,
    libc::SYS_write,
    libc::SYS_pread64,
    libc::SYS_pwrite64,
    libc::SYS_readv,
    libc::SYS_writev,
    libc::SYS_lseek,
    libc::SYS_fstat,
    libc::SYS_newfstatat,
    libc::SYS_fsync,
    libc::SYS_fdatasync,
    libc::SYS_getpid,
    libc::SYS_nanosleep,
    libc::SYS_clock_nanosleep,
];

/// The arguments of a write whose value may be an earlier entry's result (`refs`): the
/// buffer and the length. The descriptor must be known when the batch is planned.
const MAY_REFER: u16 = (1 << 1) | (1 << 2);

/// Whether `entry` may be part of a group that begins at entry `start`: a write whose
/// references (to its buffer or its length) name entries before the group, whose results are
/// known when the group is written, and whose length, when it is no reference, is one write.
fn mergeable(entry: &McEntry, start: usize) -> bool {
    let refers_before = (1..3).all(|k| {
        entry.refs & (1 << k) == 0 || usize::try_from(entry.args[k]).is_ok_and(|i| i < start)
    });
    i64::from(entry.nr) == libc::SYS_write
        && entry.refs & !MAY_REFER == 0
        && refers_before
        && (entry.refs & (1 << 2) != 0 || (entry.args[2] > 0 && entry.args[2] <= MAX_RW_COUNT))
}

/// The length of a write of a group, known when the batch was planned (no reference).
fn planned_length(entry: &McEntry) -> i64 {
    if entry.refs & (1 << 2) == 0 {
        entry.args[2]
    } else {
        0
    }
}

/// Whether a write whose whole length was written lets the batch go on: its predicate cannot
/// fire on that result (never, an error, zero or less, or a result other than its length).
/// Only then may the next write be made in the same `writev`.
fn goes_on_when_whole(entry: &McEntry) -> bool {
    match entry.stop {
        MC_STOP_NEVER | MC_STOP_NEG | MC_STOP_NONPOS => true,
        MC_STOP_NE_ARG => entry.stop_arg == 2,
        _ => false,
    }
}

/// Groups of entries, each `start..end` of two or more: at most half a batch's entries.
#[derive(Clone, Copy)]
struct Groups {
    bounds: [(usize, usize); MC_MAX_ENTRIES / 2],
    len: usize,
}

impl Groups {
    const EMPTY: Groups = Groups {
        bounds: [(0, 0); MC_MAX_ENTRIES / 2],
        len: 0,
    };

    fn push(&mut self, range: Range<usize>) {
        if let Some(slot) = self.bounds.get_mut(self.len) {
            *slot = (range.start, range.end);
            self.len += 1;
        }
    }

    fn iter(&self) -> impl Iterator<Item = Range<usize>> + '_ {
        self.bounds[..self.len].iter().map(|&(s, e)| s..e)
    }

    fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// The groups of consecutive mergeable writes to one descriptor in `entries`, each write but
/// the last one whose predicate lets the batch go on after it ([`goes_on_when_whole`]). The
/// lengths that are references are checked when the group is written ([`Writes::result`]).
fn groups(entries: &[McEntry]) -> Groups {
    let mut out = Groups::EMPTY;
    let mut start = 0;
    while start < entries.len() {
        let mut end = start;
        let mut bytes = 0i64;
        while end < entries.len()
            && mergeable(&entries[end], start)
            && entries[end].args[0] == entries[start].args[0]
            && bytes + planned_length(&entries[end]) <= MAX_RW_COUNT
            && (end == start || goes_on_when_whole(&entries[end - 1]))
        {
            bytes += planned_length(&entries[end]);
            end += 1;
        }
        if end - start >= 2 {
            out.push(start..end);
            start = end;
        } else {
            start += 1;
        }
    }
    out
}

/// The bytes a pipe writes atomically (`PIPE_BUF`): a write of at most this many bytes is
/// never interleaved with another writer's.
const PIPE_BUF: i64 = 4096;

/// How writes to a descriptor may be merged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Merging {
    /// Not at all: each write is made on its own.
    No,
    /// Any group: one `writev` puts the same bytes in the same place as the writes.
    Any,
    /// A group of at most this many bytes in all (a blocking pipe: [`PIPE_BUF`]).
    UpTo(i64),
}

/// How writes to `fd` may be merged:
///
/// - any group on a regular file of a task-independent filesystem opened without
///   `O_DIRECT`, /dev/null, and a byte-stream socket (TCP, Unix `SOCK_STREAM`: the bytes
///   are one stream, and `writev` sends as much as the socket takes, as the writes would,
///   so a short transfer falls inside the entry it cuts);
/// - groups of at most `PIPE_BUF` bytes on a pipe or FIFO opened without `O_NONBLOCK` and
///   without `O_DIRECT` (a packet pipe keeps each write a packet): each write of the group
///   is atomic, and so is their `writev`, which keeps other writers out from between them,
///   one of the orders the writes themselves allow. A larger group could be interleaved
///   with another writer inside one of its writes, which the writes' atomicity forbids; a
///   non-blocking pipe with room for the first write but not for all of them would fail
///   the first with `EAGAIN` where it succeeds.
///
/// errno is left as it was.
pub fn merging_of(fd: i64) -> Merging {
    let Ok(fd) = i32::try_from(fd) else {
        return Merging::No;
    };
    let Ok(file) = descriptor::examine(fd) else {
        return Merging::No;
    };
    let flags_clear = |mask: i32| file.status_flags().is_some_and(|f| f & mask == 0);
    if file.is_dev_null()
        || (file.is_regular()
            && flags_clear(libc::O_DIRECT)
            && file.on_task_independent_filesystem())
        || file.is_byte_stream_socket()
    {
        Merging::Any
    } else if file.is_pipe() && flags_clear(libc::O_NONBLOCK | libc::O_DIRECT) {
        Merging::UpTo(PIPE_BUF)
    } else {
        Merging::No
    }
}

/// Merged writes for one run of a batch on the direct backend.
pub(crate) struct Writes {
    groups: Groups,
    /// Results of this iteration's entries that a `writev` answered, not yet asked for:
    /// entry `i`'s is `answered[i]` when bit `i` of `answered_bits` is set. (A plan is made
    /// for each batch and kept on the stack: it holds no copy of the entries, whose
    /// arguments do not change as the batch runs, and is cleared by one word.)
    answered: [i64; MC_MAX_ENTRIES],
    answered_bits: u64,
    /// The examination of each descriptor is kept for the whole batch.
    stable: bool,
    /// The descriptors examined and what each gave, the first `examined_len` (one per
    /// group at most).
    examined: [(i64, Merging); MC_MAX_ENTRIES / 2],
    examined_len: usize,
}

impl Writes {
    /// Whether a batch of `count` entries (looped when `looped`, advancing its arguments when
    /// `advancing`) may have a group worth a plan, judged by its shape alone: a group needs
    /// two writes, and a batch that is examined each time it runs five, and arguments that do
    /// not advance. When not, [`Writes::plan`] is `None` and need not be asked.
    #[inline]
    pub(crate) fn may_group(count: usize, looped: bool, advancing: bool) -> bool {
        !advancing && count >= 2 && (looped || count >= MIN_GROUP_UNSTABLE)
    }

    /// The merging of `entries` (looped when `looped`), or `None` when no group would save a
    /// crossing.
    pub(crate) fn plan(entries: &[McEntry], looped: bool, advancing: bool) -> Option<Writes> {
        // Cheap refusals first, before any plan is laid out: a group needs two writes, and
        // a batch that is examined each time it runs five in one group.
        let writes = entries
            .iter()
            .filter(|e| i64::from(e.nr) == libc::SYS_write)
            .count();
        if advancing || writes < 2 || (!looped && writes < MIN_GROUP_UNSTABLE) {
            return None;
        }
        let stable = looped
            && entries
                .iter()
                .all(|e| KEEPS_DESCRIPTORS.contains(&i64::from(e.nr)));
        let mut kept = Groups::EMPTY;
        for g in groups(entries).iter() {
            if stable || g.len() >= MIN_GROUP_UNSTABLE {
                kept.push(g);
            }
        }
        if kept.is_empty() || entries.len() > MC_MAX_ENTRIES {
            return None;
        }
        Some(Writes {
            groups: kept,
            answered: [0; MC_MAX_ENTRIES],
            answered_bits: 0,
            stable,
            examined: [(0, Merging::No); MC_MAX_ENTRIES / 2],
            examined_len: 0,
        })
    }

    /// The buffer and length entry `index` writes in this iteration, its references taken
    /// from the results of the batch's `entries` before its group.
    fn buffer_of(&self, index: usize, entries: &[McEntry]) -> (i64, i64) {
        let args = substituted(&entries[index], entries);
        (args[1], args[2])
    }

    /// A new iteration begins.
    pub(crate) fn start(&mut self) {
        self.answered_bits = 0;
        if !self.stable {
            self.examined_len = 0;
        }
    }

    fn examine(&mut self, fd: i64) -> Merging {
        let known = &self.examined[..self.examined_len];
        if let Some(&(_, merging)) = known.iter().find(|(f, _)| *f == fd) {
            return merging;
        }
        let merging = merging_of(fd);
        if self.stable {
            if let Some(slot) = self.examined.get_mut(self.examined_len) {
                *slot = (fd, merging);
                self.examined_len += 1;
            }
        }
        merging
    }

    /// The raw result of entry `index` when a `writev` answers it: the group starting there
    /// is written now, or an earlier `writev` of this iteration wrote it. `None`: make the call.
    /// `entries` are the batch's, with this iteration's results of the entries before `index`.
    ///
    /// # Safety
    ///
    /// The batch's calls are ones the caller could make itself (its buffers valid for their
    /// lengths).
    pub(crate) unsafe fn result(&mut self, index: usize, entries: &[McEntry]) -> Option<i64> {
        if let Some(r) = self.take_answered(index) {
            return Some(r);
        }
        let group = self.groups.iter().find(|g| g.start == index)?;
        // Lengths that are results of earlier entries: each must be one write, the sum
        // within the cap; otherwise the writes are made one by one, as written.
        let mut bytes = 0i64;
        for i in group.clone() {
            let (_, len) = self.buffer_of(i, entries);
            if len <= 0 || len > MAX_RW_COUNT - bytes {
                return None;
            }
            bytes += len;
        }
        let fd = entries.get(index)?.args[0];
        match self.examine(fd) {
            Merging::Any => {}
            Merging::UpTo(most) if bytes <= most => {}
            Merging::UpTo(_) | Merging::No => return None,
        }
        let mut iov = [libc::iovec {
            iov_base: std::ptr::null_mut(),
            iov_len: 0,
        }; MC_MAX_ENTRIES];
        for (slot, i) in iov.iter_mut().zip(group.clone()) {
            let (buf, len) = self.buffer_of(i, entries);
            *slot = libc::iovec {
                iov_base: buf as usize as *mut libc::c_void,
                iov_len: len as usize,
            };
        }
        let args = [fd, iov.as_ptr() as i64, group.len() as i64, 0, 0, 0];
        // SAFETY: the group's writes are calls the caller could make (its contract); writev
        // reads the same buffers for the same lengths, through `iov`, which lives until the
        // call returns.
        let written = unsafe { raw_syscall(libc::SYS_writev as u32, &args) };
        if written < 0 {
            return Some(written);
        }
        let mut left = written;
        for i in group {
            if left == 0 {
                break;
            }
            let (_, len) = self.buffer_of(i, entries);
            let got = left.min(len);
            if let Some(slot) = self.answered.get_mut(i) {
                *slot = got;
                self.answered_bits |= 1 << i;
            }
            left -= got;
            if got < len {
                break;
            }
        }
        self.take_answered(index)
    }

    /// The result a `writev` of this iteration gave entry `index`, once.
    fn take_answered(&mut self, index: usize) -> Option<i64> {
        let bit = 1u64.checked_shl(index as u32)?;
        if self.answered_bits & bit == 0 {
            return None;
        }
        self.answered_bits &= !bit;
        self.answered.get(index).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(fd: i64, len: i64) -> McEntry {
        McEntry::new(libc::SYS_write, &[fd, 0x1000, len])
    }

    #[test]
    fn groups_are_runs_of_writes_to_one_descriptor() {
        let read = McEntry::new(libc::SYS_read, &[3, 0x1000, 10]);
        let e = [
            write(4, 1),
            write(4, 2),
            write(5, 3),
            read,
            write(4, 1),
            write(4, 1),
            write(4, 1),
        ];
        assert_eq!(groups(&e).iter().collect::<Vec<_>>(), vec![0..2, 4..7]);
        let mut refd = write(4, 0);
        refd.refs = 1 << 2;
        assert!(
            groups(&[write(4, 1), refd]).is_empty(),
            "a length from a result"
        );
        assert!(
            groups(&[write(4, 1), write(4, 0)]).is_empty(),
            "an empty write"
        );
        let read = McEntry::new(libc::SYS_read, &[3, 0x1000, 10]);
        let mut of_read = write(4, 0);
        of_read.refs = 1 << 2;
        assert_eq!(
            groups(&[read, write(4, 4), of_read])
                .iter()
                .collect::<Vec<_>>(),
            vec![1..3],
            "a length from the result of an entry before the group"
        );
        let mut fd_of_read = write(0, 5);
        fd_of_read.refs = 1;
        assert!(
            groups(&[read, write(4, 4), fd_of_read]).is_empty(),
            "a descriptor from a result"
        );
        let stops_anyway = write(4, 1).stop(MC_STOP_NE_ARG, 1);
        assert_eq!(
            groups(&[stops_anyway, write(4, 1), write(4, 1)])
                .iter()
                .collect::<Vec<_>>(),
            vec![1..3],
            "a predicate that fires on a whole write ends its group"
        );
        assert_eq!(
            groups(&[write(4, 1), stops_anyway, write(4, 1)])
                .iter()
                .collect::<Vec<_>>(),
            vec![0..2],
            "a write may end a group whatever its predicate"
        );
        assert_eq!(
            groups(&[write(4, MAX_RW_COUNT), write(4, 1), write(4, 1)])
                .iter()
                .collect::<Vec<_>>(),
            vec![1..3],
            "at most MAX_RW_COUNT bytes in one group"
        );
    }

    #[test]
    fn plans_only_what_saves_crossings() {
        let two = [write(4, 1), write(4, 1)];
        assert!(
            Writes::plan(&two, false, false).is_none(),
            "examined each time: too short"
        );
        assert!(
            Writes::plan(&two, true, false).is_some(),
            "looped, examined once"
        );
        assert!(
            Writes::plan(&two, true, true).is_none(),
            "advancing arguments"
        );
        let close = McEntry::new(libc::SYS_close, &[4]);
        assert!(
            Writes::plan(&[write(4, 1), write(4, 1), close], true, false).is_none(),
            "a close may change the descriptor between iterations"
        );
        let five = [write(4, 1); MIN_GROUP_UNSTABLE];
        assert!(Writes::plan(&five, false, false).is_some());
    }

    #[test]
    fn which_descriptors_take_merged_writes() {
        use std::os::fd::AsRawFd;
        let dir = std::env::temp_dir().join(format!("merge-test-{}", std::process::id()));
        std::fs::write(&dir, b"").unwrap();
        let file = std::fs::OpenOptions::new().append(true).open(&dir).unwrap();
        let null = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/null")
            .unwrap();
        let proc_file = std::fs::File::open("/proc/self/stat").unwrap();
        // The temporary directory may be on any filesystem: a regular file there is merged
        // exactly when it is a task-independent one.
        let expected = if descriptor::on_task_independent_filesystem(file.as_raw_fd()) {
            Merging::Any
        } else {
            Merging::No
        };
        assert_eq!(merging_of(file.as_raw_fd().into()), expected);
        assert_eq!(merging_of(null.as_raw_fd().into()), Merging::Any);
        assert_eq!(merging_of(proc_file.as_raw_fd().into()), Merging::No);
        assert_eq!(merging_of(-1), Merging::No);
        assert_eq!(merging_of(i64::from(i32::MAX) + 1), Merging::No);

        let pipe = |flags: i32| {
            let mut fds = [0i32; 2];
            // SAFETY: pipe2 writes two descriptors into the array.
            assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), flags) }, 0);
            fds
        };
        let socketpair = |kind: i32| {
            let mut fds = [0i32; 2];
            // SAFETY: socketpair writes two descriptors into the array.
            assert_eq!(
                unsafe { libc::socketpair(libc::AF_UNIX, kind, 0, fds.as_mut_ptr()) },
                0
            );
            fds
        };
        let cases = [
            (pipe(0), Merging::UpTo(PIPE_BUF), "a blocking pipe"),
            (pipe(libc::O_NONBLOCK), Merging::No, "a non-blocking pipe"),
            (pipe(libc::O_DIRECT), Merging::No, "a packet pipe"),
            (
                socketpair(libc::SOCK_STREAM),
                Merging::Any,
                "a Unix stream socket",
            ),
            (
                socketpair(libc::SOCK_DGRAM),
                Merging::No,
                "a datagram socket",
            ),
            (
                socketpair(libc::SOCK_SEQPACKET),
                Merging::No,
                "a seqpacket socket",
            ),
        ];
        for (fds, merging, what) in cases {
            assert_eq!(merging_of(fds[1].into()), merging, "{what}");
            // SAFETY: closing the descriptors this test opened.
            unsafe {
                libc::close(fds[0]);
                libc::close(fds[1]);
            }
        }
        std::fs::remove_file(&dir).unwrap();
    }
}
