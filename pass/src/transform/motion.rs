//! Code motion out of a cluster's gap (the paper's section 3.3.1): what lies between two
//! calls of a hot edge and keeps them apart, but does not depend on them, moves out of the
//! region, so that legality (condition 2, safety, and condition 4, argument safety) can
//! accept the gap.
//!
//! What moves, and where:
//!
//! - `llvm.lifetime.start` rises above the region's first call and `llvm.lifetime.end` sinks
//!   below its last: both only make the object live longer. Neither passes a marker of the
//!   same object, and a start rises only when every other use of its object comes after it
//!   (so no path that leaves before the old position finds the object's contents undefined);
//!   an address computed from it (a GEP, a cast: LLVM hoists a field's address out of the
//!   loop, before the marker) is no use, what is done with that address is.
//! - A load that may fault, or that reads memory a later hot call writes, rises above the
//!   region's first call with the instructions its address is computed from.
//! - An argument of a later call of the region computed in the gap (`p + i * 512`, a `select`
//!   of a length, a load of a global descriptor) rises above the region's first call with the
//!   instructions it is computed from, so that argument safety finds it available there. A
//!   result of an earlier call (or its extension) is not moved: argument safety takes it as a
//!   result reference.
//!
//! What rises with a value is every instruction it is computed from that lies between the
//! call it rises above and its old place. Each must be side-effect-free and speculatable
//! (LLVM's isSafeToSpeculativelyExecute: arithmetic that cannot trap, casts, GEPs, compares,
//! selects), or a load under the rules below; a division that may trap, a volatile or atomic
//! access, a call or a phi stays, and the missed remark names which (`Unhoistable`). A load
//! must read the same value at its new place: no instruction it passes may write its memory
//! (alias analysis; a system call by its memory effects from the catalogue, `facts::effects`,
//! and `errno`, which a failing wrapper writes, unless the load cannot read `errno`). It must
//! not fault where the original did not: the pointer is dereferenceable at the new place
//! (LLVM's isSafeToLoadUnconditionally), or it is an element `argv[k]` of `main`'s argument
//! vector with `k <= argc` known there (the C standard's guarantee for the vector the start-up
//! code passes; not used when the module calls `main` itself).
//!
//! - Debug intrinsics need no motion: the checks do not see them.
//! - Other arithmetic, casts, GEPs, compares and selects that cannot trap stay where they are:
//!   legality accepts them between the calls. One that may trap (a division) cannot move
//!   either way without changing whether the program faults before or after a call, and stays
//!   a refusal; so do other stores, volatile and atomic accesses, inline assembly and calls of
//!   functions that are not system calls.
//! - What a straight batch leaves in place between its calls (`conditions::straight_safety`:
//!   a store that cannot fault into memory no later call of the region touches, a call that
//!   only computes a value, a load of `errno`) stays where it is and blocks nothing: the rest
//!   of the gap still moves (`st->blocks++` between `read` and `write(st->out, ...)`).
//!
//! Nothing is moved out of a gap that keeps a blocker no motion removes: the gap is refused
//! anyway, and the remark names that blocker. Sinking a load is never done: below a later call
//! it either reads what that call wrote or faults after the call's effects instead of before
//! them; where it would be exact, the load is already accepted in place.
//!
//! The region is the chain of hot edges through the gap's calls: an instruction rises past the
//! hot predecessors of the edge's first call as far as it may, and a lifetime end sinks past
//! the hot successors of its last, but never to a call in a loop that the instruction's own
//! block is not in (a marker between two calls after a copy loop would otherwise rise along
//! the loop's exit edge into its header, run in every iteration and keep the loop from being
//! taken whole). Edges are taken heaviest first; an instruction that would
//! come to rest inside the gap of a hot edge at least as heavy stays where it is (it would
//! block that edge instead), unless that gap keeps a blocker no motion removes. After each move the function's analyses are dropped
//! (`Shim::invalidate`) and the gap is gathered again.

use indexmap::{IndexMap, IndexSet};

use llvm_sys::prelude::{LLVMBasicBlockRef, LLVMValueRef};
use llvm_sys::LLVMOpcode;

use super::{Changed, Hot};
use crate::context::Context;
use crate::ir;
use crate::legality::conditions::{stop_predicate, straight_keeps, unsafe_kind};
use crate::legality::facts::{self, End, Gap, Reach, Step};
use crate::legality::Unsafe;
use crate::plan::Stop;
use crate::profile_map::WeightedPair;
use crate::remarks::Remark;
use crate::shim::{flags, Shim};
use crate::sites::Site;

/// At most this many instructions move out of one gap (a bound on the work, far above what
/// clang leaves between two calls).
const MAX_MOVES_PER_GAP: usize = 64;

/// At most this many hot edges are followed from a gap's calls to find the region's ends.
const MAX_CHAIN: usize = 64;

/// Moves what blocks the hot edges `pairs` (heaviest first) out of their gaps.
pub(crate) fn run(ctx: &mut Context<'_>, hot: &mut Hot<'_>) -> Changed {
    let (sites, pairs) = (hot.sites, hot.pairs);
    let mut m = Motion {
        shim: ctx.shim,
        sites,
        by_call: sites.iter().enumerate().map(|(i, s)| (s.call, i)).collect(),
        succ: IndexMap::new(),
        pred: IndexMap::new(),
        reach: Reach::default(),
        loops: std::mem::take(&mut hot.loops),
        remarks: Vec::new(),
        asynchronous: std::cell::OnceCell::new(),
    };
    for p in pairs {
        m.succ.entry(p.a).or_default().push((p.b, p.weight));
        m.pred.entry(p.b).or_default().push((p.a, p.weight));
    }
    let mut changed = Changed::No;
    for pair in pairs {
        if m.edge(pair) == Changed::Yes {
            changed = Changed::Yes;
        }
    }
    for r in m.remarks {
        ctx.remark(r);
    }
    changed
}

/// Up the region (towards its first call) or down (towards its last).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Dir {
    Up,
    Down,
}

impl Dir {
    /// The edge between `x` and its neighbour `y` in this direction, in program order.
    fn edge(self, x: usize, y: usize) -> (usize, usize) {
        match self {
            Dir::Up => (y, x),
            Dir::Down => (x, y),
        }
    }
}

/// What an instruction passes on its way to right before or after the call `at`.
struct Crossing {
    /// The instructions passed, calls of the region included.
    insts: Vec<LLVMValueRef>,
    /// The calls passed that go on only when they succeed, each with the branch that says
    /// so: what that branch dominates runs only after the call succeeded.
    succeeded: Vec<(usize, LLVMValueRef)>,
    at: usize,
}

/// Where a moved instruction goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    /// Right before this call.
    Before(usize),
    /// Right after this call.
    After(usize),
}

/// Why an instruction cannot leave a gap.
#[derive(Clone, Debug)]
enum Stuck {
    /// What legality refuses and motion cannot change.
    Kind(Unsafe),
    /// The instruction `by` (a call of the region or code between) may write what the load reads.
    Written { by: LLVMValueRef },
    /// `writer`, which may run at any time (a signal handler), may write what the load
    /// reads: while the call `by` runs (a handler interrupting it), so the load cannot
    /// pass it.
    WrittenAsync { by: usize, writer: LLVMValueRef },
    /// Its memory may be shared with another process (`facts::written_if_shared`): it may change
    /// while the call `by` runs.
    Shared { by: usize },
    /// The system call at `by` sets `errno` when it fails, and the load may read `errno`.
    Errno { by: usize },
    /// The load may fault at the first call: its pointer is not known to be dereferenceable there.
    MayFault { at: usize },
    /// It needs `value` (its address, or the object of a marker), which is computed after
    /// the call it would rise above and cannot rise with it.
    Needs { value: LLVMValueRef },
    /// A lifetime marker of the same object lies on the way.
    Marker { other: LLVMValueRef },
    /// The object of a lifetime start is used before the start.
    UsedBefore,
    /// It would come to rest between the calls of a hot edge at least as heavy.
    Heavier { a: usize, b: usize },
    /// The call `at` it would rest next to is in a loop its block is not in, round which a
    /// hotter edge runs: moved there, it would run in every iteration, between that edge's
    /// calls.
    IntoLoop { at: usize },
    /// It is, or is computed from, `value`, which cannot rise: `why`.
    Unhoistable {
        value: LLVMValueRef,
        why: Unhoistable,
    },
}

/// Why an instruction a moving value is computed from (or the value itself) cannot rise
/// above a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Unhoistable {
    /// It may trap (a division by a value that may be zero): above the call it could fault
    /// where the original does not, or before the call's effects instead of after them.
    MayTrap,
    /// It reads memory and is not a plain load.
    ReadsMemory,
    /// A volatile or atomic access.
    Volatile,
    /// A call (of a function that is not a system call of the region, or inline assembly).
    Call,
    /// A phi: its value depends on the edge its block was entered by.
    Phi,
    /// It writes memory or has other side effects.
    SideEffects,
}

impl Unhoistable {
    /// What keeps `inst` where it is, if anything; a plain load is judged by the load rules
    /// (`Motion::rising`).
    fn of(inst: LLVMValueRef, f: u32) -> Option<Unhoistable> {
        if ir::is_phi(inst) {
            return Some(Unhoistable::Phi);
        }
        let load = ir::opcode(inst) == LLVMOpcode::LLVMLoad;
        match unsafe_kind(inst, f) {
            Some(Unsafe::Call | Unsafe::InlineAsm) => Some(Unhoistable::Call),
            Some(Unsafe::Volatile) => Some(Unhoistable::Volatile),
            Some(Unsafe::SideEffects | Unsafe::Lifetime) => Some(Unhoistable::SideEffects),
            Some(Unsafe::MayTrap) if !load => Some(Unhoistable::MayTrap),
            None if !load && f & flags::READS_MEMORY != 0 => Some(Unhoistable::ReadsMemory),
            Some(Unsafe::MayTrap) | None => None,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Unhoistable::MayTrap => "it may trap: above the first call it could fault where the original does not, or before a system call's effects instead of after them",
            Unhoistable::ReadsMemory => "it reads memory and is not a plain load",
            Unhoistable::Volatile => "it is a volatile or atomic access",
            Unhoistable::Call => "it is a call, which code motion does not move",
            Unhoistable::Phi => "it is a phi, whose value depends on the edge its block was entered by",
            Unhoistable::SideEffects => "it writes memory or has other side effects",
        }
    }
}

struct Motion<'a> {
    shim: &'a Shim,
    sites: &'a [Site],
    by_call: IndexMap<LLVMValueRef, usize>,
    /// The hot edges by their first call (x -> [(y, weight)]) and by their second, heaviest
    /// first.
    succ: IndexMap<usize, Vec<(usize, u64)>>,
    pred: IndexMap<usize, Vec<(usize, u64)>>,
    reach: Reach,
    /// The functions' loops as they stand, found once until a move changes the function.
    loops: super::LoopIndex,
    remarks: Vec<Remark>,
    /// The module's functions that may run at any time (`globals::CallGraph::asynchronous`),
    /// found when a load first asks to pass a call.
    asynchronous: std::cell::OnceCell<crate::legality::Asynchronous>,
}

/// What blocks a gap, as found in its steps.
enum Blocker {
    /// A lifetime start (rises), end (sinks), a load or an argument of a later call (rises),
    /// at this step.
    Movable(usize),
    /// Something no motion removes.
    Fixed(LLVMValueRef, Stuck),
}

/// Argument `k` of the site `site` (a later call of the region).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct ArgUse {
    site: usize,
    k: usize,
}

impl<'a> Motion<'a> {
    /// One hot edge a -> b: moves its gap's blockers out, one at a time.
    fn edge(&mut self, pair: &WeightedPair) -> Changed {
        let (a, b) = (pair.a, pair.b);
        if !self.straight_pair(a, b) {
            return Changed::No;
        }
        let later = self.chain_forward(b);
        let mut changed = Changed::No;
        for _ in 0..MAX_MOVES_PER_GAP {
            let Some(gap) = self.gap(a, b) else {
                break;
            };
            let blockers = self.blockers(&gap, &later);
            if let Some((inst, why)) = blockers.iter().find_map(|x| match x {
                Blocker::Fixed(i, w) => Some((*i, w.clone())),
                Blocker::Movable(_) => None,
            }) {
                let argument = matches!(why, Stuck::Unhoistable { .. });
                if argument || blockers.iter().any(|x| matches!(x, Blocker::Movable(_))) {
                    let argument = self.named_argument(inst, &later);
                    self.missed(a, b, (inst, argument), &why, true);
                }
                break;
            }
            let Some(Blocker::Movable(step)) = blockers.first() else {
                break;
            };
            let Step::Inst { inst, .. } = gap.steps[*step] else {
                break;
            };
            match self.plan(a, b, &gap, *step, pair.weight) {
                Ok((place, moving)) => {
                    let argument = self.named_argument(inst, &later);
                    self.remarks
                        .push(self.moved(a, b, inst, argument, place, moving.len()));
                    self.apply(place, &moving);
                    changed = Changed::Yes;
                }
                Err(why) => {
                    let argument = self.named_argument(inst, &later);
                    self.missed(a, b, (inst, argument), &why, false);
                    break;
                }
            }
        }
        changed
    }

    /// a and b are two calls of one function and a dominates b.
    fn straight_pair(&self, a: usize, b: usize) -> bool {
        let (sa, sb) = (&self.sites[a], &self.sites[b]);
        a != b
            && sa.function == sb.function
            && ir::opcode(sa.call) == LLVMOpcode::LLVMCall
            && ir::opcode(sb.call) == LLVMOpcode::LLVMCall
            && self.shim.dominates(sa.call, sb.call)
    }

    /// The gap between a and b when the walk reaches b.
    fn gap(&mut self, a: usize, b: usize) -> Option<Gap> {
        let (sa, sb) = (&self.sites[a], &self.sites[b]);
        let head = ir::parent_block(sa.call);
        let gap = facts::gather(self.shim, &mut self.reach, sa, sb, head);
        matches!(gap.end, End::Reached { .. }).then_some(gap)
    }

    /// b and the calls that follow it along hot edges (the region's later calls).
    fn chain_forward(&mut self, b: usize) -> Vec<usize> {
        let mut chain = vec![b];
        while chain.len() < MAX_CHAIN {
            let last = chain[chain.len() - 1];
            match self.hot_neighbour(last, Dir::Down) {
                Some((next, _)) if !chain.contains(&next) => chain.push(next),
                _ => break,
            }
        }
        chain
    }

    /// The heaviest hot edge from `x` (`Dir::Down`: x -> y) or into it (`Dir::Up`: y -> x)
    /// with a straight gap: y and the edge's weight.
    fn hot_neighbour(&mut self, x: usize, dir: Dir) -> Option<(usize, u64)> {
        let index = match dir {
            Dir::Down => &self.succ,
            Dir::Up => &self.pred,
        };
        let cands = index.get(&x).cloned().unwrap_or_default();
        cands.into_iter().find(|&(y, _)| {
            let (from, to) = dir.edge(x, y);
            self.straight_pair(from, to) && self.gap(from, to).is_some()
        })
    }

    /// The gap's blockers in path order: what legality would refuse, loads that a later
    /// call of the region may write, and arguments of later calls (argument safety).
    fn blockers(&self, gap: &Gap, later: &[usize]) -> Vec<Blocker> {
        let mut out = Vec::new();
        for (i, s) in gap.steps.iter().enumerate() {
            let Step::Inst { inst, flags: f } = *s else {
                continue;
            };
            let argument = || self.argument_use(inst, later).is_some();
            match unsafe_kind(inst, f) {
                Some(_) if ir::lifetime_marker(inst).is_some() => out.push(Blocker::Movable(i)),
                Some(Unsafe::MayTrap) if is_simple_load(inst, f) => out.push(Blocker::Movable(i)),
                Some(_) if self.stays_in_straight_batch(inst, f, later) => {}
                Some(kind) => {
                    let why = match Unhoistable::of(inst, f) {
                        Some(why) if argument() => Stuck::Unhoistable { value: inst, why },
                        _ => Stuck::Kind(kind),
                    };
                    out.push(Blocker::Fixed(inst, why))
                }
                None if f & flags::READS_MEMORY != 0
                    && later
                        .iter()
                        .any(|&c| facts::site_may_write(self.shim, &self.sites[c], inst)) =>
                {
                    out.push(Blocker::Movable(i))
                }
                None if argument() => out.push(Blocker::Movable(i)),
                None => {}
            }
        }
        out
    }

    /// Whether `inst` may stay between the calls of a straight batch, which leaves it in
    /// place after the later calls (`conditions::straight_safety`): a call that only computes
    /// a value, a load of errno, or a store that cannot fault into memory no later call of the
    /// region reads or writes (a counter in a global struct: `st.blocks++` between `read` and
    /// `write`). It keeps no other instruction in the gap: what the later calls need still
    /// rises above the first.
    fn stays_in_straight_batch(&self, inst: LLVMValueRef, f: u32, later: &[usize]) -> bool {
        straight_keeps(inst, f)
            && (ir::opcode(inst) != LLVMOpcode::LLVMStore
                || !later
                    .iter()
                    .any(|&c| facts::site_may_access_store(self.shim, &self.sites[c], inst)))
    }

    /// The argument of a later call that `inst` is, for a remark: loads are named by what
    /// they read.
    fn named_argument(&self, inst: LLVMValueRef, later: &[usize]) -> Option<ArgUse> {
        if ir::opcode(inst) == LLVMOpcode::LLVMLoad {
            return None;
        }
        self.argument_use(inst, later)
    }

    /// The first argument of a call of `later` that is `inst`, unless argument safety takes
    /// it as it is: a result of a call of the region, or its extension (a result reference).
    fn argument_use(&self, inst: LLVMValueRef, later: &[usize]) -> Option<ArgUse> {
        if self.by_call.contains_key(&ir::strip_extensions(inst)) {
            return None;
        }
        later.iter().find_map(|&site| {
            self.sites[site]
                .args
                .iter()
                .position(|&v| v == Some(inst))
                .map(|k| ArgUse { site, k })
        })
    }

    /// Where the instruction at `step` of gap a -> b goes, and what moves with it (in order).
    fn plan(
        &mut self,
        a: usize,
        b: usize,
        gap: &Gap,
        step: usize,
        weight: u64,
    ) -> Result<(Place, Vec<LLVMValueRef>), Stuck> {
        let Step::Inst { inst, .. } = gap.steps[step] else {
            return Err(Stuck::Kind(Unsafe::SideEffects));
        };
        let before: Vec<LLVMValueRef> = insts(&gap.steps[..step]);
        let a_succeeded = self.succeeded(&gap.steps[..step], a);
        match ir::lifetime_marker(inst) {
            Some(ir::LifetimeMarker::End) => {
                let after = insts(&gap.steps[step + 1..]);
                let from = ir::parent_block(inst);
                let to = self.climb(b, Dir::Down, after, (None, from), weight, |m, c| {
                    m.marker_may_cross(inst, &c.insts)
                })?;
                Ok((Place::After(to.at), vec![inst]))
            }
            Some(ir::LifetimeMarker::Start) => {
                let from = ir::parent_block(inst);
                let to = self.climb(a, Dir::Up, before, (a_succeeded, from), weight, |m, c| {
                    // Its object (an alloca outside the entry block, say) must exist there.
                    let ptr = ir::operand(inst, 1);
                    if ir::is_instruction(ptr) && !m.shim.dominates(ptr, m.sites[c.at].call) {
                        return Err(Stuck::Needs { value: ptr });
                    }
                    m.marker_may_cross(inst, &c.insts)
                })?;
                Ok((Place::Before(to.at), vec![inst]))
            }
            None => {
                let from = ir::parent_block(inst);
                let to = self.climb(a, Dir::Up, before, (a_succeeded, from), weight, |m, c| {
                    m.rising(inst, c).map(drop)
                })?;
                Ok((Place::Before(to.at), self.rising(inst, &to)?))
            }
        }
    }

    /// The branch on the path `steps` after the call `a` that goes on only when `a`
    /// succeeded: a branch on its result that stops at every error (`result < 0`,
    /// `result <= 0`). What it dominates runs only after `a` succeeded.
    fn succeeded(&self, steps: &[Step], a: usize) -> Option<LLVMValueRef> {
        steps.iter().find_map(|s| match *s {
            Step::Branch {
                inst,
                cond,
                continue_if_true,
                ..
            } => matches!(
                stop_predicate(cond, continue_if_true, &self.sites[a]),
                Some(Stop::Neg | Stop::NonPos)
            )
            .then_some(inst),
            Step::Inst { .. } | Step::Switch { .. } => None,
        })
    }

    /// How far an instruction goes from the call `start` (above it, `Dir::Up`, or below it,
    /// `Dir::Down`) along the region's hot edges: past each further call while `may_cross`
    /// allows it to pass everything up to and including that call. `crossed` starts with what
    /// lies between the instruction and `start`; `start_succeeded` says that the instruction
    /// runs only after `start` succeeded. Returns what it passes on the way to the call it
    /// comes to rest next to. It does not go on to a call in a loop that its own block `from`
    /// is not in (a marker or a load that leaves the loop's exit for the call before it, the
    /// loop's last, would run in every iteration).
    fn climb(
        &mut self,
        start: usize,
        dir: Dir,
        crossed: Vec<LLVMValueRef>,
        (start_succeeded, from): (Option<LLVMValueRef>, LLVMBasicBlockRef),
        weight: u64,
        may_cross: impl Fn(&Self, &Crossing) -> Result<(), Stuck>,
    ) -> Result<Crossing, Stuck> {
        let mut c = Crossing {
            insts: crossed,
            succeeded: Vec::new(),
            at: start,
        };
        c.insts.push(self.sites[start].call);
        // Code after a loop's exit (the `close` after a copy loop) stays out of a loop whose
        // calls a hotter edge joins: there it would run in every iteration, between them.
        let at = ir::parent_block(self.sites[start].call);
        if let Some(h) = self.loops.innermost(self.shim, at, at) {
            let body = crate::legality::loop_blocks(self.shim, h);
            if !body.contains(&from) {
                let in_body = |s: usize| body.contains(&ir::parent_block(self.sites[s].call));
                let hotter = self.succ.iter().any(|(&x, next)| {
                    in_body(x) && next.iter().any(|&(y, w)| w > weight && in_body(y))
                });
                if hotter {
                    return Err(Stuck::IntoLoop { at: start });
                }
            }
        }
        if let Some(branch) = start_succeeded {
            c.succeeded.push((start, branch));
        }
        may_cross(self, &c)?;
        for _ in 0..MAX_CHAIN {
            let Some((next, w)) = self.hot_neighbour(c.at, dir) else {
                break;
            };
            let (x, y) = dir.edge(c.at, next);
            let Some(gap) = self.gap(x, y) else {
                break;
            };
            let to = ir::parent_block(self.sites[next].call);
            if self.loops.innermost(self.shim, to, to) != self.loops.innermost(self.shim, to, from)
            {
                break;
            }
            let mut more = Crossing {
                insts: c.insts.clone(),
                succeeded: c.succeeded.clone(),
                at: next,
            };
            more.insts.extend(insts(&gap.steps));
            more.insts.push(self.sites[next].call);
            if dir == Dir::Up {
                if let Some(branch) = self.succeeded(&gap.steps, next) {
                    more.succeeded.push((next, branch));
                }
            }
            if may_cross(self, &more).is_err() {
                // It rests between x and y, where it blocks that edge: only when that edge
                // is lighter than the one it leaves, or keeps a blocker no motion removes
                // (a store, a call) and is refused anyway.
                if w >= weight && !self.refused_anyway(&gap) {
                    return Err(Stuck::Heavier { a: x, b: y });
                }
                break;
            }
            c = more;
        }
        Ok(c)
    }

    /// Whether the gap keeps something legality refuses and no motion removes.
    fn refused_anyway(&self, gap: &Gap) -> bool {
        self.blockers(gap, &[])
            .iter()
            .any(|b| matches!(b, Blocker::Fixed(..)))
    }

    /// A lifetime marker may pass `crossed` when none of them is a marker of its object, and
    /// (a start) when no other use of its object comes before it.
    fn marker_may_cross(
        &self,
        marker: LLVMValueRef,
        crossed: &[LLVMValueRef],
    ) -> Result<(), Stuck> {
        let object = self.shim.underlying_object(ir::operand(marker, 1));
        if let Some(&other) = crossed.iter().find(|&&i| {
            ir::lifetime_marker(i).is_some()
                && self.shim.underlying_object(ir::operand(i, 1)) == object
        }) {
            return Err(Stuck::Marker { other });
        }
        if ir::lifetime_marker(marker) == Some(ir::LifetimeMarker::Start)
            && !self.uses_follow(object, marker)
        {
            return Err(Stuck::UsedBefore);
        }
        Ok(())
    }

    /// Every use of `object` (through casts and GEPs) other than lifetime markers comes
    /// after `start`: `start` dominates it. The casts and GEPs themselves only compute
    /// addresses (LLVM hoists a field's address out of a loop, before the marker): what
    /// counts is where the memory is accessed through them.
    fn uses_follow(&self, object: LLVMValueRef, start: LLVMValueRef) -> bool {
        let mut seen = IndexSet::new();
        let mut work = vec![object];
        while let Some(v) = work.pop() {
            if seen.len() > 4096 {
                return false;
            }
            if !seen.insert(v) {
                continue;
            }
            for (user, _) in ir::users(v) {
                if ir::lifetime_marker(user).is_some() {
                    continue;
                }
                if matches!(
                    ir::opcode(user),
                    LLVMOpcode::LLVMGetElementPtr | LLVMOpcode::LLVMBitCast
                ) {
                    work.push(user);
                    continue;
                }
                if !self.shim.dominates(start, user) {
                    return false;
                }
            }
        }
        true
    }

    /// What rises with `value` to right before the call `c.at`, past `c.insts`, in program
    /// order: the instructions among `c.insts` it is computed from, and `value` last. Each is
    /// side-effect-free and speculatable, or a plain load that reads the same value there
    /// (nothing passed writes its memory; `errno` only past a call that surely succeeded)
    /// and cannot fault there; every other operand is available there.
    fn rising(&self, value: LLVMValueRef, c: &Crossing) -> Result<Vec<LLVMValueRef>, Stuck> {
        let at_call = self.sites[c.at].call;
        if let Some(why) = Unhoistable::of(value, self.shim.inst_flags(value)) {
            return Err(Stuck::Unhoistable { value, why });
        }
        let passed: IndexSet<LLVMValueRef> = c.insts.iter().copied().collect();
        let mut moving = vec![value];
        let mut work = vec![value];
        while let Some(i) = work.pop() {
            for k in 0..operand_count(i) {
                let op = ir::operand(i, k);
                if !ir::is_instruction(op) || moving.contains(&op) {
                    continue;
                }
                if !passed.contains(&op) {
                    if !self.shim.dominates(op, at_call) {
                        return Err(Stuck::Needs { value: op });
                    }
                    continue;
                }
                if self.by_call.contains_key(&op) {
                    // A call of the region passed on the way: its result is not known above it.
                    return Err(Stuck::Needs { value: op });
                }
                if let Some(why) = Unhoistable::of(op, self.shim.inst_flags(op)) {
                    return Err(Stuck::Unhoistable { value: op, why });
                }
                moving.push(op);
                work.push(op);
            }
        }
        for &load in moving
            .iter()
            .filter(|&&i| ir::opcode(i) == LLVMOpcode::LLVMLoad)
        {
            self.load_may_cross(load, &moving, &c.insts, &c.succeeded, c.at)?;
        }
        Ok(self.program_order(moving))
    }

    /// A load rising with `moving` may pass `passed` to right before the call `at`: nothing
    /// passed writes its memory (errno included, unless the call that would set it is in
    /// `succeeded` with a branch that comes before the load), and it cannot fault there.
    fn load_may_cross(
        &self,
        load: LLVMValueRef,
        moving: &[LLVMValueRef],
        passed: &[LLVMValueRef],
        succeeded: &[(usize, LLVMValueRef)],
        at: usize,
    ) -> Result<(), Stuck> {
        let errno = facts::may_be_errno(self.shim, ir::operand(load, 0));
        for &i in passed.iter().filter(|i| !moving.contains(i)) {
            let writes = match self.by_call.get(&i) {
                // A wrapper sets errno only when its call fails.
                Some(&s)
                    if errno
                        && !succeeded
                            .iter()
                            .any(|&(x, branch)| x == s && self.shim.dominates(branch, load)) =>
                {
                    return Err(Stuck::Errno { by: s })
                }
                Some(&s) => facts::site_may_write(self.shim, &self.sites[s], load),
                None => self.shim.inst_may_write_load(i, load),
            };
            if writes {
                // Only because the memory may be shared: say so.
                if let Some(&s) = self.by_call.get(&i) {
                    if facts::written_if_shared(self.shim, &self.sites[s], load) {
                        return Err(Stuck::Shared { by: s });
                    }
                }
                return Err(Stuck::Written { by: i });
            }
            // A call may also run a handler that writes it.
            if let Some(&s) = self.by_call.get(&i) {
                if let Some(writer) = self.async_writer(load) {
                    return Err(Stuck::WrittenAsync { by: s, writer });
                }
            }
        }
        let at_call = self.sites[at].call;
        if !self.shim.safe_to_load_at(load, at_call) && !self.argv_element(load, at_call) {
            return Err(Stuck::MayFault { at });
        }
        Ok(())
    }

    /// A function that may run at any time and may write what `load` reads
    /// (`legality::async_user`).
    fn async_writer(&self, load: LLVMValueRef) -> Option<LLVMValueRef> {
        let asynchronous = self.asynchronous.get_or_init(|| {
            super::asynchronous_functions(ir::module_of(ir::block_function(ir::parent_block(load))))
        });
        crate::legality::async_user(self.shim, asynchronous, ir::operand(load, 0), true)
    }

    /// Instructions of one straight path (each block entered from the one before) in the
    /// order they run: each dominates the ones after it.
    fn program_order(&self, insts: Vec<LLVMValueRef>) -> Vec<LLVMValueRef> {
        let mut out: Vec<LLVMValueRef> = Vec::with_capacity(insts.len());
        for i in insts {
            let at = out
                .iter()
                .position(|&o| self.shim.dominates(i, o))
                .unwrap_or(out.len());
            out.insert(at, i);
        }
        out
    }

    /// The load reads `argv[k]` of `main` (a pointer-sized element at offset 8k) and
    /// `argc >= k` is known right before `at`: the C standard guarantees `argc + 1` elements
    /// (the last a null pointer) in the vector the start-up code passes.
    fn argv_element(&self, load: LLVMValueRef, at: LLVMValueRef) -> bool {
        let Some((base, off)) = self.shim.strip_offsets(ir::operand(load, 0)) else {
            return false;
        };
        let Some(argc) = facts::main_argv(base) else {
            return false;
        };
        let elem = ir::type_kind(ir::type_of(load)) == llvm_sys::LLVMTypeKind::LLVMPointerTypeKind;
        if !elem || off < 0 || off % 8 != 0 {
            return false;
        }
        self.shim
            .signed_min_at(argc, at)
            .is_some_and(|min| min >= off / 8)
    }

    fn apply(&mut self, place: Place, moving: &[LLVMValueRef]) {
        match place {
            Place::Before(c) => {
                let pos = self.sites[c].call;
                for &i in moving {
                    // A load and its address now also run on the paths that leave the
                    // region before their old place.
                    if ir::lifetime_marker(i).is_none() {
                        self.shim.drop_ub_metadata(i);
                    }
                    self.shim.move_before(i, pos);
                }
            }
            Place::After(c) => {
                let mut pos = self.sites[c].call;
                for &i in moving {
                    self.shim.move_after(i, pos);
                    pos = i;
                }
            }
        }
        let (Place::Before(c) | Place::After(c)) = place;
        self.shim.invalidate(self.sites[c].function);
        self.loops = super::LoopIndex::default();
    }

    fn moved(
        &self,
        a: usize,
        b: usize,
        inst: LLVMValueRef,
        argument: Option<ArgUse>,
        place: Place,
        n: usize,
    ) -> Remark {
        let sites = self.sites;
        let whither = match place {
            Place::Before(c) => format!("above {}", sites[c].label()),
            Place::After(c) => format!("below {}", sites[c].label()),
        };
        let what = match argument {
            Some(ArgUse { site, k }) => format!(" (argument {k} of {})", sites[site].label()),
            None => String::new(),
        };
        let from = if ir::opcode(inst) == LLVMOpcode::LLVMLoad {
            "of its address"
        } else {
            "it is computed from"
        };
        let with = if n > 1 {
            format!(
                " with the {} instruction{} {from}",
                n - 1,
                if n == 2 { "" } else { "s" }
            )
        } else {
            String::new()
        };
        Remark {
            kind: crate::shim::RemarkKind::Passed,
            name: "Motion",
            function: sites[a].function,
            at: Some(inst),
            message: format!(
                "moved '{}'{what}{with} {whither}, out of the gap between {} and {}",
                ir::describe(inst),
                sites[a].label(),
                sites[b].label()
            ),
        }
    }

    /// A missed remark: `inst` (argument `argument` of a later call, if it is one) stays in
    /// the gap a -> b. `fixed`: the gap keeps a blocker that no motion removes, so nothing
    /// (more) was moved out of it.
    fn missed(
        &mut self,
        a: usize,
        b: usize,
        (inst, argument): (LLVMValueRef, Option<ArgUse>),
        why: &Stuck,
        fixed: bool,
    ) {
        let sites = self.sites;
        let label = |s: usize| sites[s].label();
        let reason = match why {
            Stuck::Kind(Unsafe::MayTrap) => "it may trap: run before the earlier call or after the later one, it would fault on the other side of a system call".to_string(),
            Stuck::Kind(Unsafe::Call) if self.by_call.contains_key(&inst) => {
                "it is a system call of its own, between the two".to_string()
            }
            Stuck::Kind(Unsafe::Call) => format!(
                "it calls '{}', which is not a system call",
                ir::called_function(inst).map(ir::name).unwrap_or_else(|| "an indirect callee".into())
            ),
            Stuck::Kind(Unsafe::InlineAsm) => "it is inline assembly".into(),
            Stuck::Kind(Unsafe::Volatile) => "it is a volatile or atomic access".into(),
            Stuck::Kind(Unsafe::SideEffects | Unsafe::Lifetime) => {
                "it writes memory or has other side effects".into()
            }
            Stuck::Shared { by } => format!(
                "it reads memory that may be shared with another process (not a local or global variable, nor what an allocator returned: a MAP_SHARED mapping changes with its file and with what others store), which may change while {} runs",
                label(*by)
            ),
            Stuck::WrittenAsync { by, writer } => format!(
                "'{}', which may run at any time (a signal handler, a thread, or a function they call), may write the memory it reads while {} runs",
                ir::name(*writer),
                label(*by)
            ),
            Stuck::Written { by } => match self.by_call.get(by) {
                Some(&s) => format!("{} may write the memory it reads", label(s)),
                None => format!("'{}' may write the memory it reads", ir::describe(*by)),
            },
            Stuck::Errno { by } => format!(
                "{} sets errno when it fails, and the load may read errno",
                label(*by)
            ),
            Stuck::MayFault { at } => format!(
                "its pointer is not known to be dereferenceable before {}: moved there it could fault where the original does not",
                label(*at)
            ),
            Stuck::Needs { value } => format!(
                "it needs '{}', which cannot move above the first call",
                ir::describe(*value)
            ),
            Stuck::Marker { other } => format!(
                "'{}' marks the same object on the way",
                ir::describe(*other)
            ),
            Stuck::UsedBefore => "its object is used before it".into(),
            Stuck::Heavier { a: x, b: y } => format!(
                "it would come to rest between {} and {}, a hot edge at least as heavy",
                label(*x),
                label(*y)
            ),
            Stuck::IntoLoop { at } => format!(
                "{} is in a loop it is not in, round which a hotter edge runs: there it would run in every iteration, between that edge's calls",
                label(*at)
            ),
            Stuck::Unhoistable { value, why } if *value == inst => why.describe().to_string(),
            Stuck::Unhoistable { value, why } => format!(
                "it is computed from '{}', which cannot rise with it: {}",
                ir::describe(*value),
                why.describe()
            ),
        };
        let x = match argument {
            Some(ArgUse { site, k }) => {
                format!("{}' (argument {k} of {})", ir::describe(inst), label(site))
            }
            None => format!("{}'", ir::describe(inst)),
        };
        let between = format!("{} and {}", label(a), label(b));
        let message = if fixed {
            format!("nothing moved out of the gap between {between}, which keeps '{x}: {reason}")
        } else {
            format!("could not move '{x} out of the gap between {between}: {reason}")
        };
        self.remarks.push(Remark {
            kind: crate::shim::RemarkKind::Missed,
            name: "Motion",
            function: sites[a].function,
            at: Some(inst),
            message,
        });
    }
}

/// A load that is neither volatile nor atomic.
fn is_simple_load(inst: LLVMValueRef, f: u32) -> bool {
    ir::opcode(inst) == LLVMOpcode::LLVMLoad && f & flags::VOLATILE == 0
}

/// The instructions of some steps, in order.
fn insts(steps: &[Step]) -> Vec<LLVMValueRef> {
    steps
        .iter()
        .filter_map(|s| match *s {
            Step::Inst { inst, .. } => Some(inst),
            Step::Branch { .. } | Step::Switch { .. } => None,
        })
        .collect()
}

fn operand_count(i: LLVMValueRef) -> u32 {
    // SAFETY: i is a live instruction of the module.
    let n = unsafe { llvm_sys::core::LLVMGetNumOperands(i) };
    u32::try_from(n).unwrap_or(0)
}
