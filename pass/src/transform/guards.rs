//! A helper's first test made before the call (partial inlining of a guard, as LLVM's
//! PartialInliner does for an early return).
//!
//! Programs check for signals through a helper called in their loops, which returns at once
//! unless a flag is set:
//!
//! ```c
//! static volatile sig_atomic_t info_requested;
//! static void process_signals(void)                /* big, or recursive through a clean-up */
//! {                                                /* that writes: clang does not inline it */
//!         if (!info_requested)
//!                 return;
//!         ... block signals, print statistics, maybe exit ...
//! }
//! for (;;) { process_signals(); n = read(in, buf, N); ...; write(out, buf, n); ... }
//! ```
//!
//! The call is user code between the loop's system calls, in every iteration, so the loop
//! can never be one looped multi-call. When the helper's entry block is nothing but a test
//! of one flag (a load of a global variable, its `icmp eq|ne` with 0 or a `_Bool`'s `trunc
//! nuw`, a branch) whose one way is a block that only returns (past lifetime markers), the test is made at the call
//! instead (the entry's stack slots and their lifetime markers aside, which the copy keeps): the caller loads the flag as the helper would (same address, type, alignment,
//! volatility and atomic ordering) and calls, only when the test goes the other way, a copy
//! of the helper that begins past its test (`name.entered`: the original's body, its entry
//! going straight to the block the test would have chosen). On every path the program reads
//! the flag once where the helper's first instruction would have, and runs the same code
//! after it: only a call that returned at once is gone. The loop then has a flag test that
//! guards a call, which the other transformations know: a test at its top moves past the
//! first call (`reheader`), one at its end is watched by a looped batch (`MC_BATCH_WATCH`),
//! and variables the helper reads stay in registers around the call (`globals`).
//!
//! The flag may also be a field of what an argument points to (`if (!opts->verbose)
//! return;` in a trace helper, variable arguments and all): the caller loads it through its
//! own argument, and a test the loop does not change is then the loop's to unswitch. A
//! helper qualifies when it has a body here that cannot be replaced at link time, neither it
//! nor the call is `noinline`, it returns `void`, and the block its test goes to otherwise
//! has no phis. Each call split is a remark `GuardSplit`; a helper
//! whose entry is such a test but that fails another condition, a missed one.
//!
//! GNU dd's own helper tests two flags in a `while` loop: `while (interrupt_signal ||
//! info_signal_count) { ... }`. Its entry holds only stack slots and goes on to the loop's
//! header, which tests the first flag; the other way, a block entered from the header alone,
//! tests the second; one way of each is the work, and the second's other way returns at once.
//! Both tests are made at the call, in that order (the second only when the first says to go
//! on, as `||` reads it), and the copy's entry goes straight to the work: its loop tests both
//! flags again after each round, as the original's does.

use indexmap::IndexMap;

use llvm_sys::prelude::{LLVMBasicBlockRef, LLVMValueRef};
use llvm_sys::{LLVMOpcode, LLVMTypeKind};

use super::{Changed, Hot};
use crate::context::Context;
use crate::ir;
use crate::legality::loop_blocks;
use crate::legality::watch::flag_test;
use crate::remarks::Remark;

/// The test a helper begins with.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Guard {
    /// The flag's load: of a global variable, an argument, or a field an argument points to.
    pub(crate) load: LLVMValueRef,
    /// A second flag's load, tested on the first test's other way (`while (a || b)`).
    pub(crate) second: Option<LLVMValueRef>,
    /// The block the test goes to when the helper does its work.
    pub(crate) work: LLVMBasicBlockRef,
    /// Whether it goes there when the condition is true.
    pub(crate) work_if_true: bool,
}

/// Whether `inst` belongs to the helper's stack slots: an alloca or a lifetime marker (which
/// the copy keeps).
fn stack_slot(inst: LLVMValueRef) -> bool {
    ir::opcode(inst) == LLVMOpcode::LLVMAlloca || ir::lifetime_marker(inst).is_some()
}

/// Whether block `b` only returns (`ret void`, after the lifetime markers of the helper's
/// stack slots).
fn returns_at_once(b: LLVMBasicBlockRef) -> bool {
    let insts = ir::instructions(b);
    matches!(insts.split_last(), Some((&ret, before))
        if ir::opcode(ret) == LLVMOpcode::LLVMRet
            && ir::num_operands(ret) == 0
            && before.iter().all(|&i| ir::lifetime_marker(i).is_some()))
}

/// One flag's test that block `b` ends with (`watch::flag_test`).
struct FlagBranch {
    load: LLVMValueRef,
    ways: (LLVMBasicBlockRef, LLVMBasicBlockRef),
}

/// The flag's test `b` ends with, when `b` holds nothing else but stack slots and what `also`
/// accepts (given the instruction and the flag's load: the flag's address).
fn flag_branch(
    b: LLVMBasicBlockRef,
    also: impl Fn(LLVMValueRef, LLVMValueRef) -> bool,
) -> Option<FlagBranch> {
    let insts = ir::instructions(b);
    let (&branch, body) = insts.split_last()?;
    let (cond, t, f) = ir::conditional_branch(branch)?;
    let (load, _) = flag_test(branch, cond)?;
    let alone = body
        .iter()
        .all(|&i| i == load || i == cond || stack_slot(i) || also(i, load));
    (alone && body.contains(&load) && body.contains(&cond))
        .then_some(FlagBranch { load, ways: (t, f) })
}

/// Whether `ptr`, the address the flag's `load` reads, is a field of what an argument of
/// `function` points to (at a constant offset: `if (!opts->verbose) return;`).
fn argument_field(function: LLVMValueRef, ptr: LLVMValueRef, load: LLVMValueRef) -> bool {
    ir::is_instruction(ptr)
        && ir::opcode(ptr) == LLVMOpcode::LLVMGetElementPtr
        && ir::value_users(ptr).as_slice() == [load]
        && ir::argument_of(ir::operand(ptr, 0)).is_some_and(|(f, _)| f == function)
        && (1..ir::num_operands(ptr)).all(|k| ir::const_int(ir::operand(ptr, k)).is_some())
}

/// The test `function` begins with, when its entry block (or the block an entry of nothing
/// but stack slots goes on to, without phis: a `while` loop's header) is one flag's test whose
/// one way returns at once, or is a block entered from it alone that tests a second flag and
/// whose one way is the first test's other way and the other returns at once (`while
/// (interrupted || info_requested)`); `None` when it is not (nothing to say of such a helper).
pub(crate) fn guard_of(function: LLVMValueRef) -> Option<Guard> {
    let entry = *ir::blocks(function).first()?;
    let mut first = entry;
    // An entry of stack slots that goes on to a loop's header (`while` not rotated).
    if let Some((&last, slots)) = ir::instructions(entry).split_last() {
        if let ([next], true) = (
            ir::successors(last).as_slice(),
            slots.iter().all(|&i| stack_slot(i)),
        ) {
            first = *next;
        }
    }
    if first != entry
        && ir::instructions(first)
            .first()
            .is_some_and(|&i| ir::is_phi(i))
    {
        return None;
    }
    // The flag: a global variable, an argument, or a field of what an argument points to,
    // which the caller computes from its own argument.
    let field = |i: LLVMValueRef, load: LLVMValueRef| {
        i == ir::operand(load, 0) && argument_field(function, i, load)
    };
    let flag_ok = |load: LLVMValueRef| {
        let ptr = ir::operand(load, 0);
        ir::is_global_variable(ptr)
            || ir::argument_of(ptr).is_some_and(|(f, _)| f == function)
            || field(ptr, load)
    };
    let test = flag_branch(first, field)?;
    if !flag_ok(test.load) {
        return None;
    }
    let (t, f) = test.ways;
    let (work, work_if_true, second) = match (returns_at_once(t), returns_at_once(f)) {
        (false, true) => (t, true, None),
        (true, false) => (f, false, None),
        (true, true) => return None,
        // Neither returns: one may be a second flag's test.
        (false, false) => {
            let second_of = |other: LLVMBasicBlockRef, work: LLVMBasicBlockRef| {
                if ir::predecessors(other).as_slice() != [first] {
                    return None;
                }
                let second = flag_branch(other, field)?;
                let (a, b) = second.ways;
                let ok = (a == work && returns_at_once(b)) || (b == work && returns_at_once(a));
                (ok && flag_ok(second.load)).then_some(second.load)
            };
            match (second_of(f, t), second_of(t, f)) {
                (Some(second), _) => (t, true, Some(second)),
                (None, Some(second)) => (f, false, Some(second)),
                (None, None) => return None,
            }
        }
    };
    Some(Guard {
        load: test.load,
        second,
        work,
        work_if_true,
    })
}

/// Why the call `call` of a helper that begins with `guard` may not have that test made
/// before it; `None` when it may (the shim checks the rest: a direct call of a definition
/// that cannot be replaced at link time, neither marked `noinline`).
fn blocker(call: LLVMValueRef, guard: &Guard) -> Option<String> {
    if ir::type_kind(ir::type_of(call)) != LLVMTypeKind::LLVMVoidTypeKind {
        return Some("the helper returns a value".into());
    }
    if ir::instructions(guard.work)
        .first()
        .is_some_and(|&i| ir::is_phi(i))
    {
        return Some("the block its test goes to joins other ways (it has phis)".into());
    }
    None
}

/// Makes the first test of the guard helpers called in the loops around refused hot edges
/// before their calls.
pub(crate) fn run(ctx: &mut Context<'_>, hot: &mut Hot<'_>) -> Changed {
    let loops = super::refused_loops(ctx, hot, |_| true);
    let mut entered: IndexMap<LLVMValueRef, LLVMValueRef> = IndexMap::new();
    let mut changed = Changed::No;
    for (header, a, _) in loops {
        let calls: Vec<LLVMValueRef> = loop_blocks(ctx.shim, header)
            .into_iter()
            .flat_map(ir::instructions)
            .filter(|&i| ir::opcode(i) == LLVMOpcode::LLVMCall)
            .collect();
        for call in calls {
            let Some(callee) = ir::called_function(call) else {
                continue;
            };
            if ir::blocks(callee).is_empty() || entered.values().any(|&e| e == callee) {
                continue;
            }
            let site = &hot.sites[a];
            let Some(guard) = guard_of(callee) else {
                continue;
            };
            if let Some(why) = blocker(call, &guard) {
                ctx.remark(Remark::guard_not_split(site, call, callee, &why));
                continue;
            }
            // The copy an earlier round made (a name C cannot spell, so no function of the
            // program's).
            let copy = entered.get(&callee).copied().or_else(|| {
                ir::named_function(ctx.module, &format!("{}.entered", ir::name(callee)))
                    .filter(|&f| !ir::blocks(f).is_empty())
            });
            match ctx.shim.split_guard(call, guard.work_if_true, copy) {
                Ok(copy) => {
                    entered.insert(callee, copy);
                    ctx.shim.invalidate(ir::block_function(header));
                    changed = Changed::Yes;
                    ctx.remark(Remark::guard_split(
                        site,
                        call,
                        callee,
                        (guard.load, guard.second),
                        copy,
                    ));
                }
                Err(why) => ctx.remark(Remark::guard_not_split(site, call, callee, &why)),
            }
        }
    }
    changed
}
