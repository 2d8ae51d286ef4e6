//! A flag tested on a whole loop's way round (`MC_BATCH_WATCH`).
//!
//! ```c
//! static volatile sig_atomic_t stop;          /* set by a signal handler */
//! while (!stop && (n = read(in, buf, sizeof buf)) > 0)
//!         write(out, buf, n);
//! ```
//!
//! clang rotates the loop: the header begins with `read`, and after `write` the latch loads
//! `stop` and leaves when it is not zero. The load is no system call and no stop predicate,
//! so on its own it keeps the loop from being one looped batch. It is one when the batch
//! reads the flag where the latch does: after each iteration that completes, it reads the
//! integer at the same address and ends (stop index count) when the test would leave. The
//! lowering then makes the test again and leaves or goes round as the original does.
//!
//! The test qualifies when it is the last conditional branch on the way from the last call
//! back to the header (every test of the last call's result comes before it, so an iteration
//! it ends is a completed one), it leaves the loop, its condition is `icmp eq|ne` of the load
//! with 0 (or `trunc nuw` of a `_Bool`'s byte to `i1`) and nothing else uses either, and the
//! load reads an integer of 1, 2, 4 or 8 bytes,
//! aligned to its size, at an address defined outside the loop. The load may be volatile,
//! atomic or plain: the batch reads the same memory at the same point of the iteration, so
//! what it sees is what the original's load would see (a handler that ran during the
//! iteration, or a call of the batch that wrote the flag).
//!
//! A flag whose other way stays in the loop (`if (report) { report = 0; fprintf(..); }`) is
//! a loop whose stops resume it (`resume.rs`, with `flag_test` here): the batch ends where
//! the flag says to go that way, and the original goes on after the last call.

use indexmap::IndexSet;

use llvm_sys::prelude::{LLVMBasicBlockRef, LLVMValueRef};
use llvm_sys::{LLVMIntPredicate, LLVMOpcode, LLVMTypeKind};

use super::facts::{Gap, Step};
use crate::ir;
use crate::plan::{ExitKind, LoopExit, Watch};

/// The flag test of the way round `gap` (from the loop's last call back to its header, over
/// the loop's blocks `inside`), and the gap without it (its load, comparison and branch), for
/// the checks of the rest; `None` when the last test on the way is no such test.
pub(crate) fn split(gap: &Gap, inside: &IndexSet<LLVMBasicBlockRef>) -> Option<(Watch, Gap)> {
    let (at, inst, cond, off, round_if_true) =
        gap.steps
            .iter()
            .enumerate()
            .rev()
            .find_map(|(i, s)| match *s {
                Step::Branch {
                    inst,
                    cond,
                    off,
                    continue_if_true,
                } => Some(Some((i, inst, cond, off, continue_if_true))),
                Step::Switch { .. } => Some(None),
                Step::Inst { .. } => None,
            })??;
    if inside.contains(&off) {
        return None;
    }
    let (load, true_if_zero) = flag_test(inst, cond)?;
    let size = flag_size(load, inside)?;
    // The way round is taken when the condition is `round_if_true`; it leaves on a zero flag
    // when the other way is the one a zero flag takes.
    let leaves_on_zero = true_if_zero != round_if_true;
    let recorded = |v: LLVMValueRef| {
        gap.steps[..at]
            .iter()
            .any(|s| matches!(*s, Step::Inst { inst, .. } if inst == v))
    };
    if !recorded(load) || !recorded(cond) {
        return None;
    }
    let rest = gap.without(|v| v == inst || v == load || v == cond);
    let watch = Watch {
        load,
        cmp: cond,
        exit: LoopExit {
            from: ir::parent_block(inst),
            to: off,
            kind: ExitKind::Leave,
        },
        round_if_true,
        size,
        leaves_on_zero,
        after: None,
    };
    Some((watch, rest))
}

/// The flag the branch `branch` tests by `cond`: `icmp eq|ne` of a load with 0, which only
/// the branch uses, the load used by the comparison alone, `trunc nuw` of a load to `i1` (a
/// `_Bool`), or an `i1` load itself (`cond` is then the load). The load, and whether `cond` is
/// true when the flag is zero.
pub(crate) fn flag_test(branch: LLVMValueRef, cond: LLVMValueRef) -> Option<(LLVMValueRef, bool)> {
    if !ir::is_instruction(cond) || !only_used_by(cond, branch) {
        return None;
    }
    // A flag clang narrowed to a bool (a static int only ever set to 1): the branch tests
    // the `i1` load itself.
    if ir::opcode(cond) == LLVMOpcode::LLVMLoad {
        return (ir::int_width(ir::type_of(cond)) == 1).then_some((cond, false));
    }
    // A `_Bool` flag (`volatile bool stop;`): clang loads its byte and branches on `trunc
    // nuw` of it to `i1`, which is poison unless the byte is 0 or 1, so where the branch is
    // defined it goes the true way exactly when the byte is not zero.
    if ir::trunc_nuw(cond) && ir::int_width(ir::type_of(cond)) == 1 {
        let load = ir::operand(cond, 0);
        let loaded = ir::is_instruction(load)
            && ir::opcode(load) == LLVMOpcode::LLVMLoad
            && only_used_by(load, cond);
        return loaded.then_some((load, false));
    }
    let pred = ir::icmp_predicate(cond)?;
    let (lhs, rhs) = (ir::operand(cond, 0), ir::operand(cond, 1));
    let load = match (ir::const_int(lhs), ir::const_int(rhs)) {
        (None, Some(0)) => lhs,
        (Some(0), None) => rhs,
        _ => return None,
    };
    if !ir::is_instruction(load)
        || ir::opcode(load) != LLVMOpcode::LLVMLoad
        || !only_used_by(load, cond)
    {
        return None;
    }
    match pred {
        LLVMIntPredicate::LLVMIntEQ => Some((load, true)),
        LLVMIntPredicate::LLVMIntNE => Some((load, false)),
        _ => None,
    }
}

/// The size in bytes of the integer `load` reads, when it is a load in the loop (`inside`) of
/// 1, 2, 4 or 8 bytes, aligned to its size, from an address defined outside the loop.
pub(crate) fn flag_size(load: LLVMValueRef, inside: &IndexSet<LLVMBasicBlockRef>) -> Option<u8> {
    if !ir::is_instruction(load)
        || ir::opcode(load) != LLVMOpcode::LLVMLoad
        || !inside.contains(&ir::parent_block(load))
    {
        return None;
    }
    let ptr = ir::operand(load, 0);
    if ir::is_instruction(ptr) && inside.contains(&ir::parent_block(ptr)) {
        return None;
    }
    word_size(load)
}

/// The size in bytes of the integer the load `load` reads, when it is 1, 2, 4 or 8 bytes
/// aligned to its size (a word a batch can watch).
pub(crate) fn word_size(load: LLVMValueRef) -> Option<u8> {
    let ty = ir::type_of(load);
    if ir::type_kind(ty) != LLVMTypeKind::LLVMIntegerTypeKind {
        return None;
    }
    let size = match ir::int_width(ty) {
        // A bool in memory is one byte, 0 or 1.
        1 | 8 => 1u8,
        16 => 2,
        32 => 4,
        64 => 8,
        _ => return None,
    };
    // SAFETY: `load` is a live load instruction (the callers' check).
    let align = unsafe { llvm_sys::core::LLVMGetAlignment(load) };
    (align >= u32::from(size)).then_some(size)
}

/// A flag tested between two calls of a chain (`n = read(..); if (n <= 0) break; if (stop)
/// break; write(..)`): the branch, its condition, the load, the block its other way goes to,
/// and what a batch needs to read it after the earlier call (`MC_BATCH_WATCHES`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct GapWatch {
    pub branch: LLVMValueRef,
    pub cmp: LLVMValueRef,
    pub load: LLVMValueRef,
    pub off: LLVMBasicBlockRef,
    pub round_if_true: bool,
    pub size: u8,
    pub leaves_on_zero: bool,
}

/// The flag tests among the steps of `gap` (`flag_test`, their load and comparison recorded
/// in the gap, of a word of 1, 2, 4 or 8 bytes at an address `set_before` says is set before
/// the chain's first call), and the gap without them (their branches, loads and comparisons)
/// for the checks of the rest. `None` when the gap has none.
pub(crate) fn gap_flags(
    gap: &Gap,
    set_before: impl Fn(LLVMValueRef) -> bool,
) -> Option<(Vec<GapWatch>, Gap)> {
    let recorded = |v: LLVMValueRef| {
        gap.steps
            .iter()
            .any(|s| matches!(*s, Step::Inst { inst, .. } if inst == v))
    };
    let mut watches = Vec::new();
    for s in &gap.steps {
        let Step::Branch {
            inst,
            cond,
            off,
            continue_if_true,
        } = *s
        else {
            continue;
        };
        let Some((load, true_if_zero)) = flag_test(inst, cond) else {
            continue;
        };
        let Some(size) = word_size(load) else {
            continue;
        };
        if !recorded(load) || !recorded(cond) || !set_before(ir::operand(load, 0)) {
            continue;
        }
        watches.push(GapWatch {
            branch: inst,
            cmp: cond,
            load,
            off,
            round_if_true: continue_if_true,
            size,
            leaves_on_zero: true_if_zero != continue_if_true,
        });
    }
    if watches.is_empty() {
        return None;
    }
    let rest = gap.without(|v| {
        watches
            .iter()
            .any(|w| v == w.branch || v == w.cmp || v == w.load)
    });
    Some((watches, rest))
}

/// Whether the only user of `v` is `user`, once.
fn only_used_by(v: LLVMValueRef, user: LLVMValueRef) -> bool {
    matches!(ir::value_users(v).as_slice(), [u] if *u == user)
}
