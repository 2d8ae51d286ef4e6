//! A loop whose way between two calls passes a test of a value that is the same in every
//! iteration, and whose other way does something before it comes back, unswitched on that
//! test: the loop for the way between the calls, a copy of it for the other.
//!
//! ```c
//! while ((n = read(in, buf, sizeof buf)) > 0) {
//!         if (verbose)                        /* set before the loop */
//!                 fprintf(stderr, "read %zd\n", n);
//!         if (write_all(out, buf, n) < 0)     /* inlined: a loop of its own */
//!                 fail();
//! }
//! ```
//!
//! The trace's way leaves the path from `read` to `write` and comes back to it (convexity:
//! `ExitRejoins`), and the copy of the join that would give the quiet way a path of its own
//! (`duplicate::run_rejoined`) is refused because a loop heads it (the write-all loop): a copy
//! would give that loop a second entry. Here the test's condition is the same in every
//! iteration (a value defined before the loop, or arithmetic on such values, which is
//! hoisted), so the whole loop is copied instead, as LLVM's loop unswitching does (with the
//! loop's own cloning, `cloneLoopWithPreheader`, through the shim): before the loop the
//! condition is tested once; the original loop, in which the test goes to the way between
//! the calls only, runs when it would go there; the copy, in which it goes the other way
//! only, runs otherwise. The program does the same thing on every path: the test would have
//! gone the same way in every iteration. Legality then sees the loop's path from one call to
//! the next without the trace (here the whole loop becomes one looped multi-call), and the
//! trace's copy stays as the loop was. The hot calls stay in the original loop, which may be
//! unswitched again on the next such test.
//!
//! The same holds where neither way of the test goes straight to where they meet: a call
//! through a pointer that `promote.rs` made direct where the pointer is the one function
//! (`if (iread_fnc == iread) n = read(..); else n = iread_fnc(..);`, the pointer loaded
//! before the loop) reaches the write without the read on its indirect way.
//!
//! A variable the loop keeps in a register and only ever sets to one constant (a warning
//! given once: `if (warn && n < size) { warn = false; .. }`, dd's `warn_partial_read`) is no
//! value from before the loop, but where it comes in as that constant it is that constant
//! in every iteration: the loop is versioned on the value it comes in with (the shim's
//! `version_loop_on_phi`), the loop running where it comes in as the constant, its tests of
//! the variable decided and folded, a copy of it otherwise. Only where the variable likely
//! comes in so (the constant, or a load of a global variable the program starts with the
//! constant in), and never the copy a versioning left (entered where it is not).
//!
//! A test is taken in a hot loop (the innermost loop around a call of a hot edge, and the
//! innermost loop around both calls of one) that is not yet taken whole, one a run, in this
//! order: a test legality stopped at, or a variable such a test reads; a test whose ways meet
//! later (the reason for a refusal for dominance); any other test; any other such variable.
//! A test is a two-way branch of the loop on a way from one hot call to the next
//! ([`MAX_WAY`] blocks, round the loop where needed, not on the way of a hot call's failure)
//! whose successors are both in it, whose condition is computed from values defined before
//! the loop ([`MAX_DEPTH`] deep), whose way kept either post-dominates it, or leads to a hot
//! call where the other way leads to none, and whose other way calls a function or writes
//! memory before it comes back (within [`MAX_WAY_OFF`] blocks). The loop has at most
//! [`MAX_LOOP`] instructions, one back edge, no exception pad, indirect branch, token, or
//! call that may not be copied; at most [`MAX_PER_FUNCTION`] loops of a function change in
//! a run, and the pipeline runs this three times, legality looking at the loops again
//! before each. Remarks: `Unswitched`, `Versioned`, or `NotUnswitched`, `NotVersioned` with
//! the reason.

use indexmap::{IndexMap, IndexSet};

use llvm_sys::prelude::{LLVMBasicBlockRef, LLVMValueRef};

use super::duplicate::reaching;
use super::rotate::calls_in;
use super::{hot_loops, loops_holding, Changed, Hot};
use crate::context::Context;
use crate::ir;
use crate::legality::loop_blocks;
use crate::remarks::Remark;

/// Instructions of a loop that may be copied.
pub(crate) const MAX_LOOP: u32 = 800;
/// Loops unswitched or versioned in one function in one run (the pipeline runs this three
/// times, each after legality has looked at the loops again).
pub(crate) const MAX_PER_FUNCTION: usize = 2;
/// Phis that carry one variable the loop only sets to one constant, through its inner loops
/// and joins.
const MAX_STICKY: usize = 32;

/// Blocks of a way from one hot call to the next that tests are looked for on.
const MAX_WAY: usize = 96;
/// Blocks of the way off a test searched for what it does before it comes back.
const MAX_WAY_OFF: usize = 32;
/// Depth of the arithmetic over values from before the loop that a test's condition may be.
const MAX_DEPTH: u32 = 8;

/// A test to unswitch a loop on: the branch, its condition (described for the remarks), and
/// which of its successors (0 or 1) goes straight to where the other way comes back.
struct Test {
    branch: LLVMValueRef,
    keep: u32,
    describe: String,
    /// Neither way goes straight to where they meet: the way kept leads to a hot call, the
    /// other to none.
    meets_later: bool,
}

/// Unswitches the hot loops that test a value they do not change and, on one way, do
/// something a multi-call cannot skip before that way comes back (module docs).
pub(crate) fn run(ctx: &mut Context<'_>, hot: &mut Hot<'_>) -> Changed {
    let today = hot.today(ctx);
    // The innermost loop around each hot call, and the one around both calls of each hot
    // edge (a read inside a retry loop of its own, in the copy loop that holds the write).
    let mut headers = hot_loops(ctx, hot);
    let edges: Vec<(usize, usize, u64)> = hot.pairs.iter().map(|p| (p.a, p.b, p.weight)).collect();
    let heaviest = edges.iter().map(|&(.., w)| w).max().unwrap_or(0);
    for (header, ..) in loops_holding(ctx, hot, heaviest, edges) {
        if !headers.contains(&header) {
            headers.push(header);
        }
    }
    let hot_pairs: Vec<(LLVMValueRef, LLVMValueRef)> = hot
        .pairs
        .iter()
        .map(|p| (hot.sites[p.a].call, hot.sites[p.b].call))
        .collect();
    let hot_calls: IndexSet<LLVMValueRef> = hot_pairs.iter().flat_map(|&(a, b)| [a, b]).collect();
    // The branches legality stopped at between the calls of a hot edge (`a second
    // conditional branch`), asked before anything changes.
    let blocked: IndexSet<LLVMValueRef> = today
        .refused
        .iter()
        .chain(&today.loops_refused)
        .map(|r| r.refusal.at)
        .filter(|&at| ir::is_instruction(at) && ir::conditional_branch(at).is_some())
        .collect();
    // Each loop with the function it is in, asked before any of them changes.
    let loops: Vec<(LLVMBasicBlockRef, LLVMValueRef)> = headers
        .into_iter()
        .filter(|h| !today.whole.contains(h))
        .map(|h| (h, ir::block_function(h)))
        .collect();
    let mut changed = Changed::No;
    let mut per_function: IndexMap<LLVMValueRef, usize> = IndexMap::new();
    for (header, func) in loops {
        // An unswitch takes from the original loop the blocks only the other way reached,
        // which may have held another loop of the function.
        if per_function.contains_key(&func) && !ir::blocks(func).contains(&header) {
            continue;
        }
        let done = per_function.entry(func).or_default();
        if *done >= MAX_PER_FUNCTION {
            continue;
        }
        let blocks = loop_blocks(ctx.shim, header);
        // The hot calls of the loop, found among its instructions (a call an unswitch took
        // away with the other way is looked at no more).
        let calls: Vec<LLVMValueRef> = blocks
            .iter()
            .flat_map(|&b| ir::instructions(b))
            .filter(|i| hot_calls.contains(i))
            .collect();
        // The tests legality stopped at (a live block's terminator is compared with them,
        // never one they name), and the others between the hot calls.
        let stopped: Vec<LLVMBasicBlockRef> = blocks
            .iter()
            .copied()
            .filter(|&b| ir::terminator(b).is_some_and(|t| blocked.contains(&t)))
            .collect();
        let mut on_way = hot_ways(ctx, header, &hot_pairs, &calls);
        on_way.extend(&stopped);
        let refused = &ctx.not_unswitched;
        let test_at = |b: &LLVMBasicBlockRef| {
            test_in(ctx, header, &blocks, &calls, &on_way, *b)
                .filter(|t| !refused.contains(&t.branch))
        };
        // First what legality stopped at, then a test whose other way reaches a hot call
        // without the first (the reason it was refused for dominance), then any test between
        // the calls, then a variable the loop only ever sets to one constant.
        let action = stopped
            .iter()
            .find_map(test_at)
            .map(Action::Unswitch)
            .or_else(|| sticky_in(header, &blocks, &stopped, refused).map(Action::Version))
            .or_else(|| {
                blocks
                    .iter()
                    .filter_map(test_at)
                    .find(|t| t.meets_later)
                    .map(Action::Unswitch)
            })
            .or_else(|| blocks.iter().find_map(test_at).map(Action::Unswitch))
            .or_else(|| sticky_in(header, &blocks, &on_way, refused).map(Action::Version));
        let Some(action) = action else {
            continue;
        };
        let before = calls_in(func);
        // The remark's place: the test's block ends in a branch to the way it always takes
        // there; a versioned loop's test and phi are gone, its first hot call stays.
        let (answer, place, what) = match &action {
            Action::Unswitch(test) => {
                // Asked before the branch is replaced.
                let place = ir::parent_block(test.branch);
                let answer = ctx
                    .shim
                    .unswitch_loop(header, test.branch, test.keep, MAX_LOOP);
                (answer, place, test.describe.clone())
            }
            Action::Version(sticky) => {
                let what = ir::describe(sticky.phi);
                let answer =
                    ctx.shim
                        .version_loop_on_phi(header, sticky.phi, sticky.value, MAX_LOOP);
                (answer, header, what)
            }
        };
        match answer {
            Ok(()) => {
                *done += 1;
                changed = Changed::Yes;
                ctx.copies.extend(calls_in(func).difference(&before));
                ctx.remark(match action {
                    Action::Unswitch(_) => Remark::unswitched(func, ir::terminator(place), &what),
                    Action::Version(sticky) => {
                        Remark::versioned(func, calls.first().copied(), &what, sticky.constant)
                    }
                });
            }
            Err((why, simplified)) => {
                if simplified {
                    changed = Changed::Yes;
                }
                ctx.not_unswitched.insert(match &action {
                    Action::Unswitch(test) => test.branch,
                    Action::Version(sticky) => sticky.phi,
                });
                ctx.remark(match action {
                    Action::Unswitch(test) => {
                        Remark::not_unswitched(func, Some(test.branch), &what, &why)
                    }
                    Action::Version(sticky) => {
                        Remark::not_versioned(func, Some(sticky.phi), &what, &why)
                    }
                });
            }
        }
    }
    changed
}

/// What is done to one loop in one run.
enum Action {
    Unswitch(Test),
    Version(Sticky),
}

/// The blocks on the ways (at most [`MAX_WAY`] blocks long, `duplicate::reaching`) from one
/// call to the other of each hot edge whose calls are both among the loop's hot `calls`
/// (round the loop that `header` heads where the second comes first in the iteration), but
/// those only a failure of a hot call leads to (the way where a test of its result finds it
/// negative, `n == -1`, and the blocks that way alone reaches): a test on an error's way
/// (`errno == EINVAL` after a failed read) is no test between the calls.
fn hot_ways(
    ctx: &Context<'_>,
    header: LLVMBasicBlockRef,
    pairs: &[(LLVMValueRef, LLVMValueRef)],
    calls: &[LLVMValueRef],
) -> IndexSet<LLVMBasicBlockRef> {
    let mut on_way = IndexSet::new();
    for &(a, b) in pairs {
        if !calls.contains(&a) || !calls.contains(&b) {
            continue;
        }
        let (from, to) = (ir::parent_block(a), ir::parent_block(b));
        on_way.extend(reaching(ctx.shim, from, to, Some(header), MAX_WAY));
    }
    let failures: Vec<LLVMValueRef> = calls
        .iter()
        .flat_map(|&c| ir::users(c).into_iter().map(move |(cond, _)| (c, cond)))
        .filter_map(|(c, cond)| {
            let fails_if_true = crate::legality::facts::failure_way(cond, c)?;
            ir::users(cond).into_iter().find_map(|(br, _)| {
                let (_, t, f) = ir::conditional_branch(br)?;
                ir::instructions(if fails_if_true { t } else { f })
                    .first()
                    .copied()
            })
        })
        .collect();
    on_way.retain(|&b| {
        let Some(&first) = ir::instructions(b).first() else {
            return false;
        };
        !failures.iter().any(|&f| ctx.shim.dominates(f, first))
    });
    on_way
}

/// A variable the loop carries in a register that it only ever sets to one constant (a
/// warning given once: `if (warn && ..) { warn = false; .. }`), tested on a way between the
/// hot calls.
struct Sticky {
    /// The loop header's phi.
    phi: LLVMValueRef,
    /// The constant, as a value of the phi's type, and as a number.
    value: LLVMValueRef,
    constant: i64,
}

/// The first phi of `header` that carries such a variable round the loop of `blocks`: every
/// value it and the phis of the loop it takes from take in the loop is one of them or one
/// constant, and a two-way branch in a block of `on_way` tests it (through at most
/// [`MAX_DEPTH`] integer operations).
fn sticky_in<'b>(
    header: LLVMBasicBlockRef,
    blocks: &[LLVMBasicBlockRef],
    on_way: impl IntoIterator<Item = &'b LLVMBasicBlockRef> + Clone,
    refused: &IndexSet<LLVMValueRef>,
) -> Option<Sticky> {
    ir::instructions(header)
        .into_iter()
        .take_while(|&i| ir::is_phi(i))
        .filter(|&phi| {
            ir::type_kind(ir::type_of(phi)) == llvm_sys::LLVMTypeKind::LLVMIntegerTypeKind
                && !refused.contains(&phi)
        })
        .find_map(|phi| {
            let (value, constant, same) = only_constant(phi, blocks)?;
            if !starts_as(phi, blocks, constant) {
                return None;
            }
            on_way
                .clone()
                .into_iter()
                .any(|&b| {
                    ir::terminator(b)
                        .and_then(ir::conditional_branch)
                        .is_some_and(|(cond, ..)| {
                            !ir::computed_from(cond, MAX_DEPTH, &mut |v| !same.contains(&v))
                        })
                })
                .then_some(Sticky {
                    phi,
                    value,
                    constant,
                })
        })
}

/// The one constant the header phi `phi` and the phis of the loop of `blocks` it takes from
/// take in the loop, where every other value they take there is one of them; with the phis
/// of the loop that are then the same as it (those, and the phis whose every value is one of
/// them or the constant: what the loop passes on of it through its inner loops and joins).
fn only_constant(
    phi: LLVMValueRef,
    blocks: &[LLVMBasicBlockRef],
) -> Option<(LLVMValueRef, i64, Vec<LLVMValueRef>)> {
    let mut set = vec![phi];
    let mut found: Option<(LLVMValueRef, i64)> = None;
    let mut k = 0;
    while k < set.len() {
        let p = set[k];
        k += 1;
        for (v, from) in ir::incoming(p) {
            if p == phi && !blocks.contains(&from) {
                continue;
            }
            if let Some(c) = ir::const_int(v) {
                match found {
                    Some((_, old)) if old != c => return None,
                    _ => found = Some((v, c)),
                }
            } else if ir::is_phi(v) && blocks.contains(&ir::parent_block(v)) {
                if !set.contains(&v) {
                    if set.len() >= MAX_STICKY {
                        return None;
                    }
                    set.push(v);
                }
            } else {
                return None;
            }
        }
    }
    let (value, constant) = found?;
    let phis: Vec<LLVMValueRef> = blocks
        .iter()
        .flat_map(|&b| {
            ir::instructions(b)
                .into_iter()
                .take_while(|&i| ir::is_phi(i))
        })
        .collect();
    for _ in 0..MAX_STICKY {
        let before = set.len();
        for &p in &phis {
            if !set.contains(&p)
                && ir::incoming(p)
                    .iter()
                    .all(|&(v, _)| set.contains(&v) || ir::const_int(v) == Some(constant))
            {
                set.push(p);
            }
        }
        if set.len() == before {
            break;
        }
    }
    Some((value, constant, set))
}

/// Whether the variable the header phi `phi` carries round the loop of `blocks` likely comes
/// in as `constant`, the one value the loop sets it to: the loop is worth versioning only
/// where the variable already has the value it settles in (a warning not asked for, whose
/// flag starts and stays clear). What it comes in with, through phis of enclosing loops, is
/// that constant, or a load of a global variable the program starts with it in, or a value
/// that comes from the loop itself.
fn starts_as(phi: LLVMValueRef, blocks: &[LLVMBasicBlockRef], constant: i64) -> bool {
    let entry: Vec<(LLVMValueRef, LLVMBasicBlockRef)> = ir::incoming(phi)
        .into_iter()
        .filter(|&(_, from)| !blocks.contains(&from))
        .collect();
    // The copy a versioning left runs only where the variable comes in as another value.
    if entry
        .iter()
        .any(|&(v, from)| entered_unless(from, v, constant))
    {
        return false;
    }
    let mut work: Vec<LLVMValueRef> = entry.into_iter().map(|(v, _)| v).collect();
    let mut seen: Vec<LLVMValueRef> = vec![phi];
    let mut sources = 0;
    while let Some(v) = work.pop() {
        let v = ir::strip_int_casts(v);
        if seen.contains(&v) {
            continue;
        }
        seen.push(v);
        if seen.len() > MAX_STICKY {
            return false;
        }
        if ir::const_int(v) == Some(constant) {
            continue;
        }
        if ir::is_phi(v) {
            work.extend(ir::incoming(v).into_iter().map(|(w, _)| w));
            continue;
        }
        let starts = ir::is_instruction(v)
            && ir::opcode(v) == llvm_sys::LLVMOpcode::LLVMLoad
            && ir::initial_int(ir::operand(v, 0)) == Some(constant);
        if !starts {
            return false;
        }
        sources += 1;
    }
    sources > 0
}

/// Whether `block` is entered (through at most 4 blocks of one predecessor each) only where
/// a test found `v` other than `constant` (`icmp eq v, c` false, `icmp ne v, c` true).
fn entered_unless(block: LLVMBasicBlockRef, v: LLVMValueRef, constant: i64) -> bool {
    use llvm_sys::LLVMIntPredicate::{LLVMIntEQ, LLVMIntNE};
    let mut cur = block;
    for _ in 0..4 {
        let [pred] = ir::predecessors(cur)[..] else {
            return false;
        };
        if let Some((cond, t, f)) = ir::terminator(pred).and_then(ir::conditional_branch) {
            let tests_v = ir::icmp_predicate(cond).is_some()
                && ir::strip_int_casts(ir::operand(cond, 0)) == ir::strip_int_casts(v)
                && ir::const_int(ir::operand(cond, 1)) == Some(constant);
            return tests_v
                && t != f
                && match ir::icmp_predicate(cond) {
                    Some(LLVMIntEQ) => f == cur,
                    Some(LLVMIntNE) => t == cur,
                    _ => false,
                };
        }
        cur = pred;
    }
    false
}

/// The test that `block` (of the loop of `blocks`) ends with, when the loop could be
/// unswitched on it: a two-way branch whose successors are both in the loop, on a way between
/// the calls of a hot edge (`on_way`: not on an error's way alone), whose
/// condition is computed from values defined before the loop ([`invariant`]), and whose other way does
/// something before it comes back (a call or a store: [`does_something`]) to where the way
/// kept goes: one way goes straight to a block that post-dominates the test; or, when
/// neither does, one way leads to one of the loop's hot `calls` and the other to none (a
/// call through a pointer made direct when the pointer is one function, `transform/promote.rs`:
/// `if (fn == iread) read(..) else fn(..)`), and comes back to the test's nearest
/// post-dominator.
fn test_in(
    ctx: &Context<'_>,
    header: LLVMBasicBlockRef,
    blocks: &[LLVMBasicBlockRef],
    calls: &[LLVMValueRef],
    on_way: &IndexSet<LLVMBasicBlockRef>,
    block: LLVMBasicBlockRef,
) -> Option<Test> {
    let branch = ir::terminator(block)?;
    let (cond, t, f) = ir::conditional_branch(branch)?;
    if t == f || !blocks.contains(&t) || !blocks.contains(&f) || ir::is_constant(cond) {
        return None;
    }
    if !invariant(blocks, cond, MAX_DEPTH) {
        return None;
    }
    if !on_way.contains(&block) {
        return None;
    }
    let (keep, join, off, meets_later) = if ctx.shim.block_postdominates(t, block) {
        (0, t, f, false)
    } else if ctx.shim.block_postdominates(f, block) {
        (1, f, t, false)
    } else {
        let leads_to_call = |way: LLVMBasicBlockRef| {
            ir::instructions(way)
                .first()
                .is_some_and(|&first| calls.iter().any(|&c| ctx.shim.dominates(first, c)))
        };
        let join = nearest_postdominator(ctx, header, blocks, block)?;
        match (leads_to_call(t), leads_to_call(f)) {
            (true, false) => (0, join, f, true),
            (false, true) => (1, join, t, true),
            _ => return None,
        }
    };
    does_something(header, blocks, off, join).then(|| Test {
        branch,
        keep,
        describe: ir::describe(cond),
        meets_later,
    })
}

/// The block nearest `block` that post-dominates it, among those its successors reach in the
/// loop of `blocks` without going round to `header` or past such a block (at most
/// [`MAX_WAY_OFF`] blocks on the way): the one that every other such post-dominator
/// post-dominates.
fn nearest_postdominator(
    ctx: &Context<'_>,
    header: LLVMBasicBlockRef,
    blocks: &[LLVMBasicBlockRef],
    block: LLVMBasicBlockRef,
) -> Option<LLVMBasicBlockRef> {
    let mut seen: Vec<LLVMBasicBlockRef> = Vec::new();
    let mut after: Vec<LLVMBasicBlockRef> = Vec::new();
    let mut work = ir::successors_of(block);
    while let Some(b) = work.pop() {
        if b == header || b == block || !blocks.contains(&b) || seen.contains(&b) {
            continue;
        }
        if seen.len() >= MAX_WAY_OFF {
            return None;
        }
        seen.push(b);
        if ctx.shim.block_postdominates(b, block) {
            after.push(b);
        } else {
            work.extend(ir::successors_of(b));
        }
    }
    after
        .iter()
        .copied()
        .find(|&j| after.iter().all(|&p| ctx.shim.block_postdominates(p, j)))
}

/// Whether `v` is defined before the loop of `blocks` (not by one of its instructions), or
/// computed in it from such values by integer arithmetic, casts and comparisons, at most
/// `depth` deep.
fn invariant(blocks: &[LLVMBasicBlockRef], v: LLVMValueRef, depth: u32) -> bool {
    if !ir::is_instruction(v) || !blocks.contains(&ir::parent_block(v)) {
        return true;
    }
    let pure = ir::pure_op(v) || ir::opcode(v) == llvm_sys::LLVMOpcode::LLVMFreeze;
    depth > 0
        && pure
        && (0..ir::num_operands(v)).all(|k| invariant(blocks, ir::operand(v, k), depth - 1))
}

/// Whether the way from `off` back to `join` (the blocks `off` reaches in the loop of
/// `blocks` without passing `join` or going round to the loop's `header`, at most
/// [`MAX_WAY_OFF`]) calls a function or writes memory, and comes back to `join`.
fn does_something(
    header: LLVMBasicBlockRef,
    blocks: &[LLVMBasicBlockRef],
    off: LLVMBasicBlockRef,
    join: LLVMBasicBlockRef,
) -> bool {
    let mut seen = vec![off];
    let mut k = 0;
    let mut comes_back = false;
    while k < seen.len() {
        if seen.len() > MAX_WAY_OFF {
            return false;
        }
        let b = seen[k];
        k += 1;
        for next in ir::successors_of(b) {
            if next == join {
                comes_back = true;
            } else if next != header && blocks.contains(&next) && !seen.contains(&next) {
                seen.push(next);
            }
        }
    }
    comes_back
        && seen.iter().flat_map(|&b| ir::instructions(b)).any(|i| {
            use llvm_sys::LLVMOpcode::*;
            match ir::opcode(i) {
                LLVMStore | LLVMAtomicRMW | LLVMAtomicCmpXchg | LLVMFence | LLVMInvoke => true,
                LLVMCall => !ir::called_function(i)
                    .map(ir::name)
                    .is_some_and(|n| n.starts_with("llvm.dbg.") || n.starts_with("llvm.lifetime.")),
                _ => false,
            }
        })
}
