//! Loads that are the same in every iteration, out of a loop that would otherwise be one
//! looped multi-call (loop-invariant code motion with the catalogue's memory model).
//!
//! A descriptor kept in a local array that a system call filled before the loop, as
//! `int sv[2]; socketpair(..., sv); while ((n = read(0, buf, N)) > 0) send(sv[1], buf, n, 0);`,
//! is loaded again in every iteration at `-O2`: LLVM cannot know that `read` and `send` leave
//! `sv` alone, since its address went to `socketpair`. The load is an argument computed in the
//! loop, so the loop is refused whole (`VariantArgument`). The kernel keeps no pointer a call
//! gave it, so an array whose address only ever went to system calls (and to loads) is written
//! by nothing but those calls; when no call of the loop is given its address and no store of
//! the loop writes it, the load reads the same value in every iteration, and it moves to the
//! end of the loop's preheader (with its address, when that is computed in the loop from the
//! array and constants). A stack array is always there to read, so the load cannot fault on
//! the way into the loop, even when the loop is not entered; a signal handler cannot reach an
//! array whose address was never stored anywhere.
//!
//! A global variable of the program's own is read the same way: internal to the module (as
//! link-time optimisation makes every variable no library sees), not thread-local, its
//! address used only by loads, stores and calls that keep no copy of it (a system call the
//! catalogue describes, a `nocapture` argument, `memset`), nothing in the loop writing the
//! bytes the load reads (a store to another field, a `read` into the struct's buffer after
//! them, is no matter: `extents`), and no function that may write it able to run while the
//! loop runs (`globals::undisturbed`: none reached from a call of the loop, none a signal
//! handler or other function whose address is taken, or one they call, none that code in
//! other files may call, which may be their signal handler). coreutils'
//! `cat` loads its input descriptor from the global `input_desc` at the top of each iteration
//! of its copy loop; gzip's `fill_inbuf` loads `ifd`, which `treat_file` sets, in its read
//! loop. Such a load
//! moves only where LLVM knows it cannot fault (`isSafeToLoadUnconditionally`); a volatile
//! load never moves.
//!
//! A variable a copy helper reads through the pointer it was given (`pump(&job)` reading
//! `j->in`, `j->out`) moves the same way when `pointees` proves what it proves for keeping such
//! a variable in a register: every caller passes a pointer into a local variable or fresh
//! memory of its own whose address goes nowhere else, the bytes lie inside it (so the load
//! cannot fault before the loop), and nothing in the loop writes them
//! (`pointees::invariant_load`).
//!
//! A field of a struct the program stored before the loop, which GVN reloads at the latch and
//! carries in a header phi from the stored value (`j.in = open(..)`, then `read(j.in, ..)` in
//! the loop), is the stored value in every iteration when nothing in the loop writes the
//! field: the reload moves to the preheader, and where what it reads there is the phi's value
//! on the way in (`Shim::available_value`), the phi's uses take that value (`reloaded`).
//!
//! An argument computed in the loop only from values set before it, by work that touches no
//! memory and cannot trap (`buf + 0` that peeling a write-all loop's first iteration leaves in
//! the loop around it, a cast of a descriptor), moves with the instructions it is computed
//! from: the preheader dominates every use it had.
//!
//! Only loads and values in a loop that a refusal names are moved: the argument of a call
//! computed in the loop (`VariantArgument`, `LateArgument`), code before the first call in the
//! header (`HeaderCode`) or a load between the calls (`LoopLoad`). Each move is a remark
//! `Hoisted`; a value that does not qualify keeps its refusal.

use indexmap::IndexSet;

use llvm_sys::prelude::{LLVMBasicBlockRef, LLVMValueRef};
use llvm_sys::LLVMOpcode;

use super::duplicate::{HOT_SHARE, MIN_WEIGHT};
use super::extents::{self, Bytes, Touch};
use super::globals::{address_uses, undisturbed, CallGraph, Keeping};
use super::reheader::heads_loop;
use super::{Changed, Hot};
use crate::context::Context;
use crate::ir;
use crate::legality::{loop_blocks, way_in, Reason};
use crate::remarks::{HoistedFrom, Remark};
use crate::shim::flags;

/// The stack array `v` points into (through `getelementptr`s with constant indices), with
/// the address computations on the way from it, innermost last.
fn array_of(mut v: LLVMValueRef) -> Option<(LLVMValueRef, Vec<LLVMValueRef>)> {
    let mut geps = Vec::new();
    for _ in 0..8 {
        if !ir::is_instruction(v) {
            return None;
        }
        match ir::opcode(v) {
            LLVMOpcode::LLVMAlloca => {
                geps.reverse();
                return Some((v, geps));
            }
            LLVMOpcode::LLVMGetElementPtr => {
                let n = ir::num_operands(v);
                if (1..n).any(|k| ir::const_int(ir::operand(v, k)).is_none()) {
                    return None;
                }
                geps.push(v);
                v = ir::operand(v, 0);
            }
            _ => return None,
        }
    }
    None
}

/// Whether `call` calls a C library wrapper of a system call (the catalogue's).
fn is_system_call(call: LLVMValueRef) -> bool {
    ir::called_function(call)
        .is_some_and(|f| syscluster_profile::catalogue::wrapper(&ir::name(f)).is_some())
}

/// Whether `call` is a `memset`, or a `memcpy`/`memmove` whose destination `p` is: it writes
/// the bytes at `p` and keeps nothing (`struct job job = {0};`).
fn fills(call: LLVMValueRef, p: LLVMValueRef) -> bool {
    let args = ir::call_args(call);
    // A memset's other arguments are a byte and a length: only its destination is a pointer.
    ir::is_memory_intrinsic(call) && args.first() == Some(&p) && !args[1..].contains(&p)
}

/// Every instruction that uses the array `array`'s address, directly or through address
/// computations, if the address goes only to loads, stores into it, lifetime markers,
/// `memset`/`memcpy` into it and system calls: `None` when it goes anywhere else (stored as
/// a value, given to other code).
fn array_uses(shim: &crate::shim::Shim, array: LLVMValueRef) -> Option<Vec<LLVMValueRef>> {
    let mut out = Vec::new();
    let mut todo = vec![array];
    let mut seen = IndexSet::new();
    while let Some(p) = todo.pop() {
        if !seen.insert(p) || seen.len() > 256 {
            return None;
        }
        for (user, _) in ir::users(p) {
            match ir::opcode(user) {
                LLVMOpcode::LLVMGetElementPtr if ir::operand(user, 0) == p => todo.push(user),
                LLVMOpcode::LLVMLoad => out.push(user),
                // Into the array, not the address itself as the value stored.
                LLVMOpcode::LLVMStore if ir::operand(user, 0) != p => out.push(user),
                LLVMOpcode::LLVMCall
                    if is_system_call(user)
                        || shim.inst_flags(user) & flags::LIFETIME != 0
                        || fills(user, p) =>
                {
                    out.push(user)
                }
                _ => return None,
            }
        }
    }
    Some(out)
}

/// The global variable `v` points into (through `getelementptr`s with constant indices):
/// not thread-local, with a definition in the module or not.
pub(super) fn global_of(mut v: LLVMValueRef) -> Option<LLVMValueRef> {
    for _ in 0..8 {
        // SAFETY: v is a live value; it is only tested for its kind.
        let global = unsafe { !llvm_sys::core::LLVMIsAGlobalVariable(v).is_null() };
        if global {
            // SAFETY: v is a global variable.
            let tls = unsafe { llvm_sys::core::LLVMIsThreadLocal(v) != 0 };
            return (!tls).then_some(v);
        }
        let gep = ir::is_instruction(v) || ir::is_constant(v);
        if !gep || ir::opcode_of_any(v) != Some(LLVMOpcode::LLVMGetElementPtr) {
            return None;
        }
        let n = ir::num_operands(v);
        if (1..n).any(|k| ir::const_int(ir::operand(v, k)).is_none()) {
            return None;
        }
        v = ir::operand(v, 0);
    }
    None
}

/// Whether the global variable `global` is the program's own and nothing writes the bytes
/// `load` reads while the loop of `blocks` runs: internal to the module (with link-time
/// optimisation, the whole program), its address used only by loads, stores and calls that
/// keep no copy of it (`globals::address_uses`), nothing in the loop writing those bytes (a
/// store, or a system call's buffer, elsewhere in the variable is no matter), and no function
/// that may write it able to run while the loop runs (`globals::undisturbed`: none reached from
/// the loop's calls, none a signal handler that may return or a callback, or called by one,
/// none that other files may call).
fn unwritten_in(
    shim: &crate::shim::Shim,
    graph: &CallGraph,
    global: LLVMValueRef,
    load: LLVMValueRef,
    blocks: &IndexSet<LLVMBasicBlockRef>,
) -> bool {
    if !ir::is_internal_global(global) {
        return false;
    }
    let Some(here) = extents::offset_in(shim, global, ir::operand(load, 0))
        .and_then(|off| Bytes::of_access(shim, load, off))
    else {
        return false;
    };
    let Ok(writers) = address_uses(shim, global, here, None, blocks, Keeping::Load) else {
        return false;
    };
    // A writer that other files may call could be their signal handler (the loop's own
    // function aside: its stores before the loop are this run's).
    let function = blocks.iter().next().map(|&b| ir::block_function(b));
    let others: Vec<LLVMValueRef> = writers
        .iter()
        .copied()
        .filter(|&f| Some(f) != function)
        .collect();
    undisturbed(graph, &writers, blocks, "writes it", true).is_ok()
        && !graph.reachable_from_outside(&others)
}

/// Why `load` may not leave the loop of `blocks`, or its address computations to move with it.
fn invariant(
    shim: &crate::shim::Shim,
    graph: &CallGraph,
    load: LLVMValueRef,
    blocks: &IndexSet<LLVMBasicBlockRef>,
) -> Option<Vec<LLVMValueRef>> {
    if !ir::is_instruction(load)
        || ir::opcode(load) != LLVMOpcode::LLVMLoad
        || !ir::simple_access(load)
        || !blocks.contains(&ir::parent_block(load))
    {
        return None;
    }
    // A global variable nothing in the loop writes (its address is a constant).
    if let Some(global) = global_of(ir::operand(load, 0)) {
        let address_in_loop = ir::is_instruction(ir::operand(load, 0));
        return (!address_in_loop && unwritten_in(shim, graph, global, load, blocks))
            .then(Vec::new);
    }
    let (array, geps) = array_of(ir::operand(load, 0))?;
    if blocks.contains(&ir::parent_block(array)) {
        return None;
    }
    // In the loop, nothing writes the bytes the load reads: no store, no call is given a
    // pointer to them (a store to another field, a `read` into a buffer after them, is no
    // matter: `extents`).
    let in_loop = |i: LLVMValueRef| blocks.contains(&ir::parent_block(i));
    let offset = |v: LLVMValueRef| extents::offset_in(shim, array, v);
    let here = offset(ir::operand(load, 0)).and_then(|off| Bytes::of_access(shim, load, off));
    let writes_in_loop = array_uses(shim, array)?.into_iter().any(|u| {
        in_loop(u)
            && match (ir::opcode(u), here) {
                (LLVMOpcode::LLVMLoad, _) => false,
                (LLVMOpcode::LLVMStore, Some(here)) => offset(ir::operand(u, 1))
                    .and_then(|off| Bytes::of_access(shim, u, off))
                    .is_none_or(|b| b.overlaps(&here)),
                (LLVMOpcode::LLVMCall, Some(here)) if shim.inst_flags(u) & flags::LIFETIME == 0 => {
                    // Every pointer into the array the call is given at a known offset.
                    let unknown = ir::call_args(u).into_iter().any(|a| {
                        ir::type_kind(ir::type_of(a)) == llvm_sys::LLVMTypeKind::LLVMPointerTypeKind
                            && shim.underlying_object(a) == array
                            && offset(a).is_none()
                    });
                    unknown || extents::call_leaves(shim, u, Touch::Writes, &offset, here).is_err()
                }
                _ => true,
            }
    });
    if writes_in_loop {
        return None;
    }
    // The address computations in the loop move too; they must serve nothing else there.
    let moving: Vec<LLVMValueRef> = geps.into_iter().filter(|&g| in_loop(g)).collect();
    for &g in &moving {
        if ir::users(g).len() != 1 {
            return None;
        }
    }
    Some(moving)
}

/// The instructions of the loop of `blocks` that `v` is computed from, operands first, `v`
/// last, when each is speculatable work that reads no memory (no phi, load or call) and
/// everything else they use is set before the loop; `None` otherwise (or deeper than
/// `depth`).
fn computed_before(
    shim: &crate::shim::Shim,
    v: LLVMValueRef,
    blocks: &IndexSet<LLVMBasicBlockRef>,
    depth: u32,
) -> Option<Vec<LLVMValueRef>> {
    if !ir::is_instruction(v) || !blocks.contains(&ir::parent_block(v)) {
        return Some(Vec::new());
    }
    let f = shim.inst_flags(v);
    let pure = f & flags::SPECULATABLE != 0
        && f & (flags::SIDE_EFFECTS | flags::READS_MEMORY) == 0
        && !matches!(
            ir::opcode(v),
            LLVMOpcode::LLVMPHI | LLVMOpcode::LLVMCall | LLVMOpcode::LLVMLoad
        );
    if depth == 0 || !pure {
        return None;
    }
    let mut out = Vec::new();
    for k in 0..ir::num_operands(v) {
        for inst in computed_before(shim, ir::operand(v, k), blocks, depth - 1)? {
            if !out.contains(&inst) {
                out.push(inst);
            }
        }
    }
    out.push(v);
    Some(out)
}

/// Moves `moving` (what a value is computed from first) to just before `end`, the terminator
/// of a loop's preheader, and reports it by `remark`.
fn move_out(
    ctx: &mut Context<'_>,
    moving: impl IntoIterator<Item = LLVMValueRef>,
    end: LLVMValueRef,
    remark: Remark,
) -> Changed {
    for inst in moving {
        ctx.shim.move_before(inst, end);
    }
    ctx.shim
        .invalidate(ir::block_function(ir::parent_block(end)));
    ctx.remark(remark);
    Changed::Yes
}

/// A phi of the loop's `header` that takes a value `a` on the way in and, on every way round,
/// a load of memory nothing in the loop writes (GVN's reload at the latch of a field the
/// program stored before the loop: `job.in = open(..); for (;;) { read(job.in, ..); .. }`
/// with the struct's address given to the loop's `read`): the load moves to the preheader
/// (`invariant`), and where what it reads there is `a` itself (the store of `a` before the
/// loop, with nothing on the way writing the memory: `Shim::available_value`), the phi is `a`
/// in every iteration, its uses take `a` and it is erased (the second answer).
fn reloaded(
    ctx: &mut Context<'_>,
    graph: &CallGraph,
    phi: LLVMValueRef,
    header: LLVMBasicBlockRef,
    blocks: &IndexSet<LLVMBasicBlockRef>,
    first: &crate::sites::Site,
) -> (Changed, bool) {
    let Some(pre) = way_in(header, blocks).ok() else {
        return (Changed::No, false);
    };
    let incoming = ir::incoming(phi);
    let entry: Vec<LLVMValueRef> = incoming
        .iter()
        .filter(|&&(_, b)| b == pre)
        .map(|&(v, _)| v)
        .collect();
    let mut round: Vec<LLVMValueRef> = incoming
        .iter()
        .filter(|&&(_, b)| b != pre)
        .map(|&(v, _)| v)
        .collect();
    round.dedup();
    let (&[a], &[l]) = (&entry[..], &round[..]) else {
        return (Changed::No, false);
    };
    let in_loop = ir::is_instruction(l) && blocks.contains(&ir::parent_block(l));
    if !in_loop || ir::opcode(l) != LLVMOpcode::LLVMLoad || ir::users(l).len() != 1 {
        return (Changed::No, false);
    }
    let (Some(moving), Some(end)) = (invariant(ctx.shim, graph, l, blocks), ir::terminator(pre))
    else {
        return (Changed::No, false);
    };
    let global = global_of(ir::operand(l, 0)).is_some();
    if global && !ctx.shim.safe_to_load_at(l, end) {
        return (Changed::No, false);
    }
    let remark = Remark::hoisted(
        l,
        first,
        if global {
            HoistedFrom::Global
        } else {
            HoistedFrom::Array
        },
    );
    move_out(ctx, moving.into_iter().chain([l]), end, remark);
    if ctx.shim.available_value(l) != Some(a) {
        return (Changed::Yes, false);
    }
    ctx.remark(Remark::reload_folded(phi, a, first));
    ir::replace_uses(phi, a);
    ir::erase(phi);
    ctx.shim.invalidate(ir::block_function(header));
    (Changed::Yes, true)
}

/// Moves the loop-invariant loads that whole-loop refusals name to their loops' preheaders.
pub(crate) fn run(ctx: &mut Context<'_>, hot: &mut Hot<'_>) -> Changed {
    let sites = hot.sites;
    let heaviest = hot.pairs.iter().map(|p| p.weight).max().unwrap_or(0);
    let today = hot.today(ctx);
    let mut changed = Changed::No;
    // The call graph changes only with calls: moving loads keeps it.
    let mut graph: Option<CallGraph> = None;
    // Phis folded into their value and erased: refusals and sites that name them are stale
    // (the sites are scanned again after this transformation).
    let mut erased: IndexSet<LLVMValueRef> = IndexSet::new();
    for r in today.refused.iter().chain(&today.loops_refused) {
        let load = match r.refusal.reason {
            Reason::VariantArgument { value, .. } | Reason::LateArgument { value, .. } => value,
            Reason::HeaderCode { inst, .. } => inst,
            Reason::LoopLoad { load } => load,
            _ => continue,
        };
        if erased.contains(&load) {
            continue;
        }
        if r.weight < MIN_WEIGHT || r.weight.saturating_mul(HOT_SHARE) < heaviest {
            continue;
        }
        // The loop is the one headed by the block of either call of the refused back edge,
        // or by the load's own block (a loop whose header comes before the first call).
        let header = [r.b, r.a]
            .into_iter()
            .map(|s| ir::parent_block(sites[s].call))
            .chain([ir::parent_block(load)])
            .find(|&h| {
                heads_loop(ctx.shim, h)
                    && loop_blocks(ctx.shim, h).contains(&ir::parent_block(load))
            });
        let Some(header) = header else {
            continue;
        };
        let blocks: IndexSet<LLVMBasicBlockRef> =
            loop_blocks(ctx.shim, header).into_iter().collect();
        if ir::is_phi(load) && ir::parent_block(load) == header {
            let graph = graph.get_or_insert_with(|| CallGraph::of(ctx.module));
            let (moved, folded) = reloaded(ctx, graph, load, header, &blocks, &sites[r.b]);
            if moved == Changed::Yes {
                changed = Changed::Yes;
            }
            if folded {
                erased.insert(load);
            }
            continue;
        }
        if ir::opcode(load) != LLVMOpcode::LLVMLoad {
            let (Some(moving), Some(end)) = (
                computed_before(ctx.shim, load, &blocks, 8),
                way_in(header, &blocks).ok().and_then(ir::terminator),
            ) else {
                continue;
            };
            changed = move_out(ctx, moving, end, Remark::hoisted_value(load, &sites[r.b]));
            continue;
        }
        let (Some(moving), Some(pre)) = (
            invariant(
                ctx.shim,
                graph.get_or_insert_with(|| CallGraph::of(ctx.module)),
                load,
                &blocks,
            ),
            way_in(header, &blocks).ok(),
        ) else {
            continue;
        };
        let Some(end) = ir::terminator(pre) else {
            continue;
        };
        // A global's load runs on the way in even when the loop would not: it must not fault.
        let global = global_of(ir::operand(load, 0)).is_some();
        if global && !ctx.shim.safe_to_load_at(load, end) {
            continue;
        }
        let remark = Remark::hoisted(
            load,
            &sites[r.b],
            if global {
                HoistedFrom::Global
            } else {
                HoistedFrom::Array
            },
        );
        changed = move_out(ctx, moving.into_iter().chain([load]), end, remark);
    }
    // A loop refused for another reason may still load a file-scope variable nothing in it
    // writes (a descriptor `main` stored before it): the refusal legality reports is one of
    // several, and the load would be the next.
    let loops = super::refused_loops(ctx, hot, |_| true);
    for (header, _, b) in loops {
        let order = loop_blocks(ctx.shim, header);
        let blocks: IndexSet<LLVMBasicBlockRef> = order.iter().copied().collect();
        let Some(end) = way_in(header, &blocks).ok().and_then(ir::terminator) else {
            continue;
        };
        let loads: Vec<LLVMValueRef> = order
            .iter()
            .flat_map(|&bb| ir::instructions(bb))
            .filter(|&i| ir::opcode(i) == LLVMOpcode::LLVMLoad)
            .collect();
        // Arguments of the loop's system calls computed only from values set before it, and
        // those the header's phis carry from a reload on the way round.
        let (phis, values): (Vec<LLVMValueRef>, Vec<LLVMValueRef>) = order
            .iter()
            .flat_map(|&bb| ir::instructions(bb))
            .filter(|&i| ir::opcode(i) == LLVMOpcode::LLVMCall && is_system_call(i))
            .flat_map(ir::call_args)
            .partition(|&v| ir::is_phi(v) && ir::parent_block(v) == header);
        let phis: IndexSet<LLVMValueRef> = phis.into_iter().collect();
        for phi in phis {
            let graph = graph.get_or_insert_with(|| CallGraph::of(ctx.module));
            let (moved, _) = reloaded(ctx, graph, phi, header, &blocks, &sites[b]);
            if moved == Changed::Yes {
                changed = Changed::Yes;
            }
        }
        for value in values {
            let Some(moving) = computed_before(ctx.shim, value, &blocks, 8) else {
                continue;
            };
            if moving.is_empty() {
                continue;
            }
            changed = move_out(ctx, moving, end, Remark::hoisted_value(value, &sites[b]));
        }
        for load in loads {
            if global_of(ir::operand(load, 0)).is_none() {
                // Through a pointer argument into a caller's local (`pump(&job)`): the
                // proof says the bytes are there to read and nothing writes them.
                let graph = graph.get_or_insert_with(|| CallGraph::of(ctx.module));
                if ir::simple_access(load)
                    && super::pointees::invariant_load(ctx.shim, graph, load, &blocks)
                {
                    let remark = Remark::hoisted(load, &sites[b], HoistedFrom::Pointer);
                    changed = move_out(ctx, [load], end, remark);
                }
                continue;
            }
            let Some(moving) = invariant(
                ctx.shim,
                graph.get_or_insert_with(|| CallGraph::of(ctx.module)),
                load,
                &blocks,
            ) else {
                continue;
            };
            if !ctx.shim.safe_to_load_at(load, end) {
                continue;
            }
            let remark = Remark::hoisted(load, &sites[b], HoistedFrom::Global);
            changed = move_out(ctx, moving.into_iter().chain([load]), end, remark);
        }
    }
    changed
}
