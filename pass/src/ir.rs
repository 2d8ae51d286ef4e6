//! Thin, safe helpers over LLVM's C API for the IR queries the pass makes.
//!
//! Every function takes values that come from the module the pass is running on (the driver
//! only hands out such values), which is what makes the calls below sound.

use std::cell::Cell;
use std::ffi::{c_char, CStr};

use llvm_sys::analysis::{LLVMVerifierFailureAction, LLVMVerifyModule};
use llvm_sys::core::*;
use llvm_sys::prelude::*;
use llvm_sys::{LLVMIntPredicate, LLVMOpcode, LLVMTypeKind};

fn string_of(ptr: *const c_char, len: usize) -> String {
    if ptr.is_null() {
        return String::new();
    }
    // SAFETY: LLVM returned a pointer/length pair into a live name.
    let bytes = unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) };
    String::from_utf8_lossy(bytes).into_owned()
}

/// The name of a value (function, block, instruction), empty when it has none.
pub fn name(v: LLVMValueRef) -> String {
    let mut len = 0;
    // SAFETY: v is a live value.
    let p = unsafe { LLVMGetValueName2(v, &mut len) };
    string_of(p, len)
}

/// Functions of the module with a body.
pub fn defined_functions(m: LLVMModuleRef) -> Vec<LLVMValueRef> {
    let mut out = Vec::new();
    // SAFETY: iterating the module's function list with LLVM's own accessors.
    unsafe {
        let mut f = LLVMGetFirstFunction(m);
        while !f.is_null() {
            if LLVMIsDeclaration(f) == 0 {
                out.push(f);
            }
            f = LLVMGetNextFunction(f);
        }
    }
    out
}

pub fn blocks(f: LLVMValueRef) -> Vec<LLVMBasicBlockRef> {
    let mut out = Vec::new();
    // SAFETY: f is a defined function.
    unsafe {
        let mut b = LLVMGetFirstBasicBlock(f);
        while !b.is_null() {
            out.push(b);
            b = LLVMGetNextBasicBlock(b);
        }
    }
    out
}

pub fn instructions(b: LLVMBasicBlockRef) -> Vec<LLVMValueRef> {
    let mut out = Vec::new();
    // SAFETY: b is a live block.
    unsafe {
        let mut i = LLVMGetFirstInstruction(b);
        while !i.is_null() {
            out.push(i);
            i = LLVMGetNextInstruction(i);
        }
    }
    out
}

pub fn next_instruction(i: LLVMValueRef) -> Option<LLVMValueRef> {
    // SAFETY: i is a live instruction.
    let n = unsafe { LLVMGetNextInstruction(i) };
    (!n.is_null()).then_some(n)
}

pub fn previous_instruction(i: LLVMValueRef) -> Option<LLVMValueRef> {
    // SAFETY: i is a live instruction.
    let p = unsafe { LLVMGetPreviousInstruction(i) };
    (!p.is_null()).then_some(p)
}

pub fn parent_block(i: LLVMValueRef) -> LLVMBasicBlockRef {
    // SAFETY: i is an instruction inside a block.
    unsafe { LLVMGetInstructionParent(i) }
}

pub fn block_function(b: LLVMBasicBlockRef) -> LLVMValueRef {
    // SAFETY: b is a block inside a function.
    unsafe { LLVMGetBasicBlockParent(b) }
}

/// The block's label as printed IR shows it: its name, or `%N` by LLVM's slot numbering
/// (unnamed arguments, then per block its label and its unnamed non-void instructions).
pub fn block_name(b: LLVMBasicBlockRef) -> String {
    // SAFETY: b is a live block.
    let v = unsafe { LLVMBasicBlockAsValue(b) };
    let n = name(v);
    if !n.is_empty() {
        return format!("%{n}");
    }
    let f = block_function(b);
    let mut slot = 0u32;
    // SAFETY: walking the parameters of a live function.
    unsafe {
        let mut p = LLVMGetFirstParam(f);
        while !p.is_null() {
            if name(p).is_empty() {
                slot += 1;
            }
            p = LLVMGetNextParam(p);
        }
    }
    for blk in blocks(f) {
        // SAFETY: as above.
        if name(unsafe { LLVMBasicBlockAsValue(blk) }).is_empty() {
            if blk == b {
                return format!("%{slot}");
            }
            slot += 1;
        }
        for i in instructions(blk) {
            let void = type_kind(type_of(i)) == LLVMTypeKind::LLVMVoidTypeKind;
            if !void && name(i).is_empty() {
                slot += 1;
            }
        }
    }
    "<block>".into()
}

pub fn opcode(i: LLVMValueRef) -> LLVMOpcode {
    // SAFETY: i is an instruction.
    unsafe { LLVMGetInstructionOpcode(i) }
}

/// The opcode of an instruction or of a constant expression; `None` for other values.
pub fn opcode_of_any(v: LLVMValueRef) -> Option<LLVMOpcode> {
    if is_instruction(v) {
        return Some(opcode(v));
    }
    // SAFETY: v is a live value; it is read as a constant expression only after the check.
    unsafe { (!LLVMIsAConstantExpr(v).is_null()).then(|| LLVMGetConstOpcode(v)) }
}

pub fn is_instruction(v: LLVMValueRef) -> bool {
    // SAFETY: v is a live value.
    unsafe { !LLVMIsAInstruction(v).is_null() }
}

/// Whether `v` is an instruction that only computes a value from its operands and cannot
/// trap: a comparison, integer arithmetic but division, a shift, a cast between integers or
/// a `select`.
pub fn pure_op(v: LLVMValueRef) -> bool {
    use llvm_sys::LLVMOpcode::*;
    is_instruction(v)
        && matches!(
            opcode(v),
            LLVMICmp
                | LLVMAdd
                | LLVMSub
                | LLVMMul
                | LLVMAnd
                | LLVMOr
                | LLVMXor
                | LLVMShl
                | LLVMLShr
                | LLVMAShr
                | LLVMTrunc
                | LLVMZExt
                | LLVMSExt
                | LLVMSelect
        )
}

/// Whether `v` is computed by [`pure_op`]s, at most `depth` deep, from values each of which
/// `leaf` accepts.
pub fn computed_from(
    v: LLVMValueRef,
    depth: u32,
    leaf: &mut impl FnMut(LLVMValueRef) -> bool,
) -> bool {
    if depth > 0 && pure_op(v) {
        (0..num_operands(v)).all(|k| computed_from(operand(v, k), depth - 1, leaf))
    } else {
        leaf(v)
    }
}

pub fn is_constant(v: LLVMValueRef) -> bool {
    // SAFETY: v is a live value.
    unsafe { LLVMIsConstant(v) != 0 }
}

/// The value of an integer constant, sign-extended.
pub fn const_int(v: LLVMValueRef) -> Option<i64> {
    // SAFETY: v is a live value; we only read it as ConstantInt after checking that it is one.
    unsafe {
        if LLVMIsAConstantInt(v).is_null() {
            return None;
        }
        Some(LLVMConstIntGetSExtValue(v))
    }
}

/// The `i64` constant `v` in the context of the value `like` (constants belong to a context,
/// not to a function: making one changes no IR).
pub fn const_i64(like: LLVMValueRef, v: i64) -> LLVMValueRef {
    // SAFETY: like is a live value, so its type and that type's context are live; the
    // constant is created in (and owned by) that context. The bits of v are what LLVM stores.
    unsafe {
        let ctx = LLVMGetTypeContext(LLVMTypeOf(like));
        LLVMConstInt(LLVMInt64TypeInContext(ctx), v as u64, 1)
    }
}

/// The constant `v` of the integer type `ty`.
pub fn const_of(ty: LLVMTypeRef, v: i64) -> LLVMValueRef {
    // SAFETY: ty is a live integer type; the constant is created in (and owned by) its
    // context.
    unsafe { LLVMConstInt(ty, v as u64, 1) }
}

/// The number of operands of `i`.
pub fn num_operands(i: LLVMValueRef) -> u32 {
    // SAFETY: i is a live value (instructions have operand lists).
    unsafe { LLVMGetNumOperands(i) as u32 }
}

/// Operand `n` of the user `i`. An index past its operands (IR of a shape a caller did not
/// expect) is a bug of the pass, not undefined behaviour: it panics, and the driver puts the
/// module back as it was (`driver::put_back_after_panic`) instead of crashing the compiler.
pub fn operand(i: LLVMValueRef, n: u32) -> LLVMValueRef {
    // SAFETY: i is a live value; a user's operand list is read only below its length.
    unsafe {
        assert!(
            !LLVMIsAUser(i).is_null(),
            "operand {n} of a value that has no operands"
        );
        let count = LLVMGetNumOperands(i);
        assert!(
            (n as i32) < count,
            "operand {n} of a value with {count} operands"
        );
        LLVMGetOperand(i, n)
    }
}

pub fn is_call(i: LLVMValueRef) -> bool {
    // SAFETY: i is a live value.
    unsafe { !LLVMIsACallInst(i).is_null() }
}

/// Whether `i` calls a function: a call, or an `invoke` (a call that may unwind to a
/// landing pad, as C++ compiles one inside a `try` or with destructors to run). Both are
/// LLVM's `CallBase`: [`callee_operand`], [`call_args`] and [`called_function`] read either.
pub fn is_call_site(i: LLVMValueRef) -> bool {
    is_call(i) || is_invoke(i)
}

/// Whether `i` is an `invoke`.
pub fn is_invoke(i: LLVMValueRef) -> bool {
    // SAFETY: i is a live value.
    unsafe { !LLVMIsAInvokeInst(i).is_null() }
}

/// The callee operand of a call: a function, or the pointer an indirect call goes through.
pub fn callee_operand(call: LLVMValueRef) -> LLVMValueRef {
    // SAFETY: call is a call instruction.
    unsafe { LLVMGetCalledValue(call) }
}

/// Arguments of a call (without the callee operand).
pub fn call_args(call: LLVMValueRef) -> Vec<LLVMValueRef> {
    // SAFETY: call is a call instruction.
    let n = unsafe { LLVMGetNumArgOperands(call) };
    (0..n).map(|k| operand(call, k)).collect()
}

/// The function a call calls directly, if any.
pub fn called_function(call: LLVMValueRef) -> Option<LLVMValueRef> {
    // SAFETY: call is a call instruction; the callee operand may be any value.
    unsafe {
        let callee = LLVMGetCalledValue(call);
        if callee.is_null() || LLVMIsAFunction(callee).is_null() {
            None
        } else {
            Some(callee)
        }
    }
}

/// Which `llvm.{s,u}{min,max}` intrinsic the call `v` calls, if any: (signed, min).
pub fn min_max(v: LLVMValueRef) -> Option<(bool, bool)> {
    if !is_instruction(v) || !is_call(v) {
        return None;
    }
    let name = self::name(called_function(v)?);
    let kind = name.strip_prefix("llvm.")?.split('.').next()?;
    match kind {
        "smin" => Some((true, true)),
        "smax" => Some((true, false)),
        "umin" => Some((false, true)),
        "umax" => Some((false, false)),
        _ => None,
    }
}

/// `n` when `inst` is `llvm.smax(n, 0)` or `llvm.smax(0, n)`, or a `select` that is `n`
/// for every `n >= 1` and 0 otherwise when `n` is 0 (`select (n > 0), n, 0`, -O1's form):
/// `n` itself for every `n >= 0`.
pub fn smax_of_zero(inst: LLVMValueRef) -> Option<LLVMValueRef> {
    if is_instruction(inst) && opcode(inst) == LLVMOpcode::LLVMSelect {
        let (c, t, f) = (operand(inst, 0), operand(inst, 1), operand(inst, 2));
        return match (const_int(t), const_int(f)) {
            (None, Some(0)) if holds_for_positive(c, true, t) => Some(t),
            (Some(0), None) if holds_for_positive(c, false, f) => Some(f),
            _ => None,
        };
    }
    if !is_call(inst) {
        return None;
    }
    let f = called_function(inst)?;
    if !name(f).starts_with("llvm.smax.") {
        return None;
    }
    let (a, b) = (operand(inst, 0), operand(inst, 1));
    match (const_int(a), const_int(b)) {
        (_, Some(0)) => Some(a),
        (Some(0), _) => Some(b),
        _ => None,
    }
}

/// Whether `cond` is `value` for every `n >= 1`: `cond` compares `n` with a constant.
fn holds_for_positive(cond: LLVMValueRef, value: bool, n: LLVMValueRef) -> bool {
    use LLVMIntPredicate::*;
    let Some((pred, c)) = as_compare(cond, n) else {
        return false;
    };
    match if value { pred } else { inverse_predicate(pred) } {
        LLVMIntSGT | LLVMIntNE => c <= 0,
        LLVMIntSGE => c <= 1,
        LLVMIntUGT => c == 0,
        LLVMIntUGE => (0..=1).contains(&c),
        _ => false,
    }
}

/// `cond` as `n pred c` with a constant `c`.
pub fn as_compare(cond: LLVMValueRef, n: LLVMValueRef) -> Option<(LLVMIntPredicate, i64)> {
    if !is_instruction(cond) || opcode(cond) != LLVMOpcode::LLVMICmp {
        return None;
    }
    let pred = icmp_predicate(cond)?;
    let (l, r) = (operand(cond, 0), operand(cond, 1));
    if l == n {
        Some((pred, const_int(r)?))
    } else if r == n {
        Some((swapped_predicate(pred), const_int(l)?))
    } else {
        None
    }
}

/// Whether the load or store `inst` is a simple access: neither volatile nor atomic.
pub fn simple_access(inst: LLVMValueRef) -> bool {
    // SAFETY: inst is a live load or store; only its flags are read.
    unsafe {
        llvm_sys::core::LLVMGetVolatile(inst) == 0
            && llvm_sys::core::LLVMGetOrdering(inst)
                == llvm_sys::LLVMAtomicOrdering::LLVMAtomicOrderingNotAtomic
    }
}

/// The two lifetime markers LLVM puts around a local object's live range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LifetimeMarker {
    Start,
    End,
}

/// Whether `inst` is an `llvm.lifetime.start` or `llvm.lifetime.end` call, and which.
pub fn lifetime_marker(inst: LLVMValueRef) -> Option<LifetimeMarker> {
    if !is_call(inst) {
        return None;
    }
    let name = name(called_function(inst)?);
    if name.starts_with("llvm.lifetime.start") {
        Some(LifetimeMarker::Start)
    } else if name.starts_with("llvm.lifetime.end") {
        Some(LifetimeMarker::End)
    } else {
        None
    }
}

pub fn type_of(v: LLVMValueRef) -> LLVMTypeRef {
    // SAFETY: v is a live value.
    unsafe { LLVMTypeOf(v) }
}

pub fn type_kind(t: LLVMTypeRef) -> LLVMTypeKind {
    // SAFETY: t is a live type.
    unsafe { LLVMGetTypeKind(t) }
}

pub fn int_width(t: LLVMTypeRef) -> u32 {
    // SAFETY: t is an integer type (callers check the kind).
    unsafe { LLVMGetIntTypeWidth(t) }
}

pub fn successors(term: LLVMValueRef) -> Vec<LLVMBasicBlockRef> {
    // SAFETY: term is a terminator.
    unsafe {
        let n = LLVMGetNumSuccessors(term);
        (0..n).map(|k| LLVMGetSuccessor(term, k)).collect()
    }
}

/// The successors of a block (none without a terminator).
pub fn successors_of(b: LLVMBasicBlockRef) -> Vec<LLVMBasicBlockRef> {
    terminator(b).map(successors).unwrap_or_default()
}

/// Whether `x` comes before `y` in their common block.
pub fn comes_before(x: LLVMValueRef, y: LLVMValueRef) -> bool {
    instructions(parent_block(x))
        .into_iter()
        .find(|&i| i == x || i == y)
        == Some(x)
}

/// Whether a path of at least one edge leads from block `from` to block `to` (`from` itself:
/// whether it can run again after itself within one run of its function).
pub fn block_reaches(from: LLVMBasicBlockRef, to: LLVMBasicBlockRef) -> bool {
    let mut seen = indexmap::IndexSet::new();
    let mut todo = successors_of(from);
    while let Some(b) = todo.pop() {
        if b == to {
            return true;
        }
        if seen.insert(b) {
            todo.extend(successors_of(b));
        }
    }
    false
}

/// Whether control can go from the instruction `from` on to the instruction `to` of the same
/// function (`to` may be `from` itself: a loop around it).
pub fn instruction_reaches(from: LLVMValueRef, to: LLVMValueRef) -> bool {
    let (fb, tb) = (parent_block(from), parent_block(to));
    (fb == tb && from != to && comes_before(from, to)) || block_reaches(fb, tb)
}

/// Whether `v` is fresh memory an allocator returned: a call (or `invoke`) whose result is
/// `noalias`, as `malloc`'s, `calloc`'s and their wrappers' are: no other pointer reaches it.
pub fn returns_fresh_memory(v: LLVMValueRef) -> bool {
    is_instruction(v) && is_call_site(v) && call_has_attribute(v, AttrAt::Return, "noalias")
}

pub fn terminator(b: LLVMBasicBlockRef) -> Option<LLVMValueRef> {
    // SAFETY: b is a live block.
    let t = unsafe { LLVMGetBasicBlockTerminator(b) };
    (!t.is_null()).then_some(t)
}

pub fn is_terminator(i: LLVMValueRef) -> bool {
    // SAFETY: i is a live value.
    unsafe { !LLVMIsATerminatorInst(i).is_null() }
}

/// For `br i1 %c, label %t, label %f`: (c, t, f).
pub fn conditional_branch(
    term: LLVMValueRef,
) -> Option<(LLVMValueRef, LLVMBasicBlockRef, LLVMBasicBlockRef)> {
    // SAFETY: term is a live instruction; only read as a branch after checking.
    unsafe {
        if LLVMIsABranchInst(term).is_null() || LLVMIsConditional(term) == 0 {
            return None;
        }
        Some((
            LLVMGetCondition(term),
            LLVMGetSuccessor(term, 0),
            LLVMGetSuccessor(term, 1),
        ))
    }
}

pub fn icmp_predicate(i: LLVMValueRef) -> Option<LLVMIntPredicate> {
    // SAFETY: i is a live value; the predicate is read only from an ICmp.
    unsafe {
        if LLVMIsAICmpInst(i).is_null() {
            None
        } else {
            Some(LLVMGetICmpPredicate(i))
        }
    }
}

/// Predecessor count of a block (number of uses by terminators).
pub fn predecessors(b: LLVMBasicBlockRef) -> Vec<LLVMBasicBlockRef> {
    let mut out = Vec::new();
    // SAFETY: walking the use list of the block's value; users of a block are terminators
    // (or blockaddress constants, which have no parent and are skipped).
    unsafe {
        let v = LLVMBasicBlockAsValue(b);
        let mut u = LLVMGetFirstUse(v);
        while !u.is_null() {
            let user = LLVMGetUser(u);
            if !LLVMIsATerminatorInst(user).is_null() {
                let pb = LLVMGetInstructionParent(user);
                if !out.contains(&pb) {
                    out.push(pb);
                }
            } else {
                // blockaddress: the block may be entered from anywhere.
                out.push(std::ptr::null_mut());
            }
            u = LLVMGetNextUse(u);
        }
    }
    out
}

/// Whether `v` is a null constant (`ptr null`, integer 0).
pub fn is_null(v: LLVMValueRef) -> bool {
    // SAFETY: v is a live value; LLVMIsNull is only asked of a constant.
    unsafe { LLVMIsConstant(v) != 0 && LLVMIsNull(v) != 0 }
}

/// Whether the pointer `v` surely points into an object, so that it is not null: an
/// `alloca` or a global variable that is not an extern_weak declaration, through
/// `getelementptr inbounds` (instructions or constant expressions).
pub fn points_to_object(mut v: LLVMValueRef) -> bool {
    // SAFETY: v and each operand we step to are live values; each is asked what it is
    // before it is used as one.
    unsafe {
        loop {
            let gep = !LLVMIsAGetElementPtrInst(v).is_null()
                || (!LLVMIsAConstantExpr(v).is_null()
                    && LLVMGetConstOpcode(v) == LLVMOpcode::LLVMGetElementPtr);
            if gep && LLVMIsInBounds(v) != 0 {
                v = LLVMGetOperand(v, 0);
                continue;
            }
            break;
        }
        if !LLVMIsAAllocaInst(v).is_null() {
            return true;
        }
        !LLVMIsAGlobalVariable(v).is_null()
            && LLVMGetLinkage(v) != llvm_sys::LLVMLinkage::LLVMExternalWeakLinkage
    }
}

/// Whether `v` is an `alloca` instruction.
pub fn is_alloca(v: LLVMValueRef) -> bool {
    // SAFETY: LLVMIsAAllocaInst only inspects the value's kind.
    unsafe { !llvm_sys::core::LLVMIsAAllocaInst(v).is_null() }
}

/// Looks through sext/zext casts to the value they extend.
pub fn strip_extensions(mut v: LLVMValueRef) -> LLVMValueRef {
    while is_instruction(v) && matches!(opcode(v), LLVMOpcode::LLVMSExt | LLVMOpcode::LLVMZExt) {
        v = operand(v, 0);
    }
    v
}

/// `v = ashr (shl x, c), c` with a constant `c` from 1 to below `v`'s width: `(x, c)`, the
/// low `width - c` bits of `x` sign-extended (clang's `(long)(int)x` on a 64-bit `x`).
pub fn shifted_back(v: LLVMValueRef) -> Option<(LLVMValueRef, u32)> {
    if !is_instruction(v) || opcode(v) != LLVMOpcode::LLVMAShr {
        return None;
    }
    let shl = operand(v, 0);
    let c = const_int(operand(v, 1))?;
    let back = is_instruction(shl)
        && opcode(shl) == LLVMOpcode::LLVMShl
        && const_int(operand(shl, 1)) == Some(c)
        && c > 0
        && c < i64::from(int_width(type_of(v)));
    back.then(|| (operand(shl, 0), c as u32))
}

/// Looks through sext/zext/trunc casts (for comparing a branch operand with a value).
pub fn strip_int_casts(mut v: LLVMValueRef) -> LLVMValueRef {
    while is_instruction(v)
        && matches!(
            opcode(v),
            LLVMOpcode::LLVMSExt | LLVMOpcode::LLVMZExt | LLVMOpcode::LLVMTrunc
        )
    {
        v = operand(v, 0);
    }
    v
}

thread_local! {
    /// Whether the printed forms of values ([`describe`]) are wanted: they are only ever
    /// remarks' text, and printing one value numbers every value of its function and walks
    /// the debug metadata it reaches, which on a long function built with `-g` is most of the
    /// pass's time. Off while the pass runs on a module whose remarks reach no one
    /// ([`texts_wanted`]).
    static TEXTS_WANTED: Cell<bool> = const { Cell::new(true) };
}

/// Whether [`describe`] and the names built on it print values until the returned guard is
/// dropped (then the setting before it is back); when not, they return an empty string.
pub fn texts_wanted(wanted: bool) -> TextsWanted {
    TextsWanted {
        before: TEXTS_WANTED.replace(wanted),
    }
}

/// The setting [`texts_wanted`] replaced, put back when dropped (a panic of the pass too).
pub struct TextsWanted {
    before: bool,
}

impl Drop for TextsWanted {
    fn drop(&mut self) {
        TEXTS_WANTED.set(self.before);
    }
}

/// A short printable form of an instruction, for remarks (`%24 = call i64 @read(...)`);
/// empty while texts are not wanted ([`texts_wanted`]).
pub fn describe(v: LLVMValueRef) -> String {
    if !TEXTS_WANTED.get() {
        return String::new();
    }
    // SAFETY: LLVMPrintValueToString returns a malloc'ed string we free right away.
    let text = unsafe {
        let p = LLVMPrintValueToString(v);
        let s = CStr::from_ptr(p).to_string_lossy().into_owned();
        LLVMDisposeMessage(p);
        s
    };
    // One line: a switch prints each case on a line of its own, and a remark's message is
    // one line of -Rpass output and one plain scalar of the YAML record.
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    // Drop metadata attachments (", !dbg !84") to keep remarks readable.
    let text = match text.find(", !") {
        Some(k) => &text[..k],
        None => &text[..],
    };
    let mut t: String = text.chars().take(120).collect();
    if text.chars().count() > 120 {
        t.push_str("...");
    }
    t
}

/// How printed IR names a value (`%24`, `%total`): the left side of its definition.
pub fn value_name(v: LLVMValueRef) -> String {
    let text = describe(v);
    match text.split_once(" = ") {
        Some((lhs, _)) => lhs.to_string(),
        None => text,
    }
}

/// How printed IR names `v` as an operand: `%name`, `%N` or the constant, without its type.
pub fn operand_name(v: LLVMValueRef) -> String {
    if is_instruction(v) {
        return value_name(v);
    }
    // SAFETY: v is a live value; the query only reads its kind.
    if unsafe { !llvm_sys::core::LLVMIsAGlobalValue(v).is_null() } {
        return format!("@{}", name(v));
    }
    let text = describe(v);
    text.rsplit(' ').next().unwrap_or(&text).to_string()
}

pub fn is_phi(i: LLVMValueRef) -> bool {
    is_instruction(i) && opcode(i) == LLVMOpcode::LLVMPHI
}

/// The incoming (value, block) pairs of the phi `phi`.
pub fn incoming(phi: LLVMValueRef) -> Vec<(LLVMValueRef, LLVMBasicBlockRef)> {
    // SAFETY: phi is a phi node; k is below its incoming count.
    unsafe {
        (0..LLVMCountIncoming(phi))
            .map(|k| (LLVMGetIncomingValue(phi, k), LLVMGetIncomingBlock(phi, k)))
            .collect()
    }
}

/// Every user of `v`, instructions and constants alike, once per use.
pub fn value_users(v: LLVMValueRef) -> Vec<LLVMValueRef> {
    let mut out = Vec::new();
    // SAFETY: walking the use list of a live value.
    unsafe {
        let mut u = LLVMGetFirstUse(v);
        while !u.is_null() {
            out.push(LLVMGetUser(u));
            u = LLVMGetNextUse(u);
        }
    }
    out
}

/// The instructions that use `v`, each with the block the use is in: the user's block, or
/// for a phi the incoming block the use belongs to.
pub fn users(v: LLVMValueRef) -> Vec<(LLVMValueRef, LLVMBasicBlockRef)> {
    let mut out = Vec::new();
    // SAFETY: walking the use list of a live value; a phi's incoming blocks are read by the
    // operand index of the use, found by comparing the use's operand slot.
    unsafe {
        let mut u = LLVMGetFirstUse(v);
        while !u.is_null() {
            let user = LLVMGetUser(u);
            if !LLVMIsAInstruction(user).is_null() {
                if is_phi(user) {
                    for k in 0..LLVMCountIncoming(user) {
                        if LLVMGetIncomingValue(user, k) == v {
                            out.push((user, LLVMGetIncomingBlock(user, k)));
                        }
                    }
                } else {
                    out.push((user, LLVMGetInstructionParent(user)));
                }
            }
            u = LLVMGetNextUse(u);
        }
    }
    out
}

/// Names the value `v` `name` (LLVM makes it unique in its function).
pub fn set_name(v: LLVMValueRef, name: &str) {
    // SAFETY: v is a live value; the name is passed with its length.
    unsafe { LLVMSetValueName2(v, name.as_ptr().cast::<c_char>(), name.len()) }
}

/// Whether the block `b` is used by branches alone (no `blockaddress` takes it).
pub fn branched_to_only(b: LLVMBasicBlockRef) -> bool {
    // SAFETY: b is a live block of the module.
    let v = unsafe { LLVMBasicBlockAsValue(b) };
    value_users(v)
        .into_iter()
        .all(|u| is_instruction(u) && is_terminator(u))
}

/// Replaces every use of `old` by `new` (of the same type).
pub fn replace_uses(old: LLVMValueRef, new: LLVMValueRef) {
    // SAFETY: both are live values of one type.
    unsafe { llvm_sys::core::LLVMReplaceAllUsesWith(old, new) }
}

/// Replaces the uses of `old` by `new` in every instruction but those `keep` keeps.
pub fn replace_uses_except(
    old: LLVMValueRef,
    new: LLVMValueRef,
    keep: impl Fn(LLVMValueRef) -> bool,
) {
    let mut users: Vec<LLVMValueRef> = value_users(old)
        .into_iter()
        .filter(|&u| is_instruction(u) && !keep(u))
        .collect();
    users.dedup();
    for user in users {
        // SAFETY: `user` is a live instruction that uses `old`; each operand that is `old` is
        // set to `new`, a live value of the same type.
        unsafe {
            for k in 0..llvm_sys::core::LLVMGetNumOperands(user) {
                if llvm_sys::core::LLVMGetOperand(user, k as u32) == old {
                    llvm_sys::core::LLVMSetOperand(user, k as u32, new);
                }
            }
        }
    }
}

/// Deletes the instruction `inst`, which has no use left.
pub fn erase(inst: LLVMValueRef) {
    // SAFETY: `inst` is a live instruction of the module whose uses were all replaced.
    unsafe { llvm_sys::core::LLVMInstructionEraseFromParent(inst) }
}

/// Whether `gep` is `getelementptr [inbounds] i8, ptr p, i64 off`.
pub fn byte_gep(gep: LLVMValueRef) -> bool {
    // SAFETY: gep is a live getelementptr instruction of the module being read.
    let (operands, elem) = unsafe {
        (
            llvm_sys::core::LLVMGetNumOperands(gep),
            llvm_sys::core::LLVMGetGEPSourceElementType(gep),
        )
    };
    operands == 2
        && type_kind(elem) == LLVMTypeKind::LLVMIntegerTypeKind
        && int_width(elem) == 8
        && int_width(type_of(operand(gep, 1))) == 64
}

/// LLVM's verifier over the whole module: `Err` with its message when the module is broken.
pub fn verify(m: LLVMModuleRef) -> Result<(), String> {
    let mut msg: *mut c_char = std::ptr::null_mut();
    // SAFETY: m is the live module; with ReturnStatusAction the verifier only reports, and the
    // message it allocates is copied and disposed of here.
    unsafe {
        let broken = LLVMVerifyModule(
            m,
            LLVMVerifierFailureAction::LLVMReturnStatusAction,
            &mut msg,
        );
        let text = if msg.is_null() {
            String::new()
        } else {
            let s = CStr::from_ptr(msg).to_string_lossy().into_owned();
            LLVMDisposeMessage(msg);
            s
        };
        if broken != 0 {
            Err(text)
        } else {
            Ok(())
        }
    }
}

/// `pred` with its operands swapped (`a < b` is `b > a`).
pub(crate) fn swapped_predicate(pred: LLVMIntPredicate) -> LLVMIntPredicate {
    use LLVMIntPredicate::*;
    match pred {
        LLVMIntSGT => LLVMIntSLT,
        LLVMIntSLT => LLVMIntSGT,
        LLVMIntSGE => LLVMIntSLE,
        LLVMIntSLE => LLVMIntSGE,
        LLVMIntUGT => LLVMIntULT,
        LLVMIntULT => LLVMIntUGT,
        LLVMIntUGE => LLVMIntULE,
        LLVMIntULE => LLVMIntUGE,
        p @ (LLVMIntEQ | LLVMIntNE) => p,
    }
}

/// The predicate that holds exactly when `pred` does not.
pub(crate) fn inverse_predicate(pred: LLVMIntPredicate) -> LLVMIntPredicate {
    use LLVMIntPredicate::*;
    match pred {
        LLVMIntEQ => LLVMIntNE,
        LLVMIntNE => LLVMIntEQ,
        LLVMIntSGT => LLVMIntSLE,
        LLVMIntSLE => LLVMIntSGT,
        LLVMIntSLT => LLVMIntSGE,
        LLVMIntSGE => LLVMIntSLT,
        LLVMIntUGT => LLVMIntULE,
        LLVMIntULE => LLVMIntUGT,
        LLVMIntULT => LLVMIntUGE,
        LLVMIntUGE => LLVMIntULT,
    }
}

/// The cases of the `switch` terminator `term`, each value with the block it goes to (the
/// default, its first successor, left out); `None` when a value does not fit 64 bits.
pub(crate) fn switch_cases(term: LLVMValueRef) -> Option<Vec<(i64, LLVMBasicBlockRef)>> {
    successors(term)
        .into_iter()
        .enumerate()
        .skip(1)
        // Operand 2k of a switch is the value of its case k (operand 1 is the default).
        .map(|(k, to)| Some((const_int(operand(term, 2 * k as u32))?, to)))
        .collect()
}

/// Whether `l PRED r` holds for two 64-bit values.
pub(crate) fn icmp_holds(pred: LLVMIntPredicate, l: i64, r: i64) -> bool {
    use LLVMIntPredicate::*;
    let (ul, ur) = (l as u64, r as u64);
    match pred {
        LLVMIntEQ => l == r,
        LLVMIntNE => l != r,
        LLVMIntSLT => l < r,
        LLVMIntSLE => l <= r,
        LLVMIntSGT => l > r,
        LLVMIntSGE => l >= r,
        LLVMIntULT => ul < ur,
        LLVMIntULE => ul <= ur,
        LLVMIntUGT => ul > ur,
        LLVMIntUGE => ul >= ur,
    }
}

/// Where an attribute sits on a call: its return value or its argument `k`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttrAt {
    Return,
    Arg(u32),
    /// The function's own attributes (`returns_twice`, `nounwind`, ...).
    Function,
}

/// Whether enum attribute `attr` (`noalias`, `nocapture`, ...) is on a call at `at`, on the
/// call itself or on the function it calls directly.
pub fn call_has_attribute(call: LLVMValueRef, at: AttrAt, attr: &str) -> bool {
    let index = match at {
        AttrAt::Return => 0,
        AttrAt::Arg(k) => k + 1,
        AttrAt::Function => llvm_sys::LLVMAttributeFunctionIndex,
    };
    // SAFETY: the name is passed with its length; 0 means no such attribute.
    let kind = unsafe { LLVMGetEnumAttributeKindForName(attr.as_ptr().cast(), attr.len()) };
    if kind == 0 {
        return false;
    }
    // SAFETY: call is a call instruction and f a function; a missing attribute is null.
    unsafe {
        !LLVMGetCallSiteEnumAttribute(call, index, kind).is_null()
            || called_function(call)
                .is_some_and(|f| !LLVMGetEnumAttributeAtIndex(f, index, kind).is_null())
    }
}

/// Whether the function `f` carries the enum attribute `attr` (`optnone`, `noinline`, ...).
pub fn function_has_attribute(f: LLVMValueRef, attr: &str) -> bool {
    // SAFETY: the name is passed with its length; 0 means no such attribute.
    let kind = unsafe { LLVMGetEnumAttributeKindForName(attr.as_ptr().cast(), attr.len()) };
    // SAFETY: f is a function; a missing attribute is null.
    kind != 0
        && unsafe {
            !LLVMGetEnumAttributeAtIndex(f, llvm_sys::LLVMAttributeFunctionIndex, kind).is_null()
        }
}

/// Whether the function `f` is `optnone` (built at -O0, or so marked): no optimisation may
/// change it.
pub fn is_optnone(f: LLVMValueRef) -> bool {
    function_has_attribute(f, "optnone")
}

/// Whether a block of the function `f` has its address taken (`&&label`, a computed goto's
/// `indirectbr`): such a block may be entered from anywhere the address goes, and its
/// predecessors are not all known ([`predecessors`] gives a null block for them).
pub fn takes_label_address(f: LLVMValueRef) -> bool {
    blocks(f)
        .into_iter()
        .any(|b| predecessors(b).iter().any(|p| p.is_null()))
}

/// Why the pass leaves a function exactly as it is ([`left_alone`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LeftAlone {
    /// `optnone` (built at -O0, or so marked): LLVM's own passes leave it.
    OptNone,
    /// It takes a label's address: its control flow is not all known.
    LabelAddress,
    /// Its module calls `pthread_cancel`: a batch's calls are no cancellation points, so a
    /// thread cancelled while one runs would run it to its end.
    ThreadCancel,
}

/// Why the pass leaves the function `f` exactly as it is, if it does.
pub fn left_alone(f: LLVMValueRef) -> Option<LeftAlone> {
    if is_optnone(f) {
        Some(LeftAlone::OptNone)
    } else if takes_label_address(f) {
        Some(LeftAlone::LabelAddress)
    } else if named_function(module_of(f), "pthread_cancel")
        .is_some_and(|c| !value_users(c).is_empty())
    {
        Some(LeftAlone::ThreadCancel)
    } else {
        None
    }
}

/// Whether `v` is a global variable internal to the module (internal or private linkage):
/// with link-time optimisation, the whole program's own.
pub fn is_internal_global(v: LLVMValueRef) -> bool {
    // SAFETY: v is a live value; its linkage is read only once it is known to be a global.
    unsafe {
        !LLVMIsAGlobalVariable(v).is_null()
            && matches!(
                LLVMGetLinkage(v),
                llvm_sys::LLVMLinkage::LLVMInternalLinkage
                    | llvm_sys::LLVMLinkage::LLVMPrivateLinkage
            )
    }
}

/// Whether global value `v` (a variable or a function) has internal or private linkage: only
/// this module names it.
pub fn has_internal_linkage(v: LLVMValueRef) -> bool {
    // SAFETY: v is a live global value; only its linkage is read.
    matches!(
        unsafe { LLVMGetLinkage(v) },
        llvm_sys::LLVMLinkage::LLVMInternalLinkage | llvm_sys::LLVMLinkage::LLVMPrivateLinkage
    )
}

/// The first call in function `f` of a function that returns twice (`setjmp`, `vfork`).
pub fn returns_twice_call(f: LLVMValueRef) -> Option<LLVMValueRef> {
    blocks(f)
        .into_iter()
        .flat_map(instructions)
        .find(|&i| is_call(i) && call_has_attribute(i, AttrAt::Function, "returns_twice"))
}

/// Whether `u` is a `call` instruction of `f` that does not also pass `f` as an argument:
/// a use of the function that does not take its address.
pub fn calls_directly(u: LLVMValueRef, f: LLVMValueRef) -> bool {
    is_instruction(u) && is_call(u) && called_function(u) == Some(f) && !call_args(u).contains(&f)
}

/// Whether `call` calls `llvm.memset`, `llvm.memcpy` or `llvm.memmove`: it reads and writes
/// only the bytes its arguments describe and keeps no pointer it is given.
pub fn is_memory_intrinsic(call: LLVMValueRef) -> bool {
    let name = called_function(call).map(name).unwrap_or_default();
    ["llvm.memset.", "llvm.memcpy.", "llvm.memmove."]
        .iter()
        .any(|prefix| name.starts_with(prefix))
}

/// What uses the address of global variable `global`, directly or through constant address
/// computations into it (`getelementptr` constants): each instruction with the address it
/// uses. `Err` names the first other constant that uses it (a cast, an initializer's
/// entry), or `global` itself when there are too many to follow.
pub fn global_address_users(
    global: LLVMValueRef,
) -> Result<Vec<(LLVMValueRef, LLVMValueRef)>, LLVMValueRef> {
    let mut out = Vec::new();
    let mut todo = vec![global];
    let mut seen = indexmap::IndexSet::new();
    while let Some(p) = todo.pop() {
        if !seen.insert(p) || seen.len() > 256 {
            return Err(global);
        }
        for u in value_users(p) {
            if is_instruction(u) {
                out.push((u, p));
            } else if opcode_of_any(u) == Some(LLVMOpcode::LLVMGetElementPtr) && operand(u, 0) == p
            {
                todo.push(u);
            } else {
                return Err(u);
            }
        }
    }
    Ok(out)
}

/// The entry block of function `f`, which has a body.
pub fn entry_block(f: LLVMValueRef) -> LLVMBasicBlockRef {
    // SAFETY: f is a live function with at least one block.
    unsafe { LLVMGetEntryBasicBlock(f) }
}

/// The function whose formal argument `v` is, with the argument's index; `None` for any other
/// value.
pub fn argument_of(v: LLVMValueRef) -> Option<(LLVMValueRef, u32)> {
    // SAFETY: v is a live value; it is asked what it is before its parent is read, and k is
    // below the function's parameter count.
    unsafe {
        if LLVMIsAArgument(v).is_null() {
            return None;
        }
        let f = LLVMGetParamParent(v);
        (0..LLVMCountParams(f))
            .find(|&k| LLVMGetParam(f, k) == v)
            .map(|k| (f, k))
    }
}

/// The function of `module` named `name`, defined or declared, if any.
pub fn named_function(module: LLVMModuleRef, name: &str) -> Option<LLVMValueRef> {
    let name = std::ffi::CString::new(name).ok()?;
    // SAFETY: module is a live module and name a NUL-terminated string.
    let f = unsafe { LLVMGetNamedFunction(module, name.as_ptr()) };
    (!f.is_null()).then_some(f)
}

/// The landing pad block an invoke unwinds to.
pub fn invoke_unwind_dest(invoke: LLVMValueRef) -> LLVMBasicBlockRef {
    // SAFETY: invoke is a live invoke instruction.
    unsafe { LLVMGetUnwindDest(invoke) }
}

/// Parameter `k` of the function `f`, if it has that many.
pub fn param(f: LLVMValueRef, k: u32) -> Option<LLVMValueRef> {
    // SAFETY: f is a function; LLVMGetParam is only called with k below its parameter count.
    unsafe { (k < LLVMCountParams(f)).then(|| LLVMGetParam(f, k)) }
}

/// For `icmp eq|ne X, 0` (either way round): `X` and whether the test is `eq`.
pub fn zero_test(cond: LLVMValueRef) -> Option<(LLVMValueRef, bool)> {
    if !is_instruction(cond) || opcode(cond) != LLVMOpcode::LLVMICmp {
        return None;
    }
    let eq = match icmp_predicate(cond)? {
        LLVMIntPredicate::LLVMIntEQ => true,
        LLVMIntPredicate::LLVMIntNE => false,
        _ => return None,
    };
    let (a, b) = (operand(cond, 0), operand(cond, 1));
    if const_int(b) == Some(0) {
        Some((a, eq))
    } else if const_int(a) == Some(0) {
        Some((b, eq))
    } else {
        None
    }
}

/// The module that function `f` belongs to.
pub fn module_of(f: LLVMValueRef) -> LLVMModuleRef {
    // SAFETY: f is a live function; its parent module outlives it.
    unsafe { LLVMGetGlobalParent(f) }
}

/// Whether `v` is a global variable (of any linkage).
pub fn is_global_variable(v: LLVMValueRef) -> bool {
    // SAFETY: LLVMIsAGlobalVariable only inspects the value's kind.
    unsafe { !LLVMIsAGlobalVariable(v).is_null() }
}

/// The integer a global variable `g` starts the program with: its initialiser, when that is
/// an integer constant.
pub fn initial_int(g: LLVMValueRef) -> Option<i64> {
    if !is_global_variable(g) {
        return None;
    }
    // SAFETY: g is a live global variable; its initialiser, when it has one, is a constant.
    let init = unsafe { llvm_sys::core::LLVMGetInitializer(g) };
    (!init.is_null()).then(|| const_int(init)).flatten()
}

/// The name of the module's empty string that `fstat`'s lowering passes as the path of
/// `newfstatat(fd, "", st, AT_EMPTY_PATH)` ([`empty_path`]).
const EMPTY_PATH: &CStr = c"mc.empty_path";

/// A pointer to an empty string in the module of the call `like`: a private constant
/// `[1 x i8] zeroinitializer`, made at the first use and shared after it. The pass removes
/// it again when no lowered call uses it ([`drop_unused_empty_path`]).
pub fn empty_path(like: LLVMValueRef) -> LLVMValueRef {
    let module = module_of(block_function(parent_block(like)));
    // SAFETY: module is the live module of a live instruction; the global is looked up or
    // added in it, with a type of the module's context, and initialised to a constant of
    // that type.
    unsafe {
        let g = LLVMGetNamedGlobal(module, EMPTY_PATH.as_ptr());
        if !g.is_null() {
            return g;
        }
        let ctx = LLVMGetModuleContext(module);
        let ty = LLVMArrayType2(LLVMInt8TypeInContext(ctx), 1);
        let g = LLVMAddGlobal(module, ty, EMPTY_PATH.as_ptr());
        LLVMSetInitializer(g, LLVMConstNull(ty));
        LLVMSetGlobalConstant(g, 1);
        LLVMSetLinkage(g, llvm_sys::LLVMLinkage::LLVMPrivateLinkage);
        LLVMSetUnnamedAddress(g, llvm_sys::LLVMUnnamedAddr::LLVMGlobalUnnamedAddr);
        LLVMSetAlignment(g, 1);
        g
    }
}

/// Removes the module's [`empty_path`] string when nothing uses it: a module whose `fstat`
/// calls were not lowered is left as it was.
pub fn drop_unused_empty_path(module: LLVMModuleRef) {
    // SAFETY: module is live; a global without users may be deleted.
    unsafe {
        let g = LLVMGetNamedGlobal(module, EMPTY_PATH.as_ptr());
        if !g.is_null() && LLVMGetFirstUse(g).is_null() {
            LLVMDeleteGlobal(g);
        }
    }
}

/// The lanes of a fixed-width vector type of integers whose width is a whole number of bytes
/// and a power of two (8 to 64 bits), so that lane `k` lies at byte `k * width / 8`: the
/// lane type and the number of lanes; `None` for any other type.
pub fn integer_lanes(t: LLVMTypeRef) -> Option<(LLVMTypeRef, u32)> {
    if type_kind(t) != LLVMTypeKind::LLVMVectorTypeKind {
        return None;
    }
    // SAFETY: t is a fixed-width vector type: its element type and length are read.
    let (lane, count) = unsafe { (LLVMGetElementType(t), LLVMGetVectorSize(t)) };
    let whole = type_kind(lane) == LLVMTypeKind::LLVMIntegerTypeKind
        && matches!(int_width(lane), 8 | 16 | 32 | 64);
    (whole && count > 0).then_some((lane, count))
}

/// Element `k` of the constant vector `c`, when LLVM can give it (not for a constant
/// expression).
pub fn constant_element(c: LLVMValueRef, k: u32) -> Option<LLVMValueRef> {
    // SAFETY: c is a live constant of vector type; LLVM returns null for an element it
    // cannot give.
    let e = unsafe { LLVMGetAggregateElement(c, k) };
    (!e.is_null()).then_some(e)
}

/// The alignment in bytes of the load or store `access`.
pub fn alignment(access: LLVMValueRef) -> u32 {
    // SAFETY: access is a live load or store.
    unsafe { LLVMGetAlignment(access) }
}

/// Sets the alignment in bytes of the load or store `access`.
pub fn set_alignment(access: LLVMValueRef, bytes: u32) {
    // SAFETY: access is a live load or store; bytes is a power of two.
    unsafe { LLVMSetAlignment(access, bytes) }
}

/// The `nsw` and `nuw` flags of the integer operation `inst` (add, sub, mul, shl).
pub fn wrap_flags(inst: LLVMValueRef) -> (bool, bool) {
    // SAFETY: inst is a live add, sub, mul or shl.
    unsafe { (LLVMGetNSW(inst) != 0, LLVMGetNUW(inst) != 0) }
}

/// Whether the `trunc` instruction `inst` is `trunc nuw`: its result is poison when a bit it
/// drops is set.
pub fn trunc_nuw(inst: LLVMValueRef) -> bool {
    // SAFETY: inst is a live trunc; LLVMGetNUW reads Instruction::hasNoUnsignedWrap, which
    // answers for truncations as for the overflowing operators.
    is_instruction(inst)
        && opcode(inst) == LLVMOpcode::LLVMTrunc
        && unsafe { LLVMGetNUW(inst) != 0 }
}

/// Sets the `nsw` and `nuw` flags of the integer operation `inst` (add, sub, mul, shl).
pub fn set_wrap_flags(inst: LLVMValueRef, (nsw, nuw): (bool, bool)) {
    // SAFETY: inst is a live add, sub, mul or shl.
    unsafe {
        LLVMSetNSW(inst, i32::from(nsw));
        LLVMSetNUW(inst, i32::from(nuw));
    }
}

/// Whether `i` is an exception-handling pad (`landingpad`, `catchpad`, `cleanuppad`,
/// `catchswitch`), which must begin the non-phi part of its block.
pub fn is_eh_pad(i: LLVMValueRef) -> bool {
    matches!(
        opcode(i),
        LLVMOpcode::LLVMLandingPad
            | LLVMOpcode::LLVMCatchPad
            | LLVMOpcode::LLVMCleanupPad
            | LLVMOpcode::LLVMCatchSwitch
    )
}
