//! Candidate regions (the paper's Figure 6): edges in descending weight, regions grown one edge
//! at a time, each candidate asked of legality.
//!
//! An edge `a -> b` (two sites) starts a region when neither is in one, appends `b` to the
//! region that ends with `a`, prepends `a` to the region that starts with `b`, or joins two
//! regions; each time the whole resulting chain is checked. A multi-call is a straight line,
//! so an edge that would branch a region (its `a` is in a region but not at its end) is
//! refused under linearity. A region that is a whole loop then becomes a looped plan
//! ([`whole_loops`]).

use indexmap::{IndexMap, IndexSet};

use crate::legality::{Checker, Reason, Refusal};
use crate::plan::{Plan, Straight};
use crate::profile_map::WeightedPair;
use crate::remarks::RefusedEdge;
use crate::sites::Site;

/// The regions formed so far.
#[derive(Default)]
struct Regions {
    /// Regions by number; `None` once merged into a later one.
    regions: Vec<Option<Straight>>,
    region_of: IndexMap<usize, usize>,
}

impl Regions {
    fn calls_of(&self, r: usize) -> Vec<usize> {
        self.regions[r]
            .as_ref()
            .map(Straight::sites)
            .unwrap_or_default()
    }

    /// The chain the edge `a -> b` would make, `Ok(None)` when the region already has it, or
    /// a linearity refusal when the edge would branch a region.
    fn candidate(&self, sites: &[Site], a: usize, b: usize) -> Result<Option<Vec<usize>>, Refusal> {
        let ra = self.region_of.get(&a).copied();
        let rb = self.region_of.get(&b).copied();
        let chain = match (ra, rb) {
            (None, None) => vec![a, b],
            (Some(r), None) if self.calls_of(r).last() == Some(&a) => {
                let mut c = self.calls_of(r);
                c.push(b);
                c
            }
            (None, Some(r)) if self.calls_of(r).first() == Some(&b) => {
                let mut c = vec![a];
                c.extend(self.calls_of(r));
                c
            }
            (Some(r1), Some(r2))
                if r1 != r2
                    && self.calls_of(r1).last() == Some(&a)
                    && self.calls_of(r2).first() == Some(&b) =>
            {
                let mut c = self.calls_of(r1);
                c.extend(self.calls_of(r2));
                c
            }
            (Some(r1), Some(r2)) if r1 == r2 => {
                if self.calls_of(r1).windows(2).any(|w| w[0] == a && w[1] == b) {
                    return Ok(None);
                }
                return Err(Refusal::new(sites[b].call, Reason::NotAdjacent { a, b }));
            }
            _ => {
                let (member, r) = match (ra, rb) {
                    (Some(r), _) => (a, r),
                    (None, r) => (b, r.unwrap_or(0)),
                };
                return Err(Refusal::new(
                    sites[member].call,
                    Reason::Branching {
                        member,
                        chain: self.calls_of(r),
                        a,
                        b,
                    },
                ));
            }
        };
        Ok(Some(chain))
    }

    /// Replaces the regions of `a` and `b` by `plan`.
    fn commit(&mut self, a: usize, b: usize, plan: Straight) {
        let keep = self.regions.len();
        for r in [
            self.region_of.get(&a).copied(),
            self.region_of.get(&b).copied(),
        ]
        .into_iter()
        .flatten()
        {
            self.regions[r] = None;
        }
        for e in &plan.entries {
            self.region_of.insert(e.site, keep);
        }
        self.regions.push(Some(plan));
    }
}

/// An edge legality refused, reported once the plans are settled (a loop may still take it).
pub(crate) struct Refused {
    pub a: usize,
    pub b: usize,
    pub weight: u64,
    pub refusal: Refusal,
}

impl Refused {
    pub(crate) fn edge(&self) -> RefusedEdge<'_> {
        RefusedEdge {
            a: self.a,
            b: self.b,
            weight: self.weight,
            refusal: &self.refusal,
        }
    }
}

/// Grows regions over the weighted pairs; returns the legal ones, in the order formed, and
/// the refused edges.
pub(crate) fn grow(
    checker: &mut Checker<'_>,
    sites: &[Site],
    pairs: &[WeightedPair],
) -> (Vec<Straight>, Vec<Refused>) {
    let mut regions = Regions::default();
    let mut refused = Vec::new();
    for &WeightedPair { a, b, weight } in pairs {
        let mut refuse = |refusal: Refusal| {
            refused.push(Refused {
                a,
                b,
                weight,
                refusal,
            })
        };
        // Figure 6: Between(a, b) must satisfy the conditions on its own.
        let pair = match checker.check(&[a, b]) {
            Ok(p) => p,
            Err(refusal) => {
                refuse(refusal);
                continue;
            }
        };
        let chain = match regions.candidate(sites, a, b) {
            Ok(Some(chain)) => chain,
            Ok(None) => continue,
            Err(refusal) => {
                refuse(refusal);
                continue;
            }
        };
        // Then the region it would extend, as a whole.
        let result = if chain.len() == 2 {
            Ok(pair)
        } else {
            checker.check(&chain)
        };
        match result {
            Ok(plan) => regions.commit(a, b, plan),
            Err(refusal) => refuse(refusal),
        }
    }
    (regions.regions.into_iter().flatten().collect(), refused)
}

/// Section 3.4: a region whose calls are a whole loop, the profile's edge from its last call
/// back to its first being hot, or a hot call that follows itself (a loop around one call),
/// becomes a looped plan when the loop passes `Checker::check_loop`. Returns every plan and
/// the loops refused (as their back edges); a refused region stays a straight batch.
pub(crate) fn whole_loops(
    checker: &mut Checker<'_>,
    sites: &[Site],
    straight: Vec<Straight>,
    pairs: &[WeightedPair],
    self_loops: &[(usize, u64)],
) -> (Vec<Plan>, Vec<Refused>) {
    let mut plans = Vec::with_capacity(straight.len());
    let mut refused = Vec::new();
    let mut in_region = IndexSet::new();
    // Hot pairs that a flag tested between their calls keeps from being straight batches
    // (`Checker::watched`), with their back edges' weights: their loops may still be looped
    // batches that read the flag (heaviest first, as the pairs come).
    let watched: Vec<(usize, usize, u64)> = pairs
        .iter()
        .filter(|p| p.a != p.b)
        .filter_map(|p| {
            let back = pairs.iter().find(|q| q.a == p.b && q.b == p.a)?;
            checker
                .watched(&[p.a, p.b])
                .then_some((p.a, p.b, back.weight))
        })
        .collect();
    let mut try_loop = |calls: &[usize], weight: u64, refused: &mut Vec<Refused>| {
        let (a, b) = (calls[calls.len() - 1], calls[0]);
        // A looped multi-call would skip a fortified call's check in later iterations: such a
        // chain stays a straight multi-call, which makes the check where the call was.
        if calls.iter().any(|&c| sites[c].check.is_some()) {
            return None;
        }
        match checker.check_loop(calls) {
            Ok(l) => Some(Plan::Looped(Box::new(l))),
            // A region whose first call heads no loop: its back edge has its own refusal.
            Err(Refusal {
                reason: Reason::NotALoop { .. },
                ..
            }) if calls.len() > 1 => None,
            Err(refusal) => {
                refused.push(Refused {
                    a,
                    b,
                    weight,
                    refusal,
                });
                None
            }
        }
    };
    // Such a loop takes its calls from the straight batches that hold them.
    let mut taken: IndexSet<usize> = IndexSet::new();
    for &(a, b, weight) in &watched {
        if taken.contains(&a) || taken.contains(&b) {
            continue;
        }
        if let Some(plan) = try_loop(&[a, b], weight, &mut refused) {
            taken.extend([a, b]);
            in_region.extend([a, b]);
            plans.push(plan);
        }
    }
    for region in straight {
        let calls = region.sites();
        if calls.iter().any(|c| taken.contains(c)) {
            continue;
        }
        in_region.extend(calls.iter().copied());
        let (first, last) = (calls[0], calls[calls.len() - 1]);
        let back = pairs.iter().find(|p| p.a == last && p.b == first);
        let looped = back.and_then(|p| try_loop(&calls, p.weight, &mut refused));
        plans.push(looped.unwrap_or(Plan::Straight(region)));
    }
    for &(s, weight) in self_loops {
        if !in_region.contains(&s) {
            plans.extend(try_loop(&[s], weight, &mut refused));
        }
    }
    (plans, refused)
}
