//! A loop that ends when a call moved everything it was asked for, its end tested after the
//! call's stop predicate, on the count's next value.
//!
//! `while ((n = write(fd, p, left)) != left) { if (n < 0) fail(); p += n; left -= n; }`,
//! once its start is at the `write` (`reheader.rs`), tests the result against the count
//! first and leaves when they are equal, then leaves when the result is negative, then
//! advances the arguments. A looped multi-call with advancing arguments (`legality::advance`)
//! stops an iteration at a predicate of the result (`n < 0`) and ends the loop when the count
//! it advances reaches 0: the same tests in the other order, the second on `left - n`.
//!
//! ```text
//! before                                      after
//! head: %n = call @write(%fd, %p, %left)      head: %n = call @write(%fd, %p, %left)
//!       %full = icmp eq %n, %left                   %neg = icmp slt %n, 0
//!       br %full, %out, %t                          br %neg, %t, %adv
//! t:    %neg = icmp slt %n, 0                 t:    %full = icmp eq %n, %left
//!       br %neg, %fail, %adv                        br %full, %out, %fail
//! adv:  %p.next = gep %p, %n                  adv:  %p.next = gep %p, %n
//!       %left.next = sub %left, %n                  %left.next = sub %left, %n
//!       br %head                                    %done = icmp eq %left.next, 0
//!                                                   br %done, %out, %head
//! ```
//!
//! The two agree on every value, whatever the call returned: when the second test `S` holds
//! both go to `%out` if `n == left` and to `%fail` otherwise; when it does not, `left - n ==
//! 0` exactly when `n == left` (modulo 2^64), and both go to `%out` then and round otherwise.
//! `%adv` now also runs on the way to `%out`; it is taken only when it computes without
//! effects or traps (integer and address arithmetic, comparisons, casts), and the `sub`
//! tested loses `nsw`/`nuw`, so that it is defined where it newly runs.
//!
//! The shape taken, in the loops refused whole whose last call is the one tested: the call's
//! block ends in `n == left` (or `!=`), `left` its argument 2, leaving the loop when equal;
//! the other way is a block entered from it alone with no phis, whose only code is a test
//! `S` of the result against a constant, leaving the loop one way and going on to a block
//! entered from it alone, with no phis, that goes back to the header unconditionally.
//! Each rewrite is a remark `Finished`.

use indexmap::IndexSet;

use llvm_sys::prelude::{LLVMBasicBlockRef, LLVMValueRef};
use llvm_sys::{LLVMIntPredicate, LLVMOpcode};

use super::wide_count::widened;
use super::{innermost_loop, Changed, Hot};
use crate::context::Context;
use crate::ir;
use crate::legality::loop_blocks;
use crate::lower::builder::Builder;
use crate::remarks::Remark;
use crate::shim::flags;

/// The blocks and values of one loop of the shape rewritten (see the module's docs).
struct Shape {
    /// The call's block's branch on `n == left`.
    term: LLVMValueRef,
    /// `n == left`.
    full: LLVMValueRef,
    /// Where `n == left` leaves to.
    out: LLVMBasicBlockRef,
    /// The block of the second test `S`, its test and where it leaves to (which may be
    /// `out`).
    tests: LLVMBasicBlockRef,
    second: LLVMValueRef,
    fail: LLVMBasicBlockRef,
    /// Whether `S` holding leaves the loop (else its false way leaves).
    leaves_if_true: bool,
    /// The block of arithmetic that goes back to the header.
    advance: LLVMBasicBlockRef,
    header: LLVMBasicBlockRef,
    /// The call's result and its argument 2.
    result: LLVMValueRef,
    count: LLVMValueRef,
}

/// Rewrites the loops refused whole whose last call has the shape.
pub(crate) fn run(ctx: &mut Context<'_>, hot: &mut Hot<'_>) -> Changed {
    let sites = hot.sites;
    let today = hot.today(ctx);
    let mut changed = Changed::No;
    for last in today.refused_loop_ends() {
        let Some(shape) = shape_at(ctx, sites[last].call) else {
            continue;
        };
        rewrite(ctx, &shape);
        ctx.shim.invalidate(sites[last].function);
        ctx.remark(Remark::finished(sites, last, shape.second));
        changed = Changed::Yes;
    }
    changed
}

/// The shape around `call`, if its loop has it.
fn shape_at(ctx: &Context<'_>, call: LLVMValueRef) -> Option<Shape> {
    let block = ir::parent_block(call);
    let term = ir::terminator(block)?;
    let (full, t, f) = ir::conditional_branch(term)?;
    if !ir::is_instruction(full)
        || ir::icmp_predicate(full).is_none()
        || ir::parent_block(full) != block
        || ir::value_users(full).len() != 1
    {
        return None;
    }
    let (result, count) = compared(call, full)?;
    let (out, tests) = match ir::icmp_predicate(full)? {
        LLVMIntPredicate::LLVMIntEQ => (t, f),
        LLVMIntPredicate::LLVMIntNE => (f, t),
        _ => return None,
    };
    let header = innermost_loop(ctx.shim, block, block)?;
    let inside: IndexSet<LLVMBasicBlockRef> = loop_blocks(ctx.shim, header).into_iter().collect();
    if inside.contains(&out) || !inside.contains(&tests) || tests == block {
        return None;
    }
    // The second test: the block's only code, a comparison of the result with a constant.
    let only_from = |b: LLVMBasicBlockRef, from: LLVMBasicBlockRef| {
        ir::predecessors(b) == [from]
            && ir::instructions(b).first().is_some_and(|&i| !ir::is_phi(i))
    };
    if !only_from(tests, block) {
        return None;
    }
    let tests_term = ir::terminator(tests)?;
    let (second, t2, f2) = ir::conditional_branch(tests_term)?;
    let code: Vec<LLVMValueRef> = ir::instructions(tests)
        .into_iter()
        .filter(|&i| i != tests_term && ctx.shim.inst_flags(i) & flags::DEBUG == 0)
        .collect();
    let on_result = ir::is_instruction(second)
        && ir::opcode(second) == LLVMOpcode::LLVMICmp
        && ir::operand(second, 0) == result
        && ir::const_int(ir::operand(second, 1)).is_some();
    if code != [second] || !on_result || ir::value_users(second).len() != 1 {
        return None;
    }
    let (leaves_if_true, fail, advance) = match (inside.contains(&t2), inside.contains(&f2)) {
        (false, true) => (true, t2, f2),
        (true, false) => (false, f2, t2),
        _ => return None,
    };
    if !only_from(advance, tests) || advance == header {
        return None;
    }
    let adv_term = ir::terminator(advance)?;
    if ir::conditional_branch(adv_term).is_some() || ir::successors(adv_term) != [header] {
        return None;
    }
    let pure = ir::instructions(advance)
        .into_iter()
        .filter(|&i| i != adv_term)
        .all(|i| ctx.shim.inst_flags(i) & flags::DEBUG != 0 || computes_only(i));
    if !pure {
        return None;
    }
    Some(Shape {
        term,
        full,
        out,
        tests,
        second,
        fail,
        leaves_if_true,
        advance,
        header,
        result,
        count,
    })
}

/// The result and the count that `full` compares: the call's result and its argument 2, or
/// the result truncated (`unsigned n = write(fd, p, left)`, in the block of the call and
/// used there alone) and a count of that width that argument 2 is made of, `left` extended
/// or `min(left, C)` extended (`left` clamped to what one call may move, as gzip's
/// `write_buffer` clamps it to `INT_MAX`).
///
/// The rewrite is exact for any two values of one width (its docs: `left - n == 0` exactly
/// when `n == left`, modulo 2^width); the count must be argument 2's making so that the
/// loop it leaves ends where the advancing count a looped multi-call knows ends.
fn compared(call: LLVMValueRef, full: LLVMValueRef) -> Option<(LLVMValueRef, LLVMValueRef)> {
    let arg = *ir::call_args(call).get(2)?;
    let (l, r) = (ir::operand(full, 0), ir::operand(full, 1));
    let other = |v| {
        if l == v {
            Some(r)
        } else if r == v {
            Some(l)
        } else {
            None
        }
    };
    if let Some(count) = other(call) {
        return (count == arg && ir::type_of(count) == ir::type_of(call)).then_some((call, count));
    }
    let narrow = [l, r].into_iter().find(|&v| {
        ir::is_instruction(v)
            && ir::opcode(v) == LLVMOpcode::LLVMTrunc
            && ir::operand(v, 0) == call
            && ir::parent_block(v) == ir::parent_block(call)
    })?;
    let count = other(narrow)?;
    (ir::type_of(count) == ir::type_of(narrow) && made_of(arg, count)).then_some((narrow, count))
}

/// Whether `arg` is `count` widened, or `min(count, C)` widened (`wide_count::widened`:
/// `zext` of an unsigned count, `sext` of a signed one), where `count` may also reach `arg`
/// through a phi of the loop's header whose incoming values are each made so of the
/// matching incoming value of `count`'s (the form a loop whose start moved to its call has:
/// `reheader.rs` carries the argument).
fn made_of(arg: LLVMValueRef, count: LLVMValueRef) -> bool {
    let direct = |a: LLVMValueRef, c: LLVMValueRef| widened(a).is_some_and(|w| w.count == c);
    if direct(arg, count) {
        return true;
    }
    let phis = |v: LLVMValueRef| ir::is_instruction(v) && ir::is_phi(v);
    if !phis(arg) || !phis(count) || ir::parent_block(arg) != ir::parent_block(count) {
        return false;
    }
    let counts = ir::incoming(count);
    ir::incoming(arg).into_iter().all(|(a, from)| {
        counts
            .iter()
            .any(|&(c, cfrom)| cfrom == from && direct(a, c))
    })
}

/// Whether `inst` only computes a value: integer and address arithmetic that cannot trap,
/// comparisons, casts and the integer `min`/`max` intrinsics (defined on every input).
pub(super) fn computes_only(inst: LLVMValueRef) -> bool {
    ir::pure_op(inst)
        || ir::opcode(inst) == LLVMOpcode::LLVMGetElementPtr
        || ir::min_max(inst).is_some()
}

/// The rewrite of the module's docs.
fn rewrite(ctx: &Context<'_>, s: &Shape) {
    let b = Builder::new(ctx.module);
    let block = ir::parent_block(s.term);
    // The call's block: the second test, then to the tests' block or on.
    ctx.shim.move_before(s.second, s.term);
    let loc = Builder::location_of(s.term);
    Builder::erase_terminator(block);
    b.position_at_end(block);
    b.set_location(loc);
    if s.leaves_if_true {
        b.cond_br(s.second, s.tests, s.advance);
    } else {
        b.cond_br(s.second, s.advance, s.tests);
    }
    // The tests' block: the first test, out or to where the second test left.
    let tests_term = Builder::terminator(s.tests);
    let loc = Builder::location_of(tests_term);
    Builder::erase_terminator(s.tests);
    b.position_at_end(s.tests);
    b.set_location(loc);
    // When both tests leave to one block, its phis tell the two ways apart by the block
    // they come from: the second test's way then passes a block of its own.
    let fail = if s.fail == s.out {
        let via = b.block_before(s.fail, "finished.fail");
        b.position_at_end(via);
        b.set_location(loc);
        b.br(s.fail);
        ctx.shim.move_phi_edge(s.fail, s.tests, via);
        b.position_at_end(s.tests);
        via
    } else {
        s.fail
    };
    if ir::icmp_predicate(s.full) == Some(LLVMIntPredicate::LLVMIntEQ) {
        b.cond_br(s.full, s.out, fail);
    } else {
        b.cond_br(s.full, fail, s.out);
    }
    // The first test is then used there alone, after the loop: the loop itself no longer
    // compares the count with the result.
    ctx.shim.move_before(s.full, Builder::terminator(s.tests));
    ctx.shim.move_phi_edge(s.out, block, s.tests);
    // The arithmetic: the count's next value against 0, out when it is.
    let adv_term = Builder::terminator(s.advance);
    let loc = Builder::location_of(adv_term);
    b.position_before(adv_term);
    let next = ir::instructions(s.advance)
        .into_iter()
        .find(|&i| {
            ir::opcode(i) == LLVMOpcode::LLVMSub
                && ir::operand(i, 0) == s.count
                && ir::operand(i, 1) == s.result
        })
        .unwrap_or_else(|| b.arith(LLVMOpcode::LLVMSub, s.count, s.result, "left.next"));
    // SAFETY: next is a live `sub` instruction; dropping its wrap flags only makes it
    // defined on more inputs.
    unsafe {
        llvm_sys::core::LLVMSetNSW(next, 0);
        llvm_sys::core::LLVMSetNUW(next, 0);
    }
    let zero = b.const_int(ir::type_of(next), 0);
    let done = b.icmp(LLVMIntPredicate::LLVMIntEQ, next, zero, "finished");
    Builder::erase_terminator(s.advance);
    b.position_at_end(s.advance);
    b.set_location(loc);
    b.cond_br(done, s.out, s.header);
    // The out block's phis take from the arithmetic what they took from the call's block.
    for phi in ir::instructions(s.out)
        .into_iter()
        .take_while(|&i| ir::is_phi(i))
    {
        if let Some((v, _)) = ir::incoming(phi).into_iter().find(|&(_, f)| f == s.tests) {
            Builder::add_incoming(phi, &[(v, s.advance)]);
        }
    }
}
