//! Accesses through a choice of two global variables, split into the accesses it chooses
//! between (the reverse of SimplifyCFG's sinking of common code).
//!
//! clang sinks the two arms of `if (n == bs) r_full++; else r_partial++;` on file-scope
//! counters into one increment through `select i1 %c, ptr @r_full, ptr @r_partial`. The
//! variables' addresses then go to a `select`, so `globals` cannot keep them in registers
//! across a copy loop (their addresses are used by something other than loads and stores),
//! and the loop's way round keeps a load and a store. In a loop where a hot edge was refused,
//! each load through such a `select` of two global variables' constant addresses becomes a
//! `select` of the two loads, and each store a branch on the condition to a store of either
//! variable, as the source wrote it:
//!
//! ```text
//! before                                        after
//!   %p = select i1 %c, ptr @full, ptr @part       %a = load i64, ptr @full
//!   %v = load i64, ptr %p                         %b = load i64, ptr @part
//!   %v1 = add i64 %v, 1                           %v = select i1 %c, i64 %a, i64 %b
//!   store i64 %v1, ptr %p                         %v1 = add i64 %v, 1
//!                                                 br i1 %c, label %st, label %st.other
//!                                               st:       store i64 %v1, ptr @full
//!                                               st.other: store i64 %v1, ptr @part
//! ```
//!
//! A choice made by the way into a block, `phi ptr [@full, %a], [@part, %b]` (clang threads
//! the output records' `w == bs` into two copies of the write when `w == n` and the input
//! records tested `n == bs`), is first made a `select` on a phi of that way
//! (`%chosen.way = phi i1 [true, %a], [false, %b]`) and then split the same way.
//!
//! Exact: the stores write the same value to the same variable as before, one per execution;
//! the loads add a read of the variable not chosen, which has no effect (a global's storage is
//! always there, and the shim's `isSafeToLoadUnconditionally` must say the new load cannot
//! fault; neither access is volatile or atomic). `globals` then asks about each variable as
//! usual.

use llvm_sys::prelude::{LLVMBasicBlockRef, LLVMValueRef};
use llvm_sys::LLVMOpcode;

use super::hoist::global_of;
use crate::context::Context;
use crate::ir;
use crate::lower::builder::Builder;

/// The condition and the two addresses of `sel` when it chooses between two global
/// variables' constant addresses, and every use of it is the address of a simple load or
/// store.
fn chosen(sel: LLVMValueRef) -> Option<(LLVMValueRef, LLVMValueRef, LLVMValueRef)> {
    if ir::opcode(sel) != LLVMOpcode::LLVMSelect
        || ir::type_kind(ir::type_of(sel)) != llvm_sys::LLVMTypeKind::LLVMPointerTypeKind
    {
        return None;
    }
    let (c, a, b) = (
        ir::operand(sel, 0),
        ir::operand(sel, 1),
        ir::operand(sel, 2),
    );
    if ir::type_kind(ir::type_of(c)) != llvm_sys::LLVMTypeKind::LLVMIntegerTypeKind
        || !constant_global(a)
        || !constant_global(b)
    {
        return None;
    }
    only_accessed(sel).then_some((c, a, b))
}

/// Whether a constant global variable's address is `p`.
fn constant_global(p: LLVMValueRef) -> bool {
    !ir::is_instruction(p) && ir::is_constant(p) && global_of(p).is_some()
}

/// Whether every use of the address `p` is the address of a simple load or store.
fn only_accessed(p: LLVMValueRef) -> bool {
    let users = ir::users(p);
    !users.is_empty()
        && users.iter().all(|&(u, _)| match ir::opcode(u) {
            LLVMOpcode::LLVMLoad => ir::simple_access(u),
            // The address, not the value stored.
            LLVMOpcode::LLVMStore => ir::simple_access(u) && ir::operand(u, 0) != p,
            _ => false,
        })
}

/// The two addresses of `phi` when it chooses between two global variables' constant
/// addresses by the way its block was entered (clang's threading of `if (w == bs) full++;
/// else part++;` into two copies of the write before it), every use of it the address of a
/// simple load or store, and its block no exception handler's; with the block's first
/// instruction after its phis, where the select goes.
fn chosen_by_way(phi: LLVMValueRef) -> Option<(LLVMValueRef, LLVMValueRef, LLVMValueRef)> {
    if !ir::is_phi(phi)
        || ir::type_kind(ir::type_of(phi)) != llvm_sys::LLVMTypeKind::LLVMPointerTypeKind
    {
        return None;
    }
    let incoming = ir::incoming(phi);
    // The variables: the incoming addresses, or the two a `select` among them chooses from.
    let mut leaves: Vec<LLVMValueRef> = Vec::new();
    for &(v, _) in &incoming {
        let more = match select_of(v) {
            Some((_, x, y)) => vec![x, y],
            None => vec![v],
        };
        for l in more {
            if !leaves.contains(&l) {
                leaves.push(l);
            }
        }
    }
    let [a, b] = leaves[..] else {
        return None;
    };
    let two = incoming.iter().all(|&(v, _)| {
        v == a
            || v == b
            || select_of(v).is_some_and(|(_, x, y)| (x, y) == (a, b) || (x, y) == (b, a))
    });
    let first = ir::instructions(ir::parent_block(phi))
        .into_iter()
        .find(|&i| !ir::is_phi(i))?;
    let pad = matches!(
        ir::opcode(first),
        LLVMOpcode::LLVMLandingPad
            | LLVMOpcode::LLVMCatchPad
            | LLVMOpcode::LLVMCleanupPad
            | LLVMOpcode::LLVMCatchSwitch
    );
    (two && !pad && constant_global(a) && constant_global(b) && only_accessed(phi))
        .then_some((a, b, first))
}

/// `v` when it is a `select` of two addresses on an `i1` whose only user is a phi (a choice
/// made before the way into the phi's block, `if (n < bs) part++; else full++;` on one way
/// and `part++` on the other, clang's sinking of both into the block they join): its
/// condition and the two addresses.
fn select_of(v: LLVMValueRef) -> Option<(LLVMValueRef, LLVMValueRef, LLVMValueRef)> {
    if !ir::is_instruction(v)
        || ir::opcode(v) != LLVMOpcode::LLVMSelect
        || ir::int_width(ir::type_of(ir::operand(v, 0))) != 1
        || !matches!(ir::value_users(v).as_slice(), [u] if ir::is_phi(*u))
    {
        return None;
    }
    Some((ir::operand(v, 0), ir::operand(v, 1), ir::operand(v, 2)))
}

/// Each choice of two global variables made by the way into a block of `blocks` (a phi of
/// their addresses, or of choices between them made before: [`select_of`]), as a `select`
/// on a phi of which variable came in, which `split` then splits like any other.
fn phis_as_selects(
    builder: &Builder,
    blocks: &[LLVMBasicBlockRef],
    listed: &dyn Fn(LLVMValueRef) -> bool,
) {
    let phis: Vec<LLVMValueRef> = blocks
        .iter()
        .flat_map(|&bb| ir::instructions(bb))
        .filter(|&i| ir::is_phi(i))
        .collect();
    for phi in phis {
        let Some((a, b, first)) = chosen_by_way(phi) else {
            continue;
        };
        if !listed(a) || !listed(b) {
            continue;
        }
        let bool_ty = builder.bool_type();
        let incoming: Vec<(LLVMValueRef, LLVMBasicBlockRef)> = ir::incoming(phi)
            .into_iter()
            .map(|(v, from)| match select_of(v) {
                // Its condition says `a` when the select chooses `a` on true; else its
                // negation, computed where the select is.
                Some((c, x, _)) if x == a => (c, from),
                Some((c, _, _)) => {
                    // (A select is no terminator: an instruction follows it.)
                    if let Some(next) = ir::next_instruction(v) {
                        builder.position_before(next);
                    }
                    let t = builder.cu(bool_ty, 1);
                    (builder.arith(LLVMOpcode::LLVMXor, c, t, "chosen.not"), from)
                }
                None => (builder.cu(bool_ty, u64::from(v == a)), from),
            })
            .collect();
        builder.position_at_start(ir::parent_block(phi));
        let way = builder.phi(bool_ty, "chosen.way");
        Builder::add_incoming(way, &incoming);
        builder.position_before(first);
        let sel = builder.select(way, a, b, "chosen.address");
        let chosen_before: Vec<LLVMValueRef> = ir::incoming(phi)
            .into_iter()
            .filter_map(|(v, _)| select_of(v).map(|_| v))
            .collect();
        ir::replace_uses(phi, sel);
        ir::erase(phi);
        for v in chosen_before {
            if ir::users(v).is_empty() {
                ir::erase(v);
            }
        }
    }
}

/// A copy of the load or store `access` with `ptr` as its address, inserted where
/// `builder` stands (alignment, metadata and debug location those of `access`).
fn copy_to(builder: &Builder, access: LLVMValueRef, ptr: LLVMValueRef) -> LLVMValueRef {
    let k = match ir::opcode(access) {
        LLVMOpcode::LLVMStore => 1,
        _ => 0,
    };
    // SAFETY: access is a live load or store; its clone gets an address of the same type
    // (a pointer) in the operand that holds the address, and is inserted at the builder's
    // position in a block of the same function.
    unsafe {
        let copy = llvm_sys::core::LLVMInstructionClone(access);
        llvm_sys::core::LLVMSetOperand(copy, k, ptr);
        builder.insert(copy);
        copy
    }
}

/// Splits the accesses through each choice of two global variables in `blocks` (a loop's),
/// or only of two of the variables `among` when it is given (the same choices elsewhere in
/// the function: a peeled first iteration's copy would keep the variables' addresses taken).
/// Returns the variables whose accesses it split, for the remarks. The caller invalidates
/// the function's analyses when it split any.
pub(super) fn split(
    ctx: &Context<'_>,
    blocks: &[LLVMBasicBlockRef],
    among: Option<&[LLVMValueRef]>,
) -> Vec<LLVMValueRef> {
    let builder = Builder::new(ctx.module);
    let is_load = |u: &LLVMValueRef| ir::opcode(*u) == LLVMOpcode::LLVMLoad;
    let listed = |p| global_of(p).is_some_and(|g| among.is_none_or(|v| v.contains(&g)));
    phis_as_selects(&builder, blocks, &listed);
    // Then, before the blocks change: each choice whose loads may be speculated (a copy of
    // each load from either variable, checked where it stands).
    let mut choices = Vec::new();
    for sel in blocks.iter().flat_map(|&bb| ir::instructions(bb)) {
        let Some((c, a, b)) = chosen(sel) else {
            continue;
        };
        if !listed(a) || !listed(b) {
            continue;
        }
        let accesses: Vec<LLVMValueRef> = ir::users(sel).into_iter().map(|(u, _)| u).collect();
        let mut loads = Vec::new();
        for &load in accesses.iter().filter(|u| is_load(u)) {
            builder.position_before(load);
            loads.push((load, copy_to(&builder, load, a), copy_to(&builder, load, b)));
        }
        let faults = loads.iter().any(|&(_, la, lb)| {
            !ctx.shim.safe_to_load_at(la, la) || !ctx.shim.safe_to_load_at(lb, lb)
        });
        if faults {
            for (_, la, lb) in loads {
                ir::erase(la);
                ir::erase(lb);
            }
            continue;
        }
        let stores: Vec<LLVMValueRef> = accesses.into_iter().filter(|u| !is_load(u)).collect();
        choices.push((sel, c, a, b, loads, stores));
    }
    let mut split = Vec::new();
    for (sel, c, a, b, loads, stores) in choices {
        for (load, la, lb) in loads {
            builder.position_before(load);
            let v = builder.select(c, la, lb, "chosen");
            ir::replace_uses(load, v);
            ir::erase(load);
        }
        for store in stores {
            // [.. store rest..] -> [..] br %c, [store a], [store b]; both to [rest..].
            let Some(next) = ir::next_instruction(store) else {
                continue;
            };
            let this = ctx.shim.split_before(store, "chosen.store");
            let rest = ctx.shim.split_before(next, "chosen.rest");
            let Some(&before) = ir::predecessors(this).first() else {
                continue;
            };
            let other = builder.block_before(rest, "chosen.store.other");
            builder.position_at_end(other);
            builder.set_location(Builder::location_of(store));
            copy_to(&builder, store, b);
            builder.br(rest);
            Builder::erase_terminator(before);
            builder.position_at_end(before);
            builder.cond_br(c, this, other);
            // SAFETY: store is a live store; its address operand gets a pointer.
            unsafe { llvm_sys::core::LLVMSetOperand(store, 1, a) };
        }
        if ir::users(sel).is_empty() {
            ir::erase(sel);
        }
        split.extend(global_of(a));
        split.extend(global_of(b));
    }
    split
}
