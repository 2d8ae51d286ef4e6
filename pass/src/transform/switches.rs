//! Two-way branches for a `switch` between the calls of a hot edge whose cases do not all
//! leave the path.
//!
//! `n = read(in, buf, bs); if (n == 0) break; if (n == bs) full++; else part++; write(out,
//! buf, n);` leaves clang -O2 with the two tests of `n` as one `switch`, one case leaving the
//! loop and one going on to the write like the default:
//!
//! ```text
//! before                                        after
//!   switch i64 %n, label %part [                  %sw.eq = icmp eq i64 %n, 0
//!     i64 0,    label %done                       br i1 %sw.eq, label %done, label %switch.1
//!     i64 4096, label %full ]                   switch.1:
//!                                                 %sw.eq1 = icmp eq i64 %n, 4096
//!                                                 br i1 %sw.eq1, label %full, label %part
//! ```
//!
//! Legality reads a switch only when every case leaves the path (`legality::facts`); as a
//! chain of equality tests, the ways that leave are stop predicates and the rest a branch
//! that `flatten` computes on every way. The cases' values are distinct, so at most one test
//! of the chain holds and the block goes where the switch sent it, whatever the order: the
//! ways that cannot reach the second call without running the first again come first, then
//! the others in the switch's order, the default last. The cases of one block are one test
//! (an `or` of the equalities), those of the default's block none. The phis of the blocks
//! gone to take from the link that reaches them what they took from the switch's block.
//!
//! Taken for a `switch` that legality named as what broke a hot edge (`Reason::NotTwoWay`),
//! of at most [`MAX_WAYS`] blocks gone to and [`MAX_CASES`] cases. Each rewrite is a remark
//! `SwitchSplit`.

use indexmap::{IndexMap, IndexSet};
use llvm_sys::prelude::{LLVMBasicBlockRef, LLVMValueRef};
use llvm_sys::{LLVMIntPredicate, LLVMOpcode};

use super::dispatch::taken_from;
use super::{Changed, Hot};
use crate::context::Context;
use crate::ir;
use crate::legality::facts::reachable_avoiding;
use crate::legality::Reason;
use crate::lower::builder::Builder;
use crate::remarks::Remark;

/// Switches that go to more blocks are left alone: a dispatch on a command, not tests of a
/// call's result.
const MAX_WAYS: usize = 8;
/// Switches of more cases are left alone.
const MAX_CASES: usize = 32;

/// One link of the chain: the block gone to when the switch's value is `first` or one of
/// `more` (the cases' constants, of the value's type).
struct Link {
    to: LLVMBasicBlockRef,
    first: LLVMValueRef,
    more: Vec<LLVMValueRef>,
}

/// A switch as a chain: the links in the order they are tested, then the default.
struct Chain {
    switch: LLVMValueRef,
    links: Vec<Link>,
    default: LLVMBasicBlockRef,
}

/// Rewrites the switches that broke the linearity of hot edges.
pub(crate) fn run(ctx: &mut Context<'_>, hot: &mut Hot<'_>) -> Changed {
    let today = hot.today(ctx);
    let mut done: IndexSet<LLVMValueRef> = IndexSet::new();
    let mut changed = Changed::No;
    for r in today.refused.iter().chain(&today.loops_refused) {
        let Reason::NotTwoWay { inst, .. } = r.refusal.reason else {
            continue;
        };
        if ir::opcode(inst) != LLVMOpcode::LLVMSwitch || !done.insert(inst) {
            continue;
        }
        let a_block = ir::parent_block(hot.sites[r.a].call);
        let b_block = ir::parent_block(hot.sites[r.b].call);
        let Some(chain) = chain_of(inst, a_block, b_block) else {
            continue;
        };
        let function = ir::block_function(a_block);
        ctx.remark(Remark::switch_split(function, inst, chain.links.len()));
        rewrite(ctx, &chain);
        ctx.shim.invalidate(function);
        changed = Changed::Yes;
    }
    changed
}

/// The chain the switch `sw` between the blocks `a_block` and `b_block` becomes, when it is
/// small enough and has a case that goes elsewhere than its default.
fn chain_of(
    sw: LLVMValueRef,
    a_block: LLVMBasicBlockRef,
    b_block: LLVMBasicBlockRef,
) -> Option<Chain> {
    let succ = ir::successors(sw);
    let (&default, cases) = succ.split_first()?;
    if cases.len() > MAX_CASES {
        return None;
    }
    // The case values by block gone to, in the switch's order; a case that goes where the
    // default does needs no test.
    let mut by_block: IndexMap<LLVMBasicBlockRef, Link> = IndexMap::new();
    for (k, &to) in cases.iter().enumerate() {
        if to == default {
            continue;
        }
        // Operand 2k+2 of a switch is the value of its case k+1 (operand 1 is the default).
        let c = ir::operand(sw, 2 * k as u32 + 2);
        match by_block.get_mut(&to) {
            Some(link) => link.more.push(c),
            None => {
                by_block.insert(
                    to,
                    Link {
                        to,
                        first: c,
                        more: Vec::new(),
                    },
                );
            }
        }
    }
    if by_block.is_empty() || by_block.len() + 1 > MAX_WAYS {
        return None;
    }
    let leaves = |to: LLVMBasicBlockRef| !reachable_avoiding(to, &[a_block]).contains(&b_block);
    let (mut links, rest): (Vec<Link>, Vec<Link>) =
        by_block.into_values().partition(|l| leaves(l.to));
    links.extend(rest);
    Some(Chain {
        switch: sw,
        links,
        default,
    })
}

/// Replaces the switch with its chain.
fn rewrite(ctx: &Context<'_>, chain: &Chain) {
    let b = Builder::new(ctx.module);
    let block = ir::parent_block(chain.switch);
    let value = ir::operand(chain.switch, 0);
    let loc = Builder::location_of(chain.switch);
    // What each block gone to takes from the switch's block.
    let dests: Vec<LLVMBasicBlockRef> = chain
        .links
        .iter()
        .map(|l| l.to)
        .chain([chain.default])
        .collect();
    let taken: Vec<Vec<(LLVMValueRef, LLVMValueRef)>> =
        dests.iter().map(|&d| taken_from(d, block)).collect();
    for &d in &dests {
        ctx.shim.remove_phi_edge(d, block);
    }
    Builder::erase_terminator(block);
    // The block that enters each destination, in `dests`' order.
    let mut entered_from: Vec<LLVMBasicBlockRef> = Vec::with_capacity(dests.len());
    let mut from = block;
    for (k, link) in chain.links.iter().enumerate() {
        let last = k + 1 == chain.links.len();
        let no = if last {
            chain.default
        } else {
            b.block_before(chain.default, &format!("switch.{}", k + 1))
        };
        b.position_at_end(from);
        b.set_location(loc);
        let eq = |c| b.icmp(LLVMIntPredicate::LLVMIntEQ, value, c, "sw.eq");
        let test = link.more.iter().fold(eq(link.first), |x, &c| {
            b.arith(LLVMOpcode::LLVMOr, x, eq(c), "sw.any")
        });
        b.cond_br(test, link.to, no);
        entered_from.push(from);
        if last {
            entered_from.push(from);
        }
        from = no;
    }
    for (values, &p) in taken.iter().zip(&entered_from) {
        for &(phi, v) in values {
            Builder::add_incoming(phi, &[(v, p)]);
        }
    }
}
