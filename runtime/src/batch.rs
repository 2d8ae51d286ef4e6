//! What every backend shares: the batch as submitted (a validated copy of the caller's
//! entries, [`Batch`]), the stop predicates, the list of calls that are never run, the
//! translation of restart codes, and the loop over iterations and entries that the backends
//! running in user space (direct system calls, io_uring) share ([`Batch::run`]).
//!
//! The rules are those of the header comment of `kmod/include/uapi/linux/multicall.h`; the
//! direct backend (`crate::direct`) applies them one entry at a time and is the reference
//! the other backends are tested against.
//!
//! Every backend runs from the copy taken at submission, as the kernel module does with its
//! own copy: a call of the batch that overwrites the caller's entries (a `read` into the
//! array) changes nothing about which calls run, with which arguments and references, and
//! no reference can point outside the batch. Only the result fields are written back to the
//! caller's array, every one of them, when the batch returns ([`Batch::write_back`]).
//!
//! Watched words (`MC_BATCH_WATCH`, `MC_BATCH_WATCHES`, [`Watch`]) are the one thing a batch
//! reads from the caller's memory while it runs: each after its entry, or after each
//! completed iteration, as the program's own test of a `volatile sig_atomic_t` flag would
//! ([`Batch::run`]).

use crate::abi::MC_STOP_NEVER;
use crate::abi::{is_error_result, MC_STOP_NE_ARG, MC_STOP_NONPOS};
use crate::abi::{McAdvance, McEntry, MC_MAX_ARGS, MC_MAX_ENTRIES, MC_STOP_MAX, MC_STOP_NEG};
use crate::abi::{McWatch, MC_MAX_WATCHES};
use crate::abi::{MC_BATCH_WATCH, MC_WATCH_MODES, MC_WATCH_SIZE, MC_WATCH_ZERO};
use std::mem::MaybeUninit;
use thiserror::Error;

/// Why a batch was refused. Nothing ran; the C API reports every one of these as `EINVAL`.
#[derive(Debug, Error, Clone, Copy, PartialEq, Eq)]
pub enum BatchError {
    /// The entries pointer is null.
    #[error("the entries pointer is null: pass an array of struct mc_entry")]
    NullEntries,
    /// `count` is zero.
    #[error("the batch is empty: count must be at least 1")]
    Empty,
    /// `count` is above `MC_MAX_ENTRIES`.
    #[error("the batch has {0} entries, more than MC_MAX_ENTRIES ({MC_MAX_ENTRIES}): split it")]
    TooMany(usize),
    /// A stop code that is not one of `MC_STOP_*`.
    #[error("entry {index}: unknown stop code {stop} (valid: 0..={MC_STOP_MAX})")]
    UnknownStop {
        /// The entry.
        index: usize,
        /// Its stop code.
        stop: u8,
    },
    /// A `stop_arg` that names no argument.
    #[error("entry {index}: stop_arg {stop_arg} names no argument (valid: 0..=5)")]
    StopArg {
        /// The entry.
        index: usize,
        /// Its stop_arg.
        stop_arg: u8,
    },
    /// Bits of `refs` above bit 5.
    #[error("entry {index}: refs {refs:#x} has bits above bit 5, which name no argument")]
    RefBits {
        /// The entry.
        index: usize,
        /// Its refs field.
        refs: u16,
    },
    /// A reference to the entry itself, a later entry, or a negative index.
    #[error("entry {index}: args[{arg}] refers to entry {target}, which is not an earlier entry")]
    BadReference {
        /// The entry.
        index: usize,
        /// The argument holding the reference.
        arg: usize,
        /// The referenced index.
        target: i64,
    },
    /// A looped batch with `max_iters` 0.
    #[error("a looped batch needs max_iters of at least 1")]
    ZeroIterations,
    /// Flags other than `MC_BATCH_LOOP`, `MC_BATCH_DEAD_BUFFERS`, `MC_BATCH_LIVE_AT_STOP`,
    /// `MC_BATCH_SUMS`, `MC_BATCH_ADVANCE` and `MC_BATCH_WATCH`.
    #[error(
        "unknown batch flags {0:#x} (valid: MC_BATCH_LOOP, MC_BATCH_DEAD_BUFFERS, MC_BATCH_LIVE_AT_STOP, MC_BATCH_SUMS, MC_BATCH_ADVANCE, MC_BATCH_WATCH)"
    )]
    UnknownFlags(u32),
    /// `MC_BATCH_SUMS` without a sums array, or a sums array without the flag.
    #[error("MC_BATCH_SUMS and the sums pointer go together: both set or neither")]
    Sums,
    /// `MC_BATCH_ADVANCE` without an advances array, an array without the flag, or advances
    /// in a batch that is not looped.
    #[error("MC_BATCH_ADVANCE and the advances pointer go together, in a looped batch")]
    Advances,
    /// A `struct mc_advance` that breaks a rule of the ABI.
    #[error("entry {index}: its struct mc_advance {why}")]
    BadAdvance {
        /// The entry.
        index: usize,
        /// What is wrong.
        why: &'static str,
    },
    /// `MC_BATCH_WATCH` with a watch the ABI refuses, or `watch`/`watch_mode` without it.
    #[error("the watched word: {0}")]
    BadWatch(&'static str),
    /// `MC_BATCH_WATCHES` with a list the ABI refuses, or its fields without it.
    #[error("the watched words (MC_BATCH_WATCHES): {0}")]
    BadWatches(&'static str),
}

impl BatchError {
    /// The errno the C API reports.
    pub fn errno(&self) -> i32 {
        libc::EINVAL
    }
}

/// Where a batch stopped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    /// The entry whose stop predicate fired (or that was interrupted), or the entry count.
    pub stop_index: usize,
    /// Iterations begun: 1 for a plain batch.
    pub iterations: u64,
}

/// A batch's watched word (`MC_BATCH_WATCH`), checked against the ABI's rules: a naturally
/// aligned, non-null integer of 1, 2, 4 or 8 bytes in the caller's memory, and whether the
/// batch ends when it is non-zero or, with `MC_WATCH_ZERO`, when it is zero.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Watch {
    addr: u64,
    mode: u32,
}

impl Watch {
    /// The watch that `struct mc_batch`'s `flags`, `watch` and `watch_mode` describe: `None`
    /// without `MC_BATCH_WATCH` (then both fields must be zero), else a watch whose pointer
    /// and mode pass every rule of the header's invalid-batch list but the one about
    /// looping, which [`Batch::set_watch`] checks. Reads nothing.
    pub fn from_fields(
        flags: u32,
        watch: u64,
        watch_mode: u32,
    ) -> Result<Option<Watch>, BatchError> {
        if flags & MC_BATCH_WATCH == 0 {
            return match (watch, watch_mode) {
                (0, 0) => Ok(None),
                (_, 0) => Err(BatchError::BadWatch(
                    "a non-zero watch pointer without MC_BATCH_WATCH",
                )),
                _ => Err(BatchError::BadWatch(
                    "a non-zero watch_mode without MC_BATCH_WATCH",
                )),
            };
        }
        let size = u64::from(watch_mode & MC_WATCH_SIZE);
        let why = if watch_mode & !MC_WATCH_MODES != 0 {
            Some("watch_mode has bits other than MC_WATCH_SIZE and MC_WATCH_ZERO")
        } else if !matches!(size, 1 | 2 | 4 | 8) {
            Some("the size (watch_mode & MC_WATCH_SIZE) is not 1, 2, 4 or 8 bytes")
        } else if watch == 0 {
            Some("MC_BATCH_WATCH with a null watch pointer")
        } else if !watch.is_multiple_of(size) {
            Some("the watch pointer is not aligned to the integer's size")
        } else {
            None
        };
        match why {
            Some(why) => Err(BatchError::BadWatch(why)),
            None => Ok(Some(Watch {
                addr: watch,
                mode: watch_mode,
            })),
        }
    }

    /// The address of the watched integer (`struct mc_batch.watch`).
    pub fn addr(&self) -> u64 {
        self.addr
    }

    /// Its `struct mc_batch.watch_mode`.
    pub fn mode(&self) -> u32 {
        self.mode
    }

    /// The bytes of the integer: 1, 2, 4 or 8.
    pub fn size(&self) -> usize {
        (self.mode & MC_WATCH_SIZE) as usize
    }

    /// Whether the batch ends on zero (`MC_WATCH_ZERO`) rather than on non-zero.
    pub fn ends_on_zero(&self) -> bool {
        self.mode & MC_WATCH_ZERO != 0
    }

    /// Reads the integer once, with a volatile load of its width (as the program's own
    /// `volatile` load does), and says whether the batch ends.
    ///
    /// # Safety
    ///
    /// The integer is readable: the caller's promise that its loop could test it here.
    pub unsafe fn ends(&self) -> bool {
        let addr = self.addr as usize;
        // SAFETY: `from_fields` checked that the address is non-null and aligned to the width
        // read, and the caller vouches that it is readable. The load goes through a raw
        // pointer (no reference is made to memory that a signal handler or a call of the
        // batch writes), once and at exactly this width: volatile, so it is neither elided
        // nor merged with another, as the C program's load of a `volatile sig_atomic_t` is
        // not. A store from another thread races with it as it would race with the
        // program's own load.
        let value = unsafe {
            match self.size() {
                1 => u64::from(std::ptr::read_volatile(addr as *const u8)),
                2 => u64::from(std::ptr::read_volatile(addr as *const u16)),
                4 => u64::from(std::ptr::read_volatile(addr as *const u32)),
                _ => std::ptr::read_volatile(addr as *const u64),
            }
        };
        (value == 0) == self.ends_on_zero()
    }
}

/// The room of a [`Batch`]'s watches that no watch fills; never read.
const NO_WATCH: Watch = Watch { addr: 0, mode: 0 };

/// Checks `entries` against every rule of the ABI. Reads nothing but the entries.
pub fn validate(entries: &[McEntry]) -> Result<(), BatchError> {
    if entries.is_empty() {
        return Err(BatchError::Empty);
    }
    if entries.len() > MC_MAX_ENTRIES {
        return Err(BatchError::TooMany(entries.len()));
    }
    for (index, entry) in entries.iter().enumerate() {
        validate_entry(index, entry)?;
    }
    Ok(())
}

/// Checks entry `index` of a batch against the ABI's rules for one entry: a known stop
/// code, its argument in range, reference bits only for arguments, and each reference to
/// an earlier entry. [`validate`] applies it to every entry after checking the count.
#[inline(always)]
fn validate_entry(index: usize, entry: &McEntry) -> Result<(), BatchError> {
    if entry.stop > MC_STOP_MAX {
        return Err(BatchError::UnknownStop {
            index,
            stop: entry.stop,
        });
    }
    if entry.stop_arg as usize >= MC_MAX_ARGS {
        return Err(BatchError::StopArg {
            index,
            stop_arg: entry.stop_arg,
        });
    }
    if entry.refs >> MC_MAX_ARGS != 0 {
        return Err(BatchError::RefBits {
            index,
            refs: entry.refs,
        });
    }
    if entry.refs != 0 {
        for arg in 0..MC_MAX_ARGS {
            if entry.refs & (1 << arg) != 0 {
                let target = entry.args[arg];
                if target < 0 || target >= index as i64 {
                    return Err(BatchError::BadReference { index, arg, target });
                }
            }
        }
    }
    Ok(())
}

/// Whether the call `nr` with `args` (after reference substitution) is answered with
/// -ENOSYS instead of running ([`crate::abi::is_denied`]: the never-run list of the ABI, a
/// batch inside a batch, numbers with the x32 bit).
pub fn is_denied(nr: u32, args: &[i64; MC_MAX_ARGS]) -> bool {
    crate::abi::is_denied(nr, args)
}

/// The kernel's internal restart codes (`include/linux/errno.h`): a plain system call
/// never returns them to user space, but a backend that dispatches inside the kernel sees
/// them, and the module's ioctl returns them when no signal is pending to act on them.
pub const ERESTARTSYS: i32 = 512;
/// See [`ERESTARTSYS`].
pub const ERESTARTNOINTR: i32 = 513;
/// See [`ERESTARTSYS`].
pub const ERESTARTNOHAND: i32 = 514;
/// See [`ERESTARTSYS`].
pub const ERESTART_RESTARTBLOCK: i32 = 516;

/// Whether `result` means "interrupted by a signal": -EINTR or a restart code. Such an entry
/// stops the batch whatever its predicate.
pub fn is_interrupted(result: i64) -> bool {
    [
        libc::EINTR,
        ERESTARTSYS,
        ERESTARTNOINTR,
        ERESTARTNOHAND,
        ERESTART_RESTARTBLOCK,
    ]
    .iter()
    .any(|&code| result == -i64::from(code))
}

/// The arguments of `entry` with its references substituted: each argument that `refs` marks
/// holds the index of an earlier entry of `entries` (the batch's own copy), whose result it
/// stands for. validate() checked 0 <= index < the entry's own index on that copy, which no
/// call of the batch can reach; the index is bounds-checked all the same.
pub(crate) fn substituted(entry: &McEntry, entries: &[McEntry]) -> [i64; MC_MAX_ARGS] {
    let mut args = entry.args;
    if entry.refs == 0 {
        return args;
    }
    for (arg, value) in args.iter_mut().enumerate() {
        if entry.refs & (1 << arg) != 0 {
            *value = entries[*value as usize].result;
        }
    }
    args
}

/// `result` as the batch reports it: restart codes become -EINTR.
pub fn reported(result: i64) -> i64 {
    if is_interrupted(result) {
        -(libc::EINTR as i64)
    } else {
        result
    }
}

/// Whether the stop predicate of `entry` fires on `result`; `args` are the arguments after
/// references were substituted.
pub fn fires(entry: &McEntry, args: &[i64; MC_MAX_ARGS], result: i64) -> bool {
    match entry.stop {
        MC_STOP_NEVER => false,
        MC_STOP_NEG => result < 0,
        MC_STOP_NONPOS => result <= 0,
        // validate() bounds stop_arg; an out-of-range one stops rather than panics. An error
        // stops whatever the argument: a count of -errno is no transfer that succeeded.
        MC_STOP_NE_ARG => match args.get(entry.stop_arg as usize) {
            Some(&expected) => is_error_result(result) || result != expected,
            None => true,
        },
        _ => true,
    }
}

/// The storage of a batch's entries: the first [`Batch::count`] are initialised.
type Slots = [MaybeUninit<McEntry>; MC_MAX_ENTRIES];

/// The first `count` entries of a batch's slots, which are initialised: [`Batch::fill`] sets
/// a batch's count after writing them, and nothing else raises it.
fn initialised(slots: &Slots, count: usize) -> &[McEntry] {
    // SAFETY: the first `count` slots are initialised McEntry values (the caller passes a
    // batch's own slots and count), and MaybeUninit<McEntry> has McEntry's layout.
    unsafe {
        std::slice::from_raw_parts(slots.as_ptr().cast::<McEntry>(), count.min(MC_MAX_ENTRIES))
    }
}

/// A batch as submitted: a copy of the caller's entries, taken once and validated, from
/// which every backend runs (see the module docs), with its loop bound.
///
/// A batch is 6 KiB, nearly all of it room for `MC_MAX_ENTRIES` entries that a batch of a few
/// calls leaves unused: the runtime's entry points make one where it stays
/// ([`Batch::unfilled`]) and fill it in place ([`Batch::fill`]), so that no byte of the unused
/// room is written, nor the batch moved, on the way to its calls (zeroing and moving it cost
/// more than a system call).
#[derive(Debug, Clone)]
pub struct Batch {
    entries: Slots,
    count: usize,
    max_iters: Option<u64>,
    /// `MC_BATCH_SUMS`: per entry, the sum of its results over the completed iterations,
    /// starting from the caller's values.
    sums: Option<[i64; MC_MAX_ENTRIES]>,
    /// `MC_BATCH_ADVANCE`: how each entry's arguments advance after a completed iteration.
    advances: Option<[McAdvance; MC_MAX_ENTRIES]>,
    /// The watched words, in the order they are read, each with the entry after which it
    /// is read (`count - 1`: after each completed iteration): `MC_BATCH_WATCHES`'s list, or
    /// `MC_BATCH_WATCH`'s word after the last entry. The first `nwatches` are set.
    watches: [(Watch, usize); MC_MAX_WATCHES],
    nwatches: usize,
}

impl Batch {
    /// A batch of no entries, to be filled by [`Batch::fill`]. Its room for entries is left
    /// as it is.
    #[inline(always)]
    pub fn unfilled() -> Batch {
        Batch {
            // SAFETY: an array of `MaybeUninit` is valid uninitialised.
            entries: unsafe { MaybeUninit::<Slots>::uninit().assume_init() },
            count: 0,
            max_iters: None,
            sums: None,
            advances: None,
            watches: [(NO_WATCH, 0); MC_MAX_WATCHES],
            nwatches: 0,
        }
    }

    /// Makes this batch a copy of the `count` entries at `entries`, validated; `max_iters`
    /// makes it a looped batch (no sums, advances or watch). Nothing is read when the pointer
    /// is null or `count` is out of range. The caller's array may be unaligned. On an error
    /// the batch has no entries.
    ///
    /// # Safety
    ///
    /// `entries` is null or points to `count` readable entries.
    pub unsafe fn fill(
        &mut self,
        entries: *const McEntry,
        count: usize,
        max_iters: Option<u64>,
    ) -> Result<(), BatchError> {
        self.count = 0;
        self.max_iters = max_iters;
        self.sums = None;
        self.advances = None;
        self.nwatches = 0;
        if entries.is_null() {
            return Err(BatchError::NullEntries);
        }
        if count > MC_MAX_ENTRIES {
            return Err(BatchError::TooMany(count));
        }
        if max_iters == Some(0) {
            return Err(BatchError::ZeroIterations);
        }
        if count == 0 {
            return Err(BatchError::Empty);
        }
        // Each entry is copied and checked in one pass, with fixed-size copies the compiler
        // makes inline: a batch is a few entries, for which a call to `memcpy` and a second
        // pass over them cost more than the checks.
        for (index, slot) in self.entries[..count].iter_mut().enumerate() {
            // SAFETY: index < count readable entries (the caller's contract), copied as
            // bytes (no alignment needed) into the batch's own slot, which does not overlap
            // them; every bit pattern is a valid McEntry, so the slot is initialised.
            let entry = unsafe {
                std::ptr::copy_nonoverlapping(
                    entries.add(index).cast::<u8>(),
                    slot.as_mut_ptr().cast::<u8>(),
                    std::mem::size_of::<McEntry>(),
                );
                slot.assume_init_ref()
            };
            validate_entry(index, entry)?;
        }
        self.count = count;
        Ok(())
    }

    /// A batch of a copy of the `count` entries at `entries` ([`Batch::fill`]).
    ///
    /// # Safety
    ///
    /// `entries` is null or points to `count` readable entries.
    pub unsafe fn take(
        entries: *const McEntry,
        count: usize,
        max_iters: Option<u64>,
    ) -> Result<Batch, BatchError> {
        let mut batch = Batch::unfilled();
        // SAFETY: forwarded from the caller.
        unsafe { batch.fill(entries, count, max_iters) }?;
        Ok(batch)
    }

    /// A batch of a copy of `entries`, validated.
    pub fn new(entries: &[McEntry], max_iters: Option<u64>) -> Result<Batch, BatchError> {
        let mut batch = Batch::unfilled();
        // SAFETY: a slice's pointer and length: its entries are readable.
        unsafe { batch.fill(entries.as_ptr(), entries.len(), max_iters) }?;
        Ok(batch)
    }

    /// Advances arguments (`MC_BATCH_ADVANCE`) as the `count` descriptors at `advances` say
    /// (which may be unaligned), after checking them against the ABI's rules on a copy.
    ///
    /// # Safety
    ///
    /// `advances` points to [`Batch::count`] readable `struct mc_advance`.
    pub unsafe fn take_advances(&mut self, advances: *const McAdvance) -> Result<(), BatchError> {
        if self.max_iters.is_none() {
            return Err(BatchError::Advances);
        }
        let mut copy = [McAdvance::default(); MC_MAX_ENTRIES];
        for (index, slot) in copy[..self.count].iter_mut().enumerate() {
            // SAFETY: index < count readable descriptors (the caller's contract), unaligned.
            *slot = unsafe { advances.add(index).read_unaligned() };
        }
        for (index, (adv, entry)) in copy.iter().zip(self.entries()).enumerate() {
            let moving = adv
                .by
                .iter()
                .enumerate()
                .fold(0u8, |bits, (a, &by)| bits | (u8::from(by != 0) << a));
            let why = if adv.by.iter().any(|&by| by as usize > self.count) {
                Some("advances by an entry that is not in the batch")
            } else if (adv.down | adv.until_zero | adv.until_nonpos) & !moving != 0 {
                Some("has down or until bits for an argument that does not advance")
            } else if u16::from(moving) & entry.refs != 0 {
                Some("advances an argument that is a reference")
            } else if adv.reserved != [0; 7] {
                Some("has non-zero reserved bytes")
            } else {
                None
            };
            if let Some(why) = why {
                return Err(BatchError::BadAdvance { index, why });
            }
        }
        self.advances = Some(copy);
        Ok(())
    }

    /// Watches a word (`MC_BATCH_WATCH`): after each iteration that completes, and after the
    /// advancing arguments' tests, the batch reads it ([`Watch::ends`]) and ends when it
    /// says so, reporting `count` as at the bound. Looped batches only.
    pub fn set_watch(&mut self, watch: Watch) -> Result<(), BatchError> {
        if self.max_iters.is_none() {
            return Err(BatchError::BadWatch("MC_BATCH_WATCH without MC_BATCH_LOOP"));
        }
        self.watches[0] = (watch, self.count.saturating_sub(1));
        self.nwatches = 1;
        Ok(())
    }

    /// Watches several words (`MC_BATCH_WATCHES`), each read after its entry (`after`): a
    /// watch after the last entry as [`Batch::set_watch`]'s, one after an earlier entry in
    /// every iteration, ending the batch at that entry's index when it says so (the header's
    /// "Several watched words"). Checks the list against the ABI: 1 ..= `MC_MAX_WATCHES`
    /// valid words ([`Watch::from_fields`]), each after an entry of the batch, in order of
    /// `after`, and none after the last entry of a batch that is not looped. On an error the
    /// batch watches nothing.
    pub fn set_watches(&mut self, list: &[McWatch]) -> Result<(), BatchError> {
        self.nwatches = 0;
        if list.is_empty() || list.len() > MC_MAX_WATCHES {
            return Err(BatchError::BadWatches(
                "nwatches is not 1 ..= MC_MAX_WATCHES",
            ));
        }
        for (k, w) in list.iter().enumerate() {
            let word = Watch::from_fields(MC_BATCH_WATCH, w.addr, w.mode)
                .map_err(|err| match err {
                    BatchError::BadWatch(why) => BatchError::BadWatches(why),
                    other => other,
                })?
                .unwrap_or(NO_WATCH);
            let after = w.after as usize;
            let why = if after >= self.count {
                Some("a watch after an entry at or above count")
            } else if k > 0 && w.after < list[k - 1].after {
                Some("the watches are not in order of their after field")
            } else if self.max_iters.is_none() && after + 1 == self.count {
                Some("a watch after the last entry of a batch that is not looped")
            } else {
                None
            };
            if let Some(why) = why {
                return Err(BatchError::BadWatches(why));
            }
            self.watches[k] = (word, after);
        }
        self.nwatches = list.len();
        Ok(())
    }

    /// The watched words and the entries they are read after, in the order they are read.
    pub fn watches(&self) -> &[(Watch, usize)] {
        &self.watches[..self.nwatches]
    }

    /// Whether a watched word is read before the iteration completes (after an entry but
    /// the last), which a backend that sends a whole iteration at once cannot do.
    pub fn watches_within(&self) -> bool {
        self.watches()
            .iter()
            .any(|&(_, after)| after + 1 < self.count)
    }

    /// Reads the words watched after entry `index`, in order, until one says to end the
    /// batch; whether one did.
    ///
    /// # Safety
    ///
    /// The words are readable there (the caller's promise for the batch).
    unsafe fn watches_end(&self, index: usize) -> bool {
        self.watches()
            .iter()
            .filter(|&&(_, after)| after == index)
            // SAFETY: forwarded from the caller.
            .any(|(watch, _)| unsafe { watch.ends() })
    }

    /// The advance descriptors, when the batch's arguments advance.
    pub fn advances(&self) -> Option<&[McAdvance]> {
        self.advances.as_ref().map(|adv| &adv[..self.count])
    }

    /// The descriptors as an array the kernel module reads (`struct mc_batch.advances`).
    pub(crate) fn advances_ptr(&self) -> Option<*const McAdvance> {
        self.advances.as_ref().map(|adv| adv.as_ptr())
    }

    /// After `times` completed iterations with the entries' results now: advances the
    /// arguments by `times` times those results (modulo 2^64), and says whether an argument
    /// with an until bit reached its end (the batch ends; for more than one iteration only
    /// the end is checked, so the caller counts iterations none of whose ends fires).
    fn advance(&mut self, times: u64) -> bool {
        if self.advances.is_none() {
            return false;
        }
        // A copy, not a Vec: a batch allocates nothing as it runs (a forked child may run it).
        let mut steps = [0i64; MC_MAX_ENTRIES];
        for (step, entry) in steps.iter_mut().zip(self.entries()) {
            *step = entry.result.wrapping_mul(times as i64);
        }
        self.advance_by(&steps)
    }

    /// After a backend that advanced its own copy of the arguments (the kernel module):
    /// advances this copy as far, by what each entry's results added up to over the
    /// iterations it completed (`grown[k]`: the growth of entry `k`'s sum), so that a batch
    /// run in parts (the copy's warm-up, then the rest) goes on from where the part ended.
    pub(crate) fn advance_by_grown_sums(&mut self, grown: &[i64]) {
        self.advance_by(grown);
    }

    /// Advances each argument that advances by entry `k`'s result by `steps[k]` (up, or down
    /// by its bit), modulo 2^64; whether an argument with an until bit reached its end.
    fn advance_by(&mut self, steps: &[i64]) -> bool {
        let Some(advances) = self.advances else {
            return false;
        };
        let mut end = false;
        for (entry, adv) in self.entries_mut().iter_mut().zip(&advances) {
            for (a, &by) in adv.by.iter().enumerate() {
                let Some(&step) = (by as usize).checked_sub(1).and_then(|k| steps.get(k)) else {
                    continue;
                };
                let arg = &mut entry.args[a];
                *arg = if adv.down & (1 << a) != 0 {
                    arg.wrapping_sub(step)
                } else {
                    arg.wrapping_add(step)
                };
                end |= (adv.until_zero & (1 << a) != 0 && *arg == 0)
                    || (adv.until_nonpos & (1 << a) != 0 && *arg <= 0);
            }
        }
        end
    }

    /// Keeps result sums (`MC_BATCH_SUMS`) starting from a copy of the `count` values at
    /// `sums`, which may be unaligned.
    ///
    /// # Safety
    ///
    /// `sums` points to [`Batch::count`] readable `i64`s.
    pub unsafe fn take_sums(&mut self, sums: *const i64) {
        let mut copy = [0i64; MC_MAX_ENTRIES];
        for (index, slot) in copy[..self.count].iter_mut().enumerate() {
            // SAFETY: index < count readable values (the caller's contract), read unaligned.
            *slot = unsafe { sums.add(index).read_unaligned() };
        }
        self.sums = Some(copy);
    }

    /// The result sums, when the batch keeps them.
    pub fn sums(&self) -> Option<&[i64]> {
        self.sums.as_ref().map(|sums| &sums[..self.count])
    }

    /// The sums as an array the kernel module reads and writes (`struct mc_batch.sums`).
    pub(crate) fn sums_mut_ptr(&mut self) -> Option<*mut i64> {
        self.sums.as_mut().map(|sums| sums.as_mut_ptr())
    }

    /// Counts `times` completed iterations whose results are the entries' results now:
    /// adds `times` times each result to its sum (modulo 2^64), when the batch keeps sums,
    /// and advances the arguments by them (`MC_BATCH_ADVANCE`); whether an argument with an
    /// until bit reached its end, which ends the batch.
    pub(crate) fn complete(&mut self, times: u64) -> bool {
        if let Some(sums) = self.sums.as_mut() {
            for (sum, entry) in sums.iter_mut().zip(initialised(&self.entries, self.count)) {
                *sum = sum.wrapping_add(entry.result.wrapping_mul(times as i64));
            }
        }
        self.advance(times)
    }

    /// Writes the sums to the caller's array (which may be unaligned), when the batch keeps
    /// them, as the kernel module does when its ioctl returns.
    ///
    /// # Safety
    ///
    /// `sums` points to [`Batch::count`] writable `i64`s when the batch keeps sums.
    pub unsafe fn write_back_sums(&self, sums: *mut i64) {
        for (index, sum) in self.sums().unwrap_or(&[]).iter().enumerate() {
            // SAFETY: index < count writable values (the caller's contract), unaligned.
            unsafe { sums.add(index).write_unaligned(*sum) };
        }
    }

    /// The entries, with the results of the last run.
    pub fn entries(&self) -> &[McEntry] {
        initialised(&self.entries, self.count)
    }

    /// The entries, to write their results and advance their arguments.
    fn entries_mut(&mut self) -> &mut [McEntry] {
        // SAFETY: as for `entries`; the borrow is the batch's own, exclusive.
        unsafe {
            std::slice::from_raw_parts_mut(self.entries.as_mut_ptr().cast::<McEntry>(), self.count)
        }
    }

    /// The entries' count (1 ..= `MC_MAX_ENTRIES`).
    pub fn count(&self) -> usize {
        self.count
    }

    /// The most iterations of a looped batch; `None` for a plain one.
    pub fn max_iters(&self) -> Option<u64> {
        self.max_iters
    }

    /// Lowers the bound of a looped batch to `max_iters` (at least 1), for the iterations
    /// left after some ran elsewhere ([`crate::copy`]); a plain batch stays plain.
    pub(crate) fn set_max_iters(&mut self, max_iters: u64) {
        if self.max_iters.is_some() {
            self.max_iters = Some(max_iters.max(1));
        }
    }

    /// Whether the batch is looped.
    pub fn looped(&self) -> bool {
        self.max_iters.is_some()
    }

    /// The copy, for a backend that hands it to the kernel module (which reads it and writes
    /// only its result fields).
    pub(crate) fn entries_mut_ptr(&mut self) -> *mut McEntry {
        self.entries.as_mut_ptr().cast::<McEntry>()
    }

    /// Sets the result of entry `index` (ignored outside the batch).
    pub(crate) fn set_result(&mut self, index: usize, result: i64) {
        if let Some(entry) = self.entries_mut().get_mut(index) {
            entry.result = result;
        }
    }

    /// Writes the result field of every entry, and nothing else, to the caller's array, as
    /// the kernel module does when its ioctl returns. The array may be unaligned.
    ///
    /// # Safety
    ///
    /// `entries` points to [`Batch::count`] writable entries.
    pub unsafe fn write_back(&self, entries: *mut McEntry) {
        for (index, entry) in self.entries().iter().enumerate() {
            // SAFETY: index < count writable entries (the caller's contract); the field is
            // addressed without making a reference and written unaligned.
            unsafe {
                std::ptr::addr_of_mut!((*entries.add(index)).result).write_unaligned(entry.result)
            };
        }
    }

    /// Runs the batch with `calls` making the system calls: the loop over iterations and
    /// entries of the header's semantics, written once for every backend that runs in user
    /// space. For each entry of each iteration: references are substituted from the results
    /// of earlier entries of the same iteration, a denied call ([`is_denied`]) gets -ENOSYS
    /// without running, restart codes are reported as -EINTR ([`reported`]), the result is
    /// stored, and an interrupted entry or a predicate that fires ends the batch there. A
    /// looped batch repeats until then or until `max_iters` iterations have begun. Each
    /// iteration that completes adds its results to the sums ([`Batch::complete`]) and
    /// advances the arguments, which may end the batch (`MC_BATCH_ADVANCE`); then, when the
    /// batch watches a word (`MC_BATCH_WATCH`), reads it ([`Watch::ends`]), which may end the
    /// batch too, and only then compares the iterations with the bound. The word is never
    /// read before the first iteration, nor after one that stopped. The calls of an
    /// iteration have all returned when it is read, so a signal handler that one of them
    /// made run (SIGPIPE from a write to a pipe without reader, SIGXFSZ), or that any signal
    /// ran during a crossing, has set it by then: the loop's own test would see it there.
    ///
    /// An error of [`Calls::start`] in the first iteration means nothing ran, and is returned.
    /// In a later iteration entries have run, so the batch must not be run again: it ends
    /// with the iterations done and `count` as its stop index, which is what a looped batch
    /// says when it ends early (as the module's does when a signal is pending) and the
    /// caller loops again.
    ///
    /// # Safety
    ///
    /// The system calls the entries describe are ones the caller could make itself, and the
    /// watched word, when there is one, is readable after each iteration (as the loop's own
    /// test needs it to be).
    pub(crate) unsafe fn run<C: Calls>(&mut self, calls: &mut C) -> Result<Outcome, C::Error> {
        let max = self.max_iters.unwrap_or(1);
        let mut iterations = 0;
        loop {
            // SAFETY: the entries are this validated copy; the calls are the caller's contract.
            if let Err(err) = unsafe { calls.start(self.entries()) } {
                if iterations == 0 {
                    return Err(err);
                }
                return Ok(Outcome {
                    stop_index: self.count,
                    iterations,
                });
            }
            iterations += 1;
            // SAFETY: forwarded from the caller.
            let stop_index = unsafe { self.run_iteration(calls) };
            let mut ended = false;
            if stop_index == self.count {
                ended = self.complete(1);
                if !ended {
                    // SAFETY: readable after each iteration (the caller's contract).
                    ended = unsafe { self.watches_end(self.count - 1) };
                }
            }
            if ended || stop_index < self.count || iterations >= max {
                return Ok(Outcome {
                    stop_index,
                    iterations,
                });
            }
        }
    }

    /// One iteration of [`Batch::run`]; returns the stop index.
    ///
    /// # Safety
    ///
    /// As for [`Batch::run`].
    unsafe fn run_iteration<C: Calls>(&mut self, calls: &mut C) -> usize {
        for index in 0..self.count {
            let entries = self.entries();
            let entry = &entries[index];
            let args = substituted(entry, entries);
            let raw = if is_denied(entry.nr, &args) {
                -i64::from(libc::ENOSYS)
            } else {
                // SAFETY: the caller's contract: calls it could make itself.
                unsafe { calls.call(index, entry.nr, &args, entries) }
            };
            let result = reported(raw);
            let stops = is_interrupted(raw) || fires(entry, &args, result);
            self.entries_mut()[index].result = result;
            // A word watched after this entry (not the last) is read once it ran and did
            // not stop the batch; one that says to end stops it here, as a predicate would.
            // SAFETY: readable there (the caller's contract).
            if stops || (index + 1 < self.count && unsafe { self.watches_end(index) }) {
                return index;
            }
        }
        self.count
    }
}

/// How a backend that runs in user space makes the calls of a batch; [`Batch::run`] does
/// everything else.
pub(crate) trait Calls {
    /// Why the batch could not run.
    type Error;

    /// Called before each iteration, with the entries as submitted (a backend that sends a
    /// whole iteration at once does it here).
    ///
    /// # Safety
    ///
    /// As for [`Batch::run`].
    unsafe fn start(&mut self, entries: &[McEntry]) -> Result<(), Self::Error>;

    /// The raw result (-errno or a restart code on failure) of entry `index`, the call `nr`
    /// with `args` (references substituted), which is not denied. `entries` are the batch's,
    /// with this iteration's results of the entries before `index`.
    ///
    /// # Safety
    ///
    /// As for [`Batch::run`].
    unsafe fn call(
        &mut self,
        index: usize,
        nr: u32,
        args: &[i64; MC_MAX_ARGS],
        entries: &[McEntry],
    ) -> i64;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_each_invalid_shape() {
        // A taken batch, checked as it is copied, is refused exactly as `validate` refuses
        // its entries, and keeps none of them.
        let validate = |entries: &[McEntry]| {
            let checked = super::validate(entries);
            match Batch::new(entries, None) {
                Ok(batch) => assert_eq!(batch.entries(), entries),
                Err(err) => assert_eq!(Err(err), checked),
            }
            let mut batch = Batch::unfilled();
            // SAFETY: a slice's pointer and length.
            let filled = unsafe { batch.fill(entries.as_ptr(), entries.len(), Some(2)) };
            assert_eq!(filled, checked);
            if filled.is_err() {
                assert_eq!(batch.count(), 0, "a refused batch keeps no entry");
            }
            checked
        };
        let ok = McEntry::new(libc::SYS_getpid, &[]);
        assert_eq!(validate(&[]), Err(BatchError::Empty));
        assert_eq!(validate(&[ok; 65]), Err(BatchError::TooMany(65)));
        assert_eq!(validate(&[ok; 64]), Ok(()));
        assert!(matches!(
            validate(&[ok.stop(4, 0)]),
            Err(BatchError::UnknownStop { index: 0, stop: 4 })
        ));
        assert!(matches!(
            validate(&[ok.stop(MC_STOP_NE_ARG, 6)]),
            Err(BatchError::StopArg { .. })
        ));
        let mut high = ok;
        high.refs = 1 << 6;
        assert!(matches!(validate(&[high]), Err(BatchError::RefBits { .. })));
        assert!(matches!(
            validate(&[ok.reference(0, 0)]),
            Err(BatchError::BadReference { target: 0, .. })
        ));
        assert!(matches!(
            validate(&[ok, ok.reference(1, 2), ok]),
            Err(BatchError::BadReference { target: 2, .. })
        ));
        let mut negative = ok;
        negative.refs = 1;
        negative.args[0] = -1;
        assert!(matches!(
            validate(&[ok, negative]),
            Err(BatchError::BadReference { target: -1, .. })
        ));
        assert_eq!(validate(&[ok, ok.reference(1, 0)]), Ok(()));
    }

    /// Answers each call from a script, records what it was asked, and fails `start` from
    /// the iteration `fail_at` on.
    struct Script {
        results: Vec<i64>,
        asked: Vec<(usize, u32, i64)>,
        started: u64,
        fail_at: Option<u64>,
    }

    impl Calls for Script {
        type Error = &'static str;

        unsafe fn start(&mut self, _: &[McEntry]) -> Result<(), &'static str> {
            self.started += 1;
            match self.fail_at {
                Some(n) if self.started >= n => Err("refused"),
                _ => Ok(()),
            }
        }

        unsafe fn call(
            &mut self,
            index: usize,
            nr: u32,
            args: &[i64; MC_MAX_ARGS],
            _: &[McEntry],
        ) -> i64 {
            self.asked.push((index, nr, args[0]));
            self.results[index]
        }
    }

    fn script(results: &[i64], fail_at: Option<u64>) -> Script {
        Script {
            results: results.to_vec(),
            asked: Vec::new(),
            started: 0,
            fail_at,
        }
    }

    #[test]
    fn the_shared_loop_substitutes_denies_and_stops() {
        let getpid = McEntry::new(libc::SYS_getpid, &[]);
        let entries = [
            getpid,
            getpid.reference(0, 0),
            McEntry::new(libc::SYS_exit_group, &[0]),
            getpid.stop(MC_STOP_NEG, 0),
            getpid,
        ];
        let mut batch = Batch::new(&entries, None).expect("valid");
        let mut calls = script(&[41, 42, 0, -i64::from(ERESTARTSYS), 7], None);
        // SAFETY: the script makes no system call.
        let outcome = unsafe { batch.run(&mut calls) };
        assert_eq!(
            outcome,
            Ok(Outcome {
                stop_index: 3,
                iterations: 1
            })
        );
        assert_eq!(
            calls.asked,
            [(0, 39, 0), (1, 39, 41), (3, 39, 0)],
            "the reference is substituted, exit_group never asked, nothing after the stop"
        );
        let results: Vec<i64> = batch.entries().iter().map(|e| e.result).collect();
        assert_eq!(
            results,
            [41, 42, -i64::from(libc::ENOSYS), -i64::from(libc::EINTR), 0]
        );
    }

    #[test]
    fn watch_fields_follow_the_abi() {
        use crate::abi::MC_BATCH_LOOP;
        #[repr(C, align(8))]
        struct Words([u8; 16]);
        let words = Words([0; 16]);
        let base = words.0.as_ptr() as u64;
        let w = MC_BATCH_LOOP | MC_BATCH_WATCH;
        assert_eq!(Watch::from_fields(MC_BATCH_LOOP, 0, 0), Ok(None));
        for (flags, addr, mode, ok) in [
            (w, base, 1, true),
            (w, base + 1, 1, true),
            (w, base + 2, 2, true),
            (w, base + 1, 2, false),
            (w, base + 4, 4, true),
            (w, base + 2, 4, false),
            (w, base + 8, 8, true),
            (w, base + 4, 8, false),
            (w, base, 8 | MC_WATCH_ZERO, true),
            (w, 0, 4, false),
            (w, base, 0, false),
            (w, base, 3, false),
            (w, base, 16, false),
            (w, base, 1 << 5 | 4, false),
            (MC_BATCH_LOOP, base, 0, false),
            (MC_BATCH_LOOP, 0, 4, false),
        ] {
            let got = Watch::from_fields(flags, addr, mode);
            assert_eq!(
                got.is_ok(),
                ok,
                "{flags:#x} {:#x} {mode:#x}: {got:?}",
                addr - base.min(addr)
            );
            if !ok {
                assert!(matches!(got, Err(BatchError::BadWatch(_))));
            }
        }
        let watch = Watch::from_fields(w, base, 4)
            .expect("valid")
            .expect("some");
        let mut plain = Batch::new(&[McEntry::new(libc::SYS_getpid, &[])], None).expect("valid");
        assert_eq!(
            plain.set_watch(watch),
            Err(BatchError::BadWatch("MC_BATCH_WATCH without MC_BATCH_LOOP"))
        );
    }

    #[test]
    fn the_watch_is_read_after_each_completed_iteration_only() {
        #[repr(C, align(8))]
        struct Word([u8; 24]);
        let getpid = McEntry::new(libc::SYS_getpid, &[]);
        for (size, zero) in [(1u32, false), (2, false), (4, true), (8, true)] {
            // The word's own bytes say "go on"; the bytes around it say "end".
            let mut word = Word([0; 24]);
            let bytes = word.0.as_mut_ptr();
            let go_on = if zero { 1 } else { 0 };
            // SAFETY: offsets 7 ..= 16 lie in the 24 bytes of `word`, written only through
            // `bytes` from here on.
            let set = |at: usize, value: u8| unsafe { bytes.add(at).write(value) };
            set(8, go_on);
            set(8 + size as usize, 1 - go_on);
            set(7, 1 - go_on);
            let addr = bytes as u64 + 8;
            let mode = size | if zero { MC_WATCH_ZERO } else { 0 };
            let watch = Watch::from_fields(MC_BATCH_WATCH, addr, mode)
                .expect("valid")
                .expect("some");
            // SAFETY: the word is this test's, alive and aligned.
            assert!(
                !unsafe { watch.ends() },
                "{size}: bytes outside do not count"
            );
            let mut batch = Batch::new(&[getpid], Some(5)).expect("valid");
            batch.set_watch(watch).expect("looped");
            // SAFETY: the script makes no system call; the word is readable.
            let outcome = unsafe { batch.run(&mut script(&[1], None)) };
            assert_eq!(
                outcome,
                Ok(Outcome {
                    stop_index: 1,
                    iterations: 5
                }),
                "{size}: to the bound"
            );
            // The word says "end" before the batch: one iteration runs all the same.
            set(8, 1 - go_on);
            let mut batch =
                Batch::new(&[getpid, getpid.stop(MC_STOP_NEG, 0)], Some(5)).expect("valid");
            batch.set_watch(watch).expect("looped");
            // SAFETY: as above.
            let outcome = unsafe { batch.run(&mut script(&[1, 2], None)) };
            assert_eq!(
                outcome,
                Ok(Outcome {
                    stop_index: 2,
                    iterations: 1
                }),
                "{size}: one iteration"
            );
            // A stopped iteration does not read it: the stop is reported.
            // SAFETY: as above.
            let outcome = unsafe { batch.run(&mut script(&[1, -2], None)) };
            assert_eq!(
                outcome,
                Ok(Outcome {
                    stop_index: 1,
                    iterations: 1
                }),
                "{size}: the stop"
            );
        }
    }

    #[test]
    fn the_shared_loop_never_runs_a_batch_again_after_a_failed_start() {
        let entries = [McEntry::new(libc::SYS_getpid, &[])];
        let mut batch = Batch::new(&entries, Some(10)).expect("valid");
        // SAFETY: the script makes no system call.
        let first = unsafe { batch.run(&mut script(&[1], Some(1))) };
        assert_eq!(first, Err("refused"), "nothing ran: the error is returned");
        // SAFETY: as above.
        let third = unsafe { batch.run(&mut script(&[1], Some(3))) };
        assert_eq!(
            third,
            Ok(Outcome {
                stop_index: 1,
                iterations: 2
            }),
            "two iterations ran: the looped batch ends early"
        );
    }

    #[test]
    fn a_batch_is_a_copy_and_writes_back_only_results() {
        #[repr(C, align(64))]
        struct Buffer([u8; 3 * 64 + 8]);
        let mut buffer = Buffer([0; 3 * 64 + 8]);
        let entries = [
            McEntry::new(libc::SYS_getpid, &[1, 2]),
            McEntry::new(libc::SYS_getppid, &[3]).reference(1, 0),
        ];
        // An array at an odd address: the C API accepts it.
        let base = buffer.0.as_mut_ptr().wrapping_add(3).cast::<McEntry>();
        for (i, entry) in entries.iter().enumerate() {
            // SAFETY: base + i lies in the buffer, with room for a whole entry.
            unsafe { base.add(i).write_unaligned(*entry) };
        }
        // SAFETY: two readable entries at base.
        let mut batch = unsafe { Batch::take(base, 2, None) }.expect("valid");
        assert_eq!(batch.entries(), &entries);
        // SAFETY: base + 1 lies in the buffer.
        unsafe {
            base.add(1)
                .write_unaligned(McEntry::new(libc::SYS_exit, &[9]))
        };
        assert_eq!(
            batch.entries(),
            &entries,
            "the copy does not follow the caller's array"
        );
        batch.set_result(0, 5);
        batch.set_result(1, 6);
        batch.set_result(7, 8);
        // SAFETY: two writable entries at base.
        unsafe { batch.write_back(base) };
        // SAFETY: as above.
        let (first, second) = unsafe { (base.read_unaligned(), base.add(1).read_unaligned()) };
        assert_eq!(
            first,
            McEntry {
                result: 5,
                ..entries[0]
            }
        );
        assert_eq!(
            second,
            McEntry {
                result: 6,
                ..McEntry::new(libc::SYS_exit, &[9])
            },
            "only the result field is written"
        );
        // SAFETY: nothing is read for a null pointer or a count above MC_MAX_ENTRIES.
        unsafe {
            assert_eq!(
                Batch::take(std::ptr::null(), 1, None).err(),
                Some(BatchError::NullEntries)
            );
            assert_eq!(
                Batch::take(base, 65, None).err(),
                Some(BatchError::TooMany(65))
            );
            assert_eq!(
                Batch::take(base, 2, Some(0)).err(),
                Some(BatchError::ZeroIterations)
            );
        }
    }

    #[test]
    fn predicates() {
        let args = [0, 0, 10, 0, 0, 0];
        let e = McEntry::default();
        assert!(!fires(&e.stop(MC_STOP_NEVER, 0), &args, -1));
        assert!(fires(&e.stop(MC_STOP_NEG, 0), &args, -1));
        assert!(!fires(&e.stop(MC_STOP_NEG, 0), &args, 0));
        assert!(fires(&e.stop(MC_STOP_NONPOS, 0), &args, 0));
        assert!(!fires(&e.stop(MC_STOP_NONPOS, 0), &args, 1));
        assert!(fires(&e.stop(MC_STOP_NE_ARG, 2), &args, 9));
        assert!(!fires(&e.stop(MC_STOP_NE_ARG, 2), &args, 10));
        // An error equal to the argument (a count of 2^64 - 14 that faults) still stops.
        let efault = [0, 0, -14, 0, 0, 0];
        assert!(fires(&e.stop(MC_STOP_NE_ARG, 2), &efault, -14));
        assert!(!fires(
            &e.stop(MC_STOP_NE_ARG, 2),
            &[0, 0, -5000, 0, 0, 0],
            -5000
        ));
    }

    #[test]
    fn restart_codes_become_eintr() {
        for code in [512, 513, 514, 516, libc::EINTR as i64] {
            assert!(is_interrupted(-code));
            assert_eq!(reported(-code), -(libc::EINTR as i64));
        }
        assert!(!is_interrupted(-515));
        assert_eq!(reported(-2), -2);
    }

    #[test]
    fn denied_calls() {
        let none = [0; MC_MAX_ARGS];
        for nr in [15, 56, 57, 58, 59, 60, 172, 231, 322, 435] {
            assert!(is_denied(nr, &none), "{nr}");
        }
        assert!(!is_denied(libc::SYS_getpid as u32, &none));
        assert!(is_denied(0x4000_0000 | libc::SYS_getpid as u32, &none));
        let nested = [3, crate::abi::MC_IOC_RUN as i64, 0, 0, 0, 0];
        assert!(is_denied(libc::SYS_ioctl as u32, &nested));
        assert!(!is_denied(
            libc::SYS_ioctl as u32,
            &[3, libc::FIONREAD as i64, 0, 0, 0, 0]
        ));
    }
}
