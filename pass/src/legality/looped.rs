//! Whether a whole loop may become one looped multi-call (`multicall_loop`, the paper's
//! section 3.4): the straight conditions over the chain `c0 .. ck`, and what makes the loop
//! around it exactly that chain, run again and again.
//!
//! The loop's blocks are those reachable from the header (the block of `c0`) that can come
//! back to it. The chain is a whole loop when:
//!
//! - the header begins with `c0` (only its phis, debug records and counters' next values
//!   before it), and each phi is
//!   a value the batch can carry (`carried`): `v = phi [init, preheader], [next, latch]` with
//!   `next = v + step` or `v - step`, an integer of at most 64 bits used in the loop by `next`
//!   alone, whose step is either defined before the loop (a counter: after `k` completed
//!   iterations `v` is `init + k * step`) or a call's result through integer casts (a running
//!   total: `init` plus the sum of the results, which `MC_BATCH_SUMS` keeps). The sum of the
//!   raw results, truncated, is the sum of the cast results when the casts only truncate, or
//!   when every extension widens at least 32 bits of the result of a transfer call (`read`,
//!   `write` and their kin, whose results the kernel bounds by `MAX_RW_COUNT` < 2^31; in a
//!   completed iteration every result is a success, so non-negative);
//! - one block outside the loop enters it (the preheader);
//! - the walk from `ck` goes back to the header (the back edge), safely and with at most one
//!   conditional branch, a stop predicate of `ck`;
//! - every call has a stop predicate, its gap's branch, which leaves the loop: the predicates
//!   are the loop's only exits (the walks allow no other branch, and a block outside can come
//!   back only through the preheader, the one way in);
//! - no argument is computed in the loop (every argument is invariant or, in a later entry,
//!   the result of an earlier entry of the same iteration);
//! - nothing in the loop reads memory (a flag set by a signal handler, a buffer the calls
//!   fill), and no value computed in the loop but the calls' results and the carried values
//!   (the phis and their `next`) is used after it.

use indexmap::{IndexMap, IndexSet};
use std::collections::VecDeque;

use llvm_sys::prelude::{LLVMBasicBlockRef, LLVMValueRef};

use super::{
    advance, clamp, conditions, counted, dead_buffers, facts, resume, watch, Checker, Reason,
    Refusal,
};
use crate::ir;
use crate::plan::{
    ArgSource, Buffers, Carried, Cast, Entry, ExitKind, Least, LoopExit, Looped, Period,
    PeriodTest, Step, Stop, Watch,
};
use crate::shim::{flags, Shim};
use crate::sites::Site;
use llvm_sys::LLVMOpcode;
use multicall_abi::MC_MAX_WATCHES;

/// What `check_leaving` finds: the exits, the entries with their stops, whether the buffers
/// are dead after the loop, and the flag the way round tests.
type Leaving = (Vec<LoopExit>, Vec<Entry>, Buffers, Option<Watch>);

impl Checker<'_> {
    /// Checks the loop around the chain `calls` (site indices in program order, `calls[0]`
    /// first in the loop's header); on success returns its plan.
    pub(crate) fn check_loop(&mut self, calls: &[usize]) -> Result<Looped, Refusal> {
        let mut looped = self.check_loop_body(calls)?;
        // The tests between the calls of conditions set before the chain (`if (verbose)
        // fprintf(..)` between a read and its write): the batch runs only when each has the
        // value of the way between the calls, and it keeps it through every iteration only
        // when it is set before the loop.
        let gaps = match self.legal.get(calls) {
            Some(l) => l.gaps.clone(),
            None => return Err(Refusal::new(self.sites[calls[0]].call, Reason::Malformed)),
        };
        let inside: IndexSet<LLVMBasicBlockRef> = looped.blocks.iter().copied().collect();
        let outside =
            |v: LLVMValueRef| !ir::is_instruction(v) || !inside.contains(&ir::parent_block(v));
        // A stop that holds only for a positive argument: the lowering checks the argument
        // once, before the batch, so it must have that value in every iteration.
        for e in &looped.entries {
            if let Stop::NeArg(k, Least::One) = e.stop {
                if let Some(&ArgSource::Value(value)) = e.args.get(usize::from(k)) {
                    if !outside(value) {
                        let (site, k) = (e.site, usize::from(k));
                        return Err(Refusal::new(
                            self.sites[site].call,
                            Reason::VariantArgument { site, k, value },
                        ));
                    }
                }
            }
        }
        for (branch, g) in gaps
            .iter()
            .flat_map(|g| g.guards.iter().map(|g| (g.branch, &g.test)))
        {
            // Its loads read memory no call of the batch writes (the chain's check), and
            // nothing else runs in the batch's iterations: from an address set before the
            // loop, they read the same in every iteration.
            let invariant = ir::computed_from(g.cond, super::GUARD_DEPTH, &mut |v| {
                outside(v) || (g.loads.contains(&v) && outside(ir::operand(v, 0)))
            });
            if !invariant {
                let cond = g.cond;
                return Err(Refusal::new(branch, Reason::GuardInLoop { branch, cond }));
            }
            if !looped.guards.contains(&(g.cond, g.value)) {
                looped.guards.push((g.cond, g.value));
            }
            for &load in &g.loads {
                if !looped.guard_loads.contains(&load) {
                    looped.guard_loads.push(load);
                }
            }
        }
        Ok(looped)
    }

    /// `check_loop` but for the guards between its calls.
    fn check_loop_body(&mut self, calls: &[usize]) -> Result<Looped, Refusal> {
        let sites = self.sites;
        if let Some(&site) = calls.iter().find(|&&c| sites[c].converts_sigaction()) {
            return Err(Refusal::new(
                sites[site].call,
                Reason::SigactionNotFirst { site },
            ));
        }
        let legal = self.check_chain(calls)?;
        let (straight, gaps) = (legal.plan.clone(), legal.gaps.clone());
        // Flags tested between the calls: only a loop whose stops resume it reads them (a
        // stop at the earlier call's entry resumes the original, which makes the test).
        if let Some(refusal) = gaps.iter().find_map(|g| g.unwatched.clone()) {
            return self.or_resuming(calls, straight.entries, &gaps, refusal);
        }
        let c0 = calls[0];
        let header = ir::parent_block(sites[c0].call);
        let blocks = loop_blocks(self.shim, header);
        let heads_loop = blocks.len() >= 2 || ir::successors_of(header).contains(&header);
        // A block of the loop that enters the first call's without passing it: the loop's
        // header comes before the first call. When it tests where to go and that is not an
        // advancing loop's test (a write-all loop merged into the copy loop around it), a
        // loop whose stops resume it may take it.
        let entered_within = !heads_loop
            && ir::predecessors(header).into_iter().any(|p| {
                !p.is_null()
                    && ir::terminator(p).is_some_and(|t| !self.shim.dominates(sites[c0].call, t))
                    && ir::block_reaches(header, p)
            });
        // Arguments that are the header's phis advance (write-all, read-until-full loops).
        let inside_set: IndexSet<LLVMBasicBlockRef> = blocks.iter().copied().collect();
        let form = match advance::tested_header(header) {
            Some(tested) if !heads_loop => Some(advance::Form::Top { header: tested }),
            // Or a counter the latch tests against a bound (`for (i = 0; i < n; i++)`).
            _ if heads_loop
                && (passes_phi(&straight.entries, header)
                    || counted::tests_counter(header, &inside_set)) =>
            {
                Some(advance::Form::Rotated)
            }
            _ => None,
        };
        // Or a total the latch tests against a limit (`if (total >= limit) break;`): taken so
        // when that form checks, else as before.
        let bounded_total = form.is_none() && heads_loop && clamp::tests_total(header, &inside_set);
        // The iterations a looped batch runs skip the code between the calls: a store or a
        // call there, which a straight batch runs in place, would not run at all.
        if form.is_some() || heads_loop {
            if let Some(&inst) = gaps.iter().flat_map(|g| g.straight_only.iter()).next() {
                return Err(Refusal::new(inst, Reason::LoopGapEffect { inst }));
            }
        }
        if bounded_total && !gaps.iter().any(|g| !g.straight_only.is_empty()) {
            let gap_exits = gaps.iter().map(|g| (g.stop, g.exits.clone())).collect();
            let gap_loads = unguarded_loads(&gaps);
            let entries = straight.entries.clone();
            let rotated = advance::Form::Rotated;
            if let Ok(looped) = self.check_advancing(calls, entries, gap_exits, gap_loads, rotated)
            {
                return Ok(looped);
            }
        }
        if let Some(form) = form {
            let gap_exits = gaps.iter().map(|g| (g.stop, g.exits.clone())).collect();
            let gap_loads = unguarded_loads(&gaps);
            let entries = straight.entries.clone();
            let rotated = matches!(form, advance::Form::Rotated);
            return match self.check_advancing(calls, entries, gap_exits, gap_loads, form) {
                Err(refusal) if entered_within => {
                    self.or_resuming(calls, straight.entries, &gaps, refusal)
                }
                // A rotated loop whose way round computes what the advancing form cannot
                // take (`n == BS ? full++ : part++`, the last block's length), or whose
                // counter does not step by 1, may resume after its stops instead: there a
                // stop can be made stronger, so that the way round is decided, and the
                // latch's counter test is a period test (`resume::period_here`, a counter by
                // any step). Other refusals are left to the transformations that act on
                // them, which give the advancing form.
                Err(refusal)
                    if rotated
                        && matches!(
                            refusal.reason,
                            Reason::WayRound { .. }
                                | Reason::LoopCarried { .. }
                                | Reason::CounterTest { .. }
                        ) =>
                {
                    self.check_resuming(calls, straight.entries, &gaps)
                        .map_err(|resumed| match resumed.reason {
                            // The advancing form's judgement of a counter says more.
                            _ if matches!(refusal.reason, Reason::CounterTest { .. }) => refusal,
                            // It went round but for the latch's test: that says more.
                            Reason::PeriodNotTotal { .. } | Reason::PeriodNotCounter { .. } => {
                                resumed
                            }
                            _ => refusal,
                        })
                }
                checked => checked,
            };
        }
        let entries = straight.entries;
        let leaving = self.check_plain(calls, entries.clone(), &gaps, header, heads_loop, blocks);
        match leaving {
            Ok(looped) => Ok(looped),
            // Stops that go back into the loop, or a way round with more than one test: a
            // stop may instead resume the original loop after its call.
            Err(refusal) => self.or_resuming(calls, entries, &gaps, refusal),
        }
    }

    /// The loop as one whose stops resume it (3d), when `refusal` refused it otherwise: the
    /// plan, or whichever refusal says more.
    fn or_resuming(
        &mut self,
        calls: &[usize],
        entries: Vec<Entry>,
        gaps: &[std::rc::Rc<super::GapFacts>],
        refusal: Refusal,
    ) -> Result<Looped, Refusal> {
        match self.check_resuming(calls, entries, gaps) {
            Ok(looped) => Ok(looped),
            Err(resumed) if resume_says_more(&refusal, &resumed) => Err(resumed),
            Err(_) => Err(refusal),
        }
    }

    /// A plain whole loop headed by the first call's block whose stops leave it (3b).
    fn check_plain(
        &mut self,
        calls: &[usize],
        entries: Vec<Entry>,
        gaps: &[std::rc::Rc<super::GapFacts>],
        header: LLVMBasicBlockRef,
        heads_loop: bool,
        blocks: Vec<LLVMBasicBlockRef>,
    ) -> Result<Looped, Refusal> {
        let sites = self.sites;
        let c0 = calls[0];
        if !heads_loop {
            return Err(Refusal::new(sites[c0].call, Reason::NotALoop { site: c0 }));
        }
        let inside: IndexSet<LLVMBasicBlockRef> = blocks.iter().copied().collect();
        invariant_arguments(&entries, sites, &inside, &[])?;
        let preheader = one_way_in(header, &inside, sites[c0].call)?;
        // In a completed iteration every entry passed its stop (the last call's is the back
        // edge's, which `check_leaving` finds): one that stops on an error leaves a result
        // that is not negative.
        let carried_with = |entries: &[Entry]| {
            let nonneg = |e: usize| entries.get(e).is_some_and(|x| x.stop.stops_on_error());
            header_values(self.shim, header, sites, c0, Vec::new(), |phi| {
                carried_value(phi, &inside, calls, sites, &[], &nonneg, &|_| None)
            })
        };
        let carried = carried_with(&entries);
        let (exits, entries, buffers, watch) =
            match self.check_leaving(calls, entries, gaps, header, &blocks) {
                Ok(leaving) => leaving,
                // A carried value's refusal first, as it says more.
                Err(refusal) => {
                    carried?;
                    return Err(refusal);
                }
            };
        let carried = match carried {
            Ok(carried) => carried,
            Err(_) => carried_with(&entries)?,
        };
        // Only the calls' results and the carried values are used after the loop.
        let calls_ir: IndexSet<LLVMValueRef> = calls
            .iter()
            .map(|&c| sites[c].call)
            .chain(carried.iter().flat_map(|c| [c.phi, c.next]))
            .collect();
        nothing_else_escapes(&blocks, &inside, &calls_ir)?;
        Ok(Looped {
            entries,
            header,
            preheader,
            blocks,
            exits,
            buffers,
            carried,
            advancing: Vec::new(),
            derived: Vec::new(),
            tested: None,
            tested_by: None,
            prefix: Vec::new(),
            handed: Vec::new(),
            decided: Vec::new(),
            remade: Vec::new(),
            aliases: Vec::new(),
            ways: Vec::new(),
            stop_tests: Vec::new(),
            watches: watch.into_iter().collect(),
            guards: Vec::new(),
            guard_loads: Vec::new(),
            period: None,
        })
    }

    /// The exits of a plain whole loop whose every stop leaves it (or, for an unchecked last
    /// call, goes round: `ExitKind::Round`), with the entries' stops, whether the buffers are
    /// dead after the loop, and the flag the way round tests after the last call's tests
    /// (`watch`), if it tests one.
    fn check_leaving(
        &mut self,
        calls: &[usize],
        mut entries: Vec<Entry>,
        gaps: &[std::rc::Rc<super::GapFacts>],
        header: LLVMBasicBlockRef,
        blocks: &[LLVMBasicBlockRef],
    ) -> Result<Leaving, Refusal> {
        let sites = self.sites;
        let (c0, ck) = (calls[0], calls[calls.len() - 1]);
        let inside: IndexSet<LLVMBasicBlockRef> = blocks.iter().copied().collect();
        // The way round: the back edge from ck to the header.
        let back = facts::gather(
            self.shim,
            &mut self.reach,
            &sites[ck],
            &sites[c0],
            std::ptr::null_mut(),
        );
        let (watch, back) = match watch::split(&back, &inside) {
            Some((watch, rest)) => (Some(watch), rest),
            None => (None, back),
        };
        let back_stop = conditions::back_edge(&back, sites, ck, c0, header)?;
        let back_exits: Vec<_> = back.exits().collect();
        let back_loads = conditions::loads(&back);

        // Every call stops the batch at its own predicate, which leaves the loop for good.
        let mut exits = Vec::with_capacity(entries.len());
        let last = entries.len() - 1;
        for (i, e) in entries.iter_mut().enumerate() {
            let (stop, gap_exits) = match gaps.get(i) {
                Some(g) => (g.stop, g.exits.clone()),
                None => (back_stop, back_exits.clone()),
            };
            // The last call, unchecked: the original goes round whatever it returns.
            if i == last && stop == Stop::Never && gap_exits.is_empty() {
                if let Some(exit) = going_round(e, sites, header) {
                    exits.push(exit);
                    continue;
                }
            }
            let (branch, off) = match (stop, &gap_exits[..]) {
                (Stop::Never, _) | (_, []) => {
                    return Err(Refusal::new(
                        sites[e.site].call,
                        Reason::NoStop { site: e.site },
                    ))
                }
                (_, [(branch, off)]) => (*branch, *off),
                // Several tests: which one sends a stopped result out is the original
                // code's to say (a loop whose stops resume it).
                (_, [_, (second, _), ..]) => {
                    return Err(Refusal::new(
                        *second,
                        Reason::SeveralExits {
                            site: e.site,
                            second: *second,
                        },
                    ))
                }
            };
            exits.push(leaving(e, stop, (branch, off), &inside)?);
        }
        no_load_round(gaps, &back_loads)?;
        let buffers = dead_buffers::check(self.shim, &entries, sites, header);
        Ok((exits, entries, buffers, watch))
    }

    /// A plain whole loop whose stops resume the original loop right after their calls
    /// (`resume`, 3d): its header is where the way round from the last call comes back by a
    /// back edge (the first call's block, or a block before it whose way to the call only
    /// passes phis of values defined before the loop); each entry's stop is the chain's (an
    /// unchecked call stops on errors, to set errno), the last call's the weakest under which
    /// the way round is certain.
    fn check_resuming(
        &mut self,
        calls: &[usize],
        entries: Vec<Entry>,
        gaps: &[std::rc::Rc<super::GapFacts>],
    ) -> Result<Looped, Refusal> {
        match self.check_resuming_with(calls, entries.clone(), gaps, false) {
            // A count that only a stronger stop of an earlier call decides (dd's full and
            // partial records, `full += (r == bs)`): stopping on every short transfer too.
            Err(refusal) if matches!(refusal.reason, Reason::LoopCarried { .. }) => self
                .check_resuming_with(calls, entries, gaps, true)
                .map_err(|_| refusal),
            checked => checked,
        }
    }

    /// `check_resuming` with the earlier calls' stops as their gaps say or, with
    /// `strengthen`, one of them stopping on every result but its length
    /// (`resume::way_round`).
    fn check_resuming_with(
        &mut self,
        calls: &[usize],
        mut entries: Vec<Entry>,
        gaps: &[std::rc::Rc<super::GapFacts>],
        strengthen: bool,
    ) -> Result<Looped, Refusal> {
        let (shim, sites) = (self.shim, self.sites);
        let (c0, ck) = (calls[0], calls[calls.len() - 1]);
        for (e, g) in entries.iter_mut().zip(gaps) {
            e.stop = match g.stop {
                Stop::Never => Stop::Neg,
                stop => stop,
            };
        }
        // A test of a result between the calls whose other way comes back: that call stops
        // on every result but its length, where the test goes the path's way.
        for (i, g) in gaps.iter().enumerate() {
            let Some(least) = g.length_stop else {
                continue;
            };
            let site = entries[i].site;
            entries[i].stop =
                resume::stronger_stop(shim, &entries, &entries[i], &sites[site], least)
                    .ok_or_else(|| Refusal::new(sites[site].call, Reason::NoLengthStop { site }))?;
        }
        let on_path: IndexMap<LLVMValueRef, LLVMValueRef> =
            gaps.iter().flat_map(|g| g.on_path.clone()).collect();
        let round = resume::way_round(shim, sites, &mut entries, &on_path, strengthen)?;
        let pins = resume::pins(&entries, sites);
        let stops: Vec<Stop> = entries.iter().map(|e| e.stop).collect();
        let nonneg = |e: usize| stops.get(e).is_some_and(|s| s.stops_on_error());
        // A header that tests where the way round goes before the first call: the batch
        // begins at the first call, where the way round and every other way there enter.
        let inside: IndexSet<LLVMBasicBlockRef> = round.blocks.iter().copied().collect();
        let carried_of = |phi| {
            resume::carried(
                phi,
                &inside,
                &round.walked,
                ir::parent_block(sites[ck].call),
                calls,
                sites,
                (&pins, &nonneg, &on_path),
            )
        };
        let (header, tested_carried) = if round.prefix_decides {
            tested_header_start(shim, sites, c0, &round, &carried_of)?
        } else {
            (round.header, Vec::new())
        };
        // An argument that is a phi between the header and the first call is its value on
        // the way round.
        for e in entries.iter_mut() {
            for a in e.args.iter_mut() {
                if let ArgSource::Value(v) = a {
                    if let Some(&(_, w)) = round.prefix.iter().find(|&&(p, _)| p == *v) {
                        *v = w;
                    }
                }
            }
        }
        invariant_arguments(&entries, sites, &inside, &[])?;
        let preheader = one_way_in(round.header, &inside, sites[c0].call)?;
        no_load_round(gaps, &conditions::loads(&round.gap))?;
        let carried = header_values(shim, header, sites, c0, tested_carried, carried_of)?;
        // Between the header and the first call, only counters' next values (a header that
        // tests is `tested_header_start`'s).
        for &inst in round.prefix_code.iter().filter(|_| !round.prefix_decides) {
            if !counter_step(&carried, inst) {
                return Err(Refusal::new(inst, Reason::HeaderCode { inst, first: c0 }));
            }
        }
        if let Some(&inst) = conditions::straight_only(&round.gap).first() {
            return Err(Refusal::new(inst, Reason::LoopGapEffect { inst }));
        }
        let handed = resume::handed(shim, sites, &entries, &on_path);
        let given: Vec<(LLVMValueRef, usize)> = round
            .prefix
            .iter()
            .map(|&(p, _)| (p, 0))
            .chain(handed.iter().map(|&(p, _, first)| (p, first)))
            .collect();
        // A carried value whose latch phi also takes a retry's unchanged value: its value
        // along the way round is the next one a stop hands back.
        let last_block = ir::parent_block(sites[ck].call);
        let ways: Vec<(usize, LLVMValueRef)> = carried
            .iter()
            .enumerate()
            .map(|(k, c)| (k, resume::along_way(c.next, &round.walked, last_block)))
            .filter(|&(k, w)| w != carried[k].next && w != carried[k].phi && ir::is_instruction(w))
            .collect();
        let resume::Needs {
            nexts,
            decided,
            remade,
        } = resume::needs(
            shim,
            sites,
            &entries,
            (&carried, &ways),
            &given,
            (&round.blocks, &[header, round.header]),
            &on_path,
        )?;
        let last_nexts = nexts.last().copied().unwrap_or(0);
        let exits: Vec<LoopExit> = entries
            .iter()
            .zip(nexts)
            .map(|(e, nexts)| LoopExit {
                from: ir::parent_block(sites[e.site].call),
                to: header,
                kind: ExitKind::Resume { nexts },
            })
            .collect();
        // Conditions the way round takes as it found them, defined before the loop: the batch
        // runs only when they hold so.
        let mut guards = Vec::new();
        for &(branch, cond, value) in &round.invariant {
            if !resume::invariant_condition(cond, &inside) {
                return Err(Refusal::new(
                    branch,
                    Reason::ResumeUnknownWay {
                        branch,
                        site: ck,
                        stop: entries[entries.len() - 1].stop,
                    },
                ));
            }
            guards.push((cond, value));
        }
        // The flags the way round tests: the batch watches them, and where one would go the
        // other way the original resumes after the last call, as a stop there does.
        let mut watches = Vec::with_capacity(round.flags.len());
        for f in &round.flags {
            let size = watch::flag_size(f.load, &inside).ok_or_else(|| {
                Refusal::new(
                    f.branch,
                    Reason::ResumeUnknownWay {
                        branch: f.branch,
                        site: ck,
                        stop: entries[entries.len() - 1].stop,
                    },
                )
            })?;
            watches.push(Watch {
                load: f.load,
                cmp: f.cmp,
                exit: LoopExit {
                    from: ir::parent_block(f.branch),
                    to: f.off,
                    kind: ExitKind::Resume { nexts: last_nexts },
                },
                round_if_true: f.round_if_true,
                size,
                leaves_on_zero: !f.round_on_zero,
                after: None,
            });
        }
        // The flags tested between two calls: the batch reads each after the earlier call,
        // and where one would go the other way the batch stops at that entry, whose stop
        // resumes the original after its call, which makes the test.
        let mut between = Vec::new();
        for (i, g) in gaps.iter().enumerate() {
            for w in &g.watched {
                let ptr = ir::operand(w.load, 0);
                if ir::is_instruction(ptr) && inside.contains(&ir::parent_block(ptr)) {
                    return Err(Refusal::new(
                        w.branch,
                        Reason::ResumeUnknownWay {
                            branch: w.branch,
                            site: ck,
                            stop: entries[i].stop,
                        },
                    ));
                }
                between.push(Watch {
                    load: w.load,
                    cmp: w.cmp,
                    exit: LoopExit {
                        from: ir::parent_block(w.branch),
                        to: w.off,
                        kind: exits[i].kind,
                    },
                    round_if_true: w.round_if_true,
                    size: w.size,
                    leaves_on_zero: w.leaves_on_zero,
                    after: Some(i),
                });
            }
        }
        if between.len() + watches.len() > MC_MAX_WATCHES {
            let branch = between[0].exit.from;
            let inst = ir::terminator(branch).unwrap_or(sites[ck].call);
            return Err(Refusal::new(
                inst,
                Reason::ResumeUnknownWay {
                    branch: inst,
                    site: ck,
                    stop: entries[entries.len() - 1].stop,
                },
            ));
        }
        // In the order a batch reads them: by the entry they follow, the way round's last.
        between.append(&mut watches);
        let watches = between;
        // A counter's remainder the way round tests: the batch runs at most the iterations
        // up to the one in which it would go the other way, where the original resumes after
        // the last call, as a stop there does.
        let period = match round.period {
            None => None,
            Some(p) => Some(period_of(
                &p,
                &carried,
                &round.walked,
                last_block,
                last_nexts,
                (&entries, sites, &inside),
            )?),
        };
        let buffers = match dead_buffers::uses(self.shim, &entries, sites, header) {
            Ok(others) if others.is_empty() => {
                resume::dead_on_resume(sites, &entries, header, &round.blocks, &on_path)
            }
            Ok(others) => {
                let (base, site, user) = others[0];
                let why = dead_buffers::also_used(base, &sites[site], user);
                let users: Vec<_> = others.iter().map(|&(_, _, u)| u).collect();
                let function = ir::block_function(header);
                let is_static = others
                    .iter()
                    .any(|&(b, _, _)| dead_buffers::seen_again(b, function));
                resume::live_at_stop(
                    sites,
                    &entries,
                    header,
                    &round.blocks,
                    &on_path,
                    &users,
                    is_static,
                    why,
                )
            }
            Err(why) => Buffers::Live(why),
        };
        Ok(Looped {
            entries,
            header,
            preheader,
            blocks: round.blocks,
            exits,
            buffers,
            carried,
            advancing: Vec::new(),
            derived: Vec::new(),
            tested: None,
            tested_by: round.prefix_decides.then_some(round.header),
            prefix: round.prefix,
            handed,
            decided,
            remade,
            aliases: on_path
                .iter()
                .map(|(&p, &v)| (p, v))
                .filter(|&(p, _)| ir::is_phi(p))
                .collect(),
            ways,
            stop_tests: Vec::new(),
            watches,
            guards,
            guard_loads: Vec::new(),
            period,
        })
    }
}

/// The plan of the period test `p` met on the way round, whose value is a counter of
/// `carried` stepping up by 1 (its value at the iteration's start, or its next value along
/// the way round, the blocks `walked` after the last call's block `from`); the test's other
/// way resumes after the last call with the next values `nexts` handed back.
fn period_of(
    p: &super::period::PeriodAt,
    carried: &[Carried],
    walked: &[LLVMBasicBlockRef],
    from: LLVMBasicBlockRef,
    nexts: u64,
    (entries, sites, inside): (&[Entry], &[Site], &IndexSet<LLVMBasicBlockRef>),
) -> Result<Period, Refusal> {
    use super::period::AtTest;
    // The carried value `x` is (its value at the iteration's start, or its next value).
    let carried_as = |x: LLVMValueRef, fits: &dyn Fn(&Carried) -> bool| {
        carried
            .iter()
            .enumerate()
            .filter(|(_, c)| fits(c))
            .find_map(|(k, c)| {
                if c.phi == x {
                    Some((k, false))
                } else if c.next == x || resume::along_way(c.next, walked, from) == x {
                    Some((k, true))
                } else {
                    None
                }
            })
    };
    let exit = LoopExit {
        from: ir::parent_block(p.branch),
        to: p.off,
        kind: ExitKind::Resume { nexts },
    };
    match p.test {
        AtTest::Remainder { rem, modulus, kind } => {
            let up_by_one = |c: &Carried| {
                matches!(c.step, Step::Invariant(step) if ir::const_int(step) == Some(1))
                    && !c.minus
            };
            let Some((k, tests_next)) = carried_as(p.x, &up_by_one) else {
                return Err(Refusal::new(
                    p.branch,
                    Reason::PeriodNotCounter {
                        branch: p.branch,
                        value: p.x,
                    },
                ));
            };
            Ok(Period {
                carried: k,
                tests_next,
                x: p.x,
                test: PeriodTest::Remainder { modulus, kind, rem },
                cmp: p.cmp,
                exit,
                round_if_true: p.round_if_true,
            })
        }
        AtTest::Reaches { .. } => {
            // Either operand may be the total, read the way the walk went round.
            let mut why = "neither side is a running total of a transfer's results nor a counter";
            // A counter's constant step towards the limit (up, or down), as a positive
            // amount.
            let step_towards = |c: &Carried, up: bool| match c.step {
                Step::Invariant(s) => ir::const_int(s)
                    .filter(|&k| k != 0 && (k > 0) == (c.minus != up))
                    .and_then(i64::checked_abs),
                _ => None,
            };
            let left_alone =
                |c: &Carried| matches!(c.step, Step::Invariant(s) if ir::const_int(s) == Some(0));
            // The limit: set before the loop, or a carried value the way round leaves
            // alone (step 0).
            let limit_of = |limit: LLVMValueRef| {
                let carried = carried.iter().position(|c| c.phi == limit && left_alone(c));
                let in_loop =
                    ir::is_instruction(limit) && inside.contains(&ir::parent_block(limit));
                (!in_loop || carried.is_some()).then_some(carried)
            };
            for q in [Some(*p), super::period::reaches_swapped(p.branch)]
                .into_iter()
                .flatten()
                .filter(|q| q.round_if_true == p.round_if_true)
            {
                let AtTest::Reaches {
                    limit,
                    inclusive,
                    signed,
                    equality,
                } = q.test
                else {
                    continue;
                };
                let reaches = |x, limit, limit_carried, per_iteration, less, down| {
                    let (k, tests_next) = x;
                    Period {
                        carried: k,
                        tests_next,
                        x: if down { limit } else { q.x },
                        test: PeriodTest::Reaches {
                            limit: if down { q.x } else { limit },
                            limit_carried,
                            inclusive,
                            signed,
                            equality,
                            per_iteration,
                            less,
                            down,
                        },
                        cmp: q.cmp,
                        exit,
                        round_if_true: q.round_if_true,
                    }
                };
                // A counter stepping by a constant: down to the limit, read mirrored (the
                // comparison's other operand is the limit), or up, growing by the step at
                // most (a total whose stop decides each result, `total += n` where `n` is
                // the block).
                let mut counted = None;
                for (up, counter, bound) in [(false, limit, q.x), (true, q.x, limit)] {
                    let towards = |c: &Carried| step_towards(c, up).is_some();
                    let stepping = carried_as(counter, &towards)
                        .and_then(|x| Some((x, step_towards(&carried[x.0], up)?)));
                    if let Some((x, step)) = stepping {
                        let step = ir::const_i64(counter, step);
                        counted = Some((x, step, limit_of(bound), !up));
                        break;
                    }
                }
                if let Some((x, step, limit_carried, down)) = counted {
                    let Some(limit_carried) = limit_carried else {
                        why = "the limit changes on the way round";
                        continue;
                    };
                    return Ok(reaches(x, limit, limit_carried, step, None, down));
                }
                // A total is 64 bits wide.
                if ir::int_width(ir::type_of(q.x)) != 64 {
                    continue;
                }
                let total = |c: &Carried| !c.minus && matches!(c.step, Step::Result { .. });
                // The total itself, or the total less a base the way round leaves alone.
                let (x, less) = match less_base(q.x, q.cmp) {
                    Some((t, base)) => {
                        let carried_base =
                            carried.iter().position(|c| c.phi == base && left_alone(c));
                        let outside =
                            !ir::is_instruction(base) || !inside.contains(&ir::parent_block(base));
                        if carried_base.is_none() && !outside {
                            why = "the value the total is compared less is not left alone on the way round";
                            continue;
                        }
                        (t, Some((base, carried_base)))
                    }
                    None => (q.x, None),
                };
                let Some(x) = carried_as(x, &total) else {
                    continue;
                };
                let Some(per_iteration) = per_iteration_bound(&carried[x.0], entries, sites) else {
                    why = "the total does not grow by a read's or a write's result at most its length, which the loop does not change";
                    continue;
                };
                let Some(limit_carried) = limit_of(limit) else {
                    why = "the limit changes on the way round";
                    continue;
                };
                return Ok(reaches(x, limit, limit_carried, per_iteration, less, false));
            }
            Err(Refusal::new(
                p.branch,
                Reason::PeriodNotTotal {
                    branch: p.branch,
                    why,
                },
            ))
        }
    }
}

/// `(t, base)` when `x` is `t - base` used by the comparison `cmp` alone (a total's distance
/// from where it was last reported, `if (total - last >= STEP)`).
fn less_base(x: LLVMValueRef, cmp: LLVMValueRef) -> Option<(LLVMValueRef, LLVMValueRef)> {
    (ir::is_instruction(x) && ir::opcode(x) == LLVMOpcode::LLVMSub && ir::value_users(x) == [cmp])
        .then(|| (ir::operand(x, 0), ir::operand(x, 1)))
}

/// The most a running total `c` grows by in one iteration a batch completes, as a value set
/// before the loop: the length argument of the transfer whose result it adds (`read`,
/// `write`, `pread64`, `pwrite64`, `sendto`: the kernel never returns more), whose stop
/// leaves no error result in a completed iteration; through a length that is an earlier
/// entry's result, that entry's own. Only widening casts on the way (a narrower one could
/// wrap).
fn per_iteration_bound(c: &Carried, entries: &[Entry], sites: &[Site]) -> Option<LLVMValueRef> {
    const LENGTH_BOUNDED: [u32; 5] = [0, 1, 17, 18, 44];
    let Step::Result { entry, casts } = &c.step else {
        return None;
    };
    if casts.iter().any(|(cast, _)| *cast == Cast::Trunc) {
        return None;
    }
    let mut e = *entry;
    for _ in 0..entries.len() {
        let x = entries.get(e)?;
        if !x.stop.stops_on_error() || !LENGTH_BOUNDED.contains(&sites[x.site].nr?) {
            return None;
        }
        match x.args.get(2)? {
            ArgSource::Value(v) => {
                return (ir::int_width(ir::type_of(*v)) == 64).then_some(*v);
            }
            ArgSource::Ref(j) => e = *j,
            ArgSource::Zero => return None,
        }
    }
    None
}

/// The block a batch begins at when the loop's header tests where the way round goes
/// before the first call (`Round::prefix_decides`): the first call's own block, which must
/// have no phis and nothing before the call but debug records and the next values of the
/// counters it carries (below). Every way into that block then enters the batch
/// instead (the way round when the header's tests chose the call, the loop's first
/// iteration, the original code after a stop), and the header's code runs only in the
/// original code. So that code must be what a batch may skip (it computes values, no
/// effects, no traps), and nothing it computes may be used where the batch's calls and
/// stops lead before the header runs again (there it would hold a value of an earlier
/// iteration), unless it is one of the header's phis that the batch carries (`carried_of`:
/// a counter or a total that a copy loop keeps beside a write-all loop merged into it) and
/// the header dominates the first call's block: the batch then begins with the phi's value
/// of the iteration it begins in, and hands each stop its value at the start of the
/// iteration that stopped. Returns that block and the carried phis.
fn tested_header_start(
    shim: &Shim,
    sites: &[Site],
    c0: usize,
    round: &resume::Round,
    carried_of: &dyn Fn(LLVMValueRef) -> Result<Carried, String>,
) -> Result<(LLVMBasicBlockRef, Vec<Carried>), Refusal> {
    let call = sites[c0].call;
    let start = ir::parent_block(call);
    let refuse = |inst: LLVMValueRef, why: &'static str| {
        Refusal::new(
            inst,
            Reason::HeaderTested {
                inst,
                first: c0,
                why,
            },
        )
    };
    for &inst in &round.prefix_code {
        let f = shim.inst_flags(inst);
        if conditions::unsafe_kind(inst, f).is_some() {
            return Err(refuse(inst, "is not something a batch may skip"));
        }
    }
    // The blocks the batch's calls and their stops reach before the header runs again.
    let reached = facts::reachable_avoiding(start, &[round.header]);
    let dominates_start = ir::instructions(round.header)
        .first()
        .is_some_and(|&first| shim.dominates(first, call));
    let mut carried = Vec::new();
    for &b in &round.prefix_blocks {
        for inst in ir::instructions(b) {
            let stale = ir::users(inst)
                .iter()
                .any(|&(user, _)| reached.contains(&ir::parent_block(user)));
            if !stale {
                continue;
            }
            let kept = (b == round.header && ir::is_phi(inst) && dominates_start)
                .then(|| carried_of(inst).ok())
                .flatten();
            match kept {
                Some(c) => carried.push(c),
                None => return Err(refuse(
                    inst,
                    "is used where a stop of the batch resumes the loop, which the header does not run again before",
                )),
            }
        }
    }
    // Before the call in its block: only debug records and the next values of carried
    // counters (`blocks++` after a write-all loop, before the next read), which the lowering
    // hands each stop from the values it carries.
    let before = ir::instructions(start)
        .into_iter()
        .take_while(|&i| i != call);
    for inst in before {
        let step = !ir::is_phi(inst) && counter_step(&carried, inst);
        if !step && shim.inst_flags(inst) & flags::DEBUG == 0 {
            return Err(refuse(inst, "comes before it in its block"));
        }
    }
    Ok((start, carried))
}

/// Refuses the first argument of `entries` computed in the loop (`inside`) other than
/// `allowed`: every argument is invariant or the result of an earlier entry.
fn invariant_arguments(
    entries: &[Entry],
    sites: &[Site],
    inside: &IndexSet<LLVMBasicBlockRef>,
    allowed: &[LLVMValueRef],
) -> Result<(), Refusal> {
    for e in entries {
        for (k, a) in e.args.iter().enumerate() {
            if let ArgSource::Value(v) = *a {
                if ir::is_instruction(v)
                    && inside.contains(&ir::parent_block(v))
                    && !allowed.contains(&v)
                {
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
    Ok(())
}

/// Whether `inst` is the next value of a carried counter (an invariant step): the lowering
/// computes it at each exit from the value at the iteration's start, wherever it stood.
fn counter_step(carried: &[Carried], inst: LLVMValueRef) -> bool {
    carried
        .iter()
        .any(|c| c.next == inst && matches!(c.step, Step::Invariant(_)))
}

/// The header's values carried as counters and totals (each phi by `carried`, after those
/// carried already: `carried`), and nothing else before the first call `c0` but debug
/// records and counters' next values.
fn header_values(
    shim: &Shim,
    header: LLVMBasicBlockRef,
    sites: &[Site],
    c0: usize,
    mut carried: Vec<Carried>,
    carried_of: impl Fn(LLVMValueRef) -> Result<Carried, String>,
) -> Result<Vec<Carried>, Refusal> {
    for inst in ir::instructions(header) {
        if inst == sites[c0].call || ir::is_terminator(inst) {
            break;
        }
        if ir::is_phi(inst) {
            match carried_of(inst) {
                Ok(c) => carried.push(c),
                Err(why) => {
                    return Err(Refusal::new(inst, Reason::LoopCarried { value: inst, why }))
                }
            }
            continue;
        }
        // A counter's next value computed before the first call (`-O2` leaves `blocks++` of
        // `for (;;) { blocks++; n = read(...); ... }` there): the lowering computes it at each
        // exit from the value at the iteration's start, wherever it stood.
        if !counter_step(&carried, inst) && shim.inst_flags(inst) & flags::DEBUG == 0 {
            return Err(Refusal::new(inst, Reason::HeaderCode { inst, first: c0 }));
        }
    }
    Ok(carried)
}

/// Refuses the first load on the way round the loop (between its calls, `gaps`, or after the
/// last, `back_loads`): a looped batch does not run it between iterations (a flag a signal
/// handler sets, a buffer the calls fill).
fn no_load_round(
    gaps: &[std::rc::Rc<super::GapFacts>],
    back_loads: &[LLVMValueRef],
) -> Result<(), Refusal> {
    match unguarded_loads(gaps).iter().chain(back_loads).next() {
        Some(&load) => Err(Refusal::new(load, Reason::LoopLoad { load })),
        None => Ok(()),
    }
}

/// The gaps' loads but those of their guards' conditions (`conditions::Guard::loads`), which
/// the batch reads again at its start (`check_loop`).
fn unguarded_loads(gaps: &[std::rc::Rc<super::GapFacts>]) -> Vec<LLVMValueRef> {
    let guarded: IndexSet<LLVMValueRef> = gaps
        .iter()
        .flat_map(|g| g.guards.iter().flat_map(|g| g.test.loads.iter().copied()))
        .collect();
    gaps.iter()
        .flat_map(|g| g.loads.iter().copied())
        .filter(|l| !guarded.contains(l))
        .collect()
}

/// Whether, when a loop is refused both ways, the refusal of the resuming form says more than
/// `leaving`'s: when stops that go back into the loop, or a way round with more than one
/// test, were what stopped it, or a carried value the resuming form then took.
fn resume_says_more(leaving: &Refusal, resumed: &Refusal) -> bool {
    // The walk round came back through a header that tests, and only what that needs failed.
    if matches!(resumed.reason, Reason::HeaderTested { .. }) {
        return true;
    }
    // The resuming form found the loop when its walk round came back to the first call.
    let walked_round = !matches!(
        resumed.reason,
        Reason::ResumeUnknownWay { .. }
            | Reason::ResumeLeaves { .. }
            | Reason::NotTwoWay { .. }
            | Reason::Loops
            | Reason::Malformed
            | Reason::NoStop { .. }
    );
    // The checks of the resuming form after its carried values.
    let carried_taken = matches!(
        resumed.reason,
        Reason::LoopGapEffect { .. }
            | Reason::ResumeNeeds { .. }
            | Reason::PeriodNotCounter { .. }
            | Reason::PeriodNotTotal { .. }
    );
    match leaving.reason {
        Reason::LoopCarried { .. } => carried_taken,
        Reason::NotALoop { .. } | Reason::VariantArgument { .. } | Reason::HeaderCode { .. } => {
            walked_round
        }
        Reason::ExitReentersLoop { .. }
        | Reason::NoStop { .. }
        | Reason::SecondBranch { .. }
        | Reason::SeveralExits { .. }
        | Reason::NotStopPredicate { .. }
        | Reason::NotTwoWay { .. }
        | Reason::Join { .. }
        | Reason::NoStraightPath { .. }
        | Reason::BothWays { .. }
        | Reason::ExitRejoins { .. } => true,
        _ => false,
    }
}

/// Whether a phi of `header`, or a value computed from one there (`advance::derivation`), is
/// an argument of one of `entries`.
fn passes_phi(entries: &[Entry], header: LLVMBasicBlockRef) -> bool {
    entries.iter().flat_map(|e| &e.args).any(|a| {
        matches!(*a, ArgSource::Value(v)
            if ir::is_instruction(v) && ir::parent_block(v) == header
                && (ir::is_phi(v)
                    || advance::derivation(v, header).is_some()
                    || super::clamp::clamp_of(v, header).is_some()))
    })
}

/// The exit of the loop's last entry `e` when its call is unchecked (no stop predicate on the
/// way round) and its result used by nothing: it stops the batch on an error or a signal only
/// (`Stop::Neg`), so that errno is what the failed call left, and the batch goes round again
/// (`LoopExit::round`; the lowering counts the stopped iteration as a completed one, as the
/// original does). `None` when the result is used: a total of it, or a test after the loop,
/// would need every failure's value.
fn going_round(e: &mut Entry, sites: &[Site], header: LLVMBasicBlockRef) -> Option<LoopExit> {
    let call = sites[e.site].call;
    if !ir::users(call).is_empty() {
        return None;
    }
    e.stop = Stop::Neg;
    Some(LoopExit {
        from: ir::parent_block(call),
        to: header,
        kind: ExitKind::Round,
    })
}

/// Entry `e` stops the batch at `stop`, tested by `branch`, which leaves the loop for `off`:
/// the loop's exit for `e`, or a refusal when `off` is in the loop (`inside`).
pub(super) fn leaving(
    e: &mut Entry,
    stop: Stop,
    (branch, off): (LLVMValueRef, LLVMBasicBlockRef),
    inside: &IndexSet<LLVMBasicBlockRef>,
) -> Result<LoopExit, Refusal> {
    if inside.contains(&off) {
        return Err(Refusal::new(branch, Reason::ExitReentersLoop { off }));
    }
    e.stop = stop;
    Ok(LoopExit {
        from: ir::parent_block(branch),
        to: off,
        kind: ExitKind::Leave,
    })
}

/// The one block outside the loop (`inside`) that enters `header`, or how many blocks outside
/// enter it when that is not one.
pub(crate) fn way_in(
    header: LLVMBasicBlockRef,
    inside: &IndexSet<LLVMBasicBlockRef>,
) -> Result<LLVMBasicBlockRef, usize> {
    let outside: Vec<LLVMBasicBlockRef> = ir::predecessors(header)
        .into_iter()
        .filter(|p| !inside.contains(p))
        .collect();
    match outside[..] {
        [p] if !p.is_null() => Ok(p),
        _ => Err(outside.len()),
    }
}

/// The one block outside the loop (`inside`) that enters `header`; a refusal at `at` when
/// there is not exactly one.
pub(super) fn one_way_in(
    header: LLVMBasicBlockRef,
    inside: &IndexSet<LLVMBasicBlockRef>,
    at: LLVMValueRef,
) -> Result<LLVMBasicBlockRef, Refusal> {
    way_in(header, inside).map_err(|entries| Refusal::new(at, Reason::NotOneEntry { entries }))
}

/// Refuses the first value computed in the loop's `blocks` and used after it, other than
/// those `kept` (the values the lowering hands out at the exits).
pub(super) fn nothing_else_escapes(
    blocks: &[LLVMBasicBlockRef],
    inside: &IndexSet<LLVMBasicBlockRef>,
    kept: &IndexSet<LLVMValueRef>,
) -> Result<(), Refusal> {
    for &b in blocks {
        for inst in ir::instructions(b) {
            if kept.contains(&inst) {
                continue;
            }
            let escapes = ir::users(inst)
                .iter()
                .any(|&(user, _)| !inside.contains(&ir::parent_block(user)));
            if escapes {
                return Err(Refusal::new(inst, Reason::UsedAfterLoop { value: inst }));
            }
        }
    }
    Ok(())
}

/// The value the header phi `phi` gets from the way round: the same on every way round, and
/// computed in the loop.
pub(super) fn value_round(
    phi: LLVMValueRef,
    inside: &IndexSet<LLVMBasicBlockRef>,
) -> Result<LLVMValueRef, String> {
    let mut next = None;
    for (v, from) in ir::incoming(phi) {
        if inside.contains(&from) {
            match next {
                None => next = Some(v),
                Some(n) if n == v => {}
                Some(_) => return Err("it comes back with different values".into()),
            }
        }
    }
    next.filter(|&n| ir::is_instruction(n) && inside.contains(&ir::parent_block(n)))
        .ok_or_else(|| "its value from the way round is not computed in the loop".into())
}

/// System calls whose result the kernel bounds by `MAX_RW_COUNT` (0x7ffff000, below 2^31):
/// `read`, `write`, `pread64`, `pwrite64`, `readv`, `writev` (`rw_verify_area` and
/// `import_iovec` cut every transfer to it).
pub(super) const BOUNDED_TRANSFERS: [u32; 6] = [0, 1, 17, 18, 19, 20];

/// The carried value of the header phi `phi`, or why the batch cannot carry it.
/// `also` are users the phi and its next value may have in the loop besides each other (an
/// advancing loop's derived arguments and test).
pub(super) fn carried_value(
    phi: LLVMValueRef,
    inside: &IndexSet<LLVMBasicBlockRef>,
    calls: &[usize],
    sites: &[Site],
    also: &[LLVMValueRef],
    nonneg: &dyn Fn(usize) -> bool,
    equal_to: &dyn Fn(LLVMValueRef) -> Option<usize>,
) -> Result<Carried, String> {
    let ty = ir::type_of(phi);
    if ir::type_kind(ty) != llvm_sys::LLVMTypeKind::LLVMIntegerTypeKind || ir::int_width(ty) > 64 {
        return Err("it is not an integer of at most 64 bits".into());
    }
    let next = value_round(phi, inside)?;
    // Through a latch's phi (`advance::way_round`), the step taken on the way round.
    let arith = super::reentry::step_through_latch(next, inside)?;
    // The result of a call of the loop itself: the value of the iteration before, kept for
    // after the loop (`w` reported after `for (..) { n = read(..); if (n <= 0) break; w =
    // write(..); .. }`), which a batch's results and sums do not give.
    let stripped = ir::strip_int_casts(arith);
    if let Some(&c) = calls.iter().find(|&&c| sites[c].call == stripped) {
        return Err(format!(
            "it keeps the result of '{}' at {} from the iteration before (a last value)",
            sites[c].callee, sites[c].location
        ));
    }
    let (minus, step) = plus_minus_step(phi, arith, next)?;
    // In the loop, the phi feeds only its next value, and that only the phi.
    let mut feeds = vec![(phi, arith), (next, phi)];
    if arith != next {
        feeds.push((arith, next));
    }
    for (v, other) in feeds {
        // By the user's own block: a phi after the loop (LCSSA) uses it after the loop; and
        // by the use's, which for a phi of a latch may be a re-entry block (`reentry`).
        if let Some((user, _)) = ir::users(v).into_iter().find(|&(user, at)| {
            inside.contains(&ir::parent_block(user))
                && inside.contains(&at)
                && user != other
                && !also.contains(&user)
        }) {
            return Err(format!(
                "'{}' uses {} in the loop",
                ir::describe(user),
                ir::value_name(v)
            ));
        }
    }
    Ok(Carried {
        phi,
        next,
        minus,
        step: step_kind(phi, step, inside, calls, sites, nonneg, equal_to)?,
    })
}

/// `arith`, the value `phi` comes back with (`next`, or its value through a latch's phi), as
/// `phi + step` or `phi - step`: (whether minus, the step).
pub(super) fn plus_minus_step(
    phi: LLVMValueRef,
    arith: LLVMValueRef,
    next: LLVMValueRef,
) -> Result<(bool, LLVMValueRef), String> {
    step_of(arith, |v| copy_of(v, phi, 4)).ok_or_else(|| {
        format!(
            "its next value '{}' is not itself plus or minus a step",
            ir::describe(next)
        )
    })
}

/// `arith` as `x + step`, `step + x` or `x - step` where `is_x` says which operand is `x`:
/// (whether minus, the step).
pub(super) fn step_of(
    arith: LLVMValueRef,
    is_x: impl Fn(LLVMValueRef) -> bool,
) -> Option<(bool, LLVMValueRef)> {
    let is_x = |k: u32| is_x(ir::operand(arith, k));
    match ir::opcode(arith) {
        LLVMOpcode::LLVMAdd if is_x(0) => Some((false, ir::operand(arith, 1))),
        LLVMOpcode::LLVMAdd if is_x(1) => Some((false, ir::operand(arith, 0))),
        LLVMOpcode::LLVMSub if is_x(0) => Some((true, ir::operand(arith, 1))),
        _ => None,
    }
}

/// Whether `v` is `phi` itself or a phi that only merges copies of it (`total` where the ways
/// out of a nested write-all loop and the way past it meet, every way bringing `total`), at
/// most `depth` phis deep.
fn copy_of(v: LLVMValueRef, phi: LLVMValueRef, depth: u32) -> bool {
    v == phi
        || (depth > 0
            && ir::is_phi(v)
            && ir::incoming(v)
                .into_iter()
                .all(|(x, _)| x == v || copy_of(x, phi, depth - 1)))
}

/// The one value the phi `v` (of a block after `header`) takes from the blocks of `inside`,
/// looking through phis that merge copies of it (the phis closing loops nested in the loop,
/// each way out of them bringing the same result); `None` when they bring different values
/// or more than `depth` phis deep.
fn one_value_inside(
    v: LLVMValueRef,
    header: LLVMBasicBlockRef,
    inside: &IndexSet<LLVMBasicBlockRef>,
    depth: u32,
) -> Option<LLVMValueRef> {
    let mut one = None;
    for (x, b) in ir::incoming(v) {
        if !inside.contains(&b) || x == v {
            continue;
        }
        let nested =
            ir::is_phi(x) && inside.contains(&ir::parent_block(x)) && ir::parent_block(x) != header;
        let x = if nested && depth > 0 {
            one_value_inside(x, header, inside, depth - 1)?
        } else {
            x
        };
        match one {
            None => one = Some(x),
            Some(o) if o == x => {}
            Some(_) => return None,
        }
    }
    one
}

/// What a carried value's `step` is: defined before the loop (`inside`: a counter) or a
/// call's result through integer casts that keep the sum of the results (a running total).
pub(super) fn step_kind(
    phi: LLVMValueRef,
    step: LLVMValueRef,
    inside: &IndexSet<LLVMBasicBlockRef>,
    calls: &[usize],
    sites: &[Site],
    nonneg: &dyn Fn(usize) -> bool,
    equal_to: &dyn Fn(LLVMValueRef) -> Option<usize>,
) -> Result<Step, String> {
    let in_loop = |v: LLVMValueRef| ir::is_instruction(v) && inside.contains(&ir::parent_block(v));
    if step == phi {
        return Err("it doubles each iteration".into());
    }
    if !in_loop(step) {
        return Ok(Step::Invariant(step));
    }
    // A call's result through integer casts, and through clang's forms of `(long)(int)r` on
    // the same width, which leave a transfer's result as it is: `ashr exact (shl r, 32), 32`
    // for any result, `and r, 2147483647` for one that is not negative.
    let mut casts = Vec::new();
    let mut v = step;
    let mut masked: Option<LLVMValueRef> = None;
    let mut resigned: Option<LLVMValueRef> = None;
    let mut clipped: Option<LLVMValueRef> = None;
    while in_loop(v) {
        // `if (w > 0) total += w`: `smax(r, 0)`, the result itself where it is not negative.
        if let Some(r) = ir::smax_of_zero(v).filter(|_| clipped.is_none()) {
            clipped = Some(v);
            casts.push((Cast::Clip, ir::type_of(v), v));
            v = r;
            continue;
        }
        // A phi of a block after the header (not the carried value's own) that takes one
        // value from the blocks of `inside`: a result merged with a retry's, which the
        // other ways in (a stop's way back into the loop, outside the batch) bring.
        if ir::is_phi(v) && ir::parent_block(v) != ir::parent_block(phi) {
            match one_value_inside(v, ir::parent_block(phi), inside, 8) {
                Some(x) if x != v => {
                    v = x;
                    continue;
                }
                _ => break,
            }
        }
        let cast = match ir::opcode(v) {
            LLVMOpcode::LLVMTrunc => Cast::Trunc,
            LLVMOpcode::LLVMSExt => Cast::SExt,
            LLVMOpcode::LLVMZExt => Cast::ZExt,
            LLVMOpcode::LLVMAnd | LLVMOpcode::LLVMAShr => {
                match super::conditions::result_through_casts(v) {
                    (base, true) if base != v && ir::type_of(base) == ir::type_of(v) => {
                        let slot = if ir::opcode(v) == LLVMOpcode::LLVMAnd {
                            &mut masked
                        } else {
                            &mut resigned
                        };
                        slot.get_or_insert(v);
                        // Only the mask or the shifts themselves: another cast in between
                        // would change the type.
                        let inner = ir::operand(v, 0);
                        v = if ir::opcode(v) == LLVMOpcode::LLVMAShr {
                            ir::operand(inner, 0)
                        } else if ir::const_int(ir::operand(v, 1)).is_some() {
                            inner
                        } else {
                            ir::operand(v, 1)
                        };
                        continue;
                    }
                    _ => break,
                }
            }
            _ => break,
        };
        casts.push((cast, ir::type_of(v), v));
        v = ir::operand(v, 0);
    }
    casts.reverse();
    // A value the loop goes on only when a call's result equals it (`left -= chunk` after
    // `if (read(fd, buf, chunk) != chunk) break;`): that result in every iteration that
    // completes.
    if let Some(entry) = equal_to(step).filter(|&e| {
        calls
            .get(e)
            .is_some_and(|&c| ir::type_of(sites[c].call) == ir::type_of(step))
    }) {
        return Ok(Step::Result {
            entry,
            casts: Vec::new(),
        });
    }
    let Some(entry) = calls.iter().position(|&c| sites[c].call == v) else {
        return Err(format!(
            "its step '{}' is neither defined before the loop nor a call's result",
            ir::describe(step)
        ));
    };
    let site = &sites[calls[entry]];
    if let Some(form) = clipped.filter(|_| !nonneg(entry)) {
        return Err(format!(
            "its step '{}' is the result of {} only when that result is not negative, which the batch does not make sure of",
            ir::describe(form),
            site.label()
        ));
    }
    let bounded = site.nr.is_some_and(|nr| BOUNDED_TRANSFERS.contains(&nr));
    for (form, needs_nonneg) in [(resigned, false), (masked, true)] {
        let Some(form) = form else {
            continue;
        };
        if !bounded || (needs_nonneg && !nonneg(entry)) {
            return Err(format!(
                "its step '{}' is the result of {} only when that result is below 2^31 and not negative, which the batch does not make sure of",
                ir::describe(form),
                site.label()
            ));
        }
    }
    for &(op, _, cast) in casts.iter().filter(|(op, ..)| *op != Cast::Clip) {
        let from = ir::int_width(ir::type_of(ir::operand(cast, 0)));
        if op != Cast::Trunc && !(bounded && from >= 32) {
            return Err(format!(
                "'{}' extends the result of {}: the sum of the extended results is the extended sum only for at least 32 bits of a transfer's result",
                ir::describe(cast),
                site.label()
            ));
        }
    }
    Ok(Step::Result {
        entry,
        casts: casts.into_iter().map(|(op, ty, _)| (op, ty)).collect(),
    })
}

/// The blocks of the natural loop headed by `header`: those the header dominates that can come
/// back to it, header first (only the header when nothing comes back).
pub(crate) fn loop_blocks(shim: &Shim, header: LLVMBasicBlockRef) -> Vec<LLVMBasicBlockRef> {
    let mut out = vec![header];
    let Some(&first) = ir::instructions(header).first() else {
        return out;
    };
    let mut seen = IndexSet::from([header]);
    let mut queue: VecDeque<_> = ir::predecessors(header).into_iter().collect();
    while let Some(b) = queue.pop_front() {
        if b.is_null() || seen.contains(&b) {
            continue;
        }
        match ir::terminator(b) {
            Some(t) if shim.dominates(first, t) => {}
            _ => continue,
        }
        seen.insert(b);
        out.push(b);
        queue.extend(ir::predecessors(b));
    }
    out
}
