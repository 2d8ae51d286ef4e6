//! A call retried in a loop of its own, retried through the header of the loop around it.
//!
//! A read helper that retries on `EINTR` (busybox's `safe_read`, git's `xread`, OpenSSH's
//! `atomicio`), called in a read-until-full or write-all loop, says `continue`: go back to the
//! loop's test with nothing changed. clang -O2 knows the test held and threads the `continue`
//! straight back to the call, which then heads a loop of its own inside the outer one:
//!
//! ```text
//! before                                        after
//! outer: %p = phi [ %buf, %pre ], [ %p2, %more ]  outer: %p = phi [ %buf, %pre ], [ %p2, %more ],
//!        %left = phi [ %n, %pre ], [ %l2, %more ]                 [ %p, %retry ]
//!        br label %call                                 %left = phi [ ... ], [ %left, %retry ]
//! call:  %r = call i64 @read(i32 %fd, ptr %p, i64 %left)  %r = call i64 @read(...)
//!        br (icmp slt %r, 0), %retry, %ok                 br (icmp slt %r, 0), %retry, %ok
//! retry: ... br (errno == EINTR), %call, %fail    retry: ... br (errno == EINTR), %outer, %fail
//! ```
//!
//! The retry now goes round the outer loop, whose phis take on that edge the values they
//! have, and the call's block joins the outer header: one loop whose header begins with the
//! call, which a looped multi-call takes whole (`legality::advance`, the retry a stop that
//! goes back into the loop). The same program: on the retry's way the outer header computes
//! again, from the same phis and the same values defined before it, what it computed the
//! first time, and does nothing else.
//!
//! Taken where the call's block `h` heads the innermost loop around a call of a hot edge,
//! whose other blocks call no system call (the way back is the retry's, not a copy loop's
//! write), has no phis, is entered from outside its loop by one block `o` alone, which ends in `br
//! label %h`, heads a loop holding `h`'s, and computes only integer and address arithmetic,
//! comparisons and `select`s (no load, whose memory the retried call may have changed, no
//! call, no division). Each is a remark `RetriedThroughHeader`.

use indexmap::IndexSet;

use llvm_sys::prelude::LLVMBasicBlockRef;
use llvm_sys::LLVMOpcode;

use super::{hot_loops, reheader, Changed, Hot};
use crate::context::Context;
use crate::ir;
use crate::legality::loop_blocks;
use crate::lower::builder::Builder;
use crate::remarks::Remark;
use crate::shim::{flags, Shim};

/// Sends the retries of the hot calls' own loops round the loops around them.
pub(crate) fn run(ctx: &mut Context<'_>, hot: &mut Hot<'_>) -> Changed {
    let mut changed = Changed::No;
    // Blocks merged away by an earlier change: the list of loops predates it.
    let mut gone: IndexSet<LLVMBasicBlockRef> = IndexSet::new();
    for inner in hot_loops(ctx, hot) {
        if gone.contains(&inner) {
            continue;
        }
        let Some((outer, body)) = retried_through(ctx.shim, inner) else {
            continue;
        };
        let function = ir::block_function(inner);
        ctx.remark(Remark::retried_through_header(function, inner, outer));
        go_round(ctx.shim, inner, outer);
        // The merge left the cached dominator tree behind: afresh for what follows.
        ctx.shim.invalidate(function);
        closed_no_more(ctx.shim, &body, inner, outer);
        gone.insert(inner);
        changed = Changed::Yes;
    }
    changed
}

/// The outer header `o` through which the retries of the loop headed by `h` can go (see the
/// module's conditions), with the blocks of the loop headed by `h`.
fn retried_through(
    shim: &Shim,
    h: LLVMBasicBlockRef,
) -> Option<(LLVMBasicBlockRef, IndexSet<LLVMBasicBlockRef>)> {
    let first = *ir::instructions(h).first()?;
    if ir::is_phi(first) || !ir::branched_to_only(h) {
        return None;
    }
    let body: IndexSet<LLVMBasicBlockRef> = loop_blocks(shim, h).into_iter().collect();
    if !ir::predecessors(h).iter().any(|p| body.contains(p)) {
        return None;
    }
    // A retry loop goes back to its call from the call's failure, with no other system call
    // on the way: a loop whose way back makes one (a copy loop's write, inside a loop over
    // files) is a loop of its own, which a looped multi-call takes as it is.
    let other_call = body
        .iter()
        .filter(|&&b| b != h)
        .flat_map(|&b| ir::instructions(b))
        .any(|i| {
            ir::is_call(i)
                && ir::called_function(i)
                    .is_some_and(|f| syscluster_profile::catalogue::wrapper(&ir::name(f)).is_some())
        });
    if other_call {
        return None;
    }
    let (o, around) = enclosing_loop(shim, h, &body)?;
    let term = ir::terminator(o)?;
    if ir::opcode(term) != LLVMOpcode::LLVMBr || ir::successors(term) != [h] {
        return None;
    }
    let around: IndexSet<LLVMBasicBlockRef> = around.into_iter().collect();
    if !body.is_subset(&around) || !round_from_call(h, o, &body, &around) {
        return None;
    }
    ir::instructions(o)
        .into_iter()
        .filter(|&i| !ir::is_phi(i) && i != term)
        .all(|i| computes_again(shim, i))
        .then_some((o, body))
}

/// The loop around the loop headed by `h` (whose blocks are `body`): its header `o`, the one
/// block outside that enters `h`, when `o` heads a loop holding `h`; with that loop's blocks.
pub(super) fn enclosing_loop(
    shim: &Shim,
    h: LLVMBasicBlockRef,
    body: &IndexSet<LLVMBasicBlockRef>,
) -> Option<(LLVMBasicBlockRef, Vec<LLVMBasicBlockRef>)> {
    let outside: Vec<LLVMBasicBlockRef> = ir::predecessors(h)
        .into_iter()
        .filter(|p| !body.contains(p))
        .collect();
    let [o] = outside[..] else {
        return None;
    };
    if o.is_null() || o == h || !reheader::heads_loop(shim, o) {
        return None;
    }
    let around = loop_blocks(shim, o);
    around.contains(&h).then_some((o, around))
}

/// Whether every way back to `o` within its loop (`around`) leaves the retry loop (`body`,
/// headed by `h`) from `h` itself: the outer loop is the way round after the call, not one
/// more retry of it taken after a failure (gnulib's `safe_read` clamps the count on `EINVAL`
/// and tries again from a block of its own, which the looped batch of coreutils' `cat`
/// keeps as the original code a stop resumes, `legality::resume`).
fn round_from_call(
    h: LLVMBasicBlockRef,
    o: LLVMBasicBlockRef,
    body: &IndexSet<LLVMBasicBlockRef>,
    around: &IndexSet<LLVMBasicBlockRef>,
) -> bool {
    let mut queue: Vec<LLVMBasicBlockRef> = ir::predecessors(o)
        .into_iter()
        .filter(|p| around.contains(p))
        .collect();
    let mut seen: IndexSet<LLVMBasicBlockRef> = IndexSet::new();
    while let Some(x) = queue.pop() {
        if !seen.insert(x) {
            continue;
        }
        if body.contains(&x) {
            if x != h {
                return false;
            }
            continue;
        }
        queue.extend(
            ir::predecessors(x)
                .into_iter()
                .filter(|&q| q != o && around.contains(&q)),
        );
    }
    true
}

/// Whether `inst` gives the same value when computed again from the same operands and does
/// nothing else: integer and address arithmetic without division, comparisons, `select`,
/// casts, `llvm.{u,s}{min,max}` and debug records.
fn computes_again(shim: &Shim, inst: llvm_sys::prelude::LLVMValueRef) -> bool {
    use LLVMOpcode::*;
    if shim.inst_flags(inst) & flags::DEBUG != 0 {
        return true;
    }
    if ir::is_call(inst) {
        return ir::min_max(inst).is_some();
    }
    matches!(
        ir::opcode(inst),
        LLVMAdd
            | LLVMSub
            | LLVMMul
            | LLVMShl
            | LLVMLShr
            | LLVMAShr
            | LLVMAnd
            | LLVMOr
            | LLVMXor
            | LLVMICmp
            | LLVMSelect
            | LLVMGetElementPtr
            | LLVMTrunc
            | LLVMZExt
            | LLVMSExt
            | LLVMPtrToInt
            | LLVMIntToPtr
            | LLVMBitCast
    )
}

/// Sends the back edges of `h`'s loop to `o` (its phis take their own values there) and
/// moves `h`'s instructions to the end of `o`, which then ends as `h` did.
fn go_round(shim: &Shim, h: LLVMBasicBlockRef, o: LLVMBasicBlockRef) {
    let phis: Vec<_> = Builder::phis(o).into_iter().map(|(phi, _)| phi).collect();
    for latch in ir::predecessors(h) {
        if latch == o {
            continue;
        }
        let Some(term) = ir::terminator(latch) else {
            continue;
        };
        let edges = ir::successors(term).iter().filter(|&&s| s == h).count();
        Builder::retarget(term, h, o);
        for &phi in &phis {
            for _ in 0..edges {
                Builder::add_incoming(phi, &[(phi, latch)]);
            }
        }
    }
    // `h` is now entered from `o` alone, `o`'s only successor.
    shim.merge_into_predecessor(h);
}

/// Folds the phis that closed the retry loop (`body`, headed by `h`, now merged into `o`):
/// one incoming value defined in that loop, in a block of the loop around it. They kept
/// the retry loop's values apart from the outer loop's, which is now one loop with it; a
/// step `total + r` is then the phi plus the result again, not plus a copy of them.
fn closed_no_more(
    shim: &Shim,
    body: &IndexSet<LLVMBasicBlockRef>,
    h: LLVMBasicBlockRef,
    o: LLVMBasicBlockRef,
) {
    let merged: IndexSet<LLVMBasicBlockRef> = body
        .iter()
        .copied()
        .filter(|&b| b != h)
        .chain([o])
        .collect();
    for b in loop_blocks(shim, o) {
        if merged.contains(&b) {
            continue;
        }
        for phi in ir::instructions(b)
            .into_iter()
            .take_while(|&i| ir::is_phi(i))
        {
            if let [(v, _)] = ir::incoming(phi)[..] {
                if ir::is_instruction(v) && merged.contains(&ir::parent_block(v)) {
                    ir::replace_uses(phi, v);
                    ir::erase(phi);
                }
            }
        }
    }
}
