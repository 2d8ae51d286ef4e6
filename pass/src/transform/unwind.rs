//! System calls that C++ invokes: `invoke @read(..) to label %ok unwind label %lpad`.
//!
//! C++ calls a function that is not `noexcept` with `invoke` wherever an exception would have
//! somewhere to go: inside a `try`, or where objects with destructors are alive (an RAII
//! descriptor, a `std::vector` buffer, a `std::string`). glibc's system call wrappers are not
//! `noexcept` (they are cancellation points), so a C++ copy loop over RAII objects invokes
//! `read` and `write`, and an invoke ends its block with two successors: no straight line
//! runs through it, and the scan (which takes calls) finds no site there.
//!
//! A wrapper throws no exception. The one way it leaves other than by returning is a thread's
//! cancellation (`pthread_cancel`, deferred: the cancelled thread unwinds from the call,
//! running the landing pads), and the calls of a multi-call are not cancellation points
//! either. A module that calls `pthread_cancel` is left as it is (`ir::LeftAlone`); in any
//! other, an invoke of a system call's
//! wrapper on a hot edge of the profile becomes a call followed by a branch to its normal
//! destination (LLVM's `changeToCall`), and its landing pad loses that edge (it goes when
//! nothing else unwinds there). It runs before inlining and again after it: an invoked
//! helper's calls, inlined, invoke the host's landing pad. Each is a remark `InvokeToCall`.

use indexmap::IndexSet;

use llvm_sys::prelude::LLVMValueRef;

use crate::context::Context;
use crate::ir;
use crate::remarks::Remark;
use crate::sites;

use super::Changed;

/// The system calls (by their trace names) on the profile's edges that are at least
/// `min_weight` heavy.
fn hot_syscalls(profile: &syscluster_profile::format::Profile, min_weight: u64) -> IndexSet<&str> {
    let mut hot = IndexSet::new();
    for e in profile.edges.iter().filter(|e| e.weight >= min_weight) {
        for n in [e.from, e.to] {
            if let Some(node) = profile.nodes.get(n) {
                hot.insert(node.syscall.as_str());
            }
        }
    }
    hot
}

/// The invokes of the module whose callee is a lowerable system call's wrapper that a hot
/// edge names, in function and block order.
fn hot_invokes(ctx: &Context<'_>, hot: &IndexSet<&str>) -> Vec<(LLVMValueRef, LLVMValueRef)> {
    let mut out = Vec::new();
    for f in ir::defined_functions(ctx.module)
        .into_iter()
        .filter(|&f| ir::left_alone(f).is_none())
    {
        for b in ir::blocks(f) {
            let Some(t) = ir::terminator(b) else {
                continue;
            };
            if !ir::is_invoke(t) {
                continue;
            }
            let Some(callee) = ir::called_function(t) else {
                continue;
            };
            let Some(w) = syscluster_profile::catalogue::wrapper(&ir::name(callee)) else {
                continue;
            };
            if w.lowerable && w.trace_names.iter().any(|n| hot.contains(n)) {
                out.push((f, t));
            }
        }
    }
    out
}

/// Makes the hot invokes of system calls' wrappers calls (see the module's documentation).
pub(crate) fn run(ctx: &mut Context<'_>, _scan: &sites::Scan) -> Changed {
    let Some(profile) = ctx.profile.clone() else {
        return Changed::No;
    };
    let hot = hot_syscalls(&profile, ctx.cfg.min_weight);
    let invokes = hot_invokes(ctx, &hot);
    if invokes.is_empty() {
        return Changed::No;
    }
    let mut changed = Changed::No;
    let mut functions: Vec<LLVMValueRef> = Vec::new();
    for (f, inv) in invokes {
        let callee = ir::called_function(inv).map(ir::name).unwrap_or_default();
        let pad = ir::block_name(ir::invoke_unwind_dest(inv));
        let Some(call) = ctx.shim.invoke_to_call(inv) else {
            continue;
        };
        changed = Changed::Yes;
        ctx.remark(Remark::invoke_to_call(f, call, &callee, &pad));
        if !functions.contains(&f) {
            functions.push(f);
        }
    }
    // Only once every invoke is a call: a landing pad left unreachable may hold another.
    for f in functions {
        ctx.shim.remove_unreachable_blocks(f);
        ctx.shim.invalidate(f);
    }
    changed
}
