//! Inlining of small helpers on hot edges between functions (issue 9, item 5).
//!
//! A hot profile edge whose two calls sit in different functions (`n = my_read(...)` then
//! `my_write(..., n)` in a loop, coreutils' `safe_read`/`full_write`) cannot be one multi-call:
//! the conditions of section 3.2 are about the code between two calls of one function. This
//! transformation brings the two calls into one function by inlining the helpers that hold them
//! into a function that calls both:
//!
//! ```text
//! before                                    after (my_read and my_write inlined into main)
//!   ssize_t my_read(int fd, ...)              int main(...) {
//!     { return read(fd, b, n); }                while ((n = read(in, buf, N)) > 0)   // inlined at
//!   ssize_t my_write(int fd, ...)                 if (write(out, buf, n) != n) ...   //  main's lines
//!     { return write(fd, b, n); }
//!   int main(...) {
//!     while ((n = my_read(in, buf, N)) > 0)
//!       if (my_write(out, buf, n) != n) ...
//! ```
//!
//! What to inline comes from the profile and the module's call graph: for each hot matched edge
//! whose sites are only ever in different functions (`profile_map::CrossEdge`), the hosts are the
//! functions that reach both sites' functions through the fewest direct calls (at most
//! [`MAX_DEPTH`] on each side); into each host, the helpers on the two paths are inlined,
//! outermost first (every call of the helper in the host), through LLVM's `InlineFunction` (the
//! shim). A helper is inlined only when it is small ([`MAX_HELPER_SIZE`] instructions), not
//! recursive (in no cycle of the call graph), and LLVM may inline it (a body in this module,
//! fixed arguments, not `noinline`, not replaceable at link time, `isInlineViable`) and called
//! at most [`MAX_CALLS`] times in the host; a host grows by at most [`MAX_GROWTH`] instructions. A helper whose address is taken stays as it is for its
//! other uses; a local one nothing calls any more is deleted.
//!
//! A hot edge whose calls are in one function that no path of it leads through from the
//! first to the second (a call that follows itself outside any loop of its function, a
//! second call that comes first) is repeated by a loop in a caller: the helpers on the way
//! into the nearest callers that call them in a loop are inlined there the same way
//! (`loops_in_callers`, `looping_hosts`).
//!
//! Inlined calls keep their debug locations with an inlined-at chain (`read` at my_read's line,
//! inlined at main's), and the profile's site of a helper that was not inlined where it was
//! recorded matches such a call by its innermost frames (`profile_map`). The sites are scanned
//! and the profile mapped again after this transformation (the driver does); each inlined call
//! gets a remark (`Inlined`), and each edge that stays between functions gets the reason in
//! `Context::not_inlined`, which the driver's `CrossFunction` remark says.

use indexmap::{IndexMap, IndexSet};
use std::collections::VecDeque;

use llvm_sys::prelude::LLVMValueRef;

use crate::context::Context;
use crate::ir;
use crate::profile_map::{self, CrossEdge};
use crate::remarks::Remark;
use crate::shim::{flags, Shim};
use crate::sites::{self, Site};

use super::Changed;

/// Calls between a site's function and a host, on each side of an edge.
pub(crate) const MAX_DEPTH: usize = 3;
/// Instructions of a helper that may be inlined (debug intrinsics not counted).
pub(crate) const MAX_HELPER_SIZE: usize = 200;
/// Instructions inlining may add to one host.
pub(crate) const MAX_GROWTH: usize = 2000;
/// Hosts tried per edge (those with the fewest calls on the paths).
const MAX_HOSTS: usize = 4;
/// Calls of one helper in one host that may be inlined: the profile does not say which call
/// of a helper is the hot one, so every call is inlined, and a helper called all over its
/// host (a `finish_request` at every exit) would grow it for calls that are not hot.
pub(crate) const MAX_CALLS: usize = 4;

/// The module's direct calls between defined functions.
struct CallGraph {
    /// For each defined function, the calls of it: (calling function, call instruction).
    callers: IndexMap<LLVMValueRef, Vec<(LLVMValueRef, LLVMValueRef)>>,
    /// The defined functions each defined function calls directly.
    callees: IndexMap<LLVMValueRef, Vec<LLVMValueRef>>,
    /// Instructions of each defined function, debug intrinsics not counted.
    size: IndexMap<LLVMValueRef, usize>,
}

impl CallGraph {
    fn build(shim: &Shim, module: llvm_sys::prelude::LLVMModuleRef) -> CallGraph {
        let functions = ir::defined_functions(module);
        let defined: IndexSet<LLVMValueRef> = functions.iter().copied().collect();
        let mut g = CallGraph {
            callers: IndexMap::new(),
            callees: IndexMap::new(),
            size: IndexMap::new(),
        };
        for &f in &functions {
            let mut size = 0;
            let mut callees = Vec::new();
            for b in ir::blocks(f) {
                for i in ir::instructions(b) {
                    if shim.inst_flags(i) & flags::DEBUG != 0 {
                        continue;
                    }
                    size += 1;
                    // An invoke too (C++ calls what may throw so where destructors are live):
                    // inlining it makes the helper's calls invoke the host's landing pad.
                    if !ir::is_call_site(i) {
                        continue;
                    }
                    if let Some(callee) = ir::called_function(i).filter(|c| defined.contains(c)) {
                        g.callers.entry(callee).or_default().push((f, i));
                        if !callees.contains(&callee) {
                            callees.push(callee);
                        }
                    }
                }
            }
            g.size.insert(f, size);
            g.callees.insert(f, callees);
        }
        g
    }

    fn size(&self, f: LLVMValueRef) -> usize {
        self.size.get(&f).copied().unwrap_or(0)
    }

    /// Whether `f` is in a cycle of direct calls (calls itself, directly or not).
    fn recursive(&self, f: LLVMValueRef) -> bool {
        let mut seen = IndexSet::new();
        let mut stack: Vec<LLVMValueRef> = self.callees.get(&f).cloned().unwrap_or_default();
        while let Some(g) = stack.pop() {
            if g == f {
                return true;
            }
            if seen.insert(g) {
                stack.extend(self.callees.get(&g).into_iter().flatten().copied());
            }
        }
        false
    }

    /// The functions that reach `f` through at most [`MAX_DEPTH`] direct calls, each with the
    /// shortest path `[f, caller of f, ..., host]` (`f` itself with `[f]`).
    fn hosts(&self, f: LLVMValueRef) -> IndexMap<LLVMValueRef, Vec<LLVMValueRef>> {
        let mut paths: IndexMap<LLVMValueRef, Vec<LLVMValueRef>> = IndexMap::new();
        paths.insert(f, vec![f]);
        let mut queue = VecDeque::from([f]);
        while let Some(g) = queue.pop_front() {
            let path = paths[&g].clone();
            if path.len() > MAX_DEPTH {
                continue;
            }
            for &(caller, _) in self.callers.get(&g).into_iter().flatten() {
                if let indexmap::map::Entry::Vacant(v) = paths.entry(caller) {
                    let mut p = path.clone();
                    p.push(caller);
                    v.insert(p);
                    queue.push_back(caller);
                }
            }
        }
        paths
    }

    /// The fewest direct calls from `f` to one of `targets` (0 when `f` is one), if at most
    /// [`MAX_DEPTH`].
    fn distance_to(&self, f: LLVMValueRef, targets: &IndexSet<LLVMValueRef>) -> Option<usize> {
        let mut seen = IndexSet::from([f]);
        let mut level = vec![f];
        for depth in 0..=MAX_DEPTH {
            if level.iter().any(|g| targets.contains(g)) {
                return Some(depth);
            }
            let mut next = Vec::new();
            for g in level {
                for &h in self.callees.get(&g).into_iter().flatten() {
                    if seen.insert(h) {
                        next.push(h);
                    }
                }
            }
            level = next;
        }
        None
    }

    /// The calls in `host` of `callee`.
    fn calls_in(&self, host: LLVMValueRef, callee: LLVMValueRef) -> Vec<LLVMValueRef> {
        self.callers
            .get(&callee)
            .into_iter()
            .flatten()
            .filter(|(f, _)| *f == host)
            .map(|&(_, call)| call)
            .collect()
    }
}

/// One function to bring the calls of an edge into, and the helpers to inline into it, in
/// order (outermost first on each side).
struct Host {
    host: LLVMValueRef,
    helpers: Vec<LLVMValueRef>,
}

/// Of the candidate hosts, each with its order key, those with the fewest helpers to inline,
/// in the keys' order, at most [`MAX_HOSTS`].
fn fewest<K: Ord>(mut found: Vec<(K, Host)>) -> Vec<Host> {
    found.sort_by(|x, y| (x.1.helpers.len(), &x.0).cmp(&(y.1.helpers.len(), &y.0)));
    let fewest = found.first().map(|x| x.1.helpers.len());
    found
        .into_iter()
        .filter(|x| Some(x.1.helpers.len()) == fewest)
        .take(MAX_HOSTS)
        .map(|x| x.1)
        .collect()
}

/// The hosts of the sites `a` and `b` (in different functions): the functions that reach both
/// with the fewest calls (the smallest helpers first), at most [`MAX_HOSTS`].
fn hosts_of(graph: &CallGraph, fa: LLVMValueRef, fb: LLVMValueRef) -> Vec<Host> {
    let ha = graph.hosts(fa);
    let hb = graph.hosts(fb);
    let common: Vec<((usize, String), Host)> = ha
        .iter()
        .filter_map(|(h, pa)| {
            let pb = hb.get(h)?;
            // Outermost first: the host's own callee on the path, then its callee, ...
            let helpers: Vec<LLVMValueRef> = pa[..pa.len() - 1]
                .iter()
                .rev()
                .chain(pb[..pb.len() - 1].iter().rev())
                .copied()
                .collect();
            let size: usize = helpers.iter().map(|&f| graph.size(f)).sum();
            Some(((size, ir::name(*h)), Host { host: *h, helpers }))
        })
        .collect();
    fewest(common)
}

fn quoted(f: LLVMValueRef) -> String {
    format!("'{}'", ir::name(f))
}

/// What inlining did for one edge.
#[derive(Default)]
struct Outcome {
    inlined: Vec<LLVMValueRef>,
    /// Why a helper was not inlined, the first reason met.
    why_not: Option<String>,
}

/// Whether the helper `f` may be inlined at all (its calls are asked of the shim one by one).
fn helper_refusal(graph: &CallGraph, f: LLVMValueRef) -> Option<String> {
    let size = graph.size(f);
    if size > MAX_HELPER_SIZE {
        return Some(format!(
            "{} has {size} instructions, more than the {MAX_HELPER_SIZE} of a small helper",
            quoted(f)
        ));
    }
    graph
        .recursive(f)
        .then(|| format!("{} is recursive", quoted(f)))
}

fn too_many_calls(helper: LLVMValueRef, host: LLVMValueRef, n: usize) -> String {
    format!(
        "{} calls {} {n} times, more than {MAX_CALLS}: the profile does not say which call is hot",
        quoted(host),
        quoted(helper)
    )
}

/// Why one of the host's helpers may not be inlined, asked before anything is inlined: the
/// helper itself, and LLVM's answer for a call of it (those of a helper deeper on the path
/// are not in the host yet; a call of the helper elsewhere stands for them).
fn host_refusal(ctx: &Context<'_>, graph: &CallGraph, target: &Host) -> Option<String> {
    if ir::is_optnone(target.host) {
        return Some(format!(
            "{} is optnone (built at -O0, or marked so): nothing is inlined into it",
            quoted(target.host)
        ));
    }
    if let Some(f) = std::iter::once(target.host)
        .chain(target.helpers.iter().copied())
        .find(|&f| ir::takes_label_address(f))
    {
        return Some(format!(
            "{} takes the address of a label (a computed goto): the pass leaves it as it is",
            quoted(f)
        ));
    }
    target.helpers.iter().find_map(|&helper| {
        helper_refusal(graph, helper).or_else(|| {
            let calls = graph.calls_in(target.host, helper);
            if calls.len() > MAX_CALLS {
                return Some(too_many_calls(helper, target.host, calls.len()));
            }
            let call = calls.first().or_else(|| {
                graph
                    .callers
                    .get(&helper)
                    .and_then(|c| c.first())
                    .map(|(_, call)| call)
            })?;
            ctx.shim.inline_blocker(*call).map(|why| {
                format!(
                    "{} cannot be inlined into {}: {why}",
                    quoted(helper),
                    quoted(target.host)
                )
            })
        })
    })
}

/// Inlines the helpers of one host, each call of each helper in the host, when all of them
/// may be inlined.
fn inline_into(
    ctx: &mut Context<'_>,
    graph: &mut CallGraph,
    target: &Host,
    edge: &CrossEdge,
    out: &mut Outcome,
) {
    if let Some(why) = host_refusal(ctx, graph, target) {
        out.why_not.get_or_insert(why);
        return;
    }
    let mut growth = 0usize;
    for &helper in &target.helpers {
        let calls = graph.calls_in(target.host, helper);
        if calls.len() > MAX_CALLS {
            out.why_not
                .get_or_insert(too_many_calls(helper, target.host, calls.len()));
            return;
        }
        let size = graph.size(helper);
        if growth + calls.len() * size > MAX_GROWTH {
            out.why_not.get_or_insert(format!(
                "inlining {} calls of {} into {} would add {} instructions, more than {MAX_GROWTH}",
                calls.len(),
                quoted(helper),
                quoted(target.host),
                growth + calls.len() * size
            ));
            return;
        }
        let mut changed = false;
        for call in calls {
            if let Some(why) = ctx.shim.inline_blocker(call) {
                out.why_not.get_or_insert(format!(
                    "{} cannot be inlined into {}: {why}",
                    quoted(helper),
                    quoted(target.host)
                ));
                continue;
            }
            // The remark first: the call is gone once inlined. The shim's check covers what
            // makes InlineFunction refuse, so an error below is not expected.
            ctx.remark(Remark::inlined(target.host, call, helper, size, edge));
            match ctx.shim.inline_call(call) {
                Ok(()) => {
                    ctx.stats.inlined += 1;
                    growth += size;
                    changed = true;
                }
                Err(why) => {
                    let why = format!(
                        "LLVM did not inline {} into {} after all: {why}",
                        quoted(helper),
                        quoted(target.host)
                    );
                    ctx.remark(Remark::not_inlined(target.host, call, &why));
                    out.why_not.get_or_insert(why);
                }
            }
        }
        if changed {
            if !out.inlined.contains(&helper) {
                out.inlined.push(helper);
            }
            // The host's calls changed: the next helper's calls are those inlining brought in.
            *graph = CallGraph::build(ctx.shim, ctx.module);
        }
    }
}

/// Brings the calls of one hot edge between functions into common callers, if it can.
fn bring_together(
    ctx: &mut Context<'_>,
    graph: &mut CallGraph,
    sites: &[Site],
    edge: &CrossEdge,
) -> Outcome {
    let mut out = Outcome::default();
    let mut pairs: Vec<(LLVMValueRef, LLVMValueRef)> = Vec::new();
    for &a in &edge.from_sites {
        for &b in &edge.to_sites {
            let pair = (sites[a].function, sites[b].function);
            if !pairs.contains(&pair) {
                pairs.push(pair);
            }
        }
    }
    for (fa, fb) in pairs {
        let hosts = hosts_of(graph, fa, fb);
        if hosts.is_empty() {
            out.why_not.get_or_insert(format!(
                "no function of this module calls both {} and {} (through at most {MAX_DEPTH} calls each); link-time optimisation (syscluster build --lto) brings callers in other translation units in reach",
                quoted(fa),
                quoted(fb)
            ));
            continue;
        }
        for host in &hosts {
            inline_into(ctx, graph, host, edge, &mut out);
        }
    }
    out
}

/// Hot edges whose two calls are in one function that no path of it leads through from the
/// first to the second: a call that follows itself outside any loop of its function, or a
/// second call before the first (`read_block() { n = read(..); ...; write(..); }` called in a
/// loop). The loop that repeats them is in a caller.
fn loops_in_callers(sites: &[Site], graph: &profile_map::SiteGraph) -> Vec<CrossEdge> {
    let edge = |a: usize, b: usize, weight: u64| CrossEdge {
        edge: usize::MAX,
        from: sites[a].callee.clone(),
        to: sites[b].callee.clone(),
        weight,
        from_sites: vec![a],
        to_sites: vec![b],
        loop_in_caller: true,
    };
    let mut out: Vec<CrossEdge> = graph
        .self_loops
        .iter()
        .filter(|&&(s, _)| !ir::instruction_reaches(sites[s].call, sites[s].call))
        .map(|&(s, w)| edge(s, s, w))
        .collect();
    out.extend(
        graph
            .pairs
            .iter()
            .filter(|p| sites[p.a].function == sites[p.b].function)
            .filter(|p| !ir::instruction_reaches(sites[p.a].call, sites[p.b].call))
            .map(|p| edge(p.a, p.b, p.weight)),
    );
    out.sort_by_key(|e| std::cmp::Reverse(e.weight));
    out
}

/// The callers that repeat the calls of `f` in a loop: functions reaching `f` through at most
/// [`MAX_DEPTH`] direct calls, one of whose calls on the way is in a loop of the caller; the
/// nearest, at most [`MAX_HOSTS`].
fn looping_hosts(graph: &CallGraph, f: LLVMValueRef) -> Vec<Host> {
    let found: Vec<(String, Host)> = graph
        .hosts(f)
        .into_iter()
        .filter(|(h, path)| *h != f && path.len() >= 2)
        .filter(|(h, path)| {
            graph
                .calls_in(*h, path[path.len() - 2])
                .into_iter()
                .any(|c| ir::instruction_reaches(c, c))
        })
        .map(|(h, path)| {
            let helpers: Vec<LLVMValueRef> = path[..path.len() - 1].iter().rev().copied().collect();
            (ir::name(h), Host { host: h, helpers })
        })
        .collect();
    fewest(found)
}

/// Adds the helpers of `more` not in `inlined` yet.
fn gather(inlined: &mut Vec<LLVMValueRef>, more: Vec<LLVMValueRef>) {
    for f in more {
        if !inlined.contains(&f) {
            inlined.push(f);
        }
    }
}

/// The transformation: see the module's documentation.
pub(crate) fn run(ctx: &mut Context<'_>, scan: &sites::Scan) -> Changed {
    let Some(profile) = ctx.profile.clone() else {
        return Changed::No;
    };
    let site_graph =
        profile_map::site_graph(ctx.shim, &profile, &scan.sites, ctx.cfg.min_weight, None);
    let in_callers = loops_in_callers(&scan.sites, &site_graph);
    if site_graph.cross.is_empty() && in_callers.is_empty() {
        return Changed::No;
    }
    let mut graph = CallGraph::build(ctx.shim, ctx.module);
    // Calls through a function pointer whose targets are known become direct calls of the
    // target that leads to a hot call, which the call graph then follows.
    let hot: IndexSet<LLVMValueRef> = site_graph
        .cross
        .iter()
        .flat_map(|e| e.from_sites.iter().chain(&e.to_sites))
        .map(|&s| scan.sites[s].function)
        .collect();
    let promoted = super::promote::run(ctx, &|f| graph.distance_to(f, &hot));
    if promoted > 0 {
        graph = CallGraph::build(ctx.shim, ctx.module);
    }
    let mut inlined: Vec<LLVMValueRef> = Vec::new();
    for edge in &site_graph.cross {
        let out = bring_together(ctx, &mut graph, &scan.sites, edge);
        if let Some(why) = out.why_not {
            ctx.not_inlined.insert(edge.edge, why);
        }
        gather(&mut inlined, out.inlined);
    }
    // Calls whose loop is in a caller: the helpers on the way into that caller's loop.
    let mut done: IndexSet<LLVMValueRef> = IndexSet::new();
    for edge in &in_callers {
        let site = &scan.sites[edge.from_sites[0]];
        if !done.insert(site.function) {
            continue;
        }
        let mut out = Outcome::default();
        for host in looping_hosts(&graph, site.function) {
            inline_into(ctx, &mut graph, &host, edge, &mut out);
        }
        if let (true, Some(why)) = (out.inlined.is_empty(), out.why_not) {
            ctx.remark(Remark::not_inlined(site.function, site.call, &why));
        }
        gather(&mut inlined, out.inlined);
    }
    if inlined.is_empty() {
        return if promoted > 0 {
            Changed::Yes
        } else {
            Changed::No
        };
    }
    for f in inlined {
        ctx.shim.delete_if_dead(f);
    }
    Changed::Yes
}
