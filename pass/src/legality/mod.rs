//! Whether a chain of system-call sites may become one multi-call: the five conditions of the
//! paper's section 3.2, as facts gathered about the code between consecutive calls
//! ([`facts`]) and one small check per condition over them ([`conditions`]), each answering
//! with a typed [`Refusal`] ([`refusal`]).
//!
//! A chain `c0, c1, ..., ck` (in program order, one function) is lowered by running all calls
//! at `c0` and handing each call's result out at its original position (see `lower`). That
//! is exact when, for every consecutive pair `a = ci`, `b = ci+1`:
//!
//! 1. **dominance**: `a` dominates `b`;
//! 2. **safety**: the code between them only computes values: no calls but calls that only
//!    compute a value, no volatile or atomic accesses, lifetime markers, inline assembly or
//!    instructions that may trap, no load of memory that a later call of the chain may write
//!    (alias analysis over each call's memory effects from the catalogue, `facts::effects`),
//!    and only stores that cannot fault, to memory no later call of the chain reads or writes
//!    (`conditions::straight_safety`, `facts::site_may_access_store`);
//! 3. **convexity**: everything between belongs to the region: a branch leaves the path only
//!    to code that never comes back to a later call of the chain (error handlers that return,
//!    `exit`, `unreachable`), except by running `c0` again;
//! 4. **argument safety**: each argument of a later call is a constant, a value available at
//!    `c0` (it dominates `c0`), or the result of an earlier call of the chain (a result
//!    reference, allowed when errors of that call stop the batch);
//! 5. **linearity**: the path from `a` to `b` is a straight line through blocks with no other
//!    entry, with at most one conditional branch, and that branch tests `a`'s result with a
//!    predicate the multi-call can evaluate (`r < 0`, `r <= 0`, `r == -1`, `r != arg`): the
//!    path continues exactly when the predicate does not fire.
//!
//! Each refusal names its condition and the instruction that breaks it.
//!
//! [`Checker`] keeps what it learns: the facts and verdict of each gap (per chain head), the
//! reachability sets, alias and dominance answers, and the chains found legal. Regions grow
//! one edge at a time and every extension asks about the whole chain; a chain that adds one
//! call to the end of a legal chain is checked for what involves that call only (one walk,
//! the earlier exits and loads against the new call, its arguments), and any other chain is
//! composed from the remembered gaps. This is sound because no IR changes while regions are formed:
//! every check runs before any lowering. A transformation that changes the IR between checks
//! must start a new `Checker` (see `transform`).

mod advance;
mod clamp;
pub(crate) mod conditions;
pub(crate) mod conjunction;
mod counted;
pub mod dead_buffers;
pub(crate) mod facts;
mod looped;
mod period;
mod reentry;
mod refusal;
pub mod result_tests;
mod resume;
pub(crate) mod watch;

use indexmap::{IndexMap, IndexSet};
use std::rc::Rc;

use llvm_sys::prelude::{LLVMBasicBlockRef, LLVMValueRef};
use llvm_sys::LLVMOpcode;
use multicall_abi::MC_MAX_ENTRIES;

use crate::ir;
use crate::plan::{self, ArgSource, Entry, Least, Stop, Straight};
use crate::shim::{flags, Shim};
use crate::sites::Site;

pub(crate) use counted::zext_of;
pub(crate) use looped::{loop_blocks, way_in};
pub use refusal::{Condition, Reason, Refusal, Unsafe};

/// What a legal gap between two consecutive calls contributes to a chain.
#[derive(Debug)]
struct GapFacts {
    /// The stop predicate of the earlier call's entry.
    stop: Stop,
    /// Conditional branches that leave the path, with the block each leaves to.
    exits: Vec<(LLVMValueRef, LLVMBasicBlockRef)>,
    /// Loads between the calls (they run after every later call of the batch).
    loads: Vec<LLVMValueRef>,
    /// Stores between the calls (they too run after every later call of the batch).
    stores: Vec<LLVMValueRef>,
    /// The stores and calls that only a straight batch accepts (`conditions::straight_only`).
    straight_only: Vec<LLVMValueRef>,
    /// The phis of the merges on the path, with their values on it (`facts::Gap::on_path`).
    on_path: IndexMap<LLVMValueRef, LLVMValueRef>,
    /// Branches on conditions set before the chain's first call (`conditions::Guard`), in
    /// order; their exits are not in `exits`.
    guards: Vec<conditions::Guard>,
    /// Flags tested between the calls (`watch::gap_flags`), which only a looped batch whose
    /// stops resume the loop reads (after the earlier call, `MC_BATCH_WATCHES`); their
    /// branches, loads and comparisons are in none of the other fields.
    watched: Vec<watch::GapWatch>,
    /// Whether the earlier call must stop on every result but its length (`result !=
    /// argument`): a test of its result between the calls whose other way comes back to the
    /// path (`if (0 < n && n < size) process_signals();`, GNU dd's check after a short read)
    /// goes the way the path takes where the result is the length. Only a looped batch whose
    /// stops resume the loop stops so; the test's branch is in none of the other fields.
    /// `Some` with the least length the tests hold for (`plan::Least`).
    length_stop: Option<Least>,
    /// With `watched` or `length_stop`: the refusal the gap gets as a gap of a straight
    /// chain, which cannot read the flags nor stop more often than the original leaves.
    unwatched: Option<Refusal>,
}

type GapVerdict = Result<Rc<GapFacts>, Refusal>;

/// The tests between `a` and the next call whose other way may come back to the path
/// (`facts::gather_rejoining`): a flag's test whose handler comes back, which a looped batch
/// reads (`watch`), and a test of `a`'s result that its being the length decides, which a
/// batch that stops on every other result passes (`GapFacts::length_stop`), unless
/// `flags_only`.
pub(crate) fn rejoinable(
    a: &Site,
    flags_only: bool,
) -> impl Fn(
    LLVMValueRef,
    LLVMValueRef,
    &IndexMap<LLVMValueRef, LLVMValueRef>,
) -> Option<facts::Rejoinable>
       + '_ {
    let at_length = decided_at_length(a);
    move |branch: LLVMValueRef, cond: LLVMValueRef, on_path| {
        watch::flag_test(branch, cond)
            .filter(|&(load, _)| watch::word_size(load).is_some())
            .map(|(_, true_if_zero)| facts::Rejoinable::Flag { true_if_zero })
            .or_else(|| {
                let (true_way, least) = at_length(cond, on_path).filter(|_| !flags_only)?;
                Some(facts::Rejoinable::AtLength { true_way, least })
            })
    }
}

/// Which way a condition computed from `a`'s result goes where that result is the call's
/// length argument (`resume::decided` with the result pinned to it): `Some(true)` the true
/// way. `None` for a call without a length, a condition that does not depend on the result
/// alone, or one the length does not decide.
///
/// With the least length it holds for: a length that is a value, not a constant, decides more
/// where it is positive (`n != 0` after a test of a short count), which the batch checks
/// (`plan::Least::One`). A phi of a merge on the path (`on_path`) whose value there is the
/// result is pinned as the result is.
fn decided_at_length(
    a: &Site,
) -> impl Fn(LLVMValueRef, &IndexMap<LLVMValueRef, LLVMValueRef>) -> Option<(bool, Least)> + '_ {
    let len =
        conditions::length_argument(a).and_then(|k| a.args.get(usize::from(k)).copied().flatten());
    move |cond: LLVMValueRef, on_path: &IndexMap<LLVMValueRef, LLVMValueRef>| {
        let len = len?;
        let decide = |pin: resume::Pin| {
            let pins: resume::Pins = std::iter::once(a.call)
                .chain(
                    on_path
                        .keys()
                        .copied()
                        .filter(|&phi| facts::along_path(on_path, phi) == a.call),
                )
                .map(|v| (v, pin))
                .collect();
            resume::decided(cond, &pins, 8).map(|v| v != 0)
        };
        match ir::const_int(len) {
            Some(n) if (0..1 << 31).contains(&n) => {
                decide(resume::Pin::Const(n)).map(|w| (w, Least::Zero))
            }
            Some(_) => None,
            None => decide(resume::Pin::Equals(len))
                .map(|w| (w, Least::Zero))
                .or_else(|| decide(resume::Pin::Positive(len)).map(|w| (w, Least::One))),
        }
    }
}

/// The least length the tests of `a`'s result that `gap` let come back (`Gap::rejoins`, each
/// decided where the result is the length) hold for.
fn rejoins_least(gap: &facts::Gap) -> Least {
    let one = gap.rejoins.iter().any(|r| {
        matches!(
            r.why,
            facts::Rejoinable::AtLength {
                least: Least::One,
                ..
            }
        )
    });
    if one {
        Least::One
    } else {
        Least::Zero
    }
}

/// How deep the arithmetic of a guard's condition may be (`(flags & 4) != 0` is two).
pub(crate) const GUARD_DEPTH: u32 = 6;

/// A legal chain: its gaps' facts (in order) and its plan.
#[derive(Debug)]
struct Legal {
    gaps: Vec<Rc<GapFacts>>,
    plan: Straight,
}

/// Answers whether chains are legal, remembering what it learnt about the unchanged IR.
pub(crate) struct Checker<'a> {
    shim: &'a Shim,
    sites: &'a [Site],
    reach: facts::Reach,
    /// Per (a, b, the chain's first call).
    gaps: IndexMap<(usize, usize, LLVMValueRef), GapVerdict>,
    /// Whether the call may write the memory the load reads, or may read or write the memory
    /// the store writes.
    clobbers: IndexMap<(LLVMValueRef, LLVMValueRef), bool>,
    /// Whether the value dominates the instruction.
    dominates: IndexMap<(LLVMValueRef, LLVMValueRef), bool>,
    /// Chains found legal, by their calls.
    legal: IndexMap<Vec<usize>, Rc<Legal>>,
    /// The module's functions that may run at any time, once asked, and how to find them.
    asynchronous: Option<Rc<Asynchronous>>,
    find_asynchronous: AsynchronousFinder,
}

/// A module's functions that may run at any time (signal handlers, threads, what they call,
/// `atexit` handlers when one of those may call `exit`), each with the function it was reached
/// from: the call graph's answer (`transform::asynchronous_functions`).
#[derive(Debug, Default)]
pub(crate) struct Asynchronous {
    /// All of them: any may read what the interrupted code stored.
    pub(crate) any: IndexMap<LLVMValueRef, LLVMValueRef>,
    /// Those whose writes the interrupted code may go on to read: all but what runs only
    /// under a signal handler that never returns (it leaves by `exit`, `abort` or a
    /// `longjmp`, so the code it interrupted never resumes), unless something else that may
    /// run at any time reaches it too.
    pub(crate) returning: IndexMap<LLVMValueRef, LLVMValueRef>,
    /// The functions a `longjmp` (from a signal handler) may leave for a `setjmp` of the
    /// module, each with the function that calls `setjmp`.
    pub(crate) under_setjmp: IndexMap<LLVMValueRef, LLVMValueRef>,
}

/// Finds a module's [`Asynchronous`] functions.
pub(crate) type AsynchronousFinder = fn(llvm_sys::prelude::LLVMModuleRef) -> Asynchronous;

impl<'a> Checker<'a> {
    pub(crate) fn new(
        shim: &'a Shim,
        sites: &'a [Site],
        find_asynchronous: AsynchronousFinder,
    ) -> Checker<'a> {
        Checker {
            shim,
            sites,
            reach: facts::Reach::default(),
            gaps: IndexMap::new(),
            clobbers: IndexMap::new(),
            dominates: IndexMap::new(),
            legal: IndexMap::new(),
            asynchronous: None,
            find_asynchronous,
        }
    }

    /// Checks a whole chain (site indices in program order); on success returns its plan.
    ///
    /// A chain that extends a legal chain by one call at its end (how regions usually grow)
    /// is checked incrementally: only what involves the new call. The answer is the one a
    /// check from scratch gives, refusal included.
    pub(crate) fn check(&mut self, calls: &[usize]) -> Result<Straight, Refusal> {
        let legal = self.check_chain(calls)?;
        // A flag tested between two calls: no straight batch reads it.
        if let Some(refusal) = legal.gaps.iter().find_map(|g| g.unwatched.clone()) {
            return Err(refusal);
        }
        Ok(legal.plan.clone())
    }

    /// Whether `calls` is a legal chain but for the flags tested between its calls, which
    /// no straight batch reads (`GapFacts::watched`), or a test of a result whose other way
    /// comes back (`GapFacts::length_stop`): a loop around it may be one.
    pub(crate) fn watched(&mut self, calls: &[usize]) -> bool {
        self.check_chain(calls).is_ok_and(|legal| {
            legal
                .gaps
                .iter()
                .any(|g| !g.watched.is_empty() || g.length_stop.is_some())
        })
    }

    /// `check`, also for a chain with flags tested between its calls (`GapFacts::watched`),
    /// which a loop whose stops resume it may read; the legal chain (kept for the later
    /// questions about it).
    fn check_chain(&mut self, calls: &[usize]) -> Result<Rc<Legal>, Refusal> {
        let n = calls.len();
        let prefix = (n > 2)
            .then(|| self.legal.get(&calls[..n - 1]).cloned())
            .flatten();
        let legal = match prefix {
            Some(prefix) => self.append(&prefix, calls)?,
            None => self.check_whole(calls)?,
        };
        let legal = Rc::new(legal);
        self.legal.insert(calls.to_vec(), legal.clone());
        Ok(legal)
    }

    fn check_whole(&mut self, calls: &[usize]) -> Result<Legal, Refusal> {
        let sites = self.sites;
        if calls.len() > MC_MAX_ENTRIES {
            return Err(Refusal::new(
                sites[calls[MC_MAX_ENTRIES]].call,
                Reason::TooManyEntries,
            ));
        }
        if let Some(&site) = calls.iter().find(|&&c| sites[c].not_lowerable.is_some()) {
            return Err(Refusal::new(
                sites[site].call,
                Reason::NotLowerable { site },
            ));
        }
        let head = ir::parent_block(sites[calls[0]].call);
        let mut gaps = Vec::with_capacity(calls.len());
        for (i, w) in calls.windows(2).enumerate() {
            let gap = self.gap(w[0], w[1], calls[0])?;
            self.exits_stay_out(&gap, &calls[i + 2..], head)?;
            gaps.push(gap);
        }
        // Safety, memory part: a load or a store between ci and ci+1 runs after every call of
        // the batch.
        for (i, gap) in gaps.iter().enumerate() {
            for &load in &gap.loads {
                if let Some(&by) = calls[i + 1..].iter().find(|&&c| self.may_clobber(c, load)) {
                    return Err(self.clobbered(load, by));
                }
                if let Some(writer) = self.async_writer(load) {
                    let by = calls[i + 1];
                    return Err(Refusal::new(
                        load,
                        Reason::LoadWrittenAsync { load, by, writer },
                    ));
                }
            }
            for &store in &gap.stores {
                if let Some(&by) = calls[i + 1..].iter().find(|&&c| self.may_see(c, store)) {
                    return Err(Refusal::new(store, Reason::StoreSeen { store, by }));
                }
                if let Some(reason) = self.store_seen_meanwhile(store, calls[i + 1]) {
                    return Err(Refusal::new(store, reason));
                }
            }
        }
        self.guard_loads(calls, &gaps)?;
        let stops = stops(&gaps);
        let mut entries = Vec::with_capacity(calls.len());
        for pos in 0..calls.len() {
            entries.push(self.entry(calls, &stops, &gaps, pos)?);
        }
        let guards = guards(&gaps);
        Ok(Legal {
            gaps,
            plan: Straight { entries, guards },
        })
    }

    /// `calls` is the legal chain `prefix` and one more call `b`: the checks of
    /// `check_whole` in the same order, skipping what `prefix` already passed.
    fn append(&mut self, prefix: &Legal, calls: &[usize]) -> Result<Legal, Refusal> {
        let sites = self.sites;
        let n = calls.len();
        let (b, last) = (calls[n - 1], calls[n - 2]);
        if n > MC_MAX_ENTRIES {
            return Err(Refusal::new(
                sites[calls[MC_MAX_ENTRIES]].call,
                Reason::TooManyEntries,
            ));
        }
        if sites[b].not_lowerable.is_some() {
            return Err(Refusal::new(
                sites[b].call,
                Reason::NotLowerable { site: b },
            ));
        }
        let head = ir::parent_block(sites[calls[0]].call);
        for gap in &prefix.gaps {
            self.exits_stay_out(gap, &[b], head)?;
        }
        let gap = self.gap(last, b, calls[0])?;
        let mut gaps = prefix.gaps.clone();
        gaps.push(gap);
        for gap in &gaps {
            for &load in &gap.loads {
                if self.may_clobber(b, load) {
                    return Err(self.clobbered(load, b));
                }
            }
            for &store in &gap.stores {
                if self.may_see(b, store) {
                    return Err(Refusal::new(store, Reason::StoreSeen { store, by: b }));
                }
            }
        }
        // The new gap's loads and stores now run after `b`: a function that may run at any
        // time must not write what they read, nor read what they write.
        if let Some(gap) = gaps.last() {
            for &load in &gap.loads {
                if let Some(writer) = self.async_writer(load) {
                    return Err(Refusal::new(
                        load,
                        Reason::LoadWrittenAsync {
                            load,
                            by: b,
                            writer,
                        },
                    ));
                }
            }
            for &store in &gap.stores {
                if let Some(reason) = self.store_seen_meanwhile(store, b) {
                    return Err(Refusal::new(store, reason));
                }
            }
        }
        self.guard_loads(calls, &gaps)?;
        let stops = stops(&gaps);
        let mut entries = prefix.plan.entries.clone();
        entries[n - 2].stop = stops[n - 2];
        entries.push(self.entry(calls, &stops, &gaps, n - 1)?);
        let guards = guards(&gaps);
        Ok(Legal {
            gaps,
            plan: Straight { entries, guards },
        })
    }

    fn entry(
        &mut self,
        calls: &[usize],
        stops: &[Stop],
        gaps: &[Rc<GapFacts>],
        pos: usize,
    ) -> Result<Entry, Refusal> {
        let site = calls[pos];
        if pos > 0 && self.sites[site].converts_sigaction() {
            return Err(Refusal::new(
                self.sites[site].call,
                Reason::SigactionNotFirst { site },
            ));
        }
        Ok(Entry {
            site: calls[pos],
            stop: stops[pos],
            args: self.arguments(calls, stops, gaps, pos)?,
        })
    }

    /// The verdict on the gap between `a` and `b` in a chain whose first call is `first`.
    fn gap(&mut self, a: usize, b: usize, first: usize) -> GapVerdict {
        let key = (a, b, self.sites[first].call);
        if let Some(v) = self.gaps.get(&key) {
            return v.clone();
        }
        let verdict = self.judge_gap(a, b, first).map(Rc::new);
        self.gaps.insert(key, verdict.clone());
        verdict
    }

    /// Dominance, then the facts of the walk, then safety, linearity and convexity over them:
    /// the refusal that arises first on the path wins.
    fn judge_gap(&mut self, a: usize, b: usize, first: usize) -> Result<GapFacts, Refusal> {
        let (shim, sites) = (self.shim, self.sites);
        let c0 = sites[first].call;
        let head = ir::parent_block(c0);
        conditions::dominance(shim, sites, a, b)?;
        // The walk goes on through the joins of the tests a looped batch may pass (the gap
        // without them is judged below).
        let rejoins = rejoinable(&sites[a], false);
        let gap =
            facts::gather_rejoining(shim, &mut self.reach, &sites[a], &sites[b], head, &rejoins);
        let refusal = match self.judge_steps(&gap, a, b, first) {
            Ok(facts) => return Ok(facts),
            Err(refusal) => refusal,
        };
        // Flags tested between the calls (of words whose address is set before the first
        // call), which the gap without them may allow.
        let set_before = |v: LLVMValueRef| !ir::is_instruction(v) || shim.dominates(v, c0);
        let (watched, rest) = match watch::gap_flags(&gap, set_before) {
            Some((watched, rest)) => (watched, rest),
            None => (Vec::new(), gap.clone()),
        };
        // The rejoins left are tests of a's result (the flags' are gone with their steps).
        let (length_stop, rest) = match facts::without_rejoins(&rest) {
            Some(without) => (Some(rejoins_least(&rest)), without),
            None => (None, rest),
        };
        if watched.is_empty() && length_stop.is_none() {
            return Err(refusal);
        }
        match self.judge_steps(&rest, a, b, first) {
            Ok(mut facts) => {
                facts.watched = watched;
                facts.length_stop = length_stop;
                facts.unwatched = Some(refusal);
                Ok(facts)
            }
            // The header of a loop the path enters, inside a loop around the earlier call
            // (a write-all loop around the write in a copy loop), says more than what the
            // flags and tests hid: peeling acts on it.
            Err(e)
                if matches!(e.reason, Reason::Join { block, .. }
                if ir::block_reaches(block, head) && ir::block_reaches(head, block)) =>
            {
                Err(e)
            }
            Err(_) => Err(refusal),
        }
    }

    /// The facts of the gap `gap` between `a` and `b` in a chain whose first call is
    /// `first`: safety, linearity and convexity over its steps.
    fn judge_steps(
        &mut self,
        gap: &facts::Gap,
        a: usize,
        b: usize,
        first: usize,
    ) -> Result<GapFacts, Refusal> {
        let (shim, sites) = (self.shim, self.sites);
        let c0 = sites[first].call;
        let gap = gap.clone();
        // A condition computed from values set before the first call (instructions that
        // dominate it, the function's arguments) and from plain loads of addresses set
        // before it, by arithmetic and comparisons that the lowering makes again before the
        // batch. Whether a call of the chain writes what the loads read is the chain's
        // check (`guard_loads`).
        let before = |v: LLVMValueRef| {
            if ir::is_instruction(v) {
                shim.dominates(v, c0)
            } else {
                ir::argument_of(v).is_some() || ir::is_constant(v)
            }
        };
        let guards = conditions::guards(&gap, |cond| {
            let mut loads = Vec::new();
            let set = ir::computed_from(cond, GUARD_DEPTH, &mut |v| {
                if before(v) {
                    return true;
                }
                let plain = ir::opcode(v) == llvm_sys::LLVMOpcode::LLVMLoad
                    && shim.inst_flags(v) & flags::VOLATILE == 0;
                if plain && before(ir::operand(v, 0)) {
                    loads.push(v);
                    return true;
                }
                false
            });
            set.then_some(loads)
        });
        let guarded: Vec<usize> = guards.iter().map(|&(i, _)| i).collect();
        let linearity = conditions::guarded_linearity(&gap, sites, a, b, &guarded);
        let first = [
            conditions::straight_safety(&gap, a, b),
            linearity.as_ref().err().cloned(),
            conditions::convexity(&gap, b),
        ]
        .into_iter()
        .flatten()
        .min_by_key(|(pos, _)| *pos);
        if let Some((_, refusal)) = first {
            return Err(refusal);
        }
        let guard_exits: Vec<_> = guards.iter().map(|(_, g)| (g.branch, g.off)).collect();
        Ok(GapFacts {
            stop: linearity.unwrap_or(Stop::Never),
            exits: gap
                .exits()
                .filter(|exit| !guard_exits.contains(exit))
                .collect(),
            guards: guards.into_iter().map(|(_, g)| g).collect(),
            loads: conditions::loads(&gap),
            stores: conditions::stores(&gap),
            straight_only: conditions::straight_only(&gap),
            on_path: gap.on_path,
            watched: Vec::new(),
            length_stop: None,
            unwatched: None,
        })
    }

    /// The loads of the guards' conditions (`conditions::Guard::loads`), which the lowering
    /// makes again before the first call: they must not fault there (LLVM's
    /// isSafeToLoadUnconditionally), and no call of the chain may write what they read (the
    /// later calls are checked with the gaps' other loads), nor a store between the calls
    /// before them, nor a function that may run at any time.
    fn guard_loads(&mut self, calls: &[usize], gaps: &[Rc<GapFacts>]) -> Result<(), Refusal> {
        let c0 = self.sites[calls[0]].call;
        for (i, gap) in gaps.iter().enumerate() {
            for &load in gap.guards.iter().flat_map(|g| g.test.loads.iter()) {
                // Made before the first call, it runs where the original may not (after a
                // test of the pointer, `if (log && log->verbose)`): it must not fault there.
                if !self.shim.safe_to_load_at(load, c0) {
                    return Err(Refusal::new(
                        load,
                        Reason::GuardLoadMayFault {
                            load,
                            first: calls[0],
                        },
                    ));
                }
                // errno, which a failing call sets, is read where the original reads it only
                // by a load that stays there.
                let errno = facts::may_be_errno(self.shim, ir::operand(load, 0));
                let written = calls[..=i].iter().find(|&&c| self.may_clobber(c, load));
                if let Some(&by) = written.or(errno.then_some(&calls[0])) {
                    let reason = Reason::GuardLoadWritten { load, by, errno };
                    return Err(Refusal::new(load, reason));
                }
                if let Some(writer) = self.async_writer(load) {
                    let by = calls[0];
                    return Err(Refusal::new(
                        load,
                        Reason::LoadWrittenAsync { load, by, writer },
                    ));
                }
                let stores = gaps[..=i].iter().flat_map(|g| g.stores.iter());
                if let Some(&store) = stores
                    .into_iter()
                    .find(|&&s| self.shim.inst_may_write_load(s, load))
                {
                    return Err(Refusal::new(store, Reason::GuardStore { store, load }));
                }
            }
        }
        Ok(())
    }

    /// Condition 3 across the chain: no exit of a gap reaches a later call.
    fn exits_stay_out(
        &mut self,
        gap: &GapFacts,
        later: &[usize],
        head: LLVMBasicBlockRef,
    ) -> Result<(), Refusal> {
        let guard_exits = gap.guards.iter().map(|g| (g.branch, g.off));
        for (branch, off) in gap.exits.iter().copied().chain(guard_exits) {
            if let Some(&later) = later.iter().find(|&&c| {
                self.reach
                    .contains(off, head, ir::parent_block(self.sites[c].call))
            }) {
                return Err(Refusal::new(
                    branch,
                    Reason::ExitReachesLater { off, later },
                ));
            }
        }
        Ok(())
    }

    /// Condition 4 for every argument of the entry at chain position `pos`; a phi of a merge
    /// on the path before it stands for its value on the path.
    fn arguments(
        &mut self,
        calls: &[usize],
        stops: &[Stop],
        gaps: &[Rc<GapFacts>],
        pos: usize,
    ) -> Result<Vec<ArgSource>, Refusal> {
        let sites = self.sites;
        let site = &sites[calls[pos]];
        if pos == 0 {
            return Ok(site
                .args
                .iter()
                .map(|a| a.map_or(ArgSource::Zero, ArgSource::Value))
                .collect());
        }
        let first = sites[calls[0]].call;
        let (shim, memo) = (self.shim, &mut self.dominates);
        let mut available = |v: LLVMValueRef| {
            *memo
                .entry((v, first))
                .or_insert_with(|| shim.dominates(v, first))
        };
        site.args
            .iter()
            .enumerate()
            .map(|(k, &arg)| {
                let arg = arg.map(|v| on_path(&gaps[..pos], v));
                conditions::argument_source(sites, calls, stops, pos, k, arg, &mut available)
            })
            .collect()
    }

    /// Whether the call at `site` may write what `load` reads, by the calls' memory model
    /// (`facts::effects`). `errno` is left aside: the lowering sets it at each call's own
    /// position, so a load between the calls sees it as in the original.
    fn may_clobber(&mut self, site: usize, load: LLVMValueRef) -> bool {
        let (shim, site) = (self.shim, &self.sites[site]);
        *self
            .clobbers
            .entry((site.call, load))
            .or_insert_with(|| facts::site_may_write(shim, site, load))
    }

    /// A function of the module that may run at any time (a signal handler, a thread, an
    /// `atexit` handler when one of them may call `exit`, or what they call) and may read or
    /// write what the gap's `store` writes (`async_user`). In a multi-call the store runs
    /// after the later calls, so such a function running meanwhile (a handler interrupting a
    /// blocked read) would see the value from before it.
    fn async_reader(&mut self, store: LLVMValueRef) -> Option<LLVMValueRef> {
        self.async_user_of(ir::operand(store, 1), store, false)
    }

    /// Such a function that may write what the gap's `load` reads: in a multi-call the load
    /// runs after the later calls, so it would see what such a function running meanwhile
    /// (a `SIGHUP` handler that reopens a log during a blocked read) wrote, which the
    /// original, loading before those calls, did not.
    fn async_writer(&mut self, load: LLVMValueRef) -> Option<LLVMValueRef> {
        self.async_user_of(ir::operand(load, 0), load, true)
    }

    /// The function whose `setjmp` a `longjmp` out of the batch (a signal handler's, during
    /// a later call) may go back to, when the gap's `store` writes memory that may be read
    /// after it: anything but a local of the batch's own function (gone after a `longjmp`
    /// below it, and indeterminate after one to a `setjmp` of its own, C11 7.13.2.1). In a
    /// multi-call the store runs only after the later calls return, so such a `longjmp` would
    /// skip it.
    fn jumped_over(&mut self, store: LLVMValueRef) -> Option<LLVMValueRef> {
        let function = ir::block_function(ir::parent_block(store));
        let jumper = *self.asynchronous_of(function).under_setjmp.get(&function)?;
        let base = self.shim.underlying_object(ir::operand(store, 1));
        let own_local =
            ir::is_alloca(base) && ir::block_function(ir::parent_block(base)) == function;
        (!own_local).then_some(jumper)
    }

    /// Why a gap's `store`, which in a multi-call runs only after the later calls up to `by`
    /// return, may be missed by code that runs meanwhile: a function that may run at any time
    /// reads its memory (`StoreSeenAsync`), or a `longjmp` out of those calls would skip it
    /// (`StoreSkippedByJump`).
    fn store_seen_meanwhile(&mut self, store: LLVMValueRef, by: usize) -> Option<Reason> {
        if let Some(reader) = self.async_reader(store) {
            return Some(Reason::StoreSeenAsync { store, by, reader });
        }
        self.jumped_over(store)
            .map(|jumper| Reason::StoreSkippedByJump { store, by, jumper })
    }

    /// The module's [`Asynchronous`] functions, of `function`'s module, found once.
    fn asynchronous_of(&mut self, function: LLVMValueRef) -> Rc<Asynchronous> {
        let find = self.find_asynchronous;
        self.asynchronous
            .get_or_insert_with(|| Rc::new(find(ir::module_of(function))))
            .clone()
    }

    /// `async_user` with the module's asynchronous functions of `at`'s module, found once.
    fn async_user_of(
        &mut self,
        ptr: LLVMValueRef,
        at: LLVMValueRef,
        writers: bool,
    ) -> Option<LLVMValueRef> {
        let asynchronous = self.asynchronous_of(ir::block_function(ir::parent_block(at)));
        async_user(self.shim, &asynchronous, ptr, writers)
    }

    /// The refusal of a gap's `load` that the later call at `by` may write (`may_clobber`):
    /// `SharedLoad` when only because its memory may be shared with another process.
    fn clobbered(&self, load: LLVMValueRef, by: usize) -> Refusal {
        if facts::written_if_shared(self.shim, &self.sites[by], load) {
            Refusal::new(load, Reason::SharedLoad { load, by })
        } else {
            Refusal::new(load, Reason::ClobberedLoad { load, by })
        }
    }

    /// Whether the call at `site` may read or write what `store` writes, or run a signal
    /// handler that may (`facts::site_may_access_store`; `errno` left aside as for loads).
    fn may_see(&mut self, site: usize, store: LLVMValueRef) -> bool {
        let (shim, site) = (self.shim, &self.sites[site]);
        *self
            .clobbers
            .entry((site.call, store))
            .or_insert_with(|| facts::site_may_access_store(shim, site, store))
    }
}

/// `v`, or when it is a phi of a merge on the paths of `gaps`, its value on the path.
fn on_path(gaps: &[Rc<GapFacts>], mut v: LLVMValueRef) -> LLVMValueRef {
    for _ in 0..16 {
        match gaps.iter().find_map(|g| g.on_path.get(&v)) {
            Some(&w) => v = w,
            None => break,
        }
    }
    v
}

/// The guards of the gaps, each with the position of the entry before it.
fn guards(gaps: &[Rc<GapFacts>]) -> Vec<(usize, plan::Guard)> {
    gaps.iter()
        .enumerate()
        .flat_map(|(i, g)| g.guards.iter().map(move |g| (i, g.test.clone())))
        .collect()
}

/// The entries' stop predicates: each gap's, and never after the last call.
fn stops(gaps: &[Rc<GapFacts>]) -> Vec<Stop> {
    gaps.iter()
        .map(|g| g.stop)
        .chain(std::iter::once(Stop::Never))
        .collect()
}

/// A function of `asynchronous` (the module's functions that may run at any time, each with
/// the one it was reached from: `globals::CallGraph::asynchronous`) that may read or write
/// the memory `ptr` points into: a function that uses the global variable it is in (any of
/// them when its address goes anywhere but loads and stores), or any of them for a local
/// variable whose address escapes; with `writers`, only a function that stores to the global
/// variable and may return to the code it interrupted ([`Asynchronous::returning`]: what one
/// only reads, or writes on its way out of the process, cannot change under a load). `None`
/// for other memory (the heap, an argument's), which the calls' memory model judges alone.
/// The first by name, for a stable remark.
pub(crate) fn async_user(
    shim: &Shim,
    asynchronous: &Asynchronous,
    ptr: LLVMValueRef,
    writers: bool,
) -> Option<LLVMValueRef> {
    let asynchronous = if writers {
        &asynchronous.returning
    } else {
        &asynchronous.any
    };
    let any = || asynchronous.keys().copied().min_by_key(|&f| ir::name(f));
    if asynchronous.is_empty() {
        return None;
    }
    let base = shim.underlying_object(ptr);
    if ir::is_alloca(base) {
        return if address_escapes(base) { any() } else { None };
    }
    if ir::is_global_variable(base) {
        return match ir::global_address_users(base) {
            Ok(users) => {
                let only_accessed = users.iter().all(|&(u, p)| match ir::opcode(u) {
                    LLVMOpcode::LLVMLoad => true,
                    LLVMOpcode::LLVMStore => ir::operand(u, 0) != p,
                    _ => false,
                });
                if !only_accessed {
                    return any();
                }
                users
                    .iter()
                    .filter(|&&(u, _)| !writers || ir::opcode(u) == LLVMOpcode::LLVMStore)
                    .map(|&(u, _)| ir::block_function(ir::parent_block(u)))
                    .filter(|f| asynchronous.contains_key(f))
                    .min_by_key(|&f| ir::name(f))
            }
            Err(_) => any(),
        };
    }
    None
}

/// Whether the address of the local variable `alloca` goes anywhere another piece of code
/// could find it: every use of a pointer into it (through address computations, casts and
/// merges) is a load, a store to it, a comparison, a lifetime marker, an argument of a system
/// call's libc wrapper, or an argument of a call whose parameter is `nocapture`, else it
/// escapes.
fn address_escapes(alloca: LLVMValueRef) -> bool {
    let mut todo = vec![alloca];
    let mut seen = IndexSet::new();
    while let Some(v) = todo.pop() {
        if !seen.insert(v) || seen.len() > 256 {
            return seen.len() > 256;
        }
        for u in ir::value_users(v) {
            if !ir::is_instruction(u) {
                return true;
            }
            match ir::opcode(u) {
                LLVMOpcode::LLVMGetElementPtr
                | LLVMOpcode::LLVMBitCast
                | LLVMOpcode::LLVMAddrSpaceCast
                | LLVMOpcode::LLVMPHI
                | LLVMOpcode::LLVMSelect => todo.push(u),
                LLVMOpcode::LLVMLoad | LLVMOpcode::LLVMICmp => {}
                LLVMOpcode::LLVMStore if ir::operand(u, 0) != v => {}
                LLVMOpcode::LLVMCall => {
                    // A lifetime marker, or a system call's libc wrapper: the kernel copies
                    // what it needs, and no code of the program finds the address through it.
                    let lifetime = ir::called_function(u).is_some_and(|f| {
                        let name = ir::name(f);
                        name.starts_with("llvm.lifetime.")
                            || syscluster_profile::catalogue::wrapper(&name).is_some()
                    });
                    let kept = ir::callee_operand(u) == v
                        || ir::call_args(u).iter().enumerate().any(|(k, &a)| {
                            a == v
                                && !u32::try_from(k).is_ok_and(|k| {
                                    ir::call_has_attribute(u, ir::AttrAt::Arg(k), "nocapture")
                                })
                        });
                    if !lifetime && kept {
                        return true;
                    }
                }
                _ => return true,
            }
        }
    }
    false
}
