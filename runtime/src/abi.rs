//! The multi-call ABI, mirrored from `kmod/include/uapi/linux/multicall.h`.
//!
//! That header is the single source of truth: every type and constant here has the same
//! name (in Rust case), size, alignment, field offsets and value. The integration test
//! `tests/abi.rs` compiles a C program that includes the header and fails when any of them
//! drifts.

/// Most entries in one batch (`MC_MAX_ENTRIES`).
pub const MC_MAX_ENTRIES: usize = 64;
/// Arguments of one system call (`MC_MAX_ARGS`).
pub const MC_MAX_ARGS: usize = 6;

/// Never stop after this entry.
pub const MC_STOP_NEVER: u8 = 0;
/// Stop when the result is negative (an error).
pub const MC_STOP_NEG: u8 = 1;
/// Stop when the result is zero or negative (an error or end of file).
pub const MC_STOP_NONPOS: u8 = 2;
/// Stop when the result differs from `args[stop_arg]` (a short transfer).
pub const MC_STOP_NE_ARG: u8 = 3;
/// The highest valid stop code.
pub const MC_STOP_MAX: u8 = MC_STOP_NE_ARG;

/// `struct mc_batch.flags`: repeat the batch (looped multi-call).
pub const MC_BATCH_LOOP: u32 = 1 << 0;
/// Every flag `struct mc_batch.flags` may hold.
pub const MC_BATCH_FLAGS: u32 = MC_BATCH_LOOP;

/// `MC_IOC_MAGIC`, the ioctl type of the misc device.
pub const MC_IOC_MAGIC: u32 = 0xB7;

/// `_IOWR(MC_IOC_MAGIC, 1, struct mc_batch)`, computed as `<asm-generic/ioctl.h>` does on
/// x86-64 (direction bits 30-31, size bits 16-29, type bits 8-15, number bits 0-7).
pub const MC_IOC_RUN: u64 = {
    const IOC_WRITE: u64 = 1;
    const IOC_READ: u64 = 2;
    ((IOC_READ | IOC_WRITE) << 30)
        | ((std::mem::size_of::<McBatch>() as u64) << 16)
        | ((MC_IOC_MAGIC as u64) << 8)
        | 1
};

/// The misc device's name.
pub const MC_DEVICE_NAME: &str = "multicall";
/// Where the misc device appears.
pub const MC_DEVICE_PATH: &str = "/dev/multicall";

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

/// The argument of `MC_IOC_RUN` (`struct mc_batch`, 48 bytes).
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
    /// Must be zero.
    pub reserved: u32,
}

const _: () = assert!(std::mem::size_of::<McEntry>() == 64);
const _: () = assert!(std::mem::size_of::<McBatch>() == 48);
