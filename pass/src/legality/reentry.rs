//! The parts of a rotated advancing loop (`legality::advance`) that real read and write
//! helpers add around the call: the way round through a block of bookkeeping and a latch
//! that other paths of the loop join, a stop that goes back into the loop (the retry on
//! `EINTR`), and a store of a constant to `errno` on the way round. lzip's `readblock`:
//!
//! ```text
//! header: %sz = phi i32 [ 0, %pre ], [ %sz.next, %latch ]
//!         %n = call i64 @read(i32 %fd, ptr (gep %buf, zext nneg %sz), i64 (sext (sub nsw %size, %sz)))
//!         br (icmp sgt (trunc %n), 0), %more, %short     ; stop: result <= 0
//! more:   %sum = add nsw i32 %sz, (trunc %n)             ; the way round
//!         br %latch
//! short:  ... EOF leaves; errno == EINTR goes to %latch  ; the original code, entered from
//!                                                        ; a stop with the stopped values
//! latch:  %sz.next = phi i32 [ %sum, %more ], [ %sz, %retry ]
//!         store i32 0, ptr %errno                        ; replayed after the batch
//!                                          ; (%errno: __errno_location(), or a phi of such)
//!         br (icmp slt %sz.next, %size), %header, %out
//! ```
//!
//! The batch runs the way round (`header -> more -> latch -> header`) and nothing else.
//! Blocks of the loop only a stop reaches (`short` and what follows it, the *re-entry
//! blocks*) stay original code: the lowering enters the stop's block with the phis' values
//! at the start of the iteration that stopped and that iteration's result, so whatever they
//! do (test `errno`, retry, leave) they do as the original does, and the loop they go round
//! again is the original loop.

use indexmap::IndexSet;

use llvm_sys::prelude::{LLVMBasicBlockRef, LLVMValueRef};
use llvm_sys::LLVMOpcode;

use crate::ir;

/// The step instruction of a carried value whose value from the way round is `next`: `next`
/// itself, or for a phi of a latch that other paths join, the one value it gets from a block
/// of the way round (`inside`); the other paths are re-entry blocks.
pub(super) fn step_through_latch(
    next: LLVMValueRef,
    inside: &IndexSet<LLVMBasicBlockRef>,
) -> Result<LLVMValueRef, String> {
    if !ir::is_phi(next) {
        return Ok(next);
    }
    let round: Vec<LLVMValueRef> = ir::incoming(next)
        .into_iter()
        .filter(|(_, from)| inside.contains(from))
        .map(|(v, _)| v)
        .collect();
    match round[..] {
        [v] if ir::is_instruction(v) && inside.contains(&ir::parent_block(v)) => Ok(v),
        _ => Err(format!(
            "its next value '{}' joins more than one way round the loop",
            ir::describe(next)
        )),
    }
}

/// Whether the way round from the call's `block` goes through `x`: `x` is the header, or a
/// latch (a conditional branch with the header as one target), or a block entered from
/// `block` alone that goes on unconditionally to such a latch.
pub(super) fn goes_round(
    x: LLVMBasicBlockRef,
    block: LLVMBasicBlockRef,
    header: LLVMBasicBlockRef,
) -> bool {
    let latch = |y: LLVMBasicBlockRef| {
        ir::terminator(y)
            .and_then(ir::conditional_branch)
            .is_some_and(|(_, t, f)| t == header || f == header)
    };
    x == header || latch(x) || passes_through(x, block).is_some_and(latch)
}

/// When both ways from the call's `block` (`t`, `f`) stay in the loop: whether true is the
/// way round (`Some(true)`), the other way then being a re-entry entered from `block`
/// alone; `None` when that is not so of exactly one of them.
pub(super) fn choose(
    block: LLVMBasicBlockRef,
    header: LLVMBasicBlockRef,
    t: LLVMBasicBlockRef,
    f: LLVMBasicBlockRef,
) -> Option<bool> {
    let only_from_block = |x: LLVMBasicBlockRef| ir::predecessors(x) == [block] && x != header;
    match (goes_round(t, block, header), goes_round(f, block, header)) {
        (true, false) if only_from_block(f) => Some(true),
        (false, true) if only_from_block(t) => Some(false),
        _ => None,
    }
}

/// The block `x` goes on to when `x` is entered from `block` alone and ends in an
/// unconditional branch (a block of bookkeeping on the way round).
pub(super) fn passes_through(
    x: LLVMBasicBlockRef,
    block: LLVMBasicBlockRef,
) -> Option<LLVMBasicBlockRef> {
    if ir::predecessors(x) != [block] {
        return None;
    }
    let term = ir::terminator(x)?;
    if ir::conditional_branch(term).is_some() {
        return None;
    }
    match ir::successors(term)[..] {
        [next] if ir::opcode(term) == LLVMOpcode::LLVMBr => Some(next),
        _ => None,
    }
}

/// Whether `v` is a call of `__errno_location()`, which gives the thread's `errno` and does
/// nothing else.
pub(super) fn is_errno_location(v: LLVMValueRef) -> bool {
    ir::is_instruction(v)
        && ir::is_call(v)
        && ir::called_function(v).is_some_and(|f| ir::name(f) == "__errno_location")
}

/// Whether `inst` is `store iN C, ptr E` of a constant `C` to `errno`, not volatile: `E` a
/// call of `__errno_location()`, or a phi of `block` (the latch) whose values all are.
pub(super) fn errno_reset(inst: LLVMValueRef, block: LLVMBasicBlockRef) -> bool {
    if ir::opcode(inst) != LLVMOpcode::LLVMStore {
        return false;
    }
    // SAFETY: inst is a live store instruction of the module being checked.
    let volatile = unsafe { llvm_sys::core::LLVMGetVolatile(inst) != 0 };
    let (value, ptr) = (ir::operand(inst, 0), ir::operand(inst, 1));
    let errno = is_errno_location(ptr)
        || (ir::is_instruction(ptr)
            && ir::is_phi(ptr)
            && ir::parent_block(ptr) == block
            && ir::incoming(ptr).iter().all(|&(v, _)| is_errno_location(v)));
    !volatile && errno && ir::const_int(value).is_some()
}

/// The blocks of the loop (`blocks`) that the batch never runs: all but those of the way
/// round (`round`).
pub(super) fn reentry_blocks(
    blocks: &[LLVMBasicBlockRef],
    round: &IndexSet<LLVMBasicBlockRef>,
) -> Vec<LLVMBasicBlockRef> {
    blocks
        .iter()
        .copied()
        .filter(|b| !round.contains(b))
        .collect()
}
