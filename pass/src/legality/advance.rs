//! Whole loops whose arguments advance by their results (`MC_BATCH_ADVANCE`): write-all and
//! read-until-full loops, in the form clang gives them at -O1 and -O2, where the loop's test
//! comes before the first call:
//!
//! ```text
//! header: %left = phi i64 [ %len, %pre ], [ %left.next, %body ]
//!         %p    = phi ptr [ %buf, %pre ], [ %p.next, %body ]
//!         %done = icmp eq i64 %left, 0            ; or sgt %left, 0 / slt %left, 1 ...
//!         br i1 %done, label %out, label %body
//! body:   %n = call i64 @write(i32 %fd, ptr %p, i64 %left)
//!         %ok = icmp sgt i64 %n, -1               ; a stop predicate of the last call
//!         %p.next = getelementptr inbounds i8, ptr %p, i64 %n
//!         %left.next = sub i64 %left, %n
//!         br i1 %ok, label %header, label %err
//! ```
//!
//! The chain `c0 .. ck` is such a loop when:
//!
//! - the block of `c0` has one predecessor, the header, whose only code is phis, debug
//!   records and one comparison of an advancing argument with 0 deciding whether the loop
//!   goes on to `c0`'s block or leaves it (`v == 0` leaves: `until_zero`; `v <= 0` signed
//!   leaves: `until_nonpos`);
//! - one block outside the loop enters the header (the preheader);
//! - each of the header's phis is an advancing argument or a carried counter or total
//!   (`looped::carried_value`). An advancing argument is an `i64` or a pointer, passed
//!   unchanged as arguments of calls of the chain (one, or several: `pread`'s and `pwrite`'s
//!   offset in a copy at the same offsets), whose value from the way round is
//!   itself plus or minus a result of that iteration (`add`, `sub`, `getelementptr i8` by
//!   the raw 64-bit result, no casts), used in the loop by nothing but those calls, its next
//!   value and the header's test;
//! - the walk from `ck` back to the header stays in `ck`'s block, runs nothing but integer
//!   and address arithmetic and comparisons, and ends in a branch whose condition is a stop
//!   predicate of `ck` (the way round when it holds); the other calls stop at their gaps'
//!   predicates (the straight conditions), and every predicate leaves the loop;
//! - no other argument is computed in the loop, nothing in the loop reads memory, and only
//!   the calls' results, the phis and their next values are used after it.
//!
//! Rotated loops may also have `int` counts (arguments derived from a 32-bit total), a block
//! of bookkeeping before the latch, a store of a constant to `errno` in it, and a stop that
//! goes back into the loop (lzip's `readblock`: `legality::reentry`); an `unsigned` total
//! whose count is what is left of its buffer (gzip's `fill_inbuf`: `counted_to`), its count
//! clamped to `INT_MAX` (`clamped_count`), its latch test unsigned, and the result tested by
//! a `switch` whose cases leave (`leaving_switch`).
//!
//! The batch then runs the calls with the arguments' values at the header, each completed
//! iteration advancing them by its results, and ends where the header's test would leave;
//! the lowering (`lower::advance`) goes back to the header with the advanced values, so the
//! original test decides, in the original code.

use indexmap::IndexSet;

use llvm_sys::prelude::{LLVMBasicBlockRef, LLVMValueRef};
use llvm_sys::{LLVMIntPredicate, LLVMOpcode, LLVMTypeKind};

use super::facts::{End, Gap, Step as PathStep};
use super::looped::{
    carried_value, leaving, loop_blocks, nothing_else_escapes, one_way_in, value_round,
    BOUNDED_TRANSFERS,
};
use super::{clamp, conditions, dead_buffers, reentry, Checker, Reason, Refusal};
use crate::ir;
use crate::plan::{
    Advancing, ArgSource, Carried, Cast, Derive, Derived, Entry, ExitKind, LoopExit, Looped, Step,
    Stop, Tested, TestedArg, Until,
};
use crate::shim::flags;
use crate::sites::Site;

/// The header before `body` when `body` is entered only from a block that tests and either
/// goes on to `body` or leaves (a loop tested at its top), else `None`.
pub(super) fn tested_header(body: LLVMBasicBlockRef) -> Option<LLVMBasicBlockRef> {
    let [h] = ir::predecessors(body)[..] else {
        return None;
    };
    if h.is_null() || h == body {
        return None;
    }
    let (_, t, f) = ir::conditional_branch(ir::terminator(h)?)?;
    (t == body || f == body).then_some(h)
}

/// Where the loop tests the advancing argument that ends it.
#[derive(Clone, Copy)]
pub(super) enum Form {
    /// In `header`, before the block of the first call (the loop tested at its top).
    Top { header: LLVMBasicBlockRef },
    /// In the latch after the last call, on the argument's next value (the loop as clang
    /// rotates it: the header begins with the first call).
    Rotated,
}

/// The way from the last call back to the header.
struct WayRound {
    /// The last call's stop predicate.
    stop: Stop,
    /// The branch that tests it and the block a stop goes to.
    exit: (LLVMValueRef, LLVMBasicBlockRef),
    /// For a rotated loop, the latch's test, whether true goes round, and its branch and
    /// exit block.
    latch: Option<(LLVMValueRef, bool, (LLVMValueRef, LLVMBasicBlockRef))>,
    /// Whether a stop goes back into the loop (`legality::reentry`).
    reentry: bool,
    /// When the way round tests the last call's result more than once, each leaving the
    /// loop: each test's branch and the block it leaves to (`Looped::stop_tests`).
    tests: Vec<(LLVMValueRef, LLVMBasicBlockRef)>,
    /// The blocks of the way round after the call's: a block of bookkeeping, the latch.
    blocks: Vec<LLVMBasicBlockRef>,
    /// A store of a constant to `errno` in the latch.
    errno_reset: Option<LLVMValueRef>,
}

impl Checker<'_> {
    /// Checks the loop of the chain `calls` whose arguments advance, in the form `form`;
    /// `entries`, `gap_exits` and `gap_loads` come from the straight check of the chain (one
    /// stop and exits per gap).
    pub(super) fn check_advancing(
        &mut self,
        calls: &[usize],
        mut entries: Vec<Entry>,
        gap_exits: Vec<(Stop, Vec<(LLVMValueRef, LLVMBasicBlockRef)>)>,
        gap_loads: Vec<LLVMValueRef>,
        form: Form,
    ) -> Result<Looped, Refusal> {
        let sites = self.sites;
        let (c0, ck) = (calls[0], calls[calls.len() - 1]);
        let body = ir::parent_block(sites[c0].call);
        let header = match form {
            Form::Top { header } => header,
            Form::Rotated => body,
        };
        let blocks = loop_blocks(self.shim, header);
        let inside: IndexSet<LLVMBasicBlockRef> = blocks.iter().copied().collect();
        if !inside.contains(&body) || !inside.contains(&ir::parent_block(sites[ck].call)) {
            return Err(Refusal::new(sites[c0].call, Reason::NotALoop { site: c0 }));
        }
        let preheader = one_way_in(header, &inside, sites[c0].call)?;
        // The header: phis, then the test and its branch (top) or the first call (rotated).
        let top_test = match form {
            Form::Top { .. } => {
                let term = ir::terminator(header)
                    .ok_or_else(|| Refusal::new(sites[c0].call, Reason::Malformed))?;
                let (test, on_true, _) = ir::conditional_branch(term)
                    .ok_or_else(|| Refusal::new(sites[c0].call, Reason::Malformed))?;
                if let Some(refusal) = result_tested_next_round(test, header, &inside, calls, sites)
                {
                    return Err(refusal);
                }
                Some((test, on_true == body, term))
            }
            Form::Rotated => None,
        };
        let mut phis = Vec::new();
        let mut counter_steps = Vec::new();
        // Rotated: arguments computed from a header phi before the first call (derived), and
        // the casts and arithmetic of a 32-bit total on the way to them (parts).
        let mut derived_insts = Vec::new();
        // Counts clamped to a constant, `min(total, B)` (`legality::clamp`).
        let mut clamp_insts = Vec::new();
        let parts: IndexSet<LLVMValueRef> = ir::instructions(header)
            .into_iter()
            .filter_map(|i| derivation_of(i, header))
            .flat_map(|d| d.parts)
            .collect();
        // Tested at its top: arguments computed from a 64-bit total before the first call, in
        // its block (`while (got < size) { n = write(fd, p + got, size - got); ...; got +=
        // n; }`), from values defined before the loop.
        if top_test.is_some() {
            for inst in ir::instructions(body) {
                if inst == sites[c0].call {
                    break;
                }
                let derived_here = derivation_of(inst, header).is_some_and(|d| {
                    d.widen.is_none()
                        && (!ir::is_instruction(d.base)
                            || !inside.contains(&ir::parent_block(d.base)))
                });
                if clamp::in_clamp(inst, header) {
                    clamp_insts.push(inst);
                } else if derived_here {
                    derived_insts.push(inst);
                } else if self.shim.inst_flags(inst) & flags::DEBUG == 0 {
                    return Err(Refusal::new(inst, Reason::HeaderCode { inst, first: c0 }));
                }
            }
        }
        for inst in ir::instructions(header) {
            let ends = match top_test {
                Some((test, _, term)) => inst == test || inst == term,
                None => inst == sites[c0].call,
            };
            if ends {
                if top_test.is_none() {
                    break;
                }
                continue;
            }
            // A counter's next value that no call is passed (`count--` before the first call
            // of a rotated loop whose latch tests the count itself), not an argument derived
            // from the counter.
            let counter_step = super::counted::counter_step_in(inst, header)
                && passed_as(&entries, inst).is_empty()
                && comes_round(inst, header, &inside);
            if ir::is_phi(inst) {
                phis.push(inst);
            } else if top_test.is_none() && counter_step {
                counter_steps.push(inst);
            } else if top_test.is_none() && clamp::in_clamp(inst, header) {
                clamp_insts.push(inst);
            } else if top_test.is_none() && derivation(inst, header).is_some() {
                derived_insts.push(inst);
            } else if top_test.is_none() && parts.contains(&inst) {
                continue;
            } else if top_test.is_some() && super::counted::counter_step_in(inst, header) {
                // A counter's next value before the top's test (`while (n--)`): checked
                // below to be a carried counter's.
                counter_steps.push(inst);
            } else if self.shim.inst_flags(inst) & flags::DEBUG == 0 {
                return Err(Refusal::new(inst, Reason::HeaderCode { inst, first: c0 }));
            }
        }
        // The way round from ck, and the test that ends the loop.
        let round = self.way_round(ck, header, &inside)?;
        let (back_stop, back_exit, latch) = (round.stop, round.exit, round.latch);
        let last_entry = entries.len() - 1;
        // The last call's stop is the way round's, not yet its entry's.
        let stop_of = |e: usize| {
            if e + 1 == entries.len() {
                back_stop
            } else {
                entries[e].stop
            }
        };
        // The entry whose stop fires when its result differs from `v` (an argument).
        let equal_to = |v: LLVMValueRef| {
            (0..entries.len()).find(|&i| match stop_of(i) {
                Stop::NeArg(k, _) => {
                    entries[i].args.get(usize::from(k)) == Some(&ArgSource::Value(v))
                }
                _ => false,
            })
        };
        if round.reentry && top_test.is_some() {
            let off = back_exit.1;
            return Err(Refusal::new(back_exit.0, Reason::ExitReentersLoop { off }));
        }
        // An earlier call's stop that goes back into the loop (a read's `if (errno == EINTR)
        // continue;` before the write): the blocks it reaches before the header, the way
        // round or a call's block are original code entered from the stop, as the last
        // call's re-entry blocks are (`legality::reentry`).
        let call_blocks: IndexSet<LLVMBasicBlockRef> = calls
            .iter()
            .map(|&c| ir::parent_block(sites[c].call))
            .collect();
        let gap_reentry =
            gap_reentry_blocks(&gap_exits, header, &inside, &round.blocks, &call_blocks);
        if !gap_reentry.is_empty() && top_test.is_some() {
            let off = gap_reentry[0];
            return Err(Refusal::new(
                sites[c0].call,
                Reason::ExitReentersLoop { off },
            ));
        }
        // The blocks the batch runs (the way round); with a stop that goes back into the
        // loop, the others are original code entered from the stop.
        let batch: IndexSet<LLVMBasicBlockRef> = if round.reentry {
            std::iter::once(header)
                .chain(round.blocks.iter().copied())
                .filter(|b| !gap_reentry.contains(b))
                .collect()
        } else {
            inside
                .iter()
                .copied()
                .filter(|b| !gap_reentry.contains(b))
                .collect()
        };
        let reenters = round.reentry || !gap_reentry.is_empty();
        let (test, until_exit) = match (top_test, latch) {
            (Some((test, on, _)), None) => (Some((test, on)), None),
            (None, Some((test, on, exit))) => (Some((test, on)), Some(exit)),
            (Some(_), Some((test, ..))) => {
                return Err(Refusal::new(test, Reason::WayRound { inst: test }))
            }
            // A rotated loop that goes round without a test: the batch ends at predicates.
            (None, None) => (None, None),
        };
        // The tests the loop's test is made of (itself, or the parts of an `and` going on
        // or an `or` leaving: `legality::conjunction`), and with the combining instructions.
        let (test_leaves, nodes) =
            test.map_or_else(Default::default, |(t, on)| super::conjunction::parts(t, on));
        let test_parts: Vec<LLVMValueRef> = nodes
            .into_iter()
            .chain(test_leaves.iter().copied())
            .collect();
        // The phis: advancing arguments (passed to a call) or carried values.
        let mut advancing = Vec::new();
        let mut carried = Vec::new();
        for &phi in &phis {
            let passed = passed_as(&entries, phi);
            if passed.is_empty() {
                let also: Vec<LLVMValueRef> = derived_insts
                    .iter()
                    .filter_map(|&d| derivation_of(d, header).filter(|x| x.phi == phi))
                    .flat_map(|x| x.parts)
                    .chain(
                        derived_insts
                            .iter()
                            .copied()
                            .filter(|&d| derivation(d, header).is_some_and(|(p, ..)| p == phi)),
                    )
                    .chain(test_parts.iter().copied())
                    .chain(clamp_insts.iter().copied().filter_map(|x| {
                        clamp::clamp_of(x, header)
                            .filter(|c| c.phi == phi)
                            .map(|c| {
                                // Its one use: the `min`, its 32-bit part, or `S - phi`.
                                c.remaining.map_or(c.part.unwrap_or(x), |(_, sub)| sub)
                            })
                    }))
                    // A counter zero-extended for the test (`legality::counted`).
                    .chain(test_leaves.iter().flat_map(|&t| {
                        (0..2)
                            .map(move |k| ir::operand(t, k))
                            .filter(|&v| super::counted::zext_of(v).is_some())
                    }))
                    .collect();
                let nonneg = |e: usize| entries.get(e).is_some_and(|x| x.stop.stops_on_error());
                match carried_value(phi, &batch, calls, sites, &also, &nonneg, &equal_to) {
                    Ok(c) => carried.push(c),
                    Err(why) => {
                        return Err(Refusal::new(phi, Reason::LoopCarried { value: phi, why }))
                    }
                }
                continue;
            }
            let nonneg = |e: usize| stop_of(e).stops_on_error();
            let adv = advancing_value(phi, &passed, &batch, (calls, sites), &test_leaves, &nonneg)
                .map_err(|why| Refusal::new(phi, Reason::Advancing { value: phi, why }))?;
            advancing.push(adv);
        }
        // A total that goes down by an argument its call's result must equal is that
        // result in every iteration that completes, but not in the one that stops there: its
        // next value must not be computed before that stop's test.
        for c in &carried {
            let Step::Result { entry, .. } = c.step else {
                continue;
            };
            let Ok(arith) = reentry::step_through_latch(c.next, &batch) else {
                continue;
            };
            let call = sites[calls[entry]].call;
            let by_result = (0..2).any(|k| ir::operand(arith, k) == call);
            let branch = if entry == last_entry {
                Some(back_exit.0)
            } else {
                gap_exits[entry].1.first().map(|&(b, _)| b)
            };
            let early = branch.is_none_or(|b| self.shim.dominates(arith, b));
            let by_equal = (0..2).any(|k| equal_to(ir::operand(arith, k)) == Some(entry));
            if !by_result && by_equal && early {
                let why = format!(
                    "its next value '{}' is computed before the test of {}'s result that it stands for",
                    ir::describe(arith),
                    sites[calls[entry]].label()
                );
                return Err(Refusal::new(
                    c.phi,
                    Reason::LoopCarried { value: c.phi, why },
                ));
            }
        }
        // Derived arguments: each passed once, from a total of a 64-bit result, or from a
        // 32-bit total of the truncated result through the extension the original makes.
        let mut derived = Vec::new();
        for &inst in &derived_insts {
            let Some(Derivation {
                phi,
                base,
                kind,
                widen,
                ..
            }) = derivation_of(inst, header)
            else {
                continue;
            };
            let passed: Vec<(usize, usize)> = passed_as(&entries, inst);
            let total = carried.iter().position(|c| c.phi == phi);
            // A 64-bit total of the raw results, or a 32-bit one of the truncated results.
            let by = total.and_then(|k| match &carried[k].step {
                Step::Result { entry, casts } if casts.is_empty() && widen.is_none() => {
                    Some(*entry)
                }
                Step::Result { entry, casts }
                    if widen.is_some() && matches!(casts[..], [(Cast::Trunc, _)]) =>
                {
                    Some(*entry)
                }
                _ => None,
            });
            // `int` totals: the 64-bit arguments advance with the total while it does not
            // wrap, which `nsw` on its step makes undefined in the original, and which an
            // `unsigned` total (gzip's `insize`) cannot do when the count of the call whose
            // result is the step is `base - total`: a bounded transfer returns at most its
            // count, so the total stays at most `base` (`counted_to`).
            if let (Some(k), Some(_)) = (total, widen) {
                let step = reentry::step_through_latch(carried[k].next, &batch).ok();
                let bounded = by.is_some_and(|e| {
                    counted_to(phi, e, &derived_insts, header, &entries, sites).is_some()
                });
                if !step.is_some_and(|a| {
                    ir::opcode(a) == LLVMOpcode::LLVMAdd && (no_signed_wrap(a) || bounded)
                }) {
                    let why = format!(
                        "the 32-bit total {} it is computed from may wrap: its step has no nsw",
                        ir::value_name(phi)
                    );
                    return Err(Refusal::new(inst, Reason::Advancing { value: inst, why }));
                }
            }
            match (&passed[..], total, by) {
                (&[(entry, arg)], Some(k), Some(by)) => derived.push(Derived {
                    inst,
                    carried: k,
                    base,
                    kind,
                    entry,
                    arg: arg as u8,
                    by,
                    widen,
                }),
                _ => return Err(Refusal::new(inst, Reason::HeaderCode { inst, first: c0 })),
            }
        }
        let nonneg = |e: usize| stop_of(e).stops_on_error();
        let mut clamped = clamp::clamped(
            &clamp_insts,
            header,
            &inside,
            &carried,
            &entries,
            sites,
            &stop_of,
        )
        .map_err(|(value, why)| Refusal::new(value, Reason::ClampedCount { value, why }))?;
        let mut bounded = Vec::new();
        // The test: an advancing argument (top) or its next value (rotated) against 0, or a
        // counter against a bound.
        let rotated = until_exit.is_some();
        let argument_test = |test: LLVMValueRef, goes_on: bool| {
            header_test(test, goes_on)
                .and_then(|(v, until)| {
                    advancing
                        .iter()
                        .position(|a| v == if rotated { a.next } else { a.phi })
                        .map(|which| (TestedArg::Advancing(which), until))
                })
                .or_else(|| {
                    rotated
                        .then(|| total_test(test, goes_on, &derived, &carried, &entries, sites))
                        .flatten()
                        .or_else(|| {
                            count_test(test, goes_on, rotated, &derived, &carried, &entries, sites)
                                // A result that completes an iteration is not negative.
                                .filter(|(arg, _)| match arg {
                                    TestedArg::Derived(k) => {
                                        stop_of(derived[*k].entry).stops_on_error()
                                    }
                                    TestedArg::Advancing(_) => false,
                                })
                        })
                })
        };
        let (until, counted) = match test {
            None => (None, None),
            // Several tests that must all go on: each ends or bounds the batch on its own (one
            // argument's test, which the batch makes after each iteration; a counter, a
            // bounded total, a clamped total, which bound it).
            Some((_, goes_on)) if test_leaves.len() > 1 => {
                let mut counted = None;
                let mut until = None;
                for &leaf in &test_leaves {
                    if until.is_none() {
                        if let Some(u) = argument_test(leaf, goes_on) {
                            until = Some(u);
                            continue;
                        }
                    }
                    if clamp::clamp_test(leaf, goes_on, rotated, &mut clamped, &carried) {
                        continue;
                    }
                    if let Some(b) = clamp::bounded_test(
                        leaf, goes_on, rotated, &carried, &entries, sites, &inside, &nonneg,
                    ) {
                        bounded.push(b);
                        continue;
                    }
                    match super::counted::bound(leaf, goes_on, rotated, &carried, &inside) {
                        Ok(c) if counted.is_none() => counted = Some(c),
                        Err(Some(why)) => {
                            return Err(Refusal::new(leaf, Reason::CounterTest { test: leaf, why }))
                        }
                        _ => return Err(Refusal::new(leaf, Reason::HeaderTest { test: leaf })),
                    }
                }
                (until, counted)
            }
            Some((test, goes_on)) => match argument_test(test, goes_on) {
                Some(until) => (Some(until), None),
                // A test on a clamped total that the batch's bound keeps true.
                None if clamp::clamp_test(test, goes_on, rotated, &mut clamped, &carried) => {
                    (None, None)
                }
                // A total below a limit, its call's count a constant: the same. Or a counter
                // against a bound: no argument ends the batch, its bound does
                // (`legality::counted`).
                None => match clamp::bounded_test(
                    test, goes_on, rotated, &carried, &entries, sites, &inside, &nonneg,
                ) {
                    Some(b) => {
                        bounded.push(b);
                        (None, None)
                    }
                    None => {
                        match super::counted::bound(test, goes_on, rotated, &carried, &inside) {
                            Ok(counted) => (None, Some(counted)),
                            Err(Some(why)) => {
                                return Err(Refusal::new(test, Reason::CounterTest { test, why }))
                            }
                            Err(None) => {
                                return Err(Refusal::new(test, Reason::HeaderTest { test }))
                            }
                        }
                    }
                },
            },
        };
        // The header computes nothing but the counters' next values.
        if let Some(&inst) = counter_steps
            .iter()
            .find(|&&i| !carried.iter().any(|c| c.next == i))
        {
            return Err(Refusal::new(inst, Reason::HeaderCode { inst, first: c0 }));
        }
        // Arguments: invariant, results of earlier entries, or advancing.
        let advancing_phis: IndexSet<LLVMValueRef> = advancing.iter().map(|a| a.phi).collect();
        for e in &entries {
            for (k, a) in e.args.iter().enumerate() {
                if let ArgSource::Value(v) = *a {
                    let variant = ir::is_instruction(v) && inside.contains(&ir::parent_block(v));
                    let known = advancing_phis.contains(&v)
                        || derived_insts.contains(&v)
                        || clamped.iter().any(|c| c.inst == v);
                    if variant && !known {
                        return Err(Refusal::new(
                            sites[e.site].call,
                            Reason::VariantArgument {
                                site: e.site,
                                k,
                                value: v,
                            },
                        ));
                    }
                }
            }
        }
        let mut exits = Vec::with_capacity(entries.len());
        let mut stop_tests = vec![Vec::new(); entries.len()];
        let last = entries.len() - 1;
        let calls_v: Vec<LLVMValueRef> = calls.iter().map(|&c| sites[c].call).collect();
        for (i, e) in entries.iter_mut().enumerate() {
            let (stop, exit) = if i == last {
                for &(branch, off) in round.tests.iter().skip(1) {
                    if inside.contains(&off) {
                        return Err(Refusal::new(branch, Reason::ExitReentersLoop { off }));
                    }
                }
                stop_tests[i] = round.tests.clone();
                (back_stop, Some(back_exit))
            } else {
                let (stop, ex) = &gap_exits[i];
                // Several tests, which together fire exactly when the stop does (the
                // straight check's `stacked`): the lowering evaluates them again on the
                // stopped iteration's values to leave where the original leaves.
                if let [_, _, ..] = ex[..] {
                    // A `switch` whose cases leave tests its value.
                    let test_of = |branch: LLVMValueRef| match ir::opcode(branch) {
                        LLVMOpcode::LLVMSwitch => Some(ir::operand(branch, 0)),
                        _ => ir::conditional_branch(branch).map(|(c, ..)| c),
                    };
                    let unknown = ex.iter().find(|&&(branch, _)| {
                        !test_of(branch)
                            .is_some_and(|c| recomputable(c, &calls_v[..=i], &phis, &inside))
                    });
                    if let Some(&(test, _)) = unknown {
                        let site = e.site;
                        return Err(Refusal::new(test, Reason::StopTestUnknown { site, test }));
                    }
                    if let Some(&(branch, off)) = ex
                        .iter()
                        .find(|t| inside.contains(&t.1) && !gap_reentry.contains(&t.1))
                    {
                        return Err(Refusal::new(branch, Reason::ExitReentersLoop { off }));
                    }
                    stop_tests[i] = ex.clone();
                }
                (*stop, ex.first().copied())
            };
            let Some((branch, off)) = exit.filter(|_| stop != Stop::Never) else {
                return Err(Refusal::new(
                    sites[e.site].call,
                    Reason::NoStop { site: e.site },
                ));
            };
            // "result != argument" on an argument that advances compares with the advanced
            // value, which the lowering's guard against a negative argument does not see.
            if let Stop::NeArg(k, _) = stop {
                let moved = advancing
                    .iter()
                    .flat_map(|a| a.uses.iter().map(|&(entry, arg)| (a.phi, entry, arg)))
                    .chain(derived.iter().map(|d| (d.inst, d.entry, d.arg)))
                    .find(|&(_, en, a)| en == i && a == k);
                if let Some((value, ..)) = moved {
                    let why = format!(
                        "{} stops when its result differs from it",
                        sites[e.site].label()
                    );
                    return Err(Refusal::new(value, Reason::Advancing { value, why }));
                }
            }
            let reentering = i < last
                && stop_tests[i]
                    .iter()
                    .chain([&(branch, off)])
                    .any(|t| gap_reentry.contains(&t.1));
            if (i == last && round.reentry) || reentering {
                // The stop goes back into the loop: its block, entered from the call's alone,
                // and what follows it are the original code (`legality::reentry`).
                e.stop = stop;
                exits.push(LoopExit {
                    from: ir::parent_block(branch),
                    to: off,
                    kind: ExitKind::Leave,
                });
            } else {
                exits.push(leaving(e, stop, (branch, off), &inside)?);
            }
        }
        // A phi of the latch is a total's next value (the way round gives it the step), or
        // errno's address for the store the lowering replays.
        let errno_at = round.errno_reset.map(|s| ir::operand(s, 1));
        for &b in &round.blocks {
            for inst in ir::instructions(b).into_iter().filter(|&i| ir::is_phi(i)) {
                // An advancing argument's step joined here (`advancing_value`), or a total's
                // (the result merged with a retry's, `looped::step_kind`).
                let step_of = |a: &Advancing| (0..2).any(|k| ir::operand(a.next, k) == inst);
                let total_step = |c: &Carried| {
                    matches!(c.step, Step::Result { .. })
                        && ir::is_instruction(c.next)
                        && ir::num_operands(c.next) == 2
                        && (0..2).any(|k| ir::operand(c.next, k) == inst)
                };
                if !carried.iter().any(|c| c.next == inst || total_step(c))
                    && errno_at != Some(inst)
                    && !advancing.iter().any(|a| step_of(a) || a.next == inst)
                {
                    return Err(Refusal::new(inst, Reason::WayRound { inst }));
                }
            }
        }
        if let Some(&load) = gap_loads.first() {
            return Err(Refusal::new(load, Reason::LoopLoad { load }));
        }
        // Only the calls' results, the phis, their next values and the derived arguments
        // (computed again from the total where the batch leaves) are used after the loop.
        let kept: IndexSet<LLVMValueRef> = calls
            .iter()
            .map(|&c| sites[c].call)
            .chain(carried.iter().flat_map(|c| [c.phi, c.next]))
            .chain(advancing.iter().flat_map(|a| [a.phi, a.next]))
            .chain(derived.iter().map(|d| d.inst))
            .collect();
        // The re-entry blocks are the original code a stop resumes (`legality::reentry`):
        // what they compute reaches the code after the loop as it does in the original.
        let computed: Vec<LLVMBasicBlockRef> = blocks
            .iter()
            .copied()
            .filter(|b| !reenters || batch.contains(b))
            .collect();
        // Values of the results and the phis alone, used after the loop only where the
        // iteration that left computed them: computed again at the ways out.
        // A clamped count is its cap at every way out of a batch (`legality::clamp`).
        let leaves: Vec<LLVMValueRef> = calls_v
            .iter()
            .copied()
            .chain(
                clamped
                    .iter()
                    .flat_map(|c| std::iter::once(c.inst).chain(c.part)),
            )
            .collect();
        let recomputed = self.recomputed_after(&computed, &inside, &kept, &leaves, &phis);
        let kept: IndexSet<LLVMValueRef> = kept.into_iter().chain(recomputed.clone()).collect();
        nothing_else_escapes(&computed, &inside, &kept)?;
        // Dead buffers let the runtime copy at explicit offsets in the kernel (a pread ->
        // pwrite loop whose offsets advance by the read's result, runtime/src/copy.rs).
        let buffers = dead_buffers::check(self.shim, &entries, sites, header);
        let reentry = if reenters {
            reentry::reentry_blocks(&blocks, &batch)
        } else {
            Vec::new()
        };
        Ok(Looped {
            entries,
            header: body,
            preheader,
            blocks,
            exits,
            buffers,
            carried,
            advancing,
            derived,
            tested: Some(Tested {
                block: header,
                until,
                rotated: matches!(form, Form::Rotated),
                until_exit: until_exit.map(|(branch, to)| LoopExit {
                    from: ir::parent_block(branch),
                    to,
                    kind: ExitKind::Leave,
                }),
                latch_test: test.filter(|_| matches!(form, Form::Rotated)),
                errno_reset: round.errno_reset,
                reentry,
                counted,
                clamped,
                bounded,
                recomputed,
            }),
            tested_by: None,
            prefix: Vec::new(),
            handed: Vec::new(),
            decided: Vec::new(),
            remade: Vec::new(),
            aliases: Vec::new(),
            ways: Vec::new(),
            stop_tests,
            watches: Vec::new(),
            guards: Vec::new(),
            guard_loads: Vec::new(),
            period: None,
        })
    }

    /// The instructions of `blocks` (the loop's, `inside`) not in `kept` that are used after
    /// the loop and that the lowering may compute again where the batch leaves: integer
    /// arithmetic and comparisons of the calls' results and clamped counts (`calls`), the
    /// header's `phis` and
    /// values defined before the loop (`recomputable`), and, on every edge out of the loop
    /// whose block they do not dominate, used by nothing the edge reaches before the loop is
    /// entered again (there the original would use a value of an earlier iteration).
    fn recomputed_after(
        &self,
        blocks: &[LLVMBasicBlockRef],
        inside: &IndexSet<LLVMBasicBlockRef>,
        kept: &IndexSet<LLVMValueRef>,
        calls: &[LLVMValueRef],
        phis: &[LLVMValueRef],
    ) -> Vec<LLVMValueRef> {
        let edges: Vec<(LLVMValueRef, LLVMBasicBlockRef)> = blocks
            .iter()
            .filter_map(|&b| ir::terminator(b))
            .flat_map(|t| {
                ir::successors(t)
                    .into_iter()
                    .filter(|to| !inside.contains(to))
                    .map(move |to| (t, to))
            })
            .collect();
        let mut out = Vec::new();
        for &b in blocks {
            for inst in ir::instructions(b) {
                // Uses after the loop, each in the block where it uses the value (a phi's in
                // the block it comes from: from inside, on an edge out that the value
                // dominates).
                let escaping: Vec<(LLVMValueRef, LLVMBasicBlockRef)> = ir::users(inst)
                    .into_iter()
                    .filter(|&(user, _)| !inside.contains(&ir::parent_block(user)))
                    .collect();
                let after: Vec<LLVMBasicBlockRef> = escaping
                    .iter()
                    .map(|&(_, at)| at)
                    .filter(|at| !inside.contains(at))
                    .collect();
                if kept.contains(&inst)
                    || escaping.is_empty()
                    || ir::is_phi(inst)
                    || !(calls.contains(&inst) || recomputable(inst, calls, phis, inside))
                {
                    continue;
                }
                let stale = edges.iter().any(|&(term, to)| {
                    !self.shim.dominates(inst, term) && reaches_before_loop(to, &after, inside)
                });
                if !stale {
                    out.push(inst);
                }
            }
        }
        out
    }

    /// The way from `ck` back to `header`: `ck`'s own block after it, then for a rotated loop
    /// a block of bookkeeping entered from it alone and one latch, each running nothing but
    /// integer and address arithmetic and comparisons (the latch also phis of totals and a
    /// store of a constant to `errno`); `ck`'s block ends in its stop predicate, the latch in
    /// the loop's test. A stop may go back into the loop (`legality::reentry`); the latch
    /// then may be joined by the blocks only that stop reaches.
    fn way_round(
        &self,
        ck: usize,
        header: LLVMBasicBlockRef,
        inside: &IndexSet<LLVMBasicBlockRef>,
    ) -> Result<WayRound, Refusal> {
        let site = &self.sites[ck];
        let block = ir::parent_block(site.call);
        let after_call = ir::instructions(block)
            .into_iter()
            .skip_while(|&i| i != site.call)
            .skip(1);
        self.plain(after_call)?;
        let term =
            ir::terminator(block).ok_or_else(|| Refusal::new(site.call, Reason::Malformed))?;
        if let Some(first) = leaving_switch(term, inside) {
            let default = ir::successors(term)[0];
            return self.way_round_from(ck, header, inside, term, first, (block, default), false);
        }
        // A case that goes back into the loop (`case -1: if (errno == EINTR) continue;`).
        if let Some(first) = reentering_switch(term, block, header, inside) {
            let default = ir::successors(term)[0];
            return self.way_round_from(ck, header, inside, term, first, (block, default), true);
        }
        let Some((cond, t, f)) = ir::conditional_branch(term) else {
            return Err(Refusal::new(site.call, Reason::NoStop { site: ck }));
        };
        let (round_if_true, on, off, reentry) = match (inside.contains(&t), inside.contains(&f)) {
            (true, false) => (true, t, f, false),
            (false, true) => (false, f, t, false),
            // Further tests of the result leading round are the stronger sign: a re-entry
            // that retries the call may go back to the header itself (an EINTR retry clang
            // threaded straight back, `transform::retry`).
            (true, true) => match choose_through_tests(block, header, t, f, site.call, inside)
                .or_else(|| reentry::choose(block, header, t, f))
            {
                Some(true) => (true, t, f, true),
                Some(false) => (false, f, t, true),
                None => {
                    let off = if t == header { f } else { t };
                    return Err(Refusal::new(term, Reason::ExitReentersLoop { off }));
                }
            },
            (false, false) => return Err(Refusal::new(term, Reason::WayRound { inst: term })),
        };
        let first = PathStep::Branch {
            inst: term,
            cond,
            off,
            continue_if_true: round_if_true,
        };
        self.way_round_from(ck, header, inside, term, first, (block, on), reentry)
    }

    /// The way round from `ck`'s block, whose terminator `term` is the first test of its
    /// result (`first`), going on to `on` (`(block, on)`), to the header (see
    /// [`Self::way_round`]).
    #[allow(clippy::too_many_arguments)]
    fn way_round_from(
        &self,
        ck: usize,
        header: LLVMBasicBlockRef,
        inside: &IndexSet<LLVMBasicBlockRef>,
        term: LLVMValueRef,
        first: PathStep,
        (block, on): (LLVMBasicBlockRef, LLVMBasicBlockRef),
        reentry: bool,
    ) -> Result<WayRound, Refusal> {
        let site = &self.sites[ck];
        let (off, single) = match &first {
            PathStep::Branch {
                cond,
                off,
                continue_if_true,
                ..
            } => (
                *off,
                Some(conditions::stop_predicate(*cond, *continue_if_true, site)),
            ),
            PathStep::Switch { cases, .. } => (cases.first().map_or(on, |c| c.1), None),
            PathStep::Inst { .. } => return Err(Refusal::new(term, Reason::NoStop { site: ck })),
        };
        // Further tests of the call's result on the way, each leaving the loop (`if (n < 0)
        // ...; if (n == 0) break;`): the stop is their union.
        let mut tests = vec![first];
        let (mut prev, mut on) = (block, on);
        while on != header {
            // A `switch` on the result whose cases leave (`case 0: break; case -1: ...`).
            if let Some(step) = switch_test(on, prev, inside) {
                self.plain(ir::instructions(on).into_iter())?;
                let default = ir::successors(ir::terminator(on).unwrap_or(term))[0];
                tests.push(step);
                (prev, on) = (on, default);
                continue;
            }
            let Some((t2, c2, next, out, stays_if_true)) = result_test(on, prev, site.call, inside)
            else {
                break;
            };
            self.plain(ir::instructions(on).into_iter())?;
            tests.push(PathStep::Branch {
                inst: t2,
                cond: c2,
                off: out,
                continue_if_true: stays_if_true,
            });
            (prev, on) = (on, next);
        }
        let stop = match single {
            Some(stop) if tests.len() == 1 => {
                stop.ok_or_else(|| Refusal::new(term, Reason::NoStop { site: ck }))?
            }
            // The straight check's judgement of stacked tests (`conditions::linearity`), a
            // switch's cases among them.
            _ => {
                let gap = Gap {
                    steps: tests.clone(),
                    end: End::Reached { exit_to_b: None },
                    on_path: Default::default(),
                    rejoins: Vec::new(),
                };
                conditions::linearity(&gap, self.sites, ck, ck).map_err(|(_, refusal)| refusal)?
            }
        };
        // Each way out, in order: a switch's once per case.
        let branches: Vec<(LLVMValueRef, LLVMBasicBlockRef)> = tests
            .iter()
            .flat_map(|t| match t {
                PathStep::Branch { inst, off, .. } => vec![(*inst, *off)],
                PathStep::Switch { inst, cases, .. } => {
                    cases.iter().map(|&(_, to)| (*inst, to)).collect()
                }
                PathStep::Inst { .. } => Vec::new(),
            })
            .collect();
        let mut test_blocks: Vec<LLVMBasicBlockRef> = Vec::new();
        for &(inst, _) in &branches {
            let b = ir::parent_block(inst);
            if b != block && !test_blocks.contains(&b) {
                test_blocks.push(b);
            }
        }
        let mut round = WayRound {
            stop,
            exit: (term, off),
            // The further tests' blocks are on the way round.
            blocks: test_blocks,
            tests: if branches.len() > 1 {
                branches
            } else {
                Vec::new()
            },
            latch: None,
            reentry,
            errno_reset: None,
        };
        if on == header {
            return Ok(round);
        }
        // A block of bookkeeping (`sz += n`), then the latch; or the latch itself.
        let (prev, latch) = match reentry::passes_through(on, prev) {
            Some(next) if next != header => {
                self.plain(ir::instructions(on).into_iter())?;
                round.blocks.push(on);
                (on, next)
            }
            _ => (prev, on),
        };
        round.blocks.push(latch);
        // Entered from the way round, and when a stop goes back into the loop from blocks
        // of the loop besides the way round's.
        let preds: Vec<LLVMBasicBlockRef> = ir::predecessors(latch);
        let others = preds.iter().filter(|&&p| p != prev);
        let joined = others
            .clone()
            .all(|p| reentry && inside.contains(p) && *p != header && !round.blocks.contains(p));
        if !preds.contains(&prev) || !joined {
            return Err(Refusal::new(term, Reason::WayRound { inst: term }));
        }
        let may_join = others.count() > 0;
        for inst in ir::instructions(latch) {
            if ir::is_terminator(inst) {
                break;
            }
            if ir::is_phi(inst) && may_join {
                continue;
            }
            if round.errno_reset.is_none() && reentry::errno_reset(inst, latch) {
                round.errno_reset = Some(inst);
                continue;
            }
            self.plain(std::iter::once(inst))?;
        }
        // A latch that goes round without a test (`for (;;)` whose exits are all stop
        // predicates): the batch ends at the predicates, the bound or a signal.
        let latch_term =
            ir::terminator(latch).ok_or_else(|| Refusal::new(term, Reason::Malformed))?;
        if ir::conditional_branch(latch_term).is_none() && ir::successors_of(latch) == [header] {
            return Ok(round);
        }
        let (latch_term, goes_on, next, latch_off) = self.two_way(latch, header, inside)?;
        if next != header {
            return Err(Refusal::new(
                latch_term,
                Reason::WayRound { inst: latch_term },
            ));
        }
        let test = ir::conditional_branch(latch_term).map_or(latch_term, |(c, ..)| c);
        round.latch = Some((test, goes_on, (latch_term, latch_off)));
        Ok(round)
    }

    /// Refuses the first of `insts` (up to a terminator) that is not integer or address
    /// arithmetic, a comparison or a debug record.
    fn plain(&self, insts: impl Iterator<Item = LLVMValueRef>) -> Result<(), Refusal> {
        use LLVMOpcode::*;
        for inst in insts.take_while(|&i| !ir::is_terminator(i)) {
            let plain = matches!(
                ir::opcode(inst),
                LLVMAdd | LLVMSub | LLVMGetElementPtr | LLVMICmp | LLVMTrunc | LLVMZExt | LLVMSExt
            ) || reentry::is_errno_location(inst)
                // The `and`/`or` of a latch's tests (`legality::conjunction`).
                || super::conjunction::logic_parts(inst, true).is_some()
                || super::conjunction::logic_parts(inst, false).is_some();
            if !plain && self.shim.inst_flags(inst) & flags::DEBUG == 0 {
                return Err(Refusal::new(inst, Reason::WayRound { inst }));
            }
        }
        Ok(())
    }

    /// `block`'s conditional branch, one way staying in the loop (towards `header`) and the
    /// other leaving it: (the branch, whether true stays, the block it stays to, the block
    /// it leaves to).
    fn two_way(
        &self,
        block: LLVMBasicBlockRef,
        header: LLVMBasicBlockRef,
        inside: &IndexSet<LLVMBasicBlockRef>,
    ) -> Result<(LLVMValueRef, bool, LLVMBasicBlockRef, LLVMBasicBlockRef), Refusal> {
        let term = ir::terminator(block)
            .ok_or_else(|| Refusal::new(ir::instructions(block)[0], Reason::Malformed))?;
        let Some((_, t, f)) = ir::conditional_branch(term) else {
            return Err(Refusal::new(term, Reason::WayRound { inst: term }));
        };
        let (stays_if_true, on, off) = match (inside.contains(&t), inside.contains(&f)) {
            (true, false) => (true, t, f),
            (false, true) => (false, f, t),
            (true, true) => {
                let off = if t == header { f } else { t };
                return Err(Refusal::new(term, Reason::ExitReentersLoop { off }));
            }
            (false, false) => return Err(Refusal::new(term, Reason::WayRound { inst: term })),
        };
        Ok((term, stays_if_true, on, off))
    }
}

/// The `switch` that ends `block`, entered from `prev` alone, whose cases leave the loop of
/// `inside` (a further test of a result on the way round; `conditions::linearity` then
/// judges whether it tests the call's result).
fn switch_test(
    block: LLVMBasicBlockRef,
    prev: LLVMBasicBlockRef,
    inside: &IndexSet<LLVMBasicBlockRef>,
) -> Option<PathStep> {
    if ir::predecessors(block) != [prev] {
        return None;
    }
    leaving_switch(ir::terminator(block)?, inside)
}

/// The test a `switch` that ends a call's block makes, when its default successor stays in
/// the loop of `inside` and each case leaves it (`switch (n) { case 0: ...; case -1: ... }`
/// after `n = read(...)`, cases that break out or fail): the cases as a path step.
fn leaving_switch(term: LLVMValueRef, inside: &IndexSet<LLVMBasicBlockRef>) -> Option<PathStep> {
    if ir::opcode(term) != LLVMOpcode::LLVMSwitch {
        return None;
    }
    let default = *ir::successors(term).first()?;
    let cases = ir::switch_cases(term)?;
    if !inside.contains(&default) || cases.iter().any(|(_, to)| inside.contains(to)) {
        return None;
    }
    Some(PathStep::Switch {
        inst: term,
        value: ir::operand(term, 0),
        cases,
    })
}

/// The test a `switch` that ends a call's `block` makes when its default successor stays in
/// the loop of `inside` and each case leaves it or is a re-entry (`legality::reentry`): a
/// block of the loop entered from `block` alone, neither the header nor the default (OpenSSH's
/// `atomicio`: `switch (res) { case -1: if (errno == EINTR) continue; return 0; case 0: ...;
/// default: pos += res; }`). At least one case re-enters; otherwise it is `leaving_switch`'s.
fn reentering_switch(
    term: LLVMValueRef,
    block: LLVMBasicBlockRef,
    header: LLVMBasicBlockRef,
    inside: &IndexSet<LLVMBasicBlockRef>,
) -> Option<PathStep> {
    if ir::opcode(term) != LLVMOpcode::LLVMSwitch {
        return None;
    }
    let default = *ir::successors(term).first()?;
    let cases = ir::switch_cases(term)?;
    let reenters = |to: LLVMBasicBlockRef| {
        inside.contains(&to) && to != header && to != default && ir::predecessors(to) == [block]
    };
    let fits = inside.contains(&default)
        && cases
            .iter()
            .all(|&(_, to)| !inside.contains(&to) || reenters(to))
        && cases.iter().any(|&(_, to)| reenters(to));
    fits.then(|| PathStep::Switch {
        inst: term,
        value: ir::operand(term, 0),
        cases,
    })
}

/// A refusal when the header's `test` compares a phi of `header` that carries a result of
/// one of `calls` (or its truncation) from the iteration before: gzip's `write_buf`,
/// `while ((n = write(fd, buf, cnt)) != cnt) { if (n == (unsigned)-1) write_error(); ... }`,
/// which clang leaves with its first `write` before the loop and the error test of each
/// `write` at the top of the next iteration. A looped batch stops an iteration at the
/// predicate right after its call; a test one iteration later is not one.
fn result_tested_next_round(
    test: LLVMValueRef,
    header: LLVMBasicBlockRef,
    inside: &IndexSet<LLVMBasicBlockRef>,
    calls: &[usize],
    sites: &[Site],
) -> Option<Refusal> {
    if !ir::is_instruction(test) || ir::opcode(test) != LLVMOpcode::LLVMICmp {
        return None;
    }
    [ir::operand(test, 0), ir::operand(test, 1)]
        .into_iter()
        .find_map(|phi| {
            if !ir::is_instruction(phi) || !ir::is_phi(phi) || ir::parent_block(phi) != header {
                return None;
            }
            let round = ir::strip_int_casts(value_round(phi, inside).ok()?);
            let site = calls.iter().copied().find(|&c| sites[c].call == round)?;
            Some(Refusal::new(
                test,
                Reason::ResultTestedLate { test, phi, site },
            ))
        })
}

/// Whether `inst` is the value a phi of `header` comes back with from a block of the loop
/// (`inside`): a counter's next value, not a value computed from it.
fn comes_round(
    inst: LLVMValueRef,
    header: LLVMBasicBlockRef,
    inside: &IndexSet<LLVMBasicBlockRef>,
) -> bool {
    ir::instructions(header)
        .into_iter()
        .take_while(|&i| ir::is_phi(i))
        .any(|phi| {
            ir::incoming(phi)
                .into_iter()
                .any(|(v, from)| v == inst && inside.contains(&from))
        })
}

/// The (entry, argument) pairs that pass `v`.
pub(super) fn passed_as(entries: &[Entry], v: LLVMValueRef) -> Vec<(usize, usize)> {
    entries
        .iter()
        .enumerate()
        .flat_map(|(i, e)| {
            e.args
                .iter()
                .enumerate()
                .filter(move |(_, a)| **a == ArgSource::Value(v))
                .map(move |(k, _)| (i, k))
        })
        .collect()
}

/// `(phi, base, how)` when `inst` computes an argument from a phi of `header` and a value
/// defined before the loop (`derivation_of`).
pub(super) fn derivation(
    inst: LLVMValueRef,
    header: LLVMBasicBlockRef,
) -> Option<(LLVMValueRef, LLVMValueRef, Derive)> {
    derivation_of(inst, header).map(|d| (d.phi, d.base, d.kind))
}

/// An argument computed from a total (a phi of the header) and a base defined before the
/// loop.
pub(super) struct Derivation {
    pub phi: LLVMValueRef,
    pub base: LLVMValueRef,
    pub kind: Derive,
    /// The extension of a 32-bit total's value to 64 bits.
    pub widen: Option<Cast>,
    /// The header's instructions between the phi and the argument (the extension, the
    /// 32-bit arithmetic), each used by the next alone.
    pub parts: Vec<LLVMValueRef>,
}

/// The derivation of `inst` from a phi of `header`: on 64 bits, `getelementptr i8, ptr base,
/// i64 phi`, `add phi, base` or `sub base, phi`; from a 32-bit phi, `getelementptr i8, ptr
/// base, i64 (ext phi)`, `ext (add nsw phi, base)` or `ext (sub nsw base, phi)`, where `ext`
/// is `sext` or `zext nneg` (both exact on the non-negative values such a total holds while
/// the original is defined).
pub(super) fn derivation_of(inst: LLVMValueRef, header: LLVMBasicBlockRef) -> Option<Derivation> {
    let phi_of = |v: LLVMValueRef, width: u32| {
        ir::is_instruction(v)
            && ir::is_phi(v)
            && ir::parent_block(v) == header
            && ir::type_kind(ir::type_of(v)) == LLVMTypeKind::LLVMIntegerTypeKind
            && ir::int_width(ir::type_of(v)) == width
    };
    let is_phi = |v: LLVMValueRef| phi_of(v, 64);
    let invariant = |v: LLVMValueRef| !ir::is_instruction(v) || ir::parent_block(v) != header;
    let plain = |phi, base, kind| Derivation {
        phi,
        base,
        kind,
        widen: None,
        parts: Vec::new(),
    };
    // `sext x` or `zext nneg x` to 64 bits, in the header (used by `inst` alone when it is
    // a part of `inst`'s derivation; the argument itself may also serve a call of a stop's
    // way back into the loop, gzip's retry of a read after EAGAIN).
    let widened = |x: LLVMValueRef| -> Option<(LLVMValueRef, Cast)> {
        if !ir::is_instruction(x)
            || ir::parent_block(x) != header
            || (x != inst && ir::users(x).len() != 1)
            || ir::int_width(ir::type_of(x)) != 64
        {
            return None;
        }
        let cast = match ir::opcode(x) {
            LLVMOpcode::LLVMSExt => Cast::SExt,
            // SAFETY: x is a live zext instruction of the module being checked.
            LLVMOpcode::LLVMZExt if unsafe { llvm_sys::core::LLVMGetNNeg(x) != 0 } => Cast::ZExt,
            _ => return None,
        };
        Some((ir::operand(x, 0), cast))
    };
    if !ir::is_instruction(inst) || ir::num_operands(inst) == 0 {
        return None;
    }
    // A byte GEP, an add or a sub has two operands, a cast one (which `b` then repeats).
    let a = ir::operand(inst, 0);
    let b = if ir::num_operands(inst) >= 2 {
        ir::operand(inst, 1)
    } else {
        a
    };
    match ir::opcode(inst) {
        LLVMOpcode::LLVMGetElementPtr if ir::byte_gep(inst) && is_phi(b) && invariant(a) => {
            Some(plain(b, a, Derive::Gep))
        }
        LLVMOpcode::LLVMGetElementPtr if ir::byte_gep(inst) && invariant(a) => {
            let (phi, cast) = widened(b).filter(|&(p, _)| phi_of(p, 32))?;
            Some(Derivation {
                phi,
                base: a,
                kind: Derive::Gep,
                widen: Some(cast),
                parts: vec![b],
            })
        }
        LLVMOpcode::LLVMAdd if is_phi(a) && invariant(b) => Some(plain(a, b, Derive::Add)),
        LLVMOpcode::LLVMAdd if is_phi(b) && invariant(a) => Some(plain(b, a, Derive::Add)),
        LLVMOpcode::LLVMSub if is_phi(b) && invariant(a) => Some(plain(b, a, Derive::SubFrom)),
        LLVMOpcode::LLVMSExt | LLVMOpcode::LLVMZExt => {
            let (mut x, cast) = widened(inst)?;
            // `umin(base - phi, C)` with `sub nuw` from a constant `0 <= base <= C` is
            // `base - phi` itself (gzip's `if (INT_MAX < cnt) cnt = INT_MAX;` on an unsigned
            // count of what is left of its buffer).
            let mut clamp = None;
            if let Some(y) = clamped_count(x, header) {
                clamp = Some(x);
                x = y;
            }
            if !ir::is_instruction(x)
                || ir::parent_block(x) != header
                || ir::users(x).len() != 1
                || !matches!(ir::opcode(x), LLVMOpcode::LLVMAdd | LLVMOpcode::LLVMSub)
                || !no_signed_wrap(x)
            {
                return None;
            }
            let (l, r) = (ir::operand(x, 0), ir::operand(x, 1));
            let (phi, base, kind) = match ir::opcode(x) {
                LLVMOpcode::LLVMAdd if phi_of(l, 32) && invariant(r) => (l, r, Derive::Add),
                LLVMOpcode::LLVMAdd if phi_of(r, 32) && invariant(l) => (r, l, Derive::Add),
                LLVMOpcode::LLVMSub if phi_of(r, 32) && invariant(l) => (r, l, Derive::SubFrom),
                _ => return None,
            };
            Some(Derivation {
                phi,
                base,
                kind,
                widen: Some(cast),
                parts: clamp.into_iter().chain([x]).collect(),
            })
        }
        _ => None,
    }
}

/// `y` when `x` is `llvm.umin(y, C)` in `header`, used once, and `y` is `sub nuw base, v`
/// with constants `0 <= base <= C`: then `y <= base <= C`, and `x` is `y`.
fn clamped_count(x: LLVMValueRef, header: LLVMBasicBlockRef) -> Option<LLVMValueRef> {
    if !ir::is_instruction(x)
        || !ir::is_call(x)
        || ir::parent_block(x) != header
        || ir::users(x).len() != 1
    {
        return None;
    }
    let callee = ir::called_function(x)?;
    if !ir::name(callee).starts_with("llvm.umin.") {
        return None;
    }
    let args = ir::call_args(x);
    let (y, c) = match (ir::const_int(args[0]), ir::const_int(args[1])) {
        (None, Some(c)) => (args[0], c),
        (Some(c), None) => (args[1], c),
        _ => return None,
    };
    let width = ir::int_width(ir::type_of(x));
    // The constant as unsigned: a negative `c` is above every non-negative `base`.
    let c = if width < 64 {
        (c as u64) & ((1u64 << width) - 1)
    } else {
        c as u64
    };
    if !ir::is_instruction(y)
        || ir::opcode(y) != LLVMOpcode::LLVMSub
        || ir::parent_block(y) != header
        || !no_unsigned_wrap(y)
    {
        return None;
    }
    let base = ir::const_int(ir::operand(y, 0))?;
    (base >= 0 && (base as u64) <= c).then_some(y)
}

/// The until of a rotated loop whose latch tests a running total's next value against a
/// bound, `v.next < base` (signed) going round, where `sub nsw base, v` is the count
/// (argument 2) of a transfer call (read, write and their kin): that is the count after the
/// iteration being `> 0`. The two agree after every completed iteration: `nsw` says the
/// original computes `base - v` without overflow, the kernel refuses a negative count, so a
/// transfer that succeeded had `0 <= base - v` and moved at most that, and then
/// `base - v.next` is in `0 ..= base - v`, without overflow either. (The lowering tests the
/// latch's own comparison on the values after the batch; the until bit only has to end the
/// batch no later than it.) `v.next <= bound` going round is the same test when `base` is
/// `add nsw bound, 1` (clang's form of `got < size` when `size` is `bound + 1`). With an
/// `unsigned` total (`insize < INBUFSIZ`) the comparison is unsigned: the same where
/// `sub nuw nsw base, v` has a constant `base >= 0`, which puts `v` and `v.next` in
/// `0 ..= base`.
fn total_test(
    test: LLVMValueRef,
    goes_on: bool,
    derived: &[Derived],
    carried: &[Carried],
    entries: &[Entry],
    sites: &[Site],
) -> Option<(TestedArg, Until)> {
    // An unsigned comparison (`unsigned insize; ... while (insize < N)`) is the signed
    // one where both sides are non-negative: below.
    let (next, bound, inclusive, unsigned) = less_than(test, goes_on)?;
    // With `sub nuw nsw base, v` and a constant `base >= 0`, `v` is in `0 ..= base` and
    // so is its next value (at most `base`, see `total_test`'s caller): both signed.
    let nonneg = |d: &Derived| {
        let sub = if d.widen.is_some() {
            let x = ir::operand(d.inst, 0);
            clamped_count(x, ir::parent_block(x)).unwrap_or(x)
        } else {
            d.inst
        };
        !unsigned || (no_unsigned_wrap(sub) && ir::const_int(d.base).is_some_and(|c| c >= 0))
    };
    // `base` is the bound, or for an inclusive test `bound + 1` without overflow.
    let past = |base: LLVMValueRef| {
        if !inclusive {
            return base == bound;
        }
        ir::is_instruction(base)
            && ir::opcode(base) == LLVMOpcode::LLVMAdd
            && no_signed_wrap(base)
            && ((ir::operand(base, 0) == bound && ir::const_int(ir::operand(base, 1)) == Some(1))
                || (ir::operand(base, 1) == bound
                    && ir::const_int(ir::operand(base, 0)) == Some(1)))
    };
    let which = derived.iter().position(|d| {
        d.kind == Derive::SubFrom
            // A widened `sub` carries nsw (`derivation_of`).
            && (d.widen.is_some() || no_signed_wrap(d.inst))
            && nonneg(d)
            && past(d.base)
            && d.arg == 2
            && carried[d.carried].next == next
            && counted_transfer(&entries[d.entry], sites)
    })?;
    Some((TestedArg::Derived(which), Until::NonPos))
}

/// `test` as `small < big` (or `small <= big`, inclusive) when the loop goes on, with
/// whether it compares unsigned: `(small, big, inclusive, unsigned)`; `goes_on` tells
/// whether true goes on. Unsigned comparisons are taken strict only (`ult`, `ugt`).
fn less_than(
    test: LLVMValueRef,
    goes_on: bool,
) -> Option<(LLVMValueRef, LLVMValueRef, bool, bool)> {
    use LLVMIntPredicate::*;
    let pred = ir::icmp_predicate(test)?;
    let (l, r) = (ir::operand(test, 0), ir::operand(test, 1));
    Some(match (pred, goes_on) {
        (LLVMIntSLT, true) | (LLVMIntSGE, false) => (l, r, false, false),
        (LLVMIntSGT, true) | (LLVMIntSLE, false) => (r, l, false, false),
        (LLVMIntSLE, true) | (LLVMIntSGT, false) => (l, r, true, false),
        (LLVMIntSGE, true) | (LLVMIntSLT, false) => (r, l, true, false),
        (LLVMIntULT, true) | (LLVMIntUGE, false) => (l, r, false, true),
        (LLVMIntUGT, true) | (LLVMIntULE, false) => (r, l, false, true),
        _ => return None,
    })
}

/// The until of a loop whose test compares a running total with the count's base: `v <
/// base` going on, tested at the top on the total (`v` its phi), or going round in a rotated
/// loop's latch on its next value, where `base - v` is argument 2 of a counted transfer
/// ([`counted_transfer`]) whose result is `v`'s step (and which the caller checks stops the
/// batch on a negative result): the count's next value reaching 0 (`until_zero`). At the top
/// the comparison is unsigned, or signed with `sub nsw base, v`; in a rotated loop it is
/// unsigned and the total starts at 0 (the signed form is [`total_test`]'s). At the start of
/// every iteration `v <= base` (unsigned; the test held, or the total is 0), so the count
/// `base - v` does not wrap; an iteration that completes moved between 0 and that many, so
/// `v.next` is at most `base` and `v.next < base` exactly when `base - v.next`, the count's
/// next value, is not 0. (The lowering goes back to the header with the advanced values, or
/// tests the latch's comparison on them, and the original test decides.)
fn count_test(
    test: LLVMValueRef,
    goes_on: bool,
    rotated: bool,
    derived: &[Derived],
    carried: &[Carried],
    entries: &[Entry],
    sites: &[Site],
) -> Option<(TestedArg, Until)> {
    let (v, bound, inclusive, unsigned) = less_than(test, goes_on)?;
    if inclusive || (rotated && !unsigned) {
        return None;
    }
    // The total's values from the way in (rotated: 0); a re-entry that retries the call
    // brings the total back unchanged (`transform::retry`).
    let starts_at_zero = |c: &Carried| {
        ir::incoming(c.phi)
            .into_iter()
            .filter(|&(x, _)| x != c.next && x != c.phi)
            .all(|(x, _)| ir::const_int(x) == Some(0))
    };
    let which = derived.iter().position(|d| {
        let c = &carried[d.carried];
        let e = &entries[d.entry];
        d.kind == Derive::SubFrom
            && d.widen.is_none()
            && d.base == bound
            && d.arg == 2
            && d.by == d.entry
            && (unsigned || no_signed_wrap(d.inst))
            && if rotated {
                c.next == v && starts_at_zero(c)
            } else {
                c.phi == v
            }
            && !c.minus
            && matches!(&c.step, Step::Result { entry, casts } if *entry == d.entry && casts.is_empty())
            && counted_transfer(e, sites)
    })?;
    Some((TestedArg::Derived(which), Until::Zero))
}

/// Whether a block of `targets` is reachable from `from` (outside the loop `inside`) without
/// entering the loop again.
fn reaches_before_loop(
    from: LLVMBasicBlockRef,
    targets: &[LLVMBasicBlockRef],
    inside: &IndexSet<LLVMBasicBlockRef>,
) -> bool {
    let mut seen = IndexSet::new();
    let mut work = vec![from];
    while let Some(b) = work.pop() {
        if inside.contains(&b) || !seen.insert(b) {
            continue;
        }
        if targets.contains(&b) {
            return true;
        }
        if let Some(t) = ir::terminator(b) {
            work.extend(ir::successors(t));
        }
    }
    false
}

/// System calls whose result, when not negative, is at most their argument 2: `read`,
/// `write`, `pread64`, `pwrite64`, `sendto` (not `readv`/`writev`, whose argument 2 counts
/// buffers); `recvfrom` too, with [`counted_transfer`]'s condition on its flags.
const COUNTED_TRANSFERS: [u32; 5] = [0, 1, 17, 18, 44];

/// `recvfrom`'s number and its flag `MSG_TRUNC`, with which a datagram socket returns the
/// datagram's whole length, more than was asked for.
const RECVFROM: u32 = 45;
const MSG_TRUNC: i64 = 0x20;

/// Whether entry `e`'s result, when not negative, is at most its argument 2: a call of
/// [`COUNTED_TRANSFERS`], or `recvfrom` whose flags are a constant without `MSG_TRUNC`.
pub(super) fn counted_transfer(e: &Entry, sites: &[Site]) -> bool {
    match sites[e.site].nr {
        Some(nr) if COUNTED_TRANSFERS.contains(&nr) => true,
        Some(RECVFROM) => match e.args.get(3) {
            Some(ArgSource::Value(v)) => ir::const_int(*v).is_some_and(|f| f & MSG_TRUNC == 0),
            Some(ArgSource::Zero) => true,
            _ => false,
        },
        _ => false,
    }
}

/// The base of the count `ext (sub nsw base, phi)` that entry `entry`, a counted transfer
/// (`COUNTED_TRANSFERS`), takes as its argument 2 among the derived arguments
/// `derived_insts` of `header`: in every iteration that completes, the entry moves at most
/// `base - phi` bytes, so `phi` plus its result stays at most `base`.
fn counted_to(
    phi: LLVMValueRef,
    entry: usize,
    derived_insts: &[LLVMValueRef],
    header: LLVMBasicBlockRef,
    entries: &[Entry],
    sites: &[Site],
) -> Option<LLVMValueRef> {
    let bounded = entries
        .get(entry)
        .is_some_and(|e| counted_transfer(e, sites));
    if !bounded {
        return None;
    }
    derived_insts.iter().find_map(|&d| {
        let x = derivation_of(d, header)?;
        (x.phi == phi
            && x.kind == Derive::SubFrom
            && x.widen.is_some()
            && passed_as(entries, d).contains(&(entry, 2)))
        .then_some(x.base)
    })
}

/// Whether the arithmetic instruction `inst` carries `nuw`.
fn no_unsigned_wrap(inst: LLVMValueRef) -> bool {
    // SAFETY: inst is a live instruction that takes wrap flags (checked first).
    wraps_flagged(inst) && unsafe { llvm_sys::core::LLVMGetNUW(inst) != 0 }
}

/// Whether `inst` is an instruction that carries `nuw`/`nsw` flags (add, sub, mul, shl):
/// asking another for them is undefined behaviour in LLVM's C API.
fn wraps_flagged(inst: LLVMValueRef) -> bool {
    ir::is_instruction(inst)
        && matches!(
            ir::opcode(inst),
            LLVMOpcode::LLVMAdd | LLVMOpcode::LLVMSub | LLVMOpcode::LLVMMul | LLVMOpcode::LLVMShl
        )
}

/// Whether the arithmetic instruction `inst` carries `nsw`.
fn no_signed_wrap(inst: LLVMValueRef) -> bool {
    // SAFETY: inst is a live instruction that takes wrap flags (checked first).
    wraps_flagged(inst) && unsafe { llvm_sys::core::LLVMGetNSW(inst) != 0 }
}

/// `(v, until)` when `test` compares `v` with 0 and the loop goes on (to the body) exactly
/// while `v != 0` (`until_zero`) or `v > 0` signed (`until_nonpos`); `on` tells whether
/// true goes on.
fn header_test(test: LLVMValueRef, on: bool) -> Option<(LLVMValueRef, Until)> {
    use LLVMIntPredicate::*;
    let pred = ir::icmp_predicate(test)?;
    let v = ir::operand(test, 0);
    let c = ir::const_int(ir::operand(test, 1))?;
    let until = match (pred, c, on) {
        (LLVMIntEQ, 0, false) | (LLVMIntNE, 0, true) | (LLVMIntUGT, 0, true) => Until::Zero,
        (LLVMIntULT, 1, false) => Until::Zero,
        (LLVMIntSGT, 0, true) | (LLVMIntSGE, 1, true) => Until::NonPos,
        (LLVMIntSLT, 1, false) | (LLVMIntSLE, 0, false) => Until::NonPos,
        _ => return None,
    };
    // The batch compares the argument as a 64-bit integer.
    (ir::type_kind(ir::type_of(v)) == LLVMTypeKind::LLVMIntegerTypeKind
        && ir::int_width(ir::type_of(v)) == 64)
        .then_some((v, until))
}

/// The advancing argument `phi` passed as `passed` (entry, argument), or why it is not one.
fn advancing_value(
    phi: LLVMValueRef,
    passed: &[(usize, usize)],
    inside: &IndexSet<LLVMBasicBlockRef>,
    (calls, sites): (&[usize], &[Site]),
    tests: &[LLVMValueRef],
    nonneg: &dyn Fn(usize) -> bool,
) -> Result<Advancing, String> {
    // Passed as several arguments (`pread`'s and `pwrite`'s offset in a copy at the same
    // offsets): each advances by the same result, so they stay equal, as the one value is.
    if passed.is_empty() {
        return Err("it is passed to no call".into());
    }
    let ty = ir::type_of(phi);
    let kind = ir::type_kind(ty);
    let pointer = kind == LLVMTypeKind::LLVMPointerTypeKind;
    let i64_like = kind == LLVMTypeKind::LLVMIntegerTypeKind && ir::int_width(ty) == 64;
    if !pointer && !i64_like {
        return Err("it is neither a 64-bit integer nor a pointer".into());
    }
    let next = value_round(phi, inside)?;
    // A next value joined in the latch by a stop that goes back into the loop (`if (errno ==
    // EINTR) continue;` in a write-all loop: `phi [ %p.adv, %more ], [ %p, %retry ]`): on
    // the way round the batch runs it is the advanced value; the retry's way is original code.
    let moved = match reentry::step_through_latch(next, inside) {
        Ok(v) if ir::is_phi(next) && ir::parent_block(next) != ir::parent_block(phi) => v,
        _ => next,
    };
    let (down, step) = match ir::opcode(moved) {
        LLVMOpcode::LLVMAdd if !pointer && ir::operand(moved, 0) == phi => {
            (false, ir::operand(moved, 1))
        }
        LLVMOpcode::LLVMAdd if !pointer && ir::operand(moved, 1) == phi => {
            (false, ir::operand(moved, 0))
        }
        LLVMOpcode::LLVMSub if !pointer && ir::operand(moved, 0) == phi => {
            (true, ir::operand(moved, 1))
        }
        LLVMOpcode::LLVMGetElementPtr
            if pointer && ir::operand(moved, 0) == phi && ir::byte_gep(moved) =>
        {
            (false, ir::operand(moved, 1))
        }
        _ => {
            return Err(format!(
                "its next value '{}' is not itself plus or minus a result",
                ir::describe(moved)
            ))
        }
    };
    // A step joined in the latch by a stop that goes back into the loop (Stevens' `writen`:
    // `if (n < 0 && errno == EINTR) n = 0;` before `left -= n`): on the way round the batch
    // runs it is the result; the other ways are original code. (A phi of the header would
    // carry the result of the iteration before: not this one's.)
    let joined = ir::is_instruction(step)
        && ir::is_phi(step)
        && ir::parent_block(step) != ir::parent_block(phi);
    let step = match reentry::step_through_latch(step, inside) {
        Ok(v) if joined && calls.iter().any(|&c| sites[c].call == v) => v,
        _ => step,
    };
    // Through clang's forms of `(long)(int)n` (`ashr exact (shl %r, 32), 32`, `and %r,
    // 2147483647`, `sext (trunc %r)`): the result itself when it is a transfer's (below
    // 2^31, `MAX_RW_COUNT`) that a completed iteration leaves not negative (its entry stops
    // on an error). The batch advances the argument by the raw result.
    let (base, narrowed) = conditions::result_through_casts(step);
    let by_cast = |c: usize| {
        let site = &sites[calls[c]];
        base != step
            && site.call == base
            && ir::int_width(ir::type_of(step)) == 64
            && (!narrowed
                || (site.nr.is_some_and(|nr| BOUNDED_TRANSFERS.contains(&nr)) && nonneg(c)))
    };
    let Some(by) = calls
        .iter()
        .position(|&c| sites[c].call == step)
        .or_else(|| (0..calls.len()).find(|&c| by_cast(c)))
    else {
        return Err(format!(
            "its step '{}' is not the 64-bit result of a call of the loop",
            ir::describe(step)
        ));
    };
    if ir::int_width(ir::type_of(step)) != 64 {
        return Err("its step is not a 64-bit result".into());
    }
    let callers: Vec<LLVMValueRef> = passed.iter().map(|&(e, _)| sites[calls[e]].call).collect();
    let uses = [
        (phi, vec![next, moved]),
        (next, vec![phi]),
        (moved, vec![next, phi]),
    ];
    for (v, allowed) in uses {
        let allowed = |user: LLVMValueRef| {
            allowed.contains(&user)
                || tests.contains(&user)
                || (v == phi && callers.contains(&user))
        };
        // By the use's block too: a phi of the header takes the value unchanged from a
        // re-entry block that goes back to it (`reentry`), which is original code.
        if let Some((user, _)) = ir::users(v).into_iter().find(|&(user, at)| {
            inside.contains(&ir::parent_block(user)) && inside.contains(&at) && !allowed(user)
        }) {
            return Err(format!(
                "'{}' uses {} in the loop",
                ir::describe(user),
                ir::value_name(v)
            ));
        }
    }
    Ok(Advancing {
        phi,
        next,
        uses: passed.iter().map(|&(e, a)| (e, a as u8)).collect(),
        by,
        down,
    })
}

/// Whether `cond`, a test on the way out after a call, can be computed again where a stop
/// leaves the batch: integer arithmetic, casts and comparisons in the loop over the results
/// of `calls` (the entries up to the one that stopped), the header's `phis` (whose values at
/// the stopped iteration's start the lowering has) and values from outside the loop.
fn recomputable(
    cond: LLVMValueRef,
    calls: &[LLVMValueRef],
    phis: &[LLVMValueRef],
    inside: &IndexSet<LLVMBasicBlockRef>,
) -> bool {
    computed_from(cond, &|v| calls.contains(&v) || phis.contains(&v), inside)
}

/// Whether `v` is computed in the loop (`inside`) only by integer and address arithmetic,
/// casts, comparisons and selects, which cannot fault and touch no memory, from values the
/// lowering has where it computes `v` again (`known`) and values defined outside the loop.
pub(super) fn computed_from(
    v: LLVMValueRef,
    known: &dyn Fn(LLVMValueRef) -> bool,
    inside: &IndexSet<LLVMBasicBlockRef>,
) -> bool {
    use LLVMOpcode::*;
    let mut work = vec![v];
    let mut seen = IndexSet::new();
    while let Some(v) = work.pop() {
        if !seen.insert(v) || !ir::is_instruction(v) || known(v) {
            continue;
        }
        if !inside.contains(&ir::parent_block(v)) {
            continue;
        }
        let computes = matches!(
            ir::opcode(v),
            LLVMICmp
                | LLVMTrunc
                | LLVMZExt
                | LLVMSExt
                | LLVMAnd
                | LLVMOr
                | LLVMXor
                | LLVMAdd
                | LLVMSub
                | LLVMMul
                | LLVMShl
                | LLVMLShr
                | LLVMAShr
                | LLVMSelect
                | LLVMGetElementPtr
        );
        if !computes {
            return false;
        }
        work.extend((0..ir::num_operands(v)).map(|k| ir::operand(v, k)));
    }
    true
}

/// The test of `block` when it is one more test of `call`'s result on the way round: entered
/// from `prev` alone, its branch compares the result (or a cast of it) with a constant and
/// leaves the loop one way. Returns (the branch, its condition, the block it stays to, the
/// block it leaves to, whether true stays).
fn result_test(
    block: LLVMBasicBlockRef,
    prev: LLVMBasicBlockRef,
    call: LLVMValueRef,
    inside: &IndexSet<LLVMBasicBlockRef>,
) -> Option<(
    LLVMValueRef,
    LLVMValueRef,
    LLVMBasicBlockRef,
    LLVMBasicBlockRef,
    bool,
)> {
    if ir::predecessors(block) != [prev] {
        return None;
    }
    let term = ir::terminator(block)?;
    let (cond, t, f) = ir::conditional_branch(term)?;
    let (stays_if_true, on, off) = match (inside.contains(&t), inside.contains(&f)) {
        (true, false) => (true, t, f),
        (false, true) => (false, f, t),
        _ => return None,
    };
    if !ir::is_instruction(cond) || ir::opcode(cond) != LLVMOpcode::LLVMICmp {
        return None;
    }
    let (l, r) = (ir::operand(cond, 0), ir::operand(cond, 1));
    let of_result = |v: LLVMValueRef| conditions::result_through_casts(v).0 == call;
    // Against a constant, or against one of the call's arguments (`if (w != n)` after `if (w
    // < 0)`: the result against the count it was given).
    let args = ir::call_args(call);
    let fixed = |v: LLVMValueRef| {
        ir::is_constant(v)
            || args
                .iter()
                .any(|&a| ir::strip_int_casts(a) == ir::strip_int_casts(v))
    };
    let tested = (of_result(l) && fixed(r)) || (of_result(r) && fixed(l));
    tested.then_some((term, cond, on, off, stays_if_true))
}

/// As `reentry::choose`, when the way round first tests the call's result again (Stevens'
/// `readn`: `n < 0` goes to the `EINTR` retry, then `n == 0` leaves): the side whose further
/// tests of the result (`result_test`) lead on to the way round is it, and the other, entered
/// from `block` alone, is the re-entry.
fn choose_through_tests(
    block: LLVMBasicBlockRef,
    header: LLVMBasicBlockRef,
    t: LLVMBasicBlockRef,
    f: LLVMBasicBlockRef,
    call: LLVMValueRef,
    inside: &IndexSet<LLVMBasicBlockRef>,
) -> Option<bool> {
    let round_after_tests = |x: LLVMBasicBlockRef| {
        let (mut prev, mut x) = (block, x);
        let mut tested = false;
        loop {
            let next = match switch_test(x, prev, inside) {
                Some(_) => ir::terminator(x).map(|t| ir::successors(t)[0]),
                None => result_test(x, prev, call, inside).map(|(_, _, next, _, _)| next),
            };
            let Some(next) = next else {
                break;
            };
            (prev, x, tested) = (x, next, true);
            if x == header {
                break;
            }
        }
        tested && reentry::goes_round(x, prev, header)
    };
    let only_from_block = |x: LLVMBasicBlockRef| ir::predecessors(x) == [block] && x != header;
    match (round_after_tests(t), round_after_tests(f)) {
        (true, false) if only_from_block(f) => Some(true),
        (false, true) if only_from_block(t) => Some(false),
        _ => None,
    }
}

/// The blocks of the loop (`inside`) that the stops of the calls before the last reach when
/// they go back into the loop (`gap_exits`' targets in it, not the header), up to the
/// header, the way round's blocks (`round`) and the blocks of the chain's calls (`calls`):
/// original code a stop enters, which the batch does not run.
fn gap_reentry_blocks(
    gap_exits: &[(Stop, Vec<(LLVMValueRef, LLVMBasicBlockRef)>)],
    header: LLVMBasicBlockRef,
    inside: &IndexSet<LLVMBasicBlockRef>,
    round: &[LLVMBasicBlockRef],
    calls: &IndexSet<LLVMBasicBlockRef>,
) -> Vec<LLVMBasicBlockRef> {
    let mut out: IndexSet<LLVMBasicBlockRef> = IndexSet::new();
    let mut work: Vec<LLVMBasicBlockRef> = gap_exits
        .iter()
        .flat_map(|(_, ex)| ex.iter().map(|&(_, off)| off))
        .filter(|off| inside.contains(off) && *off != header)
        .collect();
    while let Some(b) = work.pop() {
        if b == header
            || !inside.contains(&b)
            || round.contains(&b)
            || calls.contains(&b)
            || !out.insert(b)
        {
            continue;
        }
        work.extend(ir::successors_of(b));
    }
    out.into_iter().collect()
}
