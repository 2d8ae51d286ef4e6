//! A latch's test on a counter's value as a test on its next value.
//!
//! `for (i = 0; i < 240 && total < limit; i++)` has its latch test `i + 1 < 240` on the
//! counter's next value, which InstCombine rewrites to `i <u 239` on the value the iteration
//! began with when the `add` cannot wrap. A looped batch ends where a test on next values
//! would leave (`legality::counted`, and the lowering asks that test again after the batch,
//! on the values the completed iterations leave), so the test is written back on the next
//! value:
//!
//! ```text
//! before                                       after
//! latch: %i.next = add nuw nsw i32 %i, 1       latch: %i.next = add nuw nsw i32 %i, 1
//!        %t = icmp ult i32 %i, 239                    %t = icmp ult i32 %i.next, 240
//! ```
//!
//! `v pred C` holds exactly when `v + K pred C + K` does: for `==` and `!=` always (adding
//! `K` is one-to-one modulo `2^width`); for an unsigned order when the `add` of `K = 1` has
//! `nuw` and `C + 1` does not wrap; for a signed order when it has `nsw` and `C + K` does not
//! overflow. The test is one of a latch's tests (alone, or a part of an `and`/`or`:
//! `legality::conjunction`) in the loops around the hot calls, `v` a phi of the header whose
//! value from that latch is `v + K` (`K` = 1 or -1). Each is a remark `TestOnNext`.

use llvm_sys::prelude::{LLVMBasicBlockRef, LLVMValueRef};
use llvm_sys::{LLVMIntPredicate, LLVMOpcode};

use super::{hot_loops, Changed, Hot};
use crate::context::Context;
use crate::ir;
use crate::legality::conjunction;
use crate::lower::builder::Builder;
use crate::remarks::Remark;

/// Writes the latch tests of the loops around the hot calls on counters' next values.
pub(crate) fn run(ctx: &mut Context<'_>, hot: &mut Hot<'_>) -> Changed {
    let mut changed = Changed::No;
    for header in hot_loops(ctx, hot) {
        for latch in ir::predecessors(header) {
            if latch.is_null() || !ir::block_reaches(header, latch) {
                continue;
            }
            let Some((cond, ..)) = ir::terminator(latch).and_then(ir::conditional_branch) else {
                continue;
            };
            for leaf in conjunction::any_leaves(cond) {
                let Some((phi, next, c)) = on_value(leaf, header, latch) else {
                    continue;
                };
                let b = Builder::new(ctx.module);
                b.position_before(leaf);
                let Some(pred) = ir::icmp_predicate(leaf) else {
                    continue;
                };
                let name = ir::name(leaf);
                let limit = ir::const_of(ir::type_of(phi), c);
                let phi_left = ir::operand(leaf, 0) == phi;
                let (lhs, rhs) = if phi_left {
                    (next, limit)
                } else {
                    (limit, next)
                };
                let test = b.icmp(pred, lhs, rhs, "");
                ctx.remark(Remark::test_on_next(
                    ir::block_function(header),
                    leaf,
                    phi,
                    next,
                ));
                Builder::replace_uses(leaf, test);
                ir::erase(leaf);
                ir::set_name(test, &name);
                changed = Changed::Yes;
            }
        }
    }
    changed
}

/// `(phi, next, C + K)` when `leaf` is `icmp pred phi, C` (either way round) with `phi` a
/// phi of `header` whose value from `latch` is `next = add phi, K` (`K` = 1 or -1) and the
/// comparison on `next` with `C + K` is the same (module docs).
fn on_value(
    leaf: LLVMValueRef,
    header: LLVMBasicBlockRef,
    latch: LLVMBasicBlockRef,
) -> Option<(LLVMValueRef, LLVMValueRef, i64)> {
    if !ir::is_instruction(leaf) || ir::opcode(leaf) != LLVMOpcode::LLVMICmp {
        return None;
    }
    let pred = ir::icmp_predicate(leaf)?;
    let (x, y) = (ir::operand(leaf, 0), ir::operand(leaf, 1));
    let (phi, c) = match (ir::const_int(x), ir::const_int(y)) {
        (None, Some(c)) => (x, c),
        (Some(c), None) => (y, c),
        _ => return None,
    };
    if !ir::is_instruction(phi) || !ir::is_phi(phi) || ir::parent_block(phi) != header {
        return None;
    }
    let width = ir::int_width(ir::type_of(phi));
    if !(2..=64).contains(&width) {
        return None;
    }
    let next = ir::incoming(phi)
        .into_iter()
        .find(|&(_, from)| from == latch)
        .map(|(v, _)| v)?;
    if !ir::is_instruction(next) || ir::opcode(next) != LLVMOpcode::LLVMAdd {
        return None;
    }
    let k = match (ir::operand(next, 0) == phi, ir::operand(next, 1) == phi) {
        (true, false) => ir::const_int(ir::operand(next, 1))?,
        (false, true) => ir::const_int(ir::operand(next, 0))?,
        _ => return None,
    };
    if k != 1 && k != -1 {
        return None;
    }
    // SAFETY: next is a live `add` instruction of the module being transformed.
    let (nuw, nsw) = unsafe {
        (
            llvm_sys::core::LLVMGetNUW(next) != 0,
            llvm_sys::core::LLVMGetNSW(next) != 0,
        )
    };
    let shift = 64 - width;
    // C as the width's unsigned and signed values.
    let unsigned = ((c as u64) << shift) >> shift;
    let signed = (c << shift) >> shift;
    let umax = u64::MAX >> shift;
    let (smin, smax) = (i64::MIN >> shift, i64::MAX >> shift);
    use LLVMIntPredicate::*;
    let moved = match pred {
        LLVMIntEQ | LLVMIntNE => signed.wrapping_add(k),
        LLVMIntULT | LLVMIntULE | LLVMIntUGT | LLVMIntUGE if k == 1 && nuw && unsigned < umax => {
            (unsigned + 1) as i64
        }
        LLVMIntSLT | LLVMIntSLE | LLVMIntSGT | LLVMIntSGE if nsw => {
            let m = signed.checked_add(k)?;
            if m < smin || m > smax {
                return None;
            }
            m
        }
        _ => return None,
    };
    Some((phi, next, moved))
}
