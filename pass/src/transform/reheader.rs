//! Moving a loop's start to a call (the paper's section 3.3.3, for the loops clang has
//! already rotated): a hot edge `a -> b` across a back edge, where `b` is in the loop's header
//! and `a` later in the loop, becomes one iteration by making the loop begin at `a`.
//!
//! clang rotates `while ((n = read(in, buf, N)) > 0) { ...; write(out, buf, n); ... }` into a
//! guarded do-while: the first `read` before the loop, and a loop that begins with the body
//! and ends with the next `read`. Its iteration is then `write; read`, the `write`'s length
//! comes from the `read` of the iteration before (a phi), and the hot edge `read -> write`
//! crosses the back edge, so neither a straight multi-call nor a looped one can take it:
//!
//! ```text
//! before                                        after
//!   n0 = read(in, buf, N)                         n0 = read(in, buf, N)
//!   if (n0 > 0) {                                 if (n0 > 0) {
//!   loop:                                             write(out, buf, n0)   ; the top, copied
//!     x = phi [n0, entry], [n, loop]              loop:                     ; the new header
//!     write(out, buf, x)                              n = read(in, buf, N)
//!     n = read(in, buf, N)                            if (n <= 0) goto done
//!     if (n > 0) goto loop                            write(out, buf, n)
//!   }                                                 goto loop
//!                                                 }
//! ```
//!
//! The loop's header is split before `a`; its top (the header up to `a`, and the blocks the
//! way to `a` goes through) is copied onto the loop's way in, so that the copy runs once
//! before the loop and the original at the end of each iteration; the block that begins with
//! `a` then heads the loop, and the header's phis, left with one value each, are folded
//! (LLVM's `CloneBasicBlock`, `SSAUpdater` and `FoldSingleEntryPHINodes` through the shim's
//! `duplicate_path`). The program makes the same calls in the same order on every path: only
//! where the loop begins has moved. Afterwards the loop is `a ... b` with `b`'s arguments
//! results of the same iteration, which a looped multi-call (`regions::whole_loops`) or a
//! straight one per iteration takes.
//!
//! A loop's start is moved only when:
//!
//! - the edge `a -> b` is refused under dominance (`a` does not dominate `b`), ran at least
//!   [`MIN_WEIGHT`] times and at least a [`HOT_SHARE`]th as often as the heaviest edge;
//! - `b` is in a block that heads a loop (a block with a predecessor it dominates) that holds
//!   `a`, after `b` when both are in the header, and that loop is not taken whole already;
//! - an argument of `b` is `a`'s result from the iteration before (a phi of the header, through
//!   integer casts): after the move it is the result of the same iteration, which a batch
//!   passes from entry to entry (a loop whose calls do not feed each other gains nothing);
//! - the way from the header to `a` is a straight line of the loop: each block's one successor
//!   in the loop is the next, entered from it alone (other successors leave the loop), at most
//!   [`MAX_PATH`] blocks;
//! - the way round from `a` to `b` (the rest of the loop after `a`, the header up to `b`),
//!   which becomes the gap between them, holds only what a multi-call can skip, on a straight
//!   line: otherwise the move gains nothing (rotation, `rotate.rs`, which runs first, handles
//!   the hot edges across a back edge it can);
//! - the loop has one way in, and the top has at most [`MAX_COPY`] instructions, none of
//!   which defines a token or makes a call that must not be copied.
//!
//! A loop refused whole because its test of a call's result runs at the top of the next
//! iteration (`Reason::ResultTestedLate`: clang's form of `while ((n = write(fd, p, left)) !=
//! left) { if (n < 0) ...; p += n; left -= n; }`, the first write before the loop, the header
//! testing the `n` of the write before, then advancing the arguments and writing) has its
//! start moved to its first call the same way, when that call is not in the header and the
//! back edge is as hot; the last three conditions above apply. The test then follows the call
//! in its own iteration (`finished.rs` takes the loop on from there).
//!
//! Each move is a remark `Reheadered`; each refusal of a candidate one `Reheader` naming the
//! condition.

use indexmap::IndexSet;

use llvm_sys::prelude::{LLVMBasicBlockRef, LLVMValueRef};

use super::duplicate::{HOT_SHARE, MAX_COPY, MAX_PATH, MIN_WEIGHT};
use super::rotate::calls_in;
use super::{Changed, Hot};
use crate::context::Context;
use crate::ir;
use crate::legality::conditions::unsafe_kind;
use crate::legality::{loop_blocks, way_in, Reason};
use crate::remarks::Remark;
use crate::shim::{flags, NewHeader, Shim};
use crate::sites::Site;
use multicall_abi::MC_MAX_WATCHES;

/// Why a loop's start is not moved to a call.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum NotReheadered {
    #[error("the way from the loop's header to {call} is not a straight line: {why}")]
    NotStraight { call: String, why: &'static str },
    #[error("the loop is entered from {ways} places outside it")]
    WaysIn { ways: usize },
    #[error(
        "'{inst}' between {a} and {b} around the back edge is not something a multi-call can skip"
    )]
    Unskippable { inst: String, a: String, b: String },
    #[error("the loop at block {block} lies between {a} and {b}: no multi-call skips it")]
    LoopBetween { block: String, a: String, b: String },
    #[error("{0}")]
    Llvm(String),
}

/// Whether `block` heads a loop: one of its predecessors is `block` itself or a block it
/// dominates.
pub(super) fn heads_loop(shim: &Shim, block: LLVMBasicBlockRef) -> bool {
    let Some(&first) = ir::instructions(block).first() else {
        return false;
    };
    ir::predecessors(block)
        .into_iter()
        .filter_map(ir::terminator)
        .any(|t| shim.dominates(first, t))
}

/// `v` without the integer casts around it.
fn uncast(v: LLVMValueRef) -> LLVMValueRef {
    // Extensions, truncations and clang's forms of `(long)(int)x` alike: whether the value
    // is the result itself is legality's question, once the start moved.
    crate::legality::conditions::result_through_casts(v).0
}

/// Whether an argument of `b` is a phi of `header` that brings `a`'s result round from the
/// iteration before (through integer casts): the shape clang gives `while ((n = read(...)) >
/// 0) write(..., n)`, whose `write` takes the `n` of the `read` before it.
fn takes_result_round(a: LLVMValueRef, b: LLVMValueRef, header: LLVMBasicBlockRef) -> bool {
    ir::call_args(b).into_iter().map(uncast).any(|arg| {
        ir::is_instruction(arg)
            && ir::is_phi(arg)
            && ir::parent_block(arg) == header
            && ir::incoming(arg).iter().any(|&(v, _)| uncast(v) == a)
    })
}

/// Whether the start of the loop headed by `header`, which holds `b`, would move to `a` for
/// the edge `a -> b` across its back edge: `b` takes `a`'s result round it, and the way round
/// from `a` to `b` holds only what a multi-call can skip (the shape of the loop's top is
/// [`run`]'s to judge). Rotation (`rotate.rs`) leaves such a loop to the move.
pub(super) fn would_move(
    shim: &Shim,
    a: LLVMValueRef,
    b: LLVMValueRef,
    header: LLVMBasicBlockRef,
) -> bool {
    if !takes_result_round(a, b, header) {
        return false;
    }
    let inside: IndexSet<LLVMBasicBlockRef> = loop_blocks(shim, header).into_iter().collect();
    unskippable(shim, a, b, header, &inside).is_none()
}

/// The first instruction on the way round from `a` to `b` (`a`'s block after `a`, the
/// blocks to the back edge, the header up to `b`) that a multi-call could not skip: a call, a
/// store, a volatile access, anything that may trap; or a branch with more than one way on in
/// the loop. After the move that way is the gap between `a` and `b`, and with such an
/// instruction in it the move would gain nothing.
fn unskippable(
    shim: &Shim,
    a: LLVMValueRef,
    b: LLVMValueRef,
    header: LLVMBasicBlockRef,
    inside: &IndexSet<LLVMBasicBlockRef>,
) -> Option<InTheWay> {
    // A flag's load for its test (a volatile `sig_atomic_t` a handler sets): after the move a
    // test between two calls, which a looped batch reads after the earlier one
    // (`MC_BATCH_WATCHES`).
    let flag_load = |inst: LLVMValueRef| {
        let test = match ir::value_users(inst).as_slice() {
            [cond] => match ir::value_users(*cond).as_slice() {
                [branch] => Some((*branch, *cond)),
                _ => None,
            },
            _ => None,
        };
        let branch_test = test.and_then(|(branch, cond)| {
            ir::conditional_branch(branch)?;
            crate::legality::watch::flag_test(branch, cond)
        });
        branch_test.is_some_and(|(load, _)| load == inst)
            && crate::legality::watch::flag_size(inst, inside).is_some()
    };
    let skippable = |inst: LLVMValueRef| {
        let f = shim.inst_flags(inst);
        ir::is_phi(inst)
            || f & flags::DEBUG != 0
            || unsafe_kind(inst, f).is_none()
            || flag_load(inst)
    };
    let mut block = ir::parent_block(a);
    let mut from = Some(a);
    for _ in 0..MAX_PATH {
        let insts = ir::instructions(block);
        let start = from
            .and_then(|x| insts.iter().position(|&i| i == x))
            .map_or(0, |p| p + 1);
        for &inst in &insts[start..] {
            if ir::is_terminator(inst) {
                let on: Vec<LLVMBasicBlockRef> = ir::successors(inst)
                    .into_iter()
                    .filter(|s| inside.contains(s))
                    .collect();
                // A flag's test whose other way comes back (`if (stop) report();`): on the
                // way a zero flag takes.
                let quiet = ir::conditional_branch(inst).and_then(|(cond, t, f)| {
                    let (load, true_if_zero) = crate::legality::watch::flag_test(inst, cond)?;
                    flag_load(load).then_some(if true_if_zero { t } else { f })
                });
                match (on.as_slice(), quiet) {
                    (&[next], _) => block = next,
                    (&[_, _], Some(zero)) if inside.contains(&zero) => block = zero,
                    _ => return Some(InTheWay::Inst(inst)),
                }
                break;
            }
            if !skippable(inst) {
                return Some(InTheWay::Inst(inst));
            }
        }
        from = None;
        if block == header {
            // The header up to `b`; past its end (`b` further on, after the branches of a
            // rotated loop's tests) legality judges the way, but for a loop on it.
            return ir::instructions(header)
                .into_iter()
                .take_while(|&i| i != b)
                .find(|&i| !ir::is_terminator(i) && !skippable(i))
                .map(InTheWay::Inst)
                .or_else(|| {
                    loop_before(shim, header, ir::parent_block(b), inside).map(InTheWay::Loop)
                });
        }
    }
    Some(InTheWay::Inst(a))
}

/// What the way round from the loop's last call to its first must be for a move of its start.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Way {
    /// Only what a multi-call can skip ([`unskippable`] finds nothing).
    Skippable,
    /// The rest of the loop, then the flag tests of its top ([`flag_guarded_top`], so many):
    /// legality judges the rest, the tests are ones a looped batch watches.
    Watched(usize),
}

/// Whether the loop headed by `header` begins with tests of flags that guard code of their
/// own before `call` (`for (;;) { if (got_signal) handle(); n = read(..); ... }`, or `if
/// (got_int || got_hup)`): the header holds nothing but a flag's load (an integer of 1, 2, 4
/// or 8 bytes at an address defined outside the loop), its `icmp eq|ne` with 0 and the
/// branch, one way of which is `call`'s block or a block entered from the header alone that
/// is such a test again (without phis), and so on, up to `MC_MAX_WATCHES` tests, the last
/// with `call`'s block as one of its ways. clang rotates a loop whose header leaves it, not
/// one whose test comes back: with its start moved to `call`, the tests are the last thing
/// of each iteration, where a looped batch reads the flags (`MC_BATCH_WATCH`, or
/// `MC_BATCH_WATCHES` for several) and ends for the code they guard. The number of tests.
fn flag_guarded_top(shim: &Shim, header: LLVMBasicBlockRef, call: LLVMValueRef) -> Option<usize> {
    let to = ir::parent_block(call);
    let inside: IndexSet<LLVMBasicBlockRef> = loop_blocks(shim, header).into_iter().collect();
    // Whether `block` is nothing but a flag's test (and, in the header, phis).
    let test_only = |block: LLVMBasicBlockRef| {
        let Some(branch) = ir::terminator(block) else {
            return false;
        };
        if ir::successors(branch).len() != 2 {
            return false;
        }
        let cond = ir::operand(branch, 0);
        let Some((load, _)) = crate::legality::watch::flag_test(branch, cond) else {
            return false;
        };
        if crate::legality::watch::flag_size(load, &inside).is_none() {
            return false;
        }
        ir::instructions(block).into_iter().all(|i| {
            i == load
                || i == cond
                || i == branch
                || (ir::is_phi(i) && block == header)
                || shim.inst_flags(i) & flags::DEBUG != 0
        })
    };
    let mut block = header;
    for tests in 1..=MC_MAX_WATCHES {
        if !test_only(block) {
            return None;
        }
        let ways = ir::terminator(block)
            .map(ir::successors)
            .unwrap_or_default();
        if ways.contains(&to) {
            return ways.iter().any(|&w| w != to).then_some(tests);
        }
        // The next test: a way entered from this block alone (the other is the code the
        // flags guard, which both tests reach).
        block = ways
            .iter()
            .copied()
            .find(|&w| ir::predecessors(w).as_slice() == [block] && w != header && test_only(w))?;
    }
    None
}

/// What [`unskippable`] found on the way round.
enum InTheWay {
    /// An instruction a multi-call cannot skip.
    Inst(LLVMValueRef),
    /// The header of a loop between the loop's header and the second call.
    Loop(LLVMBasicBlockRef),
}

/// The header of a loop that lies between the header and `to` (the block of the
/// call the way ends at): in a block that `header` reaches without coming back to it and
/// that reaches `to` without passing the header, `to` itself aside (a write-all loop that
/// begins with the call is peeling's). Work over the buffer between the calls (`for (i = 0;
/// i < n; i++) buf[i] ^= key;`) is such a loop: no multi-call skips it, so a move of the
/// start to the first call gains nothing, and the rotation that put the last call before the
/// next iteration's first (`rotate.rs`) is what clusters the loop.
fn loop_before(
    shim: &Shim,
    header: LLVMBasicBlockRef,
    to: LLVMBasicBlockRef,
    inside: &IndexSet<LLVMBasicBlockRef>,
) -> Option<LLVMBasicBlockRef> {
    if to == header {
        return None;
    }
    let walk = |start: LLVMBasicBlockRef,
                next: &dyn Fn(LLVMBasicBlockRef) -> Vec<LLVMBasicBlockRef>| {
        let mut seen: IndexSet<LLVMBasicBlockRef> = IndexSet::from([header, to]);
        let mut stack = vec![start];
        while let Some(x) = stack.pop() {
            for y in next(x) {
                if inside.contains(&y) && seen.insert(y) {
                    stack.push(y);
                }
            }
        }
        seen
    };
    let from_header = walk(header, &|x| ir::successors_of(x));
    let to_call = walk(to, &|x| ir::predecessors(x));
    from_header
        .iter()
        .filter(|&&x| x != header && x != to && to_call.contains(&x))
        .find(|&&x| heads_loop(shim, x))
        .copied()
}

/// The way in (the one block outside the loop that enters `header`) and the blocks from
/// `header` to `to` (both included), or why they are not the shape moved.
fn top_of_loop(
    header: LLVMBasicBlockRef,
    to: LLVMBasicBlockRef,
    inside: &IndexSet<LLVMBasicBlockRef>,
    call: &str,
) -> Result<(LLVMBasicBlockRef, Vec<LLVMBasicBlockRef>), NotReheadered> {
    let not_straight = |why| NotReheadered::NotStraight {
        call: call.to_string(),
        why,
    };
    let way_in = way_in(header, inside).map_err(|ways| NotReheadered::WaysIn { ways })?;
    let mut path = vec![header];
    let mut block = header;
    while block != to {
        if path.len() >= MAX_PATH {
            return Err(not_straight("it is longer than the move follows"));
        }
        let on: Vec<LLVMBasicBlockRef> = ir::successors_of(block)
            .into_iter()
            .filter(|s| inside.contains(s))
            .collect();
        let next = match on[..] {
            [next] => next,
            _ => {
                return Err(not_straight(
                    "a branch with more than one way on in the loop",
                ))
            }
        };
        if next == header || ir::predecessors(next) != [block] {
            return Err(not_straight(
                "a block on the way is entered from elsewhere too",
            ));
        }
        path.push(next);
        block = next;
    }
    Ok((way_in, path))
}

/// Moves the start of the loops whose back edge keeps a hot edge from one iteration
/// (heaviest first), then of the loops refused whole because their test of a call's result
/// sits at the top of the next iteration.
pub(crate) fn run(ctx: &mut Context<'_>, hot: &mut Hot<'_>) -> Changed {
    let sites = hot.sites;
    let heaviest = hot.pairs.iter().map(|p| p.weight).max().unwrap_or(0);
    let hot_enough =
        |weight: u64| weight >= MIN_WEIGHT && weight.saturating_mul(HOT_SHARE) >= heaviest;
    let today = hot.today(ctx);
    let mut changed = Changed::No;
    let mut moved: IndexSet<LLVMBasicBlockRef> = IndexSet::new();
    for r in &today.refused {
        let Reason::NotDominating { a, b } = r.refusal.reason else {
            continue;
        };
        if !hot_enough(r.weight) || sites[a].function != sites[b].function {
            continue;
        }
        let Some(header) = loop_of(ctx.shim, sites[a].call, sites[b].call) else {
            continue;
        };
        if today.whole.contains(&header)
            || moved.contains(&header)
            || (ir::parent_block(sites[a].call) == header
                && !ir::comes_before(sites[b].call, sites[a].call))
        {
            continue;
        }
        let (to, way) = if takes_result_round(sites[a].call, sites[b].call, header) {
            (a, Way::Skippable)
        } else if let Some(tests) = flag_guarded_top(ctx.shim, header, sites[b].call) {
            (b, Way::Watched(tests))
        } else {
            continue;
        };
        match try_move(ctx, sites, (a, b), to, way, header, &mut changed) {
            None => continue,
            Some(Ok(())) => match way {
                Way::Watched(tests) => ctx.remark(Remark::reheadered_for_flag(sites, b, a, tests)),
                Way::Skippable => ctx.remark(Remark::reheadered(sites, a, b)),
            },
            Some(Err(why)) => ctx.remark(Remark::not_reheadered(sites, a, b, &why)),
        }
        moved.insert(header);
    }
    // clang's form of `while ((n = write(fd, p, left)) != left) { if (n < 0) ...; p += n;
    // left -= n; }`: the first call before the loop, and a header that tests the result of
    // the iteration before, then advances the arguments and makes the next call. With the
    // start moved to the call, the test follows the call in its own iteration.
    for r in &today.loops_refused {
        let Reason::ResultTestedLate { test, .. } = r.refusal.reason else {
            continue;
        };
        // The refused loop's back edge: its last call, then its first.
        let (last, first) = (r.a, r.b);
        let header = ir::parent_block(test);
        if !hot_enough(r.weight)
            || today.whole.contains(&header)
            || moved.contains(&header)
            || ir::parent_block(sites[first].call) == header
        {
            continue;
        }
        match try_move(
            ctx,
            sites,
            (last, first),
            first,
            Way::Skippable,
            header,
            &mut changed,
        ) {
            None => continue,
            Some(Ok(())) => ctx.remark(Remark::reheadered_for_test(sites, first, last)),
            Some(Err(why)) => ctx.remark(Remark::not_reheadered(sites, first, last, &why)),
        }
        moved.insert(header);
    }
    changed
}

/// Moves the start of the loop headed by `header` to the call of site `to` when the way
/// round from `a` to `b` (`round`) is one a multi-call can skip; `None` when `to`'s block
/// is not in that loop (no candidate), else whether it moved.
fn try_move(
    ctx: &mut Context<'_>,
    sites: &[Site],
    (a, b): (usize, usize),
    to: usize,
    way: Way,
    header: LLVMBasicBlockRef,
    changed: &mut Changed,
) -> Option<Result<(), NotReheadered>> {
    let to_block = ir::parent_block(sites[to].call);
    let inside: IndexSet<LLVMBasicBlockRef> = loop_blocks(ctx.shim, header).into_iter().collect();
    if !inside.contains(&to_block) {
        return None;
    }
    let gap = match way {
        Way::Skippable => unskippable(ctx.shim, sites[a].call, sites[b].call, header, &inside),
        Way::Watched(_) => None,
    };
    let result = match gap {
        Some(InTheWay::Inst(inst)) => Err(NotReheadered::Unskippable {
            inst: ir::describe(inst),
            a: sites[a].label(),
            b: sites[b].label(),
        }),
        Some(InTheWay::Loop(block)) => Err(NotReheadered::LoopBetween {
            block: ir::block_name(block),
            a: sites[a].label(),
            b: sites[b].label(),
        }),
        None => top_of_loop(header, to_block, &inside, &sites[to].label())
            .map(|(way_in, path)| (way_in, Top::Path(path)))
            .or_else(|straight| match top_region(header, to_block, &inside) {
                Some((way_in, region)) => Ok((way_in, Top::Region(region))),
                None => Err(straight),
            }),
    }
    .and_then(|(way_in, top)| {
        // The split is made before the copy is asked for: the IR changed either way.
        *changed = Changed::Yes;
        move_start(ctx, &sites[to], way_in, top).map_err(NotReheadered::Llvm)
    });
    Some(result)
}

/// The top of a loop, from its header to the block of the call its start moves to.
enum Top {
    /// A straight line of blocks.
    Path(Vec<LLVMBasicBlockRef>),
    /// Blocks that branch and join again (`top_region`), the header first and the call's
    /// block last.
    Region(Vec<LLVMBasicBlockRef>),
}

/// The header of the loop around `a` and `b` whose back edge keeps `a -> b` from one
/// iteration: `b`'s block when it heads a loop, else the first block that `a`'s block
/// reaches (in at most `MAX_PATH` steps) that heads a loop and dominates both calls (clang
/// rotates `for (;;) { n = read(..); if (n == 0) break; if (n < 0) { if (errno == EINTR)
/// continue; ... } write(..); }` so that the read ends the loop and the header tests the
/// phi of its result, the write after it).
fn loop_of(shim: &Shim, a: LLVMValueRef, b: LLVMValueRef) -> Option<LLVMBasicBlockRef> {
    let b_block = ir::parent_block(b);
    if heads_loop(shim, b_block) {
        return Some(b_block);
    }
    let mut seen = IndexSet::new();
    let mut queue: std::collections::VecDeque<(LLVMBasicBlockRef, usize)> =
        ir::successors_of(ir::parent_block(a))
            .into_iter()
            .map(|s| (s, 1))
            .collect();
    while let Some((x, depth)) = queue.pop_front() {
        if depth > MAX_PATH || !seen.insert(x) {
            continue;
        }
        let dominates_both = ir::instructions(x)
            .first()
            .is_some_and(|&first| shim.dominates(first, a) && shim.dominates(first, b));
        if dominates_both && heads_loop(shim, x) {
            return Some(x);
        }
        queue.extend(ir::successors_of(x).into_iter().map(|s| (s, depth + 1)));
    }
    None
}

/// The way in and the blocks of the loop (`inside`) that `header` reaches without passing
/// `to` (the block of the call the start moves to), `to` last: the top of a loop that
/// branches and joins again before the call, at most `MAX_PATH` blocks. The copy checks the
/// rest (each block entered from the top only, no way back to the header).
fn top_region(
    header: LLVMBasicBlockRef,
    to: LLVMBasicBlockRef,
    inside: &IndexSet<LLVMBasicBlockRef>,
) -> Option<(LLVMBasicBlockRef, Vec<LLVMBasicBlockRef>)> {
    let way_in = way_in(header, inside).ok()?;
    let mut region = vec![header];
    let mut queue = std::collections::VecDeque::from([header]);
    let mut seen = IndexSet::from([header, to]);
    while let Some(x) = queue.pop_front() {
        for s in ir::successors_of(x) {
            if inside.contains(&s) && seen.insert(s) {
                region.push(s);
                queue.push_back(s);
            }
        }
        if region.len() > MAX_PATH {
            return None;
        }
    }
    region.push(to);
    Some((way_in, region))
}

/// Splits `a`'s block before it and copies the top of the loop (`top`, from the header to
/// the split block) onto the way in. A refused copy leaves the split, which changes nothing
/// the program does.
fn move_start(
    ctx: &mut Context<'_>,
    a: &Site,
    way_in: LLVMBasicBlockRef,
    top: Top,
) -> Result<(), String> {
    let before = calls_in(a.function);
    let rest = ir::parent_block(a.call);
    ctx.shim.split_before(a.call, "loop.start");
    // The split updates no analysis; the copy asks the dominator tree.
    ctx.shim.invalidate(a.function);
    match top {
        Top::Path(path) => {
            let mut full = Vec::with_capacity(path.len() + 1);
            full.push(way_in);
            full.extend(path);
            ctx.shim.duplicate_path(&full, MAX_COPY, NewHeader::Yes)?;
        }
        Top::Region(region) => {
            ctx.shim.duplicate_region(way_in, &region, MAX_COPY)?;
        }
    }
    // The calls of the copied top: their refused pairs are the originals' to report.
    ctx.copies.extend(calls_in(a.function).difference(&before));
    // What was left of `a`'s block before it, when that was nothing (a latch that held only
    // the call), would stand between the loop's test and its header as an empty block: the
    // test's block becomes the latch, as in the loops clang rotates itself.
    if ctx.shim.fold_forwarding_block(rest) {
        ctx.shim.invalidate(a.function);
    }
    Ok(())
}
