//! Lowering of a whole loop tested at its top whose arguments advance by their results
//! (`Looped::tested`, `legality::advance`): write-all and read-until-full loops.
//!
//! ```text
//! header:           phis; br %test, %out, %mc.loop      ; was: br %test, %out, %body
//! mc.loop:          entries with the phis' values as arguments; sums = 0; one
//!                   struct mc_advance per entry; a struct mc_batch (MC_BATCH_LOOP |
//!                   MC_BATCH_SUMS | MC_BATCH_ADVANCE)
//!                   %mc.adv.ret = call i64 @multicall_run_batch(ptr %mc.batch)
//!                   switch %mc.adv.ret, %mc.adv.fallback [ k+1: %mc.adv.round,
//!                                                          i: %mc.adv.exit.i ]
//! mc.adv.round:     every iteration begun completed: v = phi + sum (or - sum), counters
//!                   + iterations * step; br %header   ; the original test decides
//! mc.adv.exit.i:    the iteration that stopped: the phis' values at its start
//!                   (iterations - 1 completed), the raw results of entries 0..i, errno
//!                   for entry i's error, the next values from those; br %Ei
//! mc.adv.fallback:  br %body                           ; one iteration of the original
//! ```
//!
//! The batch ends where the header's test would leave the loop (`until_zero` or
//! `until_nonpos` on the tested argument), at the bound, or at a signal pending at the start
//! of an iteration: in each case every iteration begun completed, and the header, entered
//! with the advanced values, tests them as the original loop does. A result below 0 (nothing
//! ran) runs one iteration of the original body, which comes back to the header.
//!
//! A rotated loop (the header begins with the first call) is entered at `mc.loop` from the
//! way in, whose phis (`mc.adv.start`) hold the values the batch starts from; after a batch
//! that ran to the end, the latch's own test on the values after it decides between the
//! latch's exit (`mc.adv.until`) and `mc.loop` again with those values (the bound, or a
//! signal that ended the batch). The bound is `1 << 62`, or for a loop bounded by a counter
//! (`plan::Counted`) the iterations it has left (`remaining`).
//!
//! For lzip's block loops (`legality::reentry`) the lowering also extends a 32-bit total's
//! value into the derived arguments, replays the latch's `errno = C` after a batch that
//! completed an iteration (`replay_errno`), and sends a stop that goes back into the loop to
//! its block with the header's instructions computed again from the stopped iteration's
//! values (`reenter`), the re-entry blocks' uses rewritten to take them.

use indexmap::IndexMap;

use llvm_sys::prelude::*;
use llvm_sys::{LLVMIntPredicate, LLVMOpcode};
use multicall_abi::{
    McBatch, MC_BATCH_ADVANCE, MC_BATCH_DEAD_BUFFERS, MC_BATCH_LIVE_AT_STOP, MC_BATCH_LOOP,
    MC_BATCH_SUMS,
};

use super::builder::Builder;
use super::looped::{
    hand_out, leave, leave_by_tests, next_value, plus_minus, recompute, rewrites, way_in, ExitAt,
    Rewrite, MAX_ITERS,
};
use super::straight::{any_argument_below, any_guard_off, batches_pay, either, writes, Entries};
use crate::ir;
use crate::legality::zext_of;
use crate::plan::{
    Advancing, Buffers, Carried, Cast, CountEnd, Counted, Derive, Derived, Looped, Step, Tested,
    TestedArg, Until,
};
use crate::shim::Shim;
use crate::sites::Site;

// The batch is built as nine 64-bit words; these are the ABI's offsets of its fields. They
// are the struct's first 72 bytes, everything before `watches`, which `multicall_run_batch`
// reads only for a batch with `MC_BATCH_WATCHES`.
const _: () = {
    assert!(std::mem::offset_of!(McBatch, watches) == 72);
    assert!(std::mem::offset_of!(McBatch, entries) == 0);
    assert!(std::mem::offset_of!(McBatch, count) == 8);
    assert!(std::mem::offset_of!(McBatch, flags) == 12);
    assert!(std::mem::offset_of!(McBatch, max_iters) == 16);
    assert!(std::mem::offset_of!(McBatch, iterations) == 24);
    assert!(std::mem::offset_of!(McBatch, stop_index) == 32);
    assert!(std::mem::offset_of!(McBatch, resume) == 40);
    assert!(std::mem::offset_of!(McBatch, sums) == 48);
    assert!(std::mem::offset_of!(McBatch, advances) == 56);
    assert!(std::mem::offset_of!(McBatch, watch) == 64);
};

/// Derived argument `d` computed from its total's value `v`, as the original computes it
/// (a 32-bit total's value extended as the original extends it).
fn derived_value(b: &Builder, d: &Derived, v: LLVMValueRef) -> LLVMValueRef {
    let widen = |x: LLVMValueRef| match d.widen {
        Some(Cast::SExt) => b.int_cast(LLVMOpcode::LLVMSExt, x, b.i64t),
        Some(Cast::ZExt) => b.int_cast(LLVMOpcode::LLVMZExt, x, b.i64t),
        // A widening is an extension or nothing (`legality::advance`).
        Some(Cast::Trunc | Cast::Clip) | None => x,
    };
    match d.kind {
        Derive::Gep => b.byte_offset(d.base, widen(v), "mc.adv.derived"),
        Derive::Add => widen(b.arith(LLVMOpcode::LLVMAdd, v, d.base, "mc.adv.derived")),
        Derive::SubFrom => widen(b.arith(LLVMOpcode::LLVMSub, d.base, v, "mc.adv.derived")),
    }
}

/// The two 64-bit words of entry `i`'s `struct mc_advance` (`by[6]`, `down`, `until_zero`
/// in the first, little-endian; `until_nonpos` and the zero reserved bytes in the second).
fn advance_words(i: usize, plan: &Looped, tested: &Tested) -> (u64, u64) {
    let (mut by, mut down, mut zero, mut nonpos) = ([0u8; 6], 0u8, 0u8, 0u8);
    let args = plan
        .advancing
        .iter()
        .enumerate()
        .flat_map(|(k, a)| {
            a.uses
                .iter()
                .map(move |&(entry, arg)| (TestedArg::Advancing(k), entry, arg, a.by, a.down))
        })
        .chain(plan.derived.iter().enumerate().map(|(k, d)| {
            (
                TestedArg::Derived(k),
                d.entry,
                d.arg,
                d.by,
                d.kind == Derive::SubFrom,
            )
        }));
    for (which, _, arg, by_entry, goes_down) in args.filter(|a| a.1 == i) {
        let arg = usize::from(arg);
        by[arg] = by_entry as u8 + 1;
        if goes_down {
            down |= 1 << arg;
        }
        match tested.until {
            Some((w, Until::Zero)) if w == which => zero |= 1 << arg,
            Some((w, Until::NonPos)) if w == which => nonpos |= 1 << arg,
            _ => {}
        }
    }
    let mut lo = [0u8; 8];
    lo[..6].copy_from_slice(&by);
    lo[6] = down;
    lo[7] = zero;
    (u64::from_le_bytes(lo), u64::from(nonpos))
}

/// The advancing argument `a` moved from `start` by `by` (bytes for a pointer).
fn moved(
    b: &Builder,
    a: &Advancing,
    start: LLVMValueRef,
    by: LLVMValueRef,
    name: &str,
) -> LLVMValueRef {
    if ir::type_kind(ir::type_of(a.phi)) == llvm_sys::LLVMTypeKind::LLVMPointerTypeKind {
        b.byte_offset(start, by, name)
    } else {
        plus_minus(b, a.down, start, by, name)
    }
}

/// The advancing argument `a` one result (`last`) before `v`.
fn plan_back(b: &Builder, a: &Advancing, v: LLVMValueRef, last: LLVMValueRef) -> LLVMValueRef {
    let back = Advancing {
        down: !a.down,
        ..a.clone()
    };
    if ir::type_kind(ir::type_of(a.phi)) == llvm_sys::LLVMTypeKind::LLVMPointerTypeKind {
        let minus = b.arith(LLVMOpcode::LLVMSub, b.c64(0), last, "");
        b.byte_offset(v, minus, "mc.adv.start")
    } else {
        moved(b, &back, v, last, "mc.adv.start")
    }
}

/// The comparison `test` computed again at the builder's position, each operand replaced by
/// the value `value_of` gives for it, or zero-extended again from the value `value_of` gives
/// for the value it extends (a counter zero-extended for the test, `legality::counted`);
/// other operands (defined before the loop) as they are.
fn compare_again(
    b: &Builder,
    test: LLVMValueRef,
    value_of: &dyn Fn(LLVMValueRef) -> Option<LLVMValueRef>,
    name: &str,
) -> LLVMValueRef {
    // Several tests the loop's test is made of (`legality::conjunction`): each again, and
    // combined as the original combines them.
    use crate::legality::conjunction::logic_parts;
    for (all, op) in [(true, LLVMOpcode::LLVMAnd), (false, LLVMOpcode::LLVMOr)] {
        if let Some((x, y)) = logic_parts(test, all) {
            let x = compare_again(b, x, value_of, name);
            let y = compare_again(b, y, value_of, name);
            return b.arith(op, x, y, name);
        }
    }
    let operand = |k: u32| {
        let v = ir::operand(test, k);
        match (value_of(v), zext_of(v).and_then(&value_of)) {
            (Some(x), _) => x,
            (None, Some(x)) => b.int_cast(LLVMOpcode::LLVMZExt, x, ir::type_of(v)),
            (None, None) => v,
        }
    };
    let pred = ir::icmp_predicate(test).unwrap_or(llvm_sys::LLVMIntPredicate::LLVMIntNE);
    b.icmp(pred, operand(0), operand(1), name)
}

/// The iterations a batch may run from the counter's value `c` (`Counted`, whose test is on
/// `tested`, the counter's value or next value): the first after which the loop's test
/// leaves (`legality::counted`), as an `i64` between 1 and `MAX_ITERS`: in IR, what
/// `CountEnd::iterations` computes (tested against the loop itself in `tests/logic.rs`).
fn remaining(
    b: &Builder,
    counted: &Counted,
    tested: LLVMValueRef,
    c: LLVMValueRef,
) -> LLVMValueRef {
    use llvm_sys::LLVMIntPredicate::*;
    let ty = ir::type_of(c);
    let width = ir::int_width(ty);
    let one = b.cu(ty, 1);
    // A zero-extended counter counts towards the limit clamped to its type's last value.
    let limit = if counted.widened {
        let wide = ir::type_of(counted.limit);
        let last = b.cu(wide, u64::MAX >> (64 - width));
        let below = b.icmp(LLVMIntULT, counted.limit, last, "mc.cnt.below");
        let clamped = b.select(below, counted.limit, last, "mc.cnt.clamped");
        b.int_cast(LLVMOpcode::LLVMTrunc, clamped, ty)
    } else {
        counted.limit
    };
    let (sub, step) = if counted.up {
        (
            b.arith(LLVMOpcode::LLVMSub, limit, c, "mc.cnt.dist"),
            LLVMOpcode::LLVMAdd,
        )
    } else {
        (
            b.arith(LLVMOpcode::LLVMSub, c, limit, "mc.cnt.dist"),
            LLVMOpcode::LLVMSub,
        )
    };
    let rem = match counted.end {
        CountEnd::Reaches => sub,
        CountEnd::Passes | CountEnd::PassesIncluding => {
            let dist = if counted.end == CountEnd::PassesIncluding {
                b.arith(LLVMOpcode::LLVMAdd, sub, one, "mc.cnt.dist.incl")
            } else {
                sub
            };
            // The loop's own test on the counter after the first iteration.
            let after_one = b.arith(step, c, one, "mc.cnt.first");
            let value_of = |v: LLVMValueRef| (v == tested).then_some(after_one);
            let test = compare_again(b, counted.test, &value_of, "mc.cnt.test");
            let (if_true, if_false) = if counted.goes_on {
                (dist, one)
            } else {
                (one, dist)
            };
            b.select(test, if_true, if_false, "mc.cnt.rem")
        }
    };
    let rem = if width < 64 {
        b.int_cast(LLVMOpcode::LLVMZExt, rem, b.i64t)
    } else {
        rem
    };
    // 0 is 2^width iterations (the counter wraps round); beyond the bound, the bound.
    let full = if width < 64 { 1i64 << width } else { MAX_ITERS };
    let zero = b.icmp(LLVMIntEQ, rem, b.c64(0), "mc.cnt.wraps");
    let rem = b.select(zero, b.c64(full.min(MAX_ITERS)), rem, "mc.cnt.iters");
    let over = b.icmp(LLVMIntUGT, rem, b.c64(MAX_ITERS), "mc.cnt.over");
    b.select(over, b.c64(MAX_ITERS), rem, "mc.cnt.bound")
}

/// The batch's bound lowered to the iterations every clamped count (`plan::Clamped`) gives
/// its cap in, `v / cap` from the total's value `v` where the batch starts (or from the
/// distance to a limit, for a clamp to a limit and a bounded total, `plan::Bounded`); and,
/// when the loop has any, whether some is below its cap (signed or unsigned as it says),
/// where the original code runs the iteration instead ([`room`]).
fn clamp_bound(
    b: &Builder,
    plan: &Looped,
    tested: &Tested,
    base: &IndexMap<LLVMValueRef, LLVMValueRef>,
    mut bound: LLVMValueRef,
) -> (LLVMValueRef, Option<LLVMValueRef>) {
    let mut short: Option<LLVMValueRef> = None;
    for c in &tested.clamped {
        let v = base[&plan.carried[c.carried].phi];
        let limit = c.remaining.map(|(limit, _)| Limit::Above(limit));
        let cap = (c.cap, c.signed);
        (bound, short) = room(b, "mc.clamp", v, limit, cap, (bound, short));
    }
    // A total below a limit, or the bytes left above one: the distance left, as a count left.
    for t in &tested.bounded {
        let v = base[&plan.carried[t.carried].phi];
        let cap = (t.cap, t.signed);
        let limit = if t.down {
            Limit::Below(t.limit)
        } else {
            Limit::Above(t.limit)
        };
        (bound, short) = room(b, "mc.bound", v, Some(limit), cap, (bound, short));
    }
    (bound, short)
}

/// Where a count left's limit lies from the value that moves towards it ([`room`]).
#[derive(Clone, Copy)]
enum Limit {
    /// `v` goes up to it: the distance is `limit - v`.
    Above(LLVMValueRef),
    /// `v` goes down to it: the distance is `v - limit`.
    Below(LLVMValueRef),
}

/// The batch's bound and its "original code" test (`(bound, short)`) narrowed by one count
/// left: `v` itself, or with a `limit` the distance between them, exact where `v` has not
/// reached the limit (the loop's test, asked here too: a loop entered without it, a
/// do-while, may start at the limit). `cap` is the most one iteration takes and whether the
/// values compare signed. Below `cap` (or at the limit) the original code runs the
/// iteration; otherwise the batch runs at most `left / cap` of them. Names begin with
/// `prefix`.
fn room(
    b: &Builder,
    prefix: &str,
    v: LLVMValueRef,
    limit: Option<Limit>,
    (cap, signed): (u64, bool),
    (bound, short): (LLVMValueRef, Option<LLVMValueRef>),
) -> (LLVMValueRef, Option<LLVMValueRef>) {
    use llvm_sys::LLVMIntPredicate::*;
    let pred = if signed { LLVMIntSLT } else { LLVMIntULT };
    let at_or_past = if signed { LLVMIntSGE } else { LLVMIntUGE };
    let past_name = format!("{prefix}.past");
    let left_name = format!("{prefix}.left");
    let (left, past) = match limit {
        Some(Limit::Above(limit)) => {
            let past = b.icmp(at_or_past, v, limit, &past_name);
            let left = b.arith(LLVMOpcode::LLVMSub, limit, v, &left_name);
            (left, Some(past))
        }
        Some(Limit::Below(limit)) => {
            let past = b.icmp(at_or_past, limit, v, &past_name);
            let left = b.arith(LLVMOpcode::LLVMSub, v, limit, &left_name);
            (left, Some(past))
        }
        None => (v, None),
    };
    let ty = ir::type_of(left);
    let cap = b.cu(ty, cap);
    let below_name = format!("{prefix}.below");
    let below = b.icmp(pred, left, cap, &below_name);
    let below = match past {
        Some(p) => b.arith(LLVMOpcode::LLVMOr, p, below, &below_name),
        None => below,
    };
    let short = Some(match short {
        Some(s) => b.arith(LLVMOpcode::LLVMOr, s, below, &below_name),
        None => below,
    });
    let times = b.arith(LLVMOpcode::LLVMUDiv, left, cap, &format!("{prefix}.times"));
    let times = if ir::int_width(ty) < 64 {
        b.int_cast(LLVMOpcode::LLVMZExt, times, b.i64t)
    } else {
        times
    };
    let fewer = b.icmp(LLVMIntULT, times, bound, &format!("{prefix}.fewer"));
    (
        b.select(fewer, times, bound, &format!("{prefix}.bound")),
        short,
    )
}

/// Rewrites one loop whose arguments advance. Returns the rewrites of the values used after it.
pub(super) fn lower(
    b: &Builder,
    shim: &Shim,
    sites: &[Site],
    plan: &Looped,
    tested: &Tested,
    replaced: &IndexMap<LLVMValueRef, LLVMValueRef>,
) -> Vec<Rewrite> {
    let n = plan.entries.len();
    let first = &sites[plan.entries[0].site];
    let dbg = Builder::location_of(first.call);
    let body = plan.header;
    let entries = Entries::alloca(b, first.function, n);
    let words_ty = Builder::array(b.i64t, 9);
    let batch = b.alloca_in_entry(first.function, words_ty, "mc.batch");
    let sums_ty = Builder::array(b.i64t, n);
    let sums = b.alloca_in_entry(first.function, sums_ty, "mc.adv.sums");
    let adv_ty = Builder::array(b.i64t, 2 * n);
    let advances = b.alloca_in_entry(first.function, adv_ty, "mc.advances");

    let fill = b.block_before(body, "mc.loop");
    let round = b.block_before(body, "mc.adv.round");
    let fallback = b.block_before(body, "mc.adv.fallback");
    // The edge the batch goes on: header -> body (top), or the way in -> header (rotated:
    // the straight lowering may have split the preheader, so its last part).
    let rotated = tested.rotated;
    let from = if rotated {
        way_in(b, shim, body, |p| plan.blocks.contains(&p))
    } else {
        tested.block
    };
    // The phis' values where the batch starts: the phis themselves (top), or what they get
    // from the way in (rotated), which the arguments use.
    let defs: Vec<(LLVMValueRef, LLVMValueRef)> = plan
        .advancing
        .iter()
        .map(|a| (a.phi, a.next))
        .chain(plan.carried.iter().map(|c| (c.phi, c.next)))
        .collect();
    let phis: Vec<LLVMValueRef> = defs.iter().map(|&(phi, _)| phi).collect();
    let mut base: IndexMap<LLVMValueRef, LLVMValueRef> = IndexMap::new();
    for &phi in &phis {
        let v = if rotated {
            ir::incoming(phi)
                .into_iter()
                .find(|&(_, f)| f == from)
                .map_or_else(|| Builder::poison(ir::type_of(phi)), |(v, _)| v)
        } else {
            phi
        };
        base.insert(phi, v);
    }
    if let Some(t) = ir::terminator(from) {
        Builder::retarget(t, body, fill);
    }
    shim.move_phi_edge(body, from, fallback);

    b.position_at_end(fill);
    b.set_location(dbg);
    // Rotated: the batch runs again from the values after a batch that ran to the end when
    // the latch's test goes round (the bound, a signal): the phis' values where it starts
    // are phis of its own block, from the way in and from `round`.
    let mut again: Vec<(LLVMValueRef, LLVMValueRef)> = Vec::new();
    if rotated {
        for &phi in &phis {
            let start = b.phi(ir::type_of(phi), "mc.adv.start");
            Builder::add_incoming(start, &[(base[&phi], from)]);
            base.insert(phi, start);
            again.push((phi, start));
        }
    }
    let mut args_map = replaced.clone();
    if rotated {
        args_map.extend(base.iter().map(|(&k, &v)| (k, v)));
    }
    // Derived arguments from the totals' values on the way in (rotated), or at the header
    // (top: computed in the body before its first call in the original).
    for d in &plan.derived {
        let v = base[&plan.carried[d.carried].phi];
        args_map.insert(d.inst, derived_value(b, d, v));
    }
    // A clamped count is its cap in every iteration the batch runs (`plan::Clamped`).
    args_map.extend(caps(b, tested));
    let guards = entries.fill(b, &plan.entries, sites, &args_map);
    for j in 0..n {
        b.store(b.c64(0), b.element(sums, sums_ty, j));
        let (lo, hi) = advance_words(j, plan, tested);
        b.store(b.cu(b.i64t, lo), b.element(advances, adv_ty, 2 * j));
        b.store(b.cu(b.i64t, hi), b.element(advances, adv_ty, 2 * j + 1));
    }
    // With dead buffers the runtime may move the data in the kernel (a copy at explicit
    // offsets): the flags say so, as `lower::looped` does for a plain loop.
    let dead = match plan.buffers {
        Buffers::Dead => MC_BATCH_DEAD_BUFFERS,
        Buffers::LiveAtStop(_) => MC_BATCH_DEAD_BUFFERS | MC_BATCH_LIVE_AT_STOP,
        Buffers::Live(_) => 0,
    };
    // A loop bounded by a counter may have no argument that advances.
    let advances_any = !plan.advancing.is_empty() || !plan.derived.is_empty();
    let advance = if advances_any { MC_BATCH_ADVANCE } else { 0 };
    let flags = u64::from(MC_BATCH_LOOP | MC_BATCH_SUMS | advance | dead);
    let word = |k: usize| b.element(batch, words_ty, k);
    b.store(entries.ptr, word(0));
    b.store(b.cu(b.i64t, flags << 32 | n as u64), word(1));
    let bound = match &tested.counted {
        Some(counted) => {
            let c = &plan.carried[counted.carried];
            if counted.tests_start {
                // The next-value count from one step back.
                let one = b.cu(ir::type_of(c.phi), 1);
                let op = if counted.up {
                    LLVMOpcode::LLVMSub
                } else {
                    LLVMOpcode::LLVMAdd
                };
                let back = b.arith(op, base[&c.phi], one, "mc.cnt.back");
                remaining(b, counted, c.phi, back)
            } else {
                let tested_v = if rotated { c.next } else { c.phi };
                remaining(b, counted, tested_v, base[&c.phi])
            }
        }
        None => b.c64(MAX_ITERS),
    };
    let (bound, short) = clamp_bound(b, plan, tested, &base, bound);
    let original = either(b, any_argument_below(b, &guards), short, "mc.adv.original");
    let original = either(
        b,
        original,
        any_guard_off(b, &plan.guards, &plan.guard_loads),
        "mc.adv.original",
    );
    // Without the module (`multicall_batches_pay` 0) a loop the runtime would not specialise
    // (no copy of dead buffers, no two writes to merge) runs one iteration of the original
    // body, as when the batch cannot run: its batch would make the same calls one at a time.
    let declines = (dead == 0 && writes(sites, &plan.entries) < 2)
        .then(|| batches_pay(b, LLVMIntPredicate::LLVMIntEQ, "mc.adv.declined"));
    let original = either(b, original, declines, "mc.adv.original");
    if let Some(original) = original {
        let call_b = b.block_before(round, "mc.adv.call");
        b.cond_br(original, fallback, call_b);
        b.position_at_end(call_b);
        b.set_location(dbg);
    }
    b.store(bound, word(2));
    for k in 3..6 {
        b.store(b.c64(0), word(k));
    }
    b.store(sums, word(6));
    b.store(if advances_any { advances } else { b.null_ptr() }, word(7));
    b.store(b.c64(0), word(8));
    let (run, run_ty) = b.declare("multicall_run_batch", b.i64t, &mut [b.ptrt]);
    let ret = b.call(run_ty, run, &mut [batch], "mc.adv.ret");
    let at_call = Builder::previous_block(round);
    let iterations = b.load(b.i64t, word(3), "mc.adv.iterations");
    let errno_fn = b.declare("__errno_location", b.ptrt, &mut []);

    // The phis' values after the completed iterations.
    let sum_of = |j: usize| b.load(b.i64t, b.element(sums, sums_ty, j), "mc.adv.sum");
    let advanced =
        |a: &Advancing| -> LLVMValueRef { moved(b, a, base[&a.phi], sum_of(a.by), "mc.adv.arg") };
    let completed = |c: &Carried, done: LLVMValueRef| -> LLVMValueRef {
        let ty = ir::type_of(c.phi);
        let to_width = |v: LLVMValueRef| {
            if ir::int_width(ty) < 64 {
                b.int_cast(LLVMOpcode::LLVMTrunc, v, ty)
            } else {
                v
            }
        };
        let change = match &c.step {
            &Step::Settled { settle, value, .. } => {
                return super::looped::settled_after(b, settle, value, base[&c.phi], done);
            }
            Step::Invariant(step) => b.arith(LLVMOpcode::LLVMMul, to_width(done), *step, ""),
            Step::Result { entry, .. } => to_width(sum_of(*entry)),
        };
        plus_minus(b, c.minus, base[&c.phi], change, "mc.adv.carried")
    };

    // Round: every iteration begun completed. Top: back to the header with the advanced
    // values, whose test decides. Rotated: the latch's test on them decides between the
    // original loop (the bound or a signal) and the latch's exit.
    b.position_at_end(round);
    b.set_location(dbg);
    replay_errno(b, plan, tested, iterations);
    let after: Vec<LLVMValueRef> = plan
        .advancing
        .iter()
        .map(&advanced)
        .chain(plan.carried.iter().map(|c| completed(c, iterations)))
        .collect();
    let mut until_out = None;
    if let (Some(exit), Some((test, round_if_true))) = (tested.until_exit, tested.latch_test) {
        // The latch's own comparison, on the values after the completed iterations.
        let after_of = |x: LLVMValueRef| defs.iter().position(|&(_, n)| n == x).map(|i| after[i]);
        let cmp = compare_again(b, test, &after_of, "mc.adv.test");
        let until_b = b.block_before(body, "mc.adv.until");
        if round_if_true {
            b.cond_br(cmp, fill, until_b);
        } else {
            b.cond_br(cmp, until_b, fill);
        }
        until_out = Some((until_b, exit));
    } else if rotated {
        // Untested: only the bound or a signal ends a batch that ran to the end.
        b.br(fill);
    } else {
        for (&phi, &v) in phis.iter().zip(&after) {
            Builder::add_incoming(phi, &[(v, round)]);
        }
        b.br(tested.block);
    }

    if rotated {
        for (k, &(_, start)) in again.iter().enumerate() {
            Builder::add_incoming(start, &[(after[k], round)]);
        }
    }
    let mut cases = vec![(b.c64(n as i64), round)];
    // Per exit: the derived arguments' values in the iteration it left from.
    let mut derived_at: Vec<Vec<LLVMValueRef>> = Vec::with_capacity(n + 1);
    let mut outs: Vec<(LLVMBasicBlockRef, Vec<LLVMValueRef>)> = Vec::with_capacity(n);
    // Per exit: (start, next) of every advancing value, then of every carried value.
    let mut starts: Vec<Vec<(LLVMValueRef, LLVMValueRef)>> = Vec::with_capacity(n);
    // Per exit into a re-entry block: its out block and the header's values there.
    let mut reentered = Vec::new();
    // Per exit: the values used after the loop computed again there (`Tested::recomputed`),
    // where the iteration that left has what they are computed from.
    let mut recomputed_at: Vec<Vec<Option<LLVMValueRef>>> = Vec::with_capacity(n + 1);
    for (i, exit) in plan.exits.iter().enumerate() {
        let ex = ExitAt::begin(b, &entries, plan, sites, "mc.adv", i);
        cases.push((b.c64(i as i64), ex.blocks[0]));
        let (out_b, mut values) = (ex.blocks[2], ex.before);
        let done = b.arith(LLVMOpcode::LLVMSub, iterations, b.c64(1), "mc.adv.done");
        // Before the stopped call's errno: the iterations before it reset errno.
        replay_errno(b, plan, tested, done);
        let adv_starts: Vec<LLVMValueRef> = plan.advancing.iter().map(&advanced).collect();
        let car_starts: Vec<LLVMValueRef> =
            plan.carried.iter().map(|c| completed(c, done)).collect();
        let x = hand_out(b, errno_fn, ex.raw, ex.ok_v, ex.blocks, ex.dbg, "mc.adv", i);
        values.push(x);
        let mut these = Vec::new();
        for (a, &start) in plan.advancing.iter().zip(&adv_starts) {
            let next = match values.get(a.by) {
                Some(&step) => moved(b, a, start, step, "mc.adv.next"),
                None => Builder::poison(ir::type_of(a.phi)),
            };
            these.push((start, next));
        }
        for (c, &start) in plan.carried.iter().zip(&car_starts) {
            these.push((start, next_value(b, c, start, &values)));
        }
        // The derived arguments of the stopped iteration, from its total's start.
        let derived_here: Vec<LLVMValueRef> = plan
            .derived
            .iter()
            .map(|d| derived_value(b, d, these[plan.advancing.len() + d.carried].0))
            .collect();
        recomputed_at.push(recompute_at(b, plan, tested, sites, &phis, &these, &values));
        let mut copies = Vec::new();
        // A stop that goes back into the loop, by its one exit or by one of its tests'.
        let reenters = std::iter::once(exit.to)
            .chain(plan.stop_tests.get(i).into_iter().flatten().map(|t| t.1))
            .any(|to| tested.reentry.contains(&to));
        if reenters {
            copies = reenter(b, plan, sites, &values, &these);
            reentered.push((out_b, copies.clone()));
        }
        match plan.stop_tests.get(i) {
            Some(tests) if tests.len() > 1 => {
                // The header's instructions already computed again for a re-entry are used
                // as they are.
                let mut map: IndexMap<LLVMValueRef, LLVMValueRef> = copies
                    .into_iter()
                    .chain(
                        phis.iter()
                            .zip(&these)
                            .map(|(&phi, &(start, _))| (phi, start)),
                    )
                    .chain(
                        plan.entries
                            .iter()
                            .zip(&values)
                            .map(|(e, &v)| (sites[e.site].call, v)),
                    )
                    .chain(
                        plan.derived
                            .iter()
                            .map(|d| d.inst)
                            .zip(derived_here.iter().copied()),
                    )
                    .chain(caps(b, tested))
                    .collect();
                leave_by_tests(b, plan, tests, out_b, &mut map);
            }
            _ => leave(b, exit, out_b),
        }
        starts.push(these);
        derived_at.push(derived_here);
        outs.push((out_b, values));
    }

    // The latch's exit after a batch that ran to the end of the loop: the last iteration
    // completed, its results are the entries'; the phis held at its start what they hold
    // after it, moved back by its results (counters: one iteration less).
    if let Some((until_b, exit)) = until_out {
        b.position_at_end(until_b);
        b.set_location(dbg);
        let values: Vec<LLVMValueRef> = plan
            .entries
            .iter()
            .enumerate()
            .map(|(j, e)| {
                let raw = entries.raw_result(b, j, &format!("mc.adv.last.{j}"));
                b.i64_as(raw, ir::type_of(sites[e.site].call))
            })
            .collect();
        let done = b.arith(LLVMOpcode::LLVMSub, iterations, b.c64(1), "mc.adv.done");
        let mut these = Vec::new();
        for (a, &v) in plan.advancing.iter().zip(&after) {
            let back = plan_back(b, a, v, values[a.by]);
            these.push((back, v));
        }
        let carried_after = &after[plan.advancing.len()..];
        for (c, &v) in plan.carried.iter().zip(carried_after) {
            // After the last iteration a counter has had `iterations` steps, a total every
            // completed iteration's result: one step back is where the last one started.
            let start = match c.step {
                Step::Invariant(_) | Step::Settled { .. } => completed(c, done),
                Step::Result { .. } => {
                    let back = Carried {
                        minus: !c.minus,
                        ..c.clone()
                    };
                    next_value(b, &back, v, &values)
                }
            };
            these.push((start, v));
        }
        derived_at.push(
            plan.derived
                .iter()
                .map(|d| derived_value(b, d, these[plan.advancing.len() + d.carried].0))
                .collect(),
        );
        recomputed_at.push(recompute_at(b, plan, tested, sites, &phis, &these, &values));
        leave(b, &exit, until_b);
        starts.push(these);
        outs.push((until_b, values));
    }

    b.position_at_end(at_call);
    b.set_location(dbg);
    b.switch(ret, fallback, &cases);

    // The original loop: top, one iteration of the body; rotated, the header with the
    // values the batch that did not run started from.
    b.position_at_end(fallback);
    b.set_location(dbg);
    if rotated {
        for &phi in &phis {
            Builder::set_incoming_value(phi, fallback, base[&phi]);
        }
    }
    b.br(body);

    let mut all = rewrites(plan, sites, &outs, &defs, &starts);
    // Derived arguments used after the loop (an error exit's `size - done`): each way out
    // gets the value of the iteration it left from.
    all.extend(plan.derived.iter().enumerate().map(|(k, d)| {
        Rewrite {
            def: d.inst,
            inside: plan.blocks.clone(),
            more: outs
                .iter()
                .zip(&derived_at)
                .map(|((out_b, _), vals)| (*out_b, vals[k]))
                .collect(),
        }
    }));
    all.extend(tested.recomputed.iter().enumerate().map(|(k, &def)| {
        Rewrite {
            def,
            inside: plan.blocks.clone(),
            more: outs
                .iter()
                .zip(&recomputed_at)
                .filter_map(|((out_b, _), vals)| vals[k].map(|v| (*out_b, v)))
                .collect(),
        }
    }));
    if !tested.reentry.is_empty() {
        // The re-entry blocks are original code entered from the stops too: their uses of
        // the header's values get the stopped iteration's.
        // A block of the way round that a re-entry block joins (the latch) is original code
        // on that way too: its uses get the value of the way they came by.
        let joined = |b: &LLVMBasicBlockRef| {
            ir::predecessors(*b)
                .iter()
                .any(|p| tested.reentry.contains(p))
        };
        // The header stays the batch's own: a re-entry that retries the call may go back
        // to it (its phis then take their own values from the re-entry block), and its
        // instructions' uses in it follow them.
        let round: Vec<LLVMBasicBlockRef> = plan
            .blocks
            .iter()
            .copied()
            .filter(|&b| !tested.reentry.contains(&b) && (b == plan.header || !joined(&b)))
            .collect();
        for r in &mut all {
            // A value keeps its uses in its own block, which follow it there.
            r.inside = round.clone();
            let own = ir::parent_block(r.def);
            if !r.inside.contains(&own) {
                r.inside.push(own);
            }
        }
        all.extend(header_rewrites(&round, &reentered));
    }
    all
}

/// Each clamped count (`plan::Clamped`) and its 32-bit `min` with the cap, which they are
/// in every iteration a batch runs.
fn caps(b: &Builder, tested: &Tested) -> Vec<(LLVMValueRef, LLVMValueRef)> {
    tested
        .clamped
        .iter()
        .flat_map(|c| {
            let part = c.part.map(|p| (p, b.cu(ir::type_of(p), c.cap)));
            std::iter::once((c.inst, b.c64(c.cap as i64))).chain(part)
        })
        .collect()
}

/// Each value of `Tested::recomputed` computed again at the builder's position from the
/// values of the iteration that left: the header's `phis` as `these` (start, next) give them
/// at its start, the calls' results `values` (the entries that ran). `None` for one that
/// needs a result of an entry that did not run, which nothing after this way out uses
/// (`legality::advance`).
fn recompute_at(
    b: &Builder,
    plan: &Looped,
    tested: &Tested,
    sites: &[Site],
    phis: &[LLVMValueRef],
    these: &[(LLVMValueRef, LLVMValueRef)],
    values: &[LLVMValueRef],
) -> Vec<Option<LLVMValueRef>> {
    let calls: Vec<LLVMValueRef> = plan.entries.iter().map(|e| sites[e.site].call).collect();
    let mut map: IndexMap<LLVMValueRef, LLVMValueRef> = phis
        .iter()
        .zip(these)
        .map(|(&phi, &(start, _))| (phi, start))
        .chain(calls.iter().copied().zip(values.iter().copied()))
        .chain(caps(b, tested))
        .collect();
    tested
        .recomputed
        .iter()
        .map(|&x| {
            let missing = needs(x, &plan.blocks)
                .into_iter()
                .any(|v| calls.contains(&v) && !map.contains_key(&v));
            (!missing).then(|| recompute(b, &plan.blocks, x, &mut map))
        })
        .collect()
}

/// The instructions of `blocks` that `x` is computed from, itself included.
fn needs(x: LLVMValueRef, blocks: &[LLVMBasicBlockRef]) -> Vec<LLVMValueRef> {
    let mut seen = Vec::new();
    let mut work = vec![x];
    while let Some(v) = work.pop() {
        if !ir::is_instruction(v) || !blocks.contains(&ir::parent_block(v)) || seen.contains(&v) {
            continue;
        }
        seen.push(v);
        if !ir::is_phi(v) && !ir::is_call(v) {
            work.extend((0..ir::num_operands(v)).map(|k| ir::operand(v, k)));
        }
    }
    seen
}

/// Replays the loop's store of a constant to `errno` (`Tested::errno_reset`) when `done`
/// (an i64) iterations completed, at least one: the original's last completed iteration
/// stored it; with none, errno stays as it was. errno's address is the store's when that is
/// computed before the loop, else asked of `__errno_location()` again.
fn replay_errno(b: &Builder, plan: &Looped, tested: &Tested, done: LLVMValueRef) {
    let Some(store) = tested.errno_reset else {
        return;
    };
    let (value, mut ptr) = (ir::operand(store, 0), ir::operand(store, 1));
    if plan.blocks.contains(&ir::parent_block(ptr)) {
        let (f, ty) = b.declare("__errno_location", b.ptrt, &mut []);
        ptr = b.call(ty, f, &mut [], "mc.adv.errno.at");
    }
    let ty = ir::type_of(value);
    let now = b.load(ty, ptr, "mc.adv.errno");
    let any = b.icmp(
        llvm_sys::LLVMIntPredicate::LLVMIntSGT,
        done,
        b.c64(0),
        "mc.adv.reset",
    );
    let v = b.select(any, value, now, "mc.adv.errno.reset");
    b.store(v, ptr);
}

/// At the out block of a stop that goes back into the loop (the builder's block): the
/// header's instructions computed again from the stopped iteration's values (the phis'
/// starts, the calls' results `values`), in order, each with its original's name. Returns
/// (original, copy) pairs.
fn reenter(
    b: &Builder,
    plan: &Looped,
    sites: &[Site],
    values: &[LLVMValueRef],
    these: &[(LLVMValueRef, LLVMValueRef)],
) -> Vec<(LLVMValueRef, LLVMValueRef)> {
    let mut map: IndexMap<LLVMValueRef, LLVMValueRef> = plan
        .advancing
        .iter()
        .map(|a| a.phi)
        .chain(plan.carried.iter().map(|c| c.phi))
        .zip(these.iter().map(|&(start, _)| start))
        .collect();
    for (e, &v) in plan.entries.iter().zip(values) {
        map.insert(sites[e.site].call, v);
    }
    let mut copies = Vec::new();
    for inst in ir::instructions(plan.header) {
        // The entries' calls are in the map; legality leaves no other call in the header
        // but `__errno_location()`, which is copied like the arithmetic.
        if ir::is_phi(inst) || ir::is_terminator(inst) || map.contains_key(&inst) {
            continue;
        }
        let copy = b.clone_with(inst, &map);
        map.insert(inst, copy);
        copies.push((inst, copy));
    }
    copies
}

/// The rewrites of the header's instructions used in the re-entry blocks: the copy of each
/// at every out block that enters them (`reentered`); `round` are the blocks the batch runs.
fn header_rewrites(
    round: &[LLVMBasicBlockRef],
    reentered: &[(LLVMBasicBlockRef, Vec<(LLVMValueRef, LLVMValueRef)>)],
) -> Vec<Rewrite> {
    let Some((_, first)) = reentered.first() else {
        return Vec::new();
    };
    first
        .iter()
        .enumerate()
        .filter(|&(_, &(inst, _))| {
            ir::users(inst)
                .iter()
                .any(|&(user, at)| !round.contains(&at) || !round.contains(&ir::parent_block(user)))
        })
        .map(|(k, &(inst, _))| Rewrite {
            def: inst,
            inside: round.to_vec(),
            more: reentered
                .iter()
                .map(|(out_b, copies)| (*out_b, copies[k].1))
                .collect(),
        })
        .collect()
}
