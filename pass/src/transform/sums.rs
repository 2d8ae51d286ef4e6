//! Running sums folded into phis, after a transformation moved a loop's header (rotation,
//! `rotate.rs`; a moved start, `reheader.rs`), in the loops headed by a block that holds a
//! call of a hot edge.
//!
//! A running offset the original keeps at the end of its iteration,
//!
//! ```c
//! while ((n = pread(in, buf, N, off)) > 0) { if (pwrite(out, buf, n, off) != n) fail(); off += n; }
//! ```
//!
//! which clang places before the next `pread`, is after the move a sum of two of the new
//! header's phis, the offset before and the result before:
//!
//! ```text
//! before                                       after
//!   header:                                      header:
//!     %a = phi [0, in], [%x, latch]                %x = phi [%n0, in], [%x.next, latch]
//!     %b = phi [%n0, in], [%n, latch]              %r = pread(in, buf, N, %x)
//!     %x = add %a, %b                              ...
//!     %r = pread(in, buf, N, %x)                 latch:
//!     ...                                          %x.next = add %x, %n
//!   latch: br %header                              br %header
//! ```
//!
//! The phis with one incoming value in the loop's other blocks, which the move leaves of the
//! old header's, are folded first. `%x` then advances by a result of the iteration, the form
//! of a looped multi-call's
//! advancing arguments (`legality::advance`): the program computes the same values, only
//! where the sum is taken moves.
//!
//! The step may reach the sum through integer casts (`unsigned total += n` with a `long n`:
//! `add i32 %a, (trunc i64 %b to i32)`): each back edge's step is cast the same way where the
//! edge leaves, so `X + trunc(B')` is the sum the original takes at the next header. Any
//! integer width folds (an `int total += n` too): the new `add` has no `nsw`/`nuw`, and wraps
//! as the original's would.
//!
//! The sum may also stand in a block after the header, the header's phis its operands: a
//! copy loop's `total += n` that clang adds only after a write-all loop inside it, before
//! the next read, once the read's way round is copied (`duplicate::run_round`) and the
//! write-all loop's header heads both. Every way from the header to that block is one
//! iteration, so the sum there is the new phi's value; the write-all loop's own back edge,
//! which changes neither phi, leaves the new one as it is.

use indexmap::{IndexMap, IndexSet};

use llvm_sys::prelude::{LLVMBasicBlockRef, LLVMValueRef};
use llvm_sys::{LLVMOpcode, LLVMTypeKind};

use super::reheader::heads_loop;
use super::{Changed, Hot};
use crate::context::Context;
use crate::ir;
use crate::legality::loop_blocks;
use crate::lower::builder::Builder;

/// Folds the running sums in the blocks of the calls of hot edges: of the loop each block
/// heads, or else of the innermost loop around it.
pub(crate) fn run(ctx: &mut Context<'_>, hot: &mut Hot<'_>) -> Changed {
    let blocks: IndexSet<LLVMBasicBlockRef> = hot
        .pairs
        .iter()
        .flat_map(|p| [p.a, p.b])
        .map(|s| ir::parent_block(hot.sites[s].call))
        .collect();
    let mut found: Vec<(LLVMBasicBlockRef, LLVMBasicBlockRef)> = Vec::new();
    for block in blocks {
        if heads_loop(ctx.shim, block) {
            found.push((block, block));
        } else if let Some(header) = hot.loops.innermost(ctx.shim, block, block) {
            found.push((header, block));
        }
    }
    let mut changed = Changed::No;
    for (header, block) in found {
        if fold(ctx, header, block) {
            changed = Changed::Yes;
        }
    }
    changed
}

/// In `header`, a new loop header: each `x = add A, B` (integers, `B` perhaps through
/// integer casts of a phi) or `x =
/// getelementptr i8, ptr A, i64 B` whose operands are phis of `header` and where `A` takes
/// `x` from every block of the loop becomes a phi `X` of `A + B`'s values from the ways in
/// and `X + B'` on each back edge (`B'` what `B` takes there): `x` of iteration `i + 1` is
/// `A + B` with `A = x` of iteration `i`. The new arithmetic has no `nsw`/`nuw` or
/// `inbounds`, so it is defined wherever the original's was; `x` and what no longer has a
/// use are deleted. Whether it changed anything: only when it found such a sum, and then
/// the phis of one value in the loop's blocks are folded first.
fn fold(ctx: &Context<'_>, header: LLVMBasicBlockRef, block: LLVMBasicBlockRef) -> bool {
    let inside: IndexSet<LLVMBasicBlockRef> = loop_blocks(ctx.shim, header).into_iter().collect();
    if !ir::instructions(block)
        .into_iter()
        .any(|x| running_sum(x, header, &inside).is_some())
    {
        return false;
    }
    // The blocks of the loop entered from one block: their phis (what the move left of the
    // old header's) are the values they take, as LLVM's `FoldSingleEntryPHINodes` does.
    for &blk in &inside {
        if ir::predecessors(blk).len() != 1 {
            continue;
        }
        super::duplicate::fold_single_phis(blk);
    }
    let b = Builder::new(ctx.module);
    for x in ir::instructions(block) {
        let Some((a, by, casts)) = running_sum(x, header, &inside) else {
            continue;
        };
        // What `B` takes from `blk`, cast as the sum casts `B` (at the builder's position).
        let step = |blk: LLVMBasicBlockRef| {
            let v = ir::incoming(by)
                .into_iter()
                .find(|&(_, f)| f == blk)
                .map(|(v, _)| v)?;
            Some(casts.iter().fold(v, |v, &c| {
                let map: IndexMap<LLVMValueRef, LLVMValueRef> =
                    [(ir::operand(c, 0), v)].into_iter().collect();
                b.clone_with(c, &map)
            }))
        };
        let sum = |l: LLVMValueRef, r: LLVMValueRef| {
            if ir::opcode(x) == LLVMOpcode::LLVMAdd {
                b.arith(LLVMOpcode::LLVMAdd, l, r, "sum.next")
            } else {
                b.byte_offset(l, r, "sum.next")
            }
        };
        b.position_at_start(header);
        let folded = b.phi(ir::type_of(x), "sum");
        for (v, blk) in ir::incoming(a) {
            let Some(term) = ir::terminator(blk) else {
                continue;
            };
            // A way round that leaves both alone (an inner loop's back edge) leaves the sum.
            let unchanged = ir::incoming(by)
                .into_iter()
                .any(|(w, f)| f == blk && w == by);
            if v == a && unchanged {
                Builder::add_incoming(folded, &[(folded, blk)]);
                continue;
            }
            b.position_before_keep_location(term);
            let Some(s) = step(blk) else {
                continue;
            };
            let start = if inside.contains(&blk) { folded } else { v };
            Builder::add_incoming(folded, &[(sum(start, s), blk)]);
        }
        Builder::replace_uses(x, folded);
        ir::erase(x);
        // The casts of `B` that only the sum used, outermost first.
        for &c in casts.iter().rev() {
            if ir::users(c).is_empty() {
                ir::erase(c);
            }
        }
        // What no longer has a use but its own way round (an inner loop's back edge).
        for phi in [a, by] {
            if ir::users(phi).iter().all(|&(user, _)| user == phi) {
                ir::replace_uses(phi, Builder::poison(ir::type_of(phi)));
                ir::erase(phi);
            }
        }
    }
    true
}

/// `(A, B, casts)` when `x` is a running sum of `header`'s loop (`fold`): `add A, B` of
/// integers (`B` perhaps through integer casts, returned innermost first) or
/// `getelementptr i8, ptr A, i64 B`, both phis of the header with the same incoming blocks,
/// `A` taking `x` (itself, or through phis of one value in the loop) from every block of the
/// loop and something else from every way in.
fn running_sum(
    x: LLVMValueRef,
    header: LLVMBasicBlockRef,
    inside: &IndexSet<LLVMBasicBlockRef>,
) -> Option<(LLVMValueRef, LLVMValueRef, Vec<LLVMValueRef>)> {
    if ir::is_phi(x) || ir::num_operands(x) != 2 {
        return None;
    }
    let is_header_phi =
        |v: LLVMValueRef| ir::is_instruction(v) && ir::is_phi(v) && ir::parent_block(v) == header;
    // `v`, seen through phis of one incoming value in the loop's blocks.
    let through = |mut v: LLVMValueRef| {
        while ir::is_instruction(v)
            && ir::is_phi(v)
            && inside.contains(&ir::parent_block(v))
            && ir::parent_block(v) != header
        {
            match ir::incoming(v)[..] {
                [(one, _)] => v = one,
                _ => break,
            }
        }
        v
    };
    // From every block of the loop `x`, or itself where the other phi takes itself too
    // (an inner loop's back edge that changes neither).
    let takes_x = |phi: LLVMValueRef, other: LLVMValueRef| {
        let ins = ir::incoming(phi);
        let unchanged = |blk: LLVMBasicBlockRef, v: LLVMValueRef| {
            v == phi
                && is_header_phi(other)
                && ir::incoming(other)
                    .iter()
                    .any(|&(w, b)| b == blk && w == other)
        };
        !ins.is_empty()
            && ins.iter().all(|&(v, blk)| {
                if inside.contains(&blk) {
                    through(v) == x || unchanged(blk, v)
                } else {
                    through(v) != x
                }
            })
    };
    let (l, r) = (ir::operand(x, 0), ir::operand(x, 1));
    let (a, step) = match ir::opcode(x) {
        LLVMOpcode::LLVMAdd
            if ir::type_kind(ir::type_of(x)) == LLVMTypeKind::LLVMIntegerTypeKind =>
        {
            if is_header_phi(l) && takes_x(l, r) {
                (l, r)
            } else {
                (r, l)
            }
        }
        LLVMOpcode::LLVMGetElementPtr if ir::byte_gep(x) => (l, r),
        _ => return None,
    };
    // The step's integer casts in the header, used by the sum alone, down to a phi of the
    // header (innermost first).
    let mut casts = Vec::new();
    let mut by = step;
    while ir::opcode(x) == LLVMOpcode::LLVMAdd
        && casts.len() < 4
        && ir::is_instruction(by)
        && !ir::is_phi(by)
        && ir::parent_block(by) == header
        && matches!(
            ir::opcode(by),
            LLVMOpcode::LLVMTrunc | LLVMOpcode::LLVMZExt | LLVMOpcode::LLVMSExt
        )
        && ir::users(by).len() == 1
    {
        casts.push(by);
        by = ir::operand(by, 0);
    }
    casts.reverse();
    if !is_header_phi(a) || !is_header_phi(by) || a == by || !takes_x(a, by) {
        return None;
    }
    let blocks = |phi: LLVMValueRef| -> IndexSet<LLVMBasicBlockRef> {
        ir::incoming(phi).into_iter().map(|(_, b)| b).collect()
    };
    (blocks(a) == blocks(by)).then_some((a, by, casts))
}
