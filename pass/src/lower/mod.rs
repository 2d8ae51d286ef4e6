//! Lowering: rewriting each plan into IR, one file per plan kind ([`straight`] for
//! `Plan::Straight`, [`looped`] for `Plan::Looped`), over a small IR builder ([`builder`]).
//!
//! Lowering runs after every legality check of the module: it splits blocks through the shim,
//! which updates no dominator tree, and the checks' answers (kept by `legality::Checker`)
//! describe the IR as it was before. A plan's values stay valid across the lowering of
//! earlier plans; a result an earlier plan replaced is looked up in `replaced` (the entries'
//! arguments), and any other use a later lowering makes of a replaced
//! call (a bound or a limit computed again) is given the value standing for it once every
//! plan is lowered. Looped plans
//! go last: they keep their calls (in the fallback loop), and the uses of their results after
//! the loop are rewritten once every plan is lowered, including the uses other lowerings made.

mod advance;
pub(crate) mod builder;
mod looped;
mod straight;

use indexmap::IndexMap;

use crate::context::Context;
use crate::plan::Plan;
use crate::sites::Site;

/// Lowers every plan, in order, counting regions and calls.
pub(crate) fn lower_all(ctx: &mut Context<'_>, sites: &[Site], plans: &[Plan]) {
    let b = builder::Builder::new(ctx.module);
    let mut replaced = IndexMap::new();
    let mut rewrites = Vec::new();
    let (looped, straight): (Vec<&Plan>, Vec<&Plan>) =
        plans.iter().partition(|p| matches!(p, Plan::Looped(_)));
    for plan in straight.into_iter().chain(entered_first(looped)) {
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
    // A later plan's lowering may have built a value from a call an earlier straight
    // multi-call replaced (a loop's bound `i < n`, a limit, a base `n - got` defined before
    // the loop), reading the plan's value of the call: such a use takes what stands for the
    // call now, which is where the call's value was (it joins the multi-call's way and the
    // call's own). The call keeps its own use, in that join, and any in its block.
    for (&call, &now) in &replaced {
        let home = crate::ir::parent_block(call);
        crate::ir::replace_uses_except(call, now, |user| {
            user == now || crate::ir::parent_block(user) == home
        });
    }
}

/// The looped plans in an order where a loop whose way out enters another loop comes before
/// it (`while (a) ...; while (b) ...` with nothing between): its lowering adds ways in to the
/// other loop, which that loop's lowering then gathers (`looped::way_in`); lowered the other
/// way round, the first loop's ways out would skip the second's batch. Otherwise (and for
/// loops that enter each other) the order they come in.
fn entered_first(mut left: Vec<&Plan>) -> Vec<&Plan> {
    let enters = |a: &Plan, b: &Plan| match (a, b) {
        (Plan::Looped(a), Plan::Looped(b)) => {
            let heads = [Some(b.header), b.tested.as_ref().map(|t| t.block)];
            a.exits
                .iter()
                .map(|e| e.to)
                .chain(a.tested.as_ref().and_then(|t| t.until_exit).map(|e| e.to))
                .any(|to| heads.contains(&Some(to)))
        }
        _ => false,
    };
    let mut order = Vec::with_capacity(left.len());
    while !left.is_empty() {
        let next = (0..left.len())
            .find(|&i| {
                !left
                    .iter()
                    .any(|&a| !std::ptr::eq(a, left[i]) && enters(a, left[i]))
            })
            .unwrap_or(0);
        order.push(left.remove(next));
    }
    order
}
