//! Specialisations of straight plans, between legality and lowering: merged flags.
//!
//! A call that makes a descriptor (`socket`, `accept`, `open`/`openat`, `dup2`) followed in a
//! straight plan by `fcntl`s that set `FD_CLOEXEC` or `O_NONBLOCK` on it becomes one system
//! call that sets the flags itself: `socket(d, t | SOCK_CLOEXEC | SOCK_NONBLOCK, p)`,
//! `accept4(fd, a, l, flags)`, `open(p, f | O_CLOEXEC, m)`, and `dup3(a, b, O_CLOEXEC)` behind a
//! run-time guard `a != b` (where `dup2` returns `b` and `dup3` fails with `EINVAL`).
//!
//! `pipe(fds)` followed by the same `fcntl`s on `fds[0]` and `fds[1]` becomes
//! `pipe2(fds, flags)` ([`pipe`]): those descriptors are loads, so the form is found in the IR
//! from the hot pairs, outside plans.
//!
//! The form `fl = fcntl(r, F_GETFL); fcntl(r, F_SETFL, fl | O_NONBLOCK)`, whose two `fcntl`s
//! are never in one plan, is found across plans ([`getfl`]).
//!
//! Deciding ([`decide`], [`getfl`]) is apart from rewriting ([`rewrite`]): the decision reads the plan
//! and the unchanged IR and answers with [`Merge`]s and typed refusals, reported as remarks;
//! the plan's other entries are handed back as the pieces of the plan around the merges (a
//! piece of two or more calls stays a multi-call, a piece of one a plain call), and the merges
//! are rewritten after every multi-call is lowered (`rewrite_all`). A merge that is the whole
//! plan needs no batch: the program makes one plain system call where it made two or three.

mod decide;
mod getfl;
mod pipe;
mod rewrite;

use indexmap::IndexMap;

pub(crate) use decide::Merge;

use crate::context::Context;
use crate::plan::{ArgSource, Entry, Plan, Stop, Straight};
use crate::profile_map::WeightedPair;
use crate::remarks::Remark;
use crate::sites::Site;

/// Decides the merges of every straight plan and reports each decision. Returns the plans to
/// lower as multi-calls (plans without a merge unchanged, the pieces of those with one) and
/// the merges, for [`rewrite_all`]. `pairs` are the hot pairs of sites, where `pipe`'s merges
/// are looked for ([`pipe`]).
pub(crate) fn run(
    ctx: &mut Context<'_>,
    sites: &[Site],
    pairs: &[WeightedPair],
    plans: Vec<Plan>,
) -> (Vec<Plan>, Vec<Merge>) {
    let straight: Vec<(usize, &Straight)> = plans
        .iter()
        .enumerate()
        .filter_map(|(k, p)| match p {
            Plan::Straight(s) => Some((k, s)),
            Plan::Looped(_) => None,
        })
        .collect();
    // Positions merged in each plan, by plan index.
    let mut merged: IndexMap<usize, Vec<bool>> = straight
        .iter()
        .map(|&(k, s)| (k, vec![false; s.entries.len()]))
        .collect();
    let place: IndexMap<usize, (usize, usize)> = plans
        .iter()
        .enumerate()
        .flat_map(|(k, p)| {
            p.entries()
                .iter()
                .enumerate()
                .map(move |(i, e)| (e.site, (k, i)))
        })
        .collect();
    let (across, across_refused) = getfl::find(sites, &straight, &place);
    let mut all = Vec::new();
    let mut report = Vec::new();
    let (pipes, mut pipes_refused) = pipe::find(sites, pairs);
    for p in pipes {
        if pipe::held(&plans, &place, &p) {
            pipes_refused.push(decide::Refused {
                creator: p.creator,
                fcntl: p.fcntls[0],
                reason: decide::Refusal::PipeHeld,
            });
            continue;
        }
        // The plans the merged sites leave, and how many of their calls stay.
        let mut left: Vec<usize> = Vec::new();
        let mut taken = 0;
        for s in std::iter::once(p.creator).chain(p.fcntls.iter().copied()) {
            if let Some(&(k, pos)) = place.get(&s) {
                if let Some(mask) = merged.get_mut(&k) {
                    mask[pos] = true;
                    taken += 1;
                    if !left.contains(&k) {
                        left.push(k);
                    }
                }
            }
        }
        let rest = straight
            .iter()
            .filter(|(k, _)| left.contains(k))
            .map(|(_, s)| s.entries.len())
            .sum::<usize>()
            - taken;
        let merge = Merge {
            creator: p.creator,
            kind: decide::Creator::Pipe,
            fcntls: p.fcntls,
            flags: p.flags,
            first: 0,
            whole: rest == 0,
            getfl: None,
        };
        report.push((merge.clone(), rest));
        all.push(merge);
    }
    for x in across {
        for (plan, positions) in [(Some(x.a), &x.in_a), (x.b, &x.in_b)] {
            if let Some(mask) = plan.and_then(|p| merged.get_mut(&p)) {
                positions.iter().for_each(|&p| mask[p] = true);
            }
        }
        let rest = straight
            .iter()
            .filter(|(k, _)| *k == x.a || Some(*k) == x.b)
            .map(|(_, s)| s.entries.len())
            .sum::<usize>()
            - x.in_a.len()
            - x.in_b.len();
        report.push((x.merge.clone(), rest));
        all.push(x.merge);
    }
    // A call whose F_GETFL form was decided across plans (merged or refused with its own
    // reason) is not a candidate of its own.
    let across_creators: Vec<usize> = all
        .iter()
        .map(|m| m.creator)
        .chain(across_refused.iter().map(|r| r.creator))
        .collect();
    let mut refused = across_refused;
    refused.extend(pipes_refused);
    for &(k, s) in &straight {
        let (merges, plan_refused) = decide::decide(sites, s);
        refused.extend(
            plan_refused
                .into_iter()
                .filter(|r| !across_creators.contains(&r.creator)),
        );
        let mask = merged.entry(k).or_default();
        for m in merges {
            let span = m.first..=m.first + m.fcntls.len();
            if span.clone().any(|p| mask[p]) {
                continue;
            }
            span.for_each(|p| mask[p] = true);
            report.push((m.clone(), s.entries.len() - 1 - m.fcntls.len()));
            all.push(m);
        }
    }
    for r in &refused {
        ctx.remark(Remark::not_specialised(
            sites,
            r.creator,
            r.fcntl,
            &r.reason.to_string(),
        ));
    }
    for (m, rest) in &report {
        let mut call = m.kind.merged_call(m.flags);
        if m.getfl.is_some() {
            call.push_str("; F_GETFL's result is O_RDWR, a fresh socket's flags");
        }
        let mut fcntls = m.getfl.into_iter().collect::<Vec<_>>();
        fcntls.extend(&m.fcntls);
        ctx.remark(Remark::specialised(sites, m.creator, &fcntls, &call, *rest));
        ctx.stats.specialised += 1;
        ctx.stats.specialised_whole += u64::from(m.whole);
    }
    let mut kept = Vec::with_capacity(plans.len());
    for (k, plan) in plans.into_iter().enumerate() {
        match (plan, merged.get(&k)) {
            (Plan::Straight(s), Some(mask)) if mask.iter().any(|&m| m) => {
                kept.extend(pieces(sites, &s, mask).into_iter().map(Plan::Straight));
            }
            (plan, _) => kept.push(plan),
        }
    }
    (kept, all)
}

/// Rewrites every merge; runs after the multi-calls are lowered (their uses of a creator's
/// result are then rewritten with the creator).
pub(crate) fn rewrite_all(ctx: &Context<'_>, sites: &[Site], merges: &[Merge]) {
    if merges.is_empty() {
        return;
    }
    let b = crate::lower::builder::Builder::new(ctx.module);
    for m in merges {
        rewrite::rewrite(&b, ctx.shim, sites, m);
    }
}

/// The pieces of `plan` between its merged positions (`merged`), each of at least two
/// entries, as straight plans:
/// a reference to an entry of an earlier piece or to a merged call becomes the call's value
/// (it dominates the later calls, and its entry stopped on every error, so the program reaches
/// the piece only with a valid result), and a piece's last entry stops never, as a plan's last
/// entry does.
fn pieces(sites: &[Site], plan: &Straight, merged: &[bool]) -> Vec<Straight> {
    let n = plan.entries.len();
    let mut out = Vec::new();
    let mut start = 0;
    while start < n {
        if merged[start] {
            start += 1;
            continue;
        }
        let end = (start..n).find(|&k| merged[k]).unwrap_or(n);
        if end - start >= 2 {
            let mut entries: Vec<Entry> = plan.entries[start..end]
                .iter()
                .map(|e| Entry {
                    site: e.site,
                    stop: e.stop,
                    args: e
                        .args
                        .iter()
                        .map(|a| match *a {
                            ArgSource::Ref(m) if m >= start => ArgSource::Ref(m - start),
                            ArgSource::Ref(m) => ArgSource::Value(sites[plan.entries[m].site].call),
                            other => other,
                        })
                        .collect(),
                })
                .collect();
            if let Some(last) = entries.last_mut() {
                last.stop = Stop::Never;
            }
            // The guards between the piece's entries.
            let guards = plan
                .guards
                .iter()
                .filter(|&(i, _)| *i >= start && *i + 1 < end)
                .map(|(i, g)| (i - start, g.clone()))
                .collect();
            out.push(Straight { entries, guards });
        }
        start = end;
    }
    out
}
