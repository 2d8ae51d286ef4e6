//! Safe wrappers around the C++ shim's accessors (pass/shim/shim.cpp): analyses (dominators,
//! post-dominators, alias analysis), instruction facts, debug locations, block splitting,
//! inlining, remarks, errors and the host's command-line options. What LLVM calls into is in
//! `plugin.rs`; this module calls out only, and imports nothing of the pass but the
//! option struct it fills.

use std::ffi::{c_char, c_int, c_uint, c_void, CStr};

use crate::config::CommandLine;

use llvm_sys::prelude::{LLVMBasicBlockRef, LLVMModuleRef, LLVMValueRef};

/// One frame of a debug location as the shim reports it (strings borrowed from metadata).
#[repr(C)]
pub struct RawFrame {
    function: *const c_char,
    function_len: usize,
    linkage: *const c_char,
    linkage_len: usize,
    file: *const c_char,
    file_len: usize,
    dir: *const c_char,
    dir_len: usize,
    line: c_uint,
    column: c_uint,
}

extern "C" {
    fn syscluster_shim_opt_profile() -> *const c_char;
    fn syscluster_shim_opt_profile_given() -> c_int;
    fn syscluster_shim_opt_min_weight() -> c_uint;
    fn syscluster_shim_opt_stats() -> c_int;
    fn syscluster_shim_dominates(ctx: *mut c_void, def: LLVMValueRef, user: LLVMValueRef) -> c_int;
    fn syscluster_shim_edge_probability(
        ctx: *mut c_void,
        from: LLVMBasicBlockRef,
        to: LLVMBasicBlockRef,
    ) -> c_uint;
    fn syscluster_shim_block_postdominates(
        ctx: *mut c_void,
        a: LLVMBasicBlockRef,
        b: LLVMBasicBlockRef,
    ) -> c_int;
    fn syscluster_shim_call_may_clobber_load(
        ctx: *mut c_void,
        call: LLVMValueRef,
        load: LLVMValueRef,
    ) -> c_int;
    fn syscluster_shim_inst_flags(inst: LLVMValueRef) -> c_uint;
    fn syscluster_shim_load_may_alias(
        ctx: *mut c_void,
        load: LLVMValueRef,
        ptr: LLVMValueRef,
        size: u64,
        size_known: c_int,
    ) -> c_int;
    fn syscluster_shim_store_may_alias(
        ctx: *mut c_void,
        store: LLVMValueRef,
        ptr: LLVMValueRef,
        size: u64,
        size_known: c_int,
    ) -> c_int;
    fn syscluster_shim_syscall_may_access_store(
        ctx: *mut c_void,
        call: LLVMValueRef,
        store: LLVMValueRef,
    ) -> c_int;
    fn syscluster_shim_inst_may_write_load(
        ctx: *mut c_void,
        inst: LLVMValueRef,
        load: LLVMValueRef,
    ) -> c_int;
    fn syscluster_shim_safe_to_load_at(
        ctx: *mut c_void,
        load: LLVMValueRef,
        at: LLVMValueRef,
    ) -> c_int;
    fn syscluster_shim_strip_offsets(ptr: LLVMValueRef, offset: *mut i64) -> LLVMValueRef;
    fn syscluster_shim_underlying_object(ptr: LLVMValueRef) -> LLVMValueRef;
    fn syscluster_shim_access_bytes(access: LLVMValueRef) -> u64;
    fn syscluster_shim_alloca_bytes(v: LLVMValueRef) -> u64;
    fn syscluster_shim_global_bytes(v: LLVMValueRef) -> u64;
    fn syscluster_shim_heap_bytes(ctx: *mut c_void, v: LLVMValueRef, at: LLVMValueRef) -> u64;
    fn syscluster_shim_signed_min_at(
        ctx: *mut c_void,
        v: LLVMValueRef,
        at: LLVMValueRef,
        min: *mut i64,
    ) -> c_int;
    fn syscluster_shim_unsigned_max_at(
        ctx: *mut c_void,
        v: LLVMValueRef,
        at: LLVMValueRef,
        max: *mut u64,
    ) -> c_int;
    fn syscluster_shim_signed_min_on_edge(
        ctx: *mut c_void,
        v: LLVMValueRef,
        from: LLVMBasicBlockRef,
        to: LLVMBasicBlockRef,
        min: *mut i64,
    ) -> c_int;
    fn syscluster_shim_move_before(inst: LLVMValueRef, pos: LLVMValueRef);
    fn syscluster_shim_move_after(inst: LLVMValueRef, pos: LLVMValueRef);
    fn syscluster_shim_drop_ub_metadata(inst: LLVMValueRef);
    fn syscluster_shim_invalidate(ctx: *mut c_void, func: LLVMValueRef);
    fn syscluster_shim_inline_asm(inst: LLVMValueRef, len: *mut usize) -> *const c_char;
    fn syscluster_shim_source_name(v: LLVMValueRef, len: *mut usize) -> *const c_char;
    fn syscluster_shim_debug_frame(inst: LLVMValueRef, depth: c_uint, out: *mut RawFrame) -> c_int;
    fn syscluster_shim_split_before(inst: LLVMValueRef, name: *const c_char) -> LLVMBasicBlockRef;
    fn syscluster_shim_move_phi_edge(
        bb: LLVMBasicBlockRef,
        from: LLVMBasicBlockRef,
        to: LLVMBasicBlockRef,
    );
    fn syscluster_shim_remove_phi_edge(bb: LLVMBasicBlockRef, from: LLVMBasicBlockRef);
    fn syscluster_shim_merge_into_predecessor(bb: LLVMBasicBlockRef) -> bool;
    fn syscluster_shim_fold_forwarding_block(bb: LLVMBasicBlockRef) -> bool;
    fn syscluster_shim_invoke_to_call(inv: LLVMValueRef) -> LLVMValueRef;
    fn syscluster_shim_remove_unreachable_blocks(func: LLVMValueRef) -> bool;
    fn syscluster_shim_duplicate_region(
        ctx: *mut c_void,
        way_in: LLVMBasicBlockRef,
        blocks: *mut LLVMBasicBlockRef,
        n: c_uint,
        max_insts: c_uint,
        copied: *mut c_uint,
    ) -> *const c_char;
    fn syscluster_shim_ssa_rewrite_outside(
        def: LLVMValueRef,
        inside: *mut LLVMBasicBlockRef,
        n_inside: c_uint,
        blocks: *mut LLVMBasicBlockRef,
        vals: *mut LLVMValueRef,
        n: c_uint,
    );
    fn syscluster_shim_rotate_loop(
        ctx: *mut c_void,
        header: LLVMBasicBlockRef,
        max_insts: c_uint,
        changed: *mut c_int,
    ) -> *const c_char;
    fn syscluster_shim_available_value(ctx: *mut c_void, load: LLVMValueRef) -> LLVMValueRef;
    fn syscluster_shim_unroll_loop(
        ctx: *mut c_void,
        header: LLVMBasicBlockRef,
        count: c_uint,
        changed: *mut c_int,
    ) -> *const c_char;
    fn syscluster_shim_thread_jumps(ctx: *mut c_void, function: LLVMValueRef) -> c_int;
    fn syscluster_shim_peel_loop(
        ctx: *mut c_void,
        header: LLVMBasicBlockRef,
        max_insts: c_uint,
        changed: *mut c_int,
    ) -> *const c_char;
    fn syscluster_shim_unswitch_loop(
        ctx: *mut c_void,
        header: LLVMBasicBlockRef,
        branch: LLVMValueRef,
        keep: c_uint,
        max_insts: c_uint,
        changed: *mut c_int,
    ) -> *const c_char;
    fn syscluster_shim_version_loop_on_phi(
        ctx: *mut c_void,
        header: LLVMBasicBlockRef,
        phi: LLVMValueRef,
        value: LLVMValueRef,
        max_insts: c_uint,
        changed: *mut c_int,
    ) -> *const c_char;
    fn syscluster_shim_version_loop_at_most(
        ctx: *mut c_void,
        header: LLVMBasicBlockRef,
        phi: LLVMValueRef,
        bound: LLVMValueRef,
        max_insts: c_uint,
        changed: *mut c_int,
    ) -> *const c_char;
    fn syscluster_shim_promote_in_loop(
        ctx: *mut c_void,
        header: LLVMBasicBlockRef,
        ptr: LLVMValueRef,
        spill: *const LLVMValueRef,
        spills: c_uint,
        changed: *mut c_int,
    ) -> *const c_char;
    fn syscluster_shim_split_edge(
        from: LLVMBasicBlockRef,
        to: LLVMBasicBlockRef,
    ) -> LLVMBasicBlockRef;
    fn syscluster_shim_inline_blocker(call: LLVMValueRef) -> *const c_char;
    fn syscluster_shim_inline_call(ctx: *mut c_void, call: LLVMValueRef) -> *const c_char;
    fn syscluster_shim_split_guard(
        ctx: *mut c_void,
        call: LLVMValueRef,
        work_if_true: c_int,
        entered: *mut LLVMValueRef,
    ) -> *const c_char;
    fn syscluster_shim_duplicate_path(
        ctx: *mut c_void,
        path: *mut LLVMBasicBlockRef,
        n: c_uint,
        max_insts: c_uint,
        new_header: c_int,
        copied: *mut c_uint,
    ) -> *const c_char;
    fn syscluster_shim_merge_twin(
        ctx: *mut c_void,
        keep: LLVMBasicBlockRef,
        twin: LLVMBasicBlockRef,
    ) -> *const c_char;
    fn syscluster_shim_known_callees(
        call: LLVMValueRef,
        out: *mut LLVMValueRef,
        max: c_uint,
    ) -> c_int;
    fn syscluster_shim_promote_call(
        ctx: *mut c_void,
        call: LLVMValueRef,
        callee: LLVMValueRef,
    ) -> *const c_char;
    fn syscluster_shim_delete_if_dead(ctx: *mut c_void, func: LLVMValueRef) -> c_int;
    fn syscluster_shim_remark(
        ctx: *mut c_void,
        kind: c_int,
        func: LLVMValueRef,
        at: LLVMValueRef,
        name: *const c_char,
        msg: *const c_char,
    );
    fn syscluster_shim_remarks_wanted(ctx: *mut c_void) -> c_int;
    fn syscluster_shim_error(ctx: *mut c_void, msg: *const c_char);
    fn syscluster_shim_warning(ctx: *mut c_void, msg: *const c_char);
    fn syscluster_shim_backup(module: LLVMModuleRef) -> *mut c_void;
    fn syscluster_shim_backup_free(backup: *mut c_void);
    fn syscluster_shim_restore_module(ctx: *mut c_void, backup: *mut c_void) -> c_int;
    fn syscluster_shim_break_for_testing(ctx: *mut c_void, func: LLVMValueRef);
    fn syscluster_shim_opt_break_for_testing() -> c_int;
    fn syscluster_shim_opt_panic_for_testing() -> c_int;
    fn syscluster_shim_opt_verify_sites() -> c_int;
    fn syscluster_shim_print_stats(body: *const c_char);
}

/// Whether a duplicated path moves its loop's start ([`Shim::duplicate_path`]): `Yes` when
/// the path is the loop's way in, its header, and the blocks after it up to an unconditional
/// branch to the block that is to head the loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum NewHeader {
    No,
    Yes,
}

/// A remark's kind (passed, missed, analysis), as LLVM's -pass-remarks* options select them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RemarkKind {
    Passed = 0,
    Missed = 1,
    Analysis = 2,
}

/// One frame of a debug location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DebugFrame {
    pub function: String,
    pub linkage: String,
    pub file: String,
    pub dir: String,
    pub line: u32,
    pub column: u32,
}

/// What the shim says about one instruction.
pub mod flags {
    pub const SIDE_EFFECTS: u32 = 1;
    pub const READS_MEMORY: u32 = 2;
    pub const SPECULATABLE: u32 = 4;
    pub const VOLATILE: u32 = 8;
    pub const DEBUG: u32 = 16;
    pub const INLINE_ASM: u32 = 32;
    pub const LIFETIME: u32 = 64;
    /// A direct call that only computes a value: its callee does not access memory (an
    /// intrinsic: or only memory the program cannot reach), returns and does not unwind.
    pub const PURE_CALL: u32 = 128;
    /// A simple store that cannot fault: within an alloca or a global variable that is not
    /// constant, or into errno through `__errno_location()`.
    pub const STORE_NO_FAULT: u32 = 256;
    /// A simple load of errno through `__errno_location()` (at most an int): it cannot fault.
    pub const ERRNO_LOAD: u32 = 512;
}

/// The answer of a transformation of the shim: null when done, else a static string saying
/// why not.
fn answer(p: *const c_char) -> Result<(), String> {
    if p.is_null() {
        Ok(())
    } else {
        // SAFETY: a non-null answer of the shim's transformations is a static NUL-terminated
        // string.
        Err(unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
    }
}

/// The answer of a loop transformation of the shim ([`answer`]), with whether the IR changed
/// anyway.
fn loop_answer(p: *const c_char, changed: c_int) -> Result<(), (String, bool)> {
    answer(p).map_err(|why| (why, changed != 0))
}

fn cstring(s: &str) -> std::ffi::CString {
    std::ffi::CString::new(s.replace('\0', " ")).unwrap_or_default()
}

fn borrowed(ptr: *const c_char, len: usize) -> String {
    if ptr.is_null() || len == 0 {
        return String::new();
    }
    // SAFETY: the shim returns a pointer/length pair into metadata strings that live as long
    // as the module; we copy them out immediately.
    let bytes = unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) };
    String::from_utf8_lossy(bytes).into_owned()
}

/// Safe handle on the shim's per-run context. All values passed in must belong to the module
/// being run (the driver only passes values it got from that module).
pub(crate) struct Shim {
    ctx: *mut c_void,
}

impl Shim {
    /// The handle on the context the shim passed to `syscluster_rust_run`.
    pub(crate) fn new(ctx: *mut c_void) -> Shim {
        Shim { ctx }
    }
}

impl Shim {
    /// `def` dominates the instruction `user` (LLVM's DominatorTree::dominates).
    pub(crate) fn dominates(&self, def: LLVMValueRef, user: LLVMValueRef) -> bool {
        // SAFETY: ctx is live for this run; user is an instruction of a defined function.
        unsafe { syscluster_shim_dominates(self.ctx, def, user) != 0 }
    }
    /// The probability that `from` goes on to `to`, in parts of 2^31 (LLVM's branch
    /// probabilities: static heuristics without a profile); 0 when `to` does not follow it.
    pub(crate) fn edge_probability(&self, from: LLVMBasicBlockRef, to: LLVMBasicBlockRef) -> u32 {
        // SAFETY: ctx is live for this run; both blocks are of a defined function, and the
        // shim checks that `to` is a successor of `from`.
        unsafe { syscluster_shim_edge_probability(self.ctx, from, to) }
    }
    pub(crate) fn block_postdominates(&self, a: LLVMBasicBlockRef, b: LLVMBasicBlockRef) -> bool {
        // SAFETY: as above; both blocks are of the same function.
        unsafe { syscluster_shim_block_postdominates(self.ctx, a, b) != 0 }
    }
    /// Alias analysis: may `call` write the memory `load` reads?
    pub(crate) fn call_may_clobber_load(&self, call: LLVMValueRef, load: LLVMValueRef) -> bool {
        // SAFETY: ctx is live; the shim checks the kinds of both values.
        unsafe { syscluster_shim_call_may_clobber_load(self.ctx, call, load) != 0 }
    }
    /// Alias analysis: may the memory `load` reads overlap `size` bytes at `ptr` (every byte
    /// from `ptr` on when `size` is `None`)?
    pub(crate) fn load_may_alias(
        &self,
        load: LLVMValueRef,
        ptr: LLVMValueRef,
        size: Option<u64>,
    ) -> bool {
        // SAFETY: ctx is live; the shim checks that load is a load and ptr a pointer.
        unsafe {
            syscluster_shim_load_may_alias(
                self.ctx,
                load,
                ptr,
                size.unwrap_or(0),
                c_int::from(size.is_some()),
            ) != 0
        }
    }
    /// May the memory `store` writes overlap `size` bytes at `ptr` (every byte from `ptr` on
    /// when `size` is `None`)? No for an internal global that only loads and stores address;
    /// otherwise alias analysis.
    pub(crate) fn store_may_alias(
        &self,
        store: LLVMValueRef,
        ptr: LLVMValueRef,
        size: Option<u64>,
    ) -> bool {
        // SAFETY: ctx is live; the shim checks that store is a store and ptr a pointer.
        unsafe {
            syscluster_shim_store_may_alias(
                self.ctx,
                store,
                ptr,
                size.unwrap_or(0),
                c_int::from(size.is_some()),
            ) != 0
        }
    }
    /// May the system call `call` read or write the memory `store` writes? No for an
    /// internal global that only loads and stores address; otherwise alias analysis
    /// (`getModRefInfo`).
    pub(crate) fn syscall_may_access_store(&self, call: LLVMValueRef, store: LLVMValueRef) -> bool {
        // SAFETY: ctx is live; the shim checks the kinds of both values.
        unsafe { syscluster_shim_syscall_may_access_store(self.ctx, call, store) != 0 }
    }
    /// Alias analysis: may the instruction `inst` write the memory `load` reads?
    pub(crate) fn inst_may_write_load(&self, inst: LLVMValueRef, load: LLVMValueRef) -> bool {
        // SAFETY: ctx is live; the shim checks the kinds of both values.
        unsafe { syscluster_shim_inst_may_write_load(self.ctx, inst, load) != 0 }
    }
    /// Whether `load` cannot fault when it runs right before the instruction `at` (LLVM's
    /// isSafeToLoadUnconditionally).
    pub(crate) fn safe_to_load_at(&self, load: LLVMValueRef, at: LLVMValueRef) -> bool {
        // SAFETY: ctx is live; the shim checks the kinds of both values.
        unsafe { syscluster_shim_safe_to_load_at(self.ctx, load, at) != 0 }
    }
    /// The base of a pointer and its constant offset in bytes (GEPs and casts stripped).
    pub(crate) fn strip_offsets(&self, ptr: LLVMValueRef) -> Option<(LLVMValueRef, i64)> {
        let mut off = 0i64;
        // SAFETY: ptr is a live value; off is a valid out-pointer.
        let base = unsafe { syscluster_shim_strip_offsets(ptr, &mut off) };
        (!base.is_null()).then_some((base, off))
    }
    /// The bytes a load or store accesses; `None` for other values or unsized types.
    pub(crate) fn access_bytes(&self, access: LLVMValueRef) -> Option<u64> {
        // SAFETY: access is a live value; the shim checks its kind.
        let n = unsafe { syscluster_shim_access_bytes(access) };
        (n > 0).then_some(n)
    }
    /// The bytes a local variable (alloca) of fixed size holds; `None` for anything else.
    pub(crate) fn alloca_bytes(&self, v: LLVMValueRef) -> Option<u64> {
        // SAFETY: v is a live value; the shim checks its kind.
        let n = unsafe { syscluster_shim_alloca_bytes(v) };
        (n > 0).then_some(n)
    }
    /// The bytes a global variable defined in this module holds; `None` for a declaration,
    /// a thread-local variable or anything else.
    pub(crate) fn global_bytes(&self, v: LLVMValueRef) -> Option<u64> {
        // SAFETY: v is a live value; the shim checks its kind.
        let n = unsafe { syscluster_shim_global_bytes(v) };
        (n > 0).then_some(n)
    }
    /// The bytes of the fresh memory the call `v` returns (`malloc`, `calloc`, a wrapper
    /// with `allocsize`), when its size is a constant and the result is known not null right
    /// before `at`, an instruction of the same function that `v` dominates; `None` otherwise.
    pub(crate) fn heap_bytes(&self, v: LLVMValueRef, at: LLVMValueRef) -> Option<u64> {
        // SAFETY: ctx is live; the shim checks the kinds of v and at and their function.
        let n = unsafe { syscluster_shim_heap_bytes(self.ctx, v, at) };
        (n > 0).then_some(n)
    }
    /// The underlying object of a pointer (LLVM's getUnderlyingObject).
    pub(crate) fn underlying_object(&self, ptr: LLVMValueRef) -> LLVMValueRef {
        // SAFETY: ptr is a live value.
        unsafe { syscluster_shim_underlying_object(ptr) }
    }
    /// The smallest signed value the integer `v` has right before `at`, when LazyValueInfo or
    /// a dominating branch on `v` bounds it.
    pub(crate) fn signed_min_at(&self, v: LLVMValueRef, at: LLVMValueRef) -> Option<i64> {
        let mut min = 0i64;
        // SAFETY: ctx is live; the shim checks that v is an integer and at an instruction.
        let known = unsafe { syscluster_shim_signed_min_at(self.ctx, v, at, &mut min) } != 0;
        known.then_some(min)
    }
    /// The largest unsigned value the integer `v` has right before `at`, when LazyValueInfo or
    /// a dominating branch on `v` bounds it below its type's largest value (a length clamped
    /// to a buffer's size).
    pub(crate) fn unsigned_max_at(&self, v: LLVMValueRef, at: LLVMValueRef) -> Option<u64> {
        let mut max = 0u64;
        // SAFETY: ctx is live; the shim checks that v is an integer and at an instruction.
        let known = unsafe { syscluster_shim_unsigned_max_at(self.ctx, v, at, &mut max) } != 0;
        known.then_some(max)
    }
    /// The smallest signed value the integer `v` has on the edge `from` -> `to`, when
    /// LazyValueInfo, the branch's own test or a dominating branch on `v` bounds it.
    pub(crate) fn signed_min_on_edge(
        &self,
        v: LLVMValueRef,
        from: LLVMBasicBlockRef,
        to: LLVMBasicBlockRef,
    ) -> Option<i64> {
        let mut min = 0i64;
        // SAFETY: ctx is live; the shim checks that v is an integer and that `to` is a
        // successor of `from`.
        let known =
            unsafe { syscluster_shim_signed_min_on_edge(self.ctx, v, from, to, &mut min) } != 0;
        known.then_some(min)
    }
    /// Moves the instruction `inst` right before `pos`, of the same function.
    pub(crate) fn move_before(&self, inst: LLVMValueRef, pos: LLVMValueRef) {
        // SAFETY: both are instructions of one function (the motion only moves along the
        // path between two calls of one function); neither is a phi.
        unsafe { syscluster_shim_move_before(inst, pos) }
    }
    /// Drops the metadata and attributes that would make `inst` undefined behaviour where it
    /// did not run before (a load's `!noundef`, `!nonnull`, `!range`, ...).
    pub(crate) fn drop_ub_metadata(&self, inst: LLVMValueRef) {
        // SAFETY: inst is an instruction of the module.
        unsafe { syscluster_shim_drop_ub_metadata(inst) }
    }
    /// Moves the instruction `inst` right after `pos`, which is not a terminator.
    pub(crate) fn move_after(&self, inst: LLVMValueRef, pos: LLVMValueRef) {
        // SAFETY: as for move_before; pos is a call instruction, never a terminator.
        unsafe { syscluster_shim_move_after(inst, pos) }
    }
    /// Drops the cached analyses of a function whose IR changed.
    pub(crate) fn invalidate(&self, func: LLVMValueRef) {
        // SAFETY: ctx is live; the shim ignores a value that is not a function.
        unsafe { syscluster_shim_invalidate(self.ctx, func) }
    }
    pub(crate) fn inst_flags(&self, inst: LLVMValueRef) -> u32 {
        // SAFETY: inst is an instruction of the module.
        unsafe { syscluster_shim_inst_flags(inst) }
    }
    pub(crate) fn inline_asm(&self, inst: LLVMValueRef) -> Option<String> {
        let mut len = 0usize;
        // SAFETY: inst is an instruction; the shim returns null unless it calls inline asm.
        let p = unsafe { syscluster_shim_inline_asm(inst, &mut len) };
        if p.is_null() {
            None
        } else {
            Some(borrowed(p, len))
        }
    }
    /// The source name of the variable an argument or a local variable holds (its debug
    /// records), when it has one.
    pub(crate) fn source_name(&self, v: LLVMValueRef) -> Option<String> {
        let mut len = 0usize;
        // SAFETY: v is a live value; the shim checks its kind and returns null or a name the
        // module's metadata owns, of `len` bytes.
        let p = unsafe { syscluster_shim_source_name(v, &mut len) };
        (!p.is_null()).then(|| borrowed(p, len))
    }
    /// Frame `depth` of the instruction's debug location (0: innermost).
    pub(crate) fn debug_frame(&self, inst: LLVMValueRef, depth: u32) -> Option<DebugFrame> {
        let mut raw = RawFrame {
            function: std::ptr::null(),
            function_len: 0,
            linkage: std::ptr::null(),
            linkage_len: 0,
            file: std::ptr::null(),
            file_len: 0,
            dir: std::ptr::null(),
            dir_len: 0,
            line: 0,
            column: 0,
        };
        // SAFETY: inst is an instruction; raw is a valid out-pointer.
        let ok = unsafe { syscluster_shim_debug_frame(inst, depth, &mut raw) } != 0;
        ok.then(|| DebugFrame {
            function: borrowed(raw.function, raw.function_len),
            linkage: borrowed(raw.linkage, raw.linkage_len),
            file: borrowed(raw.file, raw.file_len),
            dir: borrowed(raw.dir, raw.dir_len),
            line: raw.line,
            column: raw.column,
        })
    }
    /// All frames of the instruction's debug location, innermost first.
    pub(crate) fn debug_frames(&self, inst: LLVMValueRef) -> Vec<DebugFrame> {
        let mut out = Vec::new();
        while let Some(f) = self.debug_frame(inst, out.len() as u32) {
            out.push(f);
            if out.len() > 256 {
                break;
            }
        }
        out
    }
    /// Splits the instruction's block before it; returns the block that now starts with it.
    ///
    /// No analysis is updated: the dominator and post-dominator trees the other accessors
    /// read are stale for the function afterwards. Only the lowering splits, after every
    /// legality check of the module (docs/pass.md, "Analyses and the order of checks and
    /// lowering").
    pub(crate) fn split_before(&self, inst: LLVMValueRef, name: &str) -> LLVMBasicBlockRef {
        let name = cstring(name);
        // SAFETY: inst is a non-phi instruction of a defined function (the lowering only
        // splits at calls and the instructions after them).
        unsafe { syscluster_shim_split_before(inst, name.as_ptr()) }
    }
    /// Makes the phis of `bb` take from block `to` the values they took from `from` (an edge
    /// `from -> bb` that now comes from `to`).
    pub(crate) fn move_phi_edge(
        &self,
        bb: LLVMBasicBlockRef,
        from: LLVMBasicBlockRef,
        to: LLVMBasicBlockRef,
    ) {
        // SAFETY: three blocks of one function; only the phis' incoming blocks change.
        unsafe { syscluster_shim_move_phi_edge(bb, from, to) }
    }
    /// Splits the edge `from -> to` (LLVM's `SplitEdge`): the new block between them, or
    /// `None` when `to` does not follow `from` or is an exception handler. The caller
    /// invalidates the function's analyses.
    pub(crate) fn split_edge(
        &self,
        from: LLVMBasicBlockRef,
        to: LLVMBasicBlockRef,
    ) -> Option<LLVMBasicBlockRef> {
        // SAFETY: two blocks of one function of the module.
        let b = unsafe { syscluster_shim_split_edge(from, to) };
        (!b.is_null()).then_some(b)
    }
    /// Merges `bb` into its single predecessor, whose single successor it is (LLVM's
    /// `MergeBlockIntoPredecessor`, which moves debug records with the instructions);
    /// whether it did. The caller invalidates the function's analyses.
    pub(crate) fn merge_into_predecessor(&self, bb: LLVMBasicBlockRef) -> bool {
        // SAFETY: bb is a live block of a defined function; LLVM checks the shape itself.
        unsafe { syscluster_shim_merge_into_predecessor(bb) }
    }
    /// Folds `bb`, a block of nothing but an unconditional branch entered from one block, into
    /// its successor (LLVM's `TryToSimplifyUncondBranchFromEmptyBlock`): its predecessor
    /// branches there directly, and `bb` is deleted. Whether it did; the caller invalidates
    /// the function's analyses.
    pub(crate) fn fold_forwarding_block(&self, bb: LLVMBasicBlockRef) -> bool {
        // SAFETY: bb is a live block of a defined function; the shim checks the shape first.
        unsafe { syscluster_shim_fold_forwarding_block(bb) }
    }
    /// Makes the invoke `inv` a call followed by a branch to its normal destination (LLVM's
    /// `changeToCall`): its landing pad loses the edge. The call, or `None` when `inv` is not
    /// an invoke; the caller invalidates the function's analyses.
    pub(crate) fn invoke_to_call(&self, inv: LLVMValueRef) -> Option<LLVMValueRef> {
        // SAFETY: inv is a live instruction; the shim checks that it is an invoke.
        let call = unsafe { syscluster_shim_invoke_to_call(inv) };
        (!call.is_null()).then_some(call)
    }
    /// Deletes the blocks of `func` its entry does not reach (LLVM's
    /// `removeUnreachableBlocks`); whether it deleted any. Values of those blocks must not be
    /// held; the caller invalidates the function's analyses.
    pub(crate) fn remove_unreachable_blocks(&self, func: LLVMValueRef) -> bool {
        // SAFETY: func is a live defined function.
        unsafe { syscluster_shim_remove_unreachable_blocks(func) }
    }
    /// Takes the edge `from -> bb` out of the phis of `bb`, after `from`'s terminator was
    /// retargeted away from `bb`; the phis stay, even with one incoming value left.
    pub(crate) fn remove_phi_edge(&self, bb: LLVMBasicBlockRef, from: LLVMBasicBlockRef) {
        // SAFETY: two blocks of one function; only the phis' incoming lists change.
        unsafe { syscluster_shim_remove_phi_edge(bb, from) }
    }
    /// Gives the uses of the instruction `def` outside the blocks `inside` the value that
    /// reaches them: `def` from its own block, `value` from the end of `block` for each
    /// `(block, value)` of `more`, with phis where those paths meet (LLVM's SSAUpdater). A
    /// phi's use counts as being in its incoming block; uses inside keep `def`.
    pub(crate) fn ssa_rewrite_outside(
        &self,
        def: LLVMValueRef,
        inside: &[LLVMBasicBlockRef],
        more: &[(LLVMBasicBlockRef, LLVMValueRef)],
    ) {
        let mut inside = inside.to_vec();
        let mut blocks: Vec<LLVMBasicBlockRef> = more.iter().map(|m| m.0).collect();
        let mut vals: Vec<LLVMValueRef> = more.iter().map(|m| m.1).collect();
        // SAFETY: def is an instruction of the module, the blocks are blocks of its function
        // and each value has def's type and is available at the end of its block; the arrays
        // live across the call, which only reads them.
        unsafe {
            syscluster_shim_ssa_rewrite_outside(
                def,
                inside.as_mut_ptr(),
                inside.len() as c_uint,
                blocks.as_mut_ptr(),
                vals.as_mut_ptr(),
                vals.len() as c_uint,
            )
        }
    }
    /// Rotates the loop that `header` heads with LLVM's LoopRotation, after giving it a
    /// preheader, dedicated exits and LCSSA form; the header is copied when it has at most
    /// `max_insts` instructions. `Err((why, changed))` when it did not rotate, `changed` saying
    /// whether that simplification changed the IR anyway. The function's cached analyses are
    /// invalidated after any change.
    pub(crate) fn rotate_loop(
        &self,
        header: LLVMBasicBlockRef,
        max_insts: u32,
    ) -> Result<(), (String, bool)> {
        let mut changed: c_int = 0;
        // SAFETY: ctx is live for this run and header is a block of a function of its module;
        // `changed` is a local the shim writes once.
        let p = unsafe { syscluster_shim_rotate_loop(self.ctx, header, max_insts, &mut changed) };
        loop_answer(p, changed)
    }

    /// The value the load `load` would read, known from a store or an earlier load of the
    /// same address before it (in its block or the single predecessors above it), where alias
    /// analysis says nothing on the way writes the memory.
    pub(crate) fn available_value(&self, load: LLVMValueRef) -> Option<LLVMValueRef> {
        // SAFETY: ctx is live for this run and load is an instruction of its module; the shim
        // checks that it is a load.
        let v = unsafe { syscluster_shim_available_value(self.ctx, load) };
        (!v.is_null()).then_some(v)
    }

    /// Unrolls the loop that `header` heads `count` times with LLVM's UnrollLoop and a
    /// remainder loop for the iterations left over, after giving it a preheader, dedicated
    /// exits and LCSSA form. `Err((why, changed))` as [`Shim::rotate_loop`].
    pub(crate) fn unroll_loop(
        &self,
        header: LLVMBasicBlockRef,
        count: u32,
    ) -> Result<(), (String, bool)> {
        let mut changed: c_int = 0;
        // SAFETY: as for rotate_loop.
        let p = unsafe { syscluster_shim_unroll_loop(self.ctx, header, count, &mut changed) };
        loop_answer(p, changed)
    }

    /// Runs LLVM's JumpThreading over `function` (a defined function of the module):
    /// branches on values known along an edge go straight where they lead. Whether the
    /// function changed (its analyses are then invalidated).
    pub(crate) fn thread_jumps(&self, function: LLVMValueRef) -> bool {
        // SAFETY: ctx is the live run context and function a function of its module; the
        // shim runs LLVM's own pass on it with the context's analysis manager.
        unsafe { syscluster_shim_thread_jumps(self.ctx, function) != 0 }
    }

    /// Peels the first iteration of the loop that `header` heads with LLVM's peelLoop (a copy
    /// of its blocks, nested loops included, runs once before it), after giving it a
    /// preheader, dedicated exits and LCSSA form; refused when the loop has more than
    /// `max_insts` instructions. `Err((why, changed))` as [`Shim::rotate_loop`].
    pub(crate) fn peel_loop(
        &self,
        header: LLVMBasicBlockRef,
        max_insts: u32,
    ) -> Result<(), (String, bool)> {
        let mut changed: c_int = 0;
        // SAFETY: as for rotate_loop.
        let p = unsafe { syscluster_shim_peel_loop(self.ctx, header, max_insts, &mut changed) };
        loop_answer(p, changed)
    }

    /// Unswitches the loop that `header` heads on `branch`, a two-way branch of the loop whose
    /// condition is the same in every iteration (or computed in the loop from such values by
    /// arithmetic, which is hoisted before it): a copy of the loop, first in block order, runs
    /// when the condition sends `branch` to its successor `keep` (0 or 1), and there `branch`
    /// goes that way only; the original loop runs otherwise, where `branch` becomes an
    /// unconditional branch to the other way (the block's terminator, with `branch`'s debug
    /// location). `Err((why, changed))` as [`Shim::rotate_loop`].
    pub(crate) fn unswitch_loop(
        &self,
        header: LLVMBasicBlockRef,
        branch: LLVMValueRef,
        keep: u32,
        max_insts: u32,
    ) -> Result<(), (String, bool)> {
        let mut changed: c_int = 0;
        // SAFETY: as for rotate_loop; branch is an instruction of the same function.
        let p = unsafe {
            syscluster_shim_unswitch_loop(self.ctx, header, branch, keep, max_insts, &mut changed)
        };
        loop_answer(p, changed)
    }

    /// Versions the loop that `header` heads on the value its header phi `phi` comes in with,
    /// where the loop only ever sets it to the constant `value`: the loop, with `phi` that
    /// constant in every iteration and what it decided folded, runs when it comes in as
    /// `value`, a copy of the loop otherwise. `Err((why, changed))` as
    /// [`Shim::rotate_loop`].
    pub(crate) fn version_loop_on_phi(
        &self,
        header: LLVMBasicBlockRef,
        phi: LLVMValueRef,
        value: LLVMValueRef,
        max_insts: u32,
    ) -> Result<(), (String, bool)> {
        let mut changed: c_int = 0;
        // SAFETY: as for rotate_loop; phi is an instruction and value a constant of the same
        // function's module, which the shim checks.
        let p = unsafe {
            syscluster_shim_version_loop_on_phi(
                self.ctx,
                header,
                phi,
                value,
                max_insts,
                &mut changed,
            )
        };
        loop_answer(p, changed)
    }

    /// Versions the loop that `header` heads on the value its header phi `phi` comes in
    /// with: the loop runs when that value is at most the constant `bound` (unsigned), a copy
    /// of the loop otherwise, entered from the preheader's `count.fits` test. The loop keeps
    /// its blocks and values; the caller rewrites it for what it now knows. `Err((why,
    /// changed))` as [`Shim::rotate_loop`].
    pub(crate) fn version_loop_at_most(
        &self,
        header: LLVMBasicBlockRef,
        phi: LLVMValueRef,
        bound: LLVMValueRef,
        max_insts: u32,
    ) -> Result<(), (String, bool)> {
        let mut changed: c_int = 0;
        // SAFETY: as for rotate_loop; phi is an instruction and bound a constant of the same
        // function's module, which the shim checks.
        let p = unsafe {
            syscluster_shim_version_loop_at_most(
                self.ctx,
                header,
                phi,
                bound,
                max_insts,
                &mut changed,
            )
        };
        loop_answer(p, changed)
    }

    /// Keeps the variable at `ptr` (a global variable, or a constant address into one) in a
    /// register across the loop that `header` heads: loaded once on the way in, stored at
    /// each exit, its loads and stores in the loop turned into SSA values (LICM's scalar
    /// promotion). The caller has made sure nothing else reads or writes it while the loop
    /// runs, but for the calls `spill` (calls of the loop), around which the variable is
    /// stored before and loaded again after. `Err((why, changed))` as [`Shim::rotate_loop`].
    pub(crate) fn promote_in_loop(
        &self,
        header: LLVMBasicBlockRef,
        ptr: LLVMValueRef,
        spill: &[LLVMValueRef],
    ) -> Result<(), (String, bool)> {
        let mut changed: c_int = 0;
        let spills = c_uint::try_from(spill.len()).map_err(|_| {
            (
                "too many calls to store the variable around".to_string(),
                false,
            )
        })?;
        // SAFETY: as for rotate_loop; ptr is a live constant of the same module, and `spill`
        // points at `spills` live instructions of the loop's function, read during the call.
        let p = unsafe {
            syscluster_shim_promote_in_loop(
                self.ctx,
                header,
                ptr,
                spill.as_ptr(),
                spills,
                &mut changed,
            )
        };
        loop_answer(p, changed)
    }

    /// Why the direct call `call` may not be inlined into its function (LLVM's words), or
    /// `None` when it may: the callee has a body here, takes fixed arguments, is not
    /// `noinline`, cannot be replaced at link time, and LLVM's `isInlineViable` accepts it.
    pub(crate) fn inline_blocker(&self, call: LLVMValueRef) -> Option<String> {
        // SAFETY: call is an instruction of the module; the shim checks that it is a call and
        // returns null or a static NUL-terminated string.
        let p = unsafe { syscluster_shim_inline_blocker(call) };
        // SAFETY: a non-null answer is a static NUL-terminated string.
        (!p.is_null()).then(|| unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
    }
    /// Inlines the direct call `call`, which [`Shim::inline_blocker`] accepted (LLVM's
    /// `InlineFunction`): the call is gone afterwards, the copied instructions keep their
    /// debug locations with an inlined-at chain ending at the call's, and the caller's cached
    /// analyses are invalidated. `Err` with LLVM's reason when it did not inline (nothing
    /// changed then).
    pub(crate) fn inline_call(&self, call: LLVMValueRef) -> Result<(), String> {
        // SAFETY: ctx is live for this run; call is a direct call the blocker check accepted,
        // which is what InlineFunction requires. The answer is null or a static string.
        answer(unsafe { syscluster_shim_inline_call(self.ctx, call) })
    }
    /// Makes the first test of the helper `call` calls (a guard: its entry block loads a flag,
    /// tests it and branches, one way to a block that only returns; `work_if_true` says which
    /// way does the work) before the call: the call's block ends with a copy of the load and
    /// the test, and the call, alone in a block of its own that the test goes to when the
    /// helper would do its work, calls the helper past its test. That copy of the helper is
    /// `entered` when given (made by an earlier split of the same helper), else made here
    /// (`name.entered`, internal); it is returned. The caller invalidates the function's
    /// analyses. `Err` with the reason when nothing changed.
    pub(crate) fn split_guard(
        &self,
        call: LLVMValueRef,
        work_if_true: bool,
        entered: Option<LLVMValueRef>,
    ) -> Result<LLVMValueRef, String> {
        let mut copy = entered.unwrap_or(std::ptr::null_mut());
        // SAFETY: ctx is live for this run; call is a direct call of a defined function of
        // the module, and copy null or that function's copy made by an earlier call. The
        // answer is null or a static string.
        let p = unsafe {
            syscluster_shim_split_guard(self.ctx, call, c_int::from(work_if_true), &mut copy)
        };
        answer(p).map(|()| copy)
    }
    /// Tail-duplicates the blocks of `path` (a path of control-flow edges in one function) from
    /// the first one entered from elsewhere on, so that the path's copy of its last block is
    /// entered only by way of its first (the shim's `syscluster_shim_duplicate_path` says how
    /// phis and values are joined). `Ok(n)`: `n` blocks copied; `Err` with the reason when
    /// refused (nothing changed then). The function's cached analyses are invalidated.
    pub(crate) fn duplicate_path(
        &self,
        path: &[LLVMBasicBlockRef],
        max_insts: u32,
        new_header: NewHeader,
    ) -> Result<u32, String> {
        let mut blocks = path.to_vec();
        let mut copied: c_uint = 0;
        let n = c_uint::try_from(blocks.len()).map_err(|_| "the path is too long".to_string())?;
        // SAFETY: ctx is live for this run; `blocks` holds n blocks of the module for the call's
        // duration; `copied` is a local the shim writes once. The answer is null or a static
        // NUL-terminated string.
        let p = unsafe {
            syscluster_shim_duplicate_path(
                self.ctx,
                blocks.as_mut_ptr(),
                n,
                max_insts,
                c_int::from(new_header == NewHeader::Yes),
                &mut copied,
            )
        };
        answer(p).map(|()| copied)
    }
    /// Merges `twin` into `keep`, two blocks that compute the same and go on to the same
    /// blocks (a loop's first block and the copy loop rotation made of it for the way in):
    /// `twin`'s predecessors go to `keep`, and `twin` is deleted (the shim's
    /// `syscluster_shim_merge_twin` says when). `Err` with the reason when refused (nothing
    /// changed then). The function's cached analyses are invalidated.
    pub(crate) fn merge_twin(
        &self,
        keep: LLVMBasicBlockRef,
        twin: LLVMBasicBlockRef,
    ) -> Result<(), String> {
        // SAFETY: ctx is live for this run; both are blocks of the module. The answer is null
        // or a static NUL-terminated string.
        answer(unsafe { syscluster_shim_merge_twin(self.ctx, keep, twin) })
    }
    /// Copies the top of a loop that branches (`blocks`: the header first, the block that ends
    /// in the branch to the loop's new header last) onto the way in (`way_in`), so that the new
    /// header heads the loop (the shim's `syscluster_shim_duplicate_region` says how). `Ok(n)`:
    /// `n` blocks copied; `Err` with the reason when refused (nothing changed then). The
    /// function's cached analyses are invalidated.
    pub(crate) fn duplicate_region(
        &self,
        way_in: LLVMBasicBlockRef,
        blocks: &[LLVMBasicBlockRef],
        max_insts: u32,
    ) -> Result<u32, String> {
        let mut blocks = blocks.to_vec();
        let mut copied: c_uint = 0;
        let n =
            c_uint::try_from(blocks.len()).map_err(|_| "the region is too large".to_string())?;
        // SAFETY: ctx is live for this run; `blocks` holds n blocks of the module for the call's
        // duration; `copied` is a local the shim writes once. The answer is null or a static
        // NUL-terminated string.
        let p = unsafe {
            syscluster_shim_duplicate_region(
                self.ctx,
                way_in,
                blocks.as_mut_ptr(),
                n,
                max_insts,
                &mut copied,
            )
        };
        answer(p).map(|()| copied)
    }
    /// The functions the indirect call `call` may call as LLVM's CalledValuePropagation found
    /// them (its `!callees` metadata), or `None` when the call has none.
    pub(crate) fn known_callees(&self, call: LLVMValueRef) -> Option<Vec<LLVMValueRef>> {
        const MAX: usize = 16;
        let mut out = [std::ptr::null_mut(); MAX];
        // SAFETY: call is a value of the module (the shim checks that it is a call); out has
        // room for MAX values and the shim writes at most that many.
        let n = unsafe { syscluster_shim_known_callees(call, out.as_mut_ptr(), MAX as c_uint) };
        let n = usize::try_from(n).ok()?;
        (n <= MAX).then(|| out[..n].to_vec())
    }
    /// Makes the indirect call `call` a direct call of `callee` where the called pointer is
    /// `callee`, a copy of the indirect call running for any other value (LLVM's
    /// `promoteCallWithIfThenElse`); the caller's cached analyses are invalidated. `Err` with
    /// the reason when LLVM's `isLegalToPromote` refuses (nothing changed then).
    pub(crate) fn promote_call(
        &self,
        call: LLVMValueRef,
        callee: LLVMValueRef,
    ) -> Result<(), String> {
        // SAFETY: ctx is live for this run; call and callee are values of the module (the shim
        // checks their kinds). The answer is null or a static NUL-terminated string.
        answer(unsafe { syscluster_shim_promote_call(self.ctx, call, callee) })
    }
    /// Deletes the function when it has local linkage and nothing uses it any more, after
    /// forgetting its cached analyses; whether it did. Values of the function must not be used
    /// afterwards.
    pub(crate) fn delete_if_dead(&self, func: LLVMValueRef) -> bool {
        // SAFETY: ctx is live; func is a function of the module (the shim checks the kind).
        unsafe { syscluster_shim_delete_if_dead(self.ctx, func) != 0 }
    }
    pub(crate) fn remark(
        &self,
        kind: RemarkKind,
        func: LLVMValueRef,
        at: Option<LLVMValueRef>,
        name: &str,
        msg: &str,
    ) {
        let name = cstring(name);
        let msg = cstring(msg);
        // SAFETY: func is a function of the module, at (when given) one of its instructions.
        unsafe {
            syscluster_shim_remark(
                self.ctx,
                kind as c_int,
                func,
                at.unwrap_or(std::ptr::null_mut()),
                name.as_ptr(),
                msg.as_ptr(),
            )
        }
    }
    /// Whether any remark of the pass reaches the user (a remark file, or `-Rpass*` /
    /// `-pass-remarks*` naming the pass): without one, remarks' texts need not be built.
    pub(crate) fn remarks_wanted(&self) -> bool {
        // SAFETY: ctx is live for this run; the query only reads the context's settings.
        unsafe { syscluster_shim_remarks_wanted(self.ctx) != 0 }
    }
    pub(crate) fn error(&self, msg: &str) {
        let msg = cstring(msg);
        // SAFETY: ctx is live for this run.
        unsafe { syscluster_shim_error(self.ctx, msg.as_ptr()) }
    }
    pub(crate) fn warning(&self, msg: &str) {
        let msg = cstring(msg);
        // SAFETY: ctx is live for this run.
        unsafe { syscluster_shim_warning(self.ctx, msg.as_ptr()) }
    }
    /// A copy of `module` as it is now, to put back with [`Shim::restore`].
    pub(crate) fn backup(&self, module: LLVMModuleRef) -> Backup {
        // SAFETY: module is the run's live module; the shim clones it into a module of its own.
        Backup(unsafe { syscluster_shim_backup(module) })
    }
    /// Puts the bodies of `backup` back into the run's module (the one it was taken of);
    /// false when it could not (a global it uses is gone).
    pub(crate) fn restore(&self, backup: &Backup) -> bool {
        // SAFETY: ctx is live; backup was taken of this run's module and is not freed yet.
        unsafe { syscluster_shim_restore_module(self.ctx, backup.0) != 0 }
    }
    /// Breaks `func` for the verifier (`-syscluster-break-ir-for-testing`).
    pub(crate) fn break_for_testing(&self, func: LLVMValueRef) {
        // SAFETY: ctx is live; the shim checks that func is a defined function.
        unsafe { syscluster_shim_break_for_testing(self.ctx, func) }
    }
}

/// A copy of the module as the pass found it (pass/shim/backup.cpp), freed when dropped.
pub(crate) struct Backup(*mut c_void);

impl Drop for Backup {
    fn drop(&mut self) {
        // SAFETY: the pointer came from syscluster_shim_backup and is freed once, here.
        unsafe { syscluster_shim_backup_free(self.0) }
    }
}

/// Whether `-syscluster-break-ir-for-testing` was given.
pub(crate) fn break_ir_for_testing() -> bool {
    // SAFETY: reads a cl::opt the plugin registered.
    unsafe { syscluster_shim_opt_break_for_testing() != 0 }
}

/// Whether `-syscluster-panic-for-testing` was given.
pub(crate) fn panic_for_testing() -> bool {
    // SAFETY: reads a cl::opt the plugin registered.
    unsafe { syscluster_shim_opt_panic_for_testing() != 0 }
}

/// Whether `-syscluster-verify-sites` was given.
pub(crate) fn verify_sites() -> bool {
    // SAFETY: reads a cl::opt the plugin registered.
    unsafe { syscluster_shim_opt_verify_sites() != 0 }
}

/// The `-syscluster-*` command-line options (and `-stats`) as the host parsed them.
pub(crate) fn command_line() -> CommandLine {
    // SAFETY: the options were created in llvmGetPassPluginInfo; the returned string lives in
    // the cl::opt, which lives for the process.
    unsafe {
        CommandLine {
            profile: (syscluster_shim_opt_profile_given() != 0).then(|| {
                CStr::from_ptr(syscluster_shim_opt_profile())
                    .to_string_lossy()
                    .into_owned()
            }),
            min_weight: u64::from(syscluster_shim_opt_min_weight()),
            stats: syscluster_shim_opt_stats() != 0,
        }
    }
}

pub(crate) fn print_stats(body: &str) {
    let body = cstring(body);
    // SAFETY: plain string argument.
    unsafe { syscluster_shim_print_stats(body.as_ptr()) }
}
