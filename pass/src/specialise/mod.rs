//! Specialisations of straight plans, between legality and lowering: merged flags.
//!
//! A call that makes a descriptor (`socket`, `accept`, `open`/`openat`, `dup2`) followed in a
//! straight plan by `fcntl`s that set `FD_CLOEXEC` or `O_NONBLOCK` on it becomes one system
//! call that sets the flags itself: `socket(d, t | SOCK_CLOEXEC | SOCK_NONBLOCK, p)`,
//! `accept4(fd, a, l, flags)`, `open(p, f | O_CLOEXEC, m)`, and `dup3(a, b, O_CLOEXEC)` behind a
//! run-time guard `a != b` (where `dup2` returns `b` and `dup3` fails with `EINVAL`).
//!
//! Deciding ([`decide`]) is apart from rewriting ([`rewrite`]): the decision reads the plan
//! and the unchanged IR and answers with [`Merge`]s and typed refusals, reported as remarks;
//! the plan's other entries are handed back as the pieces of the plan around the merges (a
//! piece of two or more calls stays a multi-call, a piece of one a plain call), and the merges
//! are rewritten after every multi-call is lowered (`rewrite_all`). A merge that is the whole
//! plan needs no batch: the program makes one plain system call where it made two or three.

mod decide;
mod rewrite;

pub(crate) use decide::Merge;

use crate::context::Context;
use crate::plan::{ArgSource, Entry, Plan, Stop, Straight};
use crate::remarks::Remark;
use crate::sites::Site;

/// Decides the merges of every straight plan and reports each decision. Returns the plans to
/// lower as multi-calls (plans without a merge unchanged, the pieces of those with one) and
/// the merges, for [`rewrite_all`].
pub(crate) fn run(
    ctx: &mut Context<'_>,
    sites: &[Site],
    plans: Vec<Plan>,
) -> (Vec<Plan>, Vec<Merge>) {
    let mut kept = Vec::with_capacity(plans.len());
    let mut all = Vec::new();
    for plan in plans {
        let Plan::Straight(s) = plan else {
            kept.push(plan);
            continue;
        };
        let (merges, refused) = decide::decide(sites, &s);
        for r in &refused {
            ctx.remark(Remark::not_specialised(
                sites,
                r.creator,
                r.fcntl,
                &r.reason.to_string(),
            ));
        }
        if merges.is_empty() {
            kept.push(Plan::Straight(s));
            continue;
        }
        for m in &merges {
            let rest = s.entries.len() - 1 - m.fcntls.len();
            ctx.remark(Remark::specialised(
                sites,
                m.creator,
                &m.fcntls,
                &m.kind.merged_call(m.flags),
                rest,
            ));
            ctx.stats.specialised += 1;
            ctx.stats.specialised_whole += u64::from(m.whole);
        }
        kept.extend(pieces(sites, &s, &merges).into_iter().map(Plan::Straight));
        all.extend(merges);
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

/// The pieces of `plan` between its merges, each of at least two entries, as straight plans:
/// a reference to an entry of an earlier piece or to a merged call becomes the call's value
/// (it dominates the later calls, and its entry stopped on every error, so the program reaches
/// the piece only with a valid result), and a piece's last entry stops never, as a plan's last
/// entry does.
fn pieces(sites: &[Site], plan: &Straight, merges: &[Merge]) -> Vec<Straight> {
    let n = plan.entries.len();
    let mut merged = vec![false; n];
    for m in merges {
        merged[m.first..=m.first + m.fcntls.len()].fill(true);
    }
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
            out.push(Straight { entries });
        }
        start = end;
    }
    out
}
