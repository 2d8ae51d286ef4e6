//! An IR builder for lowering: LLVM's C builder, the ABI's types, and one small function per
//! kind of instruction the lowering emits, each with its own `unsafe` block.
//!
//! Soundness rests on one invariant, stated once here: every value, block and type passed in
//! belongs to the module the builder was made for (the lowering only passes values it got
//! from that module or built with this builder), and the builder is positioned inside a
//! block of that module before anything is emitted.

use std::ffi::CString;

use llvm_sys::core::*;
use llvm_sys::debuginfo::LLVMInstructionGetDebugLoc;
use llvm_sys::prelude::*;
use llvm_sys::{LLVMIntPredicate, LLVMOpcode, LLVMTypeKind};
use multicall_abi::{entry_field, MC_MAX_ARGS};

use crate::ir;

fn cname(s: &str) -> CString {
    CString::new(s).unwrap_or_default()
}

/// IR building state for one module.
pub(crate) struct Builder {
    module: LLVMModuleRef,
    ctx: LLVMContextRef,
    builder: LLVMBuilderRef,
    pub i8t: LLVMTypeRef,
    pub i16t: LLVMTypeRef,
    pub i32t: LLVMTypeRef,
    pub i64t: LLVMTypeRef,
    pub ptrt: LLVMTypeRef,
    /// `%struct.mc_entry = { i32 nr, i8 stop, i8 stop_arg, i16 refs, [6 x i64] args, i64 result }`
    /// (field order: `multicall_abi::entry_field`).
    pub entry_ty: LLVMTypeRef,
}

impl Drop for Builder {
    fn drop(&mut self) {
        // SAFETY: the builder was created by this Builder and is not used after drop.
        unsafe { LLVMDisposeBuilder(self.builder) }
    }
}

impl Builder {
    pub(crate) fn new(module: LLVMModuleRef) -> Builder {
        // SAFETY: module is the live module of this run; the types are created in its context.
        let (ctx, i8t, i16t, i32t, i64t, ptrt) = unsafe {
            let ctx = LLVMGetModuleContext(module);
            (
                ctx,
                LLVMInt8TypeInContext(ctx),
                LLVMInt16TypeInContext(ctx),
                LLVMInt32TypeInContext(ctx),
                LLVMInt64TypeInContext(ctx),
                LLVMPointerTypeInContext(ctx, 0),
            )
        };
        let name = cname("struct.mc_entry");
        // SAFETY: looking a named struct up in the live context.
        let mut entry_ty = unsafe { LLVMGetTypeByName2(ctx, name.as_ptr()) };
        if entry_ty.is_null() {
            let mut fields = [i32t, i8t, i8t, i16t, Self::array(i64t, MC_MAX_ARGS), i64t];
            debug_assert_eq!(fields.len() as u32, entry_field::COUNT);
            // SAFETY: a new named struct in the live context, with types of that context.
            unsafe {
                entry_ty = LLVMStructCreateNamed(ctx, name.as_ptr());
                LLVMStructSetBody(entry_ty, fields.as_mut_ptr(), fields.len() as u32, 0);
            }
        }
        // SAFETY: a builder in the live context, disposed of in Drop.
        let builder = unsafe { LLVMCreateBuilderInContext(ctx) };
        Builder {
            module,
            ctx,
            builder,
            i8t,
            i16t,
            i32t,
            i64t,
            ptrt,
            entry_ty,
        }
    }

    /// `[n x elem]`.
    pub(crate) fn array(elem: LLVMTypeRef, n: usize) -> LLVMTypeRef {
        // SAFETY: elem is a live type.
        unsafe { LLVMArrayType2(elem, n as u64) }
    }

    /// The function `name` of type `ret (params)`, declared when the module lacks it.
    pub(crate) fn declare(
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

    /// An integer constant of type `ty` (sign-extended from `v`).
    pub(crate) fn const_int(&self, ty: LLVMTypeRef, v: i64) -> LLVMValueRef {
        // SAFETY: constant creation for an integer type of the module's context.
        unsafe { LLVMConstInt(ty, v as u64, 1) }
    }
    pub(crate) fn c64(&self, v: i64) -> LLVMValueRef {
        self.const_int(self.i64t, v)
    }
    pub(crate) fn c32(&self, v: u32) -> LLVMValueRef {
        // SAFETY: as for const_int; zero-extended.
        unsafe { LLVMConstInt(self.i32t, u64::from(v), 0) }
    }
    /// The type `i1`.
    pub(crate) fn bool_type(&self) -> LLVMTypeRef {
        // SAFETY: type creation in the module's live context.
        unsafe { LLVMInt1TypeInContext(self.ctx) }
    }
    /// An unsigned constant of an integer type narrower than 64 bits.
    pub(crate) fn cu(&self, ty: LLVMTypeRef, v: u64) -> LLVMValueRef {
        // SAFETY: as for const_int; zero-extended.
        unsafe { LLVMConstInt(ty, v, 0) }
    }
    /// The all-ones value of type `ty` (-1, or the pointer with all bits set).
    pub(crate) fn minus_one(&self, ty: LLVMTypeRef) -> LLVMValueRef {
        // SAFETY: constant creation in the module's context; ty is an integer or pointer type.
        unsafe {
            match ir::type_kind(ty) {
                LLVMTypeKind::LLVMPointerTypeKind => {
                    LLVMConstIntToPtr(LLVMConstInt(self.i64t, u64::MAX, 1), ty)
                }
                _ => LLVMConstInt(ty, u64::MAX, 1),
            }
        }
    }

    /// Positions the builder before `inst`, with `inst`'s debug location (possibly none).
    pub(crate) fn position_before(&self, inst: LLVMValueRef) {
        // SAFETY: inst is a live instruction; its debug location is copied.
        unsafe {
            LLVMPositionBuilderBefore(self.builder, inst);
            LLVMSetCurrentDebugLocation2(self.builder, LLVMInstructionGetDebugLoc(inst));
        }
    }
    /// Positions the builder before `inst`, keeping the current debug location.
    pub(crate) fn position_before_keep_location(&self, inst: LLVMValueRef) {
        // SAFETY: inst is a live instruction.
        unsafe { LLVMPositionBuilderBefore(self.builder, inst) }
    }
    /// Positions the builder at the start of `b`, before its debug records too.
    pub(crate) fn position_at_start(&self, b: LLVMBasicBlockRef) {
        // SAFETY: b is a live block with at least its terminator.
        unsafe {
            LLVMPositionBuilderBeforeInstrAndDbgRecords(self.builder, LLVMGetFirstInstruction(b))
        }
    }
    pub(crate) fn position_at_end(&self, b: LLVMBasicBlockRef) {
        // SAFETY: b is a live block.
        unsafe { LLVMPositionBuilderAtEnd(self.builder, b) }
    }
    /// Sets the debug location of what is emitted next (`None`: no location).
    pub(crate) fn set_location(&self, loc: Option<LLVMMetadataRef>) {
        // SAFETY: loc is a DILocation of the module's context, or null.
        unsafe { LLVMSetCurrentDebugLocation2(self.builder, loc.unwrap_or(std::ptr::null_mut())) }
    }
    /// The debug location of an instruction.
    pub(crate) fn location_of(inst: LLVMValueRef) -> Option<LLVMMetadataRef> {
        // SAFETY: inst is a live instruction.
        let loc = unsafe { LLVMInstructionGetDebugLoc(inst) };
        (!loc.is_null()).then_some(loc)
    }

    /// A new block named `name`, placed before `before` in its function.
    pub(crate) fn block_before(&self, before: LLVMBasicBlockRef, name: &str) -> LLVMBasicBlockRef {
        let n = cname(name);
        // SAFETY: before is a live block of a function of the module.
        unsafe { LLVMInsertBasicBlockInContext(self.ctx, before, n.as_ptr()) }
    }
    /// The block before `b` in its function's block list.
    pub(crate) fn previous_block(b: LLVMBasicBlockRef) -> LLVMBasicBlockRef {
        // SAFETY: b is a live block.
        unsafe { LLVMGetPreviousBasicBlock(b) }
    }
    /// Removes `b`'s terminator (the builder then completes the block).
    pub(crate) fn erase_terminator(b: LLVMBasicBlockRef) {
        // SAFETY: b is a live block whose terminator has no uses (terminators without a
        // value, here the branch splitBasicBlock made).
        unsafe { LLVMInstructionEraseFromParent(LLVMGetBasicBlockTerminator(b)) }
    }
    /// The terminator of `b`.
    pub(crate) fn terminator(b: LLVMBasicBlockRef) -> LLVMValueRef {
        // SAFETY: b is a live block.
        unsafe { LLVMGetBasicBlockTerminator(b) }
    }

    /// `alloca ty, align 8` named `name` at the start of `f`'s entry block, without location.
    pub(crate) fn alloca_in_entry(
        &self,
        f: LLVMValueRef,
        ty: LLVMTypeRef,
        name: &str,
    ) -> LLVMValueRef {
        // SAFETY: f is a defined function of the module; its entry block is not empty.
        unsafe {
            let first = LLVMGetFirstInstruction(LLVMGetEntryBasicBlock(f));
            LLVMPositionBuilderBefore(self.builder, first);
        }
        self.set_location(None);
        let n = cname(name);
        // SAFETY: the builder is positioned in f's entry block; ty is a sized type.
        unsafe {
            let a = LLVMBuildAlloca(self.builder, ty, n.as_ptr());
            LLVMSetAlignment(a, 8);
            a
        }
    }

    /// `getelementptr inbounds arr_ty, base, 0, indices...` with i64 then i32 indices as
    /// clang emits them for `entries[i].field[k]`.
    pub(crate) fn field(
        &self,
        base: LLVMValueRef,
        arr_ty: LLVMTypeRef,
        entry: usize,
        field: u32,
        index: Option<usize>,
    ) -> LLVMValueRef {
        let mut idx = vec![self.c64(0), self.c64(entry as i64), self.c32(field)];
        if let Some(k) = index {
            idx.push(self.c32(k as u32));
        }
        let n = cname("");
        // SAFETY: base points to an arr_ty; the indices are in range for it (entry < its
        // length, field < entry_field::COUNT, k < MC_MAX_ARGS).
        unsafe {
            LLVMBuildInBoundsGEP2(
                self.builder,
                arr_ty,
                base,
                idx.as_mut_ptr(),
                idx.len() as u32,
                n.as_ptr(),
            )
        }
    }

    /// Inserts `inst`, an instruction in no block (a clone), at the builder's position.
    pub(crate) fn insert(&self, inst: LLVMValueRef) {
        // SAFETY: inst is a live instruction of the module's context that is in no block; the
        // builder stands in a block of a function of the module.
        unsafe { LLVMInsertIntoBuilder(self.builder, inst) }
    }

    /// `store v, p`; the store.
    pub(crate) fn store(&self, v: LLVMValueRef, p: LLVMValueRef) -> LLVMValueRef {
        // SAFETY: p is a pointer of the module; v has the type stored there.
        unsafe { LLVMBuildStore(self.builder, v, p) }
    }

    /// The external `i32` global variable `name`, declared when the module lacks it.
    pub(crate) fn external_i32(&self, name: &str) -> LLVMValueRef {
        let n = cname(name);
        // SAFETY: looking up or adding a global variable declaration in the live module.
        unsafe {
            let g = LLVMGetNamedGlobal(self.module, n.as_ptr());
            if !g.is_null() {
                return g;
            }
            let g = LLVMAddGlobal(self.module, self.i32t, n.as_ptr());
            LLVMSetLinkage(g, llvm_sys::LLVMLinkage::LLVMExternalLinkage);
            LLVMSetAlignment(g, 4);
            g
        }
    }

    /// A relaxed (`monotonic`) atomic load of the aligned `i32` at `p`: a word another thread
    /// may write, read without ordering anything else.
    pub(crate) fn load_relaxed_i32(&self, p: LLVMValueRef, name: &str) -> LLVMValueRef {
        let v = self.load(self.i32t, p, name);
        // SAFETY: v is the load just built; an i32 load may be atomic with its natural
        // alignment.
        unsafe {
            LLVMSetOrdering(v, llvm_sys::LLVMAtomicOrdering::LLVMAtomicOrderingMonotonic);
            LLVMSetAlignment(v, 4);
        }
        v
    }

    /// The block the builder is positioned in.
    pub(crate) fn current_block(&self) -> LLVMBasicBlockRef {
        // SAFETY: the builder is positioned in a live block (the module invariant).
        unsafe { LLVMGetInsertBlock(self.builder) }
    }

    pub(crate) fn load(&self, ty: LLVMTypeRef, p: LLVMValueRef, name: &str) -> LLVMValueRef {
        let n = cname(name);
        // SAFETY: p points to a value of type ty.
        unsafe { LLVMBuildLoad2(self.builder, ty, p, n.as_ptr()) }
    }

    /// An argument as the i64 the kernel receives: sign-extended integers, pointer bits.
    pub(crate) fn as_i64(&self, v: LLVMValueRef) -> LLVMValueRef {
        let t = ir::type_of(v);
        let n = cname("");
        match ir::type_kind(t) {
            // SAFETY: v is a pointer.
            LLVMTypeKind::LLVMPointerTypeKind => unsafe {
                LLVMBuildPtrToInt(self.builder, v, self.i64t, n.as_ptr())
            },
            _ if ir::int_width(t) == 64 => v,
            // SAFETY: v is an integer narrower than 64 bits (sites.rs admits no other type).
            _ => unsafe { LLVMBuildSExt(self.builder, v, self.i64t, n.as_ptr()) },
        }
    }

    /// The kernel's `struct sigaction` for glibc's `*act`, built as glibc's `sigaction` builds
    /// it, in a new `[4 x i64]` alloca of `f`'s entry block; the stores go at the builder's
    /// position. Returns the struct's address as the i64 of an argument. x86-64 layouts:
    /// glibc's is `{ handler, sigset_t sa_mask (128 bytes), int sa_flags, restorer }`, the
    /// kernel's `{ handler, unsigned long sa_flags, restorer, sa_mask (8 bytes) }`; glibc sets
    /// `sa_flags = act->sa_flags | SA_RESTORER` (an int, sign-extended) and its restorer,
    /// where this sets the runtime's (`multicall_sa_restorer`, see runtime/src/restorer.rs).
    pub(crate) fn kernel_sigaction(&self, f: LLVMValueRef, act: LLVMValueRef) -> LLVMValueRef {
        const SA_MASK: i64 = 8;
        const SA_FLAGS: i64 = 136;
        const SA_RESTORER: i64 = 0x0400_0000;
        let kty = Self::array(self.i64t, 4);
        let name = cname("mc.ksigaction");
        // SAFETY: a second builder in the live context places the alloca at the start of f's
        // entry block (f is a defined function: its entry block is not empty) and is disposed
        // of at once, so this builder keeps its position.
        let kact = unsafe {
            let entry = LLVMCreateBuilderInContext(self.ctx);
            LLVMPositionBuilderBefore(entry, LLVMGetFirstInstruction(LLVMGetEntryBasicBlock(f)));
            let a = LLVMBuildAlloca(entry, kty, name.as_ptr());
            LLVMSetAlignment(a, 8);
            LLVMDisposeBuilder(entry);
            a
        };
        let at = |offset: i64| {
            let mut idx = [self.c64(offset)];
            let n = cname("");
            // SAFETY: act points to a glibc struct sigaction (152 bytes), so the offset is
            // inside it.
            unsafe {
                LLVMBuildInBoundsGEP2(self.builder, self.i8t, act, idx.as_mut_ptr(), 1, n.as_ptr())
            }
        };
        let slot = |k: i64| {
            let mut idx = [self.c64(0), self.c64(k)];
            let n = cname("");
            // SAFETY: kact is a [4 x i64] and k < 4.
            unsafe {
                LLVMBuildInBoundsGEP2(self.builder, kty, kact, idx.as_mut_ptr(), 2, n.as_ptr())
            }
        };
        let handler = self.load(self.ptrt, act, "mc.sa.handler");
        self.store(self.as_i64(handler), slot(0));
        let flags = self.load(self.i32t, at(SA_FLAGS), "mc.sa.flags");
        let n = cname("");
        // SAFETY: flags is an i32 and the constant one of the same type.
        let flags = unsafe {
            LLVMBuildOr(
                self.builder,
                flags,
                self.const_int(self.i32t, SA_RESTORER),
                n.as_ptr(),
            )
        };
        self.store(self.as_i64(flags), slot(1));
        let restorer_name = cname("multicall_sa_restorer");
        // SAFETY: looking up or declaring an external global of the live module.
        let restorer = unsafe {
            let mut g = LLVMGetNamedGlobal(self.module, restorer_name.as_ptr());
            if g.is_null() {
                g = LLVMAddGlobal(self.module, self.ptrt, restorer_name.as_ptr());
                LLVMSetGlobalConstant(g, 1);
            }
            g
        };
        let restorer = self.load(self.ptrt, restorer, "mc.sa.restorer");
        self.store(self.as_i64(restorer), slot(2));
        let mask = self.load(self.i64t, at(SA_MASK), "mc.sa.mask");
        self.store(mask, slot(3));
        self.as_i64(kact)
    }

    /// A raw 64-bit result as a value of the call's type `ty` (i32, i64 or a pointer).
    pub(crate) fn i64_as(&self, raw: LLVMValueRef, ty: LLVMTypeRef) -> LLVMValueRef {
        let n = cname("");
        match ir::type_kind(ty) {
            // SAFETY: raw is an i64, ty a pointer type.
            LLVMTypeKind::LLVMPointerTypeKind => unsafe {
                LLVMBuildIntToPtr(self.builder, raw, ty, n.as_ptr())
            },
            _ if ir::int_width(ty) == 64 => raw,
            // SAFETY: raw is an i64, ty a narrower integer type.
            _ => unsafe { LLVMBuildTrunc(self.builder, raw, ty, n.as_ptr()) },
        }
    }

    pub(crate) fn icmp(
        &self,
        pred: LLVMIntPredicate,
        l: LLVMValueRef,
        r: LLVMValueRef,
        name: &str,
    ) -> LLVMValueRef {
        let n = cname(name);
        // SAFETY: l and r are integers of one type.
        unsafe { LLVMBuildICmp(self.builder, pred, l, r, n.as_ptr()) }
    }

    pub(crate) fn select(
        &self,
        c: LLVMValueRef,
        t: LLVMValueRef,
        f: LLVMValueRef,
        name: &str,
    ) -> LLVMValueRef {
        let n = cname(name);
        // SAFETY: c is an i1, t and f of one type.
        unsafe { LLVMBuildSelect(self.builder, c, t, f, n.as_ptr()) }
    }

    pub(crate) fn call(
        &self,
        fty: LLVMTypeRef,
        f: LLVMValueRef,
        args: &mut [LLVMValueRef],
        name: &str,
    ) -> LLVMValueRef {
        let n = cname(name);
        let argp = if args.is_empty() {
            std::ptr::null_mut()
        } else {
            args.as_mut_ptr()
        };
        // SAFETY: f is a function of type fty; args match its parameters.
        unsafe { LLVMBuildCall2(self.builder, fty, f, argp, args.len() as u32, n.as_ptr()) }
    }

    /// `-v` truncated to i32 (an errno from a raw error result).
    pub(crate) fn neg_to_i32(&self, v: LLVMValueRef) -> LLVMValueRef {
        let n = cname("");
        // SAFETY: v is an i64.
        unsafe {
            let neg = LLVMBuildNeg(self.builder, v, n.as_ptr());
            LLVMBuildTrunc(self.builder, neg, self.i32t, n.as_ptr())
        }
    }

    pub(crate) fn cond_br(&self, c: LLVMValueRef, t: LLVMBasicBlockRef, f: LLVMBasicBlockRef) {
        // SAFETY: c is an i1; t and f are blocks of the function being built into.
        unsafe {
            LLVMBuildCondBr(self.builder, c, t, f);
        }
    }

    pub(crate) fn br(&self, to: LLVMBasicBlockRef) {
        // SAFETY: to is a block of the function being built into.
        unsafe {
            LLVMBuildBr(self.builder, to);
        }
    }

    /// `switch v, default [cases]` (each case a constant of v's type and its block).
    pub(crate) fn switch(
        &self,
        v: LLVMValueRef,
        default: LLVMBasicBlockRef,
        cases: &[(LLVMValueRef, LLVMBasicBlockRef)],
    ) {
        // SAFETY: v is an integer, the case values distinct constants of its type, the blocks
        // blocks of the function being built into.
        unsafe {
            let sw = LLVMBuildSwitch(self.builder, v, default, cases.len() as u32);
            for &(c, to) in cases {
                LLVMAddCase(sw, c, to);
            }
        }
    }

    /// `call void @__chk_fail()` (glibc's abort for a failed fortify check) and `unreachable`.
    pub(crate) fn chk_fail(&self) {
        let name = cname("__chk_fail");
        // SAFETY: declaring (or finding) `void __chk_fail(void)` in the live module and calling
        // it at the builder's position, which is at the end of a block without terminator.
        unsafe {
            let fty = LLVMFunctionType(LLVMVoidTypeInContext(self.ctx), std::ptr::null_mut(), 0, 0);
            let mut f = LLVMGetNamedFunction(self.module, name.as_ptr());
            if f.is_null() {
                f = LLVMAddFunction(self.module, name.as_ptr(), fty);
            }
            let empty = cname("");
            LLVMBuildCall2(
                self.builder,
                fty,
                f,
                std::ptr::null_mut(),
                0,
                empty.as_ptr(),
            );
            LLVMBuildUnreachable(self.builder);
        }
    }

    /// The null pointer.
    pub(crate) fn null_ptr(&self) -> LLVMValueRef {
        // SAFETY: constant creation for the module's pointer type.
        unsafe { LLVMConstPointerNull(self.ptrt) }
    }

    /// Makes every edge of `term` to `from` go to `to` instead (`from` has no phi).
    pub(crate) fn retarget(term: LLVMValueRef, from: LLVMBasicBlockRef, to: LLVMBasicBlockRef) {
        // SAFETY: term is a terminator; to is a block of its function.
        unsafe {
            for k in 0..LLVMGetNumSuccessors(term) {
                if LLVMGetSuccessor(term, k) == from {
                    LLVMSetSuccessor(term, k, to);
                }
            }
        }
    }

    /// The phis at the start of `b`, each with its incoming (value, block) pairs.
    pub(crate) fn phis(
        b: LLVMBasicBlockRef,
    ) -> Vec<(LLVMValueRef, Vec<(LLVMValueRef, LLVMBasicBlockRef)>)> {
        ir::instructions(b)
            .into_iter()
            .take_while(|&i| ir::is_phi(i))
            .map(|phi| (phi, ir::incoming(phi)))
            .collect()
    }

    /// An empty phi of type `ty` (see `add_incoming`).
    pub(crate) fn phi(&self, ty: LLVMTypeRef, name: &str) -> LLVMValueRef {
        let n = cname(name);
        // SAFETY: the builder is at the start of a block.
        unsafe { LLVMBuildPhi(self.builder, ty, n.as_ptr()) }
    }

    /// Adds (value, predecessor block) pairs to a phi.
    pub(crate) fn add_incoming(phi: LLVMValueRef, incoming: &[(LLVMValueRef, LLVMBasicBlockRef)]) {
        let mut vals: Vec<LLVMValueRef> = incoming.iter().map(|p| p.0).collect();
        let mut blocks: Vec<LLVMBasicBlockRef> = incoming.iter().map(|p| p.1).collect();
        // SAFETY: phi is a phi whose block has exactly these predecessors; every value has
        // the phi's type.
        unsafe {
            LLVMAddIncoming(
                phi,
                vals.as_mut_ptr(),
                blocks.as_mut_ptr(),
                vals.len() as u32,
            )
        }
    }

    /// Sets the value the phi `phi` takes from block `from` to `v` (its type).
    pub(crate) fn set_incoming_value(phi: LLVMValueRef, from: LLVMBasicBlockRef, v: LLVMValueRef) {
        for (k, (_, block)) in ir::incoming(phi).into_iter().enumerate() {
            if block == from {
                // SAFETY: a phi's operand k is its incoming value k; v has the phi's type.
                unsafe { LLVMSetOperand(phi, k as u32, v) }
            }
        }
    }

    /// `&arr[0][j]`: element `j` of the array `base` of type `arr_ty`.
    pub(crate) fn element(
        &self,
        base: LLVMValueRef,
        arr_ty: LLVMTypeRef,
        j: usize,
    ) -> LLVMValueRef {
        let mut idx = [self.c64(0), self.c64(j as i64)];
        let n = cname("");
        // SAFETY: base points to an arr_ty with more than j elements.
        unsafe {
            LLVMBuildInBoundsGEP2(self.builder, arr_ty, base, idx.as_mut_ptr(), 2, n.as_ptr())
        }
    }

    /// `getelementptr i8, ptr p, i64 off`: `p` moved by `off` bytes, wrapping as the kernel's
    /// own pointer arithmetic does (no `inbounds`).
    pub(crate) fn byte_offset(
        &self,
        p: LLVMValueRef,
        off: LLVMValueRef,
        name: &str,
    ) -> LLVMValueRef {
        let mut idx = [off];
        let n = cname(name);
        // SAFETY: p is a pointer and off an i64 of the module's context.
        unsafe { LLVMBuildGEP2(self.builder, self.i8t, p, idx.as_mut_ptr(), 1, n.as_ptr()) }
    }

    /// `getelementptr inbounds i8, ptr p, i64 off` (a constant when `p` is one), for an
    /// offset that stays inside the object `p` points into (a byte an access at `p` touches).
    pub(crate) fn inbounds_byte_offset(&self, p: LLVMValueRef, off: i64) -> LLVMValueRef {
        let mut idx = [self.c64(off)];
        let n = cname("");
        // SAFETY: p is a pointer of the module's context and the index an i64 constant; a
        // constant p gives a constant expression, any other value an instruction at the
        // builder's position.
        unsafe {
            if crate::ir::is_constant(p) {
                LLVMConstInBoundsGEP2(self.i8t, p, idx.as_mut_ptr(), 1)
            } else {
                LLVMBuildInBoundsGEP2(self.builder, self.i8t, p, idx.as_mut_ptr(), 1, n.as_ptr())
            }
        }
    }

    /// The integer operation `op` (add, sub, mul) on two integers of one type.
    pub(crate) fn arith(
        &self,
        op: LLVMOpcode,
        l: LLVMValueRef,
        r: LLVMValueRef,
        name: &str,
    ) -> LLVMValueRef {
        let n = cname(name);
        // SAFETY: l and r are integers of one type; op is a binary integer operation.
        unsafe { LLVMBuildBinOp(self.builder, op, l, r, n.as_ptr()) }
    }

    /// The integer cast `op` (trunc, sext, zext) of `v` to `ty`.
    pub(crate) fn int_cast(
        &self,
        op: LLVMOpcode,
        v: LLVMValueRef,
        ty: LLVMTypeRef,
    ) -> LLVMValueRef {
        let n = cname("");
        // SAFETY: v is an integer and ty an integer type that op can give from it.
        unsafe { LLVMBuildCast(self.builder, op, v, ty, n.as_ptr()) }
    }

    /// A copy of the instruction `inst` at the builder's position, its operands that are
    /// keys of `map` replaced by their values.
    pub(crate) fn clone_with(
        &self,
        inst: LLVMValueRef,
        map: &indexmap::IndexMap<LLVMValueRef, LLVMValueRef>,
    ) -> LLVMValueRef {
        let n = cname(&crate::ir::name(inst));
        // SAFETY: inst is a live non-phi, non-terminator instruction; its copy is not in a
        // block until inserted here, and each replacement has the type of the operand it
        // replaces (a value that stands for that operand at this position).
        unsafe {
            let copy = LLVMInstructionClone(inst);
            for k in 0..LLVMGetNumOperands(copy) {
                let op = LLVMGetOperand(copy, k as u32);
                if let Some(&v) = map.get(&op) {
                    LLVMSetOperand(copy, k as u32, v);
                }
            }
            LLVMInsertIntoBuilderWithName(self.builder, copy, n.as_ptr());
            copy
        }
    }

    /// `insertelement <vec> v, <lane> x, i64 k`: the vector `v` with lane `k` replaced by `x`.
    pub(crate) fn insert_lane(&self, v: LLVMValueRef, x: LLVMValueRef, k: u32) -> LLVMValueRef {
        let n = cname("");
        // SAFETY: v is a vector whose lanes have x's type, and k one of its lanes.
        unsafe { LLVMBuildInsertElement(self.builder, v, x, self.c64(i64::from(k)), n.as_ptr()) }
    }

    /// `extractelement <vec> v, i64 k`: lane `k` of the vector `v`.
    pub(crate) fn extract_lane(&self, v: LLVMValueRef, k: u32) -> LLVMValueRef {
        let n = cname("");
        // SAFETY: v is a vector and k one of its lanes.
        unsafe { LLVMBuildExtractElement(self.builder, v, self.c64(i64::from(k)), n.as_ptr()) }
    }

    /// `poison` of type `ty`.
    pub(crate) fn poison(ty: LLVMTypeRef) -> LLVMValueRef {
        // SAFETY: ty is a type of the module's context.
        unsafe { LLVMGetPoison(ty) }
    }

    /// Replaces every use of `old` by `new` (same type).
    pub(crate) fn replace_uses(old: LLVMValueRef, new: LLVMValueRef) {
        // SAFETY: both are live values of one type.
        unsafe { LLVMReplaceAllUsesWith(old, new) }
    }
}
