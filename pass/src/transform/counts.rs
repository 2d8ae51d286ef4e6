//! A count that a loop keeps beside a running total, computed from the total.
//!
//! `while (n > pos) { res = write(fd, s + pos, n - pos); ...; pos += res; }` (OpenSSH's
//! `atomicio`) passes `n - pos` as the count. clang -O2 often keeps that difference in a phi
//! of its own, computed again from the total's next value on the way round:
//!
//! ```text
//! before                                          after
//! head: %pos = phi [ 0, %pre ], [ %pos2, %latch ]   head: %pos = phi [ 0, %pre ], [ %pos2, %latch ]
//!       %left = phi [ %n, %pre ], [ %l2, %latch ]         %left = sub i64 %n, %pos
//!       ... write(fd, s + pos, %left) ...                 ... write(fd, s + pos, %left) ...
//! latch: %pos2 = add i64 %res, %pos               latch: %pos2 = add i64 %res, %pos
//!        %l2 = sub i64 %n, %pos2                         br (icmp ult %pos2, %n), %head, %out
//!        br (icmp ult %pos2, %n), %head, %out
//! ```
//!
//! The phi is `n - pos` on every way in: from before the loop the total is 0 and the count
//! `n` (or the count is `n - pos` of the total's value there), on the way round the count is
//! `n - pos2` of the total's next value, and a way that brings both back unchanged (a retry,
//! `retry.rs`) keeps it. So the phi is `n - pos` computed at the top (modular arithmetic, no
//! flags), where a looped multi-call takes it as an argument derived from the total
//! (`legality::advance`, 3c in docs/pass.md). `n` is defined before the loop. Taken in the
//! loops around the hot calls; each is a remark `CountFromTotal`.

use llvm_sys::prelude::{LLVMBasicBlockRef, LLVMValueRef};
use llvm_sys::{LLVMOpcode, LLVMTypeKind};

use super::{hot_loops, Changed, Hot};
use crate::context::Context;
use crate::ir;
use crate::lower::builder::Builder;
use crate::remarks::Remark;
use crate::shim::Shim;

/// Computes the counts kept beside totals in the loops around the hot calls from the totals.
pub(crate) fn run(ctx: &mut Context<'_>, hot: &mut Hot<'_>) -> Changed {
    let mut changed = Changed::No;
    for header in hot_loops(ctx, hot) {
        let phis: Vec<LLVMValueRef> = ir::instructions(header)
            .into_iter()
            .take_while(|&i| ir::is_phi(i))
            .collect();
        for &count in &phis {
            let Some((total, base)) = phis
                .iter()
                .filter(|&&t| t != count)
                .find_map(|&t| count_of(ctx.shim, count, t, header).map(|b| (t, b)))
            else {
                continue;
            };
            let function = ir::block_function(header);
            ctx.remark(Remark::count_from_total(function, count, total, base));
            let first = ir::instructions(header)
                .into_iter()
                .find(|&i| !ir::is_phi(i))
                .unwrap_or(count);
            let b = Builder::new(ctx.module);
            b.position_before(first);
            // The phi's own name (`name` of a named value; none for a numbered one).
            let name = ir::name(count);
            let computed = b.arith(LLVMOpcode::LLVMSub, base, total, "");
            let steps: Vec<LLVMValueRef> = ir::incoming(count)
                .into_iter()
                .map(|(v, _)| v)
                .filter(|&v| v != count && v != base)
                .collect();
            Builder::replace_uses(count, computed);
            ir::erase(count);
            ir::set_name(computed, &name);
            for s in steps {
                if ir::is_instruction(s) && ir::users(s).is_empty() {
                    ir::erase(s);
                }
            }
            changed = Changed::Yes;
            // The list of phis holds the one erased: one count per loop and run.
            break;
        }
    }
    changed
}

/// `base` when the phi `count` of `header` is `base - total` on every way in, `total` another
/// phi of `header` of the same integer type and `base` defined before the loop.
fn count_of(
    shim: &Shim,
    count: LLVMValueRef,
    total: LLVMValueRef,
    header: LLVMBasicBlockRef,
) -> Option<LLVMValueRef> {
    let ty = ir::type_of(count);
    if ir::type_kind(ty) != LLVMTypeKind::LLVMIntegerTypeKind || ir::type_of(total) != ty {
        return None;
    }
    let totals = ir::incoming(total);
    let counts = ir::incoming(count);
    if totals.len() != counts.len() {
        return None;
    }
    // The base from the way round: the first `sub base, t` among the count's values.
    let base = counts.iter().find_map(|&(c, _)| {
        (ir::is_instruction(c) && ir::opcode(c) == LLVMOpcode::LLVMSub).then(|| ir::operand(c, 0))
    })?;
    let first = *ir::instructions(header).first()?;
    if ir::is_instruction(base)
        && (ir::parent_block(base) == header || !shim.dominates(base, first))
    {
        return None;
    }
    let same_edge = |k: usize| {
        let (c, from) = counts[k];
        let Some(&(t, _)) = totals.iter().find(|&&(_, f)| f == from) else {
            return false;
        };
        let difference = ir::is_instruction(c)
            && ir::opcode(c) == LLVMOpcode::LLVMSub
            && ir::operand(c, 0) == base
            && ir::operand(c, 1) == t;
        let unchanged = c == count && t == total;
        let from_zero = c == base && ir::const_int(t) == Some(0);
        difference || unchanged || from_zero
    };
    // Each predecessor once (a block that branches to the header twice gives both phis the
    // same value twice).
    (0..counts.len()).all(same_edge).then_some(base)
}
