//! Tail duplication along a hot edge (the paper's section 3.3.2): a hot edge `a -> b` whose
//! second call can also be reached without the first (dominance refuses it) is given a path
//! of its own, by copying the blocks from the first join on the way to `b`.
//!
//! ```text
//! before                                   after
//!   if (opt_stat)                            if (opt_stat) {
//!       if (fstat(fd, &st) < 0) fail();          if (fstat(fd, &st) < 0) fail();
//!   n = read(fd, buf, size);   // a join         n = read(fd, buf, size);   // the copy
//!   ...                                          ...                        // (to the join
//!                                            } else                         //  of the copies)
//!                                                n = read(fd, buf, size);
//! ```
//!
//! Afterwards `fstat` dominates the copy of `read`, which carries the original's debug location
//! (so the profile's node matches both), and legality asks again. The copy is LLVM's
//! `CloneBasicBlock` with the path's edges redirected, the copies' phis reduced to the edge
//! they are entered by, and every value of a copied block joined with its copy where both
//! reach (LLVM's `SSAUpdater`), through the shim (`syscluster_shim_duplicate_path`): the
//! program does the same thing on every path, with more code.
//!
//! The path is the shortest one from `a`'s block to `b`'s along forward edges (never into a
//! block that dominates the one it leaves: a hot edge across a back edge is rotation's), at
//! most [`MAX_PATH`] blocks; the blocks copied have at most [`MAX_COPY`] instructions, none
//! heads a loop (a copy would give the loop a second entry), is an exception-handling pad,
//! defines a token or makes a call marked `noduplicate` or `convergent`. Each duplication
//! gets a remark (`Duplicated`), each refusal one that says why (`NotDuplicated`); at most
//! [`MAX_PER_FUNCTION`] paths are copied in one function, and only for edges that ran at least
//! [`MIN_WEIGHT`] times and at least a [`HOT_SHARE`]th as often as the profile's heaviest.

use std::collections::{HashMap, VecDeque};

use llvm_sys::prelude::{LLVMBasicBlockRef, LLVMValueRef};

use super::Changed;
use super::Hot;
use crate::context::Context;
use crate::ir;
use crate::legality::Reason;
use crate::remarks::Remark;
use crate::shim::{NewHeader, Shim};

/// Blocks on the path from the first call's block to the second's, both included.
pub(crate) const MAX_PATH: usize = 16;
/// Instructions copied for one hot edge.
pub(crate) const MAX_COPY: u32 = 64;
/// Paths copied in one function.
pub(crate) const MAX_PER_FUNCTION: usize = 8;
/// An edge's path is copied only when the edge ran at least this often...
pub(crate) const MIN_WEIGHT: u64 = 2;
/// ... and at least a `1/HOT_SHARE` part as often as the heaviest edge of the profile: code
/// grows for the paths that run, not for the one exit of a loop.
pub(crate) const HOT_SHARE: u64 = 16;

/// Whether the edge `from -> to` goes back to a block that dominates `from` (a loop's back
/// edge).
fn back_edge(shim: &Shim, from: LLVMBasicBlockRef, to: LLVMBasicBlockRef) -> bool {
    let (Some(first), Some(term)) = (ir::instructions(to).first().copied(), ir::terminator(from))
    else {
        return true;
    };
    shim.dominates(first, term)
}

/// The shortest path of forward edges from `from` to `to`, at most [`MAX_PATH`] blocks.
fn forward_path(
    shim: &Shim,
    from: LLVMBasicBlockRef,
    to: LLVMBasicBlockRef,
) -> Option<Vec<LLVMBasicBlockRef>> {
    let mut before: HashMap<LLVMBasicBlockRef, LLVMBasicBlockRef> = HashMap::new();
    let mut depth: HashMap<LLVMBasicBlockRef, usize> = HashMap::from([(from, 1)]);
    let mut queue = VecDeque::from([from]);
    while let Some(block) = queue.pop_front() {
        if block == to {
            let mut path = vec![to];
            while let Some(&p) = before.get(path.last()?) {
                path.push(p);
            }
            path.reverse();
            return Some(path);
        }
        let d = depth[&block];
        if d >= MAX_PATH {
            continue;
        }
        for next in ir::successors_of(block) {
            if depth.contains_key(&next) || back_edge(shim, block, next) {
                continue;
            }
            depth.insert(next, d + 1);
            before.insert(next, block);
            queue.push_back(next);
        }
    }
    None
}

/// Copies the paths of the hot edges that dominance refuses (heaviest first).
pub(crate) fn run(ctx: &mut Context<'_>, hot: &mut Hot<'_>) -> Changed {
    let sites = hot.sites;
    let heaviest = hot.pairs.iter().map(|p| p.weight).max().unwrap_or(0);
    let today = hot.today(ctx);
    let mut changed = Changed::No;
    let mut per_function: HashMap<LLVMValueRef, usize> = HashMap::new();
    for r in &today.refused {
        let Reason::NotDominating { a, b } = r.refusal.reason else {
            continue;
        };
        if r.weight < MIN_WEIGHT || r.weight.saturating_mul(HOT_SHARE) < heaviest {
            continue;
        }
        let function = sites[a].function;
        if sites[b].function != function {
            continue;
        }
        let (from, to) = (
            ir::parent_block(sites[a].call),
            ir::parent_block(sites[b].call),
        );
        if from == to {
            continue;
        }
        let Some(path) = forward_path(ctx.shim, from, to) else {
            continue;
        };
        let done = per_function.entry(function).or_default();
        if *done >= MAX_PER_FUNCTION {
            continue;
        }
        match ctx.shim.duplicate_path(&path, MAX_COPY, NewHeader::No) {
            Ok(blocks) => {
                *done += 1;
                changed = Changed::Yes;
                ctx.remark(Remark::duplicated(sites, a, b, r.weight, blocks));
            }
            Err(why) => ctx.remark(Remark::not_duplicated(sites, a, b, r.weight, &why)),
        }
    }
    changed
}
