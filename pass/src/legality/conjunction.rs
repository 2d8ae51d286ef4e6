//! A loop test made of several tests that must all let the loop go on:
//! `for (i = 0; i < n && total < limit; i++)`, which clang writes in the latch as
//! `select i1 (i' < n), (total' < limit), false` (or `and i1`), and the same leaving on
//! either (`or i1`, `select i1 a, true, b`, branching out when true).
//!
//! Each such test ends or bounds a looped batch on its own: an advancing argument's test
//! (`legality::advance`, at most one), which the batch makes after each iteration, or a
//! counter's or a total's (`legality::counted`, `clamp`), under which the batch may run at
//! most the iterations after which that test could leave, and any fewer. With all of them,
//! the batch ends where the first would and runs at most the least of the bounds: after
//! every iteration but the last the batch runs, each test goes on, so the whole test does, as
//! in the original loop; after the last, the lowering asks the whole test again
//! (`lower::advance::compare_again`).

use llvm_sys::prelude::LLVMValueRef;
use llvm_sys::LLVMOpcode;

use super::conditions::is_bool;
use crate::ir;

/// How deep a tree of `and`/`or`/`select` the tests may be (a loop test of a handful of
/// conditions).
const DEPTH: u32 = 4;

/// The two operands of `v` when it is an `and` of two `i1`s (`all`) or an `or` (not `all`),
/// written as an instruction or as the `select` clang and InstCombine use to keep the second
/// from being evaluated (`select a, b, false` for `and`, `select a, true, b` for `or`).
pub(crate) fn logic_parts(v: LLVMValueRef, all: bool) -> Option<(LLVMValueRef, LLVMValueRef)> {
    if !ir::is_instruction(v)
        || !is_bool(v)
        || !matches!(
            ir::opcode(v),
            LLVMOpcode::LLVMAnd | LLVMOpcode::LLVMOr | LLVMOpcode::LLVMSelect
        )
    {
        return None;
    }
    let (x, y) = (ir::operand(v, 0), ir::operand(v, 1));
    match ir::opcode(v) {
        LLVMOpcode::LLVMAnd if all => Some((x, y)),
        LLVMOpcode::LLVMOr if !all => Some((x, y)),
        LLVMOpcode::LLVMSelect => {
            let z = ir::operand(v, 2);
            match (all, ir::const_int(y), ir::const_int(z)) {
                // select a, b, false: a && b.
                (true, _, Some(0)) if ir::const_int(y).is_none() => Some((x, y)),
                // select a, true, b: a || b (an i1 `true` reads as -1).
                (false, Some(t), _) if t != 0 && ir::const_int(z).is_none() => Some((x, z)),
                _ => None,
            }
        }
        _ => None,
    }
}

/// The tests the loop's test `cond` is made of, each of which must let the loop go on for
/// it to go on: `cond` itself, or, when the loop goes on while `cond` is true (`goes_on`),
/// the parts of an `and`, and when it goes on while `cond` is false, the parts of an `or`,
/// taken apart again where a part is itself such a combination used only there. Each part
/// goes on as `cond` does (`goes_on`).
pub(crate) fn conjuncts(cond: LLVMValueRef, goes_on: bool) -> Vec<LLVMValueRef> {
    parts(cond, goes_on).0
}

/// [`conjuncts`], and the combination nodes it takes apart (with `cond` itself when it is
/// one): the instructions between the branch and its tests.
pub(crate) fn parts(cond: LLVMValueRef, goes_on: bool) -> (Vec<LLVMValueRef>, Vec<LLVMValueRef>) {
    let (mut leaves, mut nodes) = (Vec::new(), Vec::new());
    walk(cond, goes_on, DEPTH, true, &mut leaves, &mut nodes);
    (leaves, nodes)
}

/// Takes `v` apart as [`conjuncts`] says: its tests into `leaves`, the combinations taken
/// apart into `nodes`.
fn walk(
    v: LLVMValueRef,
    goes_on: bool,
    depth: u32,
    top: bool,
    leaves: &mut Vec<LLVMValueRef>,
    nodes: &mut Vec<LLVMValueRef>,
) {
    let only_here = top || ir::users(v).len() == 1;
    match logic_parts(v, goes_on) {
        Some((x, y)) if depth > 0 && only_here => {
            nodes.push(v);
            walk(x, goes_on, depth - 1, false, leaves, nodes);
            walk(y, goes_on, depth - 1, false, leaves, nodes);
        }
        _ => leaves.push(v),
    }
}

/// Every comparison a loop test `cond` may be made of, whichever way its branch goes: the
/// leaves under `and`s or under `or`s (for a quick look at a latch before the whole check).
pub(crate) fn any_leaves(cond: LLVMValueRef) -> Vec<LLVMValueRef> {
    let ands = conjuncts(cond, true);
    if ands.len() > 1 {
        return ands;
    }
    conjuncts(cond, false)
}
