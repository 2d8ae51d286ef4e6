//! A loop whose way between two calls passes a test of a value that is the same in every
//! iteration, and whose other way does something before it comes back, unswitched on that
//! test: the loop for the way between the calls, a copy of it for the other.
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
//! condition is tested once; the original loop, in which the test goes to the way between
//! the calls only, runs when it would go there; the copy, in which it goes the other way
//! only, runs otherwise. The program does the same thing on every path: the test would have
//! gone the same way in every iteration. Legality then sees the loop's path from one call to
//! the next without the trace (here the whole loop becomes one looped multi-call), and the
//! trace's copy stays as the loop was. The hot calls stay in the original loop, which may be
//! unswitched again on the next such test.
//!
//! The same holds where neither way of the test goes straight to where they meet: a call
//! through a pointer that `promote.rs` made direct where the pointer is the one function
//! (`if (iread_fnc == iread) n = read(..); else n = iread_fnc(..);`, the pointer loaded
//! before the loop) reaches the write without the read on its indirect way.
//!
//! A test is taken in a hot loop (the innermost loop around a call of a hot edge, and the
//! innermost loop around both calls of one) that is not yet taken whole: the first two-way
//! branch of the loop on the likeliest way from one hot call to the next ([`MAX_WAY`]
//! blocks, round the loop where needed) whose successors are both in it, whose condition is
//! computed from values defined before the loop ([`MAX_DEPTH`] deep), whose way kept either
//! post-dominates it, or leads to a hot call where the other way leads to none, and whose
//! other way calls a function or writes memory before it comes back
//! (within [`MAX_WAY_OFF`] blocks). The loop has at most [`MAX_LOOP`] instructions, one back
//! edge, no exception pad, indirect branch, token, or call that may not be copied; a loop is
//! unswitched on at most [`MAX_PER_LOOP`] tests and a function at most [`MAX_PER_FUNCTION`]
//! times. Remarks: `Unswitched`, or `NotUnswitched` with the reason.

use indexmap::{IndexMap, IndexSet};

use llvm_sys::prelude::{LLVMBasicBlockRef, LLVMValueRef};

use super::duplicate::likely_path_within;
use super::rotate::calls_in;
use super::{hot_loops, loops_holding, Changed, Hot};
use crate::context::Context;
use crate::ir;
use crate::legality::loop_blocks;
use crate::remarks::Remark;

/// Instructions of a loop that may be copied.
pub(crate) const MAX_LOOP: u32 = 800;
/// Loops unswitched in one function (a loop unswitched on two tests counts twice).
pub(crate) const MAX_PER_FUNCTION: usize = 4;
/// Tests one loop is unswitched on, one after the other.
const MAX_PER_LOOP: usize = 3;

/// Blocks of the likeliest way from one hot call to the next that tests are looked for on.
const MAX_WAY: usize = 96;
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
    // The innermost loop around each hot call, and the one around both calls of each hot
    // edge (a read inside a retry loop of its own, in the copy loop that holds the write).
    let mut headers = hot_loops(ctx, hot);
    let edges: Vec<(usize, usize, u64)> = hot.pairs.iter().map(|p| (p.a, p.b, p.weight)).collect();
    let heaviest = edges.iter().map(|&(.., w)| w).max().unwrap_or(0);
    for (header, ..) in loops_holding(ctx, hot, heaviest, edges) {
        if !headers.contains(&header) {
            headers.push(header);
        }
    }
    let hot_pairs: Vec<(LLVMValueRef, LLVMValueRef)> = hot
        .pairs
        .iter()
        .map(|p| (hot.sites[p.a].call, hot.sites[p.b].call))
        .collect();
    let hot_calls: IndexSet<LLVMValueRef> = hot_pairs.iter().flat_map(|&(a, b)| [a, b]).collect();
    // Each loop with the function it is in, asked before any of them changes.
    let loops: Vec<(LLVMBasicBlockRef, LLVMValueRef)> = headers
        .into_iter()
        .filter(|h| !today.whole.contains(h))
        .map(|h| (h, ir::block_function(h)))
        .collect();
    let mut changed = Changed::No;
    let mut per_function: IndexMap<LLVMValueRef, usize> = IndexMap::new();
    for (header, func) in loops {
        // An unswitch takes from the original loop the blocks only the other way reached,
        // which may have held another loop of the function.
        if per_function.contains_key(&func) && !ir::blocks(func).contains(&header) {
            continue;
        }
        for _ in 0..MAX_PER_LOOP {
            let done = per_function.entry(func).or_default();
            if *done >= MAX_PER_FUNCTION {
                break;
            }
            let blocks = loop_blocks(ctx.shim, header);
            // The hot calls of the loop, found among its instructions (a call an unswitch
            // took away with the other way is looked at no more).
            let calls: Vec<LLVMValueRef> = blocks
                .iter()
                .flat_map(|&b| ir::instructions(b))
                .filter(|i| hot_calls.contains(i))
                .collect();
            let on_way = hot_ways(ctx, header, &hot_pairs, &calls);
            let Some(test) = blocks
                .iter()
                .find_map(|&b| test_in(ctx, header, &blocks, &calls, &on_way, b))
            else {
                break;
            };
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
                    // The test's block ends in a branch to the way it always takes there, at
                    // the test's place.
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
                    break;
                }
            }
        }
    }
    changed
}

/// The blocks of the likeliest ways (`duplicate::likely_path`, at most [`MAX_WAY`] blocks)
/// between the two calls of each hot edge whose calls are both among the loop's hot `calls`
/// (round the loop that `header` heads where the second comes first in the iteration).
fn hot_ways(
    ctx: &Context<'_>,
    header: LLVMBasicBlockRef,
    pairs: &[(LLVMValueRef, LLVMValueRef)],
    calls: &[LLVMValueRef],
) -> IndexSet<LLVMBasicBlockRef> {
    let mut on_way = IndexSet::new();
    for &(a, b) in pairs {
        if !calls.contains(&a) || !calls.contains(&b) {
            continue;
        }
        let (from, to) = (ir::parent_block(a), ir::parent_block(b));
        if let Some(path) = likely_path_within(ctx.shim, from, to, Some(header), MAX_WAY) {
            on_way.extend(path);
        }
    }
    on_way
}

/// The test that `block` (of the loop of `blocks`) ends with, when the loop could be
/// unswitched on it: a two-way branch whose successors are both in the loop, on the likeliest
/// way between the calls of a hot edge (`on_way`: not on an error's way alone), whose
/// condition is computed from values defined before the loop ([`invariant`]), and whose other way does
/// something before it comes back (a call or a store: [`does_something`]) to where the way
/// kept goes: one way goes straight to a block that post-dominates the test; or, when
/// neither does, one way leads to one of the loop's hot `calls` and the other to none (a
/// call through a pointer made direct when the pointer is one function, `transform/promote.rs`:
/// `if (fn == iread) read(..) else fn(..)`), and comes back to the test's nearest
/// post-dominator.
fn test_in(
    ctx: &Context<'_>,
    header: LLVMBasicBlockRef,
    blocks: &[LLVMBasicBlockRef],
    calls: &[LLVMValueRef],
    on_way: &IndexSet<LLVMBasicBlockRef>,
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
    if !on_way.contains(&block) {
        return None;
    }
    let (keep, join, off) = if ctx.shim.block_postdominates(t, block) {
        (0, t, f)
    } else if ctx.shim.block_postdominates(f, block) {
        (1, f, t)
    } else {
        let leads_to_call = |way: LLVMBasicBlockRef| {
            ir::instructions(way)
                .first()
                .is_some_and(|&first| calls.iter().any(|&c| ctx.shim.dominates(first, c)))
        };
        let join = nearest_postdominator(ctx, header, blocks, block)?;
        match (leads_to_call(t), leads_to_call(f)) {
            (true, false) => (0, join, f),
            (false, true) => (1, join, t),
            _ => return None,
        }
    };
    does_something(header, blocks, off, join).then(|| Test {
        branch,
        keep,
        describe: ir::describe(cond),
    })
}

/// The block nearest `block` that post-dominates it, among those its successors reach in the
/// loop of `blocks` without going round to `header` or past such a block (at most
/// [`MAX_WAY_OFF`] blocks on the way): the one that every other such post-dominator
/// post-dominates.
fn nearest_postdominator(
    ctx: &Context<'_>,
    header: LLVMBasicBlockRef,
    blocks: &[LLVMBasicBlockRef],
    block: LLVMBasicBlockRef,
) -> Option<LLVMBasicBlockRef> {
    let mut seen: Vec<LLVMBasicBlockRef> = Vec::new();
    let mut after: Vec<LLVMBasicBlockRef> = Vec::new();
    let mut work = ir::successors_of(block);
    while let Some(b) = work.pop() {
        if b == header || b == block || !blocks.contains(&b) || seen.contains(&b) {
            continue;
        }
        if seen.len() >= MAX_WAY_OFF {
            return None;
        }
        seen.push(b);
        if ctx.shim.block_postdominates(b, block) {
            after.push(b);
        } else {
            work.extend(ir::successors_of(b));
        }
    }
    after
        .iter()
        .copied()
        .find(|&j| after.iter().all(|&p| ctx.shim.block_postdominates(p, j)))
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
