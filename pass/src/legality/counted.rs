//! Whether a loop's test is on a counter, and then the iterations a looped batch may run
//! (`plan::Counted`): `for (i = 0; i < n; i++)`, `while (n--)`, `do ... while (++i < n)`.
//!
//! The counter is a carried value (`looped::carried_value`) whose step is the constant 1 up
//! or down; the test compares it (at the top of the loop) or its next value (in a rotated
//! loop's latch) with a limit defined before the loop. From a value `c` at an iteration's
//! start, the loop goes on after the iterations `1 ..= j` while `round(c + j * step)` holds
//! (`round`: the predicate under which the test goes on, the counter on its left), in both
//! forms: the latch tests the next value after each iteration, and the header tests the
//! value before each iteration but the first, which the batch is entered past. So the batch
//! may run the first `j >= 1` iterations for which `round` fails, and any fewer: the
//! lowering asks the loop's own test again when the batch returns, and goes on from there.
//! With `dist` the distance to the limit in the counter's direction (modulo `2^width`):
//!
//! - `round` is `!=`: the counter reaches the limit after `dist` iterations, and every value
//!   before differs from it (`2^width` iterations when `dist` is 0: the counter wraps round
//!   to the limit);
//! - `round` is `<` going up (or `>` going down), signed or unsigned: when `round` fails
//!   after the first iteration, one; else `c + step` is before the limit, the values from
//!   there to the limit go towards it without wrapping, and the first that fails is the
//!   limit itself, after `dist` iterations;
//! - `<=` going up (`>=` down): likewise, the first that fails is one past the limit, after
//!   `dist + 1`; when the limit is the type's last value nothing fails before the counter
//!   wraps, and `dist + 1` (0 read as `2^width`) is a count of iterations that all go on.
//!
//! Other predicates (a counter going up while it is above the limit) are not bounds.

use indexmap::IndexSet;

use llvm_sys::prelude::{LLVMBasicBlockRef, LLVMValueRef};
use llvm_sys::{LLVMIntPredicate, LLVMOpcode};

use crate::ir;
use crate::plan::{Carried, CountEnd, Counted, Step};

/// The counter bound `test` expresses, when it compares a counter of `carried` (its next
/// value when `rotated`, else its value) with a value defined outside the loop (`inside`);
/// `goes_on` says whether true goes on. `Err(None)` when it compares no counter with such a
/// value, `Err(Some(why))` when it does but is no bound.
pub(super) fn bound(
    test: LLVMValueRef,
    goes_on: bool,
    rotated: bool,
    carried: &[Carried],
    inside: &IndexSet<LLVMBasicBlockRef>,
) -> Result<Counted, Option<String>> {
    if !ir::is_instruction(test) || ir::opcode(test) != LLVMOpcode::LLVMICmp {
        return Err(None);
    }
    let pred = ir::icmp_predicate(test).ok_or(None)?;
    let (lhs, rhs) = (ir::operand(test, 0), ir::operand(test, 1));
    // A rotated latch tests the next value, or the value at the iteration's start (clang
    // turns `count-- > 0` into `count > 1` there).
    let counters = || {
        carried
            .iter()
            .enumerate()
            .filter(|(_, c)| matches!(c.step, Step::Invariant(_)))
    };
    // The counter itself, or zero-extended to the limit's width (`unsigned i < size_t n`).
    let is_value =
        |operand: LLVMValueRef, v: LLVMValueRef| operand == v || zext_of(operand) == Some(v);
    let compares = |v: LLVMValueRef| is_value(lhs, v) || is_value(rhs, v);
    let tests_start = rotated
        && !counters().any(|(_, c)| compares(c.next))
        && counters().any(|(_, c)| compares(c.phi));
    let tested = |c: &Carried| {
        if rotated && !tests_start {
            c.next
        } else {
            c.phi
        }
    };
    let is = |c: &Carried, operand: LLVMValueRef| is_value(operand, tested(c));
    let (k, c) = counters()
        .find(|(_, c)| is(c, lhs) || is(c, rhs))
        .ok_or(None)?;
    let (pred, limit, operand) = if is(c, lhs) {
        (pred, rhs, lhs)
    } else {
        (ir::swapped_predicate(pred), lhs, rhs)
    };
    if is(c, limit) || (ir::is_instruction(limit) && inside.contains(&ir::parent_block(limit))) {
        return Err(None);
    }
    let widened = operand != tested(c);
    let name = ir::value_name(c.phi);
    let up = unit_step(c).ok_or_else(|| Some(format!("{name} does not step by 1 up or down")))?;
    let round = if goes_on {
        pred
    } else {
        ir::inverse_predicate(pred)
    };
    use LLVMIntPredicate::*;
    let end = match (up, round) {
        (_, LLVMIntNE) => CountEnd::Reaches,
        (true, LLVMIntSLT | LLVMIntULT) | (false, LLVMIntSGT | LLVMIntUGT) => CountEnd::Passes,
        (true, LLVMIntSLE | LLVMIntULE) | (false, LLVMIntSGE | LLVMIntUGE) => {
            CountEnd::PassesIncluding
        }
        _ => {
            return Err(Some(format!(
                "{name} goes {} but the loop goes on only while it is past or at the bound",
                if up { "up" } else { "down" }
            )))
        }
    };
    // Zero-extended, the counter is compared with a limit that may be past its own type's
    // last value: going up, `<`, `<=` and `!=` on the extension hold wherever they hold on
    // the counter against the limit clamped to that last value, and for a limit past it
    // they hold for every value (the clamped test leaves at the last value, no later than
    // the loop: the loop's own test decides after the batch).
    if widened && !(up && matches!(round, LLVMIntULT | LLVMIntULE | LLVMIntNE)) {
        return Err(Some(format!(
            "{name} is zero-extended for a test other than going up while below, at most or other than the bound"
        )));
    }
    Ok(Counted {
        carried: k,
        limit,
        up,
        test,
        goes_on,
        end,
        widened,
        tests_start,
    })
}

/// The value `v` zero-extends, when it is a `zext`.
pub(crate) fn zext_of(v: LLVMValueRef) -> Option<LLVMValueRef> {
    (ir::is_instruction(v) && ir::opcode(v) == LLVMOpcode::LLVMZExt).then(|| ir::operand(v, 0))
}

/// Whether the counter `c` goes up by 1 (`Some(true)`) or down by 1 (`Some(false)`).
fn unit_step(c: &Carried) -> Option<bool> {
    let Step::Invariant(step) = c.step else {
        return None;
    };
    match ir::const_int(step)? {
        1 => Some(!c.minus),
        -1 => Some(c.minus),
        _ => None,
    }
}

/// Whether a conditional branch of the loop `inside`, headed by `header`, compares a header
/// phi's value plus or minus a constant with a value defined outside the loop: the latch of a
/// rotated counted loop, which the rotated form checks in full.
pub(super) fn tests_counter(
    header: LLVMBasicBlockRef,
    inside: &IndexSet<LLVMBasicBlockRef>,
) -> bool {
    latch_compares(header, inside, |v| {
        let v = zext_of(v).unwrap_or(v);
        ir::is_instruction(v) && counter_step_in(v, header)
    }) || latch_tests_start(header, inside)
}

/// Whether a latch of the loop leaves it on a comparison of a counter's value at the
/// iteration's start (a header phi that steps by a constant in the loop) with a value defined
/// before the loop: clang's `count > 1` for `count-- > 0 && ..`.
fn latch_tests_start(header: LLVMBasicBlockRef, inside: &IndexSet<LLVMBasicBlockRef>) -> bool {
    let outside =
        |v: LLVMValueRef| !ir::is_instruction(v) || !inside.contains(&ir::parent_block(v));
    latch_branches(header, inside)
        .filter(|&(_, t, f)| !inside.contains(&t) || !inside.contains(&f))
        .any(|(cond, ..)| {
            ir::is_instruction(cond)
                && ir::opcode(cond) == LLVMOpcode::LLVMICmp
                && (0..2).any(|k| {
                    let v = ir::operand(cond, k);
                    ir::is_instruction(v)
                        && ir::is_phi(v)
                        && steps_in_loop(v, header, inside)
                        && outside(ir::operand(cond, 1 - k))
                })
        })
}

/// The conditional branches of the loop's latches (the blocks of `inside` that enter
/// `header`): condition, true and false successors.
fn latch_branches<'a>(
    header: LLVMBasicBlockRef,
    inside: &'a IndexSet<LLVMBasicBlockRef>,
) -> impl Iterator<Item = (LLVMValueRef, LLVMBasicBlockRef, LLVMBasicBlockRef)> + 'a {
    ir::predecessors(header)
        .into_iter()
        .filter(|p| !p.is_null() && inside.contains(p))
        .filter_map(|latch| ir::terminator(latch).and_then(ir::conditional_branch))
}

/// Whether the header phi `phi` has a value in the loop (`inside`) that is itself plus or
/// minus a constant: a counter whose rotated latch tests the count itself (`count-- > 0`).
fn steps_in_loop(
    phi: LLVMValueRef,
    header: LLVMBasicBlockRef,
    inside: &IndexSet<LLVMBasicBlockRef>,
) -> bool {
    ir::parent_block(phi) == header
        && ir::value_users(phi).into_iter().any(|u| {
            ir::is_instruction(u)
                && inside.contains(&ir::parent_block(u))
                && counter_step_in(u, header)
        })
}

/// Whether a latch of the loop headed by `header` (blocks `inside`) branches on an `icmp` of
/// a value `next` accepts with one defined before the loop, alone or as one of the tests of
/// an `and` or `or` (`legality::conjunction`).
pub(super) fn latch_compares(
    header: LLVMBasicBlockRef,
    inside: &IndexSet<LLVMBasicBlockRef>,
    next: impl Fn(LLVMValueRef) -> bool,
) -> bool {
    let outside =
        |v: LLVMValueRef| !ir::is_instruction(v) || !inside.contains(&ir::parent_block(v));
    latch_branches(header, inside)
        .flat_map(|(cond, ..)| super::conjunction::any_leaves(cond))
        .any(|cond| {
            ir::is_instruction(cond)
                && ir::opcode(cond) == LLVMOpcode::LLVMICmp
                && ((next(ir::operand(cond, 0)) && outside(ir::operand(cond, 1)))
                    || (next(ir::operand(cond, 1)) && outside(ir::operand(cond, 0))))
        })
}

/// Whether `inst`, in `header`, is a header phi plus or minus a constant: a counter's next
/// value computed before the loop's test (`while (n--)`), which `bound` then checks is a
/// carried counter's.
pub(super) fn counter_step_in(inst: LLVMValueRef, header: LLVMBasicBlockRef) -> bool {
    matches!(ir::opcode(inst), LLVMOpcode::LLVMAdd | LLVMOpcode::LLVMSub)
        && (0..2).any(|k| {
            let v = ir::operand(inst, k);
            ir::is_instruction(v) && ir::is_phi(v) && ir::parent_block(v) == header
        })
        && (0..2).any(|k| ir::const_int(ir::operand(inst, k)).is_some())
}
