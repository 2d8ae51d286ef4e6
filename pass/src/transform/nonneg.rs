//! `smax(n, 0)` where only values of `n` that are not negative can reach its uses: `n`
//! itself.
//!
//! clang folds `if (n > 0) got += n;`, and the step of a loop that leaves when `n <= 0`
//! (`while (left > 0) { n = write(..); if (n <= 0) return -1; left -= n; }` at -O1), into
//! `got + smax(n, 0)`, computed before the branch on `n`:
//!
//! ```text
//! before                                      after
//!   %n = call i64 @write(...)                   %n = call i64 @write(...)
//!   %ok = icmp sgt i64 %n, 0                    %ok = icmp sgt i64 %n, 0
//!   %m = call i64 @llvm.smax.i64(i64 %n, i64 0)
//!   %left.next = sub i64 %left, %m              %left.next = sub i64 %left, %n
//!   br i1 %ok, label %header, label %fail       br i1 %ok, label %header, label %fail
//! ```
//!
//! The value is the same wherever it is used: `%left.next` reaches only the header's phi,
//! on the edge taken when `%n > 0`, where `smax(%n, 0)` is `%n`. A looped multi-call then
//! sees a running total or an advancing argument of the result itself (`legality::looped`,
//! `legality::advance`).
//!
//! `smax(n, 0)` (either order), or a `select` of `n` and 0 that is `n` for every `n >= 1`
//! (-O1's `select (n > 0), n, 0`), becomes `n` in its users when every use is guarded: a phi's
//! value on an edge, or a use in a block, that is only reached through a branch on `n`
//! compared with a constant whose way there implies `n >= 0` (through blocks entered from
//! one block each, at most [`MAX_DEPTH`] back); integer and address arithmetic in the
//! `smax`'s block may stand between, when all of its own uses are guarded (its value changes
//! only where nothing reads it). Taken in the loops that hold a call of a hot edge; each
//! rewrite is a remark `NonNegative`.

use llvm_sys::prelude::{LLVMBasicBlockRef, LLVMValueRef};
use llvm_sys::{LLVMIntPredicate, LLVMOpcode};

use super::{hot_loops, Changed, Hot};
use crate::context::Context;
use crate::ir;
use crate::legality::loop_blocks;
use crate::lower::builder::Builder;
use crate::remarks::Remark;

/// How many blocks back the guard of a use is looked for.
const MAX_DEPTH: usize = 4;

/// Replaces the guarded `smax(n, 0)` of the loops around the hot calls.
pub(crate) fn run(ctx: &mut Context<'_>, hot: &mut Hot<'_>) -> Changed {
    let mut changed = Changed::No;
    for header in hot_loops(ctx, hot) {
        for block in loop_blocks(ctx.shim, header) {
            for inst in ir::instructions(block) {
                let Some(n) = ir::smax_of_zero(inst) else {
                    continue;
                };
                let Some(arith) = guarded_users(inst, n) else {
                    continue;
                };
                ctx.remark(Remark::non_negative(ir::block_function(block), inst, n));
                for user in arith {
                    replace_operand(user, inst, n);
                }
                Builder::replace_uses(inst, n);
                ir::erase(inst);
                changed = Changed::Yes;
            }
        }
    }
    changed
}

/// The arithmetic users of `m` in its block when every use of `m` is guarded (directly,
/// or through that arithmetic), else `None`.
fn guarded_users(m: LLVMValueRef, n: LLVMValueRef) -> Option<Vec<LLVMValueRef>> {
    use LLVMOpcode::*;
    let block = ir::parent_block(m);
    let mut arith = Vec::new();
    for (user, at) in ir::users(m) {
        if ir::is_phi(user) {
            if !edge_nonneg(at, ir::parent_block(user), n, 0) && !block_nonneg(at, n) {
                return None;
            }
            continue;
        }
        let computes = matches!(ir::opcode(user), LLVMAdd | LLVMSub | LLVMGetElementPtr);
        if at == block && computes {
            let all = ir::users(user).into_iter().all(|(u, b)| {
                if ir::is_phi(u) {
                    edge_nonneg(b, ir::parent_block(u), n, 0) || block_nonneg(b, n)
                } else {
                    b != block && block_nonneg(b, n)
                }
            });
            if !all {
                return None;
            }
            arith.push(user);
        } else if at == block || !block_nonneg(at, n) {
            return None;
        }
    }
    Some(arith)
}

/// Whether `n >= 0` wherever `block` runs: it is entered from one block, on an edge where
/// it holds.
fn block_nonneg(block: LLVMBasicBlockRef, n: LLVMValueRef) -> bool {
    match ir::predecessors(block)[..] {
        [p] if !p.is_null() && p != block => edge_nonneg(p, block, n, 1),
        _ => false,
    }
}

/// Whether `n >= 0` whenever the edge `from -> to` is taken: `from` branches on `n`
/// compared with a constant and goes to `to` only where that implies it, or `from` itself
/// runs only where it holds.
fn edge_nonneg(
    from: LLVMBasicBlockRef,
    to: LLVMBasicBlockRef,
    n: LLVMValueRef,
    depth: usize,
) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    let implied = ir::terminator(from)
        .and_then(ir::conditional_branch)
        .is_some_and(|(c, t, f)| t != f && (to == t || to == f) && implies_nonneg(c, to == t, n));
    implied
        || match ir::predecessors(from)[..] {
            [p] if !p.is_null() && p != from => edge_nonneg(p, from, n, depth + 1),
            _ => false,
        }
}

/// Whether `cond` being `value` implies `n >= 0` (signed): `cond` compares `n` with a
/// constant.
fn implies_nonneg(cond: LLVMValueRef, value: bool, n: LLVMValueRef) -> bool {
    use LLVMIntPredicate::*;
    let Some((pred, c)) = ir::as_compare(cond, n) else {
        return false;
    };
    match if value {
        pred
    } else {
        ir::inverse_predicate(pred)
    } {
        LLVMIntSGT => c >= -1,
        LLVMIntSGE | LLVMIntEQ | LLVMIntULT | LLVMIntULE => c >= 0,
        _ => false,
    }
}

/// Makes `user` use `new` where it used `old`.
fn replace_operand(user: LLVMValueRef, old: LLVMValueRef, new: LLVMValueRef) {
    for k in 0..ir::num_operands(user) {
        if ir::operand(user, k) == old {
            // SAFETY: user is a live non-phi instruction; new has old's type and is defined
            // before it (old's own operand).
            unsafe { llvm_sys::core::LLVMSetOperand(user, k, new) };
        }
    }
}
