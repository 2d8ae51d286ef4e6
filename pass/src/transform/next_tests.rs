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
//! `v pred C` holds exactly when `v + K pred C + K` does: for `==` and `!=` always, modulo
//! `2^width` (the `add` loses its wrap flags, so that it is never poison); for an order under
//! which the loop goes round while the counter is before the limit in its direction (`<`,
//! `<=` going up; `>`, `>=` going down; unsigned or signed) when no value the counter
//! takes at the latch is the one past which `v + K` wraps: the counter starts at a constant
//! that is not that value and goes round only before the limit, and `C + K` is not that value
//! either. The test is one of the tests that must all let the loop go on at a latch (alone,
//! or a part of an `and` going on or an `or` leaving: `legality::conjunction`) in the loops
//! around the hot calls, `v` a phi of the header whose values are that constant and, from
//! that latch, `v + K` (`K` = 1 or -1). Each is a remark `TestOnNext`.

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
            let Some((cond, if_true, _)) = ir::terminator(latch).and_then(ir::conditional_branch)
            else {
                continue;
            };
            let goes_on = if_true == header;
            for leaf in conjunction::conjuncts(cond, goes_on) {
                let Some((phi, next, c)) = on_value(leaf, goes_on, header, latch) else {
                    continue;
                };
                // Equality tests compare modulo 2^width: `next` must not be poison where it
                // wraps (the orders never reach that value).
                if matches!(
                    ir::icmp_predicate(leaf),
                    Some(LLVMIntPredicate::LLVMIntEQ | LLVMIntPredicate::LLVMIntNE)
                ) {
                    // SAFETY: next is a live `add` of the module; dropping its wrap flags
                    // only makes its value defined where it was poison.
                    unsafe {
                        llvm_sys::core::LLVMSetNUW(next, 0);
                        llvm_sys::core::LLVMSetNSW(next, 0);
                    }
                }
                let b = Builder::new(ctx.module);
                b.position_before(leaf);
                let Some(pred) = ir::icmp_predicate(leaf) else {
                    continue;
                };
                let name = ir::name(leaf);
                let limit = ir::const_of(ir::type_of(phi), c);
                let (lhs, rhs) = if ir::operand(leaf, 0) == phi {
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
/// comparison on `next` with `C + K` is the same at every visit of the latch (module docs);
/// `goes_on`: the loop goes round only while `leaf` is that.
fn on_value(
    leaf: LLVMValueRef,
    goes_on: bool,
    header: LLVMBasicBlockRef,
    latch: LLVMBasicBlockRef,
) -> Option<(LLVMValueRef, LLVMValueRef, i64)> {
    if !ir::is_instruction(leaf) || ir::opcode(leaf) != LLVMOpcode::LLVMICmp {
        return None;
    }
    let pred = ir::icmp_predicate(leaf)?;
    let (x, y) = (ir::operand(leaf, 0), ir::operand(leaf, 1));
    let (phi, c, pred) = match (ir::const_int(x), ir::const_int(y)) {
        (None, Some(c)) => (x, c, pred),
        (Some(c), None) => (y, c, ir::swapped_predicate(pred)),
        _ => return None,
    };
    if !ir::is_instruction(phi) || !ir::is_phi(phi) || ir::parent_block(phi) != header {
        return None;
    }
    let width = ir::int_width(ir::type_of(phi));
    if !(2..=64).contains(&width) {
        return None;
    }
    // Two ways in: round from this latch with `next`, and a constant from before the loop.
    let incoming = ir::incoming(phi);
    if incoming.len() != 2 {
        return None;
    }
    let next = incoming
        .iter()
        .find(|&&(_, from)| from == latch)
        .map(|&(v, _)| v)?;
    let first = incoming
        .iter()
        .find(|&&(_, from)| from != latch)
        .map(|&(v, _)| v)?;
    let first = ir::const_int(first)?;
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
    let shift = 64 - width;
    let as_unsigned = |v: i64| ((v as u64) << shift) >> shift;
    let as_signed = |v: i64| (v << shift) >> shift;
    let umax = u64::MAX >> shift;
    let (smin, smax) = (i64::MIN >> shift, i64::MAX >> shift);
    use LLVMIntPredicate::*;
    // The predicate under which the loop goes round, the counter on its left.
    let round = if goes_on {
        pred
    } else {
        ir::inverse_predicate(pred)
    };
    // For an order: the counter goes towards the limit and goes round only before it, so at
    // every visit of the latch it is between the first value and the limit, never the value
    // past which `add K` wraps (the first value, a constant, is not that value either); both
    // tests then compare the same values, and `next` wraps nowhere.
    let moved = match round {
        LLVMIntEQ | LLVMIntNE => as_signed(as_signed(c).wrapping_add(k)),
        // Going up while below C (at most C): the counter is at most C (C + 1) at the latch,
        // which must not be the last value; going down likewise from the other end.
        LLVMIntULT | LLVMIntULE if k == 1 => {
            let (c, first) = (as_unsigned(c), as_unsigned(first));
            let top = if round == LLVMIntULT {
                c
            } else {
                c.checked_add(1)?
            };
            if top >= umax || first == umax {
                return None;
            }
            (c + 1) as i64
        }
        LLVMIntUGT | LLVMIntUGE if k == -1 => {
            let (c, first) = (as_unsigned(c), as_unsigned(first));
            let bottom = if round == LLVMIntUGT {
                c
            } else {
                c.checked_sub(1)?
            };
            if bottom == 0 || first == 0 {
                return None;
            }
            (c - 1) as i64
        }
        LLVMIntSLT | LLVMIntSLE | LLVMIntSGT | LLVMIntSGE => {
            let up = matches!(round, LLVMIntSLT | LLVMIntSLE);
            if up != (k == 1) {
                return None;
            }
            let (c, first) = (as_signed(c), as_signed(first));
            let strict = matches!(round, LLVMIntSLT | LLVMIntSGT);
            let end = if up { smax } else { smin };
            // The farthest value at the latch: C for a strict order, C + K otherwise.
            let far = if strict { c } else { c.checked_add(k)? };
            if far == end || far < smin || far > smax || first == end {
                return None;
            }
            c + k
        }
        _ => return None,
    };
    Some((phi, next, moved))
}
