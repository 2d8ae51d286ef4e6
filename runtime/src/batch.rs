//! What every backend shares: validating a batch before anything runs, the stop predicates,
//! the list of calls that are never run, and the translation of restart codes.
//!
//! The rules are those of the header comment of `kmod/include/uapi/linux/multicall.h`; the
//! direct backend (`crate::direct`) applies them one entry at a time and is the reference
//! the other backends are tested against.

use crate::abi::{McEntry, MC_MAX_ARGS, MC_MAX_ENTRIES, MC_STOP_MAX, MC_STOP_NEG, MC_STOP_NEVER};
use crate::abi::{MC_STOP_NE_ARG, MC_STOP_NONPOS};
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

/// Checks `entries` against every rule of the ABI. Reads nothing but the entries.
pub fn validate(entries: &[McEntry]) -> Result<(), BatchError> {
    if entries.is_empty() {
        return Err(BatchError::Empty);
    }
    if entries.len() > MC_MAX_ENTRIES {
        return Err(BatchError::TooMany(entries.len()));
    }
    for (index, entry) in entries.iter().enumerate() {
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

/// The kernel's internal restart codes (never returned to user space by a plain system call,
/// but seen by a backend that dispatches inside the kernel).
const ERESTARTSYS: i64 = 512;
const ERESTARTNOINTR: i64 = 513;
const ERESTARTNOHAND: i64 = 514;
const ERESTART_RESTARTBLOCK: i64 = 516;

/// Whether `result` means "interrupted by a signal": -EINTR or a restart code. Such an entry
/// stops the batch whatever its predicate.
pub fn is_interrupted(result: i64) -> bool {
    matches!(
        -result,
        ERESTARTSYS | ERESTARTNOINTR | ERESTARTNOHAND | ERESTART_RESTARTBLOCK
    ) || result == -(libc::EINTR as i64)
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
        // validate() bounds stop_arg; an out-of-range one stops rather than panics.
        MC_STOP_NE_ARG => match args.get(entry.stop_arg as usize) {
            Some(&expected) => result != expected,
            None => true,
        },
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_each_invalid_shape() {
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
