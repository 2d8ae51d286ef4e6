//! Promotion of indirect calls to guarded direct calls, so that a hot edge whose calls are
//! reached through a function pointer can be brought into one function by inlining.
//!
//! Programs choose a helper once and call it through a pointer: coreutils' `dd` sets
//! `iread_fnc` to `iread` or `iread_fullblock` from its options and its copy loop calls
//! `iread_fnc (STDIN_FILENO, ibuf, size)`. The inliner (`inline.rs`) follows direct calls only,
//! so the hot edge `read` (in `iread`) -> `write` (in `iwrite`) had no function calling both.
//!
//! When the pointer is loaded from a global variable whose every value is known, this
//! transformation makes the call direct for the targets that lead to a hot edge's call, as
//! LLVM's indirect call promotion does with a value profile:
//!
//! ```text
//! before                                      after
//!   %fp = load ptr, ptr @iread_fnc              %fp = load ptr, ptr @iread_fnc
//!   %n = call i64 %fp(i32 0, ptr %b, i64 %s)    %is = icmp eq ptr %fp, @iread
//!                                               br i1 %is, label %direct, label %indirect
//!                                             direct:   %n1 = call i64 @iread(i32 0, ptr %b, i64 %s)
//!                                             indirect: %n2 = call i64 %fp(i32 0, ptr %b, i64 %s)
//!                                             join:     %n = phi i64 [%n1, %direct], [%n2, %indirect]
//! ```
//!
//! which is exact whatever the pointer holds: the compare picks the same function the
//! indirect call would have called, with the same arguments, and any other value still goes
//! through the pointer. The targets are known when the global has local linkage (a `static`
//! variable, or any variable after the link-time internalisation) and is only ever loaded and
//! stored to (its address goes nowhere else), and every value stored to it, and its
//! initialiser, is a function or null (or a `select` or `phi` of those, as `c ? f : g` is). A target is promoted when it holds a call of a hot edge
//! between functions or reaches one through at most `inline::MAX_DEPTH` direct calls, when
//! LLVM's `isLegalToPromote` accepts it (the same argument and return types): one target per
//! call, the nearest to a hot call. Each promotion gets a remark (`Promoted`); the inliner then sees
//! the direct call.

use llvm_sys::core::{
    LLVMGetFirstGlobal, LLVMGetFirstUse, LLVMGetInitializer, LLVMGetLinkage, LLVMGetNextGlobal,
    LLVMGetNextUse, LLVMGetUser, LLVMGetVolatile, LLVMIsAFunction, LLVMIsALoadInst,
    LLVMIsASelectInst, LLVMIsAStoreInst, LLVMIsConstant, LLVMIsNull, LLVMIsThreadLocal,
};
use llvm_sys::prelude::{LLVMModuleRef, LLVMValueRef};
use llvm_sys::LLVMLinkage;

use crate::context::Context;
use crate::ir;
use crate::remarks::Remark;
use crate::shim::Shim;

/// What a global variable of function pointers may hold, when that is known.
pub(super) struct Targets {
    pub global: LLVMValueRef,
    /// The functions stored to it or in its initialiser, in the order first met.
    pub functions: Vec<LLVMValueRef>,
}

/// The values a stored function pointer may be: functions (pushed to `out`) and nulls, through
/// selects and phis (at most `depth` deep); `None` when it may be anything else.
fn known_values(v: LLVMValueRef, depth: usize, out: &mut Vec<LLVMValueRef>) -> Option<()> {
    // SAFETY: v is a live value; it is asked what it is before it is used as one.
    unsafe {
        if !LLVMIsAFunction(v).is_null() {
            if !out.contains(&v) {
                out.push(v);
            }
            return Some(());
        }
        if LLVMIsConstant(v) != 0 && LLVMIsNull(v) != 0 {
            return Some(());
        }
        if depth == 0 {
            return None;
        }
        if !LLVMIsASelectInst(v).is_null() {
            known_values(ir::operand(v, 1), depth - 1, out)?;
            return known_values(ir::operand(v, 2), depth - 1, out);
        }
        if ir::is_phi(v) {
            for (value, _) in ir::incoming(v) {
                known_values(value, depth - 1, out)?;
            }
            return Some(());
        }
        None
    }
}

/// How deep [`known_values`] looks through selects and phis.
const VALUE_DEPTH: usize = 4;

/// The targets of `global` when every value it can hold is known (see the module's doc).
fn targets_of(global: LLVMValueRef) -> Option<Targets> {
    // SAFETY: global is a global variable of the module; its linkage, thread-locality and
    // initialiser are read, and its use list walked, without changing anything.
    unsafe {
        let local = matches!(
            LLVMGetLinkage(global),
            LLVMLinkage::LLVMInternalLinkage | LLVMLinkage::LLVMPrivateLinkage
        );
        if !local || LLVMIsThreadLocal(global) != 0 {
            return None;
        }
        let mut functions = Vec::new();
        let init = LLVMGetInitializer(global);
        if init.is_null() {
            return None;
        }
        known_values(init, 0, &mut functions)?;
        let mut u = LLVMGetFirstUse(global);
        while !u.is_null() {
            let user = LLVMGetUser(u);
            if !LLVMIsALoadInst(user).is_null() {
                if LLVMGetVolatile(user) != 0
                    || ir::type_kind(ir::type_of(user))
                        != llvm_sys::LLVMTypeKind::LLVMPointerTypeKind
                {
                    return None;
                }
            } else if !LLVMIsAStoreInst(user).is_null() {
                // Stored *to* the global (operand 1), not the global's address stored.
                if ir::operand(user, 1) != global || LLVMGetVolatile(user) != 0 {
                    return None;
                }
                known_values(ir::operand(user, 0), VALUE_DEPTH, &mut functions)?;
            } else {
                return None;
            }
            u = LLVMGetNextUse(u);
        }
        (!functions.is_empty()).then_some(Targets { global, functions })
    }
}

/// The module's global variables of function pointers whose values are known.
pub(super) fn known_globals(module: LLVMModuleRef) -> Vec<Targets> {
    let mut out = Vec::new();
    // SAFETY: walking the module's global variable list.
    unsafe {
        let mut g = LLVMGetFirstGlobal(module);
        while !g.is_null() {
            if let Some(t) = targets_of(g) {
                out.push(t);
            }
            g = LLVMGetNextGlobal(g);
        }
    }
    out
}

/// What an indirect call may call, and who says so.
struct Known {
    /// The functions, in the order first met.
    functions: Vec<LLVMValueRef>,
    /// The global variable the pointer is loaded from, when the targets are its values.
    global: Option<LLVMValueRef>,
}

/// The indirect calls of the module whose targets are known: from LLVM's `!callees`
/// metadata, else from the global variable the pointer is loaded from.
fn indirect_calls(
    shim: &Shim,
    module: LLVMModuleRef,
    globals: &[Targets],
) -> Vec<(LLVMValueRef, Known)> {
    let mut out = Vec::new();
    // An `optnone` function (built at -O0) is left as it is.
    for f in ir::defined_functions(module)
        .into_iter()
        .filter(|&f| ir::left_alone(f).is_none())
    {
        for b in ir::blocks(f) {
            for i in ir::instructions(b) {
                if !ir::is_call(i) || ir::called_function(i).is_some() {
                    continue;
                }
                // SAFETY: i is a call instruction; its callee operand is a live value.
                let callee = unsafe { llvm_sys::core::LLVMGetCalledValue(i) };
                // SAFETY: callee is a live value, asked what it is.
                let loaded_from = (!callee.is_null()
                    && !unsafe { LLVMIsALoadInst(callee) }.is_null())
                .then(|| ir::operand(callee, 0));
                let global = loaded_from.and_then(|g| globals.iter().find(|t| t.global == g));
                if let Some(functions) = shim.known_callees(i) {
                    out.push((
                        i,
                        Known {
                            functions,
                            global: global.map(|t| t.global),
                        },
                    ));
                } else if let Some(t) = global {
                    out.push((
                        i,
                        Known {
                            functions: t.functions.clone(),
                            global: Some(t.global),
                        },
                    ));
                }
            }
        }
    }
    out
}

/// Promotes each indirect call through a known global to a direct call of the target that is
/// closest to a call of a hot edge between functions: `distance` says how many direct calls a
/// function is from one (0: it holds one), `None` when it reaches none. Returns how many calls
/// were promoted.
pub(crate) fn run(
    ctx: &mut Context<'_>,
    distance: &dyn Fn(LLVMValueRef) -> Option<usize>,
) -> usize {
    let globals = known_globals(ctx.module);
    let mut promoted = 0;
    for (call, targets) in indirect_calls(ctx.shim, ctx.module, &globals) {
        // The nearest target, the first stored on a tie. One per call: the call stays in
        // place as the direct call, and the inliner needs only one way in.
        let Some(target) = targets
            .functions
            .iter()
            .filter_map(|&f| distance(f).map(|d| (d, f)))
            .min_by_key(|&(d, _)| d)
            .map(|(_, f)| f)
        else {
            continue;
        };
        // The remark first: it names the call as it is.
        let remark = Remark::promoted(call, target, targets.global, &targets.functions);
        match ctx.shim.promote_call(call, target) {
            Ok(()) => {
                ctx.remark(remark);
                promoted += 1;
            }
            Err(why) => ctx.remark(Remark::not_promoted(call, target, &why)),
        }
    }
    promoted
}
