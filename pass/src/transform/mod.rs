//! Enabling transformations: changes to the IR that remove what blocks a cluster (loop
//! rotation so that a loop's last call meets the next iteration's first, code motion of an
//! unsafe instruction out of the gap, inlining of a callee that makes a call), after which
//! legality is asked again, as MergeICmps' `canSplit`/`split` do.
//!
//! Implemented: `inline` (helpers on a hot edge between functions, inlined into a caller of
//! both, after `promote` made calls through a function pointer of known targets direct; it
//! reads the profile itself), and on the hot edges of the profile after it is mapped
//! onto the sites (`run_on_hot`): a switch on selects as branches (`dispatch`: clang's
//! merged exits of a loop), a switch between two calls as a chain of tests (`switches`), `smax(n, 0)` as `n` where `n` is known not negative (`nonneg`),
//! jump threading (`thread`: a loop whose exits clang -O1
//! joined in one block that switches on which way it came), a call's retry that clang threaded
//! back to it sent round the loop around it (`retry`), a count kept beside a running total computed
//! from it (`counts`), tail duplication (`duplicate`: a hot edge whose second call
//! is also reached without the first), loop rotation (`rotate`: a hot edge across a back edge),
//! moving a loop's start (`reheader`: a loop clang rotated, whose calls feed each other across
//! its back edge, or whose test of a result sits at the top of the next iteration), the end
//! test of a write-all loop on its count's next value (`finished`), the 64-bit argument of
//! such a loop on a 32-bit count as the count it advances (`wide_count`), loads that are the same in every iteration out of a loop (`hoist`), peeling (`peel`: a loop between a hot call and the first execution of the next), code
//! motion (`motion`) and unrolling (`unroll`: a loop whose body is one straight multi-call),
//! in that order. The contract
//! each transformation follows:
//!
//! - it is a [`Transform`]: a function over the run's [`Context`] that returns whether it
//!   changed the IR, and changes nothing when it returns [`Changed::No`]; or a
//!   [`HotTransform`], which is also given the sites and the hot pairs of sites the profile
//!   maps to, and touches only what lies between those;
//! - it runs before lowering, and calls LLVM's own utilities through the shim where they exist
//!   (`LoopRotation`, `peelLoop`, `UnrollLoop`, `InlineFunction`);
//! - it keeps the analyses the checks read valid: the shim answers dominance, post-dominance
//!   and alias questions from the function analysis manager's cached results, so a
//!   transformation either updates the dominator trees as it goes (`DomTreeUpdater`) or
//!   invalidates the function's analyses in that manager (`Shim::invalidate`; the shim's
//!   `inline_call` does so for the caller it changed, `delete_if_dead` forgets a deleted
//!   function's), which are then recomputed on the next question;
//! - one that needs the profile reads `Context::profile`, which the driver loads before the
//!   transformations run, and maps it itself (`profile_map::site_graph`);
//! - after [`Changed::Yes`], sites are scanned again (and the profile mapped again) and a new
//!   `legality::Checker` is made:
//!   a checker remembers facts about the IR it was asked about, and the block splitting the
//!   lowering does (`shim::Shim::split_before`) updates no analysis at all, which is sound
//!   only because every check runs before any lowering.

mod casts;
mod chosen_argument;
mod chosen_global;
mod counts;
mod dispatch;
mod duplicate;
mod extents;
mod finished;
mod flag_test;
mod flatten;
mod globals;
mod guards;
mod hoist;
mod lifetimes;
mod motion;
mod next_tests;
mod nonneg;
mod peel;
mod pointees;
mod promote;
mod reheader;
mod retry;
mod rotate;
mod sums;
mod switches;
mod thread;
mod unroll;
mod unswitch;
mod unwind;
mod vectors;
mod wide_count;

use indexmap::IndexSet;
use std::rc::Rc;

use llvm_sys::prelude::LLVMBasicBlockRef;

use crate::context::Context;
use crate::ir;
use crate::legality::Checker;
use crate::plan::{Plan, Straight};
use crate::profile_map::{self, WeightedPair};
use crate::regions::{self, Refused};
use crate::sites::{self, Site};

pub(crate) mod inline;

/// Whether a transformation changed the IR.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Changed {
    No,
    Yes,
}

/// An enabling transformation, given the module's sites as the driver scanned them before
/// any transformation ran.
pub(crate) type Transform = fn(&mut Context<'_>, &sites::Scan) -> Changed;

/// The enabling transformations, in the order they run.
/// Invokes become calls before inlining (a helper's sites must be calls to be found) and
/// again after it (an invoked helper's calls, inlined, invoke the host's landing pad).
pub(crate) const TRANSFORMS: &[(&str, Transform)] = &[
    ("invoke-to-call", unwind::run),
    ("inline", inline::run),
    ("invoke-to-call", unwind::run),
];

/// Runs every transformation once on the module whose sites `scan` holds; whether any changed
/// the IR, and the module's sites as they stand after them (scanned again only after a change).
pub(crate) fn run_all(ctx: &mut Context<'_>, scan: sites::Scan) -> (Changed, sites::Scan) {
    let mut changed = Changed::No;
    let mut scan = scan;
    let mut stale = false;
    for (_, t) in TRANSFORMS {
        if stale {
            scan = sites::scan(ctx.shim, ctx.module);
            stale = false;
        }
        if t(ctx, &scan) == Changed::Yes {
            changed = Changed::Yes;
            stale = true;
        }
    }
    if stale {
        scan = sites::scan(ctx.shim, ctx.module);
    }
    (changed, scan)
}

/// What legality makes of the hot edges as the IR stands: the regions that stay straight
/// multi-calls, the edges refused, and the headers of the loops taken whole.
pub(super) struct Today {
    pub straight: Vec<Straight>,
    pub refused: Vec<Refused>,
    /// The back edges of loops refused whole (`regions::whole_loops`).
    pub loops_refused: Vec<Refused>,
    pub whole: IndexSet<LLVMBasicBlockRef>,
}

impl Today {
    /// The last calls of the loops refused whole, each once, in the order refused.
    pub(super) fn refused_loop_ends(&self) -> IndexSet<usize> {
        self.loops_refused.iter().map(|r| r.a).collect()
    }

    pub(super) fn of(
        ctx: &Context<'_>,
        sites: &[Site],
        pairs: &[WeightedPair],
        self_loops: &[(usize, u64)],
    ) -> Today {
        let mut checker = Checker::new(ctx.shim, sites, asynchronous_functions);
        let (regions, refused) = regions::grow(&mut checker, sites, pairs);
        let (plans, loops_refused) =
            regions::whole_loops(&mut checker, sites, regions, pairs, self_loops);
        let mut today = Today {
            straight: Vec::new(),
            refused,
            loops_refused,
            whole: IndexSet::new(),
        };
        for p in plans {
            match p {
                Plan::Looped(l) => {
                    today.whole.insert(l.header);
                    today.whole.extend(l.tested_by);
                }
                Plan::Straight(s) => today.straight.push(s),
            }
        }
        today
    }
}

/// The hot edges the transformations work on: the sites of the module as scanned and the
/// pairs of sites the profile's edges map to, heaviest first; and what legality makes of
/// them ([`Today`]), asked once and shared by the transformations that follow one another
/// without changing the IR (growing the regions is most of the pass's time on a long function).
pub(crate) struct Hot<'s> {
    pub sites: &'s [Site],
    pub pairs: &'s [WeightedPair],
    /// Sites that follow themselves (a loop around one call), with the weight.
    pub self_loops: &'s [(usize, u64)],
    today: Option<Rc<Today>>,
    /// The loops of the functions asked about so far, kept like `today` while no
    /// transformation changes the IR.
    pub(super) loops: LoopIndex,
}

impl<'s> Hot<'s> {
    pub(crate) fn new(sites: &'s [Site], pairs: &'s [WeightedPair]) -> Hot<'s> {
        Hot {
            sites,
            pairs,
            self_loops: &[],
            today: None,
            loops: LoopIndex::default(),
        }
    }

    /// What legality makes of the hot edges as the IR stands now.
    pub(super) fn today(&mut self, ctx: &Context<'_>) -> Rc<Today> {
        let (sites, pairs, self_loops) = (self.sites, self.pairs, self.self_loops);
        Rc::clone(
            self.today
                .get_or_insert_with(|| Rc::new(Today::of(ctx, sites, pairs, self_loops))),
        )
    }
}

/// An enabling transformation that works on the hot edges of the profile.
pub(crate) type HotTransform = fn(&mut Context<'_>, &mut Hot<'_>) -> Changed;

/// The transformations over hot edges, in the order they run: code motion before unrolling,
/// which takes only a loop whose body is already one straight multi-call.
pub(crate) const HOT_TRANSFORMS: &[(&str, HotTransform)] = &[
    // A buffer declared in a hot loop's body: its lifetime markers between the calls go,
    // before anything reshapes the loop around them.
    ("lifetimes", lifetimes::run),
    // Counters the SLP vectorizer packed into one vector store, stored lane by lane: each a
    // variable of its own for the transformations that keep variables in registers.
    ("vectors", vectors::run),
    // clang's merged exits (a switch on selects) as branches, and `smax(n, 0)` where `n` is
    // known not negative as `n`: the tests and steps the others read.
    ("dispatch", dispatch::run),
    ("nonneg", nonneg::run),
    // A loop whose exits clang -O1 joined in one dispatching block: the shape -O2 gives it
    // first, which the others expect.
    ("thread", thread::run),
    // A call's retry that clang threaded straight back to it, sent round the loop around
    // it: one loop whose header begins with the call.
    ("retry", retry::run),
    // A count kept beside a running total as a phi of its own, computed from the total.
    ("counts", counts::run),
    // A latch's test on a counter's value (`i <u 239` for `i + 1 < 240`) on its next value.
    ("next_tests", next_tests::run),
    // A helper called in the loop that returns at once unless a flag is set: the flag's
    // test made before the call, which then calls the helper past it.
    ("guards", guards::run),
    // File-scope variables a loop updates between its calls, before the loop is reshaped
    // around them.
    ("globals", globals::run),
    ("hoist", hoist::run),
    // A trace or a handler between the calls behind a test of a value the loop does not
    // change (`if (verbose) fprintf(..)`), whose way comes back: a copy of the loop for the
    // way between the calls, before the loop is reshaped around them.
    ("unswitch", unswitch::run),
    // Once per test: after each, legality stops at the next one on the way.
    ("unswitch", unswitch::run),
    ("unswitch", unswitch::run),
    // A flag tested before the first call (`while (running)`): tested on the way round.
    ("flag_test", flag_test::run),
    ("rotate", rotate::run),
    // A copy loop clang rotated around a write-all loop that a retried read also enters:
    // the read's block merged with its copy on the way in, so that the loop begins there.
    ("twins", duplicate::run_twins),
    // A write-all loop clang merged into the copy loop around it: the read's way to the
    // write goes round the shared header, which is copied for it.
    ("round", duplicate::run_round),
    // After a rotation and after a moved start: a running offset kept at the end of the
    // iteration is a sum of two phis of the new header.
    ("sums", sums::run),
    ("reheader", reheader::run),
    // The loops whose rotation was left to the move of their start, where it did not move.
    ("rotate", rotate::run_left),
    ("sums", sums::run),
    // After a moved start: a write-all loop that leaves when the write moved all it was
    // asked for tests that after its stop predicate, on the count's next value.
    ("finished", finished::run),
    // Then: a loop on a 32-bit count passed widened (gzip's `write_buf`) advances its 64-bit
    // argument by the result instead, versioned first on a clamp of that count.
    ("wide_count", wide_count::run),
    // Bookkeeping between two calls that branches and joins again before the second (`if
    // (fstat(..) == 0 && S_ISREG(..)) total += ..;` before a `close`): computed on every way
    // and chosen by selects.
    // A switch between the calls whose cases do not all leave the path (`if (n == 0) break;
    // if (n == bs) ..`), as a chain of two-way branches, the ways that leave first.
    ("switches", switches::run),
    ("flatten", flatten::run),
    // After a loop's start moved: the copy of a block for a hot edge would otherwise give the
    // loop a second way in at the call the start moves to (a rotated loop whose read is
    // joined at the latch by an EINTR retry).
    ("duplicate", duplicate::run),
    // An error handler that joins the common code again before the second call: the quiet
    // way past it gets its own copy of the join.
    ("rejoined", duplicate::run_rejoined),
    // Again: a loop whose start moved may now have its loads in the way.
    ("hoist", hoist::run),
    ("peel", peel::run),
    // Again: LLVM's peeling puts the loop around a peeled one in simplified form, which
    // splits a merged retry back out as a loop of its own.
    ("retry", retry::run),
    // Once the loop has its final shape: the variables it updates between the calls, and
    // the casts of its results that code after it uses.
    ("globals", globals::run),
    // Again: the stores of a choice of two variables split by `globals` (a peeled loop's,
    // after the first flattening) branch between the calls until they are kept in registers.
    ("flatten", flatten::run),
    // A call's argument chosen between a result and a constant by a flag set before the calls
    // (`write(out, buf, sync ? bs : n)`), once the code between the calls is flattened: a
    // branch to a copy of the call for each.
    ("chosen_argument", chosen_argument::run),
    // Again: a count tested before the first call of a loop whose way round is only now
    // flattened (records counted between the calls).
    ("flag_test", flag_test::run),
    ("casts", casts::run),
    // Again: a loop whose inner loops were peeled may now be whole but for its loads.
    ("hoist", hoist::run),
    ("motion", motion::run),
    ("unroll", unroll::run),
];

/// Runs every transformation over hot edges once; whether any changed the IR (then the
/// sites are scanned and the profile mapped again).
pub(crate) fn run_on_hot(
    ctx: &mut Context<'_>,
    sites: &[Site],
    pairs: &[WeightedPair],
    self_loops: &[(usize, u64)],
) -> Changed {
    let mut rescanned: Option<Rescanned> = None;
    let mut today: Option<Rc<Today>> = None;
    let mut loops = LoopIndex::default();
    let mut changed = Changed::No;
    let verify = crate::shim::verify_sites();
    for (name, t) in HOT_TRANSFORMS {
        let (sites, pairs, self_loops) = match &rescanned {
            Some((s, p, l)) => (s.as_slice(), p.as_slice(), l.as_slice()),
            None => (sites, pairs, self_loops),
        };
        let mut hot = Hot {
            sites,
            pairs,
            self_loops,
            today: today.take(),
            loops: std::mem::take(&mut loops),
        };
        let rescan = RESCAN_AFTER.contains(name);
        let held = (verify && !rescan).then(|| held_instructions(sites));
        if t(ctx, &mut hot) == Changed::Yes {
            changed = Changed::Yes;
            if rescan {
                rescanned = Some(scan_and_map(ctx));
            } else if let Some(held) = held {
                verify_held(ctx, name, sites, &held);
            }
        } else {
            today = hot.today;
            loops = hot.loops;
        }
    }
    changed
}

/// The instructions each site holds: its call and its arguments that are instructions, by
/// the site's index (`-syscluster-verify-sites`).
fn held_instructions(sites: &[Site]) -> Vec<Vec<llvm_sys::prelude::LLVMValueRef>> {
    sites
        .iter()
        .map(|s| {
            let args = s.args.iter().flatten().copied();
            std::iter::once(s.call)
                .chain(args.filter(|&a| ir::is_instruction(a)))
                .collect()
        })
        .collect()
}

/// `-syscluster-verify-sites`: after transformation `name` changed the IR without the sites
/// being scanned again, every instruction a site held before it (`held`) is still one of the
/// module's. Only addresses are compared: a deleted instruction is never read. A bug of the
/// pass otherwise: a panic, which puts the module back as it was found (driver.rs).
fn verify_held(
    ctx: &Context<'_>,
    name: &str,
    sites: &[Site],
    held: &[Vec<llvm_sys::prelude::LLVMValueRef>],
) {
    let live: IndexSet<llvm_sys::prelude::LLVMValueRef> = ir::defined_functions(ctx.module)
        .into_iter()
        .flat_map(ir::blocks)
        .flat_map(ir::instructions)
        .collect();
    for (k, values) in held.iter().enumerate() {
        if values.iter().any(|v| !live.contains(v)) {
            panic!(
                "after the transformation '{name}', site {k} ({} in '{}') holds an \
                 instruction that was deleted: '{name}' belongs in RESCAN_AFTER",
                sites[k].callee, sites[k].function_name
            );
        }
    }
}

/// The header of the innermost loop that holds blocks `a` and `b`, if any (functions of at
/// most `MAX_BLOCKS` blocks are searched).
pub(super) fn innermost_loop(
    shim: &crate::shim::Shim,
    a: LLVMBasicBlockRef,
    b: LLVMBasicBlockRef,
) -> Option<LLVMBasicBlockRef> {
    LoopIndex::default().innermost(shim, a, b)
}

/// The loops of functions as they stand (each loop's header and blocks), found once per
/// function and asked for the innermost loop around blocks: what a transformation that asks
/// about many calls uses, so that a function with many loops is searched once, not once per
/// call. Valid until the IR changes.
#[derive(Default)]
pub(super) struct LoopIndex {
    loops: indexmap::IndexMap<
        llvm_sys::prelude::LLVMValueRef,
        Vec<(LLVMBasicBlockRef, IndexSet<LLVMBasicBlockRef>)>,
    >,
}

impl LoopIndex {
    /// Functions of more blocks are not searched.
    const MAX_BLOCKS: usize = 2000;

    /// The header of the innermost loop that holds blocks `a` and `b`, if any.
    pub(super) fn innermost(
        &mut self,
        shim: &crate::shim::Shim,
        a: LLVMBasicBlockRef,
        b: LLVMBasicBlockRef,
    ) -> Option<LLVMBasicBlockRef> {
        let function = ir::block_function(a);
        if ir::block_function(b) != function {
            return None;
        }
        let loops = self.loops.entry(function).or_insert_with(|| {
            let blocks = ir::blocks(function);
            if blocks.len() > Self::MAX_BLOCKS {
                return Vec::new();
            }
            blocks
                .into_iter()
                .filter(|&h| reheader::heads_loop(shim, h))
                .map(|h| {
                    let body = crate::legality::loop_blocks(shim, h).into_iter().collect();
                    (h, body)
                })
                .collect()
        });
        loops
            .iter()
            .filter(|(_, body)| body.contains(&a) && body.contains(&b))
            .min_by_key(|(_, body)| body.len())
            .map(|&(h, _)| h)
    }
}

/// The innermost loops around the calls of the hot edges and of the sites that follow
/// themselves, each once.
pub(super) fn hot_loops(ctx: &Context<'_>, hot: &mut Hot<'_>) -> Vec<LLVMBasicBlockRef> {
    let (pairs, self_loops, sites) = (hot.pairs, hot.self_loops, hot.sites);
    let calls = pairs
        .iter()
        .flat_map(|p| [p.a, p.b])
        .chain(self_loops.iter().map(|&(s, _)| s));
    let mut headers: Vec<LLVMBasicBlockRef> = Vec::new();
    let mut seen = IndexSet::new();
    for s in calls {
        let block = ir::parent_block(sites[s].call);
        if let Some(h) = hot.loops.innermost(ctx.shim, block, block) {
            if seen.insert(h) {
                headers.push(h);
            }
        }
    }
    headers
}

/// The innermost loops that hold both calls of a hot edge legality refused for a reason
/// `keep` accepts, each once, with that edge's two sites (the first edge found for it).
pub(super) fn refused_loops(
    ctx: &Context<'_>,
    hot: &mut Hot<'_>,
    keep: impl Fn(&crate::legality::Reason) -> bool,
) -> Vec<(LLVMBasicBlockRef, usize, usize)> {
    let heaviest = hot.pairs.iter().map(|p| p.weight).max().unwrap_or(0);
    let today = hot.today(ctx);
    let edges = today
        .refused
        .iter()
        .chain(&today.loops_refused)
        .filter(|r| keep(&r.refusal.reason))
        .map(|r| (r.a, r.b, r.weight));
    loops_holding(ctx, hot, heaviest, edges)
}

/// The innermost loops that hold both calls of a hot enough edge `(a, b, weight)` (at least
/// `duplicate::MIN_WEIGHT`, and a `duplicate::HOT_SHARE`th of `heaviest`), each once, with
/// that edge's two sites (the first edge found for it).
pub(super) fn loops_holding(
    ctx: &Context<'_>,
    hot: &mut Hot<'_>,
    heaviest: u64,
    edges: impl IntoIterator<Item = (usize, usize, u64)>,
) -> Vec<(LLVMBasicBlockRef, usize, usize)> {
    let mut loops: Vec<(LLVMBasicBlockRef, usize, usize)> = Vec::new();
    let mut asked = IndexSet::new();
    let sites = hot.sites;
    for (a, b, weight) in edges {
        let hot_enough = weight >= duplicate::MIN_WEIGHT
            && weight.saturating_mul(duplicate::HOT_SHARE) >= heaviest;
        if !hot_enough || !asked.insert((a, b)) {
            continue;
        }
        let (ba, bb) = (
            ir::parent_block(sites[a].call),
            ir::parent_block(sites[b].call),
        );
        if let Some(header) = hot.loops.innermost(ctx.shim, ba, bb) {
            if !loops.iter().any(|&(h, ..)| h == header) {
                loops.push((header, a, b));
            }
        }
    }
    loops
}

/// The transformations after which the sites are scanned and the profile mapped again before
/// the next one runs: threading jumps, moving a loop's start and peeling copy calls (a
/// threaded block may hold one), a rotation of a header's test replaces the old header's
/// phis (which a site may hold as an argument), and the transformations
/// after them ask legality whether the loop is now taken whole (rotation would otherwise move
/// the start back; hoisting needs the loop's refusal over the peeled calls), which needs the
/// copies as sites and the edges on them.
///
/// Sites hold the values of their arguments: a transformation that deletes an instruction
/// (a promoted variable's loads, a folded `smax`, a select or a count it replaced) is in the
/// list too, so that no later one reads a site's argument that no longer exists.
const RESCAN_AFTER: &[&str] = &[
    "thread",
    // The helper's copy holds copies of its calls.
    "guards",
    // A phi a site holds as an argument, folded into the value it always has.
    "hoist",
    // Loads of a variable kept in a register, which were calls' arguments, deleted.
    "globals",
    "nonneg",
    "dispatch",
    "counts",
    "next_tests",
    "retry",
    "flag_test",
    "twins",
    "round",
    "reheader",
    "sums",
    "chosen_argument",
    "duplicate",
    "rejoined",
    "unswitch",
    // The versioning's copy of the loop holds a copy of its call.
    "wide_count",
    "peel",
];

/// The module's sites and the profile's hot pairs over them, after a change.
/// The sites as scanned again, with the pairs and the sites that follow themselves.
pub(super) type Rescanned = (Vec<Site>, Vec<WeightedPair>, Vec<(usize, u64)>);

pub(super) fn scan_and_map(ctx: &Context<'_>) -> Rescanned {
    let scan = sites::scan(ctx.shim, ctx.module);
    let (pairs, self_loops) =
        map_profile(ctx, &scan.sites).map_or_else(Default::default, |g| (g.pairs, g.self_loops));
    (scan.sites, pairs, self_loops)
}

/// The profile's edges mapped onto `sites` (pairs and sites that follow themselves), when
/// there is a profile.
fn map_profile(ctx: &Context<'_>, sites: &[Site]) -> Option<profile_map::SiteGraph> {
    let profile = ctx.profile.as_ref()?;
    Some(profile_map::site_graph(
        ctx.shim,
        profile,
        sites,
        ctx.cfg.min_weight,
        ir::defined_functions(ctx.module).first().copied(),
    ))
}

/// The module's functions that may run at any time, for legality's check of stores between
/// the calls (`globals::CallGraph::asynchronous`).
pub(crate) fn asynchronous_functions(
    module: llvm_sys::prelude::LLVMModuleRef,
) -> crate::legality::Asynchronous {
    globals::CallGraph::of(module).asynchronous()
}
