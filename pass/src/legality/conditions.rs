//! The conditions of section 3.2 as small checks over gathered facts. Each returns the typed
//! refusal it finds first, with the position on the path where it finds it (the index of the
//! step, `steps.len()` for the obstacle a walk ended at, `usize::MAX` for what is only known
//! at the end), so that a gap is refused for what comes first on its path.

use llvm_sys::prelude::{LLVMBasicBlockRef, LLVMValueRef};
use llvm_sys::{LLVMIntPredicate, LLVMOpcode, LLVMTypeKind};
use syscluster_profile::catalogue;

use super::facts::{End, Gap, Obstacle, Step};
use super::refusal::{Reason, Refusal, Unsafe};
use super::result_tests::{probe_points, whole_length_only, Test, TestKind};
use crate::ir;
use crate::plan::{self, ArgSource, Least, Stop};
use crate::shim::{flags, Shim};
use crate::sites::Site;

/// A refusal and where on the path it arises.
pub(crate) type Found = (usize, Refusal);

/// Condition 1: `a` dominates `b` (and both are in one function).
pub(crate) fn dominance(shim: &Shim, sites: &[Site], a: usize, b: usize) -> Result<(), Refusal> {
    let (sa, sb) = (&sites[a], &sites[b]);
    if sa.function != sb.function {
        return Err(Refusal::new(sb.call, Reason::OtherFunction { a, b }));
    }
    if sa.call == sb.call || !shim.dominates(sa.call, sb.call) {
        return Err(Refusal::new(sb.call, Reason::NotDominating { a, b }));
    }
    Ok(())
}

/// What makes one instruction unsafe to run after the later calls, if anything.
pub(crate) fn unsafe_kind(inst: LLVMValueRef, f: u32) -> Option<Unsafe> {
    if f & flags::INLINE_ASM != 0 {
        Some(Unsafe::InlineAsm)
    } else if f & flags::LIFETIME != 0 {
        Some(Unsafe::Lifetime)
    } else if ir::is_call(inst) && !speculatable_pure(f) {
        Some(Unsafe::Call)
    } else if f & flags::VOLATILE != 0 {
        Some(Unsafe::Volatile)
    } else if f & flags::SIDE_EFFECTS != 0 {
        Some(Unsafe::SideEffects)
    } else if f & flags::SPECULATABLE == 0 {
        Some(Unsafe::MayTrap)
    } else {
        None
    }
}

/// A call that only computes a value and may run anywhere (`llvm.smax`, `llvm.umin`,
/// `llvm.abs`): arithmetic as much as an `add` is.
fn speculatable_pure(f: u32) -> bool {
    f & flags::PURE_CALL != 0 && f & flags::SPECULATABLE != 0 && f & flags::SIDE_EFFECTS == 0
}

/// Condition 2, instruction part: the first instruction between `a` and `b` that does more
/// than compute a value.
pub(crate) fn safety(gap: &Gap, a: usize, b: usize) -> Option<Found> {
    gap.steps.iter().enumerate().find_map(|(i, s)| match *s {
        Step::Inst { inst, flags } => unsafe_kind(inst, flags)
            .map(|what| (i, Refusal::new(inst, Reason::Unsafe { inst, what, a, b }))),
        Step::Branch { .. } | Step::Switch { .. } => None,
    })
}

/// Condition 2 for a straight batch, instruction part: as `safety`, except that two kinds of
/// instruction pass, because running them after the later calls instead of before them cannot
/// be observed (the lowering leaves them in place, in program order, and runs the later calls
/// at the first one):
///
/// - a call that only computes a value (`flags::PURE_CALL`: `__errno_location`, `llvm.smax`);
/// - a simple store that cannot fault (`flags::STORE_NO_FAULT`: into a local, a global variable
///   within its bounds, or errno), whose memory no later call of the chain reads or writes
///   (checked over the whole chain, `stores`);
/// - a load of errno (`flags::ERRNO_LOAD`), which cannot fault although LLVM does not know the
///   pointer dereferenceable (its memory is checked with the other loads: errno is left aside,
///   since the lowering sets it at each call's own position).
///
/// A store that may fault is refused (faulting after the later calls ran, it would leave their
/// effects behind); a volatile or atomic one as in `safety`.
pub(crate) fn straight_safety(gap: &Gap, a: usize, b: usize) -> Option<Found> {
    gap.steps.iter().enumerate().find_map(|(i, s)| match *s {
        Step::Inst { inst, flags } => {
            let store = ir::opcode(inst) == llvm_sys::LLVMOpcode::LLVMStore;
            if straight_keeps(inst, flags) {
                None
            } else if store && flags & flags::VOLATILE == 0 {
                let reason = Reason::StoreMayFault { store: inst, a, b };
                Some((i, Refusal::new(inst, reason)))
            } else {
                unsafe_kind(inst, flags)
                    .map(|what| (i, Refusal::new(inst, Reason::Unsafe { inst, what, a, b })))
            }
        }
        Step::Branch { .. } | Step::Switch { .. } => None,
    })
}

/// Whether a straight batch may leave `inst` (with its shim `flags`) in place between its
/// calls, as far as the instruction itself goes (`straight_safety`): a call that only computes
/// a value, a load of errno, or a simple store that cannot fault. A store's memory is checked
/// against the later calls apart.
pub(crate) fn straight_keeps(inst: LLVMValueRef, flags: u32) -> bool {
    let store = ir::opcode(inst) == llvm_sys::LLVMOpcode::LLVMStore;
    flags & (flags::PURE_CALL | flags::ERRNO_LOAD) != 0
        || (store && flags & (flags::STORE_NO_FAULT | flags::VOLATILE) == flags::STORE_NO_FAULT)
}

/// The stores and calls between the calls that `straight_safety` accepts and `safety` does
/// not, in order: a looped batch refuses them.
pub(crate) fn straight_only(gap: &Gap) -> Vec<LLVMValueRef> {
    gap.steps
        .iter()
        .filter_map(|s| match *s {
            Step::Inst { inst, flags }
                if flags & (flags::PURE_CALL | flags::STORE_NO_FAULT) != 0
                    && !speculatable_pure(flags) =>
            {
                Some(inst)
            }
            _ => None,
        })
        .collect()
}

/// The stores between the calls (their memory is checked against the later calls over the
/// whole chain).
pub(crate) fn stores(gap: &Gap) -> Vec<LLVMValueRef> {
    gap.steps
        .iter()
        .filter_map(|s| match *s {
            Step::Inst { inst, .. } if ir::opcode(inst) == llvm_sys::LLVMOpcode::LLVMStore => {
                Some(inst)
            }
            _ => None,
        })
        .collect()
}

/// The loads between the calls (condition 2's memory part is checked over the whole chain).
/// A call that only computes a value reads no memory the calls could write.
pub(crate) fn loads(gap: &Gap) -> Vec<LLVMValueRef> {
    gap.steps
        .iter()
        .filter_map(|s| match *s {
            Step::Inst { inst, flags }
                if flags & flags::READS_MEMORY != 0 && flags & flags::PURE_CALL == 0 =>
            {
                Some(inst)
            }
            _ => None,
        })
        .collect()
}

/// Condition 5: a straight path with at most one conditional branch, which must be a stop
/// predicate on `a`'s result. Returns the entry's stop predicate.
pub(crate) fn linearity(gap: &Gap, sites: &[Site], a: usize, b: usize) -> Result<Stop, Found> {
    guarded_linearity(gap, sites, a, b, &[])
}

/// A conditional branch between two calls on a condition set before the chain's first call
/// (`if (verbose) fprintf(..)` between a read and its write, on a flag loaded before the
/// loop), or computed from loads of memory that no call of the chain writes (`if
/// (opts->verbose)`): not a test of a result, but a guard. The condition cannot change while
/// the batch runs, so the batch goes on past it exactly when the condition has the value of
/// the way to the next call (`value`); otherwise the original code takes the other way
/// (`off`) after the earlier call, as it does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Guard {
    pub branch: LLVMValueRef,
    pub off: LLVMBasicBlockRef,
    /// The condition, the value of the way on, and the loads after the first call it is
    /// computed from (whose memory the checker must find written by no call of the chain).
    pub test: plan::Guard,
}

/// The gap's guards (`Guard`), with their steps' positions: its conditional branches whose
/// condition `set_before` says is computed from values set before the chain's first call,
/// and from which loads after it.
pub(crate) fn guards(
    gap: &Gap,
    mut set_before: impl FnMut(LLVMValueRef) -> Option<Vec<LLVMValueRef>>,
) -> Vec<(usize, Guard)> {
    gap.steps
        .iter()
        .enumerate()
        .filter_map(|(i, s)| match *s {
            Step::Branch {
                inst,
                cond,
                off,
                continue_if_true,
            } => set_before(cond).map(|loads| {
                (
                    i,
                    Guard {
                        branch: inst,
                        off,
                        test: plan::Guard {
                            cond,
                            value: continue_if_true,
                            loads,
                        },
                    },
                )
            }),
            _ => None,
        })
        .collect()
}

/// `linearity` with the steps at `guarded` (the gap's guards, `guards`) left out of the stop
/// predicate: the other branches must express one.
pub(crate) fn guarded_linearity(
    gap: &Gap,
    sites: &[Site],
    a: usize,
    b: usize,
    guarded: &[usize],
) -> Result<Stop, Found> {
    let stop = branch_stop(gap, sites, a, b, guarded)?;
    let at_end = gap.steps.len();
    let refusal = match gap.end {
        End::Reached { .. } => return Ok(stop),
        End::Blocked(Obstacle::Malformed) => Refusal::new(sites[a].call, Reason::Malformed),
        End::Blocked(Obstacle::NoStraightPath { branch }) => {
            Refusal::new(branch, Reason::NoStraightPath { a, b })
        }
        End::Blocked(Obstacle::NotTwoWay { inst }) => {
            Refusal::new(inst, Reason::NotTwoWay { inst, a, b })
        }
        End::Blocked(Obstacle::Loops { inst }) => Refusal::new(inst, Reason::Loops),
        End::Blocked(Obstacle::Join {
            inst,
            block,
            preds,
            rejoined: None,
        }) => Refusal::new(inst, Reason::Join { block, preds, a, b }),
        End::Blocked(Obstacle::BothWays { .. } | Obstacle::Join { .. }) => return Ok(stop),
    };
    Err((at_end, refusal))
}

/// The stop predicate of `a` that the gap's conditional branches and switches express: none
/// (`Never`), one branch testing `a`'s result, or several tests of that result (through the
/// phis of merges, `facts::Gap::on_path`) that together continue exactly when one supported
/// predicate does not fire (`stacked`).
fn branch_stop(
    gap: &Gap,
    sites: &[Site],
    a: usize,
    b: usize,
    guarded: &[usize],
) -> Result<Stop, Found> {
    let tests: Vec<(usize, &Step)> = gap
        .steps
        .iter()
        .enumerate()
        .filter(|(i, s)| !matches!(s, Step::Inst { .. }) && !guarded.contains(i))
        .collect();
    // Several tests, or one on a combination: stacked, else implied by a whole transfer.
    let several = || {
        stacked(gap, &tests, sites, a, b)
            .or_else(|e| implied_by_whole(gap, &tests, &sites[a]).ok_or(e))
    };
    match tests.as_slice() {
        [] => Ok(Stop::Never),
        [(
            i,
            &Step::Branch {
                inst,
                cond,
                continue_if_true,
                ..
            },
        )] => match stop_predicate(cond, continue_if_true, &sites[a]) {
            Some(stop) => Ok(stop),
            // One branch on a combination of tests (`w < 0 || w != n`), or on the result
            // through merges' phis: as several tests.
            None if !gap.on_path.is_empty() || is_logic(cond) => several(),
            None => Err((
                *i,
                Refusal::new(inst, Reason::NotStopPredicate { cond, a, b }),
            )),
        },
        _ => several(),
    }
}

/// `result != length` for a transfer of a constant length (at least 1) whose tests all let
/// the path on where the result is that length, whatever else they read: dd's `if (sync &&
/// n < bs) { memset(buf + n, 0, bs - n); n = bs; }` after its tests of an error and of the
/// end, once the padding's way leaves the path (`transform::duplicate`'s rejoined copy). That
/// stop fires wherever a test leaves, and on a short transfer the tests would let on too
/// (`sync` off): there the batch only stops early, and the original code goes on from the
/// call with its result, as it would have.
fn implied_by_whole(gap: &Gap, tests: &[(usize, &Step)], site: &Site) -> Option<Stop> {
    let j = length_argument(site)?;
    let len = ir::const_int((*site.args.get(usize::from(j))?)?)?;
    if len < 1 {
        return None;
    }
    let at = Whole {
        gap,
        call: site.call,
        len,
    };
    let all = tests.iter().all(|&(_, step)| match *step {
        Step::Branch {
            cond,
            continue_if_true,
            ..
        } => at.truth(cond, 8) == Some(continue_if_true),
        _ => false,
    });
    all.then_some(Stop::NeArg(j, Least::Zero))
}

/// The values of a gap where `call`'s result is `len`.
struct Whole<'g> {
    gap: &'g Gap,
    call: LLVMValueRef,
    len: i64,
}

impl Whole<'_> {
    /// The boolean `v`, when it is decided whatever the values other than the result are:
    /// comparisons of the result (or an extension of it, or a truncation that keeps `len`)
    /// with constants, and `and`, `or`, `xor` and `select` of them, at most `depth` deep.
    fn truth(&self, v: LLVMValueRef, depth: u32) -> Option<bool> {
        let v = self.gap.on_path(v);
        if let Some(c) = ir::const_int(v) {
            return Some(c != 0);
        }
        if depth == 0 || !ir::is_instruction(v) || !is_bool(v) {
            return None;
        }
        let op = |k: u32| self.truth(ir::operand(v, k), depth - 1);
        match ir::opcode(v) {
            LLVMOpcode::LLVMAnd => match (op(0), op(1)) {
                (Some(false), _) | (_, Some(false)) => Some(false),
                (Some(true), Some(true)) => Some(true),
                _ => None,
            },
            LLVMOpcode::LLVMOr => match (op(0), op(1)) {
                (Some(true), _) | (_, Some(true)) => Some(true),
                (Some(false), Some(false)) => Some(false),
                _ => None,
            },
            LLVMOpcode::LLVMXor => Some(op(0)? != op(1)?),
            LLVMOpcode::LLVMSelect => match op(0) {
                Some(c) => op(if c { 1 } else { 2 }),
                // Either way the same.
                None => op(1).filter(|&t| op(2) == Some(t)),
            },
            LLVMOpcode::LLVMICmp => {
                let pred = ir::icmp_predicate(v)?;
                let (l, r) = (self.int(ir::operand(v, 0))?, self.int(ir::operand(v, 1))?);
                Some(ir::icmp_holds(pred, l, r))
            }
            _ => None,
        }
    }

    /// The integer `v`, sign-extended to 64 bits: a constant, or the result (through
    /// extensions, and truncations to a width that holds `len`).
    fn int(&self, v: LLVMValueRef) -> Option<i64> {
        let v = self.gap.on_path(v);
        if let Some(c) = ir::const_int(v) {
            return Some(c);
        }
        let mut x = v;
        for _ in 0..4 {
            x = ir::strip_extensions(self.gap.on_path(x));
            if x == self.call {
                return Some(self.len);
            }
            let keeps = ir::is_instruction(x)
                && ir::opcode(x) == LLVMOpcode::LLVMTrunc
                && ir::int_width(ir::type_of(x)) > 64 - u64::from(self.len.leading_zeros()) as u32;
            if !keeps {
                return None;
            }
            x = ir::operand(x, 0);
        }
        None
    }
}

/// Whether `v` is an `and`, `or` or `select` of `i1` values.
fn is_logic(v: LLVMValueRef) -> bool {
    ir::is_instruction(v)
        && matches!(
            ir::opcode(v),
            LLVMOpcode::LLVMAnd | LLVMOpcode::LLVMOr | LLVMOpcode::LLVMSelect
        )
        && is_bool(v)
}

/// Whether `v` is an `i1`.
pub(crate) fn is_bool(v: LLVMValueRef) -> bool {
    ir::type_kind(ir::type_of(v)) == LLVMTypeKind::LLVMIntegerTypeKind
        && ir::int_width(ir::type_of(v)) == 1
}

/// The test a branch or switch of the gap makes of `site`'s result, if it tests it: the
/// tested value must be the result through integer casts and merges' phis, compared with a
/// constant, or `and`/`or` of such comparisons and of comparisons with the call's length
/// argument ([`leaf_of`]). `truncated` is set when a cast narrows it.
fn test_of(gap: &Gap, step: &Step, site: &Site, truncated: &mut bool) -> Option<Test> {
    let call = site.call;
    if ir::type_kind(ir::type_of(call)) != LLVMTypeKind::LLVMIntegerTypeKind {
        return None;
    }
    let width = ir::int_width(ir::type_of(call));
    match *step {
        Step::Branch {
            cond,
            continue_if_true,
            ..
        } => {
            let mut test = leaf_of(gap, cond, site, truncated, 4)?;
            match &mut test.kind {
                TestKind::Cmp { cont, .. } | TestKind::Combined { cont, .. } => {
                    *cont = continue_if_true
                }
                // A lone comparison with the length is `stop_predicate`'s or
                // `short_of_length`'s.
                _ => return None,
            }
            Some(test)
        }
        Step::Switch {
            value, ref cases, ..
        } => Some(Test {
            casts: casts_from(gap, value, call, truncated)?,
            width,
            kind: TestKind::NoneOf(cases.iter().map(|&(c, _)| c).collect()),
        }),
        Step::Inst { .. } => None,
    }
}

/// The integer casts from `call`'s result to `v` (through merges' phis on the path),
/// innermost first; `truncated` is set when one narrows it (to no fewer than 32 bits).
fn casts_from(
    gap: &Gap,
    v: LLVMValueRef,
    call: LLVMValueRef,
    truncated: &mut bool,
) -> Option<Vec<(LLVMOpcode, u32)>> {
    let mut casts = Vec::new();
    let mut v = gap.on_path(v);
    for _ in 0..16 {
        if v == call {
            casts.reverse();
            return Some(casts);
        }
        if !ir::is_instruction(v) {
            return None;
        }
        let op = ir::opcode(v);
        if !matches!(
            op,
            LLVMOpcode::LLVMSExt | LLVMOpcode::LLVMZExt | LLVMOpcode::LLVMTrunc
        ) {
            return None;
        }
        let width = ir::int_width(ir::type_of(v));
        if op == LLVMOpcode::LLVMTrunc {
            if width < 32 {
                return None;
            }
            *truncated = true;
        }
        casts.push((op, width));
        v = gap.on_path(ir::operand(v, 0));
    }
    None
}

/// The test an `i1` value makes of `site`'s result, answering the value itself (`cont`
/// true): a comparison with a constant, a comparison with the call's length argument
/// (`VsLength`, the result on its side widened at most), or `and`/`or` of such values (also
/// as `select i1 x, y, false` and `select i1 x, true, y`), at most `depth` deep.
fn leaf_of(
    gap: &Gap,
    v: LLVMValueRef,
    site: &Site,
    truncated: &mut bool,
    depth: u32,
) -> Option<Test> {
    let call = site.call;
    let width = ir::int_width(ir::type_of(call));
    let v = gap.on_path(v);
    if !ir::is_instruction(v) {
        return None;
    }
    let combined = |all: bool, x: LLVMValueRef, y: LLVMValueRef, truncated: &mut bool| {
        let leaves = vec![
            leaf_of(gap, x, site, truncated, depth.checked_sub(1)?)?,
            leaf_of(gap, y, site, truncated, depth.checked_sub(1)?)?,
        ];
        Some(Test {
            casts: Vec::new(),
            width,
            kind: TestKind::Combined {
                all,
                leaves,
                cont: true,
            },
        })
    };
    match ir::opcode(v) {
        LLVMOpcode::LLVMAnd | LLVMOpcode::LLVMOr if is_bool(v) => combined(
            ir::opcode(v) == LLVMOpcode::LLVMAnd,
            ir::operand(v, 0),
            ir::operand(v, 1),
            truncated,
        ),
        LLVMOpcode::LLVMSelect if is_bool(v) => {
            let (c, t, f) = (ir::operand(v, 0), ir::operand(v, 1), ir::operand(v, 2));
            match (ir::const_int(t), ir::const_int(f)) {
                (_, Some(0)) => combined(true, c, t, truncated),
                (Some(c1), _) if c1 != 0 => combined(false, c, f, truncated),
                _ => None,
            }
        }
        LLVMOpcode::LLVMICmp => {
            let (pred, lhs, rhs) = compared(v, |x| gap.on_path(x))?;
            match (ir::const_int(lhs), ir::const_int(rhs)) {
                (None, Some(c)) | (Some(c), None) => {
                    let value_on_left = ir::const_int(rhs).is_some();
                    let value = if value_on_left { lhs } else { rhs };
                    Some(Test {
                        casts: casts_from(gap, value, call, truncated)?,
                        width,
                        kind: TestKind::Cmp {
                            pred,
                            c,
                            value_on_left,
                            cont: true,
                        },
                    })
                }
                _ => {
                    let (_, pred) = length_comparison((pred, lhs, rhs), site, |x| gap.on_path(x))?;
                    Some(Test {
                        casts: Vec::new(),
                        width,
                        kind: TestKind::VsLength { pred },
                    })
                }
            }
        }
        _ => None,
    }
}

/// Several tests of `a`'s result on the path (a retry loop's `r >= 0`, then a `switch` on the
/// merged result for -1 and 0, as gnulib's `safe_read` leaves them) as one stop predicate:
/// over the values the call can return (-1 or 0 for a call that returns only 0 or -1; -1 or
/// any count for the catalogue's `nonneg_on_success` calls, below 2^31 when a test truncates
/// it), the path must continue exactly when `result < 0` (`Neg`) or `result <= 0` (`NonPos`)
/// does not fire. Every test is a comparison with a constant, so what the tests answer
/// changes only next to those constants and the ends of the range: checking the values
/// there checks every value.
fn stacked(
    gap: &Gap,
    tests: &[(usize, &Step)],
    sites: &[Site],
    a: usize,
    b: usize,
) -> Result<Stop, Found> {
    let site = &sites[a];
    let refuse = |k: usize| -> Found {
        let (i, step) = tests[k];
        let reason = match *step {
            _ if k > 0 => Reason::SecondBranch { a, b },
            Step::Branch { cond, .. } => Reason::NotStopPredicate { cond, a, b },
            // The switch itself: its value is the call (or a cast of it), not a branch.
            Step::Switch { inst, .. } => Reason::NotStopPredicate { cond: inst, a, b },
            Step::Inst { inst, .. } => Reason::NotStopPredicate { cond: inst, a, b },
        };
        let at = match *step {
            Step::Branch { inst, .. } | Step::Switch { inst, .. } | Step::Inst { inst, .. } => inst,
        };
        (i, Refusal::new(at, reason))
    };
    let mut truncated = false;
    let mut parsed = Vec::with_capacity(tests.len());
    let last = tests.len() - 1;
    // A last test of the result against an argument (`if (w < 0) ...; if (w != n) ...`).
    let mut against_arg = None;
    for (k, (_, step)) in tests.iter().enumerate() {
        if let Step::Branch {
            cond,
            continue_if_true,
            ..
        } = **step
        {
            let stop = stop_predicate(cond, continue_if_true, site);
            if let (true, Some(Stop::NeArg(j, _))) = (k == last && k > 0, stop) {
                against_arg = Some(j);
                continue;
            }
            if let (true, Some(j)) = (
                k == last && k > 0,
                short_of_length(cond, continue_if_true, site),
            ) {
                against_arg = Some(j);
                continue;
            }
        }
        let Some(test) = test_of(gap, step, site, &mut truncated) else {
            // A first test that is a stop predicate of its own (`result != argument`) takes
            // no second one.
            let alone = match **step {
                Step::Branch {
                    cond,
                    continue_if_true,
                    ..
                } => stop_predicate(cond, continue_if_true, site).is_some(),
                _ => false,
            };
            return Err(refuse(if k == 0 && alone { 1 } else { k }));
        };
        parsed.push(test);
    }
    let zero_or_error = site.zero_or_error();
    let nonneg = site
        .nr
        .and_then(catalogue::by_nr)
        .is_some_and(|s| s.nonneg_on_success());
    if !(zero_or_error || nonneg) || (truncated && !result_fits_i32(site)) {
        return Err(refuse(last));
    }
    let hi = if zero_or_error {
        0
    } else if truncated {
        i64::from(i32::MAX)
    } else {
        i64::MAX
    };
    // Tests that compare the result with the length argument too (`w < 0 || w != n` as one
    // branch): over an error, the whole length and a count short of it, they must let the
    // path on exactly at the whole length, `result != argument` (a result above the length,
    // `recvfrom` with `MSG_TRUNC`, then only stops the batch early).
    //
    // The tests are asked together at each result where one of them may change its answer
    // (`probe_points`), standing short of the length or at the whole of it: a test of the
    // result's sign after a test of a short count (`0 < n && n < len`, then `n != 0`) is
    // decided by where the first one sent the path. Where a whole transfer goes on only when
    // it is not zero, the stop holds for a positive length, which the lowering checks.
    if parsed.iter().any(Test::uses_length) {
        let Some(j) = length_argument(site).filter(|_| against_arg.is_none()) else {
            return Err(refuse(last));
        };
        return match whole_length_only(&parsed, hi) {
            Some(Least::Zero) => Ok(Stop::NeArg(j, Least::Zero)),
            Some(Least::One) => positive_length(site, j, sites)
                .map(|least| Stop::NeArg(j, least))
                .ok_or_else(|| refuse(last)),
            None => Err(refuse(last)),
        };
    }
    let points = probe_points(hi, &parsed);
    let continues = |r: i64| parsed.iter().all(|t| t.continues(r));
    let stop = [(Stop::Neg, 0), (Stop::NonPos, 1)]
        .into_iter()
        .find(|&(_, from)| points.iter().all(|&r| continues(r) == (r >= from)))
        .map(|(stop, _)| stop);
    match (stop, against_arg) {
        // Errors first, then a result other than the argument: together the path goes on
        // exactly when the result is the argument, as `result != argument` says (a result
        // that is not an error never equals an argument that is one).
        (Some(Stop::Neg), Some(j)) => Ok(Stop::NeArg(j, Least::Zero)),
        // Errors and zero first (Stevens' `writen`: `if ((w = write(..)) <= 0)`), then the
        // result against an argument that is a constant of at least 1: a result of zero or
        // less is never that argument, so `result != argument` fires wherever either does.
        // Any other argument the lowering can check before the batch: where it is positive.
        (Some(Stop::NonPos), Some(j)) => positive_length(site, j, sites)
            .map(|least| Stop::NeArg(j, least))
            .ok_or_else(|| refuse(last)),
        (Some(stop), None) => Ok(stop),
        // A transfer of a constant length that the tests let on only when it moved all of it
        // (`r < 0`, `r == 0`, then `r < N`: a read-until-full loop's read of a whole block).
        (None, None) => whole_transfer(site, hi, &parsed).ok_or_else(|| refuse(last)),
        _ => Err(refuse(last)),
    }
}

/// How `result != argument j` of `site` can hold only for a positive argument: a constant
/// of at least 1 always does (`Least::Zero`: nothing to check); a value the lowering passes
/// as it is and can check before the batch, where it is positive (`Least::One`). Not the
/// result of another system call (through casts, phis and selects), which the lowering
/// may pass as an earlier entry's result, known only as the batch runs.
fn positive_length(site: &Site, j: u8, sites: &[Site]) -> Option<Least> {
    let arg = (*site.args.get(usize::from(j))?)?;
    if let Some(c) = ir::const_int(arg) {
        return (c >= 1).then_some(Least::Zero);
    }
    let mut work = vec![(arg, 0u32)];
    let mut seen = Vec::new();
    while let Some((v, depth)) = work.pop() {
        let v = ir::strip_int_casts(v);
        if seen.contains(&v) {
            continue;
        }
        seen.push(v);
        if sites.iter().any(|s| s.call == v) {
            return None;
        }
        if !ir::is_instruction(v) || depth >= 4 {
            continue;
        }
        if ir::is_phi(v) {
            work.extend(ir::incoming(v).into_iter().map(|(w, _)| (w, depth + 1)));
        } else if ir::opcode(v) == LLVMOpcode::LLVMSelect {
            work.extend([
                (ir::operand(v, 1), depth + 1),
                (ir::operand(v, 2), depth + 1),
            ]);
        }
    }
    Some(Least::One)
}

/// A last test that lets the path on when a transfer moved at least its length argument
/// (`if (w < 0) fail(); if (w < n) short();`, signed or unsigned: clang turns `w < n` into
/// `w <u n` once `w >= 0` is known): the index of that argument. After tests that stop every
/// error, `result != argument` fires whenever this one leaves, because the result is at most
/// the length (`r < n` is `r != n`); where it fires and this one would go on (a length of
/// 2^63 or more, which the kernel refuses with `EINVAL` anyway, or `recvfrom` with
/// `MSG_TRUNC` returning more than the length), the batch only stops early and the original
/// code goes on from there.
fn short_of_length(cond: LLVMValueRef, continue_if_true: bool, site: &Site) -> Option<u8> {
    use LLVMIntPredicate::*;
    let (j, pred) = length_comparison(compared(cond, |v| v)?, site, |v| v)?;
    let cont = if continue_if_true {
        pred
    } else {
        ir::inverse_predicate(pred)
    };
    matches!(cont, LLVMIntSGE | LLVMIntUGE).then_some(j)
}

/// The comparison `cmp` makes, as its predicate and two sides, with a test of a difference
/// against zero read as the comparison of the difference's sides: `x - y == 0` holds exactly
/// when `x == y` whatever the subtraction wraps to, and so do `!=`, `>u 0` (`!=`) and `<=u 0`
/// (`==`). A write-all loop's `left -= w; while (left > 0)` (`size_t left`) leaves `icmp eq
/// (sub %n, %w), 0` once its first iteration is peeled: the test `w == n` of the write's
/// result against its length. The difference and its sides are looked at through `resolve`
/// (the path's merges); the sides of any other comparison are returned as they are.
fn compared(
    cmp: LLVMValueRef,
    resolve: impl Fn(LLVMValueRef) -> LLVMValueRef,
) -> Option<(LLVMIntPredicate, LLVMValueRef, LLVMValueRef)> {
    use LLVMIntPredicate::*;
    let pred = ir::icmp_predicate(cmp)?;
    let (lhs, rhs) = (ir::operand(cmp, 0), ir::operand(cmp, 1));
    let (pred_vs_zero, diff) = match (ir::const_int(lhs), ir::const_int(rhs)) {
        (None, Some(0)) => (pred, resolve(lhs)),
        (Some(0), None) => (ir::swapped_predicate(pred), resolve(rhs)),
        _ => return Some((pred, lhs, rhs)),
    };
    let equal = match pred_vs_zero {
        LLVMIntEQ | LLVMIntULE => LLVMIntEQ,
        LLVMIntNE | LLVMIntUGT => LLVMIntNE,
        _ => return Some((pred, lhs, rhs)),
    };
    if ir::is_instruction(diff) && ir::opcode(diff) == LLVMOpcode::LLVMSub {
        Some((
            equal,
            resolve(ir::operand(diff, 0)),
            resolve(ir::operand(diff, 1)),
        ))
    } else {
        Some((pred, lhs, rhs))
    }
}

/// A comparison (`compared`) as `result PRED length`: the raw result of `site` (or a widening
/// of it) on one side and its length argument (through integer casts) on the other, each
/// operand first taken through `resolve` (the path's merges); the length argument's index and
/// the predicate with the result on the left.
fn length_comparison(
    (pred, lhs, rhs): (LLVMIntPredicate, LLVMValueRef, LLVMValueRef),
    site: &Site,
    resolve: impl Fn(LLVMValueRef) -> LLVMValueRef,
) -> Option<(u8, LLVMIntPredicate)> {
    let j = length_argument(site)?;
    let len = ir::strip_int_casts((*site.args.get(usize::from(j))?)?);
    let is_result = |v: LLVMValueRef| ir::strip_extensions(resolve(v)) == site.call;
    let is_len = |v: LLVMValueRef| ir::strip_int_casts(resolve(v)) == len;
    if is_result(lhs) && is_len(rhs) {
        Some((j, pred))
    } else if is_result(rhs) && is_len(lhs) {
        Some((j, ir::swapped_predicate(pred)))
    } else {
        None
    }
}

/// System calls that move at most their length argument's count of bytes, with that
/// argument's index: `read`, `write`, `pread64`, `pwrite64`, `sendto`, `recvfrom`.
const LENGTH_ARGUMENT: [(u32, u8); 6] = [(0, 2), (1, 2), (17, 2), (18, 2), (44, 2), (45, 2)];

/// The index of `site`'s length argument, for a call that moves at most that many bytes.
pub(crate) fn length_argument(site: &Site) -> Option<u8> {
    LENGTH_ARGUMENT
        .into_iter()
        .find(|&(nr, _)| site.nr == Some(nr))
        .map(|(_, a)| a)
}

/// `result != length` for a transfer whose length argument is a constant `n` (`1 <= n <=
/// hi`), when the `tests` let the path on exactly for `n` over the results the call can
/// return (-1, or a count from 0 to `n`): checked, as [`stacked`] does, next to the tests'
/// constants and the ends of that range.
fn whole_transfer(site: &Site, hi: i64, tests: &[Test]) -> Option<Stop> {
    let j = length_argument(site)?;
    let n = ir::const_int((*site.args.get(usize::from(j))?)?)?;
    if !(1..=hi).contains(&n) {
        return None;
    }
    probe_points(n, tests)
        .iter()
        .all(|&r| tests.iter().all(|t| t.continues(r)) == (r == n))
        .then_some(Stop::NeArg(j, Least::Zero))
}

/// Condition 3 within a gap: no branch leaves the path to code that comes back to it or to
/// `b` (a join fed by an exit, both ways of a branch leading to `b`, an exit reaching `b`).
pub(crate) fn convexity(gap: &Gap, b: usize) -> Option<Found> {
    let at_end = gap.steps.len();
    // A branch whose other way comes back to the path: its code would be part of the region.
    let rejoin = gap.steps.iter().enumerate().find_map(|(pos, s)| match *s {
        Step::Branch { inst, .. } => gap
            .rejoins
            .iter()
            .find(|r| r.branch == inst)
            .map(|r| (pos, r)),
        _ => None,
    });
    if let Some((pos, r)) = rejoin {
        return Some((
            pos,
            Refusal::new(
                r.branch,
                Reason::ExitRejoins {
                    off: r.off,
                    join: r.join,
                    b,
                },
            ),
        ));
    }
    match gap.end {
        End::Blocked(Obstacle::BothWays { branch, t, f }) => {
            Some((at_end, Refusal::new(branch, Reason::BothWays { t, f, b })))
        }
        End::Blocked(Obstacle::Join {
            block,
            rejoined: Some((branch, off)),
            ..
        }) => Some((
            at_end,
            Refusal::new(
                branch,
                Reason::ExitRejoins {
                    off,
                    join: block,
                    b,
                },
            ),
        )),
        End::Reached {
            exit_to_b: Some((branch, off)),
        } => Some((
            usize::MAX,
            Refusal::new(branch, Reason::ExitReachesCall { off, b }),
        )),
        _ => None,
    }
}

/// Condition 4 for argument `k` of the entry at chain position `pos`: a constant, a value
/// available at the first call (`available` answers whether an instruction dominates it), or
/// the result of an earlier entry whose errors stop the batch.
pub(crate) fn argument_source(
    sites: &[Site],
    calls: &[usize],
    stops: &[Stop],
    pos: usize,
    k: usize,
    arg: Option<LLVMValueRef>,
    available: &mut dyn FnMut(LLVMValueRef) -> bool,
) -> Result<ArgSource, Refusal> {
    let site = calls[pos];
    let Some(v) = arg else {
        return Ok(ArgSource::Zero);
    };
    if ir::is_constant(v) {
        return Ok(ArgSource::Value(v));
    }
    let (base, narrowed) = result_through_casts(v);
    if let Some(m) = calls[..pos].iter().position(|&c| sites[c].call == base) {
        // An `int` count (`int n = read(...)`, passed on as `(size_t)n`) reaches the later
        // call as the result cut to 32 bits and widened again; that is the result itself
        // only when the result is below 2^31 and not negative: a transfer the kernel bounds
        // by MAX_RW_COUNT whose stop lets no error through (checked just below).
        let bounded = sites[calls[m]]
            .nr
            .is_some_and(|nr| super::looped::BOUNDED_TRANSFERS.contains(&nr));
        if narrowed && !bounded {
            return Err(Refusal::new(
                sites[site].call,
                Reason::LateArgument {
                    site,
                    k,
                    value: v,
                    first: calls[0],
                },
            ));
        }
        if !stops[m].stops_on_error() {
            return Err(Refusal::new(
                sites[site].call,
                Reason::RefWithoutStop {
                    site,
                    k,
                    earlier: calls[m],
                },
            ));
        }
        return Ok(ArgSource::Ref(m));
    }
    if !ir::is_instruction(v) || available(v) {
        return Ok(ArgSource::Value(v));
    }
    Err(Refusal::new(
        sites[site].call,
        Reason::LateArgument {
            site,
            k,
            value: v,
            first: calls[0],
        },
    ))
}

/// The value `v` is computed from through integer casts that keep every value in [0, 2^31)
/// unchanged: sign and zero extensions, truncations to at least 32 bits, `and` with a mask
/// of at least the low 31 bits, and `ashr exact (shl x, s), s` with `s` at most 32 (clang's
/// `(long)(int)x`); with whether anything but extensions was looked through (then `v` equals
/// that value only for one in that range).
pub(crate) fn result_through_casts(mut v: LLVMValueRef) -> (LLVMValueRef, bool) {
    use llvm_sys::LLVMOpcode::*;
    let mut narrowed = false;
    for _ in 0..8 {
        if !ir::is_instruction(v) {
            break;
        }
        let width = |x: LLVMValueRef| ir::int_width(ir::type_of(x));
        match ir::opcode(v) {
            LLVMSExt | LLVMZExt => v = ir::operand(v, 0),
            LLVMTrunc if width(v) >= 32 => {
                narrowed = true;
                v = ir::operand(v, 0);
            }
            LLVMAnd => {
                let low31 = |c: LLVMValueRef| {
                    ir::const_int(c).is_some_and(|c| c & 0x7fff_ffff == 0x7fff_ffff)
                };
                let (a, b) = (ir::operand(v, 0), ir::operand(v, 1));
                if low31(b) {
                    v = a;
                } else if low31(a) {
                    v = b;
                } else {
                    break;
                }
                narrowed = true;
            }
            LLVMAShr => match ir::shifted_back(v) {
                Some((x, s)) if s <= 32 && width(v) - s >= 32 => {
                    narrowed = true;
                    v = x;
                }
                _ => break,
            },
            _ => break,
        }
    }
    (v, narrowed)
}

/// The back edge of a loop around `c0 .. ck`: the walk from `ck` (gathered with no head,
/// so that an exit reaching the header counts as rejoining) must be safe, end at the
/// header's entry with at most one conditional branch, a stop predicate of `ck`, and no exit
/// coming back. Returns `ck`'s stop predicate (`Never` without a branch).
pub(crate) fn back_edge(
    gap: &Gap,
    sites: &[Site],
    ck: usize,
    c0: usize,
    header: LLVMBasicBlockRef,
) -> Result<Stop, Refusal> {
    if let Some((_, refusal)) = safety(gap, ck, c0) {
        return Err(refusal);
    }
    match gap.end {
        End::Blocked(Obstacle::Join {
            block,
            rejoined: None,
            ..
        }) if block == header => {}
        End::Blocked(Obstacle::Join {
            block,
            rejoined: Some((_, off)),
            ..
        }) if block == header => {
            return Err(Refusal::new(
                sites[ck].call,
                Reason::ExitReentersLoop { off },
            ))
        }
        _ => {
            let refusal = linearity(gap, sites, ck, c0)
                .err()
                .or_else(|| convexity(gap, c0))
                .map(|(_, r)| r)
                .unwrap_or_else(|| Refusal::new(sites[c0].call, Reason::NotALoop { site: c0 }));
            return Err(refusal);
        }
    }
    branch_stop(gap, sites, ck, c0, &[]).map_err(|(_, r)| r)
}

/// Part of condition 5: the stop predicate a branch condition expresses on `a`'s result, given
/// which successor continues toward the next call.
pub(crate) fn stop_predicate(cond: LLVMValueRef, continue_if_true: bool, a: &Site) -> Option<Stop> {
    use LLVMIntPredicate::*;
    let (pred, lhs, rhs) = compared(cond, |v| v)?;
    let is_result = |v: LLVMValueRef| ir::strip_int_casts(v) == a.call;
    // A comparison of a truncated result (`int n = read(...)`) agrees with the same test on
    // the raw result only while the result fits the narrower type.
    let truncated =
        |v: LLVMValueRef| ir::strip_extensions(v) != a.call && ir::strip_int_casts(v) == a.call;
    // Normalise to `result PRED other`.
    let (pred, other) = if is_result(lhs) {
        (pred, rhs)
    } else if is_result(rhs) {
        (ir::swapped_predicate(pred), lhs)
    } else {
        return None;
    };
    // Unsigned orders express no stop predicate.
    if !matches!(
        pred,
        LLVMIntSGT | LLVMIntSLT | LLVMIntSGE | LLVMIntSLE | LLVMIntEQ | LLVMIntNE
    ) {
        return None;
    }
    // The predicate under which the path continues.
    let cont = if continue_if_true {
        pred
    } else {
        ir::inverse_predicate(pred)
    };
    if let Some(c) = ir::const_int(other) {
        let result_side = if is_result(lhs) { lhs } else { rhs };
        let sign_exact = !truncated(result_side) || (result_fits_i32(a) && keeps_sign(result_side));
        match (cont, c) {
            (LLVMIntSGT, 0) | (LLVMIntSGE, 1) if sign_exact => return Some(Stop::NonPos),
            (LLVMIntSGE, 0) | (LLVMIntSGT, -1) | (LLVMIntNE, -1) if sign_exact => {
                return Some(Stop::Neg)
            }
            // `if (close(fd) != 0)`, `if (fstat(...))`: for a call that returns only 0 or -1,
            // continuing on 0 is continuing on success.
            (LLVMIntEQ, 0) if a.zero_or_error() => return Some(Stop::Neg),
            _ => {}
        }
    }
    if cont == LLVMIntEQ {
        let stripped = ir::strip_int_casts(other);
        for (k, arg) in a.args.iter().enumerate() {
            if let Some(v) = arg {
                if ir::strip_int_casts(*v) == stripped {
                    return Some(Stop::NeArg(k as u8, Least::Zero));
                }
            }
        }
        // A test of the result's low bits against an argument's low bits (`int w = write(..,
        // n); if (w != n)` with the length clang's `ashr exact (shl %r, 32), 32` of an `int`
        // count): when the result equals the argument their low bits are equal, so the batch
        // goes on only where the original does (and may stop earlier, where the original code
        // then goes on).
        let bits = ir::int_width(ir::type_of(other));
        let result_side = if is_result(lhs) { lhs } else { rhs };
        if low_bits(result_side, bits) == a.call {
            let source = low_bits(other, bits);
            // Or the argument is `and %x, 2^31 - 1` of a transfer's result `%x` (clang's
            // `(size_t)n` of an `int n` it knows not negative): a transfer (`a`) returns at
            // most `MAX_RW_COUNT`, so a result equal to the argument means `%x` was a count,
            // below 2^31 (an error's -1 gives 2^31 - 1, which no result equals), and then its
            // low bits are the argument's.
            let masked = |v: LLVMValueRef| {
                bits <= 32 && result_fits_i32(a) && masked_transfer(v) == Some(source)
            };
            for (k, arg) in a.args.iter().enumerate() {
                if arg.is_some_and(|v| low_bits(v, bits) == source || masked(v)) {
                    return Some(Stop::NeArg(k as u8, Least::Zero));
                }
            }
        }
    }
    None
}

/// The value whose low `bits` bits are `v`'s, through what keeps them: truncations to at least
/// `bits` bits, extensions of values at least that wide, `ashr (shl x, c), c` that leaves at
/// least `bits` bits of `x`, and `and` with a mask of at least the low `bits` bits.
fn low_bits(mut v: LLVMValueRef, bits: u32) -> LLVMValueRef {
    use llvm_sys::LLVMOpcode::*;
    let width = |x: LLVMValueRef| ir::int_width(ir::type_of(x));
    for _ in 0..8 {
        if !ir::is_instruction(v)
            || ir::type_kind(ir::type_of(v)) != LLVMTypeKind::LLVMIntegerTypeKind
        {
            break;
        }
        let next = match ir::opcode(v) {
            LLVMTrunc if width(v) >= bits => ir::operand(v, 0),
            LLVMSExt | LLVMZExt if width(ir::operand(v, 0)) >= bits => ir::operand(v, 0),
            LLVMAShr => match ir::shifted_back(v) {
                Some((x, c)) if width(v) - c >= bits => x,
                _ => break,
            },
            LLVMAnd => {
                let low = if bits >= 64 {
                    u64::MAX
                } else {
                    (1u64 << bits) - 1
                };
                let covers =
                    |c: LLVMValueRef| ir::const_int(c).is_some_and(|m| (m as u64) & low == low);
                if covers(ir::operand(v, 1)) {
                    ir::operand(v, 0)
                } else if covers(ir::operand(v, 0)) {
                    ir::operand(v, 1)
                } else {
                    break;
                }
            }
            _ => break,
        };
        v = next;
    }
    v
}

/// `%x` when `v` is `and %x, 2^31 - 1` and `%x` the result of a call of `read`, `write`,
/// `pread` or `pwrite` (or their fortified forms): a count of at most `MAX_RW_COUNT`, or -1.
fn masked_transfer(v: LLVMValueRef) -> Option<LLVMValueRef> {
    if !ir::is_instruction(v) || ir::opcode(v) != LLVMOpcode::LLVMAnd {
        return None;
    }
    let (x, m) = (ir::operand(v, 0), ir::operand(v, 1));
    let (x, m) = if ir::const_int(m).is_some() {
        (x, m)
    } else {
        (m, x)
    };
    if ir::const_int(m) != Some(0x7fff_ffff) || !ir::is_call(x) {
        return None;
    }
    let name = ir::name(ir::called_function(x)?);
    const TRANSFERS: &[&str] = &[
        "read",
        "write",
        "pread",
        "pread64",
        "pwrite",
        "pwrite64",
        "__read_chk",
        "__pread_chk",
        "__pread64_chk",
    ];
    TRANSFERS.contains(&name.as_str()).then_some(x)
}

/// Whether the casts from a call's result to `v` keep the sign of every result that fits in
/// 32 bits: truncations to at least 32 bits, and no zero extension of a truncated value
/// (`(unsigned)n` of a -1 is positive).
fn keeps_sign(mut v: LLVMValueRef) -> bool {
    use llvm_sys::LLVMOpcode::*;
    let mut zext_above = false;
    while ir::is_instruction(v) && matches!(ir::opcode(v), LLVMSExt | LLVMZExt | LLVMTrunc) {
        match ir::opcode(v) {
            LLVMTrunc if zext_above || ir::int_width(ir::type_of(v)) < 32 => return false,
            LLVMZExt => zext_above = true,
            _ => {}
        }
        v = ir::operand(v, 0);
    }
    true
}

/// Whether a call's raw result always fits in 32 bits: a call that returns only 0 or -errno,
/// or a transfer (read, write, pread64, pwrite64), whatever its length: the kernel cuts every
/// transfer to `MAX_RW_COUNT` (0x7ffff000, below 2^31) before it moves a byte
/// (`rw_verify_area`), so a success is at most that and an error is -errno.
fn result_fits_i32(a: &Site) -> bool {
    a.zero_or_error()
        || a.nr
            .and_then(catalogue::by_nr)
            .is_some_and(|s| matches!(s.name, "read" | "write" | "pread64" | "pwrite64"))
}
