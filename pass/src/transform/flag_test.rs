//! A loop that tests a flag before its first call, rotated so that it tests it on the way
//! round instead.
//!
//! ```c
//! while (running) {                   /* volatile, set to 0 by a signal handler */
//!         n = read(in, buf, N);
//!         if (n <= 0) break;
//!         if (write(out, buf, n) != n) fail();
//! }
//! ```
//!
//! clang leaves this loop unrotated (its latch, the write's test, already leaves it), so the
//! header loads the flag before the read and the loop is refused whole (`HeaderCode`: the
//! header must begin with the first call). LLVM's `LoopRotation` (through the shim, as
//! `rotate.rs` uses it) copies the test before the loop and moves it after the write: the
//! header then begins with the read, and the way round ends with the flag's test, which a
//! looped batch reads itself (`legality::watch`, `MC_BATCH_WATCH`).
//!
//! A loop is rotated when a whole-loop refusal names an instruction of its header and the
//! header is exactly a flag test (`flag_header`): phis and debug records, one load of an
//! integer, its comparison with 0 and a conditional branch that leaves the loop on one side
//! and on the other enters a block of the loop whose only way in is the header and that
//! begins with the first call of the refused pair. Nothing else in the header is copied or
//! moved, so the rotation changes no order of effects: the flag is loaded before the first
//! iteration (the copy) and after each, as before.

use indexmap::IndexSet;

use llvm_sys::prelude::{LLVMBasicBlockRef, LLVMValueRef};
use llvm_sys::LLVMOpcode;

use super::duplicate::{HOT_SHARE, MIN_WEIGHT};
use super::reheader::heads_loop;
use super::rotate::{calls_in, MAX_HEADER};
use super::{Changed, Hot};
use crate::context::Context;
use crate::ir;
use crate::legality::{loop_blocks, Reason};
use crate::remarks::Remark;
use crate::shim::flags;

/// Rotates the hot loops whose flag test before the first call keeps them from being whole.
pub(crate) fn run(ctx: &mut Context<'_>, hot: &mut Hot<'_>) -> Changed {
    let sites = hot.sites;
    let heaviest = hot.pairs.iter().map(|p| p.weight).max().unwrap_or(0);
    let today = hot.today(ctx);
    let mut changed = Changed::No;
    let mut rotated: IndexSet<LLVMBasicBlockRef> = IndexSet::new();
    for r in today.refused.iter().chain(&today.loops_refused) {
        let Reason::HeaderCode { inst, first } = r.refusal.reason else {
            continue;
        };
        if r.weight < MIN_WEIGHT || r.weight.saturating_mul(HOT_SHARE) < heaviest {
            continue;
        }
        let header = ir::parent_block(inst);
        if rotated.contains(&header) || !heads_loop(ctx.shim, header) {
            continue;
        }
        let Some(load) = flag_header(ctx, header, sites[first].call) else {
            continue;
        };
        let func = ir::block_function(header);
        let before = calls_in(func);
        match ctx.shim.rotate_loop(header, MAX_HEADER) {
            Ok(()) => {
                changed = Changed::Yes;
                rotated.insert(header);
                ctx.copies.extend(calls_in(func).difference(&before));
                ctx.remark(Remark::flag_test_rotated(sites, first, load));
            }
            Err((why, simplified)) => {
                if simplified {
                    changed = Changed::Yes;
                }
                ctx.remark(Remark::flag_test_not_rotated(sites, first, &why));
            }
        }
    }
    changed
}

/// The flag's load when `header` is a flag test before `call` (see the module's doc).
fn flag_header(
    ctx: &Context<'_>,
    header: LLVMBasicBlockRef,
    call: LLVMValueRef,
) -> Option<LLVMValueRef> {
    let blocks: IndexSet<LLVMBasicBlockRef> = loop_blocks(ctx.shim, header).into_iter().collect();
    let body = ir::parent_block(call);
    if body == header || !blocks.contains(&body) || ir::predecessors(body) != [header] {
        return None;
    }
    // The body begins with the call.
    let first_real = ir::instructions(body)
        .into_iter()
        .find(|&i| !ir::is_phi(i) && ctx.shim.inst_flags(i) & flags::DEBUG == 0);
    if first_real != Some(call) {
        return None;
    }
    let insts: Vec<LLVMValueRef> = ir::instructions(header)
        .into_iter()
        .filter(|&i| !ir::is_phi(i) && ctx.shim.inst_flags(i) & flags::DEBUG == 0)
        .collect();
    let [load, cmp, br] = insts.as_slice() else {
        return None;
    };
    let is_int_load = ir::opcode(*load) == LLVMOpcode::LLVMLoad
        && ir::type_kind(ir::type_of(*load)) == llvm_sys::LLVMTypeKind::LLVMIntegerTypeKind;
    let compares_with_zero = ir::icmp_predicate(*cmp).is_some()
        && ir::operand(*cmp, 0) == *load
        && ir::const_int(ir::operand(*cmp, 1)) == Some(0);
    let (cond, t, f) = ir::conditional_branch(*br)?;
    let leaves = |s: LLVMBasicBlockRef| !blocks.contains(&s);
    let splits = (t == body && leaves(f)) || (f == body && leaves(t));
    (is_int_load && compares_with_zero && cond == *cmp && splits).then_some(*load)
}
