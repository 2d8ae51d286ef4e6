//! A call's argument chosen by a value set before the calls, as a branch to one copy of the
//! call for each choice.
//!
//! dd's conv=sync written as a length, `w = write(out, buf, sync ? bs : n);`, reaches the pass
//! as a `select` on a flag set before the copy loop between the read's result and a constant.
//! The write's argument is computed after the read, and argument safety refuses the hot edge
//! read -> write (`Reason::LateArgument`): a multi-call entry takes a constant, a value known
//! before the batch, or an earlier call's result, not a choice of them. The flag is known
//! before the batch, so the choice can be a branch before the call instead, each way with its
//! own copy of the call and one of the two values:
//!
//! ```text
//! before                                        after
//!   %len = select i1 %sync, i64 4096, i64 %n      br i1 %sync, label %arg.second, label %arg.first
//!   %w = call i64 @write(i32 %out, ptr %buf,    arg.first:
//!                        i64 %len)                %w1 = call i64 @write(i32 %out, ptr %buf, i64 %n)
//!                                                 br label %arg.join
//!                                               arg.second:
//!                                                 %w2 = call i64 @write(i32 %out, ptr %buf, i64 4096)
//!                                                 br label %arg.join
//!                                               arg.join:
//!                                                 %w = phi i64 [ %w1, %arg.first ], [ %w2, %arg.second ]
//!                                                 %len.on = phi i64 [ %n, %arg.first ], [ 4096, %arg.second ]
//! ```
//!
//! The call itself keeps the value the calls compute (the read's result): it is the first of
//! the two in the block order, the site a multi-call is formed on when the profile's edges
//! map to both, and the way that passes the result on is the plain one (`sync ? bs : n`
//! pads only with conv=sync); the copy takes the other value.
//!
//! The uses of the choice after the join (`if (w != len)`) read the phi of the values, so that
//! on each way the write's test compares its result with its own argument.
//!
//! Exact: the same call runs once, with the value the `select` chose, and its result goes
//! where the call's went. The copy keeps the call's debug location, so the profile's edges
//! map to both; the flag's branch between the calls is a guard of the multi-call on the way
//! the profile found hot (a test of a value set before the batch), the other way the
//! original code.
//!
//! Taken for an argument named by a `LateArgument` refusal of a hot edge when it is a
//! `select` whose condition is set before the edge's first call (an argument of the function
//! or an instruction that dominates that call) and whose two values are each a constant, a
//! value set before the first call, a system call's result through integer casts, or a phi
//! (which legality reads on the path, as the result it carries), not both set before the
//! first call (then the `select` itself moves before it, `hoist` and `motion`, and the call
//! stays one). Legality then judges each copy's argument as usual. Each rewrite is a remark
//! `ArgumentSplit`.

use indexmap::IndexSet;
use llvm_sys::prelude::LLVMValueRef;
use llvm_sys::LLVMOpcode;

use super::{Changed, Hot};
use crate::context::Context;
use crate::ir;
use crate::legality::conditions::{is_bool, result_through_casts};
use crate::legality::Reason;
use crate::lower::builder::Builder;
use crate::remarks::Remark;

/// Splits the calls whose arguments chosen before the calls broke a hot edge.
pub(crate) fn run(ctx: &mut Context<'_>, hot: &mut Hot<'_>) -> Changed {
    let sites = hot.sites;
    let today = hot.today(ctx);
    let mut done: IndexSet<LLVMValueRef> = IndexSet::new();
    let mut changed = Changed::No;
    for r in today.refused.iter().chain(&today.loops_refused) {
        let Reason::LateArgument {
            site,
            k,
            value,
            first,
        } = r.refusal.reason
        else {
            continue;
        };
        let call = sites[site].call;
        if !done.insert(call) || ir::opcode(call) != LLVMOpcode::LLVMCall {
            continue;
        }
        let before = sites[first].call;
        let is_call = |v: LLVMValueRef| sites.iter().any(|s| s.call == v);
        let Some(chosen) = choice(ctx, value, before, &is_call) else {
            continue;
        };
        if ir::operand(call, k as u32) != value {
            continue;
        }
        let function = ir::block_function(ir::parent_block(call));
        // The remark names the choice, which the rewrite may delete.
        ctx.remark(Remark::argument_split(&sites[site], k, value));
        let (copy, chosen_phi) = split(ctx, call, k as u32, &chosen);
        ctx.shim.invalidate(function);
        read_as_chosen(ctx, value, chosen_phi);
        ctx.copies.insert(copy);
        changed = Changed::Yes;
    }
    changed
}

/// A `select` that [`run`] splits.
struct Choice {
    condition: LLVMValueRef,
    /// The value the calls compute (a result, a phi), which the call itself takes.
    late: LLVMValueRef,
    /// The other value, which the copy takes.
    other: LLVMValueRef,
    /// Whether the condition chooses `late` when true.
    late_if_true: bool,
}

/// The condition and the two values of `value` when it is a `select` that [`run`] takes:
/// its condition set before `before`, each value a constant, set before `before`, or a
/// system call's result (`is_call`) through integer casts.
fn choice(
    ctx: &Context<'_>,
    value: LLVMValueRef,
    before: LLVMValueRef,
    is_call: &dyn Fn(LLVMValueRef) -> bool,
) -> Option<Choice> {
    if !ir::is_instruction(value) || ir::opcode(value) != LLVMOpcode::LLVMSelect {
        return None;
    }
    let (c, x, y) = (
        ir::operand(value, 0),
        ir::operand(value, 1),
        ir::operand(value, 2),
    );
    let set_before = |v: LLVMValueRef| {
        !ir::is_constant(v) && (!ir::is_instruction(v) || ctx.shim.dominates(v, before))
    };
    let known = |v: LLVMValueRef| ir::is_constant(v) || set_before(v);
    // A result may reach the select through the phis of merges on the way from its call
    // (`(n = read(..)) > 0` in a loop's test), which legality reads on the path.
    let taken = |v: LLVMValueRef| known(v) || ir::is_phi(v) || is_call(result_through_casts(v).0);
    if !is_bool(c) || !set_before(c) || !taken(x) || !taken(y) {
        return None;
    }
    // Both values set before the calls: the select itself moves there (`hoist`, `motion`),
    // which keeps one call.
    match (known(x), known(y)) {
        (false, _) => Some(Choice {
            condition: c,
            late: x,
            other: y,
            late_if_true: true,
        }),
        (true, false) => Some(Choice {
            condition: c,
            late: y,
            other: x,
            late_if_true: false,
        }),
        (true, true) => None,
    }
}

/// Rewrites `call` as a branch on the condition to the call itself with argument `k` the
/// value the calls compute and a copy with the other value, joined after; returns the copy
/// and the phi of the two values where the ways join. The call keeps the computed value: of
/// the two it is the site the multi-call is formed on (the first in the block order), and the
/// way that passes the result on is the plain one (`sync ? bs : n` pads only with conv=sync).
fn split(
    ctx: &Context<'_>,
    call: LLVMValueRef,
    k: u32,
    choice: &Choice,
) -> (LLVMValueRef, LLVMValueRef) {
    let (c, x, y) = (choice.condition, choice.late, choice.other);
    let builder = Builder::new(ctx.module);
    // [.. call rest..] -> [..] [call] [rest..]: the front stays in the call's block.
    let head = ir::parent_block(call);
    let first = ctx.shim.split_before(call, "arg.first");
    let next = ir::next_instruction(call).unwrap_or(call);
    let join = ctx.shim.split_before(next, "arg.join");
    let second = builder.block_before(join, "arg.second");
    builder.position_at_end(second);
    builder.set_location(Builder::location_of(call));
    // SAFETY: call is a live call instruction; its clone gets a value of the argument's type
    // (the choice's other value) in argument k and is inserted at the end of a block of the
    // same function, before that block's branch.
    let copy = unsafe {
        let copy = llvm_sys::core::LLVMInstructionClone(call);
        llvm_sys::core::LLVMSetOperand(copy, k, y);
        builder.insert(copy);
        copy
    };
    builder.br(join);
    // SAFETY: as above, for the call itself: the value the calls compute in argument k.
    unsafe { llvm_sys::core::LLVMSetOperand(call, k, x) };
    Builder::erase_terminator(head);
    builder.position_at_end(head);
    if choice.late_if_true {
        builder.cond_br(c, first, second);
    } else {
        builder.cond_br(c, second, first);
    }
    builder.position_at_start(join);
    if ir::type_kind(ir::type_of(call)) != llvm_sys::LLVMTypeKind::LLVMVoidTypeKind {
        let phi = builder.phi(ir::type_of(call), "arg.result");
        Builder::replace_uses(call, phi);
        Builder::add_incoming(phi, &[(call, first), (copy, second)]);
    }
    let chosen = builder.phi(ir::type_of(x), "arg.chosen");
    Builder::add_incoming(chosen, &[(x, first), (y, second)]);
    (copy, chosen)
}

/// Where the two ways join, the choice `value` is the value each way took (`chosen`, a phi
/// of them): the uses it dominates read that phi (`if (w != len)` after the write), which
/// each way's tests then see as its own argument.
fn read_as_chosen(ctx: &Context<'_>, value: LLVMValueRef, chosen: LLVMValueRef) {
    for (user, _) in ir::users(value) {
        if user == chosen || ir::is_phi(user) || !ctx.shim.dominates(chosen, user) {
            continue;
        }
        for i in 0..ir::num_operands(user) {
            if ir::operand(user, i) == value {
                // SAFETY: user is a live instruction that `chosen`, a value of the same
                // type as `value`, dominates.
                unsafe { llvm_sys::core::LLVMSetOperand(user, i, chosen) };
            }
        }
    }
    if ir::users(value).is_empty() {
        ir::erase(value);
    }
}
