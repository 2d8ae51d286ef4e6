//! Lowering of a whole loop (`Plan::Looped`): the paper's section 3.4.
//!
//! For a loop whose body is the chain `x0 = s0(a0); ...; xk = sk(ak)`, each call leaving the
//! loop at its own stop predicate (exit `i` to block `Ei`):
//!
//! ```text
//! entry:          %mc.entries = alloca [k+1 x %struct.mc_entry]
//! preheader:      br ..., %mc.loop              ; was: br ..., %header
//! mc.loop:        store every entry (as a straight batch)
//!                 br %mc.loop.call              ; or %mc.loop.fallback for a negative
//!                                               ; "result != argument" argument
//! mc.loop.call:   %mc.loop.ret = call i64 @multicall_loop(ptr %mc.entries, i32 k+1,
//!                                                         i64 MAX_ITERS, ptr null)
//!                 ; multicall_loop_flags(..., MC_BATCH_DEAD_BUFFERS) when the calls'
//!                 ; buffers are dead after the loop (legality::dead_buffers), with
//!                 ; MC_BATCH_LIVE_AT_STOP when a stop past the first call may read them
//!                 switch %mc.loop.ret, %mc.loop.fallback [ k+1: %mc.loop.call,
//!                                                          i: %mc.loop.exit.i ]
//! mc.loop.exit.i: the raw results of entries 0..i; entry i's may be an error:
//!                 br (raw_i in -MC_MAX_ERRNO..-1), %mc.loop.err.i, %mc.loop.out.i
//! mc.loop.err.i:  errno = -raw_i
//! mc.loop.out.i:  %mc.loop.x.i = phi [raw_i, ...], [-1, %mc.loop.err.i]
//!                 br %Ei                        ; phis of Ei get the value they get from
//!                                               ; the loop's exiting block; for an
//!                                               ; unchecked last call (`LoopExit::round`),
//!                                               ; br %mc.loop.call: the loop goes on
//! mc.loop.fallback: br %header                  ; the original loop, unchanged
//! ```
//!
//! `count` back from `multicall_loop` means that no predicate fired (the bound was reached or
//! a signal is pending at an iteration's start): every iteration begun has finished, so the
//! batch is simply run again; a pending signal's handler runs on the way. Entries before `i`
//! did not stop the batch, so they succeeded (every entry stops on an error): their raw
//! results are their libc values. A value below 0 (the runtime could not run the batch, it
//! ran nothing) enters the original loop at its header, which has no phi. The calls' results
//! used after the loop are then defined twice: by the original calls on the paths from the
//! fallback loop, and by `mc.loop.x.*` on the new exits; LLVM's SSAUpdater (through the shim)
//! joins them with phis where those paths meet.

use indexmap::{IndexMap, IndexSet};

use llvm_sys::prelude::*;

use super::builder::Builder;
use super::straight::{
    any_argument_below, any_guard_off, batches_pay, either, is_error, set_errno, writes, Entries,
};
use crate::ir;
use crate::plan::{
    Buffers, Carried, Cast, ExitKind, LoopExit, Looped, Period, PeriodKind, PeriodTest, Settle,
    Step, Watch,
};
use crate::shim::Shim;
use crate::sites::Site;
use llvm_sys::{LLVMIntPredicate, LLVMOpcode};
use multicall_abi::{
    McBatch, McWatch, MC_BATCH_DEAD_BUFFERS, MC_BATCH_LIVE_AT_STOP, MC_BATCH_LOOP, MC_BATCH_SUMS,
    MC_BATCH_WATCH, MC_BATCH_WATCHES, MC_WATCH_ZERO,
};

// The batch's words (`struct mc_batch`, eleven 64-bit words with the list's) and a watch's
// two (`struct mc_watch`: its address, then `mode` in the low half and `after` in the high).
const _: () = {
    assert!(std::mem::size_of::<McBatch>() == 88);
    assert!(std::mem::offset_of!(McBatch, watch_mode) == 44);
    assert!(std::mem::offset_of!(McBatch, watch) == 64);
    assert!(std::mem::offset_of!(McBatch, watches) == 72);
    assert!(std::mem::offset_of!(McBatch, nwatches) == 80);
    assert!(std::mem::size_of::<McWatch>() == 16);
    assert!(std::mem::offset_of!(McWatch, mode) == 8);
    assert!(std::mem::offset_of!(McWatch, after) == 12);
};

/// The bound on iterations of one `multicall_loop` call. Reaching it costs one more call (the
/// lowered code calls again), so it only needs to be out of reach of real loops; 2^62 is that
/// (at a billion iterations a second, 146 years) and leaves headroom below the u64 counters
/// of the runtime and the module, which count iterations up to the bound.
pub(super) const MAX_ITERS: i64 = 1 << 62;

/// A result of a loop's call used after the loop, and the values that stand for it at the end
/// of the new exits (for `Shim::ssa_rewrite_outside`).
pub(crate) struct Rewrite {
    pub(super) def: LLVMValueRef,
    pub(super) inside: Vec<LLVMBasicBlockRef>,
    pub(super) more: Vec<(LLVMBasicBlockRef, LLVMValueRef)>,
}

impl Rewrite {
    /// Gives the uses after the loop the value of the way they were reached by.
    pub(crate) fn apply(&self, shim: &Shim) {
        shim.ssa_rewrite_outside(self.def, &self.inside, &self.more);
    }
}

/// Rewrites one loop. The plan's legality must have been settled on unchanged IR. Returns
/// the rewrites of the results used after the loop, to be applied once every plan is lowered
/// (so that the uses other lowerings make, such as another plan's entry stores, get them too).
pub(crate) fn lower(
    b: &Builder,
    shim: &Shim,
    sites: &[Site],
    plan: &Looped,
    replaced: &IndexMap<LLVMValueRef, LLVMValueRef>,
) -> Vec<Rewrite> {
    if let Some(tested) = &plan.tested {
        return super::advance::lower(b, shim, sites, plan, tested, replaced);
    }
    let n = plan.entries.len();
    let first = &sites[plan.entries[0].site];
    let dbg = Builder::location_of(first.call);
    let entries = Entries::alloca(b, first.function, n);
    let state = State::alloca(b, first.function, plan);

    // A loop whose stops resume it: the original code after each call starts a block of its
    // own, which the stop enters.
    let resumes = plan
        .exits
        .iter()
        .any(|e| matches!(e.kind, ExitKind::Resume { .. }));
    let resume_at: Vec<Option<LLVMBasicBlockRef>> = if resumes {
        plan.entries
            .iter()
            .enumerate()
            .map(|(i, e)| {
                ir::next_instruction(sites[e.site].call)
                    .map(|next| shim.split_before(next, &format!("mc.loop.resume.{i}")))
            })
            .collect()
    } else {
        Vec::new()
    };
    // The loop's back edges: the header's predecessors it dominates. The dominator tree is
    // asked afresh: the splits above and the lowerings before this one (a straight multi-call
    // in the loop splits its blocks) made blocks the plan does not list.
    shim.invalidate(first.function);
    let head = ir::instructions(plan.header).first().copied();
    let latches: IndexSet<LLVMBasicBlockRef> = ir::predecessors(plan.header)
        .into_iter()
        .filter(|&p| {
            !p.is_null()
                && head
                    .zip(ir::terminator(p))
                    .is_some_and(|(h, t)| shim.dominates(h, t))
        })
        .collect();

    way_in(b, shim, plan.header, |p| latches.contains(&p));
    shim.invalidate(first.function);
    let fill = b.block_before(plan.header, "mc.loop");
    let again = b.block_before(plan.header, "mc.loop.call");
    let fallback = b.block_before(plan.header, "mc.loop.fallback");
    // The flags the way round tests (`Looped::watches` read after each iteration, the last
    // of the list): the batch ends when a test would leave, and this block makes the tests
    // again, as does a round exit. (A flag tested between two calls stops the batch at the
    // earlier call's entry, whose stop resumes the original.)
    let ends = plan
        .watches
        .iter()
        .position(|w| w.after.is_none())
        .map_or(&plan.watches[..0], |k| &plan.watches[k..]);
    let watch = (!ends.is_empty()).then(|| (ends, b.block_before(plan.header, "mc.loop.watch")));
    // A counter's remainder the way round tests (`Looped::period`): the batch runs at most
    // the iterations up to the one in which the test would go the other way, and this block
    // makes the test again.
    let period = plan
        .period
        .as_ref()
        .map(|p| (p, b.block_before(plan.header, "mc.loop.period")));
    // The block that makes the way round's test again after a batch that ran to its bound.
    let test_again = watch.map(|(_, wb)| wb).or(period.map(|(_, pb)| pb));
    let round_to = test_again.unwrap_or(again);
    // Where the loop resumes, its back edges come to the batch again: the carried values
    // enter it from the way in and from each back edge (a phi per value, which takes what the
    // header's phi took).
    let mut inits = vec![None; plan.carried.len()];
    if resumes {
        b.position_at_end(fill);
        b.set_location(dbg);
        for (init, c) in inits.iter_mut().zip(&plan.carried) {
            // A phi of the header that tests before the batch's block (`Looped::tested_by`),
            // which dominates that block: the batch begins with its value.
            if ir::parent_block(c.phi) != plan.header {
                *init = Some(c.phi);
                continue;
            }
            let phi = b.phi(ir::type_of(c.phi), "mc.loop.init");
            let incoming: Vec<_> = ir::incoming(c.phi)
                .into_iter()
                .filter(|(_, from)| !from.is_null())
                .collect();
            Builder::add_incoming(phi, &incoming);
            *init = Some(phi);
        }
    }
    // The way in, as it is now: the straight lowering may have split the preheader, and then
    // the block that branches to the header is the preheader's last part. The header's phis
    // take their first values from the fallback instead (set below).
    for pred in ir::predecessors(plan.header) {
        if pred.is_null() {
            continue;
        }
        if latches.contains(&pred) {
            if resumes {
                if let Some(t) = ir::terminator(pred) {
                    Builder::retarget(t, plan.header, fill);
                }
                shim.remove_phi_edge(plan.header, pred);
            }
            continue;
        }
        if !resumes {
            for (init, c) in inits.iter_mut().zip(&plan.carried) {
                *init = ir::incoming(c.phi)
                    .into_iter()
                    .find(|&(_, from)| from == pred)
                    .map(|(v, _)| v);
            }
        }
        if let Some(t) = ir::terminator(pred) {
            Builder::retarget(t, plan.header, fill);
        }
        shim.move_phi_edge(plan.header, pred, fallback);
    }
    let inits: Vec<LLVMValueRef> = inits
        .into_iter()
        .zip(&plan.carried)
        .map(|(init, c)| init.unwrap_or_else(|| Builder::poison(ir::type_of(c.phi))))
        .collect();

    // With dead buffers the runtime may move the data in the kernel: the batch's flags as an
    // argument; with totals, the sums too.
    let dead_flags = match plan.buffers {
        Buffers::Dead => MC_BATCH_DEAD_BUFFERS,
        Buffers::LiveAtStop(_) => MC_BATCH_DEAD_BUFFERS | MC_BATCH_LIVE_AT_STOP,
        Buffers::Live(_) => 0,
    };
    // A watched loop runs through `multicall_run_batch`, its `struct mc_batch` filled with
    // the entries: one flag as `MC_BATCH_WATCH` (the struct's first 72 bytes, nine words),
    // several as `MC_BATCH_WATCHES` (all 88, and a `struct mc_watch` of two words per flag,
    // each read after the last entry, in the loop's order).
    let watched = !plan.watches.is_empty();
    let listed = plan.watches.len() > 1 || plan.watches.iter().any(|w| w.after.is_some());
    let batch_ty = Builder::array(b.i64t, if listed { 11 } else { 9 });
    let batch = watched.then(|| b.alloca_in_entry(first.function, batch_ty, "mc.batch"));
    let list_ty = Builder::array(b.i64t, 2 * plan.watches.len());
    let list = listed.then(|| b.alloca_in_entry(first.function, list_ty, "mc.watches"));
    b.position_at_end(fill);
    b.set_location(dbg);
    state.clear(b, n);
    let guards = entries.fill(b, &plan.entries, sites, replaced);
    if let Some(batch) = batch {
        let ws = &plan.watches;
        let mut flags = MC_BATCH_LOOP | dead_flags;
        flags |= if listed {
            MC_BATCH_WATCHES
        } else {
            MC_BATCH_WATCH
        };
        if state.sums.is_some() {
            flags |= MC_BATCH_SUMS;
        }
        let mode = |w: &Watch| {
            u64::from(w.size)
                | if w.leaves_on_zero {
                    u64::from(MC_WATCH_ZERO)
                } else {
                    0
                }
        };
        let mut words = vec![
            entries.ptr,
            b.cu(b.i64t, u64::from(flags) << 32 | n as u64),
            b.c64(MAX_ITERS),
            b.c64(0),
            b.c64(0),
            b.cu(b.i64t, if listed { 0 } else { mode(&ws[0]) << 32 }),
            state.sums.unwrap_or_else(|| b.null_ptr()),
            b.null_ptr(),
            if listed {
                b.null_ptr()
            } else {
                ir::operand(ws[0].load, 0)
            },
        ];
        if let Some(list) = list {
            // Each after its entry; after the last one: read after each completed iteration.
            for (k, w) in ws.iter().enumerate() {
                let after = (w.after.unwrap_or(n - 1) as u64) << 32;
                b.store(ir::operand(w.load, 0), b.element(list, list_ty, 2 * k));
                b.store(
                    b.cu(b.i64t, mode(w) | after),
                    b.element(list, list_ty, 2 * k + 1),
                );
            }
            words.push(list);
            words.push(b.c64(ws.len() as i64));
        }
        for (k, v) in words.into_iter().enumerate() {
            b.store(v, b.element(batch, batch_ty, k));
        }
    }
    // Without the module (`multicall_batches_pay` 0) a loop the runtime would not specialise
    // (no copy of dead buffers, no two writes to merge) runs as the original loop: its
    // batches would make the same calls one at a time.
    let declines = (dead_flags == 0 && writes(sites, &plan.entries) < 2)
        .then(|| batches_pay(b, LLVMIntPredicate::LLVMIntEQ, "mc.loop.declined"));
    let original = either(
        b,
        either(
            b,
            any_argument_below(b, &guards),
            any_guard_off(b, &plan.guards, &plan.guard_loads),
            "mc.loop.cut",
        ),
        declines,
        "mc.loop.original",
    );
    // Whether the batch's block may go to the original loop before any batch ran.
    let fill_to_fallback = original.is_some();
    match original {
        Some(original) => b.cond_br(original, fallback, again),
        None => b.br(again),
    }

    b.position_at_end(again);
    b.set_location(dbg);
    // Completed iterations of the calls before this one (counters only).
    let done_before = state.iters.map(|_| b.phi(b.i64t, "mc.loop.done"));
    // With a period test, the batch's bound: the iterations up to the next one whose test
    // goes the other way, counted from the counter's value now.
    let bound = match (period, done_before) {
        (Some((p, _)), Some(d)) => {
            let k = p.carried;
            let now = state.completed(b, &plan.carried[k], inits[k], Some(d));
            match &p.test {
                PeriodTest::Remainder { modulus, kind, .. } => {
                    period_bound(b, p.tests_next, *modulus, *kind, now)
                }
                PeriodTest::Reaches {
                    limit,
                    limit_carried,
                    inclusive,
                    signed,
                    equality,
                    per_iteration,
                    less,
                    down,
                } => {
                    let limit = match limit_carried {
                        Some(j) => state.completed(b, &plan.carried[*j], inits[*j], Some(d)),
                        None => *limit,
                    };
                    let now = less_by(b, plan, &state, &inits, *less, now, Some(d));
                    let how = Reaching {
                        tests_next: p.tests_next,
                        inclusive: *inclusive,
                        signed: *signed,
                        equality: *equality,
                    };
                    // A counter going down reaches its limit as the mirrored values do:
                    // the limit's mirror climbs to the counter's.
                    let (from, to) = if *down { (limit, now) } else { (now, limit) };
                    let (from, to) = widened_reach(b, how, from, to);
                    reaches_bound(b, how, from, to, *per_iteration)
                }
            }
        }
        _ => b.c64(MAX_ITERS),
    };
    let (ret, begun) = match batch {
        Some(batch) => {
            let (run, run_ty) = b.declare("multicall_run_batch", b.i64t, &mut [b.ptrt]);
            let ret = b.call(run_ty, run, &mut [batch], "mc.loop.ret");
            // struct mc_batch's iterations, the fourth word.
            let word = b.element(batch, batch_ty, 3);
            let begun = state.iters.map(|_| b.load(b.i64t, word, "mc.loop.iters"));
            (ret, begun)
        }
        None => {
            let dead = dead_flags != 0;
            let flags = b.c32(dead_flags);
            let iters_arg = state.iters.unwrap_or_else(|| b.null_ptr());
            let mut params = vec![b.ptrt, b.i32t, b.i64t, b.ptrt];
            let mut args = vec![entries.ptr, b.c32(n as u32), bound, iters_arg];
            let name = match (state.sums, dead) {
                (None, false) => "multicall_loop",
                (None, true) => {
                    params.push(b.i32t);
                    args.push(flags);
                    "multicall_loop_flags"
                }
                (Some(sums), _) => {
                    params.extend([b.i32t, b.ptrt]);
                    args.extend([flags, sums]);
                    "multicall_loop_sums"
                }
            };
            let (mc_loop, mc_loop_ty) = b.declare(name, b.i64t, &mut params);
            let ret = b.call(mc_loop_ty, mc_loop, &mut args, "mc.loop.ret");
            // Iterations begun by this call; every one completed when it returns count.
            let begun = state.iters.map(|p| b.load(b.i64t, p, "mc.loop.iters"));
            (ret, begun)
        }
    };
    let done_after = done_before
        .zip(begun)
        .map(|(d, it)| b.arith(LLVMOpcode::LLVMAdd, d, it, "mc.loop.done.next"));
    // With a watch, the iterations completed when its test goes round (its block's phi).
    let watch_done = test_again.zip(done_before).map(|(wb, _)| {
        let name = if watch.is_some() {
            "mc.loop.watch.done"
        } else {
            "mc.loop.period.done"
        };
        phi_in(b, wb, name, again)
    });
    if let (Some(d), Some(next)) = (done_before, done_after) {
        match (test_again, watch_done) {
            (Some(wb), Some(wd)) => {
                Builder::add_incoming(d, &[(b.c64(0), fill), (wd, wb)]);
                Builder::add_incoming(wd, &[(next, again)]);
            }
            _ => Builder::add_incoming(d, &[(b.c64(0), fill), (next, again)]),
        }
    }
    let errno_fn = b.declare("__errno_location", b.ptrt, &mut []);

    // The loop's blocks with the halves its calls' blocks were split into.
    let split: Vec<LLVMBasicBlockRef> = plan
        .blocks
        .iter()
        .copied()
        .chain(resume_at.iter().flatten().copied())
        .collect();
    // One exit per entry: the results of that iteration, then the original exit target.
    let mut cases = vec![(b.c64(n as i64), round_to)];
    // (out block, the converted results of entries 0..=i).
    let mut outs: Vec<(LLVMBasicBlockRef, Vec<LLVMValueRef>)> = Vec::with_capacity(n);
    // Per exit, the carried values (phi, next) it leaves with.
    let mut carried_outs: Vec<Vec<(LLVMValueRef, LLVMValueRef)>> = Vec::with_capacity(n);
    // (value, out block, its copy there): `Looped::remade`.
    let mut remade_at: Vec<(LLVMValueRef, LLVMBasicBlockRef, LLVMValueRef)> = Vec::new();
    for (i, exit) in plan.exits.iter().enumerate() {
        let ex = ExitAt::begin(b, &entries, plan, sites, "mc.loop", i);
        cases.push((b.c64(i as i64), ex.blocks[0]));
        let (out_b, mut values) = (ex.blocks[2], ex.before);
        // The carried values at the start of the iteration that stopped: every iteration
        // before it completed.
        let done = done_before.zip(begun).map(|(d, it)| {
            let all = b.arith(LLVMOpcode::LLVMAdd, d, it, "");
            b.arith(
                LLVMOpcode::LLVMSub,
                all,
                b.c64(1),
                &format!("mc.loop.done.{i}"),
            )
        });
        let starts: Vec<LLVMValueRef> = plan
            .carried
            .iter()
            .zip(&inits)
            .map(|(c, &init)| state.completed(b, c, init, done))
            .collect();
        let x = hand_out(
            b, errno_fn, ex.raw, ex.ok_v, ex.blocks, ex.dbg, "mc.loop", i,
        );
        values.push(x);
        carried_outs.push(
            plan.carried
                .iter()
                .zip(starts)
                .map(|(c, start)| (start, next_value(b, c, start, &values)))
                .collect(),
        );
        if exit.kind == ExitKind::Round {
            // An unchecked call failed or was interrupted: errno is set, and the iteration
            // is a completed one, as in the original: its results join the sums (the round
            // call's own result is used by nothing, so by no total) and it counts as done.
            // Then the loop goes on.
            if let Some(sums) = state.sums {
                let mut added = IndexSet::new();
                for c in &plan.carried {
                    if let Step::Result { entry, .. } = c.step {
                        if entry < i && added.insert(entry) {
                            let slot = b.element(sums, state.sums_ty, entry);
                            let sum = b.load(b.i64t, slot, "mc.loop.sum");
                            let raw = entries.raw_result(b, entry, "mc.loop.round.raw");
                            let more = b.arith(LLVMOpcode::LLVMAdd, sum, raw, "mc.loop.sum.round");
                            b.store(more, slot);
                        }
                    }
                }
            }
            if let (Some(d), Some(after)) = (watch_done.or(done_before), done_after) {
                Builder::add_incoming(d, &[(after, out_b)]);
            }
            b.br(round_to);
        } else if let (ExitKind::Resume { .. }, Some(Some(at))) = (exit.kind, resume_at.get(i)) {
            // The original code goes on after the call; the rewrites give it this
            // iteration's values.
            let per = &carried_outs[carried_outs.len() - 1];
            for (def, copy) in remake(b, (plan, &split), sites, i, &values, per) {
                remade_at.push((def, out_b, copy));
            }
            b.br(*at);
        } else {
            leave(b, exit, out_b);
        }
        outs.push((out_b, values));
    }
    let after = match (watch, period) {
        (Some((ws, wb)), _) => Some((AfterTest::Watch(ws), &ws[0].exit, wb)),
        (None, Some((p, pb))) => Some((AfterTest::Period(p), &p.exit, pb)),
        (None, None) => None,
    };
    if let Some((test, exit, wb)) = after {
        // A watch or a period test on a loop whose stops resume it: where the test sends the
        // original the other way, it resumes after the last call, as a stop there does.
        let resume_to = match exit.kind {
            ExitKind::Resume { .. } => resume_at.last().copied().flatten(),
            _ => None,
        };
        let (out_b, values, per, to_again) = watch_exit(
            b,
            (test, wb, again, resume_to),
            plan,
            sites,
            &entries,
            &state,
            (&inits, watch_done),
        );
        // With several flags the last test's block goes round, not the first's.
        if to_again != wb {
            shim.move_phi_edge(again, wb, to_again);
        }
        if resume_to.is_some() {
            // It resumes where a stop at the last call does, with the same values.
            b.position_before(Builder::terminator(out_b));
            for (def, copy) in remake(b, (plan, &split), sites, n - 1, &values, &per) {
                remade_at.push((def, out_b, copy));
            }
        }
        outs.push((out_b, values));
        carried_outs.push(per);
    }

    // The original loop, entered with the carried values of the iterations completed so far.
    b.position_at_end(fallback);
    b.set_location(dbg);
    let done_fallback = done_before.map(|d| {
        let phi = b.phi(b.i64t, "mc.loop.done.fallback");
        Builder::add_incoming(phi, &[(d, again)]);
        if fill_to_fallback {
            Builder::add_incoming(phi, &[(b.c64(0), fill)]);
        }
        phi
    });
    // The carried values the original loop resumes with; a phi of a header before the
    // batch's block gets its value where the fallback leads by the rewrites.
    let mut at_fallback = Vec::with_capacity(plan.carried.len());
    for (c, &init) in plan.carried.iter().zip(&inits) {
        let v = state.completed(b, c, init, done_fallback);
        if ir::parent_block(c.phi) == plan.header {
            Builder::set_incoming_value(c.phi, fallback, v);
            at_fallback.push(None);
        } else {
            at_fallback.push(Some(v));
        }
    }
    b.br(plan.header);
    b.position_at_end(again);
    b.set_location(dbg);
    b.switch(ret, fallback, &cases);
    // b stays positioned after the switch; nothing more is emitted into `again`.

    let defs: Vec<_> = plan.carried.iter().map(|c| (c.phi, c.next)).collect();
    if resumes {
        return resume_rewrites(
            plan,
            sites,
            &outs,
            &carried_outs,
            (fallback, &at_fallback),
            &remade_at,
        );
    }
    rewrites(plan, sites, &outs, &defs, &carried_outs)
}

/// The rewrites of a loop whose stops resume it (`ExitKind::Resume`): every use of a call's
/// result or a carried value outside its own block, in the loop as after it, gets the value
/// of the way it was reached by: the original definition, or what a stop handed back where
/// it resumed (`outs`: each exit's out block and results; `per_exit`: the carried values
/// (start, next) each leaves with). A next value is handed back only by the exits before
/// whose call it is computed.
fn resume_rewrites(
    plan: &Looped,
    sites: &[Site],
    outs: &[(LLVMBasicBlockRef, Vec<LLVMValueRef>)],
    per_exit: &[Vec<(LLVMValueRef, LLVMValueRef)>],
    (fallback, at_fallback): (LLVMBasicBlockRef, &[Option<LLVMValueRef>]),
    remade_at: &[(LLVMValueRef, LLVMBasicBlockRef, LLVMValueRef)],
) -> Vec<Rewrite> {
    let own = |def: LLVMValueRef| vec![ir::parent_block(def)];
    let results = plan.entries.iter().enumerate().map(|(j, e)| {
        let def = sites[e.site].call;
        Rewrite {
            def,
            inside: own(def),
            more: outs[j..]
                .iter()
                .map(|(out_b, values)| (*out_b, values[j]))
                .collect(),
        }
    });
    let carried = plan.carried.iter().enumerate().flat_map(|(k, c)| {
        let starts = Rewrite {
            def: c.phi,
            inside: own(c.phi),
            more: outs
                .iter()
                .zip(per_exit)
                .map(|((out_b, _), vals)| (*out_b, vals[k].0))
                .chain(at_fallback[k].map(|v| (fallback, v)))
                .collect(),
        };
        let nexts = Rewrite {
            def: c.next,
            inside: own(c.next),
            more: outs
                .iter()
                .zip(per_exit)
                .zip(plan.exits.iter().chain(plan.after_exit()))
                .filter(|(_, exit)| {
                    matches!(exit.kind, ExitKind::Resume { nexts } if nexts & 1 << k != 0)
                })
                .map(|(((out_b, _), vals), _)| (*out_b, vals[k].1))
                .collect(),
        };
        // Its value along the way round where that is not the latch's phi: the same next
        // value, from the same stops.
        let way = plan
            .ways
            .iter()
            .find(|&&(j, _)| j == k)
            .map(|&(_, w)| Rewrite {
                def: w,
                inside: own(w),
                more: nexts.more.clone(),
            });
        [Some(starts), Some(nexts), way].into_iter().flatten()
    });
    // A phi between the header and the first call: its value on the way round.
    let prefix = plan.prefix.iter().map(|&(phi, v)| Rewrite {
        def: phi,
        inside: own(phi),
        more: outs.iter().map(|(out_b, _)| (*out_b, v)).collect(),
    });
    // A phi between the calls whose value on the way is a result: that result.
    let handed = plan.handed.iter().map(|&(phi, entry, first)| Rewrite {
        def: phi,
        inside: own(phi),
        more: outs
            .iter()
            .skip(first)
            .map(|(out_b, values)| (*out_b, values[entry]))
            .collect(),
    });
    // A value the entries before a stop decide: its constant where that stop resumes; a
    // value computed again there: its copy (one rewrite per value, with every stop that
    // hands it back).
    let mut defs: Vec<LLVMValueRef> = Vec::new();
    let all = plan
        .decided
        .iter()
        .map(|&(def, _, _)| def)
        .chain(remade_at.iter().map(|&(def, _, _)| def));
    for def in all {
        if !defs.contains(&def) {
            defs.push(def);
        }
    }
    let decided = defs.into_iter().map(|def| Rewrite {
        def,
        inside: own(def),
        more: plan
            .decided
            .iter()
            .filter(|&&(d, _, _)| d == def)
            .flat_map(|&(_, exit, c)| {
                let v = ir::const_of(ir::type_of(def), c);
                // The watch's out (after the exits) resumes where the last call's stop does.
                let watched = (exit + 1 == plan.exits.len())
                    .then(|| outs.get(plan.exits.len()))
                    .flatten();
                std::iter::once((outs[exit].0, v)).chain(watched.map(|o| (o.0, v)))
            })
            .chain(
                remade_at
                    .iter()
                    .filter(|&&(d, _, _)| d == def)
                    .map(|&(_, out_b, copy)| (out_b, copy)),
            )
            .collect(),
    });
    results
        .chain(carried)
        .chain(prefix)
        .chain(handed)
        .chain(decided)
        .collect()
}

/// The values of `plan.remade` for a stop at entry `i`, computed again at the builder's
/// position from what the stop hands back: `values` (the results of entries `0..=i` as the
/// calls' types) and `per` (the carried values it leaves with, start and next), the phis it
/// gives back and values from outside the loop. `blocks` are the loop's, with the blocks
/// that begin after each call (where the stops resume). `(value, its copy)`.
fn remake(
    b: &Builder,
    (plan, blocks): (&Looped, &[LLVMBasicBlockRef]),
    sites: &[Site],
    i: usize,
    values: &[LLVMValueRef],
    per: &[(LLVMValueRef, LLVMValueRef)],
) -> Vec<(LLVMValueRef, LLVMValueRef)> {
    let wanted: Vec<LLVMValueRef> = plan
        .remade
        .iter()
        .filter(|&&(_, exit)| exit == i)
        .map(|&(v, _)| v)
        .collect();
    if wanted.is_empty() {
        return Vec::new();
    }
    let mut map: IndexMap<LLVMValueRef, LLVMValueRef> = IndexMap::new();
    for (c, &(start, next)) in plan.carried.iter().zip(per) {
        map.insert(c.phi, start);
        map.insert(c.next, next);
    }
    for &(k, w) in &plan.ways {
        if let Some(&(_, next)) = per.get(k) {
            map.insert(w, next);
        }
    }
    for &(phi, v) in &plan.prefix {
        map.insert(phi, v);
    }
    for &(phi, entry, first) in &plan.handed {
        if i >= first {
            if let Some(&v) = values.get(entry) {
                map.insert(phi, v);
            }
        }
    }
    for (e, &v) in plan.entries.iter().zip(values) {
        map.insert(sites[e.site].call, v);
    }
    // A phi between the calls: its value on the path, which the iteration took.
    for &(phi, _) in &plan.aliases {
        let mut v = phi;
        for _ in 0..=plan.aliases.len() {
            match plan.aliases.iter().find(|&&(p, _)| p == v) {
                Some(&(_, w)) => v = w,
                None => break,
            }
        }
        let value = match map.get(&v) {
            Some(&m) => m,
            None if !ir::is_instruction(v) || !blocks.contains(&ir::parent_block(v)) => v,
            None => continue,
        };
        map.insert(phi, value);
    }
    wanted
        .into_iter()
        .map(|v| (v, recompute(b, blocks, v, &mut map)))
        .collect()
}

/// The rewrites of the values used after the loop. Results: the original call's value from
/// the fallback loop, the converted value of the same iteration from each exit at or after
/// its entry (`outs`: each exit's out block and results). Carried values (`defs`, a phi and
/// its next value): per exit, the values they leave with (`per_exit[exit][k]`).
pub(super) fn rewrites(
    plan: &Looped,
    sites: &[Site],
    outs: &[(LLVMBasicBlockRef, Vec<LLVMValueRef>)],
    defs: &[(LLVMValueRef, LLVMValueRef)],
    per_exit: &[Vec<(LLVMValueRef, LLVMValueRef)>],
) -> Vec<Rewrite> {
    let results = plan.entries.iter().enumerate().map(|(j, e)| Rewrite {
        def: sites[e.site].call,
        inside: plan.blocks.clone(),
        more: outs[j..]
            .iter()
            .map(|(out_b, values)| (*out_b, values[j]))
            .collect(),
    });
    let carried = defs.iter().enumerate().flat_map(|(k, &(phi, next))| {
        [(phi, false), (next, true)].map(|(def, is_next)| Rewrite {
            def,
            inside: plan.blocks.clone(),
            more: outs
                .iter()
                .zip(per_exit)
                .map(|((out_b, _), vals)| (*out_b, if is_next { vals[k].1 } else { vals[k].0 }))
                .collect(),
        })
    });
    results.chain(carried).collect()
}

/// The start of the way out where the batch stopped at entry `i`: its blocks (exit, err,
/// out, before the loop's first block), the results of the entries before it, its raw
/// result and that as the call's type; the builder is at the end of the exit block.
pub(super) struct ExitAt {
    pub blocks: [LLVMBasicBlockRef; 3],
    pub dbg: Option<LLVMMetadataRef>,
    pub before: Vec<LLVMValueRef>,
    pub raw: LLVMValueRef,
    pub ok_v: LLVMValueRef,
}

impl ExitAt {
    pub(super) fn begin(
        b: &Builder,
        entries: &Entries,
        plan: &Looped,
        sites: &[Site],
        prefix: &str,
        i: usize,
    ) -> ExitAt {
        let call_i = sites[plan.entries[i].site].call;
        let dbg = Builder::location_of(call_i);
        let blocks = ["exit", "err", "out"]
            .map(|what| b.block_before(plan.header, &format!("{prefix}.{what}.{i}")));
        b.position_at_end(blocks[0]);
        b.set_location(dbg);
        let mut before = Vec::with_capacity(i + 1);
        for (j, e) in plan.entries[..i].iter().enumerate() {
            let raw = entries.raw_result(b, j, &format!("{prefix}.raw.{i}.{j}"));
            before.push(b.i64_as(raw, ir::type_of(sites[e.site].call)));
        }
        let raw = entries.raw_result(b, i, &format!("{prefix}.raw.{i}.{i}"));
        let ok_v = b.i64_as(raw, ir::type_of(call_i));
        ExitAt {
            blocks,
            dbg,
            before,
            raw,
            ok_v,
        }
    }
}

/// Hands out entry `i`'s raw result `raw` (`ok_v` as the call's type) where the batch stopped
/// at it: from `exit_b` (the builder's block) to `err_b`, which sets errno, for an error, and
/// to `out_b`, where the returned phi is the call's value. The builder ends in `out_b`.
#[allow(clippy::too_many_arguments)]
pub(super) fn hand_out(
    b: &Builder,
    errno_fn: (LLVMValueRef, LLVMTypeRef),
    raw: LLVMValueRef,
    ok_v: LLVMValueRef,
    [exit_b, err_b, out_b]: [LLVMBasicBlockRef; 3],
    dbg: Option<LLVMMetadataRef>,
    prefix: &str,
    i: usize,
) -> LLVMValueRef {
    let iserr = is_error(b, raw, &format!("{prefix}.iserr.{i}"));
    b.cond_br(iserr, err_b, out_b);

    b.position_at_end(err_b);
    b.set_location(dbg);
    set_errno(b, errno_fn, raw);
    b.br(out_b);

    b.position_at_end(out_b);
    b.set_location(dbg);
    let ty = ir::type_of(ok_v);
    let x = b.phi(ty, &format!("{prefix}.x.{i}"));
    Builder::add_incoming(x, &[(ok_v, exit_b), (b.minus_one(ty), err_b)]);
    x
}

/// Branches from `out_b` (the builder's block) to the loop's exit target, whose phis get
/// from `out_b` what they get from the loop's exiting block (a result or carried value of
/// the loop is rewritten after lowering).
pub(super) fn leave(b: &Builder, exit: &LoopExit, out_b: LLVMBasicBlockRef) {
    b.br(exit.to);
    take_incoming(exit.to, exit.from, out_b, 1);
}

/// Leaves from `out_b` (the builder's block) by the first of the original's `tests` (each a
/// conditional branch or a `switch` whose cases leave, and the block it leaves to) that fires
/// on the stopped iteration's values (`map`: the loop's values to theirs at the stop): each
/// test's condition or value computed again, then a branch out when it leaves and on to the
/// next test when it does not. The stop fired, and it fires exactly when one of the tests
/// leaves, so the last is taken without being asked (a last `switch` goes to its last case
/// by default). Phis of each block left to take from the new block what they took from the
/// test's own, once per edge.
pub(super) fn leave_by_tests(
    b: &Builder,
    plan: &Looped,
    tests: &[(LLVMValueRef, LLVMBasicBlockRef)],
    out_b: LLVMBasicBlockRef,
    map: &mut IndexMap<LLVMValueRef, LLVMValueRef>,
) {
    let mut here = out_b;
    let mut k = 0;
    while k < tests.len() {
        let (branch, to) = tests[k];
        // A switch leaves by several of its cases: the tests of one instruction in a row.
        let end = k + tests[k..].iter().take_while(|t| t.0 == branch).count();
        let last = end == tests.len();
        let from = ir::parent_block(branch);
        let next = (!last).then(|| b.block_before(to, &format!("mc.loop.test.{end}")));
        if ir::opcode(branch) == LLVMOpcode::LLVMSwitch {
            let value = recompute(b, &plan.blocks, ir::operand(branch, 0), map);
            let outs: Vec<LLVMBasicBlockRef> = tests[k..end].iter().map(|t| t.1).collect();
            // Operand 2j+2 of a switch is the value of case j, successor j+1 its block.
            let cases: Vec<(LLVMValueRef, LLVMBasicBlockRef)> = ir::successors(branch)
                .into_iter()
                .skip(1)
                .enumerate()
                .filter(|(_, dest)| outs.contains(dest))
                .map(|(j, dest)| (ir::operand(branch, 2 * j as u32 + 2), dest))
                .collect();
            let default = next.or(cases.last().map(|c| c.1)).unwrap_or(to);
            b.switch(value, default, &cases);
            // Each block once, however many cases go to it.
            let mut dests: Vec<LLVMBasicBlockRef> = cases.iter().map(|c| c.1).collect();
            let mut seen = IndexSet::new();
            dests.retain(|&d| seen.insert(d));
            for d in dests {
                let edges = cases.iter().filter(|c| c.1 == d).count() + usize::from(default == d);
                take_incoming(d, from, here, edges);
            }
        } else {
            match (ir::conditional_branch(branch), next) {
                (Some((cond, on_true, _)), Some(next)) => {
                    let c = recompute(b, &plan.blocks, cond, map);
                    if on_true == to {
                        b.cond_br(c, to, next);
                    } else {
                        b.cond_br(c, next, to);
                    }
                }
                _ => b.br(to),
            }
            take_incoming(to, from, here, 1);
        }
        match next {
            Some(next) => {
                b.position_at_end(next);
                here = next;
            }
            None => return,
        }
        k = end;
    }
}

/// The phis of `to` take from `new` what they take from `from`, `edges` times (once per
/// edge from `new`).
fn take_incoming(
    to: LLVMBasicBlockRef,
    from: LLVMBasicBlockRef,
    new: LLVMBasicBlockRef,
    edges: usize,
) {
    for (phi, incoming) in Builder::phis(to) {
        if let Some(&(v, _)) = incoming.iter().find(|&&(_, f)| f == from) {
            for _ in 0..edges {
                Builder::add_incoming(phi, &[(v, new)]);
            }
        }
    }
}

/// `v` computed again at the builder's position: its instructions in the loop (`blocks`)
/// not in `map` copied in operand order with their operands mapped (legality checked they
/// only compute: `legality::advance`); each copy is added to `map`.
pub(super) fn recompute(
    b: &Builder,
    blocks: &[LLVMBasicBlockRef],
    v: LLVMValueRef,
    map: &mut IndexMap<LLVMValueRef, LLVMValueRef>,
) -> LLVMValueRef {
    if let Some(&m) = map.get(&v) {
        return m;
    }
    if !ir::is_instruction(v) || ir::is_phi(v) || !blocks.contains(&ir::parent_block(v)) {
        return v;
    }
    for k in 0..ir::num_operands(v) {
        recompute(b, blocks, ir::operand(v, k), map);
    }
    let copy = b.clone_with(v, map);
    map.insert(v, copy);
    copy
}

/// The one block outside a loop that enters its block `entry` (`inside` tells the loop's
/// own). Legality saw one; the lowering of an earlier loop whose way out comes here adds
/// more (its ways out, `lower_all` lowers it first): they then go through a new block,
/// `mc.in`, whose phis take what `entry`'s phis took from each.
pub(super) fn way_in(
    b: &Builder,
    shim: &Shim,
    entry: LLVMBasicBlockRef,
    inside: impl Fn(LLVMBasicBlockRef) -> bool,
) -> LLVMBasicBlockRef {
    let mut outside: Vec<LLVMBasicBlockRef> = Vec::new();
    for p in ir::predecessors(entry) {
        if !p.is_null() && !inside(p) && !outside.contains(&p) {
            outside.push(p);
        }
    }
    if let [only] = outside[..] {
        return only;
    }
    let pre = b.block_before(entry, "mc.in");
    b.position_at_end(pre);
    let phis: Vec<LLVMValueRef> = ir::instructions(entry)
        .into_iter()
        .filter(|&i| ir::is_phi(i))
        .collect();
    let merged: Vec<LLVMValueRef> = phis
        .iter()
        .map(|&phi| {
            let from_outside: Vec<(LLVMValueRef, LLVMBasicBlockRef)> = ir::incoming(phi)
                .into_iter()
                .filter(|(_, f)| outside.contains(f))
                .collect();
            let merged = b.phi(ir::type_of(phi), "mc.in");
            Builder::add_incoming(merged, &from_outside);
            merged
        })
        .collect();
    for &f in &outside {
        shim.remove_phi_edge(entry, f);
        if let Some(t) = ir::terminator(f) {
            Builder::retarget(t, entry, pre);
        }
    }
    for (&phi, &m) in phis.iter().zip(&merged) {
        Builder::add_incoming(phi, &[(m, pre)]);
    }
    b.br(entry);
    pre
}

/// `start + step` or `start - step` (`minus`).
pub(super) fn plus_minus(
    b: &Builder,
    minus: bool,
    start: LLVMValueRef,
    step: LLVMValueRef,
    name: &str,
) -> LLVMValueRef {
    let op = if minus {
        LLVMOpcode::LLVMSub
    } else {
        LLVMOpcode::LLVMAdd
    };
    b.arith(op, start, step, name)
}

/// What the lowered loop keeps besides the entries: the iterations a call began (for
/// counters) and the result sums (`MC_BATCH_SUMS`, for totals), both in the entry block.
struct State {
    iters: Option<LLVMValueRef>,
    sums: Option<LLVMValueRef>,
    sums_ty: LLVMTypeRef,
}

impl State {
    fn alloca(b: &Builder, function: LLVMValueRef, plan: &Looped) -> State {
        // Iterations are counted for counters, and for a test made again after a batch
        // (which must know whether any iteration completed).
        let counts = plan
            .carried
            .iter()
            .any(|c| matches!(c.step, Step::Invariant(_) | Step::Settled { .. }))
            || !plan.watches.is_empty()
            || plan.period.is_some();
        let sums = plan
            .carried
            .iter()
            .any(|c| matches!(c.step, Step::Result { .. }));
        let sums_ty = Builder::array(b.i64t, plan.entries.len());
        State {
            iters: counts.then(|| b.alloca_in_entry(function, b.i64t, "mc.loop.iterations")),
            sums: sums.then(|| b.alloca_in_entry(function, sums_ty, "mc.loop.sums")),
            sums_ty,
        }
    }

    /// Zeroes the sums (before the first call).
    fn clear(&self, b: &Builder, n: usize) {
        if let Some(sums) = self.sums {
            for j in 0..n {
                b.store(b.c64(0), b.element(sums, self.sums_ty, j));
            }
        }
    }

    /// The carried value `c` after the completed iterations: `done` of them (an i64, for
    /// counters) or the sums as the runtime left them (totals).
    fn completed(
        &self,
        b: &Builder,
        c: &Carried,
        init: LLVMValueRef,
        done: Option<LLVMValueRef>,
    ) -> LLVMValueRef {
        let ty = ir::type_of(c.phi);
        let to_width = |v: LLVMValueRef| {
            if ir::int_width(ty) < 64 {
                b.int_cast(LLVMOpcode::LLVMTrunc, v, ty)
            } else {
                v
            }
        };
        let change = match (&c.step, done, self.sums) {
            (&Step::Settled { settle, value, .. }, Some(done), _) => {
                return settled_after(b, settle, value, init, done);
            }
            (Step::Invariant(step), Some(done), _) => {
                b.arith(LLVMOpcode::LLVMMul, to_width(done), *step, "")
            }
            (Step::Result { entry, .. }, _, Some(sums)) => {
                let sum = b.load(b.i64t, b.element(sums, self.sums_ty, *entry), "mc.loop.sum");
                to_width(sum)
            }
            // State::alloca made what each step needs.
            _ => return Builder::poison(ty),
        };
        plus_minus(b, c.minus, init, change, "mc.loop.carried")
    }
}

/// The carried value's `next` in the iteration that stopped, from its value `start` at that
/// iteration's start and the results of the entries that ran (`values`, as the calls return
/// them); poison when its step is the result of an entry that did not run (`next` is then not
/// computed on that way out).
pub(super) fn next_value(
    b: &Builder,
    c: &Carried,
    start: LLVMValueRef,
    values: &[LLVMValueRef],
) -> LLVMValueRef {
    let step = match &c.step {
        // The original's own `settle(start, x)`, `x` the call's result as it returned it.
        &Step::Settled {
            settle,
            value,
            entry,
        } => {
            let x = match entry.map(|e| values.get(e)) {
                None => value,
                Some(Some(&v)) => v,
                Some(None) => return Builder::poison(ir::type_of(c.phi)),
            };
            return settle_value(b, settle, start, x);
        }
        Step::Invariant(step) => *step,
        Step::Result { entry, casts } => match values.get(*entry) {
            Some(&v) => casts.iter().fold(v, |v, &(cast, ty)| {
                let op = match cast {
                    Cast::Trunc => LLVMOpcode::LLVMTrunc,
                    Cast::SExt => LLVMOpcode::LLVMSExt,
                    Cast::ZExt => LLVMOpcode::LLVMZExt,
                    Cast::Clip => {
                        let zero = ir::const_of(ty, 0);
                        let positive = b.icmp(LLVMIntPredicate::LLVMIntSGT, v, zero, "mc.clip");
                        return b.select(positive, v, zero, "mc.clip");
                    }
                };
                b.int_cast(op, v, ty)
            }),
            None => return Builder::poison(ir::type_of(c.phi)),
        },
    };
    plus_minus(b, c.minus, start, step, "mc.loop.next")
}

/// `settle(v, x)` (`plan::Settle`), `v` and `x` of one integer type.
pub(super) fn settle_value(
    b: &Builder,
    settle: Settle,
    v: LLVMValueRef,
    x: LLVMValueRef,
) -> LLVMValueRef {
    use llvm_sys::LLVMIntPredicate::*;
    // `smin(v, x)` keeps `v` where `v < x`, and so on.
    let keeps_v = match settle {
        Settle::Assign => return x,
        Settle::SMin => LLVMIntSLT,
        Settle::SMax => LLVMIntSGT,
        Settle::UMin => LLVMIntULT,
        Settle::UMax => LLVMIntUGT,
    };
    let keep = b.icmp(keeps_v, v, x, "mc.settle.keep");
    b.select(keep, v, x, "mc.settle")
}

/// A settled value (`plan::Step::Settled`) after `done` completed iterations (an i64): `init`
/// when none completed, else `settle(init, value)`.
pub(super) fn settled_after(
    b: &Builder,
    settle: Settle,
    value: LLVMValueRef,
    init: LLVMValueRef,
    done: LLVMValueRef,
) -> LLVMValueRef {
    let once = settle_value(b, settle, init, value);
    let none = b.icmp(
        LLVMIntPredicate::LLVMIntEQ,
        done,
        b.c64(0),
        "mc.settle.none",
    );
    b.select(none, init, once, "mc.settled")
}

/// A phi of type i64 in the empty block `block`; the builder goes back to the end of `back`.
fn phi_in(
    b: &Builder,
    block: LLVMBasicBlockRef,
    name: &str,
    back: LLVMBasicBlockRef,
) -> LLVMValueRef {
    b.position_at_end(block);
    let phi = b.phi(b.i64t, name);
    b.position_at_end(back);
    phi
}

/// A test the way round makes after the last call, which a batch that ran to its bound
/// makes again (`watch_exit`).
#[derive(Clone, Copy)]
enum AfterTest<'a> {
    Watch(&'a [Watch]),
    Period(&'a Period),
}

/// The bound of a batch whose way round tests a counter's remainder (`legality::period`),
/// from the counter's value `now` at the start of the batch's first iteration: the
/// iterations up to and including the first whose tested value `X` is a multiple of the
/// modulus `m`. With `c` the value `X` would have in the iteration before (`now` for a next
/// value, `now - 1` for the counter itself), that is `m - (c mod m)`, between 1 and `m`:
/// modulo `2^width` for a mask (exact for any value); for `urem` and `srem` only while `c`
/// is at least 0 and at most the type's signed maximum less `m` (no wrap up to the bound),
/// and 1 otherwise (one iteration, after which the test is made again: always exact).
fn period_bound(
    b: &Builder,
    tests_next: bool,
    modulus: u64,
    kind: PeriodKind,
    now: LLVMValueRef,
) -> LLVMValueRef {
    let ty = ir::type_of(now);
    let width = ir::int_width(ty);
    let m = ir::const_of(ty, modulus as i64);
    let c = if tests_next {
        now
    } else {
        b.arith(
            LLVMOpcode::LLVMSub,
            now,
            ir::const_of(ty, 1),
            "mc.loop.period.before",
        )
    };
    let rem = match kind {
        PeriodKind::Mask => b.arith(
            LLVMOpcode::LLVMAnd,
            c,
            ir::const_of(ty, modulus as i64 - 1),
            "",
        ),
        PeriodKind::URem | PeriodKind::SRem => b.arith(LLVMOpcode::LLVMURem, c, m, ""),
    };
    let left = b.arith(LLVMOpcode::LLVMSub, m, rem, "mc.loop.period.left");
    let left = if kind == PeriodKind::Mask {
        left
    } else {
        // 0 <= c <= max - m, read as unsigned: c <= max - m.
        let max = if width >= 64 {
            i64::MAX
        } else {
            (1i64 << (width - 1)) - 1
        };
        let room = ir::const_of(ty, max - modulus as i64);
        let safe = b.icmp(LLVMIntPredicate::LLVMIntULE, c, room, "mc.loop.period.safe");
        b.select(safe, left, ir::const_of(ty, 1), "")
    };
    if width < 64 {
        b.int_cast(LLVMOpcode::LLVMZExt, left, b.i64t)
    } else {
        left
    }
}

/// The tested value of a `PeriodTest::Reaches` from its total `t`: `t` itself, or `t` less
/// the base (`less`), whose value is the same in every iteration a batch runs (`done` of them
/// completed: the way round leaves it alone).
fn less_by(
    b: &Builder,
    plan: &Looped,
    state: &State,
    inits: &[LLVMValueRef],
    less: Option<(LLVMValueRef, Option<usize>)>,
    t: LLVMValueRef,
    done: Option<LLVMValueRef>,
) -> LLVMValueRef {
    match less {
        None => t,
        Some((base, carried)) => {
            let base = match carried {
                Some(j) => state.completed(b, &plan.carried[j], inits[j], done),
                None => base,
            };
            b.arith(LLVMOpcode::LLVMSub, t, base, "mc.loop.reach.since")
        }
    }
}

/// `from` and `to` of a narrower counter's test (`int i`) as 64-bit values with the same
/// distance: extended as the comparison reads them (signed or not), or, for an equality,
/// `0` and the distance counted modulo the counter's own width.
fn widened_reach(
    b: &Builder,
    how: Reaching,
    from: LLVMValueRef,
    to: LLVMValueRef,
) -> (LLVMValueRef, LLVMValueRef) {
    if ir::int_width(ir::type_of(from)) == 64 {
        return (from, to);
    }
    if how.equality {
        let d = b.arith(LLVMOpcode::LLVMSub, to, from, "mc.loop.reach.narrow");
        return (b.c64(0), b.int_cast(LLVMOpcode::LLVMZExt, d, b.i64t));
    }
    let ext = if how.signed {
        LLVMOpcode::LLVMSExt
    } else {
        LLVMOpcode::LLVMZExt
    };
    (b.int_cast(ext, from, b.i64t), b.int_cast(ext, to, b.i64t))
}

/// How a total's test against its limit reads (`PeriodTest::Reaches`).
#[derive(Clone, Copy)]
struct Reaching {
    tests_next: bool,
    inclusive: bool,
    signed: bool,
    equality: bool,
}

/// The bound of a batch whose way round tests a running total `X` against a limit
/// (`legality::period::reaches`), from the total `t` and the limit `l` at the start of the
/// batch's first iteration and the most `c` the total grows by in an iteration: the
/// iterations up to and including the first in which `X` may reach the limit. After `i`
/// iterations the total is at most `t + i * c`, so with `d = l - t` (`+ 1` when reaching
/// means passing) that is `ceil(d / c)` for a next value and one more for the total at an
/// iteration's start; 1 when the total has reached the limit already, or when the values
/// leave that reasoning (a signed total below 0, a length that is not above 0): one
/// iteration, after which the test is made again, is always exact. An equality
/// (`how.equality`) is met only where the total covered `d` modulo 2^64, which holds from
/// either side of the limit. At most `MAX_ITERS`.
fn reaches_bound(
    b: &Builder,
    how: Reaching,
    t: LLVMValueRef,
    l: LLVMValueRef,
    c: LLVMValueRef,
) -> LLVMValueRef {
    use LLVMIntPredicate::*;
    let positive = b.icmp(LLVMIntSGT, c, b.c64(0), "");
    // An equality (read unsigned) is met only after the whole distance modulo 2^64, from
    // either side: no test of where the total stands.
    let ok = if how.equality {
        positive
    } else {
        let (lt, le) = if how.signed {
            (LLVMIntSLT, LLVMIntSLE)
        } else {
            (LLVMIntULT, LLVMIntULE)
        };
        let below = b.icmp(
            if how.inclusive { lt } else { le },
            t,
            l,
            "mc.loop.reach.below",
        );
        let mut ok = b.arith(LLVMOpcode::LLVMAnd, below, positive, "");
        if how.signed {
            let from_zero = b.icmp(LLVMIntSGE, t, b.c64(0), "");
            ok = b.arith(LLVMOpcode::LLVMAnd, ok, from_zero, "");
        }
        ok
    };
    let mut d = b.arith(LLVMOpcode::LLVMSub, l, t, "mc.loop.reach.room");
    if !how.inclusive {
        d = b.arith(LLVMOpcode::LLVMAdd, d, b.c64(1), "");
    }
    // ceil(d / c) without overflow: d / c, and one more for a remainder.
    let whole = b.arith(LLVMOpcode::LLVMUDiv, d, c, "");
    let part = b.arith(LLVMOpcode::LLVMURem, d, c, "");
    let more = b.icmp(LLVMIntNE, part, b.c64(0), "");
    let more = b.int_cast(LLVMOpcode::LLVMZExt, more, b.i64t);
    let mut m = b.arith(LLVMOpcode::LLVMAdd, whole, more, "mc.loop.reach.iters");
    if !how.tests_next {
        m = b.arith(LLVMOpcode::LLVMAdd, m, b.c64(1), "");
    }
    let m = b.select(ok, m, b.c64(1), "");
    let zero = b.icmp(LLVMIntEQ, m, b.c64(0), "");
    let m = b.select(zero, b.c64(1), m, "");
    let over = b.icmp(LLVMIntUGT, m, b.c64(MAX_ITERS), "");
    b.select(over, b.c64(MAX_ITERS), m, "mc.loop.reach.bound")
}

/// Whether the test `cmp` (true when the way round is its true way: `round_if_true`) leaves
/// the way round; never before an iteration completed (`done`, the count of them: a batch
/// that ended at a pending signal before its first), since the original makes the test only
/// after the last call.
fn leaves_round(
    b: &Builder,
    cmp: LLVMValueRef,
    round_if_true: bool,
    done: Option<LLVMValueRef>,
) -> LLVMValueRef {
    let leaves = if round_if_true {
        b.arith(
            LLVMOpcode::LLVMXor,
            cmp,
            ir::const_of(ir::type_of(cmp), 1),
            "",
        )
    } else {
        cmp
    };
    match done {
        Some(d) => {
            let any = b.icmp(LLVMIntPredicate::LLVMIntNE, d, b.c64(0), "mc.loop.any");
            b.arith(LLVMOpcode::LLVMAnd, leaves, any, "mc.loop.leaves")
        }
        None => leaves,
    }
}

/// The way round's test made again in `wb` (`(test, wb, again, resume_to)`), after a batch
/// that ended at count or a round exit: round to `again`, or out by a new block to the test's
/// own exit (to `resume_to`, the original code after the last call, when the loop resumes),
/// with every entry's result of the last iteration (all ran; an error result reads as -1,
/// errno already set by the round exit) and the carried values after the completed
/// iterations (`inits`, `done`: the count of them). Returns the out block, the results, the
/// carried values' (start of the last iteration, next) pairs and the block that goes round
/// to `again` (`wb`, or the last flag's when several are tested in turn).
#[allow(clippy::type_complexity)]
fn watch_exit(
    b: &Builder,
    (test, wb, again, resume_to): (
        AfterTest<'_>,
        LLVMBasicBlockRef,
        LLVMBasicBlockRef,
        Option<LLVMBasicBlockRef>,
    ),
    plan: &Looped,
    sites: &[Site],
    entries: &Entries,
    state: &State,
    (inits, done): (&[LLVMValueRef], Option<LLVMValueRef>),
) -> (
    LLVMBasicBlockRef,
    Vec<LLVMValueRef>,
    Vec<(LLVMValueRef, LLVMValueRef)>,
    LLVMBasicBlockRef,
) {
    let (cmp, exit, round_if_true, name) = match test {
        AfterTest::Watch(ws) => (ws[0].cmp, &ws[0].exit, ws[0].round_if_true, "mc.loop.watch"),
        AfterTest::Period(p) => (p.cmp, &p.exit, p.round_if_true, "mc.loop.period"),
    };
    let dbg = Builder::location_of(cmp);
    b.position_at_end(wb);
    b.set_location(dbg);
    let out_b = b.block_before(plan.header, &format!("{name}.out"));
    // Several flags: each tested again in its own block, in the loop's order, the first that
    // leaves going out (the original after the last call makes them all again) and the
    // others on to the next; the last is the one made below.
    let (cmp, round_if_true) = match test {
        AfterTest::Watch(ws) => {
            let retest = |w: &Watch| {
                b.set_location(Builder::location_of(w.cmp));
                let flag = b.clone_with(w.load, &IndexMap::new());
                if w.cmp == w.load {
                    flag
                } else {
                    b.clone_with(w.cmp, &IndexMap::from([(w.load, flag)]))
                }
            };
            let (last, firsts) = ws.split_last().unwrap_or((&ws[0], &[]));
            for w in firsts {
                let c = retest(w);
                let leaves = leaves_round(b, c, w.round_if_true, done);
                let next = b.block_before(plan.header, "mc.loop.watch.next");
                b.cond_br(leaves, out_b, next);
                b.position_at_end(next);
            }
            (retest(last), last.round_if_true)
        }
        AfterTest::Period(p) => {
            // The tested value in the last iteration completed: the counter after it (its
            // next value) or at its start.
            let k = p.carried;
            let at = match (p.tests_next, done) {
                (false, Some(d)) => Some(b.arith(LLVMOpcode::LLVMSub, d, b.c64(1), "")),
                (_, d) => d,
            };
            let x = state.completed(b, &plan.carried[k], inits[k], at);
            let cmp = match &p.test {
                PeriodTest::Remainder { rem, .. } => {
                    let r = b.clone_with(*rem, &IndexMap::from([(p.x, x)]));
                    b.clone_with(p.cmp, &IndexMap::from([(*rem, r)]))
                }
                PeriodTest::Reaches {
                    limit,
                    limit_carried,
                    less,
                    ..
                } => {
                    let x = less_by(b, plan, state, inits, *less, x, done);
                    let mut with = IndexMap::from([(p.x, x)]);
                    if let Some(j) = limit_carried {
                        let l = state.completed(b, &plan.carried[*j], inits[*j], done);
                        with.insert(*limit, l);
                    }
                    b.clone_with(p.cmp, &with)
                }
            };
            (cmp, round_if_true)
        }
    };
    let leaves = leaves_round(b, cmp, round_if_true, done);
    let to_again = b.current_block();
    b.cond_br(leaves, out_b, again);
    b.position_at_end(out_b);
    b.set_location(dbg);
    let values: Vec<LLVMValueRef> = plan
        .entries
        .iter()
        .enumerate()
        .map(|(j, e)| {
            let ty = ir::type_of(sites[e.site].call);
            let raw = entries.raw_result(b, j, &format!("{name}.raw.{j}"));
            let iserr = is_error(b, raw, "");
            b.select(
                iserr,
                b.minus_one(ty),
                b.i64_as(raw, ty),
                &format!("{name}.x"),
            )
        })
        .collect();
    // The last iteration completed: the carried values after it are the `next` values of
    // that iteration, and its start is one step back.
    let last = done.map(|d| b.arith(LLVMOpcode::LLVMSub, d, b.c64(1), &format!("{name}.last")));
    let per = plan
        .carried
        .iter()
        .zip(inits)
        .map(|(c, &init)| {
            let next = state.completed(b, c, init, done);
            let start = match c.step {
                Step::Invariant(_) | Step::Settled { .. } => state.completed(b, c, init, last),
                Step::Result { .. } => {
                    // next - (0 + step) or next - (0 - step): one iteration's change.
                    let zero = ir::const_of(ir::type_of(c.phi), 0);
                    let change = next_value(b, c, zero, &values);
                    plus_minus(b, true, next, change, &format!("{name}.start"))
                }
            };
            (start, next)
        })
        .collect();
    match resume_to {
        Some(at) => b.br(at),
        None => leave(b, exit, out_b),
    }
    (out_b, values, per, to_again)
}
