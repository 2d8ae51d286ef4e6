//! Lowering: rewriting each plan into IR, one file per plan kind ([`straight`] for
//! `Plan::Straight`, [`looped`] for `Plan::Looped`), over a small IR builder ([`builder`]).
//!
//! Lowering runs after every legality check of the module: it splits blocks through the shim,
//! which updates no dominator tree, and the checks' answers (kept by `legality::Checker`)
//! describe the IR as it was before. A plan's values stay valid across the lowering of
//! earlier plans; a result an earlier plan replaced is looked up in `replaced`. Looped plans
//! go last: they keep their calls (in the fallback loop), and the uses of their results after
//! the loop are rewritten once every plan is lowered, including the uses other lowerings made.

mod advance;
pub(crate) mod builder;
mod looped;
mod straight;

use std::collections::HashMap;

use crate::context::Context;
use crate::plan::Plan;
use crate::sites::Site;

/// Lowers every plan, in order, counting regions and calls.
pub(crate) fn lower_all(ctx: &mut Context<'_>, sites: &[Site], plans: &[Plan]) {
    let b = builder::Builder::new(ctx.module);
    let mut replaced = HashMap::new();
    let mut rewrites = Vec::new();
    let (looped, straight): (Vec<&Plan>, Vec<&Plan>) =
        plans.iter().partition(|p| matches!(p, Plan::Looped(_)));
    for plan in straight.into_iter().chain(looped) {
        match plan {
            Plan::Straight(s) => straight::lower(&b, ctx.shim, sites, s, &mut replaced),
            Plan::Looped(l) => {
                rewrites.extend(looped::lower(&b, ctx.shim, sites, l, &replaced));
                ctx.stats.looped += 1;
            }
        }
        ctx.stats.regions += 1;
        ctx.stats.calls_clustered += plan.entries().len() as u64;
    }
    for r in &rewrites {
        r.apply(ctx.shim);
    }
}
