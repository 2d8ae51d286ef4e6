//! A loop whose way between two calls passes a test of a value that is the same in every
//! iteration, and whose other way comes back before the second call, unswitched on that test:
//! a copy of the loop for the way between the calls, the original loop for the other.
//!
//! ```c
//! while ((n = read(in, buf, sizeof buf)) > 0) {
//!         if (verbose)                        /* set before the loop */
//!                 fprintf(stderr, "read %zd\n", n);
//!         if (write_all(out, buf, n) < 0)     /* inlined: a loop of its own */
//!                 fail();
//! }
//! ```
//!
//! The trace's way leaves the path from `read` to `write` and comes back to it (convexity:
//! `ExitRejoins`), and the copy of the join that would give the quiet way a path of its own
//! (`duplicate::run_rejoined`) is refused because a loop heads it (the write-all loop): a copy
//! would give that loop a second entry. Here the test's condition is the same in every
//! iteration (a value defined before the loop, or arithmetic on such values, which is
//! hoisted), so the whole loop is copied instead, as LLVM's loop unswitching does (with the
//! loop's own cloning, `cloneLoopWithPreheader`, through the shim): before the loop the
//! condition is tested once, and the copy, in which the test goes to the way between the
//! calls only, runs when it would go there; the original loop, in which it goes the other way
//! only, runs otherwise. The program does the same thing on every path: the test would have
//! gone the same way in every iteration. Legality then sees the copy's path from one call to
//! the next without the trace (here the whole copy loop becomes one looped multi-call), and
//! the trace's loop stays as it was.
//!
//! A test is taken in a hot loop (the innermost loop around a call of a hot edge) that is not
//! yet taken whole: the first two-way branch of the loop whose successors are both in it,
//! whose condition is computed from values defined before the loop ([`MAX_DEPTH`] deep), one
//! of whose successors post-dominates it, and whose other way calls a function or writes
//! memory before it comes back (within [`MAX_WAY_OFF`] blocks). The loop has at most
//! [`MAX_LOOP`] instructions, one back edge, no exception pad, indirect branch, token, or
//! call that may not be copied, and at most [`MAX_PER_FUNCTION`] loops of a
//! function are unswitched. Remarks: `Unswitched`, or `NotUnswitched` with the reason.

use indexmap::IndexMap;

use llvm_sys::prelude::{LLVMBasicBlockRef, LLVMValueRef};

use super::rotate::calls_in;
use super::{hot_loops, Changed, Hot};
use crate::context::Context;
use crate::ir;
use crate::legality::loop_blocks;
use crate::remarks::Remark;

/// Instructions of a loop that may be copied.
pub(crate) const MAX_LOOP: u32 = 400;
/// Loops unswitched in one function.
pub(crate) const MAX_PER_FUNCTION: usize = 2;

/// Blocks of the way off a test searched for what it does before it comes back.
const MAX_WAY_OFF: usize = 32;
/// Depth of the arithmetic over values from before the loop that a test's condition may be.
const MAX_DEPTH: u32 = 8;

/// A test to unswitch a loop on: the branch, its condition (described for the remarks), and
/// which of its successors (0 or 1) goes straight to where the other way comes back.
struct Test {
    branch: LLVMValueRef,
    keep: u32,
    describe: String,
}

/// Unswitches the hot loops that test a value they do not change and, on one way, do
/// something a multi-call cannot skip before that way comes back (module docs).
pub(crate) fn run(ctx: &mut Context<'_>, hot: &mut Hot<'_>) -> Changed {
    let today = hot.today(ctx);
    let mut chosen: IndexMap<LLVMBasicBlockRef, Test> = IndexMap::new();
    for header in hot_loops(ctx, hot) {
        if today.whole.contains(&header) {
            continue;
        }
        let blocks = loop_blocks(ctx.shim, header);
        if let Some(test) = blocks
            .iter()
            .find_map(|&b| test_in(ctx, header, &blocks, b))
        {
            chosen.insert(header, test);
        }
    }
    let mut changed = Changed::No;
    let mut per_function: IndexMap<LLVMValueRef, usize> = IndexMap::new();
    for (header, test) in chosen {
        let func = ir::block_function(header);
        let done = per_function.entry(func).or_default();
        if *done >= MAX_PER_FUNCTION {
            continue;
        }
        let before = calls_in(func);
        let block = ir::parent_block(test.branch);
        match ctx
            .shim
            .unswitch_loop(header, test.branch, test.keep, MAX_LOOP)
        {
            Ok(()) => {
                *done += 1;
                changed = Changed::Yes;
                ctx.copies.extend(calls_in(func).difference(&before));
                // The test's block ends in a branch to the way it always takes there, at the
                // test's place.
                let at = ir::terminator(block);
                ctx.remark(Remark::unswitched(func, at, &test.describe));
            }
            Err((why, simplified)) => {
                if simplified {
                    changed = Changed::Yes;
                }
                ctx.remark(Remark::not_unswitched(
                    func,
                    Some(test.branch),
                    &test.describe,
                    &why,
                ));
            }
        }
    }
    changed
}

/// The test that `block` (of the loop of `blocks`) ends with, when the loop could be
/// unswitched on it: a two-way branch whose successors are both in the loop, whose condition
/// is computed from values defined before the loop ([`invariant`]), one of whose ways goes
/// straight to a block that post-dominates the test, and whose other way does something
/// before it comes back there (a call or a store: [`does_something`]).
fn test_in(
    ctx: &Context<'_>,
    header: LLVMBasicBlockRef,
    blocks: &[LLVMBasicBlockRef],
    block: LLVMBasicBlockRef,
) -> Option<Test> {
    let branch = ir::terminator(block)?;
    let (cond, t, f) = ir::conditional_branch(branch)?;
    if t == f || !blocks.contains(&t) || !blocks.contains(&f) || ir::is_constant(cond) {
        return None;
    }
    if !invariant(blocks, cond, MAX_DEPTH) {
        return None;
    }
    let (keep, join, off) = if ctx.shim.block_postdominates(t, block) {
        (0, t, f)
    } else if ctx.shim.block_postdominates(f, block) {
        (1, f, t)
    } else {
        return None;
    };
    does_something(header, blocks, off, join).then(|| Test {
        branch,
        keep,
        describe: ir::describe(cond),
    })
}

/// Whether `v` is defined before the loop of `blocks` (not by one of its instructions), or
/// computed in it from such values by integer arithmetic, casts and comparisons, at most
/// `depth` deep.
fn invariant(blocks: &[LLVMBasicBlockRef], v: LLVMValueRef, depth: u32) -> bool {
    if !ir::is_instruction(v) || !blocks.contains(&ir::parent_block(v)) {
        return true;
    }
    let pure = ir::pure_op(v) || ir::opcode(v) == llvm_sys::LLVMOpcode::LLVMFreeze;
    depth > 0
        && pure
        && (0..ir::num_operands(v)).all(|k| invariant(blocks, ir::operand(v, k), depth - 1))
}

/// Whether the way from `off` back to `join` (the blocks `off` reaches in the loop of
/// `blocks` without passing `join` or going round to the loop's `header`, at most
/// [`MAX_WAY_OFF`]) calls a function or writes memory, and comes back to `join`.
fn does_something(
    header: LLVMBasicBlockRef,
    blocks: &[LLVMBasicBlockRef],
    off: LLVMBasicBlockRef,
    join: LLVMBasicBlockRef,
) -> bool {
    let mut seen = vec![off];
    let mut k = 0;
    let mut comes_back = false;
    while k < seen.len() {
        if seen.len() > MAX_WAY_OFF {
            return false;
        }
        let b = seen[k];
        k += 1;
        for next in ir::successors_of(b) {
            if next == join {
                comes_back = true;
            } else if next != header && blocks.contains(&next) && !seen.contains(&next) {
                seen.push(next);
            }
        }
    }
    comes_back
        && seen.iter().flat_map(|&b| ir::instructions(b)).any(|i| {
            use llvm_sys::LLVMOpcode::*;
            match ir::opcode(i) {
                LLVMStore | LLVMAtomicRMW | LLVMAtomicCmpXchg | LLVMFence | LLVMInvoke => true,
                LLVMCall => !ir::called_function(i)
                    .map(ir::name)
                    .is_some_and(|n| n.starts_with("llvm.dbg.") || n.starts_with("llvm.lifetime.")),
                _ => false,
            }
        })
}
