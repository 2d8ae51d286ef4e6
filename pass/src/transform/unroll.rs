//! Unrolling a loop whose calls are one straight multi-call per iteration (the paper's section
//! 3.3.3), so that several iterations' calls form one batch.
//!
//! A region `c0, ..., ck` that is the whole body of a one-block loop, whose back edge
//! `ck -> c0` is hot, and whose loop cannot be one looped multi-call (a result no stop
//! predicate tests, a counter the loop compares: `for (i = 0; i < n; i++) { write(a);
//! write(b); }`), makes one batch per iteration. Unrolled `u` times with LLVM's `UnrollLoop`
//! (through the shim, with a remainder loop for the iterations left over, so that the unrolled
//! body has no exit between its copies), the body is `u` copies of the calls on a straight
//! line, which legality then takes as one multi-call of `u * (k + 1)` entries.
//!
//! The factor comes from the profile: the back edge's weight counts the iterations that went
//! round, the region's first edge `c0 -> c1` every iteration, so the loop is entered
//! `w(c0 -> c1) - w(ck -> c0)` times (at least once) and runs `w(c0 -> c1)` divided by that
//! per entry. The factor is that many iterations, at most [`MAX_FACTOR`] and at most as many as
//! fit in one batch (`MC_MAX_ENTRIES`); below 2 the loop is left alone. Unrolling is refused,
//! with a missed remark `Unrolling`, when the loop has more than one block, when anything in
//! it besides the region's calls cannot be skipped by a batch (it would sit between one copy's
//! last call and the next copy's first), when it runs too few iterations per entry, and when
//! LLVM declines (its trip count is not known on entry).
//!
//! Each copy of the body computes its own arguments (`p + (i + 1) * 512`) after the copy before
//! it, where argument safety refuses them: code motion (`motion.rs`), which made the original
//! body one straight multi-call before unrolling, then runs over the unrolled body's calls in
//! order and hoists them above its first call.

use indexmap::IndexMap;

use llvm_sys::prelude::LLVMBasicBlockRef;
use multicall_abi::MC_MAX_ENTRIES;

use super::rotate::calls_in;
use super::Hot;
use super::{motion, Changed};
use crate::context::Context;
use crate::ir;
use crate::legality::conditions::unsafe_kind;
use crate::legality::loop_blocks;
use crate::profile_map::WeightedPair;
use crate::remarks::Remark;
use crate::shim::flags;
use crate::sites::{self, Site};

/// At most this many copies of a loop's body.
pub(crate) const MAX_FACTOR: u64 = 8;

/// At most this many blocks of an unrolled body are followed to find its calls.
const MAX_BODY_BLOCKS: usize = 64;

/// Why a loop is not unrolled.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum NotUnrolled {
    #[error("the loop has more than one block")]
    Blocks,
    #[error("'{0}' in the loop is not something a multi-call can skip")]
    Unsafe(String),
    #[error("it runs about {0} iterations each time it is entered")]
    FewIterations(u64),
    #[error("{0}")]
    Llvm(String),
}

/// Unrolls the loops whose whole body is one straight multi-call.
pub(crate) fn run(ctx: &mut Context<'_>, hot: &mut Hot<'_>) -> Changed {
    let (sites, pairs) = (hot.sites, hot.pairs);
    let today = hot.today(ctx);
    let weight = |a: usize, b: usize| {
        pairs
            .iter()
            .find(|p| p.a == a && p.b == b)
            .map(|p| p.weight)
    };
    let mut changed = Changed::No;
    for region in &today.straight {
        let calls = region.sites();
        let (first, last) = (calls[0], calls[calls.len() - 1]);
        let (Some(back), Some(forward)) = (weight(last, first), weight(first, calls[1])) else {
            continue;
        };
        let header = ir::parent_block(sites[first].call);
        let one_block = ir::successors_of(header).contains(&header);
        if today.whole.contains(&header) || (!one_block && loop_blocks(ctx.shim, header).len() < 2)
        {
            continue;
        }
        // The function, asked before unrolling: LLVM may merge the header away.
        let func = ir::block_function(header);
        let before = calls_in(func);
        let result = factor(ctx, sites, &calls, header, forward, back).and_then(|u| {
            ctx.shim
                .unroll_loop(header, u as u32)
                .map(|()| u)
                .map_err(|(why, simplified)| {
                    if simplified {
                        changed = Changed::Yes;
                    }
                    NotUnrolled::Llvm(why)
                })
        });
        match result {
            Ok(u) => {
                changed = Changed::Yes;
                let after = calls_in(func);
                ctx.copies.extend(after.difference(&before));
                ctx.remark(Remark::unrolled(sites, &calls, u));
                hoist_in_body(ctx, header, forward);
            }
            Err(why) => ctx.remark(Remark::not_unrolled(sites, &calls, &why)),
        }
    }
    changed
}

/// The unrolling factor for the one-block loop `header` around `calls`, from the weights of
/// its first edge and its back edge.
fn factor(
    ctx: &Context<'_>,
    sites: &[Site],
    calls: &[usize],
    header: LLVMBasicBlockRef,
    forward: u64,
    back: u64,
) -> Result<u64, NotUnrolled> {
    if !ir::successors_of(header).contains(&header) {
        return Err(NotUnrolled::Blocks);
    }
    let ours: Vec<_> = calls.iter().map(|&c| sites[c].call).collect();
    for inst in ir::instructions(header) {
        let f = ctx.shim.inst_flags(inst);
        if ours.contains(&inst) || ir::is_phi(inst) || ir::is_terminator(inst) {
            continue;
        }
        if f & flags::DEBUG == 0 && unsafe_kind(inst, f).is_some() {
            return Err(NotUnrolled::Unsafe(ir::describe(inst)));
        }
    }
    let entries = forward.saturating_sub(back).max(1);
    let per_entry = forward / entries;
    let fit = (MC_MAX_ENTRIES / calls.len()) as u64;
    let u = per_entry.min(MAX_FACTOR).min(fit);
    if u < 2 {
        return Err(NotUnrolled::FewIterations(per_entry));
    }
    Ok(u)
}

/// Code motion over the unrolled body that begins at `header`: its calls in order, each with
/// the next as a hot edge of `weight`, so that each copy's arguments rise above the body's
/// first call.
fn hoist_in_body(ctx: &mut Context<'_>, header: LLVMBasicBlockRef, weight: u64) {
    let scan = sites::scan(ctx.shim, ctx.module);
    let by_call: IndexMap<_, _> = scan
        .sites
        .iter()
        .enumerate()
        .map(|(i, s)| (s.call, i))
        .collect();
    let mut body = Vec::new();
    let mut block = header;
    for _ in 0..MAX_BODY_BLOCKS {
        body.extend(
            ir::instructions(block)
                .into_iter()
                .filter_map(|i| by_call.get(&i).copied()),
        );
        // The copies follow one another through blocks entered only from the one before.
        match ir::successors_of(block)[..] {
            [next] if next != header && ir::predecessors(next).len() == 1 => block = next,
            _ => break,
        }
    }
    let pairs: Vec<WeightedPair> = body
        .windows(2)
        .map(|w| WeightedPair {
            a: w[0],
            b: w[1],
            weight,
        })
        .collect();
    motion::run(ctx, &mut Hot::new(&scan.sites, &pairs));
}
