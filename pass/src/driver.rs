//! One run of the pass over a module: the phases in order, over a [`Context`].
//!
//! ```text
//! profile -> enabling transformations (transform::run_all: the inliner) ->
//! scan (sites::Scan) -> site graph (profile_map::SiteGraph) -> transformations on hot edges
//! (transform::run_on_hot; scan and map again after a change) -> candidate regions and
//! legality (regions::grow, legality::Checker) -> plans (plan::Plan) -> specialisations
//! (specialise: merged flags) -> lowering (lower, then specialise::rewrite_all)
//! ```
//!
//! A module the pass changed is verified; should it not verify, or should the pass panic on
//! the way (bugs of the pass), the copy taken before the first change is put back
//! (`Shim::backup`) and a warning says so: the translation unit builds, unclustered.

use indexmap::{IndexMap, IndexSet};
use std::path::Path;
use std::rc::Rc;

use llvm_sys::prelude::LLVMModuleRef;
use syscluster_profile::format::Profile;

use crate::config::{Config, Params};
use crate::context::Context;
use crate::legality::Checker;
use crate::plan::Plan;
use crate::profile_map::{self, SiteGraph};
use crate::regions::Refused;
use crate::remarks::Remark;
use crate::shim::Backup;
use crate::shim::{self, Shim};
use crate::sites::{self, Scan, Site};
use crate::transform::{self, Changed};
use crate::{ir, lower, regions, specialise};

/// Runs the pass; returns whether the module changed.
pub fn run(module: LLVMModuleRef, shim: &Shim, params: &str) -> bool {
    let params = match Params::parse(params) {
        Ok(p) => p,
        Err(e) => {
            shim.error(&e.to_string());
            return false;
        }
    };
    let cfg = Config::resolve(&params, &shim::command_line());
    let mut ctx = Context::new(module, shim, cfg);
    // Without a remark that reaches the user, no value is printed for one (as LLVM's passes
    // ask `OptimizationRemarkEmitter::allowExtraAnalysis` before building a costly remark).
    let _texts = ir::texts_wanted(ctx.remarks_wanted);
    let changed = run_phases(&mut ctx);
    if ctx.cfg.stats {
        shim::print_stats(&ctx.stats.render());
    }
    changed
}

fn run_phases(ctx: &mut Context<'_>) -> bool {
    // The profile first: transformations (the inliner) choose what to change from it.
    ctx.profile = load_profile(ctx).map(Rc::new);
    let scan = sites::scan(ctx.shim, ctx.module);
    // Without a profile or a system call nothing changes, and no copy is needed.
    let backup =
        (ctx.profile.is_some() && !scan.sites.is_empty()).then(|| ctx.shim.backup(ctx.module));
    // A panic (a bug of the pass) leaves the module half rewritten: the copy goes back in.
    let rewritten = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| rewrite(ctx, scan)));
    let changed = match rewritten {
        Ok(true) => {
            verify(ctx, backup.as_ref());
            true
        }
        Ok(false) => false,
        Err(payload) => {
            put_back_after_panic(ctx, backup.as_ref(), &panic_message(payload.as_ref()));
            true
        }
    };
    // The scan made the empty string `fstat`'s lowering passes; unused, it goes again.
    ir::drop_unused_empty_path(ctx.module);
    changed
}

/// What a panic said, where it said it in a string.
fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(no message)".into())
}

/// After a panic in the rewrite: the module as the pass found it, and a warning; an error
/// when there is no copy to put back (the module may be half rewritten).
fn put_back_after_panic(ctx: &Context<'_>, backup: Option<&Backup>, what: &str) {
    put_back(
        ctx,
        backup,
        &format!(
            "internal error (panic: {what}), so the module is left as it was, without \
             clusters (please report it with this translation unit)"
        ),
        &format!("internal error (panic: {what}); the module may be partly rewritten"),
    );
}

/// A bug of the pass met: the copy `backup` put back, and `warning` said when that leaves a
/// module that verifies; `error` otherwise.
fn put_back(ctx: &Context<'_>, backup: Option<&Backup>, warning: &str, error: &str) {
    match backup {
        Some(b) if ctx.shim.restore(b) && ir::verify(ctx.module).is_ok() => {
            ctx.shim.warning(warning)
        }
        _ => ctx.error(error),
    }
}

/// The phases after the profile, from the module's `scan`; whether the module changed.
fn rewrite(ctx: &mut Context<'_>, scan: Scan) -> bool {
    // The inliner moves sites into their callers: `run_all` scans again after a change.
    let (changed, mut scan) = transform::run_all(ctx, scan);
    let mut changed = changed == Changed::Yes;
    report_scan(ctx, &scan);
    let Some(profile) = ctx.profile.clone() else {
        return changed;
    };
    let fallback = ir::defined_functions(ctx.module).first().copied();
    let map = |ctx: &Context<'_>, scan: &Scan| {
        profile_map::site_graph(
            ctx.shim,
            &profile,
            &scan.sites,
            ctx.cfg.min_weight,
            fallback,
        )
    };
    let mut graph = map(ctx, &scan);
    // Transformations on the hot edges; after a change, scan and map again (transform/mod.rs).
    if transform::run_on_hot(ctx, &scan.sites, &graph.pairs, &graph.self_loops) == Changed::Yes {
        changed = true;
        scan = sites::scan(ctx.shim, ctx.module);
        graph = map(ctx, &scan);
    }
    let sites = &scan.sites;
    report_graph(ctx, sites, &graph);
    report_cross(ctx, sites, &graph);
    let mut checker = Checker::new(ctx.shim, sites, transform::asynchronous_functions);
    let (straight, refused) = regions::grow(&mut checker, sites, &graph.pairs);
    let (plans, loops_refused) = regions::whole_loops(
        &mut checker,
        sites,
        straight,
        &graph.pairs,
        &graph.self_loops,
    );
    report_refusals(ctx, sites, &plans, &refused, &loops_refused);
    report_self_loops(ctx, sites, &plans, &graph);
    let (plans, merges) = specialise::run(ctx, sites, &graph.pairs, plans);
    if plans.is_empty() && merges.is_empty() {
        return changed;
    }
    for plan in &plans {
        let weight = heaviest_edge(plan, &graph);
        ctx.remark(Remark::clustered(sites, plan, weight));
    }
    lower::lower_all(ctx, sites, &plans);
    specialise::rewrite_all(ctx, sites, &merges);
    if shim::break_ir_for_testing() {
        if let Some(e) = plans.first().and_then(|p| p.entries().first()) {
            ctx.shim.break_for_testing(sites[e.site].function);
        }
    }
    if shim::panic_for_testing() {
        panic!("-syscluster-panic-for-testing after the module was rewritten");
    }
    true
}

/// The weight of the heaviest hot edge between two calls of `plan` (a call that follows
/// itself included): what the summary of a build ranks its clusters by.
fn heaviest_edge(plan: &Plan, graph: &profile_map::SiteGraph) -> u64 {
    let calls: Vec<usize> = plan.entries().iter().map(|e| e.site).collect();
    let pairs = graph
        .pairs
        .iter()
        .filter(|p| calls.contains(&p.a) && calls.contains(&p.b))
        .map(|p| p.weight);
    let loops = graph
        .self_loops
        .iter()
        .filter(|(s, _)| calls.contains(s))
        .map(|&(_, w)| w);
    pairs.chain(loops).max().unwrap_or(0)
}

fn report_scan(ctx: &mut Context<'_>, scan: &Scan) {
    ctx.stats.sites = scan.sites.len() as u64;
    ctx.stats.inline_asm = scan.inline_asm.len() as u64;
    for s in &scan.sites {
        ctx.remark(Remark::site(s));
    }
    for &(f, call) in &scan.inline_asm {
        ctx.remark(Remark::inline_asm(f, call));
    }
    for &(f, call, why) in &scan.left_alone {
        ctx.remark(Remark::left_alone(f, call, why));
    }
}

/// The profile the settings name, or `None` without one (the pass then only reports sites)
/// or when it cannot be read (an error).
fn load_profile(ctx: &Context<'_>) -> Option<Profile> {
    let path = ctx.cfg.profile.as_ref()?;
    if path.is_empty() {
        ctx.error(
            "-syscluster-profile is empty: give the path of a profile (from `syscluster \
             record`), or leave the option out to only report the system call sites",
        );
        return None;
    }
    match Profile::load(Path::new(path)) {
        Ok(p) => Some(p),
        Err(e) => {
            ctx.error(&format!(
                "{e} (given by -syscluster-profile or the profile= parameter)"
            ));
            None
        }
    }
}

fn report_graph(ctx: &mut Context<'_>, sites: &[Site], graph: &SiteGraph) {
    ctx.stats.nodes_matched = graph
        .nodes
        .iter()
        .filter(|n| n.how != profile_map::MatchKind::Unmatched)
        .count() as u64;
    ctx.stats.edges_matched = graph.edges_matched;
    ctx.stats.edges_unmatched = graph.edges_unmatched;
    for node in &graph.nodes {
        for &s in &node.sites {
            ctx.remark(Remark::profile_match(node, &sites[s]));
        }
    }
    let defined: IndexSet<String> = ir::defined_functions(ctx.module)
        .into_iter()
        .map(ir::name)
        .collect();
    let mut into_other_units = 0;
    // Ends the profile places at a call of the program that is no system-call site.
    let library = match &ctx.profile {
        Some(profile) => {
            let mut nodes: Vec<usize> = graph
                .unmatched
                .iter()
                .flat_map(|e| e.missing_nodes.iter().copied())
                .collect();
            nodes.sort_unstable();
            nodes.dedup();
            profile_map::library_calls(ctx.shim, ctx.module, profile, &nodes, sites)
        }
        None => IndexMap::new(),
    };
    for e in &graph.unmatched {
        let elsewhere: Vec<String> = e
            .missing_functions
            .iter()
            // A C++ name in the profile is demangled and the IR's mangled: no comparison.
            .filter(|f| f.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
            .filter(|f| !defined.contains(f.as_str()))
            .cloned()
            .collect();
        into_other_units += usize::from(!elsewhere.is_empty());
        let mut through: Vec<String> = e
            .missing_nodes
            .iter()
            .filter_map(|n| library.get(n).cloned())
            .collect();
        through.dedup();
        ctx.remark(Remark::unmatched_edge(e, &elsewhere, &through));
    }
    // One missed remark per module, not one per edge: a module has no site for most edges of
    // a program's profile.
    let unmatched: Vec<&profile_map::UnmatchedEdge> = graph.unmatched.iter().collect();
    if !unmatched.is_empty() {
        ctx.remark(Remark::unmatched_edges(&unmatched, into_other_units));
    }
}

/// One remark per hot matched edge whose calls are still in different functions, with what
/// kept them apart.
fn report_cross(ctx: &mut Context<'_>, sites: &[Site], graph: &SiteGraph) {
    // Profile nodes that differ in what the remark does not show (arguments) say it once.
    let mut said = IndexSet::new();
    for e in &graph.cross {
        let why = ctx.not_inlined.get(&e.edge).cloned().unwrap_or_else(|| {
            "no caller of both in this module: link-time optimisation brings callers of other translation units in reach (syscluster build --lto)".to_string()
        });
        if let Some(r) = Remark::cross_function(sites, e, &why) {
            if said.insert(r.message.clone()) {
                ctx.remark(r);
            }
        }
    }
}

/// The refused edges, but those a whole loop took (an edge between two calls of one looped
/// plan, such as its back edge) and those of which a copy is clustered (the same two calls
/// at the same source locations, one after the other in a plan: a tail duplication's or a
/// handler's copy took the hot path, and the original is the path the handler's way goes
/// on to), then the loops refused.
fn report_refusals(
    ctx: &mut Context<'_>,
    sites: &[Site],
    plans: &[Plan],
    refused: &[Refused],
    loops_refused: &[Refused],
) {
    let looped: Vec<IndexSet<usize>> = plans
        .iter()
        .filter(|p| matches!(p, Plan::Looped(_)))
        .map(|p| p.entries().iter().map(|e| e.site).collect())
        .collect();
    let copy = |ctx: &Context<'_>, s: usize| ctx.copies.contains(&sites[s].call);
    // A copy the pass made carries the original's debug location, the same metadata node
    // (an inlined copy of a helper has one of its own: its inlined-at differs).
    let at = |s: usize| {
        // SAFETY: the call is an instruction of the module; the answer is its debug location
        // node or null.
        let loc = unsafe { llvm_sys::debuginfo::LLVMInstructionGetDebugLoc(sites[s].call) };
        (!loc.is_null()).then_some((sites[s].function, loc))
    };
    let clustered: IndexSet<_> = plans
        .iter()
        .flat_map(|p| {
            let e = p.entries();
            let back = matches!(p, Plan::Looped(_)).then(|| (e.len().saturating_sub(1), 0));
            (1..e.len())
                .map(|i| (i - 1, i))
                .chain(back)
                .filter_map(move |(i, j)| Some((at(e[i].site)?, at(e[j].site)?)))
                .collect::<Vec<_>>()
        })
        .collect();
    for r in refused {
        if !looped.iter().any(|l| l.contains(&r.a) && l.contains(&r.b))
            && !copy(ctx, r.a)
            && !copy(ctx, r.b)
            && !at(r.a)
                .zip(at(r.b))
                .is_some_and(|pair| clustered.contains(&pair))
        {
            ctx.refused(sites, r.edge());
        }
    }
    for r in loops_refused {
        ctx.refused(sites, r.edge());
    }
}

/// A call that follows itself and is in a straight multi-call with other calls: the loop
/// around it is not one looped batch.
fn report_self_loops(ctx: &mut Context<'_>, sites: &[Site], plans: &[Plan], graph: &SiteGraph) {
    for &(s, weight) in &graph.self_loops {
        let plan = plans
            .iter()
            .find(|p| p.entries().iter().any(|e| e.site == s));
        if let Some(Plan::Straight(p)) = plan {
            if ctx.copies.contains(&sites[s].call) {
                continue;
            }
            ctx.remark(Remark::self_loop(sites, &sites[s], weight, &p.sites()));
        }
    }
}

/// Checks the rewritten module with LLVM's verifier: a failure is a bug of the pass, never
/// left for a later pass to trip over. The module as the pass found it is put back (a
/// warning), or where it cannot be, the failure is an error.
fn verify(ctx: &Context<'_>, backup: Option<&Backup>) {
    let Err(e) = ir::verify(ctx.module) else {
        return;
    };
    let e = e.trim_end();
    put_back(
        ctx,
        backup,
        &format!(
            "internal error: the rewritten module does not verify, so it is left as it was, \
             without clusters (please report it with this translation unit): {e}"
        ),
        &format!("internal error: the rewritten module does not verify: {e}"),
    );
}
