//! Casts of a call's result that code after a loop uses, recomputed there.
//!
//! A program that keeps a count in an `int`, `int n; while ((n = read(in, buf, N)) > 0)
//! ...; if (n < 0) fail();`, tests after the loop `trunc i64 %r to i32`, a value the loop
//! computes from `read`'s result. A looped multi-call hands out only the calls' results at
//! its exits (and the values it carries), so such a use keeps the loop from being one
//! (`UsedAfterLoop`). The cast is a pure function of the result: each use after the loop gets
//! its own copy of the cast (and of the casts it is computed from), placed just before the
//! use, or at the end of the block a phi's value comes from. The program computes the same
//! value from the same result; the loop's own copy still serves the uses inside it.
//!
//! Only integer casts and the arithmetic clang widens and narrows counts with are copied
//! (`trunc`, `sext`, `zext`, `and`, `shl` and `ashr` with a constant), down to a call of the
//! loop, in the loops a whole-loop refusal `UsedAfterLoop` names. Each rewrite is a remark
//! `Recomputed`.

use indexmap::IndexSet;
use llvm_sys::core::{
    LLVMCountIncoming, LLVMCreateBuilderInContext, LLVMDisposeBuilder, LLVMGetIncomingBlock,
    LLVMGetIncomingValue, LLVMGetNumOperands, LLVMGetOperand, LLVMGetTypeContext,
    LLVMInsertIntoBuilder, LLVMInstructionClone, LLVMPositionBuilderBefore, LLVMSetOperand,
    LLVMTypeOf,
};
use llvm_sys::prelude::{LLVMBasicBlockRef, LLVMValueRef};
use llvm_sys::LLVMOpcode;

use super::{Changed, Hot};
use crate::context::Context;
use crate::ir;
use crate::legality::{loop_blocks, Reason};
use crate::remarks::Remark;

/// The casts `v` is computed by, outermost first, down to a call in `inside`; `None` when it
/// is anything else.
fn cast_chain(
    mut v: LLVMValueRef,
    inside: &IndexSet<LLVMBasicBlockRef>,
) -> Option<Vec<LLVMValueRef>> {
    use LLVMOpcode::*;
    let mut chain = Vec::new();
    for _ in 0..8 {
        if !ir::is_instruction(v) || !inside.contains(&ir::parent_block(v)) {
            return None;
        }
        match ir::opcode(v) {
            LLVMCall => return (!chain.is_empty()).then_some(chain),
            LLVMTrunc | LLVMSExt | LLVMZExt => {}
            LLVMAnd | LLVMShl | LLVMAShr if ir::is_constant(ir::operand(v, 1)) => {}
            _ => return None,
        }
        chain.push(v);
        v = ir::operand(v, 0);
    }
    None
}

/// Copies the casts of `chain` (outermost first) before `pos`, innermost first, each copy
/// taking the one before it; the outermost copy.
fn copy_before(chain: &[LLVMValueRef], pos: LLVMValueRef) -> LLVMValueRef {
    // SAFETY: every instruction of `chain` is a live cast whose operand 0 is the next one
    // (or, for the last, a call that dominates `pos`: it dominates the original cast, which
    // dominates the use at `pos`); a clone is inserted before `pos` and gets the previous
    // clone, of the same type as the operand it replaces, as its operand 0.
    unsafe {
        let builder = LLVMCreateBuilderInContext(LLVMGetTypeContext(LLVMTypeOf(pos)));
        LLVMPositionBuilderBefore(builder, pos);
        let mut below: Option<LLVMValueRef> = None;
        for &cast in chain.iter().rev() {
            let copy = LLVMInstructionClone(cast);
            if let Some(b) = below {
                LLVMSetOperand(copy, 0, b);
            }
            LLVMInsertIntoBuilder(builder, copy);
            below = Some(copy);
        }
        LLVMDisposeBuilder(builder);
        below.unwrap_or(pos)
    }
}

/// Gives every use after its loop of a cast of a call's result its own copy of the cast. A
/// phi after the loop that takes the cast from a block of the loop gets it from a block of
/// its own on that edge.
fn recompute_outside(
    shim: &crate::shim::Shim,
    inst: LLVMValueRef,
    inside: &IndexSet<LLVMBasicBlockRef>,
) -> bool {
    let Some(chain) = cast_chain(inst, inside) else {
        return false;
    };
    let mut changed = false;
    for (user, block) in ir::users(inst) {
        if inside.contains(&ir::parent_block(user)) {
            continue;
        }
        if ir::is_phi(user) {
            let block = if inside.contains(&block) {
                match shim.split_edge(block, ir::parent_block(user)) {
                    Some(b) => {
                        changed = true;
                        b
                    }
                    None => continue,
                }
            } else {
                block
            };
            let Some(end) = ir::terminator(block) else {
                continue;
            };
            let copy = copy_before(&chain, end);
            // SAFETY: user is a live phi; only its incoming values from `block` that are
            // `inst` are replaced, by a value of the same type computed at that block's end.
            unsafe {
                for k in 0..LLVMCountIncoming(user) {
                    if LLVMGetIncomingValue(user, k) == inst
                        && LLVMGetIncomingBlock(user, k) == block
                    {
                        LLVMSetOperand(user, k, copy);
                    }
                }
            }
        } else {
            let copy = copy_before(&chain, user);
            // SAFETY: user is a live instruction; its operands that are `inst` are replaced
            // by a value of the same type computed just before it.
            unsafe {
                for k in 0..LLVMGetNumOperands(user) {
                    if LLVMGetOperand(user, k as u32) == inst {
                        LLVMSetOperand(user, k as u32, copy);
                    }
                }
            }
        }
        changed = true;
    }
    changed
}

/// Recomputes after their loops the casts of the calls' results used there, in the loops
/// whole-loop refusals name for such a use.
pub(crate) fn run(ctx: &mut Context<'_>, hot: &mut Hot<'_>) -> Changed {
    let sites = hot.sites;
    let mut changed = Changed::No;
    let loops = super::refused_loops(ctx, hot, |r| matches!(r, Reason::UsedAfterLoop { .. }));
    for (header, a, _) in loops {
        let order = loop_blocks(ctx.shim, header);
        let inside: IndexSet<LLVMBasicBlockRef> = order.iter().copied().collect();
        // Every such cast of the loop, not only the one the refusal names.
        let casts: Vec<LLVMValueRef> = order
            .iter()
            .flat_map(|&bb| ir::instructions(bb))
            .filter(|&i| cast_chain(i, &inside).is_some())
            .collect();
        for cast in casts {
            let described = ir::describe(cast);
            if recompute_outside(ctx.shim, cast, &inside) {
                changed = Changed::Yes;
                ctx.shim.invalidate(ir::block_function(header));
                ctx.remark(Remark::recomputed(&described, &sites[a]));
            }
        }
    }
    changed
}
