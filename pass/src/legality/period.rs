//! Tests of a counter's remainder on the way round of a whole loop (`plan::Period`).
//!
//! Tools report as they copy every so many blocks: `if (++blocks % 64 == 0) fprintf(..)`.
//! No call's result decides that test, and its other way runs code a batch cannot (the
//! report), so the walk round (`resume::walk_round`) would stop there. Yet where it goes is
//! known in advance: the counter steps by 1 in each iteration, so from its value where a
//! batch begins, the iterations until the test first goes the other way are counted. The
//! batch runs at most those (its bound); when it ran them all, the lowering makes the test
//! again on the counter's value after them and, where it goes the other way, the original
//! resumes after the last call of that iteration, with its values, as a stop there does:
//! it reports, and comes back to the batch at the loop's back edges.
//!
//! The test is `icmp eq|ne R, 0` on the remainder `R` of `X`, where `X` is the counter (a
//! header phi stepping up by 1) or its next value:
//!
//! - `and X, m - 1` with `m` a power of 2 (clang's form of `X % m == 0` for any integer
//!   `X`): a remainder modulo `2^width` too, so the count is exact whatever the value;
//! - `urem X, m` or `srem X, m` (`m >= 2` not a power of 2): exact while `X` stays away from
//!   the type's limits, which the lowering checks at run time, running one iteration at a
//!   time otherwise (the test is made again after each batch, so a smaller bound is always
//!   exact).
//!
//! The way round must be the one a remainder other than 0 takes (the quiet way of an `if`
//! without an `else`); the remainder and the comparison are used by nothing else.
//!
//! Tools that report every so many bytes test a running total against a limit they move on
//! when they report: `total += n; if (total >= next_report) { fprintf(..); next_report +=
//! STEP; }`. The total grows by at most a transfer's length argument in each iteration (a
//! `read`'s or `write`'s result is never more), so from the total and the limit where a
//! batch begins, the iterations in which it cannot reach the limit are counted the same way
//! ([`reaches`]: `icmp` of `X` and the limit, `X` the total or its next value, the way round
//! the one taken below the limit; checked against the carried values in `looped`).

use llvm_sys::prelude::{LLVMBasicBlockRef, LLVMValueRef};
use llvm_sys::LLVMOpcode;

use crate::ir;
use crate::plan::PeriodKind;

/// What a period test met on the way round compares.
#[derive(Clone, Copy, Debug)]
pub(super) enum AtTest {
    /// The remainder of `x` (`and`, `urem`, `srem`) compared with 0.
    Remainder {
        rem: LLVMValueRef,
        modulus: u64,
        kind: PeriodKind,
    },
    /// `x` compared with `limit`: reaching it (`x >= limit`, or `x > limit` when not
    /// `inclusive`) goes the other way.
    Reaches {
        limit: LLVMValueRef,
        inclusive: bool,
        signed: bool,
        /// An equality (`x == limit`): only meeting the limit goes the other way.
        equality: bool,
    },
}

/// A period test met on the way round (`resume::Round::period`).
#[derive(Clone, Copy, Debug)]
pub(super) struct PeriodAt {
    /// The conditional branch and its condition.
    pub branch: LLVMValueRef,
    pub cmp: LLVMValueRef,
    /// The value tested: a counter or a running total, or its next value (checked once the
    /// loop's carried values are known).
    pub x: LLVMValueRef,
    pub test: AtTest,
    /// Whether the way round (a remainder other than 0, a total below its limit) is the
    /// branch's true successor.
    pub round_if_true: bool,
    /// The other successor: where the original goes when the test says so.
    pub off: LLVMBasicBlockRef,
}

/// The period test the conditional branch `branch` makes, when it is one (module doc).
pub(super) fn test(branch: LLVMValueRef) -> Option<PeriodAt> {
    remainder(branch).or_else(|| reaches(branch))
}

/// A test of a remainder: `icmp eq|ne R, 0`.
fn remainder(branch: LLVMValueRef) -> Option<PeriodAt> {
    let (cmp, t, f) = ir::conditional_branch(branch)?;
    let (rem, true_if_zero) = ir::zero_test(cmp)?;
    let remainder = |v: LLVMValueRef| {
        ir::is_instruction(v)
            && matches!(
                ir::opcode(v),
                LLVMOpcode::LLVMAnd | LLVMOpcode::LLVMURem | LLVMOpcode::LLVMSRem
            )
    };
    if !remainder(rem) || !only_used_by(cmp, branch) || !only_used_by(rem, cmp) {
        return None;
    }
    let (x, c) = (ir::operand(rem, 0), ir::const_int(ir::operand(rem, 1))?);
    let (kind, modulus) = match ir::opcode(rem) {
        // `c + 1` a power of 2 of at least 2.
        LLVMOpcode::LLVMAnd if c > 0 && (c as u64).wrapping_add(1).is_power_of_two() => {
            (PeriodKind::Mask, c as u64 + 1)
        }
        LLVMOpcode::LLVMURem if c >= 2 => (PeriodKind::URem, c as u64),
        LLVMOpcode::LLVMSRem if c >= 2 => (PeriodKind::SRem, c as u64),
        _ => return None,
    };
    // A modulus that fits the type's positive values, so that the lowering's arithmetic in
    // that width holds it.
    let width = ir::int_width(ir::type_of(x));
    if !(2..=64).contains(&width) || (width < 64 && modulus >= 1 << (width - 1)) {
        return None;
    }
    Some(PeriodAt {
        branch,
        cmp,
        x,
        test: AtTest::Remainder { rem, modulus, kind },
        round_if_true: !true_if_zero,
        off: if true_if_zero { t } else { f },
    })
}

/// A test of an integer value against a limit: `icmp` with an order predicate (either way
/// round: `x < limit` or `limit <= x`), or an equality (`i + 1 == count`, clang's latch of
/// `for (i = 0; i < count; i++)`), read as the unsigned order. Which operand is the running total is known only
/// with the loop's carried values: both orders are offered (`x` the first operand, and,
/// with `swapped`, the second), `looped` takes the one whose `x` is a total.
pub(super) fn reaches(branch: LLVMValueRef) -> Option<PeriodAt> {
    reaches_with(branch, false)
}

/// [`reaches`] with the comparison's operands read the other way round.
pub(super) fn reaches_swapped(branch: LLVMValueRef) -> Option<PeriodAt> {
    reaches_with(branch, true)
}

fn reaches_with(branch: LLVMValueRef, swapped: bool) -> Option<PeriodAt> {
    use llvm_sys::LLVMIntPredicate::*;
    let (cmp, t, f) = ir::conditional_branch(branch)?;
    if !ir::is_instruction(cmp)
        || ir::opcode(cmp) != LLVMOpcode::LLVMICmp
        || !only_used_by(cmp, branch)
    {
        return None;
    }
    let (a, b) = (ir::operand(cmp, 0), ir::operand(cmp, 1));
    // Any width from 2 bits: a total must be 64 bits wide (`looped`), a counter may be
    // narrower (`int i`), its test widened by the lowering.
    if ir::type_kind(ir::type_of(a)) != llvm_sys::LLVMTypeKind::LLVMIntegerTypeKind
        || !(2..=64).contains(&ir::int_width(ir::type_of(a)))
    {
        return None;
    }
    let (x, limit) = if swapped { (b, a) } else { (a, b) };
    // The predicate as `x P limit`.
    let p = ir::icmp_predicate(cmp)?;
    let p = if swapped { ir::swapped_predicate(p) } else { p };
    // (below: the predicate holds while x is below the limit; inclusive; signed)
    let (below, inclusive, signed) = match p {
        LLVMIntSLT => (true, true, true),
        LLVMIntULT => (true, true, false),
        LLVMIntSLE => (true, false, true),
        LLVMIntULE => (true, false, false),
        LLVMIntSGE => (false, true, true),
        LLVMIntUGE => (false, true, false),
        LLVMIntSGT => (false, false, true),
        LLVMIntUGT => (false, false, false),
        // Equality as the unsigned order, the distance counted modulo 2^64: a value growing
        // by at most `c` in each iteration cannot meet the limit before it covered the
        // distance `(limit - x) mod 2^64` (the lowering's `Reaching::equality`).
        LLVMIntNE => (true, true, false),
        LLVMIntEQ => (false, true, false),
    };
    let equality = matches!(p, LLVMIntEQ | LLVMIntNE);
    Some(PeriodAt {
        branch,
        cmp,
        x,
        test: AtTest::Reaches {
            limit,
            inclusive,
            signed,
            equality,
        },
        round_if_true: below,
        off: if below { f } else { t },
    })
}

/// Whether `v`'s only user is `user`.
fn only_used_by(v: LLVMValueRef, user: LLVMValueRef) -> bool {
    let users = ir::users(v);
    !users.is_empty() && users.iter().all(|&(u, _)| u == user)
}
