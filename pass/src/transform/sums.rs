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

use std::collections::HashSet;

use llvm_sys::prelude::{LLVMBasicBlockRef, LLVMValueRef};
use llvm_sys::LLVMOpcode;

use super::reheader::heads_loop;
use super::{Changed, Hot};
use crate::context::Context;
use crate::ir;
use crate::legality::loop_blocks;
use crate::lower::builder::Builder;

/// Folds the running sums of every loop headed by the block of a call of a hot edge.
pub(crate) fn run(ctx: &mut Context<'_>, hot: &mut Hot<'_>) -> Changed {
    let headers: HashSet<LLVMBasicBlockRef> = hot
        .pairs
        .iter()
        .flat_map(|p| [p.a, p.b])
        .map(|s| ir::parent_block(hot.sites[s].call))
        .filter(|&b| heads_loop(ctx.shim, b))
        .collect();
    let mut changed = Changed::No;
    for header in headers {
        if fold(ctx, header) {
            changed = Changed::Yes;
        }
    }
    changed
}

/// In `header`, a new loop header: each `x = add A, B` (64-bit integers) or `x =
/// getelementptr i8, ptr A, i64 B` whose operands are phis of `header` and where `A` takes
/// `x` from every block of the loop becomes a phi `X` of `A + B`'s values from the ways in
/// and `X + B'` on each back edge (`B'` what `B` takes there): `x` of iteration `i + 1` is
/// `A + B` with `A = x` of iteration `i`. The new arithmetic has no `nsw`/`nuw` or
/// `inbounds`, so it is defined wherever the original's was; `x` and what no longer has a
/// use are deleted. Whether it changed anything: only when it found such a sum, and then
/// the phis of one value in the loop's blocks are folded first.
fn fold(ctx: &Context<'_>, header: LLVMBasicBlockRef) -> bool {
    let inside: HashSet<LLVMBasicBlockRef> = loop_blocks(ctx.shim, header).into_iter().collect();
    if !ir::instructions(header)
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
        for phi in ir::instructions(blk)
            .into_iter()
            .take_while(|&i| ir::is_phi(i))
        {
            if let [(v, _)] = ir::incoming(phi)[..] {
                Builder::replace_uses(phi, v);
                ir::erase(phi);
            }
        }
    }
    let b = Builder::new(ctx.module);
    for x in ir::instructions(header) {
        let Some((a, by)) = running_sum(x, header, &inside) else {
            continue;
        };
        let step = |blk: LLVMBasicBlockRef| {
            ir::incoming(by)
                .into_iter()
                .find(|&(_, f)| f == blk)
                .map(|(v, _)| v)
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
            let (Some(s), Some(term)) = (step(blk), ir::terminator(blk)) else {
                continue;
            };
            b.position_before_keep_location(term);
            let start = if inside.contains(&blk) { folded } else { v };
            Builder::add_incoming(folded, &[(sum(start, s), blk)]);
        }
        Builder::replace_uses(x, folded);
        ir::erase(x);
        for phi in [a, by] {
            if ir::users(phi).is_empty() {
                ir::erase(phi);
            }
        }
    }
    true
}

/// `(A, B)` when `x` is a running sum of `header`'s loop (`fold`): `add A, B` on 64 bits or
/// `getelementptr i8, ptr A, i64 B`, both phis of the header with the same incoming blocks,
/// `A` taking `x` (itself, or through phis of one value in the loop) from every block of the
/// loop and something else from every way in.
fn running_sum(
    x: LLVMValueRef,
    header: LLVMBasicBlockRef,
    inside: &HashSet<LLVMBasicBlockRef>,
) -> Option<(LLVMValueRef, LLVMValueRef)> {
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
    let takes_x = |phi: LLVMValueRef| {
        let ins = ir::incoming(phi);
        !ins.is_empty()
            && ins
                .iter()
                .all(|&(v, blk)| (through(v) == x) == inside.contains(&blk))
    };
    let (l, r) = (ir::operand(x, 0), ir::operand(x, 1));
    let (a, by) = match ir::opcode(x) {
        LLVMOpcode::LLVMAdd if ir::int_width(ir::type_of(x)) == 64 => {
            if is_header_phi(l) && takes_x(l) {
                (l, r)
            } else {
                (r, l)
            }
        }
        LLVMOpcode::LLVMGetElementPtr if ir::byte_gep(x) => (l, r),
        _ => return None,
    };
    if !is_header_phi(a) || !is_header_phi(by) || a == by || !takes_x(a) {
        return None;
    }
    let blocks = |phi: LLVMValueRef| -> HashSet<LLVMBasicBlockRef> {
        ir::incoming(phi).into_iter().map(|(_, b)| b).collect()
    };
    (blocks(a) == blocks(by)).then_some((a, by))
}
