//! Peeling the first iteration of a loop that stands between two hot calls (the paper's
//! section 3.3.3).
//!
//! gnulib's `full_write` is a write-all loop around `safe_write`, itself a write retried on
//! EINTR in a loop that clamps the count on EINVAL; inlined after `safe_read` (coreutils
//! `cat`, built with LTO) the hot edge read -> write enters three loops on its way to the
//! write, and the header of each is a block entered from two places, which linearity refuses.
//! Yet every time the read returns a count, the write's first execution follows it on a
//! straight line: the first iteration of each loop. `transform/peel.rs` peels that iteration
//! with LLVM's `peelLoop` (`llvm/Transforms/Utils/LoopPeel.h`, through the shim's `peel_loop`,
//! after `simplifyLoop` and `formLCSSARecursively`, as rotation does): a copy of the loop's
//! blocks runs once before the loop, nested loops included, and the copy of the write in it is
//! a site of its own with the write's debug location, which the profile's edge maps to. The
//! walk from the read then meets the copy of the next loop's header, and that loop is peeled
//! in turn, until the path reaches a copy of the write on a straight line.
//!
//! A loop is peeled for a hot pair `a -> b` when legality refuses the pair because the path
//! from `a` enters a block from more than one place (`Reason::Join`) and that block heads a
//! loop that holds `b` but not `a` (a loop around both is rotation's, `rotate.rs`), and no
//! loop inside it is taken whole already (the copy loop of a merged write-all loop, whose
//! looped multi-call a peel would copy for one first iteration). Refusals are missed
//! remarks `Peeling`:
//!
//! - the loop does not hold `b` (it lies between the calls: peeling would not bring them
//!   together);
//! - it has more than [`MAX_PEEL`] instructions (they are copied), a call that may not be
//!   copied, or LLVM's `peelLoop` cannot peel it;
//! - more than [`MAX_PEELS`] loops would be peeled in one function, or more than
//!   [`MAX_MODULE_PEELS`] in the module.
//!
//! After each peel the function's analyses are invalidated, the sites are scanned and the
//! profile mapped again, and the pairs are asked again; the calls a peel copies are
//! `Context::copies`, so a refusal of a pair with a copy is not reported twice (the pair of
//! the original calls is).

use indexmap::{IndexMap, IndexSet};
use std::rc::Rc;

use llvm_sys::prelude::{LLVMBasicBlockRef, LLVMValueRef};

use super::rotate::calls_in;
use super::{scan_and_map, Changed, Hot, Today};
use crate::context::Context;
use crate::ir;
use crate::legality::{loop_blocks, Reason};
use crate::remarks::Remark;
use crate::sites::Site;

/// At most this many instructions in a loop whose first iteration is copied.
pub(crate) const MAX_PEEL: u32 = 160;

/// At most this many loops peeled in one function.
pub(crate) const MAX_PEELS: usize = 8;

/// At most this many loops peeled in one module (each peel asks legality about every hot
/// pair again).
pub(crate) const MAX_MODULE_PEELS: usize = 32;

/// Why a loop on a hot path is not peeled.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum NotPeeled {
    #[error("{call} is not in it: the loop lies between the calls")]
    CallOutside { call: String },
    #[error("{peels} loops of the function are peeled already")]
    TooMany { peels: usize },
    #[error("{peels} loops of the module are peeled already")]
    TooManyInModule { peels: usize },
    #[error("{0}")]
    Llvm(String),
}

/// Peels the loops whose headers keep hot pairs from a straight line, heaviest pair first,
/// until no pair asks for one.
pub(crate) fn run(ctx: &mut Context<'_>, hot: &mut Hot<'_>) -> Changed {
    let mut changed = Changed::No;
    let mut rescanned: Option<super::Rescanned> = None;
    // Loops already peeled or refused, by header: the original loop keeps its header after a
    // peel, and the pair of its own call still meets it.
    let mut done: IndexSet<LLVMBasicBlockRef> = IndexSet::new();
    let mut peels: IndexMap<LLVMValueRef, usize> = IndexMap::new();
    loop {
        // Legality as the IR stands: the run's, shared with the other transformations, until
        // a peel changes the IR.
        let (sites, today) = match &rescanned {
            Some((s, p, l)) => (s.as_slice(), Rc::new(Today::of(ctx, s, p, l))),
            None => (hot.sites, hot.today(ctx)),
        };
        let Some((header, a, b)) = next_candidate(ctx, sites, &today, &mut done) else {
            return changed;
        };
        done.insert(header);
        let func = ir::block_function(header);
        let before = calls_in(func);
        let total: usize = peels.values().sum();
        let count = peels.entry(func).or_default();
        let result = if *count >= MAX_PEELS {
            Err(NotPeeled::TooMany { peels: *count })
        } else if total >= MAX_MODULE_PEELS {
            Err(NotPeeled::TooManyInModule { peels: total })
        } else {
            ctx.shim
                .peel_loop(header, MAX_PEEL)
                .map_err(|(why, simplified)| {
                    if simplified {
                        changed = Changed::Yes;
                    }
                    NotPeeled::Llvm(why)
                })
        };
        match result {
            Ok(()) => {
                *count += 1;
                changed = Changed::Yes;
                ctx.copies.extend(calls_in(func).difference(&before));
                ctx.remark(Remark::peeled(sites, a, b, header));
                rescanned = Some(scan_and_map(ctx));
            }
            Err(why) => ctx.remark(Remark::not_peeled(sites, a, b, header, &why)),
        }
    }
}

/// The first hot pair (heaviest first) refused at a block that heads a loop holding its second
/// call and not its first, with that block, if its loop has not been tried. A loop that does
/// not hold the second call is refused right away (a remark) and skipped.
fn next_candidate(
    ctx: &mut Context<'_>,
    sites: &[Site],
    today: &Today,
    done: &mut IndexSet<LLVMBasicBlockRef>,
) -> Option<(LLVMBasicBlockRef, usize, usize)> {
    for r in &today.refused {
        let Reason::Join { block, a, b, .. } = r.refusal.reason else {
            continue;
        };
        if done.contains(&block) || today.whole.contains(&block) {
            continue;
        }
        let blocks = loop_blocks(ctx.shim, block);
        let heads_loop = blocks.len() >= 2 || ir::successors_of(block).contains(&block);
        if !heads_loop || blocks.contains(&ir::parent_block(sites[a].call)) {
            continue;
        }
        // A loop around one taken whole already (a merged write-all loop's copy loop): a peel
        // would copy that looped multi-call for one first iteration.
        if blocks.iter().any(|b| today.whole.contains(b)) {
            continue;
        }
        if !blocks.contains(&ir::parent_block(sites[b].call)) {
            done.insert(block);
            if !ctx.copies.contains(&sites[b].call) {
                let why = NotPeeled::CallOutside {
                    call: sites[b].label(),
                };
                ctx.remark(Remark::not_peeled(sites, a, b, block, &why));
            }
            continue;
        }
        return Some((block, a, b));
    }
    None
}
