//! Loop rotation across a hot back edge (the paper's section 3.3.3).
//!
//! A hot edge `b -> a` whose second call `a` begins the header of a loop and whose first call
//! `b` ends the loop's body crosses the back edge: `a` runs before `b` on the way into the
//! loop, so `b` does not dominate `a` and the pair is refused under dominance. When the loop
//! cannot become one looped multi-call either (its body has work no batch can run: a call of
//! the program's own code, a `printf`, a branch), the loop is rotated with LLVM's
//! `LoopRotation` (through the shim, after `simplifyLoop` and `formLCSSARecursively`): the
//! header's copy runs once before the loop, and the header itself moves to the bottom of the
//! loop, after the latch. The classic
//!
//! ```c
//! while ((n = read(in, buf, N)) > 0) { work(buf, n); if (write(out, buf, n) != n) fail(); }
//! ```
//!
//! becomes `n = read(); while (n > 0) { work(); if (write() != n) fail(); n = read(); }`, whose
//! body ends with `write; read` on a straight line: a straight multi-call per iteration.
//!
//! A loop is rotated only when that can only help:
//!
//! - the pair `b -> a` is refused under dominance (`a` runs first), and the loop is not taken
//!   whole (`regions::whole_loops` makes no looped plan of it);
//! - the loop's start would not move to `b` instead (`reheader::would_move`: `b`'s result
//!   reaches `a` round the back edge past only what a batch can skip). Such a loop is left to
//!   `reheader.rs`, since a loop that begins at `b` can be one looped multi-call and a rotated
//!   one, headed by the test after `a`, cannot; [`run_left`], after it, rotates those it did
//!   not move (`Context::rotations_left`);
//! - `a` begins the header: only phis, debug records and instructions that cannot trap or
//!   write memory come before it (they join the gap after rotation);
//! - no call of the header is in a straight region already (rotation would put the back edge
//!   between it and the calls after it in the body);
//! - the path from `b` to the back edge is a straight line that the pair's legality can accept
//!   after rotation: instructions that cannot trap or write memory, blocks with one
//!   predecessor, and at most one conditional branch, whose other successor leaves the loop
//!   (the stop predicate of `b`, which legality checks);
//! - the loop has more than one block (a loop of one block is unrolling's, `unroll.rs`); the
//!   header is at most [`MAX_HEADER`] instructions (it is copied), ends with a conditional
//!   branch that leaves the loop, and the loop has one back edge.
//!
//! Every refusal is a missed remark `Rotation` naming the condition; a rotation is a remark
//! `Rotated`. After a rotation the sites are scanned and the profile mapped again
//! (`transform/mod.rs`): the header's copy before the loop is a site of its own with the same
//! debug location, so the profile's edges into `a` map to both.

use indexmap::IndexSet;

use llvm_sys::prelude::{LLVMBasicBlockRef, LLVMValueRef};

use super::reheader::{heads_loop, would_move};
use super::{Changed, Hot, Today};
use crate::context::Context;
use crate::ir;
use crate::legality::conditions::unsafe_kind;
use crate::legality::{loop_blocks, Reason};
use crate::remarks::Remark;
use crate::shim::flags;
use crate::sites::Site;

/// At most this many instructions in a header that is copied before its loop.
pub(crate) const MAX_HEADER: u32 = 32;

/// At most this many blocks on the path from the edge's first call to the back edge.
const MAX_PATH: usize = 64;

/// Why a hot edge across a back edge is not rotated into a straight line.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum NotRotated {
    #[error("the loop's header does not begin with it: '{inst}' comes first")]
    NotFirstInHeader { inst: String },
    #[error("{call} is already clustered within an iteration of the loop")]
    HeaderClustered { call: String },
    #[error("'{inst}' between {call} and the back edge is not something a multi-call can skip")]
    UnsafeOnPath { inst: String, call: String },
    #[error("the path from {call} to the back edge is not a straight line: {why}")]
    NotStraight { call: String, why: &'static str },
    #[error("{0}")]
    Llvm(String),
}

/// Rotates the loops whose back edge keeps a hot edge from clustering (heaviest first),
/// but for those whose start `reheader.rs` may move to `b` instead: there `b`'s result reaches
/// `a` round the back edge (clang's rotated `while ((n = read(..)) > 0) write(.., n)`) past
/// nothing a multi-call cannot skip, and a loop that begins at `b` can become one looped
/// multi-call, which a rotated one, whose header is then the test after `a`, cannot.
/// [`run_left`] rotates those the move left.
pub(crate) fn run(ctx: &mut Context<'_>, hot: &mut Hot<'_>) -> Changed {
    rotate(ctx, hot, Defer::ToReheader)
}

/// Rotates the loops [`run`] left to `reheader.rs` whose start it did not move (a loop it
/// moved, or one no rotation was left for, is not rotated here).
pub(crate) fn run_left(ctx: &mut Context<'_>, hot: &mut Hot<'_>) -> Changed {
    rotate(ctx, hot, Defer::No)
}

/// Whether a rotation leaves a loop to the move of its start (`reheader.rs`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Defer {
    ToReheader,
    No,
}

fn rotate(ctx: &mut Context<'_>, hot: &mut Hot<'_>, defer: Defer) -> Changed {
    let today = hot.today(ctx);
    let Today {
        straight,
        refused,
        whole,
        ..
    } = &*today;
    let sites = hot.sites;
    let in_region: IndexSet<usize> = straight.iter().flat_map(|s| s.sites()).collect();
    let mut changed = Changed::No;
    let mut rotated: IndexSet<LLVMBasicBlockRef> = IndexSet::new();
    for r in refused {
        let Reason::NotDominating { a: b, b: a } = r.refusal.reason else {
            continue;
        };
        let header = ir::parent_block(sites[a].call);
        if whole.contains(&header) || rotated.contains(&header) {
            continue;
        }
        // Only an edge that crosses a back edge: `a` heads a loop that holds `b`. A loop of
        // one block has nowhere to move its header to: unrolling (`unroll.rs`) takes it.
        let blocks = loop_blocks(ctx.shim, header);
        if blocks.len() < 2 || !blocks.contains(&ir::parent_block(sites[b].call)) {
            continue;
        }
        match defer {
            Defer::ToReheader if would_move(ctx.shim, sites[b].call, sites[a].call, header) => {
                ctx.rotations_left.insert(header);
                continue;
            }
            // Only a loop left to the move, which it did not move: a moved loop's old
            // header no longer heads it.
            Defer::No if !ctx.rotations_left.contains(&header) || !heads_loop(ctx.shim, header) => {
                continue;
            }
            _ => {}
        }
        // The function, asked before the rotation: LLVM may merge the header away.
        let func = ir::block_function(header);
        let before = calls_in(func);
        let result = candidate(ctx, sites, &in_region, &blocks, a, b).and_then(|()| {
            ctx.shim
                .rotate_loop(header, MAX_HEADER)
                .map_err(|(why, simplified)| {
                    if simplified {
                        changed = Changed::Yes;
                    }
                    NotRotated::Llvm(why)
                })
        });
        match result {
            Ok(()) => {
                changed = Changed::Yes;
                rotated.insert(header);
                let after = calls_in(func);
                ctx.copies.extend(after.difference(&before));
                ctx.remark(Remark::rotated(sites, b, a));
            }
            Err(why) => ctx.remark(Remark::not_rotated(sites, b, a, &why)),
        }
    }
    changed
}

/// The calls of a function (to tell the copies a loop transformation makes).
pub(super) fn calls_in(func: LLVMValueRef) -> IndexSet<LLVMValueRef> {
    ir::blocks(func)
        .into_iter()
        .flat_map(ir::instructions)
        .filter(|&i| ir::is_call(i))
        .collect()
}

/// Whether rotating the loop headed by `a`'s block can make `b -> a` a straight pair.
fn candidate(
    ctx: &Context<'_>,
    sites: &[Site],
    in_region: &IndexSet<usize>,
    blocks: &[LLVMBasicBlockRef],
    a: usize,
    b: usize,
) -> Result<(), NotRotated> {
    let header = blocks[0];
    for inst in ir::instructions(header) {
        if inst == sites[a].call {
            break;
        }
        let f = ctx.shim.inst_flags(inst);
        if !ir::is_phi(inst) && f & flags::DEBUG == 0 && unsafe_kind(inst, f).is_some() {
            return Err(NotRotated::NotFirstInHeader {
                inst: ir::describe(inst),
            });
        }
    }
    if let Some(s) = sites
        .iter()
        .enumerate()
        .find(|(i, s)| ir::parent_block(s.call) == header && in_region.contains(i))
    {
        return Err(NotRotated::HeaderClustered { call: s.1.label() });
    }
    straight_to_back_edge(ctx, sites, blocks, b)
}

/// The path from `b` to the header: a straight line of blocks entered only from the one
/// before, with instructions a multi-call may skip and at most one conditional branch, whose
/// other successor leaves the loop.
fn straight_to_back_edge(
    ctx: &Context<'_>,
    sites: &[Site],
    blocks: &[LLVMBasicBlockRef],
    b: usize,
) -> Result<(), NotRotated> {
    let header = blocks[0];
    let call = sites[b].label();
    let not_straight = |why| NotRotated::NotStraight {
        call: call.clone(),
        why,
    };
    let mut block = ir::parent_block(sites[b].call);
    let mut after: Option<LLVMValueRef> = Some(sites[b].call);
    let mut branches = 0;
    for _ in 0..MAX_PATH {
        let insts = ir::instructions(block);
        let start = match after {
            Some(c) => insts
                .iter()
                .position(|&i| i == c)
                .map_or(insts.len(), |p| p + 1),
            None => 0,
        };
        let mut term = None;
        for &inst in &insts[start..] {
            if ir::is_terminator(inst) {
                term = Some(inst);
                break;
            }
            let f = ctx.shim.inst_flags(inst);
            if f & flags::DEBUG == 0 && unsafe_kind(inst, f).is_some() {
                return Err(NotRotated::UnsafeOnPath {
                    inst: ir::describe(inst),
                    call: call.clone(),
                });
            }
        }
        let Some(term) = term else {
            return Err(not_straight("a block without a terminator"));
        };
        let all = ir::successors(term);
        let inside: Vec<LLVMBasicBlockRef> =
            all.iter().copied().filter(|s| blocks.contains(s)).collect();
        let succ = match (all.len(), inside.as_slice()) {
            (1, [s]) => *s,
            (2, [s]) => {
                branches += 1;
                if branches > 1 {
                    return Err(not_straight("more than one conditional branch"));
                }
                *s
            }
            _ => {
                return Err(not_straight(
                    "a branch with more than one way on in the loop",
                ))
            }
        };
        if succ == header {
            return Ok(());
        }
        if ir::predecessors(succ).len() != 1 {
            return Err(not_straight(
                "a block on it is entered from more than one place",
            ));
        }
        block = succ;
        after = None;
    }
    Err(not_straight("it is longer than the rotation follows"))
}
