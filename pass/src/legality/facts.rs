//! The facts about the code between two calls `a` and `b`, gathered in one walk and judged by
//! the checks in `conditions`.
//!
//! The walk follows the path from `a` to `b`: instructions in order, and at each conditional
//! branch the successor that leads on to `b` (the one `b`'s block post-dominates). It records
//! every instruction with what the shim says about it and every conditional branch with the
//! block it leaves to, and it ends either at `b` or at the first obstacle that stops a walk
//! (a join, a loop, a branch that is not two-way, ...). Two more kinds of step let a walk
//! follow the result of `a` through the shapes gnulib's `safe_read` leaves after inlining: a
//! `switch` whose cases all leave the path (`Switch`), and a *merge*, a block entered from the
//! path and from code off it (a retry or a clamp after a stop) whose phis carry `a`'s result
//! to a test in the same block: the walk goes on through it when no block that enters it can
//! be reached from it without running the chain's first call again (it is no loop), and the
//! phis' values on the path are recorded (`Gap::on_path`) so that the test can be read as a
//! test of `a`'s result. It refuses nothing itself: whether a
//! recorded fact breaks a condition is for the checks to say, so that an enabling
//! transformation can change what blocks a chain and the facts can be gathered again.

use indexmap::{IndexMap, IndexSet};
use std::collections::VecDeque;

use llvm_sys::core::{
    LLVMGetFirstUse, LLVMGetParamParent, LLVMIsAArgument, LLVMIsAGlobalVariable, LLVMIsThreadLocal,
};
use llvm_sys::prelude::{LLVMBasicBlockRef, LLVMValueRef};
use llvm_sys::{LLVMOpcode, LLVMTypeKind};
use syscluster_profile::catalogue::{self, ArgKind};

use crate::ir;
use crate::plan::Least;
use crate::shim::{flags, Shim};
use crate::sites::Site;

/// One recorded point of the path, in execution order.
#[derive(Clone, Debug)]
pub(crate) enum Step {
    /// An instruction that is not a terminator (debug intrinsics are left out) and its
    /// `shim::flags`.
    Inst { inst: LLVMValueRef, flags: u32 },
    /// A conditional branch: its condition, the block the path leaves to, and whether the
    /// true successor is the one that continues.
    Branch {
        inst: LLVMValueRef,
        cond: LLVMValueRef,
        off: LLVMBasicBlockRef,
        continue_if_true: bool,
    },
    /// A `switch` whose default successor continues and whose cases all leave the path:
    /// the value it tests, and each case's value and block.
    Switch {
        inst: LLVMValueRef,
        value: LLVMValueRef,
        cases: Vec<(i64, LLVMBasicBlockRef)>,
    },
}

/// Where a walk stopped before reaching `b`.
#[derive(Clone, Debug)]
pub(crate) enum Obstacle {
    /// An instruction list that ends without terminator (not valid IR).
    Malformed,
    /// Both successors of `branch` lead to `b` on every path.
    BothWays {
        branch: LLVMValueRef,
        t: LLVMBasicBlockRef,
        f: LLVMBasicBlockRef,
    },
    /// Neither successor of `branch` leads to `b` alone.
    NoStraightPath { branch: LLVMValueRef },
    /// A terminator other than `br`.
    NotTwoWay { inst: LLVMValueRef },
    /// The path comes back to a block it went through.
    Loops { inst: LLVMValueRef },
    /// The next block has another entry than `inst`; `rejoined` is the first recorded exit
    /// (branch, block left to) from which that block can be reached.
    Join {
        inst: LLVMValueRef,
        block: LLVMBasicBlockRef,
        preds: usize,
        rejoined: Option<(LLVMValueRef, LLVMBasicBlockRef)>,
    },
}

/// How the walk ended.
#[derive(Clone, Debug)]
pub(crate) enum End {
    /// At `b`; `exit_to_b` is the first exit from which `b`'s block can be reached.
    Reached {
        exit_to_b: Option<(LLVMValueRef, LLVMBasicBlockRef)>,
    },
    /// At an obstacle, after the recorded steps.
    Blocked(Obstacle),
}

/// The facts about one gap.
#[derive(Clone, Debug)]
pub(crate) struct Gap {
    pub steps: Vec<Step>,
    pub end: End,
    /// The phis of the merges the path went through, each with its value on the path (the
    /// value it takes from the block the path enters the merge from), and the phis of one
    /// incoming value on the path with that value.
    pub on_path: IndexMap<LLVMValueRef, LLVMValueRef>,
    /// The branches whose other way the walk let come back to the path (`gather_rejoining`).
    pub rejoins: Vec<Rejoin>,
}

/// What `gather_rejoining` asks of a branch whose other way may come back to the path: given
/// the branch, its condition and the path's phis with their values on it (`Gap::on_path`),
/// why it may (`Rejoinable`), or `None`.
pub(crate) type MayRejoin<'a> = dyn Fn(LLVMValueRef, LLVMValueRef, &IndexMap<LLVMValueRef, LLVMValueRef>) -> Option<Rejoinable>
    + 'a;

/// Why a branch's other way may come back to the path (`gather_rejoining`).
#[derive(Clone, Copy, Debug)]
pub(crate) enum Rejoinable {
    /// A flag's test (a handler that runs and goes on): the path is the way a zero flag
    /// takes, `true_if_zero`.
    Flag { true_if_zero: bool },
    /// A test of the earlier call's result that its being the call's length decides (the
    /// true way, `true_way`): the path is that way. It decides so for a length of at least
    /// `least` (`plan::Least`), which the batch's stop must then hold for.
    AtLength { true_way: bool, least: Least },
}

/// A recorded branch whose other way comes back to the path at `join` (a flag's test whose
/// handler runs and goes on: `if (got_signal) report(); write(..)`): the walk went on through
/// the join, with its phis' values on the path. The code off the path is part of the region
/// unless the branch's test is taken out of the gap (a flag a batch reads, `watch`).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Rejoin {
    pub branch: LLVMValueRef,
    pub off: LLVMBasicBlockRef,
    pub join: LLVMBasicBlockRef,
    /// Why the walk let the branch's other way come back (`MayRejoin`'s answer).
    pub why: Rejoinable,
}

impl Gap {
    /// The recorded exits: (conditional branch or switch, block it leaves to), in order.
    pub fn exits(&self) -> impl Iterator<Item = (LLVMValueRef, LLVMBasicBlockRef)> + '_ {
        exits_of(&self.steps)
    }

    /// `v`, or when it is a phi recorded on the path, its value on the path (followed through
    /// further recorded phis).
    pub fn on_path(&self, v: LLVMValueRef) -> LLVMValueRef {
        along_path(&self.on_path, v)
    }

    /// The gap without the steps of the instructions and branches `gone` names, for the
    /// checks of the rest (a flag's load, comparison and branch; a rejoin's branch).
    pub fn without(&self, gone: impl Fn(LLVMValueRef) -> bool) -> Gap {
        Gap {
            steps: steps_without(&self.steps, gone),
            end: self.end.clone(),
            on_path: self.on_path.clone(),
            rejoins: self.rejoins.clone(),
        }
    }
}

/// `v`, or when it is a phi in `on_path` (`Gap::on_path`), its value on the path (followed
/// through further phis there).
pub(crate) fn along_path(
    on_path: &IndexMap<LLVMValueRef, LLVMValueRef>,
    mut v: LLVMValueRef,
) -> LLVMValueRef {
    for _ in 0..=on_path.len() {
        match on_path.get(&v) {
            Some(&w) => v = w,
            None => break,
        }
    }
    v
}

/// `steps` without those of the instructions and branches `gone` names.
fn steps_without(steps: &[Step], gone: impl Fn(LLVMValueRef) -> bool) -> Vec<Step> {
    steps
        .iter()
        .filter(|s| match **s {
            Step::Inst { inst, .. } | Step::Branch { inst, .. } => !gone(inst),
            Step::Switch { .. } => true,
        })
        .cloned()
        .collect()
}

/// The exits of some steps: (conditional branch or switch, block it leaves to), in order.
fn exits_of(steps: &[Step]) -> impl Iterator<Item = (LLVMValueRef, LLVMBasicBlockRef)> + '_ {
    steps.iter().flat_map(|s| match s {
        Step::Branch { inst, off, .. } => vec![(*inst, *off)],
        Step::Switch { inst, cases, .. } => {
            let mut offs: Vec<_> = cases.iter().map(|&(_, off)| (*inst, off)).collect();
            offs.dedup();
            offs
        }
        Step::Inst { .. } => Vec::new(),
    })
}

/// Which blocks can be reached from which, without entering a given head block (the block of
/// a chain's first call: a path through it runs the multi-call again). Each set is computed
/// once per (start, head); the IR does not change while legality runs.
#[derive(Default)]
pub(crate) struct Reach {
    memo: IndexMap<(LLVMBasicBlockRef, LLVMBasicBlockRef), IndexSet<LLVMBasicBlockRef>>,
}

impl Reach {
    /// Whether `block` is reachable from `start` without entering `head`.
    pub fn contains(
        &mut self,
        start: LLVMBasicBlockRef,
        head: LLVMBasicBlockRef,
        block: LLVMBasicBlockRef,
    ) -> bool {
        self.memo
            .entry((start, head))
            .or_insert_with(|| reachable(start, head))
            .contains(&block)
    }
}

fn reachable(start: LLVMBasicBlockRef, head: LLVMBasicBlockRef) -> IndexSet<LLVMBasicBlockRef> {
    let mut seen = IndexSet::new();
    let mut queue = VecDeque::from([start]);
    while let Some(b) = queue.pop_front() {
        if b == head || !seen.insert(b) {
            continue;
        }
        if let Some(t) = ir::terminator(b) {
            queue.extend(ir::successors(t));
        }
    }
    seen
}

/// Walks from `a` to `b` (same function, `a` dominates `b`) and records what lies between.
/// `head` is the block of the chain's first call.
pub(crate) fn gather(
    shim: &Shim,
    reach: &mut Reach,
    a: &Site,
    b: &Site,
    head: LLVMBasicBlockRef,
) -> Gap {
    gather_rejoining(shim, reach, a, b, head, &|_, _, _| None)
}

/// `gather`, going on through a join entered from the path and from code that only the other
/// ways of recorded branches reach that `may_rejoin` accepts (branch, condition), which says
/// which way the path takes there (`Gap::rejoins`).
pub(crate) fn gather_rejoining(
    shim: &Shim,
    reach: &mut Reach,
    a: &Site,
    b: &Site,
    head: LLVMBasicBlockRef,
    may_rejoin: &MayRejoin<'_>,
) -> Gap {
    let a_block = ir::parent_block(a.call);
    let b_block = ir::parent_block(b.call);
    let mut steps = Vec::new();
    let mut visited = IndexSet::new();
    let mut on_path = IndexMap::new();
    // The merges passed: code off the path enters the path there.
    let mut merges: Vec<LLVMBasicBlockRef> = Vec::new();
    let mut rejoins: Vec<Rejoin> = Vec::new();
    let blocked = |steps: Vec<Step>, on_path, rejoins, o: Obstacle| Gap {
        steps,
        end: End::Blocked(o),
        on_path,
        rejoins,
    };
    let mut cur = ir::next_instruction(a.call);
    loop {
        let Some(inst) = cur else {
            return blocked(steps, on_path, rejoins, Obstacle::Malformed);
        };
        if inst == b.call {
            break;
        }
        if ir::is_phi(inst) {
            // A phi only selects the value of the way its block was entered: of a merge, its
            // value on the path (recorded on entering it); of a block with one way in (LCSSA
            // form, a loop's dedicated exit), that way's value. It runs no code.
            if let [(v, _)] = ir::incoming(inst).as_slice() {
                on_path.insert(inst, *v);
            }
            cur = ir::next_instruction(inst);
            continue;
        }
        if !ir::is_terminator(inst) {
            let flags = shim.inst_flags(inst);
            if flags & flags::DEBUG == 0 {
                steps.push(Step::Inst { inst, flags });
            }
            cur = ir::next_instruction(inst);
            continue;
        }
        let next_block = if let Some((cond, t, f)) = ir::conditional_branch(inst) {
            let rejoinable = may_rejoin(inst, cond, &on_path);
            let way = match continuation(shim, inst, t, f, a_block, b_block) {
                // A flag's test whose handler comes back before `b` (`if (flag) handle();`,
                // `while (a || b) handle();` once its tests are made before the call): the
                // path is the way the test takes when the flag is zero.
                Err(Obstacle::BothWays { .. }) => match rejoinable {
                    Some(Rejoinable::Flag { true_if_zero }) => Ok(if true_if_zero {
                        (t, f, true)
                    } else {
                        (f, t, false)
                    }),
                    _ => Err(Obstacle::BothWays { branch: inst, t, f }),
                },
                way => way,
            };
            let way = match way {
                Err(o @ (Obstacle::BothWays { .. } | Obstacle::NoStraightPath { .. })) => {
                    match failure_way_through(cond, a.call, |v| along_path(&on_path, v)) {
                        Some(true_fails) => {
                            let (to, other) = if true_fails { (f, t) } else { (t, f) };
                            if leads_on(shim, to, other, a_block, b_block) {
                                Ok((to, other, !true_fails))
                            } else {
                                Err(o)
                            }
                        }
                        None => Err(o),
                    }
                }
                way => way,
            };
            // A test of `a`'s result that its being the length decides: the path is that
            // way, when it leads on to `b` (the other may come back, or leave).
            let way = match rejoinable {
                Some(Rejoinable::AtLength { true_way, .. }) => {
                    let (to, other) = if true_way { (t, f) } else { (f, t) };
                    let leads = leads_on(shim, to, other, a_block, b_block)
                        || edge_into_join(to, other, a_block, b_block);
                    if to != other && leads {
                        Ok((to, other, true_way))
                    } else {
                        way
                    }
                }
                _ => way,
            };
            match way {
                Ok((cont, off, continue_if_true)) => {
                    steps.push(Step::Branch {
                        inst,
                        cond,
                        off,
                        continue_if_true,
                    });
                    cont
                }
                Err(o) => return blocked(steps, on_path, rejoins, o),
            }
        } else if ir::opcode(inst) == LLVMOpcode::LLVMSwitch {
            match switch_continuation(shim, inst, a_block, b_block) {
                Some((value, cont, cases)) => {
                    steps.push(Step::Switch { inst, value, cases });
                    cont
                }
                None => return blocked(steps, on_path, rejoins, Obstacle::NotTwoWay { inst }),
            }
        } else {
            let succ = ir::successors(inst);
            if ir::opcode(inst) != LLVMOpcode::LLVMBr || succ.len() != 1 {
                return blocked(steps, on_path, rejoins, Obstacle::NotTwoWay { inst });
            }
            succ[0]
        };
        if !visited.insert(next_block) {
            return blocked(steps, on_path, rejoins, Obstacle::Loops { inst });
        }
        let preds = ir::predecessors(next_block);
        if preds.len() != 1 {
            let from = ir::parent_block(inst);
            let merged = (next_block != b_block)
                .then(|| merge(reach, head, &on_path, a.call, from, next_block, &preds))
                .flatten();
            // The merges and earlier joins passed: what comes from off the path there goes on
            // as the original does.
            let passed: Vec<LLVMBasicBlockRef> = merges
                .iter()
                .copied()
                .chain(rejoins.iter().map(|r| r.join))
                .collect();
            let rejoined = match merged {
                Some(_) => None,
                None => rejoining(
                    reach,
                    &steps,
                    head,
                    &passed,
                    (a_block, &visited),
                    from,
                    next_block,
                    may_rejoin,
                    &on_path,
                ),
            };
            if let Some(more) = rejoined {
                for phi in ir::instructions(next_block) {
                    if !ir::is_phi(phi) {
                        break;
                    }
                    if let Some((v, _)) = ir::incoming(phi).into_iter().find(|&(_, b)| b == from) {
                        on_path.insert(phi, v);
                    }
                }
                rejoins.extend(more);
                cur = ir::instructions(next_block).first().copied();
                continue;
            }
            let Some(phis) = merged else {
                // (The rejoins' ways reach it through their joins, on the path.)
                let left = without_rejoined(&steps, &rejoins);
                let rejoined = first_exit_reaching(reach, &left, head, &merges, next_block);
                return blocked(
                    steps,
                    on_path,
                    rejoins,
                    Obstacle::Join {
                        inst,
                        block: next_block,
                        preds: preds.len(),
                        rejoined,
                    },
                );
            };
            on_path.extend(phis);
            merges.push(next_block);
            // A test whose other way is only the edge into this merge, decided where the
            // result is the length (`edge_into_join`): its way off is never taken by a batch
            // that stops on every other result.
            rejoins.extend(edges_into(&steps, next_block, from, may_rejoin, &on_path));
        }
        cur = ir::instructions(next_block).first().copied();
    }
    // The ways that come back at a join reach `b` through it: that is the rejoin, which the
    // checks judge as such.
    let left = without_rejoined(&steps, &rejoins);
    let exit_to_b = first_exit_reaching(reach, &left, head, &merges, b_block);
    Gap {
        steps,
        end: End::Reached { exit_to_b },
        on_path,
        rejoins,
    }
}

/// The recorded tests of `steps` whose way off is the edge into `join` itself from another
/// block than `from`, decided where the result is the length (`edge_rejoin`).
fn edges_into(
    steps: &[Step],
    join: LLVMBasicBlockRef,
    from: LLVMBasicBlockRef,
    may_rejoin: &MayRejoin<'_>,
    on_path: &IndexMap<LLVMValueRef, LLVMValueRef>,
) -> Vec<Rejoin> {
    steps
        .iter()
        .filter_map(|s| match *s {
            Step::Branch {
                inst, cond, off, ..
            } if off == join => edge_rejoin(inst, off, may_rejoin(inst, cond, on_path)?, from),
            _ => None,
        })
        .collect()
}

/// The rejoin of the recorded test `inst`, in a block other than `from`, whose way off is
/// only the edge into the join `off` and which is decided where the result is the length
/// (`why`, `edge_into_join`): no code of its own, never taken by a batch that stops on every
/// other result; the join's phis take their values from the way the walk came.
fn edge_rejoin(
    inst: LLVMValueRef,
    off: LLVMBasicBlockRef,
    why: Rejoinable,
    from: LLVMBasicBlockRef,
) -> Option<Rejoin> {
    (matches!(why, Rejoinable::AtLength { .. }) && ir::parent_block(inst) != from).then_some(
        Rejoin {
            branch: inst,
            off,
            join: off,
            why,
        },
    )
}

/// `steps` without the branches of `rejoins`.
fn without_rejoined(steps: &[Step], rejoins: &[Rejoin]) -> Vec<Step> {
    steps_without(steps, |inst| rejoins.iter().any(|r| r.branch == inst))
}

/// `gap` without the branches of its rejoins (their conditions' instructions stay), when it
/// has any left: the walk took each the way the path goes on, the other way coming back.
pub(crate) fn without_rejoins(gap: &Gap) -> Option<Gap> {
    let rest = gap.without(|inst| gap.rejoins.iter().any(|r| r.branch == inst));
    (rest.steps.len() < gap.steps.len()).then_some(rest)
}

/// Whether the walk may go on through `join`, entered once from `from` on the path and from
/// other blocks that only the other ways of recorded branches `may_rejoin` accepts reach: the
/// rejoins (one per such branch whose other way reaches the join), or `None`. The code off
/// the path must not enter a block the walk went through (other than by `head`, which runs
/// the chain again, by the join, or by a merge or join the walk passed before, `passed`, where
/// what comes from off the path goes on as the original does), the join must not head a loop,
/// and no other exit of the path may reach it.
#[allow(clippy::too_many_arguments)]
fn rejoining(
    reach: &mut Reach,
    steps: &[Step],
    head: LLVMBasicBlockRef,
    passed: &[LLVMBasicBlockRef],
    (a_block, visited): (LLVMBasicBlockRef, &IndexSet<LLVMBasicBlockRef>),
    from: LLVMBasicBlockRef,
    join: LLVMBasicBlockRef,
    may_rejoin: &MayRejoin<'_>,
    on_path: &IndexMap<LLVMValueRef, LLVMValueRef>,
) -> Option<Vec<Rejoin>> {
    let preds = ir::predecessors(join);
    if preds.iter().filter(|&&p| p == from).count() != 1
        || preds
            .iter()
            .any(|&p| p != from && (p == join || reach.contains(join, head, p)))
    {
        return None;
    }
    let mut barriers = vec![head, join];
    barriers.extend_from_slice(passed);
    let mut path: Vec<LLVMBasicBlockRef> = visited.iter().copied().collect();
    path.push(a_block);
    let mut found = Vec::new();
    let mut covered: IndexSet<LLVMBasicBlockRef> = IndexSet::new();
    for s in steps {
        let Step::Branch {
            inst, cond, off, ..
        } = *s
        else {
            continue;
        };
        let Some(why) = may_rejoin(inst, cond, on_path) else {
            continue;
        };
        // A test decided where the result is the length whose way off is only the edge
        // into the join (`edge_rejoin`).
        if off == join && matches!(why, Rejoinable::AtLength { .. }) {
            if let Some(r) = edge_rejoin(inst, off, why, from) {
                covered.insert(ir::parent_block(inst));
                found.push(r);
            }
            continue;
        }
        let off_code = reachable_avoiding(off, &barriers);
        if off_code.iter().any(|b| path.contains(b)) {
            return None;
        }
        let reaches: Vec<_> = preds
            .iter()
            .copied()
            .filter(|&p| p != from && off_code.contains(&p))
            .collect();
        if !reaches.is_empty() {
            covered.extend(reaches);
            found.push(Rejoin {
                branch: inst,
                off,
                join,
                why,
            });
        }
    }
    if found.is_empty() || preds.iter().any(|&p| p != from && !covered.contains(&p)) {
        return None;
    }
    // No other exit of the path comes back to the join (it would be code of the region).
    barriers.retain(|&b| b != join);
    let others = exits_of(steps)
        .filter(|&(inst, _)| !found.iter().any(|r| r.branch == inst))
        .collect::<Vec<_>>();
    if others
        .iter()
        .any(|&(_, off)| reachable_avoiding(off, &barriers).contains(&join))
    {
        return None;
    }
    Some(found)
}

/// The first recorded exit from which `block` can be reached without entering `head` (which
/// runs the chain's first call again) or a merge the path went through (whose test then sends
/// what comes from off the path on as the original does).
fn first_exit_reaching(
    reach: &mut Reach,
    steps: &[Step],
    head: LLVMBasicBlockRef,
    merges: &[LLVMBasicBlockRef],
    block: LLVMBasicBlockRef,
) -> Option<(LLVMValueRef, LLVMBasicBlockRef)> {
    let mut barriers = merges.to_vec();
    barriers.push(head);
    exits_of(steps).find(|&(_, off)| {
        if merges.is_empty() {
            reach.contains(off, head, block)
        } else {
            reachable_avoiding(off, &barriers).contains(&block)
        }
    })
}

/// Whether the way `to` of a branch whose other way is `other` leads on to `b_block`: `b`
/// post-dominates it, or it reaches `b` without the blocks `other` enters (`entered`).
fn leads_on(
    shim: &Shim,
    to: LLVMBasicBlockRef,
    other: LLVMBasicBlockRef,
    a_block: LLVMBasicBlockRef,
    b_block: LLVMBasicBlockRef,
) -> bool {
    shim.block_postdominates(b_block, to)
        || reachable_avoiding(to, &entered(a_block, other)).contains(&b_block)
}

/// Whether `other` is no code at all but the edge into a join that the way `to` reaches on
/// its way to `b_block` (`if (0 < n && warn) ..` as clang leaves it: `br i1 %nonzero, label
/// %warn, label %done`, the warning going on to `%done`): the join is then the path's,
/// entered from off it by that edge alone (`rejoining`, `edges_into`).
fn edge_into_join(
    to: LLVMBasicBlockRef,
    other: LLVMBasicBlockRef,
    a_block: LLVMBasicBlockRef,
    b_block: LLVMBasicBlockRef,
) -> bool {
    ir::predecessors(other).len() > 1
        && other != b_block
        && reachable_avoiding(to, &[a_block, other])
            .iter()
            .any(|&r| ir::successors_of(r).contains(&other))
        && reachable_avoiding(other, &[a_block]).contains(&b_block)
}

/// `a_block`, `x`, and the blocks that `x` enters on a straight line (unconditional
/// branches, up to the first block with another way in, a merge): what a path that only
/// comes to the other side's blocks by way of `x`'s must not enter.
fn entered(a_block: LLVMBasicBlockRef, x: LLVMBasicBlockRef) -> Vec<LLVMBasicBlockRef> {
    let mut out = vec![a_block, x];
    let mut cur = x;
    for _ in 0..16 {
        let succ = ir::successors_of(cur);
        let [next] = succ.as_slice() else { break };
        if out.contains(next) {
            break;
        }
        out.push(*next);
        if ir::predecessors(*next).len() != 1 {
            break;
        }
        cur = *next;
    }
    out
}

/// The blocks reachable from `start` without entering any of `barriers` (other than `start`).
pub(crate) fn reachable_avoiding(
    start: LLVMBasicBlockRef,
    barriers: &[LLVMBasicBlockRef],
) -> IndexSet<LLVMBasicBlockRef> {
    let mut seen = IndexSet::new();
    let mut queue = VecDeque::from([start]);
    while let Some(b) = queue.pop_front() {
        if (b != start && barriers.contains(&b)) || !seen.insert(b) {
            continue;
        }
        queue.extend(ir::successors_of(b));
    }
    seen
}

/// Whether the walk may go on through `block`, entered from `from` on the path and from
/// other blocks off it: a merge of `call`'s result. Its terminator tests a phi of `block`
/// whose value on the path is `call`'s result (through integer casts and earlier merges'
/// phis), or that result itself, and none of the blocks that enter it can be reached from it
/// without entering `head` (it is not a loop's header: the path would run again without the
/// chain's first call). Returns the phis of `block` with their values on the path.
fn merge(
    reach: &mut Reach,
    head: LLVMBasicBlockRef,
    earlier: &IndexMap<LLVMValueRef, LLVMValueRef>,
    call: LLVMValueRef,
    from: LLVMBasicBlockRef,
    block: LLVMBasicBlockRef,
    preds: &[LLVMBasicBlockRef],
) -> Option<IndexMap<LLVMValueRef, LLVMValueRef>> {
    if preds.iter().filter(|&&p| p == from).count() != 1
        || preds
            .iter()
            .any(|&p| p != from && (p == block || reach.contains(block, head, p)))
    {
        return None;
    }
    let mut phis = IndexMap::new();
    for inst in ir::instructions(block) {
        if !ir::is_phi(inst) {
            break;
        }
        let on = ir::incoming(inst)
            .into_iter()
            .find(|&(_, b)| b == from)
            .map(|(v, _)| v)?;
        phis.insert(inst, on);
    }
    let term = ir::terminator(block)?;
    let tested = if let Some((cond, _, _)) = ir::conditional_branch(term) {
        ir::icmp_predicate(cond)?;
        vec![ir::operand(cond, 0), ir::operand(cond, 1)]
    } else if ir::opcode(term) == LLVMOpcode::LLVMSwitch {
        vec![ir::operand(term, 0)]
    } else {
        return None;
    };
    let resolve = |mut v: LLVMValueRef| {
        for _ in 0..=phis.len() + earlier.len() {
            v = ir::strip_int_casts(v);
            match phis.get(&v).or_else(|| earlier.get(&v)) {
                Some(&w) => v = w,
                None => break,
            }
        }
        v
    };
    // What the tested phi takes from off the path must be the same call's result (a retry's
    // value that failed the earlier test, through the single-way phis of LCSSA form) or a
    // constant: not another call's result (the next iteration's read of a loop).
    let same_call = |v: LLVMValueRef| {
        let mut v = ir::strip_int_casts(v);
        for _ in 0..8 {
            if v == call || ir::const_int(v).is_some() {
                return true;
            }
            match ir::is_phi(v).then(|| ir::incoming(v)).as_deref() {
                Some([(w, _)]) => v = ir::strip_int_casts(*w),
                _ => return false,
            }
        }
        false
    };
    // Or the block tests the call's result itself: the same value whichever way it is
    // entered (a failed read that is not retried, `if (n < 0 && errno == EINTR) continue;`
    // joining the path before the `switch (n)` that reports it).
    let carries = tested.into_iter().any(|v| {
        let phi = ir::strip_int_casts(v);
        phi == call
            || phis.contains_key(&phi)
                && resolve(v) == call
                && ir::incoming(phi)
                    .into_iter()
                    .all(|(w, b)| b == from || same_call(w))
    });
    carries.then_some(phis)
}

/// For a `switch` on the path: (the value it tests, the successor that continues, the
/// cases), when its default successor is the one that leads on to `b` and none of its cases
/// does (each case's block differs from the default's). The default leads on when `b`
/// post-dominates it and none of the cases; or, as for a two-way branch (`continuation`),
/// when it alone reaches `b` without running `a` again: clang's `switch (n) { case -1: ...;
/// case 0: ... }` for `if (n == -1) { if (errno == EINTR) continue; ... } if (n == 0) break;`
/// continues on to a test of `n > 0` whose other way goes round the loop too.
#[allow(clippy::type_complexity)]
fn switch_continuation(
    shim: &Shim,
    sw: LLVMValueRef,
    a_block: LLVMBasicBlockRef,
    b_block: LLVMBasicBlockRef,
) -> Option<(
    LLVMValueRef,
    LLVMBasicBlockRef,
    Vec<(i64, LLVMBasicBlockRef)>,
)> {
    let succ = ir::successors(sw);
    let (&default, case_blocks) = succ.split_first()?;
    let dominated = shim.block_postdominates(b_block, default);
    if !dominated && !reachable_avoiding(default, &[a_block]).contains(&b_block) {
        return None;
    }
    let mut cases = Vec::with_capacity(case_blocks.len());
    for (k, &off) in case_blocks.iter().enumerate() {
        if off == default || shim.block_postdominates(b_block, off) {
            return None;
        }
        if !dominated && reachable_avoiding(off, &entered(a_block, default)).contains(&b_block) {
            return None;
        }
        // Operand 2k+2 of a switch is the value of its case k+1 (operand 1 is the default).
        let value = ir::const_int(ir::operand(sw, 2 * k as u32 + 2))?;
        cases.push((value, off));
    }
    Some((ir::operand(sw, 0), default, cases))
}

/// Whether `cond` tests `call`'s result (directly or through integer casts) for a failure, a
/// negative value: `Some(true)` when its true way is the failure's (`n == -1`, `n < 0`, `n <=
/// -1`), `Some(false)` when its false way is (`n != -1`, `n >= 0`, `n > -1`).
pub(crate) fn failure_way(cond: LLVMValueRef, call: LLVMValueRef) -> Option<bool> {
    failure_way_through(cond, call, |v| v)
}

/// `failure_way`, with the tested value taken through `resolve` (a merge's phi on the path
/// stands for its value there) before and after its casts.
fn failure_way_through(
    cond: LLVMValueRef,
    call: LLVMValueRef,
    resolve: impl Fn(LLVMValueRef) -> LLVMValueRef,
) -> Option<bool> {
    use llvm_sys::LLVMIntPredicate::*;
    let pred = ir::icmp_predicate(cond)?;
    let tested = resolve(ir::strip_int_casts(resolve(ir::operand(cond, 0))));
    if ir::strip_int_casts(tested) != call {
        return None;
    }
    match (pred, ir::const_int(ir::operand(cond, 1))?) {
        (LLVMIntEQ, -1) | (LLVMIntSLT, 0) | (LLVMIntSLE, -1) => Some(true),
        (LLVMIntNE, -1) | (LLVMIntSGE, 0) | (LLVMIntSGT, -1) => Some(false),
        _ => None,
    }
}

/// Which successor of a conditional branch leads on to `b`: the one `b` post-dominates, else
/// the only one that can reach `b` without going through the other (more branches follow; a
/// retry after a stop may come back to the path through a merge the continuing side enters).
/// Returns (continuing block, leaving block, whether the true successor continues).
fn continuation(
    shim: &Shim,
    branch: LLVMValueRef,
    t: LLVMBasicBlockRef,
    f: LLVMBasicBlockRef,
    a_block: LLVMBasicBlockRef,
    b_block: LLVMBasicBlockRef,
) -> Result<(LLVMBasicBlockRef, LLVMBasicBlockRef, bool), Obstacle> {
    let pt = shim.block_postdominates(b_block, t);
    let pf = shim.block_postdominates(b_block, f);
    match (pt, pf) {
        (true, false) => Ok((t, f, true)),
        (false, true) => Ok((f, t, false)),
        (true, true) => Err(Obstacle::BothWays { branch, t, f }),
        (false, false) => match (
            reachable_avoiding(t, &entered(a_block, f)).contains(&b_block),
            reachable_avoiding(f, &entered(a_block, t)).contains(&b_block),
        ) {
            (true, false) => Ok((t, f, true)),
            (false, true) => Ok((f, t, false)),
            _ => Err(Obstacle::NoStraightPath { branch }),
        },
    }
}

/// Bytes of user memory a system call reads or writes: `size` bytes at `ptr`, or every byte
/// from `ptr` on when the size is not a constant (a path, a struct, a variable length).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Extent {
    pub ptr: LLVMValueRef,
    pub size: Option<u64>,
    /// The length argument that follows a buffer, constant or not (`None`: a path, a struct).
    pub len: Option<LLVMValueRef>,
}

/// The user memory one system-call site writes, from the catalogue's argument kinds (what it
/// only reads, a `write`'s buffer or an `open`'s path, cannot change a load's value). A libc
/// wrapper also writes `errno` when the call fails; that write is not listed here (see
/// `may_be_errno`).
#[derive(Clone, Debug)]
pub(crate) enum Effects {
    /// The call writes exactly `writes`.
    Known { writes: Vec<Extent> },
    /// Not modelled: the call may read and write any memory.
    Unknown,
}

/// The system calls whose argument kinds say everything they do to user memory: each pointer
/// argument is a buffer followed by its length in bytes, a path, or a struct of the kernel's,
/// and the kernel follows no pointer stored in them. Others (vectored I/O, `ioctl`, `fcntl`,
/// `mmap`, `poll`, whose length counts structs, messages with embedded pointers, `kill`, which
/// may run a handler of the caller's before it returns, ...) are `Effects::Unknown`.
#[rustfmt::skip]
const MODELLED: &[&str] = &[
    "read", "write", "pread64", "pwrite64", "open", "openat", "creat", "close", "fstat", "stat",
    "lstat", "newfstatat", "lseek", "fsync", "fdatasync", "truncate", "ftruncate", "dup", "dup2",
    "dup3", "unlink", "unlinkat", "mkdir", "mkdirat", "rmdir", "rename", "renameat", "access",
    "faccessat", "chmod", "fchmod", "chdir", "fchdir", "chown", "fchown", "umask", "readlink",
    "getdents64", "nanosleep", "alarm", "getpid", "getuid", "geteuid", "getgid", "pipe", "pipe2",
    "socket", "bind", "connect", "listen", "shutdown", "accept", "accept4", "getsockname",
    "getpeername", "setsockopt", "getsockopt", "sendto", "recvfrom", "select", "clock_nanosleep",
];

/// What `site` does to user memory: `read` writes `buf[0..len)`, `write` reads it, `fstat`
/// writes its struct, `open` reads its path, `close` touches none.
pub(crate) fn effects(site: &Site) -> Effects {
    if let Some(writes) = fcntl_extents(site, ArgKind::may_write_memory) {
        return Effects::Known { writes };
    }
    match modelled(site) {
        Some(sys) => Effects::Known {
            writes: extents(site, sys, ArgKind::may_write_memory),
        },
        None => Effects::Unknown,
    }
}

/// The user memory the system call at `site` may touch (`writes_only`: may write), each
/// memory argument with its length where that is a constant, when the catalogue describes
/// everything the call does to user memory (`MODELLED`, or `fcntl` with a known command);
/// `None` otherwise.
pub(crate) fn memory_extents(site: &Site, writes_only: bool) -> Option<Vec<Extent>> {
    let pick = if writes_only {
        ArgKind::may_write_memory
    } else {
        ArgKind::is_memory
    };
    if let Some(extents) = fcntl_extents(site, pick) {
        return Some(extents);
    }
    modelled(site).map(|sys| extents(site, sys, pick))
}

/// For `fcntl` with a constant command the catalogue knows (`catalogue::fcntl_command`): the
/// memory its third argument is, when that argument's kind is one `pick` selects (`F_GETLK`'s
/// struct), and none for an integer or an ignored argument (`F_SETFL`, `F_GETFD`, ...).
/// `None` for any other call or command.
fn fcntl_extents(site: &Site, pick: fn(ArgKind) -> bool) -> Option<Vec<Extent>> {
    let sys = site.nr.and_then(catalogue::by_nr)?;
    if sys.name != "fcntl" {
        return None;
    }
    let cmd = site
        .args
        .get(1)
        .copied()
        .flatten()
        .and_then(ir::const_int)?;
    let command = catalogue::fcntl_command(cmd)?;
    let third = site.args.get(2).copied().flatten();
    Some(match (command.arg, third) {
        (Some(kind), Some(ptr)) if pick(kind) => vec![Extent {
            ptr,
            size: None,
            len: None,
        }],
        _ => Vec::new(),
    })
}

/// The site's system call when `MODELLED` lists it.
fn modelled(site: &Site) -> Option<&'static catalogue::Syscall> {
    site.nr
        .and_then(catalogue::by_nr)
        .filter(|sys| MODELLED.contains(&sys.name))
}

/// The memory arguments of `site` whose kind `pick` selects, each with its length when the
/// next argument is a constant length.
fn extents(site: &Site, sys: &catalogue::Syscall, pick: fn(ArgKind) -> bool) -> Vec<Extent> {
    let mut out = Vec::new();
    for (k, kind) in sys.args.iter().enumerate() {
        if !pick(*kind) {
            continue;
        }
        let Some(ptr) = site.args.get(k).copied().flatten() else {
            continue;
        };
        let len = match sys.args.get(k + 1) {
            Some(ArgKind::Len) => site.args.get(k + 1).copied().flatten(),
            _ => None,
        };
        let size = len
            .and_then(ir::const_int)
            .and_then(|n| u64::try_from(n).ok());
        out.push(Extent { ptr, size, len });
    }
    out
}

/// The system calls that may run a signal handler of the program before they return, where
/// POSIX lets the handler read the program's variables (a signal sent to the process itself,
/// a pending one unblocked): a store between the calls must not follow one of them in a batch.
#[rustfmt::skip]
const RUN_HANDLERS: &[&str] = &[
    "kill", "tkill", "tgkill", "rt_sigqueueinfo", "rt_tgsigqueueinfo", "pidfd_send_signal",
    "rt_sigprocmask", "rt_sigsuspend", "rt_sigreturn", "pause",
];

/// The system calls that may read, write, unmap or change the protection of any memory of
/// the process, whatever pointers they are given (a page address computed from an integer, the
/// process's own pid for `process_vm_writev`): a store between the calls must not follow one of
/// them in a batch.
#[rustfmt::skip]
const ANY_MEMORY: &[&str] = &[
    "mmap", "munmap", "mremap", "mprotect", "pkey_mprotect", "madvise", "process_madvise",
    "brk", "remap_file_pages", "shmat", "shmdt", "msync", "process_vm_readv",
    "process_vm_writev",
];

/// Whether the system call at `site` may read or write the memory `store` writes, or run a
/// signal handler that may (`RUN_HANDLERS`, `ANY_MEMORY`). A modelled call touches its memory
/// arguments (`read` writes its buffer, `write` reads it, `open` reads its path, `fstat` writes
/// its struct); any other is asked of alias analysis as a whole. `errno` is left aside: the
/// lowering sets it at each call's own position, after the code before that position, so a
/// store to errno between the calls comes before the later calls' errno as in the original.
pub(crate) fn site_may_access_store(shim: &Shim, site: &Site, store: LLVMValueRef) -> bool {
    let Some(sys) = site.nr.and_then(catalogue::by_nr) else {
        return true;
    };
    if runs_handlers(site) || ANY_MEMORY.contains(&sys.name) {
        return true;
    }
    let touched = match fcntl_extents(site, ArgKind::is_memory) {
        Some(touched) => touched,
        None if !MODELLED.contains(&sys.name) => {
            return shim.syscall_may_access_store(site.call, store)
        }
        None => extents(site, sys, ArgKind::is_memory),
    };
    let to_errno = is_errno_location(ir::operand(store, 1));
    touched.iter().any(|e| {
        (!to_errno || may_be_errno(shim, e.ptr)) && shim.store_may_alias(store, e.ptr, e.size)
    })
}

/// Whether the system call at `site` may run a signal handler before it returns
/// (`RUN_HANDLERS`; a call of unknown number may).
pub(crate) fn runs_handlers(site: &Site) -> bool {
    site.nr
        .and_then(catalogue::by_nr)
        .is_none_or(|sys| RUN_HANDLERS.contains(&sys.name))
}

/// Whether `ptr` is the result of a call of `__errno_location`, the address of this thread's
/// errno.
fn is_errno_location(ptr: LLVMValueRef) -> bool {
    ir::is_call(ptr) && ir::called_function(ptr).is_some_and(|f| ir::name(f) == "__errno_location")
}

/// Whether the system call at `site` may write the memory `load` reads, `errno` left aside:
/// by the calls' memory model, or because that memory may be shared with another process. A
/// load of errno itself reads none of the program's own objects a call writes.
pub(crate) fn site_may_write(shim: &Shim, site: &Site, load: LLVMValueRef) -> bool {
    reads_shared(shim, load) || site_writes_modelled(shim, site, load)
}

/// Whether the call at `site` may write what `load` reads only because that memory may be
/// shared with another process (`site_may_write` without the calls' memory model): which of
/// the two reasons a refusal names.
pub(crate) fn written_if_shared(shim: &Shim, site: &Site, load: LLVMValueRef) -> bool {
    reads_shared(shim, load) && !site_writes_modelled(shim, site, load)
}

/// Whether `load` is a load of memory that may be shared with another process, which changes
/// under any call: a file's `MAP_SHARED` mapping with the file (`pwrite`, `ftruncate`),
/// shared memory with what another process stores while the call blocks.
fn reads_shared(shim: &Shim, load: LLVMValueRef) -> bool {
    ir::opcode(load) == LLVMOpcode::LLVMLoad && may_be_shared(shim, ir::operand(load, 0))
}

/// Whether the call at `site` may write what `load` reads by the calls' memory model alone
/// (what its arguments point to, or LLVM's answer for an unmodelled call), shared memory left
/// aside.
fn site_writes_modelled(shim: &Shim, site: &Site, load: LLVMValueRef) -> bool {
    let from_errno =
        ir::opcode(load) == LLVMOpcode::LLVMLoad && is_errno_location(ir::operand(load, 0));
    match effects(site) {
        Effects::Known { writes } => writes.iter().any(|e| {
            !argv_and_own(shim, load, e.ptr)
                && (!from_errno || may_be_errno(shim, e.ptr))
                && shim.load_may_alias(load, e.ptr, e.size)
        }),
        Effects::Unknown => shim.call_may_clobber_load(site.call, load),
    }
}

/// Whether `ptr` may point into memory another process shares (`mmap` with `MAP_SHARED`,
/// `shmat`): anything but the program's own stack (an `alloca`), its global variables,
/// `main`'s argument vector, errno and what an allocator returned (a call whose result is
/// `noalias`: `malloc`, `calloc`, `realloc`, `strdup`; private memory, which only a thread
/// could change, and a thread's unsynchronised store is a data race).
fn may_be_shared(shim: &Shim, ptr: LLVMValueRef) -> bool {
    let base = shim.underlying_object(ptr);
    let allocated = ir::is_instruction(base)
        && ir::is_call(base)
        && ir::call_has_attribute(base, ir::AttrAt::Return, "noalias");
    !(ir::is_alloca(base)
        || ir::is_global_variable(base)
        || main_argv(base).is_some()
        || is_errno_location(base)
        || allocated)
}

/// Whether `load` reads `main`'s argument vector and `ptr` points into an object of the
/// program's own (a local or a global variable): the vector the start-up code passes is storage
/// of the environment, apart from every object the program defines. Alias analysis does not
/// know this (`argv` is just a pointer parameter).
fn argv_and_own(shim: &Shim, load: LLVMValueRef, ptr: LLVMValueRef) -> bool {
    let reads_argv = main_argv(shim.underlying_object(ir::operand(load, 0))).is_some();
    let own = shim.underlying_object(ptr);
    // SAFETY: own is a live value of the module; it is only tested for its kind.
    let global = unsafe { !LLVMIsAGlobalVariable(own).is_null() };
    reads_argv && (ir::is_alloca(own) || global)
}

/// Whether `ptr` may point into `errno`, which every libc wrapper writes when its call
/// fails: anything but the program's own stack (an `alloca`), its global variables (not
/// thread-local ones: glibc's `errno` is one) and `main`'s argument vector.
pub(crate) fn may_be_errno(shim: &Shim, ptr: LLVMValueRef) -> bool {
    let base = shim.underlying_object(ptr);
    !(ir::is_alloca(base) || is_plain_global(base) || main_argv(base).is_some())
}

/// When `v` is the second parameter of `main` (the argument vector the C start-up code
/// passes), the first parameter (the argument count); `None` otherwise, and for a `main`
/// the module calls itself (its vector is then whatever that call passes).
pub(crate) fn main_argv(v: LLVMValueRef) -> Option<LLVMValueRef> {
    let f = argument_parent(v)?;
    if ir::name(f) != "main" || ir::param(f, 1) != Some(v) || has_users(f) {
        return None;
    }
    ir::param(f, 0).filter(|c| ir::type_kind(ir::type_of(*c)) == LLVMTypeKind::LLVMIntegerTypeKind)
}

/// A global variable that is not thread-local.
fn is_plain_global(v: LLVMValueRef) -> bool {
    // SAFETY: v is a live value; it is read as a global only after the check that it is one.
    unsafe { !LLVMIsAGlobalVariable(v).is_null() && LLVMIsThreadLocal(v) == 0 }
}

/// The function whose parameter `v` is, if it is one.
fn argument_parent(v: LLVMValueRef) -> Option<LLVMValueRef> {
    // SAFETY: v is a live value; LLVMGetParamParent is only called on an argument.
    unsafe { (!LLVMIsAArgument(v).is_null()).then(|| LLVMGetParamParent(v)) }
}

/// Whether anything in the module uses the value (a call of `main`, its address taken).
fn has_users(v: LLVMValueRef) -> bool {
    // SAFETY: v is a live value; only its use list's head is read.
    unsafe { !LLVMGetFirstUse(v).is_null() }
}
