//! One run of the pass over a module: sites, profile mapping, regions (the paper's Figure 6),
//! lowering, remarks and counters.
//!
//! Regions grow edge by edge, heaviest first. An edge `a -> b` (two IR sites) starts a region
//! when neither is in one, appends `b` to the region that ends with `a`, prepends `a` to the
//! region that starts with `b`, or joins two regions; each time the whole resulting chain is
//! checked by `legality`. A multi-call is a straight line, so an edge that would branch a
//! region (its `a` is in a region but not at its end) is refused under linearity.

use std::collections::{HashMap, HashSet};
use std::mem::ManuallyDrop;
use std::path::Path;

use llvm_sys::prelude::{LLVMModuleRef, LLVMValueRef};
use syscluster_profile::format::Profile;

use crate::config::{Config, Params};
use crate::ffi::{self, RemarkKind, Shim};
use crate::ir;
use crate::legality::{self, Condition, Plan, Refusal};
use crate::lowering::Lowerer;
use crate::profile_map::{self, MatchKind};
use crate::sites::{self, Site};
use crate::stats::Stats;

/// Runs the pass; returns whether the module changed.
pub fn run(module: LLVMModuleRef, shim: &Shim, params: &str) -> bool {
    let params = match Params::parse(params) {
        Ok(p) => p,
        Err(e) => {
            shim.error(&e.to_string());
            return false;
        }
    };
    let cfg = Config::resolve(&params, &ffi::command_line());
    let mut stats = Stats::default();
    let changed = run_with(module, shim, &cfg, &mut stats);
    if cfg.stats {
        ffi::print_stats(&stats.render());
    }
    changed
}

fn site_remarks(shim: &Shim, scan: &sites::Scan) {
    for s in &scan.sites {
        let nr =
            s.nr.map(|n| n.to_string())
                .unwrap_or_else(|| "unknown".into());
        let names = if s.trace_names.is_empty() {
            "?".to_string()
        } else {
            s.trace_names.join("/")
        };
        let mut msg = format!("system call site {} ({names}, nr {nr})", s.label());
        if let Some(why) = &s.not_lowerable {
            msg.push_str(&format!("; not lowerable: {why}"));
        }
        shim.remark(RemarkKind::Analysis, s.function, Some(s.call), "Site", &msg);
    }
    for &(f, call) in &scan.inline_asm {
        shim.remark(
            RemarkKind::Analysis,
            f,
            Some(call),
            "InlineAsm",
            "inline assembly makes a system call: left alone (the pass only clusters calls of libc wrappers and syscall())",
        );
    }
}

fn run_with(module: LLVMModuleRef, shim: &Shim, cfg: &Config, stats: &mut Stats) -> bool {
    let scan = sites::scan(shim, module);
    stats.sites = scan.sites.len() as u64;
    stats.inline_asm = scan.inline_asm.len() as u64;
    site_remarks(shim, &scan);
    let Some(path) = &cfg.profile else {
        return false;
    };
    let profile = match Profile::load(Path::new(path)) {
        Ok(p) => p,
        Err(e) => {
            shim.error(&format!(
                "{e} (given by -syscluster-profile or the profile= parameter)"
            ));
            return false;
        }
    };
    let sites = &scan.sites;
    let mapping = profile_map::map(shim, &profile, sites);
    stats.nodes_matched = mapping
        .how
        .iter()
        .filter(|h| **h != MatchKind::Unmatched)
        .count() as u64;
    for (n, node) in profile.nodes.iter().enumerate() {
        for &s in &mapping.node_sites[n] {
            let how = match mapping.how[n] {
                MatchKind::DebugLocation => "by debug location",
                MatchKind::DebugLocationFileName => {
                    "by debug location, file name only: the profile names another directory"
                }
                _ => "by name",
            };
            shim.remark(
                RemarkKind::Analysis,
                sites[s].function,
                Some(sites[s].call),
                "ProfileMatch",
                &format!(
                    "profile node {} ({} calls) is {} ({how})",
                    node.label(),
                    node.count,
                    sites[s].label()
                ),
            );
        }
    }

    // Site pairs with the weight of the profile edges that map to them.
    let fallback_fn = ir::defined_functions(module).first().copied();
    let mut pairs: HashMap<(usize, usize), u64> = HashMap::new();
    let mut self_loops: HashMap<usize, u64> = HashMap::new();
    let has_sites = profile.nodes.iter().any(|n| n.site.is_some());
    for e in &profile.edges {
        if e.weight < cfg.min_weight {
            continue;
        }
        let (Some(from), Some(to)) = (mapping.node_sites.get(e.from), mapping.node_sites.get(e.to))
        else {
            continue;
        };
        if from.is_empty() || to.is_empty() {
            stats.edges_unmatched += 1;
            // Edges wholly outside the program's own code (loader, libc) are not worth a remark.
            let ours = |n: usize| {
                profile
                    .nodes
                    .get(n)
                    .is_some_and(|n| n.site.is_some() || n.caller.is_some())
            };
            if has_sites && !ours(e.from) && !ours(e.to) {
                continue;
            }
            let f = from
                .first()
                .or(to.first())
                .map(|&s| sites[s].function)
                .or(fallback_fn);
            if let Some(f) = f {
                let mut missing: Vec<String> = [(e.from, from), (e.to, to)]
                    .iter()
                    .filter(|(_, v)| v.is_empty())
                    .map(|(n, _)| profile.nodes[*n].label())
                    .collect();
                missing.dedup();
                shim.remark(
                    RemarkKind::Missed,
                    f,
                    None,
                    "UnmatchedEdge",
                    &format!(
                        "hot edge {} -> {} (weight {}) matches no call site here: no site for {}",
                        profile.nodes[e.from].label(),
                        profile.nodes[e.to].label(),
                        e.weight,
                        missing.join(", ")
                    ),
                );
            }
            continue;
        }
        stats.edges_matched += 1;
        for &a in from {
            for &b in to {
                if a == b {
                    *self_loops.entry(a).or_default() += e.weight;
                } else if sites[a].function == sites[b].function {
                    *pairs.entry((a, b)).or_default() += e.weight;
                }
            }
        }
    }
    // A call that follows itself runs in a loop of its own: a looped multi-call's business.
    let mut loops: Vec<(usize, u64)> = self_loops.into_iter().collect();
    loops.sort_unstable();
    for (s, weight) in loops {
        if weight < cfg.min_weight {
            continue;
        }
        shim.remark(
            RemarkKind::Missed,
            sites[s].function,
            Some(sites[s].call),
            "SelfLoop",
            &format!(
                "hot edge {} -> {} (weight {weight}) is a loop around one call: looped multi-calls are not formed by this pass",
                sites[s].callee, sites[s].callee
            ),
        );
    }
    let mut order: Vec<((usize, usize), u64)> = pairs.into_iter().collect();
    order.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(&y.0)));

    let plans = grow_regions(shim, sites, &order, stats);
    if plans.is_empty() {
        return false;
    }
    for plan in &plans {
        let first = &sites[plan.calls[0]];
        let chain: Vec<String> = plan
            .calls
            .iter()
            .map(|&c| sites[c].callee.clone())
            .collect();
        let stops: Vec<String> = plan.stops.iter().map(|s| s.to_string()).collect();
        let refs: usize = plan
            .args
            .iter()
            .flatten()
            .filter(|a| matches!(a, legality::ArgSource::Ref(_)))
            .count();
        shim.remark(
            RemarkKind::Passed,
            first.function,
            Some(first.call),
            "Clustered",
            &format!(
                "clustered {} system calls into one multi-call: {} (stop: {}; {} result reference{})",
                plan.calls.len(),
                chain.join(" -> "),
                stops.join(", "),
                refs,
                if refs == 1 { "" } else { "s" }
            ),
        );
    }
    let lowerer = Lowerer::new(module);
    let mut replaced = HashMap::new();
    for plan in &plans {
        lowerer.lower(shim, sites, plan, &mut replaced);
        stats.regions += 1;
        stats.calls_clustered += plan.calls.len() as u64;
    }
    drop(lowerer);
    verify(module, shim);
    true
}

/// Checks the rewritten module with LLVM's verifier: a failure is a bug of the pass, reported
/// as an error rather than left for a later pass to trip over.
fn verify(module: LLVMModuleRef, shim: &Shim) {
    // SAFETY: the module is borrowed from the pass manager for this run; ManuallyDrop keeps
    // inkwell from disposing of it when the wrapper goes out of scope.
    let m = ManuallyDrop::new(unsafe { inkwell::module::Module::new(module) });
    if let Err(e) = m.verify() {
        shim.error(&format!(
            "internal error: the rewritten module does not verify: {}",
            e.to_string()
        ));
    }
}

/// Figure 6: edges in descending weight, regions grown one edge at a time.
fn grow_regions(
    shim: &Shim,
    sites: &[Site],
    order: &[((usize, usize), u64)],
    stats: &mut Stats,
) -> Vec<Plan> {
    let mut regions: Vec<Option<Plan>> = Vec::new();
    let mut region_of: HashMap<usize, usize> = HashMap::new();
    let mut reported: HashSet<(LLVMValueRef, String)> = HashSet::new();
    for &((a, b), weight) in order {
        // Figure 6: Between(a, b) must satisfy the conditions on its own.
        let pair = match legality::check_chain(shim, sites, &[a, b]) {
            Ok(p) => p,
            Err(refusal) => {
                report(shim, sites, &refusal, a, b, weight, stats, &mut reported);
                continue;
            }
        };
        let ra = region_of.get(&a).copied();
        let rb = region_of.get(&b).copied();
        let calls_of = |r: usize| {
            regions[r]
                .as_ref()
                .map(|p| p.calls.clone())
                .unwrap_or_default()
        };
        let chain: Vec<usize> = match (ra, rb) {
            (None, None) => vec![a, b],
            (Some(r), None) if calls_of(r).last() == Some(&a) => {
                let mut c = calls_of(r);
                c.push(b);
                c
            }
            (None, Some(r)) if calls_of(r).first() == Some(&b) => {
                let mut c = vec![a];
                c.extend(calls_of(r));
                c
            }
            (Some(r1), Some(r2))
                if r1 != r2
                    && calls_of(r1).last() == Some(&a)
                    && calls_of(r2).first() == Some(&b) =>
            {
                let mut c = calls_of(r1);
                c.extend(calls_of(r2));
                c
            }
            (Some(r1), Some(r2)) if r1 == r2 => {
                let c = calls_of(r1);
                if c.windows(2).any(|w| w[0] == a && w[1] == b) {
                    continue; // already one region
                }
                let refusal = Refusal {
                    condition: Condition::Linearity,
                    at: sites[b].call,
                    reason: format!(
                        "{} and {} are already in one multi-call, not one right after the other",
                        sites[a].label(),
                        sites[b].label()
                    ),
                };
                report(shim, sites, &refusal, a, b, weight, stats, &mut reported);
                continue;
            }
            _ => {
                let (s, r) = if let Some(r) = ra {
                    (a, r)
                } else {
                    (b, rb.unwrap_or(0))
                };
                let c = calls_of(r);
                let refusal = Refusal {
                    condition: Condition::Linearity,
                    at: sites[s].call,
                    reason: format!(
                        "{} already belongs to the multi-call {}, which a straight line through {} and {} cannot extend",
                        sites[s].label(),
                        c.iter().map(|&k| sites[k].callee.as_str()).collect::<Vec<_>>().join(" -> "),
                        sites[a].callee,
                        sites[b].callee
                    ),
                };
                report(shim, sites, &refusal, a, b, weight, stats, &mut reported);
                continue;
            }
        };
        // Then the region it would extend, as a whole.
        let result = if chain.len() == 2 {
            Ok(pair)
        } else {
            legality::check_chain(shim, sites, &chain)
        };
        match result {
            Ok(plan) => {
                let keep = regions.len();
                for r in [ra, rb].into_iter().flatten() {
                    regions[r] = None;
                }
                for &c in &plan.calls {
                    region_of.insert(c, keep);
                }
                regions.push(Some(plan));
            }
            Err(refusal) => report(shim, sites, &refusal, a, b, weight, stats, &mut reported),
        }
    }
    regions.into_iter().flatten().collect()
}

#[allow(clippy::too_many_arguments)]
fn report(
    shim: &Shim,
    sites: &[Site],
    refusal: &Refusal,
    a: usize,
    b: usize,
    weight: u64,
    stats: &mut Stats,
    reported: &mut HashSet<(LLVMValueRef, String)>,
) {
    stats.refusals += 1;
    if !reported.insert((refusal.at, refusal.reason.clone())) {
        return;
    }
    shim.remark(
        RemarkKind::Missed,
        sites[a].function,
        Some(refusal.at),
        refusal.remark_name(),
        &format!(
            "not clustered: {} -> {} (weight {weight}) breaks {}: {}",
            sites[a].callee, sites[b].callee, refusal.condition, refusal.reason
        ),
    );
}
