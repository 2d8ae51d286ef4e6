//! Branches for a `switch` on `select`s of constants: clang's merged exits of a loop.
//!
//! `while (got < size) { n = read(fd, p + got, size - got); if (n < 0) return -1; if (n == 0)
//! break; got += n; }` leaves clang -O2 with the two tests of `n` folded into one `switch` on
//! a chain of `select`s that picks a number for each way on:
//!
//! ```text
//! before                                         after
//!   %neg  = icmp slt i64 %n, 0                     %neg  = icmp slt i64 %n, 0
//!   %zero = icmp eq i64 %n, 0                      %zero = icmp eq i64 %n, 0
//!   %s1 = select i1 %zero, i32 3, i32 0            br i1 %neg, label %fail, label %d.1
//!   %s2 = select i1 %neg, i32 1, i32 %s1         d.1:
//!   switch i32 %s2, label %fail [                  br i1 %zero, label %done, label %header
//!     i32 0, label %header
//!     i32 3, label %done ]
//! ```
//!
//! Each `select` chooses between a constant and the rest of the chain, so the block goes
//! where the first condition that holds sends it, and to the last constant's case when none
//! does: the same way on for every value, as conditional branches, one new block per further
//! condition. The phis of the blocks gone to take from each new block that reaches them the
//! value they took from the switch's block. The tests of the call's result are then branches,
//! which legality reads as stop predicates (`legality::conditions`).
//!
//! Taken in the loops that hold a call of a hot edge: a `switch` whose condition is a chain
//! of `select`s in its block, each used once, each choosing a constant integer when its
//! condition holds, the last one's other value a constant too. Each rewrite is a remark
//! `Dispatched`.

use indexmap::IndexSet;
use llvm_sys::prelude::{LLVMBasicBlockRef, LLVMValueRef};
use llvm_sys::LLVMOpcode;

use super::{hot_loops, Changed, Hot};
use crate::context::Context;
use crate::ir;
use crate::legality::loop_blocks;
use crate::lower::builder::Builder;
use crate::remarks::Remark;

/// A `switch` on a chain of `select`s: each condition with the constant it picks, and the
/// constant when none picks one.
struct Chain {
    switch: LLVMValueRef,
    selects: Vec<LLVMValueRef>,
    picks: Vec<Pick>,
    otherwise: i64,
}

/// One `select` of the chain: `value` when `cond` is `when`.
struct Pick {
    cond: LLVMValueRef,
    when: bool,
    value: i64,
}

/// Rewrites the switches on selects of the loops around the hot calls.
pub(crate) fn run(ctx: &mut Context<'_>, hot: &mut Hot<'_>) -> Changed {
    let mut changed = Changed::No;
    for header in hot_loops(ctx, hot) {
        for block in loop_blocks(ctx.shim, header) {
            let Some(chain) = ir::terminator(block).and_then(chain_of) else {
                continue;
            };
            let function = ir::block_function(block);
            ctx.remark(Remark::dispatched(
                function,
                chain.switch,
                chain.picks.len(),
            ));
            rewrite(ctx, &chain);
            ctx.shim.invalidate(function);
            changed = Changed::Yes;
        }
    }
    changed
}

/// The chain a `switch` terminator is on, if it is one.
fn chain_of(switch: LLVMValueRef) -> Option<Chain> {
    if ir::opcode(switch) != LLVMOpcode::LLVMSwitch {
        return None;
    }
    let block = ir::parent_block(switch);
    let mut v = ir::operand(switch, 0);
    let mut selects = Vec::new();
    let mut picks = Vec::new();
    loop {
        if let Some(c) = ir::const_int(v) {
            return (!picks.is_empty()).then_some(Chain {
                switch,
                selects,
                picks,
                otherwise: c,
            });
        }
        let one_use = ir::value_users(v).len() == 1;
        if !ir::is_instruction(v)
            || ir::opcode(v) != LLVMOpcode::LLVMSelect
            || ir::parent_block(v) != block
            || !one_use
            || selects.len() >= 8
        {
            return None;
        }
        let (cond, t, f) = (ir::operand(v, 0), ir::operand(v, 1), ir::operand(v, 2));
        if ir::type_kind(ir::type_of(cond)) != llvm_sys::LLVMTypeKind::LLVMIntegerTypeKind {
            return None;
        }
        // The condition (or its negation) picks a constant; the other value goes on down
        // the chain.
        let (pick, rest, when) = match (ir::const_int(t), ir::const_int(f)) {
            (Some(k), _) => (k, f, true),
            (None, Some(k)) => (k, t, false),
            (None, None) => return None,
        };
        selects.push(v);
        picks.push(Pick {
            cond,
            when,
            value: pick,
        });
        v = rest;
    }
}

/// Where the switch goes for the value `v`.
fn target(switch: LLVMValueRef, v: i64) -> LLVMBasicBlockRef {
    ir::switch_cases(switch)
        .and_then(|cases| cases.into_iter().find(|&(c, _)| c == v))
        .map_or_else(|| ir::successors(switch)[0], |(_, to)| to)
}

/// The phis of block `d` with the value each takes from block `from`.
pub(super) fn taken_from(
    d: LLVMBasicBlockRef,
    from: LLVMBasicBlockRef,
) -> Vec<(LLVMValueRef, LLVMValueRef)> {
    ir::instructions(d)
        .into_iter()
        .take_while(|&i| ir::is_phi(i))
        .filter_map(|phi| {
            ir::incoming(phi)
                .into_iter()
                .find(|&(_, f)| f == from)
                .map(|(v, _)| (phi, v))
        })
        .collect()
}

/// The rewrite of the module's docs.
fn rewrite(ctx: &Context<'_>, chain: &Chain) {
    let b = Builder::new(ctx.module);
    let block = ir::parent_block(chain.switch);
    let loc = Builder::location_of(chain.switch);
    let dests: Vec<LLVMBasicBlockRef> = {
        // Each once, in the switch's order (not the blocks' addresses: the same output on
        // every run).
        let mut d = ir::successors(chain.switch);
        let mut seen = IndexSet::new();
        d.retain(|&b| seen.insert(b));
        d
    };
    // What each block gone to takes from the switch's block.
    let taken: Vec<(LLVMBasicBlockRef, Vec<(LLVMValueRef, LLVMValueRef)>)> =
        dests.iter().map(|&d| (d, taken_from(d, block))).collect();
    let targets: Vec<LLVMBasicBlockRef> = chain
        .picks
        .iter()
        .map(|p| target(chain.switch, p.value))
        .collect();
    let last = target(chain.switch, chain.otherwise);
    for &d in &dests {
        ctx.shim.remove_phi_edge(d, block);
    }
    Builder::erase_terminator(block);
    for &s in chain.selects.iter() {
        ir::erase(s);
    }
    // One block per condition after the first.
    let mut from = block;
    let mut edges: Vec<(LLVMBasicBlockRef, LLVMBasicBlockRef)> = Vec::new();
    for (k, pick) in chain.picks.iter().enumerate() {
        let more = k + 1 < chain.picks.len();
        let no = if more {
            b.block_before(last, &format!("dispatch.{}", k + 1))
        } else {
            last
        };
        let yes = targets[k];
        b.position_at_end(from);
        b.set_location(loc);
        if yes == no {
            b.br(yes);
        } else if pick.when {
            b.cond_br(pick.cond, yes, no);
        } else {
            b.cond_br(pick.cond, no, yes);
        }
        edges.push((from, yes));
        if !more && yes != no {
            edges.push((from, no));
        }
        from = no;
    }
    for (d, values) in &taken {
        for &(p, to) in &edges {
            if to == *d {
                for &(phi, v) in values {
                    Builder::add_incoming(phi, &[(v, p)]);
                }
            }
        }
    }
}
