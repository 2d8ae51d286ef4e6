//! Jumps threaded through a block that chooses where to go by which way it was entered.
//!
//! clang -O1 leaves a loop with several exits (a `return` inside the loop, `break` after an
//! error, `n == 0`) with every way out of its body joined in one block, which switches on a
//! phi of constants saying which way it came:
//!
//! ```text
//! 44: %way = phi i32 [ 1, %err ], [ 0, %latch ], [ 2, %end ]
//!     %off = phi i64 ...
//!     switch i32 %way, label %ret [ i32 0, label %header
//!                                   i32 2, label %after ]
//! ```
//!
//! The loop's back edge and its exits then all pass through that block: no call's stop
//! leaves the loop by a branch of its own, and the exits come back into the loop's blocks.
//! LLVM's JumpThreading (the -O2 pipeline runs it; -O1 does not) sends each way straight
//! where the constant says, after which the loop has the shape -O2 gives it. It runs over a
//! function only when a loop that holds a hot edge of the profile (two calls, or a call that
//! follows itself) holds such a block; each run is a remark `Threaded`.

use indexmap::IndexSet;

use llvm_sys::prelude::LLVMBasicBlockRef;
use llvm_sys::LLVMOpcode;

use super::{Changed, Hot};
use crate::context::Context;
use crate::ir;
use crate::legality::loop_blocks;
use crate::remarks::Remark;

/// The first block of `blocks` that branches (a `switch` or a conditional `br`) on a value
/// known along its incoming edges: a phi of its own with constant values from at least two
/// of its predecessors, or a condition another block of the loop already branched on (the
/// way here says which way that branch went).
/// Returns the block and whether it is the phi of constants (else the condition).
fn dispatch_block(blocks: &[LLVMBasicBlockRef]) -> Option<(LLVMBasicBlockRef, bool)> {
    blocks.iter().copied().find_map(|bb| {
        let term = ir::terminator(bb)?;
        let on = match ir::opcode(term) {
            LLVMOpcode::LLVMSwitch => ir::operand(term, 0),
            LLVMOpcode::LLVMBr => ir::conditional_branch(term)?.0,
            _ => return None,
        };
        let constants = ir::is_instruction(on)
            && ir::is_phi(on)
            && ir::parent_block(on) == bb
            && ir::incoming(on)
                .iter()
                .filter(|&&(v, _)| ir::is_constant(v))
                .count()
                >= 2;
        // Entered from several blocks, or from one (the way after a failed call's retry
        // tests the result again at -O1: `br i1 %neg` on a way only `%neg` true reaches).
        let tested_before = !ir::predecessors(bb).is_empty()
            && ir::users(on).iter().any(|&(user, at)| {
                at != bb
                    && blocks.contains(&at)
                    && ir::opcode(user) == LLVMOpcode::LLVMBr
                    && ir::conditional_branch(user).is_some()
            });
        (constants || tested_before).then_some((bb, constants))
    })
}

/// The innermost loops that hold a hot edge of the profile (a pair of sites, or a site that
/// follows itself), each once, with the edge's first site.
fn hot_loops(ctx: &Context<'_>, hot: &mut Hot<'_>) -> Vec<(LLVMBasicBlockRef, usize)> {
    let edges: Vec<(usize, usize, u64)> = hot
        .pairs
        .iter()
        .map(|p| (p.a, p.b, p.weight))
        .chain(hot.self_loops.iter().map(|&(a, w)| (a, a, w)))
        .collect();
    let heaviest = edges.iter().map(|&(.., w)| w).max().unwrap_or(0);
    super::loops_holding(ctx, hot, heaviest, edges)
        .into_iter()
        .map(|(header, a, _)| (header, a))
        .collect()
}

/// Threads the jumps of the functions whose hot loops hold a dispatch block.
pub(crate) fn run(ctx: &mut Context<'_>, hot: &mut Hot<'_>) -> Changed {
    let sites = hot.sites;
    let mut done = IndexSet::new();
    let mut changed = Changed::No;
    for (header, a) in hot_loops(ctx, hot) {
        let function = ir::block_function(header);
        if done.contains(&function) {
            continue;
        }
        // The loop, or the loop around it when it is a retry entered from an outer
        // loop's header (`retry.rs`): the retry's way out may hold the block.
        let mut blocks = loop_blocks(ctx.shim, header);
        let body: IndexSet<LLVMBasicBlockRef> = blocks.iter().copied().collect();
        if let Some((_, around)) = super::retry::enclosing_loop(ctx.shim, header, &body) {
            blocks = around;
        }
        let Some((block, constants)) = dispatch_block(&blocks) else {
            continue;
        };
        done.insert(function);
        let described = ir::block_name(block);
        if ctx.shim.thread_jumps(function) {
            changed = Changed::Yes;
            ctx.remark(Remark::threaded(&described, constants, &sites[a]));
        }
    }
    changed
}
