//! The multi-call ABI, mirrored from `kmod/include/uapi/linux/multicall.h`.
//!
//! That header is the single source of truth: every type and constant here has the same
//! name (in Rust case), size, alignment, field offsets and value, and [`MC_NEVER_RUN`] is the
//! header's `MC_FOR_EACH_NEVER_RUN` list. The runtime's integration test `runtime/tests/abi.rs`
//! compiles a C program that includes the header and fails when any of them drifts.
//!
//! This crate has no dependencies, so that everything that speaks the ABI (the runtime, the
//! LLVM pass that emits batches, the profile catalogue) uses these definitions and none of
//! them writes a number of its own.
#![no_std]

/// Most entries in one batch (`MC_MAX_ENTRIES`).
pub const MC_MAX_ENTRIES: usize = 64;
/// Most watched words of one batch (`MC_MAX_WATCHES`, `MC_BATCH_WATCHES`).
pub const MC_MAX_WATCHES: usize = 8;
/// Arguments of one system call (`MC_MAX_ARGS`).
pub const MC_MAX_ARGS: usize = 6;

/// Never stop after this entry.
pub const MC_STOP_NEVER: u8 = 0;
/// Stop when the result is negative (an error).
pub const MC_STOP_NEG: u8 = 1;
/// Stop when the result is zero or negative (an error or end of file).
pub const MC_STOP_NONPOS: u8 = 2;
/// Stop when the result differs from `args[stop_arg]` (a short transfer) or is an error
/// (whatever the argument: an error equal to it, a count of -errno, stops too).
pub const MC_STOP_NE_ARG: u8 = 3;
/// The highest valid stop code.
pub const MC_STOP_MAX: u8 = MC_STOP_NE_ARG;

/// `struct mc_batch.flags`: repeat the batch (looped multi-call).
pub const MC_BATCH_LOOP: u32 = 1 << 0;
/// `struct mc_batch.flags`: keep per-entry sums of the results of completed iterations in
/// the `__s64[count]` array at `sums` (in/out).
pub const MC_BATCH_SUMS: u32 = 1 << 2;
/// `struct mc_batch.flags`: arguments advance by results after each completed iteration, as
/// the `struct mc_advance[count]` at `advances` says (looped batches only).
pub const MC_BATCH_ADVANCE: u32 = 1 << 3;
/// `struct mc_batch.flags`: after each completed iteration the batch reads the integer at
/// `watch` and ends (stop index count) when `watch_mode` says so (looped batches only).
pub const MC_BATCH_WATCH: u32 = 1 << 5;
/// `struct mc_batch.flags`: the batch reads the `struct mc_watch[nwatches]` at `watches`,
/// each after its entry, and ends when one says so (the header's "Several watched words").
pub const MC_BATCH_WATCHES: u32 = 1 << 6;
/// Every flag `struct mc_batch.flags` may hold when it reaches the kernel module.
pub const MC_BATCH_FLAGS: u32 =
    MC_BATCH_LOOP | MC_BATCH_SUMS | MC_BATCH_ADVANCE | MC_BATCH_WATCH | MC_BATCH_WATCHES;

/// `struct mc_batch.watch_mode`: the bytes of the watched integer (1, 2, 4 or 8).
pub const MC_WATCH_SIZE: u32 = 0xf;
/// `struct mc_batch.watch_mode`: end when the watched integer is zero (else when non-zero).
pub const MC_WATCH_ZERO: u32 = 1 << 4;
/// Every bit `struct mc_batch.watch_mode` may hold.
pub const MC_WATCH_MODES: u32 = MC_WATCH_SIZE | MC_WATCH_ZERO;
/// A promise of the caller, for libmulticall only (it never reaches the kernel module,
/// which refuses it): the memory the batch's calls write (a read's buffer) is dead after
/// the batch; only results, file contents, file offsets and other kernel state matter. It
/// lets a looped copy loop run as `copy_file_range`, `sendfile` or `splice`.
pub const MC_BATCH_DEAD_BUFFERS: u32 = 1 << 1;
/// For libmulticall only, with [`MC_BATCH_DEAD_BUFFERS`]: the memory is dead after the batch
/// only when the batch completes its iterations or stops at entry 0; after a stop at a later
/// entry (a copy loop's short or failed write) the caller may read it, and it holds what the
/// calls run one by one would have left there.
pub const MC_BATCH_LIVE_AT_STOP: u32 = 1 << 4;

/// `MC_IOC_MAGIC`, the ioctl type of the misc device.
pub const MC_IOC_MAGIC: u32 = 0xB7;

/// `_IOWR(MC_IOC_MAGIC, 1, struct mc_batch)`, computed as `<asm-generic/ioctl.h>` does on
/// x86-64 (direction bits 30-31, size bits 16-29, type bits 8-15, number bits 0-7).
pub const MC_IOC_RUN: u64 = ioc_run(core::mem::size_of::<McBatch>() as u64);

/// `MC_BATCH_SIZE_VER0`: the bytes of `struct mc_batch` before `sums`.
pub const MC_BATCH_SIZE_VER0: usize = 48;

/// `MC_IOC_RUN_VER0`: [`MC_IOC_RUN`] for a `struct mc_batch` of [`MC_BATCH_SIZE_VER0`] bytes.
pub const MC_IOC_RUN_VER0: u64 = ioc_run(MC_BATCH_SIZE_VER0 as u64);

/// `MC_BATCH_SIZE_VER1`: the bytes of `struct mc_batch` before `watch`.
pub const MC_BATCH_SIZE_VER1: usize = 64;

/// `MC_IOC_RUN_VER1`: [`MC_IOC_RUN`] for a `struct mc_batch` of [`MC_BATCH_SIZE_VER1`] bytes.
pub const MC_IOC_RUN_VER1: u64 = ioc_run(MC_BATCH_SIZE_VER1 as u64);

/// `MC_BATCH_SIZE_VER2`: the bytes of `struct mc_batch` before `watches`.
pub const MC_BATCH_SIZE_VER2: usize = 72;

/// `MC_IOC_RUN_VER2`: [`MC_IOC_RUN`] for a `struct mc_batch` of [`MC_BATCH_SIZE_VER2`] bytes.
pub const MC_IOC_RUN_VER2: u64 = ioc_run(MC_BATCH_SIZE_VER2 as u64);

/// `_IOC(_IOC_READ | _IOC_WRITE, MC_IOC_MAGIC, 1, size)`.
const fn ioc_run(size: u64) -> u64 {
    const IOC_WRITE: u64 = 1;
    const IOC_READ: u64 = 2;
    ((IOC_READ | IOC_WRITE) << 30) | (size << 16) | ((MC_IOC_MAGIC as u64) << 8) | 1
}

/// Raw kernel results from `-MC_MAX_ERRNO` to -1 are errors (-errno); every other value is
/// a success, also a negative one such as an address above 2^63 (`MC_MAX_ERRNO`, the
/// kernel's `MAX_ERRNO`).
pub const MC_MAX_ERRNO: i64 = 4095;

/// Whether a raw kernel result is an error (-errno).
pub const fn is_error_result(result: i64) -> bool {
    result < 0 && result >= -MC_MAX_ERRNO
}

/// Bit of a system-call number that selects the x32 ABI; a batch runs 64-bit calls only, so
/// numbers with it are never run.
pub const X32_SYSCALL_BIT: u32 = 0x4000_0000;

/// The calls a batch never runs, with their x86-64 numbers: they depend on the caller's
/// register frame or process identity (`MC_FOR_EACH_NEVER_RUN` of the header). An entry with
/// one of these numbers, or with [`X32_SYSCALL_BIT`], gives `-ENOSYS` without running, and so
/// does an `ioctl` whose command is [`MC_IOC_RUN`] or one of its older sizes,
/// [`MC_IOC_RUN_VER0`] .. [`MC_IOC_RUN_VER2`] (a batch cannot run a batch).
pub const MC_NEVER_RUN: &[(&str, u32)] = &[
    ("rt_sigreturn", 15),
    ("clone", 56),
    ("fork", 57),
    ("vfork", 58),
    ("execve", 59),
    ("exit", 60),
    ("iopl", 172),
    ("exit_group", 231),
    ("execveat", 322),
    ("clone3", 435),
];

/// The runtime's `int multicall_batches_pay` (declared in `multicall.h`): non-zero while a
/// batch may save crossings by running through the runtime, zero once the process runs
/// batches one call at a time (no module, io_uring not chosen), when compiled code makes the
/// calls of a batch the runtime would not specialise itself instead of building the batch.
/// The pass reads it by this name.
pub const BATCHES_PAY_SYMBOL: &str = "multicall_batches_pay";

/// The fewest writes to one descriptor that the direct backend may merge into one `writev`
/// in a plain batch (it examines the descriptor each time, with calls that a group of fewer
/// writes would not win back). A plain batch with this many writes may gain on the
/// direct backend, so compiled code gives it to the runtime whatever
/// [`BATCHES_PAY_SYMBOL`] says.
pub const PLAIN_MERGE_MIN_WRITES: usize = 5;

/// x86-64 number of `ioctl`, the one call whose refusal depends on an argument.
pub const NR_IOCTL: u32 = 16;

/// Whether system call `nr` is in [`MC_NEVER_RUN`] or has the x32 bit: whatever its
/// arguments, a batch answers it with `-ENOSYS`.
#[inline]
pub const fn is_never_run(nr: u32) -> bool {
    if nr & X32_SYSCALL_BIT != 0 {
        return true;
    }
    // One bit test per entry a batch runs, on a set built from the list at compile time.
    let word = (nr / 64) as usize;
    word < NEVER_RUN_BITS.len() && NEVER_RUN_BITS[word] & (1 << (nr % 64)) != 0
}

/// [`MC_NEVER_RUN`] as a set of bits: bit `nr % 64` of word `nr / 64`.
const NEVER_RUN_BITS: [u64; 8] = {
    let mut bits = [0u64; 8];
    let mut i = 0;
    while i < MC_NEVER_RUN.len() {
        let nr = MC_NEVER_RUN[i].1;
        // A number beyond the set would not be refused: stop the build instead.
        assert!(
            (nr as usize) < 64 * 8,
            "MC_NEVER_RUN holds a number beyond NEVER_RUN_BITS"
        );
        bits[(nr / 64) as usize] |= 1 << (nr % 64);
        i += 1;
    }
    bits
};

/// Whether an entry for system call `nr` with `args` (after reference substitution) is
/// answered with `-ENOSYS` instead of running: [`is_never_run`], or an `ioctl` with the
/// command `MC_IOC_RUN` or one of `MC_IOC_RUN_VER0` .. `MC_IOC_RUN_VER2` (the kernel
/// compares the command as a 32-bit value).
pub const fn is_denied(nr: u32, args: &[i64; MC_MAX_ARGS]) -> bool {
    let cmd = args[1] as u32;
    is_never_run(nr)
        || (nr == NR_IOCTL
            && (cmd == MC_IOC_RUN as u32
                || cmd == MC_IOC_RUN_VER0 as u32
                || cmd == MC_IOC_RUN_VER1 as u32
                || cmd == MC_IOC_RUN_VER2 as u32))
}

/// Field indices of `struct mc_entry`, for code that builds it field by field (an LLVM
/// struct type `{ i32, i8, i8, i16, [6 x i64], i64 }` in this order).
pub mod entry_field {
    /// `nr`, a `u32`.
    pub const NR: u32 = 0;
    /// `stop`, a `u8`.
    pub const STOP: u32 = 1;
    /// `stop_arg`, a `u8`.
    pub const STOP_ARG: u32 = 2;
    /// `refs`, a `u16`.
    pub const REFS: u32 = 3;
    /// `args`, `[i64; MC_MAX_ARGS]`.
    pub const ARGS: u32 = 4;
    /// `result`, an `i64`.
    pub const RESULT: u32 = 5;
    /// How many fields the struct has.
    pub const COUNT: u32 = 6;
}

/// The misc device's name.
pub const MC_DEVICE_NAME: &str = "multicall";
/// Where the misc device appears.
pub const MC_DEVICE_PATH: &str = "/dev/multicall";
/// [`MC_DEVICE_PATH`] as a C string, for `open(2)`.
pub const MC_DEVICE_PATH_C: &core::ffi::CStr = c"/dev/multicall";

/// One system call of a batch (`struct mc_entry`, 64 bytes).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct McEntry {
    /// x86-64 system call number.
    pub nr: u32,
    /// `MC_STOP_*`.
    pub stop: u8,
    /// The argument compared by `MC_STOP_NE_ARG`.
    pub stop_arg: u8,
    /// Bit i: `args[i]` is the index of an earlier entry whose result is used.
    pub refs: u16,
    /// The six arguments.
    pub args: [i64; MC_MAX_ARGS],
    /// Out: the raw kernel result, -errno on failure.
    pub result: i64,
}

impl McEntry {
    /// An entry for system call `nr` with `args` (missing arguments are zero), no stop
    /// predicate and no references.
    pub fn new(nr: i64, args: &[i64]) -> McEntry {
        let mut entry = McEntry {
            nr: nr as u32,
            ..McEntry::default()
        };
        for (slot, value) in entry.args.iter_mut().zip(args) {
            *slot = *value;
        }
        entry
    }

    /// The same entry with stop predicate `stop` (and `stop_arg` for `MC_STOP_NE_ARG`).
    pub fn stop(mut self, stop: u8, stop_arg: u8) -> McEntry {
        self.stop = stop;
        self.stop_arg = stop_arg;
        self
    }

    /// The same entry with `args[arg]` replaced by the result of entry `earlier`.
    pub fn reference(mut self, arg: usize, earlier: usize) -> McEntry {
        self.refs |= 1 << arg;
        self.args[arg] = earlier as i64;
        self
    }
}

/// How the arguments of one entry advance (`struct mc_advance`, 16 bytes; `MC_BATCH_ADVANCE`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct McAdvance {
    /// Per argument: 0, it stays; `k + 1`, it advances by entry `k`'s result.
    pub by: [u8; MC_MAX_ARGS],
    /// Bit a: `args[a]` goes down by that result.
    pub down: u8,
    /// Bit a: the batch ends when `args[a]` is 0 after advancing.
    pub until_zero: u8,
    /// Bit a: the batch ends when `args[a]` is at most 0 after advancing.
    pub until_nonpos: u8,
    /// Must be zero.
    pub reserved: [u8; 7],
}

/// One of several watched words (`struct mc_watch`, 16 bytes; `MC_BATCH_WATCHES`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct McWatch {
    /// User pointer to the integer, aligned to its size.
    pub addr: u64,
    /// `MC_WATCH_*`: its size, and whether zero ends the batch.
    pub mode: u32,
    /// Read after this entry: `0 .. count`.
    pub after: u32,
}

/// The argument of `MC_IOC_RUN` (`struct mc_batch`, 88 bytes).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct McBatch {
    /// User pointer to `struct mc_entry[count]`.
    pub entries: u64,
    /// 1 ..= `MC_MAX_ENTRIES`.
    pub count: u32,
    /// `MC_BATCH_*`.
    pub flags: u32,
    /// With `MC_BATCH_LOOP`: most iterations (at least 1).
    pub max_iters: u64,
    /// Out: iterations begun (1 without `MC_BATCH_LOOP`).
    pub iterations: u64,
    /// Out: the entry whose predicate fired, or count.
    pub stop_index: i64,
    /// 0 for a new batch. In/out: index + 1 of the entry a restarted ioctl goes on at; the
    /// module sets it when an entry's call returned a restart code and the ioctl returned
    /// that code to signal delivery (see the header's "Resuming").
    pub resume: u32,
    /// With `MC_BATCH_WATCH`: `MC_WATCH_*` (the watched integer's size, `MC_WATCH_ZERO`).
    /// Zero otherwise.
    pub watch_mode: u32,
    /// With `MC_BATCH_SUMS`: user pointer to `i64[count]`, in/out; each completed iteration
    /// adds every entry's result to its sum (wrapping). Zero otherwise.
    pub sums: u64,
    /// With `MC_BATCH_ADVANCE`: user pointer to `McAdvance[count]`. Zero otherwise.
    pub advances: u64,
    /// With `MC_BATCH_WATCH`: user pointer to the watched integer, aligned to its size.
    /// Zero otherwise.
    pub watch: u64,
    /// With `MC_BATCH_WATCHES`: user pointer to `McWatch[nwatches]`. Zero otherwise.
    pub watches: u64,
    /// With `MC_BATCH_WATCHES`: `1 ..= MC_MAX_WATCHES`. Zero otherwise.
    pub nwatches: u32,
    /// Must be zero.
    pub reserved: u32,
}

const _: () = assert!(core::mem::size_of::<McEntry>() == 64);
const _: () = assert!(core::mem::size_of::<McBatch>() == 88);
const _: () = assert!(core::mem::size_of::<McWatch>() == 16);
const _: () = assert!(core::mem::size_of::<McAdvance>() == 16);
const _: () = assert!(core::mem::offset_of!(McBatch, sums) == MC_BATCH_SIZE_VER0);
const _: () = assert!(core::mem::offset_of!(McBatch, watch) == MC_BATCH_SIZE_VER1);
const _: () = assert!(core::mem::offset_of!(McBatch, watches) == MC_BATCH_SIZE_VER2);

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::offset_of;

    #[test]
    fn entry_field_indices_follow_the_layout() {
        let by_index = [
            (entry_field::NR, offset_of!(McEntry, nr)),
            (entry_field::STOP, offset_of!(McEntry, stop)),
            (entry_field::STOP_ARG, offset_of!(McEntry, stop_arg)),
            (entry_field::REFS, offset_of!(McEntry, refs)),
            (entry_field::ARGS, offset_of!(McEntry, args)),
            (entry_field::RESULT, offset_of!(McEntry, result)),
        ];
        assert_eq!(by_index.len(), entry_field::COUNT as usize);
        for (k, (index, _)) in by_index.iter().enumerate() {
            assert_eq!(*index as usize, k);
        }
        assert!(by_index.windows(2).all(|w| w[0].1 < w[1].1));
    }

    #[test]
    fn never_run_and_denied() {
        for (name, nr) in MC_NEVER_RUN {
            assert!(is_never_run(*nr), "{name}");
        }
        assert!(!is_never_run(0), "read runs");
        assert!(is_never_run(X32_SYSCALL_BIT));
        let mut args = [0i64; MC_MAX_ARGS];
        assert!(!is_denied(NR_IOCTL, &args));
        args[1] = MC_IOC_RUN as i64;
        assert!(is_denied(NR_IOCTL, &args));
        args[1] = (MC_IOC_RUN as i64) | (1 << 40);
        assert!(
            is_denied(NR_IOCTL, &args),
            "the command is compared as 32 bits"
        );
        args[1] = MC_IOC_RUN_VER0 as i64;
        assert!(is_denied(NR_IOCTL, &args), "the 48-byte command too");
        args[1] = MC_IOC_RUN_VER1 as i64;
        assert!(is_denied(NR_IOCTL, &args), "the 64-byte command too");
        args[1] = MC_IOC_RUN_VER2 as i64;
        assert!(is_denied(NR_IOCTL, &args), "the 72-byte command too");
    }

    #[test]
    fn never_run_is_exactly_the_list() {
        for nr in (0..2048).chain([u32::MAX >> 2, u32::MAX]) {
            let listed = MC_NEVER_RUN.iter().any(|&(_, n)| n == nr);
            assert_eq!(
                is_never_run(nr),
                listed || nr & X32_SYSCALL_BIT != 0,
                "system call {nr}"
            );
        }
    }

    #[test]
    fn device_path_as_c_string() {
        assert_eq!(MC_DEVICE_PATH_C.to_bytes(), MC_DEVICE_PATH.as_bytes());
    }

    #[test]
    fn error_results() {
        assert!(is_error_result(-1));
        assert!(is_error_result(-MC_MAX_ERRNO));
        assert!(!is_error_result(-MC_MAX_ERRNO - 1));
        assert!(!is_error_result(0));
    }
}
