//! Rewriting a legal chain into one multi-call (the paper's Figure 7).
//!
//! For a chain `x0 = s0(a0); ...; xk = sk(ak)` with first call `c0`:
//!
//! ```text
//! entry:   %mc.entries = alloca [k+1 x %struct.mc_entry]      ; on the stack, no globals
//! at c0:   store nr/stop/stop_arg/refs/args of every entry
//!          %mc.count = k+1, or i+1 when entry i's "result != argument" needs a negative argument
//!          %mc.ret = call i64 @multicall(ptr %mc.entries, i32 %mc.count)
//! at each ci (its original position, original control flow unchanged):
//!          br (i <= %mc.ret), %mc.use.i, %mc.call.i
//!   mc.use.i:  %raw = load entries[i].result
//!              br (raw in -4095..-1), %mc.err.i, %join
//!   mc.err.i:  store -raw to *__errno_location()                 ; errno where libc set it
//!   mc.call.i: the original call (entry i did not run: the batch stopped early or failed)
//!   join:      %xi = phi [raw, mc.use.i], [-1, mc.err.i], [call, mc.call.i]
//! ```
//!
//! Every use of the original result now sees the libc-convention value at the same place, so
//! each original check still branches to its original handler with the original value and
//! errno. The fallback call keeps the program right whenever the batch ran fewer entries than
//! the original would have (a stop predicate that fired on a value the original accepts, an
//! invalid batch): entries run as a prefix, so falling back at i means falling back after i.

use llvm_sys::core::*;
use llvm_sys::debuginfo::LLVMInstructionGetDebugLoc;
use llvm_sys::prelude::*;
use llvm_sys::{LLVMIntPredicate, LLVMTypeKind};

use crate::ffi::Shim;
use crate::ir;
use crate::legality::{ArgSource, Plan, Stop};
use crate::sites::Site;

/// IR building state for one module.
pub struct Lowerer {
    module: LLVMModuleRef,
    ctx: LLVMContextRef,
    builder: LLVMBuilderRef,
    i8t: LLVMTypeRef,
    i16t: LLVMTypeRef,
    i32t: LLVMTypeRef,
    i64t: LLVMTypeRef,
    ptrt: LLVMTypeRef,
    entry_ty: LLVMTypeRef,
}

impl Drop for Lowerer {
    fn drop(&mut self) {
        // SAFETY: the builder was created by this Lowerer and is not used after drop.
        unsafe { LLVMDisposeBuilder(self.builder) }
    }
}

fn cname(s: &str) -> std::ffi::CString {
    std::ffi::CString::new(s).unwrap_or_default()
}

impl Lowerer {
    pub fn new(module: LLVMModuleRef) -> Lowerer {
        // SAFETY: module is the live module of this run; all types are created in its context.
        unsafe {
            let ctx = LLVMGetModuleContext(module);
            let i8t = LLVMInt8TypeInContext(ctx);
            let i16t = LLVMInt16TypeInContext(ctx);
            let i32t = LLVMInt32TypeInContext(ctx);
            let i64t = LLVMInt64TypeInContext(ctx);
            let ptrt = LLVMPointerTypeInContext(ctx, 0);
            let name = cname("struct.mc_entry");
            let mut entry_ty = LLVMGetTypeByName2(ctx, name.as_ptr());
            if entry_ty.is_null() {
                entry_ty = LLVMStructCreateNamed(ctx, name.as_ptr());
                let mut fields = [i32t, i8t, i8t, i16t, LLVMArrayType2(i64t, 6), i64t];
                LLVMStructSetBody(entry_ty, fields.as_mut_ptr(), fields.len() as u32, 0);
            }
            Lowerer {
                module,
                ctx,
                builder: LLVMCreateBuilderInContext(ctx),
                i8t,
                i16t,
                i32t,
                i64t,
                ptrt,
                entry_ty,
            }
        }
    }

    fn declare(
        &self,
        name: &str,
        ret: LLVMTypeRef,
        params: &mut [LLVMTypeRef],
    ) -> (LLVMValueRef, LLVMTypeRef) {
        let n = cname(name);
        // SAFETY: creating or looking up a declaration in the live module.
        unsafe {
            let fty = LLVMFunctionType(ret, params.as_mut_ptr(), params.len() as u32, 0);
            let mut f = LLVMGetNamedFunction(self.module, n.as_ptr());
            if f.is_null() {
                f = LLVMAddFunction(self.module, n.as_ptr(), fty);
            }
            (f, fty)
        }
    }

    fn c64(&self, v: i64) -> LLVMValueRef {
        // SAFETY: constant creation in the module's context.
        unsafe { LLVMConstInt(self.i64t, v as u64, 1) }
    }
    fn c32(&self, v: u32) -> LLVMValueRef {
        // SAFETY: as above.
        unsafe { LLVMConstInt(self.i32t, u64::from(v), 0) }
    }

    /// Pointer to field `field` (and array index `index`) of entry `entry`.
    fn field(
        &self,
        entries: LLVMValueRef,
        arr_ty: LLVMTypeRef,
        entry: usize,
        field: u32,
        index: Option<u32>,
    ) -> LLVMValueRef {
        let mut idx = vec![self.c64(0), self.c64(entry as i64), self.c32(field)];
        if let Some(k) = index {
            idx.push(self.c32(k));
        }
        let n = cname("");
        // SAFETY: the indices are in range for [N x %struct.mc_entry].
        unsafe {
            LLVMBuildInBoundsGEP2(
                self.builder,
                arr_ty,
                entries,
                idx.as_mut_ptr(),
                idx.len() as u32,
                n.as_ptr(),
            )
        }
    }

    fn store(&self, v: LLVMValueRef, p: LLVMValueRef) {
        // SAFETY: p points into the entry array; v has the field's type.
        unsafe {
            LLVMBuildStore(self.builder, v, p);
        }
    }

    /// An argument as the i64 the kernel receives: sign-extended integers, pointer bits.
    fn as_i64(&self, v: LLVMValueRef) -> LLVMValueRef {
        let t = ir::type_of(v);
        let n = cname("");
        // SAFETY: v is an integer (<= 64 bits) or a pointer (sites.rs checked).
        unsafe {
            match ir::type_kind(t) {
                LLVMTypeKind::LLVMPointerTypeKind => {
                    LLVMBuildPtrToInt(self.builder, v, self.i64t, n.as_ptr())
                }
                _ if ir::int_width(t) == 64 => v,
                _ => LLVMBuildSExt(self.builder, v, self.i64t, n.as_ptr()),
            }
        }
    }

    fn position_before(&self, inst: LLVMValueRef) {
        // SAFETY: inst is a live instruction; its debug location (possibly null) is copied.
        unsafe {
            LLVMPositionBuilderBefore(self.builder, inst);
            LLVMSetCurrentDebugLocation2(self.builder, LLVMInstructionGetDebugLoc(inst));
        }
    }
    fn position_at_end(&self, b: LLVMBasicBlockRef) {
        // SAFETY: b is a live block.
        unsafe { LLVMPositionBuilderAtEnd(self.builder, b) }
    }

    /// Rewrites one chain. The plan's legality must have been settled on unchanged IR.
    /// `replaced` maps calls of chains lowered before to the values that now stand for their
    /// results (an argument of this chain may be one); this chain's calls are added to it.
    pub fn lower(
        &self,
        shim: &Shim,
        sites: &[Site],
        plan: &Plan,
        replaced: &mut std::collections::HashMap<LLVMValueRef, LLVMValueRef>,
    ) {
        let n = plan.calls.len();
        let first = sites[plan.calls[0]].call;
        let f = sites[plan.calls[0]].function;
        let (multicall, mc_ty) = self.declare("multicall", self.i64t, &mut [self.ptrt, self.i32t]);
        let (errno_fn, errno_ty) = self.declare("__errno_location", self.ptrt, &mut []);
        // SAFETY (whole block): every value and block used below belongs to function f of the
        // live module; the builder is positioned before each instruction it emits, and blocks
        // are split only at non-phi instructions (calls and the instruction after a call).
        unsafe {
            // The entry array, in the entry block.
            let arr_ty = LLVMArrayType2(self.entry_ty, n as u64);
            let entry_block = LLVMGetEntryBasicBlock(f);
            let first_inst = LLVMGetFirstInstruction(entry_block);
            LLVMPositionBuilderBefore(self.builder, first_inst);
            LLVMSetCurrentDebugLocation2(self.builder, std::ptr::null_mut());
            let an = cname("mc.entries");
            let entries = LLVMBuildAlloca(self.builder, arr_ty, an.as_ptr());
            LLVMSetAlignment(entries, 8);

            // Set up every entry at the first call.
            self.position_before(first);
            let mut count = self.c32(n as u32);
            let mut guards = Vec::new();
            for (i, &c) in plan.calls.iter().enumerate() {
                let site = &sites[c];
                let (stop, stop_arg) = plan.stops[i].code();
                let mut refs: u16 = 0;
                for (k, a) in plan.args[i].iter().enumerate() {
                    let word = match *a {
                        ArgSource::Zero => self.c64(0),
                        ArgSource::Value(v) => self.as_i64(*replaced.get(&v).unwrap_or(&v)),
                        ArgSource::Ref(m) => {
                            refs |= 1 << k;
                            self.c64(m as i64)
                        }
                    };
                    self.store(word, self.field(entries, arr_ty, i, 4, Some(k as u32)));
                    if let (Stop::NeArg(j), ArgSource::Value(_)) = (plan.stops[i], a) {
                        if usize::from(j) == k {
                            guards.push((i, word));
                        }
                    }
                }
                for k in plan.args[i].len()..6 {
                    self.store(
                        self.c64(0),
                        self.field(entries, arr_ty, i, 4, Some(k as u32)),
                    );
                }
                let nr = site.nr.unwrap_or(0);
                self.store(
                    LLVMConstInt(self.i32t, u64::from(nr), 0),
                    self.field(entries, arr_ty, i, 0, None),
                );
                self.store(
                    LLVMConstInt(self.i8t, u64::from(stop), 0),
                    self.field(entries, arr_ty, i, 1, None),
                );
                self.store(
                    LLVMConstInt(self.i8t, u64::from(stop_arg), 0),
                    self.field(entries, arr_ty, i, 2, None),
                );
                self.store(
                    LLVMConstInt(self.i16t, u64::from(refs), 0),
                    self.field(entries, arr_ty, i, 3, None),
                );
            }
            // "result != argument" is exact only for a non-negative argument (a negative one
            // may equal a raw error although libc's -1 does not): end the batch there instead.
            for &(i, word) in guards.iter().rev() {
                let neg = cname("mc.negarg");
                let cnt = cname("mc.count");
                let c = LLVMBuildICmp(
                    self.builder,
                    LLVMIntPredicate::LLVMIntSLT,
                    word,
                    self.c64(0),
                    neg.as_ptr(),
                );
                count =
                    LLVMBuildSelect(self.builder, c, self.c32(i as u32 + 1), count, cnt.as_ptr());
            }
            let rn = cname("mc.ret");
            let mut margs = [entries, count];
            let ret = LLVMBuildCall2(
                self.builder,
                mc_ty,
                multicall,
                margs.as_mut_ptr(),
                2,
                rn.as_ptr(),
            );

            // Hand each result out at its call's original position.
            for (i, &c) in plan.calls.iter().enumerate() {
                let call = sites[c].call;
                let dbg = LLVMInstructionGetDebugLoc(call);
                let Some(after) = ir::next_instruction(call) else {
                    continue;
                };
                let fallback = shim.split_before(call, &format!("mc.call.{i}"));
                let join = shim.split_before(after, &format!("mc.join.{i}"));
                let head = LLVMGetPreviousBasicBlock(fallback);
                let use_n = cname(&format!("mc.use.{i}"));
                let err_n = cname(&format!("mc.err.{i}"));
                let use_b = LLVMInsertBasicBlockInContext(self.ctx, fallback, use_n.as_ptr());
                let err_b = LLVMInsertBasicBlockInContext(self.ctx, fallback, err_n.as_ptr());
                // head: replace "br fallback" by the test whether entry i ran.
                let old = LLVMGetBasicBlockTerminator(head);
                LLVMInstructionEraseFromParent(old);
                self.position_at_end(head);
                LLVMSetCurrentDebugLocation2(self.builder, dbg);
                let ran_n = cname(&format!("mc.ran.{i}"));
                let ran = LLVMBuildICmp(
                    self.builder,
                    LLVMIntPredicate::LLVMIntSGE,
                    ret,
                    self.c64(i as i64),
                    ran_n.as_ptr(),
                );
                LLVMBuildCondBr(self.builder, ran, use_b, fallback);
                // use: the raw result, and whether it is an error.
                self.position_at_end(use_b);
                LLVMSetCurrentDebugLocation2(self.builder, dbg);
                let raw_n = cname(&format!("mc.raw.{i}"));
                let raw_p = self.field(entries, arr_ty, i, 5, None);
                let raw = LLVMBuildLoad2(self.builder, self.i64t, raw_p, raw_n.as_ptr());
                let iserr_n = cname(&format!("mc.iserr.{i}"));
                let iserr = LLVMBuildICmp(
                    self.builder,
                    LLVMIntPredicate::LLVMIntUGT,
                    raw,
                    self.c64(-4096),
                    iserr_n.as_ptr(),
                );
                LLVMBuildCondBr(self.builder, iserr, err_b, join);
                // err: errno = -raw, as libc does.
                self.position_at_end(err_b);
                LLVMSetCurrentDebugLocation2(self.builder, dbg);
                let e = cname("");
                let loc = LLVMBuildCall2(
                    self.builder,
                    errno_ty,
                    errno_fn,
                    std::ptr::null_mut(),
                    0,
                    e.as_ptr(),
                );
                let neg = LLVMBuildNeg(self.builder, raw, e.as_ptr());
                let neg32 = LLVMBuildTrunc(self.builder, neg, self.i32t, e.as_ptr());
                LLVMBuildStore(self.builder, neg32, loc);
                LLVMBuildBr(self.builder, join);
                // join: the libc-convention value replaces the call's result.
                let ty = ir::type_of(call);
                if ir::type_kind(ty) == LLVMTypeKind::LLVMVoidTypeKind {
                    continue;
                }
                let (ok_v, err_v) = {
                    self.position_at_end(use_b);
                    // Convert before use_b's terminator.
                    LLVMPositionBuilderBefore(self.builder, LLVMGetBasicBlockTerminator(use_b));
                    let cn = cname("");
                    let ok_v = match ir::type_kind(ty) {
                        LLVMTypeKind::LLVMPointerTypeKind => {
                            LLVMBuildIntToPtr(self.builder, raw, ty, cn.as_ptr())
                        }
                        _ if ir::int_width(ty) == 64 => raw,
                        _ => LLVMBuildTrunc(self.builder, raw, ty, cn.as_ptr()),
                    };
                    let err_v = match ir::type_kind(ty) {
                        LLVMTypeKind::LLVMPointerTypeKind => {
                            LLVMConstIntToPtr(LLVMConstInt(self.i64t, u64::MAX, 1), ty)
                        }
                        _ => LLVMConstInt(ty, u64::MAX, 1),
                    };
                    (ok_v, err_v)
                };
                LLVMPositionBuilderBeforeInstrAndDbgRecords(
                    self.builder,
                    LLVMGetFirstInstruction(join),
                );
                LLVMSetCurrentDebugLocation2(self.builder, dbg);
                let pn = cname(&format!("mc.result.{i}"));
                let phi = LLVMBuildPhi(self.builder, ty, pn.as_ptr());
                LLVMReplaceAllUsesWith(call, phi);
                replaced.insert(call, phi);
                let mut vals = [ok_v, err_v, call];
                let mut blocks = [use_b, err_b, fallback];
                LLVMAddIncoming(phi, vals.as_mut_ptr(), blocks.as_mut_ptr(), 3);
            }
        }
    }
}
