//! A loop that tests a flag or a count before its first call, rotated so that it tests it on
//! the way round instead.
//!
//! ```c
//! while (running) {                   /* volatile, set to 0 by a signal handler */
//!         n = read(in, buf, N);
//!         if (n <= 0) break;
//!         if (write(out, buf, n) != n) fail();
//! }
//! ```
//!
//! clang leaves this loop unrotated (its latch, the write's test, already leaves it), so the
//! header loads the flag before the read and the loop is refused whole (`HeaderCode`: the
//! header must begin with the first call). LLVM's `LoopRotation` (through the shim, as
//! `rotate.rs` uses it) copies the test before the loop and moves it after the write: the
//! header then begins with the read, and the way round ends with the flag's test, which a
//! looped batch reads itself (`legality::watch`, `MC_BATCH_WATCH`).
//!
//! dd's `while (count-- > 0 && (n = read(in, buf, bs)) > 0)` with the records counted between
//! the read and the write is left unrotated too: the header computes `count - 1` and tests
//! `count > 0` before the read. The loop is refused whole in its plain form (the records'
//! step is no value the batch knows, `LoopCarried`, or the way round tests it, `WayRound`);
//! rotated, the count's test is on the way round, where a loop whose stops resume it reads it
//! as a period test (`legality::resume`), the read stopping on every short block.
//!
//! A loop is rotated when a whole-loop refusal names an instruction of its header, or refuses
//! the loop's carried values or its way round, and the header is exactly a test
//! (`header_test`): phis and debug records, then either one load of an integer and its
//! comparison with 0 (a flag), or integer arithmetic, casts and comparisons of the header's
//! phis and of values from before the loop (a count), and a conditional branch on the last
//! comparison that leaves the loop on one side and on the other enters a block of the loop
//! whose only way in is the header and that begins with the first call of the refused pair.
//! Nothing else in the header is copied or moved, so the rotation changes no order of
//! effects: the flag is loaded, and the count tested, before the first iteration (the copy)
//! and after each, as before.

use indexmap::{IndexMap, IndexSet};

use llvm_sys::prelude::{LLVMBasicBlockRef, LLVMValueRef};
use llvm_sys::LLVMOpcode;

use super::duplicate::{fold_single_phis, HOT_SHARE, MIN_WEIGHT};
use super::reheader::heads_loop;
use super::rotate::{calls_in, MAX_HEADER};
use super::{Changed, Hot};
use crate::context::Context;
use crate::ir;
use crate::legality::{loop_blocks, Reason};
use crate::remarks::Remark;
use crate::shim::flags;

/// Rotates the hot loops whose flag or count test before the first call keeps them from
/// being whole.
pub(crate) fn run(ctx: &mut Context<'_>, hot: &mut Hot<'_>) -> Changed {
    let sites = hot.sites;
    let heaviest = hot.pairs.iter().map(|p| p.weight).max().unwrap_or(0);
    let today = hot.today(ctx);
    // The loops to rotate, all found before any is: a rotation (or the simplification before
    // it) may delete blocks that the other refusals name.
    let mut chosen: IndexMap<LLVMBasicBlockRef, (usize, String)> = IndexMap::new();
    for r in today.refused.iter().chain(&today.loops_refused) {
        let (header, first) = match r.refusal.reason {
            Reason::HeaderCode { inst, first } => (ir::parent_block(inst), first),
            // The edge that goes round: its second call is the loop's first.
            Reason::LoopCarried { .. } | Reason::WayRound { .. } => {
                let body = ir::parent_block(sites[r.b].call);
                match ir::predecessors(body).as_slice() {
                    [header] => (*header, r.b),
                    _ => continue,
                }
            }
            // The resuming form stopped at the header's own test: the loop's first
            // iteration tests it before the call, where no stop decides it. (Not a loop
            // around one call: a write-all loop's test of what is left is the advancing
            // form's, where it stands.)
            Reason::ResumeUnknownWay { branch, .. } if r.a != r.b => {
                (ir::parent_block(branch), r.b)
            }
            _ => continue,
        };
        if r.weight < MIN_WEIGHT || r.weight.saturating_mul(HOT_SHARE) < heaviest {
            continue;
        }
        if chosen.contains_key(&header) || !heads_loop(ctx.shim, header) {
            continue;
        }
        let Some(tested) = header_test(ctx, header, sites[first].call) else {
            continue;
        };
        if matches!(tested, Tested::Count(_))
            && matches!(r.refusal.reason, Reason::HeaderCode { .. })
        {
            // A count before the first call that the plain form refused for its code: the
            // transformations keyed on that refusal (`reheader`) take it.
            continue;
        }
        chosen.insert(header, (first, tested.describe()));
    }
    let mut changed = Changed::No;
    for (header, (first, what)) in chosen {
        let func = ir::block_function(header);
        let before = calls_in(func);
        match ctx.shim.rotate_loop(header, MAX_HEADER) {
            Ok(()) => {
                changed = Changed::Yes;
                // The old header, now entered from the latch alone, unless LLVM merged it
                // into the latch (then it is gone, and its phis with it).
                let kept = ir::blocks(func).contains(&header);
                if kept && ir::predecessors(header).len() == 1 {
                    // Entered from the latch alone: the way round reads the carried
                    // values themselves.
                    fold_single_phis(header);
                }
                ctx.copies.extend(calls_in(func).difference(&before));
                ctx.remark(Remark::header_test_rotated(sites, first, &what));
            }
            Err((why, simplified)) => {
                if simplified {
                    changed = Changed::Yes;
                }
                ctx.remark(Remark::header_test_not_rotated(sites, first, &what, &why));
            }
        }
    }
    changed
}

/// What a loop's header tests before its first call.
enum Tested {
    /// A flag: the load of an integer compared with 0.
    Flag(LLVMValueRef),
    /// A count: the comparison, of values computed from the header's phis.
    Count(LLVMValueRef),
}

impl Tested {
    /// How a remark names it: the flag's variable, or the comparison's first operand.
    fn describe(&self) -> String {
        match *self {
            Tested::Flag(load) => ir::operand_name(ir::operand(load, 0)),
            Tested::Count(cmp) => ir::value_name(ir::operand(cmp, 0)),
        }
    }
}

/// What `header` tests when it is exactly a test before `call` (see the module's doc).
fn header_test(ctx: &Context<'_>, header: LLVMBasicBlockRef, call: LLVMValueRef) -> Option<Tested> {
    let blocks: IndexSet<LLVMBasicBlockRef> = loop_blocks(ctx.shim, header).into_iter().collect();
    let body = ir::parent_block(call);
    if body == header || !blocks.contains(&body) || ir::predecessors(body) != [header] {
        return None;
    }
    // The body begins with the call.
    let first_real = ir::instructions(body)
        .into_iter()
        .find(|&i| !ir::is_phi(i) && ctx.shim.inst_flags(i) & flags::DEBUG == 0);
    if first_real != Some(call) {
        return None;
    }
    let insts: Vec<LLVMValueRef> = ir::instructions(header)
        .into_iter()
        .filter(|&i| !ir::is_phi(i) && ctx.shim.inst_flags(i) & flags::DEBUG == 0)
        .collect();
    let (&br, code) = insts.split_last()?;
    let (cond, t, f) = ir::conditional_branch(br)?;
    let leaves = |s: LLVMBasicBlockRef| !blocks.contains(&s);
    if !((t == body && leaves(f)) || (f == body && leaves(t))) || ir::icmp_predicate(cond).is_none()
    {
        return None;
    }
    if let [load, cmp] = code {
        let is_int_load = ir::opcode(*load) == LLVMOpcode::LLVMLoad
            && ir::type_kind(ir::type_of(*load)) == llvm_sys::LLVMTypeKind::LLVMIntegerTypeKind;
        let compares_with_zero =
            ir::operand(*cmp, 0) == *load && ir::const_int(ir::operand(*cmp, 1)) == Some(0);
        if is_int_load {
            return (compares_with_zero && cond == *cmp).then_some(Tested::Flag(*load));
        }
    }
    // A count: each instruction integer arithmetic, a cast or a comparison, of constants,
    // the header's phis, earlier instructions of the header and values from before the loop;
    // the branch tests one of them.
    let from_before =
        |v: LLVMValueRef| !ir::is_instruction(v) || !blocks.contains(&ir::parent_block(v));
    let pure = code.iter().enumerate().all(|(k, &i)| {
        use LLVMOpcode::*;
        let computes = matches!(
            ir::opcode(i),
            LLVMAdd | LLVMSub | LLVMICmp | LLVMZExt | LLVMSExt | LLVMTrunc
        );
        computes
            && (0..ir::num_operands(i)).all(|n| {
                let v = ir::operand(i, n);
                from_before(v)
                    || (ir::is_phi(v) && ir::parent_block(v) == header)
                    || code[..k].contains(&v)
            })
    });
    (pure && code.contains(&cond)).then_some(Tested::Count(cond))
}
