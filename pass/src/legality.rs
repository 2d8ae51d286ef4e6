//! Whether a chain of system-call sites may become one multi-call: the five conditions of the
//! paper's section 3.2, one function each, checked on the code between consecutive calls.
//!
//! A chain `c0, c1, ..., ck` (in program order, one function) is lowered by running all calls
//! at `c0` and handing each call's result out at its original position (see `lowering`). That
//! is exact when, for every consecutive pair `a = ci`, `b = ci+1`:
//!
//! 1. **dominance**: `a` dominates `b`;
//! 2. **safety**: the code between them only computes values: no calls, stores, volatile or
//!    atomic accesses, lifetime markers, inline assembly or instructions that may trap, and no
//!    load of memory that a later call of the chain may write (alias analysis);
//! 3. **convexity**: everything between belongs to the region: a branch leaves the path only
//!    to code that never comes back to a later call of the chain (error handlers that return,
//!    `exit`, `unreachable`), except by running `c0` again;
//! 4. **argument safety**: each argument of a later call is a constant, a value available at
//!    `c0` (it dominates `c0`), or the result of an earlier call of the chain (a result
//!    reference, allowed when errors of that call stop the batch);
//! 5. **linearity**: the path from `a` to `b` is a straight line through blocks with no other
//!    entry, with at most one conditional branch, and that branch tests `a`'s result with a
//!    predicate the multi-call can evaluate (`r < 0`, `r <= 0`, `r == -1`, `r != arg`): the
//!    path continues exactly when the predicate does not fire.
//!
//! Each refusal names its condition and the instruction that breaks it.

use std::collections::{HashSet, VecDeque};
use std::fmt;

use llvm_sys::prelude::{LLVMBasicBlockRef, LLVMValueRef};
use llvm_sys::{LLVMIntPredicate, LLVMOpcode};

use crate::ffi::{flags, Shim};
use crate::ir;
use crate::sites::Site;

/// Most entries in one batch (MC_MAX_ENTRIES of the uapi header).
pub const MAX_ENTRIES: usize = 64;

/// The conditions of section 3.2.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Condition {
    Dominance,
    Safety,
    Convexity,
    ArgumentSafety,
    Linearity,
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Condition::Dominance => "dominance",
            Condition::Safety => "safety",
            Condition::Convexity => "convexity",
            Condition::ArgumentSafety => "argument safety",
            Condition::Linearity => "linearity",
        })
    }
}

/// Why a chain cannot be a multi-call.
#[derive(Clone, Debug)]
pub struct Refusal {
    pub condition: Condition,
    /// The instruction that breaks the condition.
    pub at: LLVMValueRef,
    pub reason: String,
}

impl Refusal {
    fn new(condition: Condition, at: LLVMValueRef, reason: String) -> Refusal {
        Refusal {
            condition,
            at,
            reason,
        }
    }
    /// Remark name: "Dominance", "ArgumentSafety", ...
    pub fn remark_name(&self) -> &'static str {
        match self.condition {
            Condition::Dominance => "Dominance",
            Condition::Safety => "Safety",
            Condition::Convexity => "Convexity",
            Condition::ArgumentSafety => "ArgumentSafety",
            Condition::Linearity => "Linearity",
        }
    }
}

/// Stop predicate of an entry (MC_STOP_*).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    Never,
    Neg,
    NonPos,
    /// Stop when the result differs from this argument (a short transfer).
    NeArg(u8),
}

impl Stop {
    pub fn code(self) -> (u8, u8) {
        match self {
            Stop::Never => (0, 0),
            Stop::Neg => (1, 0),
            Stop::NonPos => (2, 0),
            Stop::NeArg(k) => (3, k),
        }
    }
    /// Whether every error result (raw < 0) stops the batch (NeArg with a non-negative
    /// argument, which the lowering guarantees at run time).
    fn stops_on_error(self) -> bool {
        !matches!(self, Stop::Never)
    }
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stop::Never => f.write_str("never"),
            Stop::Neg => f.write_str("result < 0"),
            Stop::NonPos => f.write_str("result <= 0"),
            Stop::NeArg(k) => write!(f, "result != argument {k}"),
        }
    }
}

/// Where an entry's argument comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgSource {
    /// Not passed (a missing variadic argument): 0.
    Zero,
    /// An IR value available at the first call.
    Value(LLVMValueRef),
    /// The result of an earlier entry.
    Ref(usize),
}

/// A legal chain, ready for lowering.
#[derive(Clone, Debug)]
pub struct Plan {
    /// Site indices, in program order.
    pub calls: Vec<usize>,
    pub stops: Vec<Stop>,
    pub args: Vec<Vec<ArgSource>>,
}

/// What the walk between two calls found.
struct Gap {
    /// Instructions strictly between the calls (in execution order).
    between: Vec<LLVMValueRef>,
    /// Blocks the path leaves to (one per conditional branch).
    exits: Vec<(LLVMValueRef, LLVMBasicBlockRef)>,
    stop: Stop,
}

/// Condition 1.
fn dominance(shim: &Shim, a: &Site, b: &Site) -> Result<(), Refusal> {
    if a.function != b.function {
        return Err(Refusal::new(
            Condition::Dominance,
            b.call,
            format!(
                "{} is in function '{}', {} in '{}'",
                a.label(),
                a.function_name,
                b.label(),
                b.function_name
            ),
        ));
    }
    if a.call == b.call || !shim.dominates(a.call, b.call) {
        return Err(Refusal::new(
            Condition::Dominance,
            b.call,
            format!(
                "{} does not dominate {}: {} can run without {} before it",
                a.label(),
                b.label(),
                b.callee,
                a.callee
            ),
        ));
    }
    Ok(())
}

/// Part of condition 2: one instruction between the calls.
fn safe_instruction(shim: &Shim, inst: LLVMValueRef, a: &Site, b: &Site) -> Result<bool, Refusal> {
    let f = shim.inst_flags(inst);
    if f & flags::DEBUG != 0 {
        return Ok(false);
    }
    let what = ir::describe(inst);
    let refuse = |why: &str| {
        Err(Refusal::new(
            Condition::Safety,
            inst,
            format!("'{what}' between {} and {} {why}", a.label(), b.label()),
        ))
    };
    if f & flags::INLINE_ASM != 0 {
        return refuse("is inline assembly");
    }
    if ir::is_call(inst) {
        let callee = ir::called_function(inst)
            .map(ir::name)
            .unwrap_or_else(|| "an indirect callee".into());
        return refuse(&format!(
            "calls '{callee}': user code cannot run inside a multi-call"
        ));
    }
    if f & flags::LIFETIME != 0 {
        return refuse("is a lifetime marker");
    }
    if f & flags::VOLATILE != 0 {
        return refuse("is a volatile or atomic access");
    }
    if f & flags::SIDE_EFFECTS != 0 {
        return refuse("has side effects");
    }
    if f & flags::SPECULATABLE == 0 {
        return refuse("may trap, so it must run before the later calls");
    }
    Ok(f & flags::READS_MEMORY != 0)
}

/// Part of condition 5: the stop predicate a branch condition expresses on `a`'s result, given
/// which successor continues toward the next call.
fn stop_predicate(cond: LLVMValueRef, continue_if_true: bool, a: &Site) -> Option<Stop> {
    use LLVMIntPredicate::*;
    let pred = ir::icmp_predicate(cond)?;
    let lhs = ir::operand(cond, 0);
    let rhs = ir::operand(cond, 1);
    let is_result = |v: LLVMValueRef| ir::strip_int_casts(v) == a.call;
    // A comparison of a truncated result (`int n = read(...)`) agrees with the same test on
    // the raw result only while the result fits the narrower type.
    let truncated =
        |v: LLVMValueRef| ir::strip_extensions(v) != a.call && ir::strip_int_casts(v) == a.call;
    // Normalise to `result PRED other`.
    let (pred, other) = if is_result(lhs) {
        (pred, rhs)
    } else if is_result(rhs) {
        let swapped = match pred {
            LLVMIntSGT => LLVMIntSLT,
            LLVMIntSLT => LLVMIntSGT,
            LLVMIntSGE => LLVMIntSLE,
            LLVMIntSLE => LLVMIntSGE,
            p @ (LLVMIntEQ | LLVMIntNE) => p,
            _ => return None,
        };
        (swapped, lhs)
    } else {
        return None;
    };
    // The predicate under which the path continues.
    let cont = if continue_if_true {
        pred
    } else {
        match pred {
            LLVMIntSGT => LLVMIntSLE,
            LLVMIntSLE => LLVMIntSGT,
            LLVMIntSLT => LLVMIntSGE,
            LLVMIntSGE => LLVMIntSLT,
            LLVMIntEQ => LLVMIntNE,
            LLVMIntNE => LLVMIntEQ,
            _ => return None,
        }
    };
    if let Some(c) = ir::const_int(other) {
        let result_side = if is_result(lhs) { lhs } else { rhs };
        let sign_exact = !truncated(result_side) || result_fits_i32(a);
        match (cont, c) {
            (LLVMIntSGT, 0) | (LLVMIntSGE, 1) if sign_exact => return Some(Stop::NonPos),
            (LLVMIntSGE, 0) | (LLVMIntSGT, -1) | (LLVMIntNE, -1) if sign_exact => {
                return Some(Stop::Neg)
            }
            _ => {}
        }
    }
    if cont == LLVMIntEQ {
        let other = ir::strip_int_casts(other);
        for (k, arg) in a.args.iter().enumerate() {
            if let Some(v) = arg {
                if ir::strip_int_casts(*v) == other {
                    return Some(Stop::NeArg(k as u8));
                }
            }
        }
    }
    None
}

/// Whether a call's raw result always fits in 32 bits: transfers (read, write, pread64,
/// pwrite64) of a constant length below 2^31, whose result is at most that length.
fn result_fits_i32(a: &Site) -> bool {
    matches!(a.nr, Some(0 | 1 | 17 | 18))
        && a.args
            .get(2)
            .copied()
            .flatten()
            .and_then(ir::const_int)
            .is_some_and(|n| (0..=i64::from(i32::MAX)).contains(&n))
}

/// Blocks reachable from `start` without entering `head` (the block of the chain's first
/// call: a path through it runs the multi-call again).
fn reachable(start: LLVMBasicBlockRef, head: LLVMBasicBlockRef) -> HashSet<LLVMBasicBlockRef> {
    let mut seen = HashSet::new();
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

/// Walks from `a` to `b`, checking linearity, convexity and the safety of what lies between.
fn walk(
    shim: &Shim,
    a: &Site,
    b: &Site,
    head: LLVMBasicBlockRef,
) -> Result<(Gap, Vec<LLVMValueRef>), Refusal> {
    let b_block = ir::parent_block(b.call);
    let mut gap = Gap {
        between: Vec::new(),
        exits: Vec::new(),
        stop: Stop::Never,
    };
    let mut loads = Vec::new();
    let mut visited = HashSet::new();
    let mut cur = ir::next_instruction(a.call);
    loop {
        let Some(inst) = cur else {
            // A block without terminator cannot occur in valid IR.
            return Err(Refusal::new(
                Condition::Linearity,
                a.call,
                "malformed block after the call".into(),
            ));
        };
        if inst == b.call {
            break;
        }
        if !ir::is_terminator(inst) {
            if safe_instruction(shim, inst, a, b)? {
                loads.push(inst);
            }
            gap.between.push(inst);
            cur = ir::next_instruction(inst);
            continue;
        }
        let next_block = if let Some((cond, t, f)) = ir::conditional_branch(inst) {
            let (cont, off, cont_if_true) = continuation(shim, inst, t, f, a, b, b_block)?;
            if gap.exits.len() == 1 {
                return Err(Refusal::new(
                    Condition::Linearity,
                    inst,
                    format!("a second conditional branch between {} and {}: a multi-call entry has one stop predicate", a.label(), b.label()),
                ));
            }
            gap.stop = stop_predicate(cond, cont_if_true, a).ok_or_else(|| {
                Refusal::new(
                    Condition::Linearity,
                    inst,
                    format!(
                        "branch '{}' between {} and {} is not a stop predicate on the result of '{}' (supported: r < 0, r <= 0, r > 0, r == -1, r != its length argument)",
                        ir::describe(cond), a.label(), b.label(), a.callee
                    ),
                )
            })?;
            gap.exits.push((inst, off));
            gap.between.push(inst);
            cont
        } else {
            let succ = ir::successors(inst);
            if ir::opcode(inst) != LLVMOpcode::LLVMBr || succ.len() != 1 {
                return Err(Refusal::new(
                    Condition::Linearity,
                    inst,
                    format!(
                        "'{}' between {} and {} is not a two-way branch",
                        ir::describe(inst),
                        a.label(),
                        b.label()
                    ),
                ));
            }
            gap.between.push(inst);
            succ[0]
        };
        if !visited.insert(next_block) {
            return Err(Refusal::new(
                Condition::Linearity,
                inst,
                "the path between the calls loops".into(),
            ));
        }
        let preds = ir::predecessors(next_block);
        if preds.len() != 1 {
            if let Some(&(branch, off)) = gap
                .exits
                .iter()
                .find(|(_, off)| reachable(*off, head).contains(&next_block))
            {
                return Err(Refusal::new(
                    Condition::Convexity,
                    branch,
                    format!(
                        "the path leaving at block {} comes back to block {} before {}: that code would have to be part of the region",
                        ir::block_name(off),
                        ir::block_name(next_block),
                        b.label()
                    ),
                ));
            }
            return Err(Refusal::new(
                Condition::Linearity,
                inst,
                format!(
                    "block {} between {} and {} is entered from {} places (a loop or a join), so the path is not a straight line",
                    ir::block_name(next_block), a.label(), b.label(), preds.len()
                ),
            ));
        }
        cur = ir::instructions(next_block).first().copied();
    }
    // Convexity of the exits: an exit that can come back to b would need b's result although
    // the batch stopped before running it.
    for &(branch, off) in &gap.exits {
        if reachable(off, head).contains(&b_block) {
            return Err(Refusal::new(
                Condition::Convexity,
                branch,
                format!(
                    "the path leaving at block {} comes back to {}: that code would have to be part of the region",
                    ir::block_name(off), b.label()
                ),
            ));
        }
    }
    Ok((gap, loads))
}

/// Which successor of a conditional branch leads on to `b`: the one `b` post-dominates.
/// Returns (continuing block, leaving block, whether the true successor continues).
fn continuation(
    shim: &Shim,
    branch: LLVMValueRef,
    t: LLVMBasicBlockRef,
    f: LLVMBasicBlockRef,
    a: &Site,
    b: &Site,
    b_block: LLVMBasicBlockRef,
) -> Result<(LLVMBasicBlockRef, LLVMBasicBlockRef, bool), Refusal> {
    let pt = shim.block_postdominates(b_block, t);
    let pf = shim.block_postdominates(b_block, f);
    match (pt, pf) {
        (true, false) => Ok((t, f, true)),
        (false, true) => Ok((f, t, false)),
        (true, true) => Err(Refusal::new(
            Condition::Convexity,
            branch,
            format!(
                "both ways of this branch lead to {}: the code on one of them (block {} or {}) would have to be part of the region",
                b.label(), ir::block_name(t), ir::block_name(f)
            ),
        )),
        // Neither leads there on every path: more branches follow. Continue on the one that
        // can reach b at all; the walk refuses the next branch.
        (false, false) => {
            let head = ir::parent_block(a.call);
            match (reachable(t, head).contains(&b_block), reachable(f, head).contains(&b_block)) {
                (true, false) => return Ok((t, f, true)),
                (false, true) => return Ok((f, t, false)),
                _ => {}
            }
            Err(Refusal::new(
            Condition::Linearity,
            branch,
            format!("after this branch {} is not reached on a straight line from {}", b.label(), a.label()),
        ))
        }
    }
}

/// Condition 4 for one argument of the call at chain position `pos`.
fn argument_source(
    shim: &Shim,
    sites: &[Site],
    calls: &[usize],
    stops: &[Stop],
    pos: usize,
    k: usize,
    arg: Option<LLVMValueRef>,
) -> Result<ArgSource, Refusal> {
    let site = &sites[calls[pos]];
    let Some(v) = arg else {
        return Ok(ArgSource::Zero);
    };
    if ir::is_constant(v) {
        return Ok(ArgSource::Value(v));
    }
    let base = ir::strip_extensions(v);
    if let Some(m) = calls[..pos].iter().position(|&c| sites[c].call == base) {
        if !stops[m].stops_on_error() {
            return Err(Refusal::new(
                Condition::ArgumentSafety,
                site.call,
                format!(
                    "argument {k} of {} is the result of {}, but an error of that call does not stop the batch (the original passes -1, a result reference the raw error)",
                    site.label(), sites[calls[m]].label()
                ),
            ));
        }
        return Ok(ArgSource::Ref(m));
    }
    let first = sites[calls[0]].call;
    if !ir::is_instruction(v) || shim.dominates(v, first) {
        return Ok(ArgSource::Value(v));
    }
    Err(Refusal::new(
        Condition::ArgumentSafety,
        site.call,
        format!(
            "argument {k} of {} ('{}') is computed after {}: it is neither a constant, a value known before the region, nor a result of an earlier call",
            site.label(), ir::describe(v), sites[calls[0]].label()
        ),
    ))
}

/// Checks a whole chain; on success returns what lowering needs.
pub(crate) fn check_chain(shim: &Shim, sites: &[Site], calls: &[usize]) -> Result<Plan, Refusal> {
    let first = &sites[calls[0]];
    if calls.len() > MAX_ENTRIES {
        return Err(Refusal::new(
            Condition::Linearity,
            sites[calls[MAX_ENTRIES]].call,
            format!("a multi-call holds at most {MAX_ENTRIES} calls"),
        ));
    }
    for &c in calls {
        if let Some(why) = &sites[c].not_lowerable {
            return Err(Refusal::new(
                Condition::Safety,
                sites[c].call,
                format!(
                    "{} cannot run as a raw system call in a multi-call: {why}",
                    sites[c].label()
                ),
            ));
        }
    }
    let head = ir::parent_block(first.call);
    let mut stops = Vec::with_capacity(calls.len());
    let mut loads_after: Vec<(usize, LLVMValueRef)> = Vec::new();
    for (i, w) in calls.windows(2).enumerate() {
        let (a, b) = (&sites[w[0]], &sites[w[1]]);
        dominance(shim, a, b)?;
        let (gap, loads) = walk(shim, a, b, head)?;
        // Exits must not reach any later call either.
        for &(branch, off) in &gap.exits {
            let reach = reachable(off, head);
            if let Some(&later) = calls[i + 2..]
                .iter()
                .find(|&&c| reach.contains(&ir::parent_block(sites[c].call)))
            {
                return Err(Refusal::new(
                    Condition::Convexity,
                    branch,
                    format!(
                        "the path leaving at block {} comes back to {}",
                        ir::block_name(off),
                        sites[later].label()
                    ),
                ));
            }
        }
        stops.push(gap.stop);
        loads_after.extend(loads.into_iter().map(|l| (i, l)));
    }
    stops.push(Stop::Never);
    // Safety, memory part: a load between ci and ci+1 runs after every call of the batch.
    for &(i, load) in &loads_after {
        for &c in &calls[i + 1..] {
            if shim.call_may_clobber_load(sites[c].call, load) {
                return Err(Refusal::new(
                    Condition::Safety,
                    load,
                    format!(
                        "'{}' reads memory that the later {} may write; in a multi-call it would see that write",
                        ir::describe(load), sites[c].label()
                    ),
                ));
            }
        }
    }
    let mut args = Vec::with_capacity(calls.len());
    for pos in 0..calls.len() {
        let site = &sites[calls[pos]];
        let mut v = Vec::with_capacity(site.args.len());
        for (k, &arg) in site.args.iter().enumerate() {
            v.push(if pos == 0 {
                arg.map_or(ArgSource::Zero, ArgSource::Value)
            } else {
                argument_source(shim, sites, calls, &stops, pos, k, arg)?
            });
        }
        args.push(v);
    }
    Ok(Plan {
        calls: calls.to_vec(),
        stops,
        args,
    })
}
