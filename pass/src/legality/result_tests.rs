//! Tests of a call's result as the path sees them, and what they answer: pure logic over
//! numbers, apart from the IR they are read from (`conditions::test_of` reads them).
//!
//! A [`Test`] is a comparison of the result (through integer casts) with a constant, a
//! `switch` on it, or an `and`/`or` of comparisons that may also compare it with the call's
//! length argument. [`Test::continues`] asks one at a result; [`at_point`] asks one where the
//! result stands against an unknown length (an error, the whole length, a count short of
//! it), which is how a combination with the length is taken for `result != length`; and
//! [`probe_points`] gives the results at which tests of constants answer as they do at every
//! result of a range.

use llvm_sys::{LLVMIntPredicate, LLVMOpcode};

use crate::ir;

/// One test on the path as a function of `a`'s libc result `r`: whether the path continues.
pub struct Test {
    /// The casts from `r` to the tested value, innermost first: (opcode, width after).
    pub casts: Vec<(LLVMOpcode, u32)>,
    /// The width of `r` (the call's result type).
    pub width: u32,
    /// What the test compares.
    pub kind: TestKind,
}

/// What a [`Test`] compares the result with.
pub enum TestKind {
    /// `value PRED c` continues when it is `cont`.
    Cmp {
        pred: LLVMIntPredicate,
        c: i64,
        value_on_left: bool,
        cont: bool,
    },
    /// A switch: continues when the value is none of these.
    NoneOf(Vec<i64>),
    /// `and` or `or` (also as `select i1`) of comparisons of the result, each a test whose
    /// answer is the comparison's (`cont` true): the path goes on when the combination is
    /// `cont` (`if (w < 0 || (size_t)w != n) fail();`).
    Combined {
        all: bool,
        leaves: Vec<Test>,
        cont: bool,
    },
    /// `result PRED length argument` (normalised to the result on the left), a leaf of
    /// `Combined` only: what it answers depends on the length, which [`at_point`] knows only
    /// as the result's relation to it.
    VsLength { pred: LLVMIntPredicate },
}

impl Test {
    /// Whether the path continues past this test when `a` returned `r`.
    pub fn continues(&self, r: i64) -> bool {
        let (mut bits, mut width) = (to_width(r as u64, self.width), self.width);
        for &(op, to) in &self.casts {
            bits = match op {
                LLVMOpcode::LLVMSExt => to_width(signed(bits, width) as u64, to),
                _ => to_width(bits, to),
            };
            width = to;
        }
        match &self.kind {
            TestKind::Combined { all, leaves, cont } => {
                let holds = |t: &Test| t.continues(r);
                (if *all {
                    leaves.iter().all(holds)
                } else {
                    leaves.iter().any(holds)
                }) == *cont
            }
            // Never asked at a number: `uses_length` sends such tests to `at_point`.
            TestKind::VsLength { .. } => false,
            TestKind::NoneOf(cases) => !cases.iter().any(|&c| to_width(c as u64, width) == bits),
            &TestKind::Cmp {
                pred,
                c,
                value_on_left,
                cont,
            } => {
                let c = to_width(c as u64, width);
                let (l, r) = if value_on_left { (bits, c) } else { (c, bits) };
                // Sign extension keeps both the signed and the unsigned order of the values.
                ir::icmp_holds(pred, signed(l, width), signed(r, width)) == cont
            }
        }
    }

    /// The constants the test compares with (where what it answers may change).
    pub fn constants(&self) -> Vec<i64> {
        match &self.kind {
            TestKind::NoneOf(cases) => cases.clone(),
            TestKind::Cmp { c, .. } => vec![*c],
            TestKind::Combined { leaves, .. } => leaves.iter().flat_map(Test::constants).collect(),
            TestKind::VsLength { .. } => Vec::new(),
        }
    }

    /// Whether the test compares the result with the call's length argument somewhere.
    pub fn uses_length(&self) -> bool {
        match &self.kind {
            TestKind::VsLength { .. } => true,
            TestKind::Combined { leaves, .. } => leaves.iter().any(Test::uses_length),
            _ => false,
        }
    }
}

/// Where a transfer's result stands against its length argument `n` (`0 <= n < 2^63`, the
/// kernel refusing longer ones with `EINVAL`; the result is at most `n`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Point {
    /// An error, -1.
    Error,
    /// The whole length.
    Whole,
    /// A count from 0 below the length.
    Short,
}

/// Whether the path goes on past `t` when the result stands at `p` against the length, if
/// that is decided there: comparisons with constants must answer the same for every count
/// from 0 to `hi` (tests of the sign), comparisons with the length answer by `p`.
pub fn at_point(t: &Test, p: Point, hi: i64) -> Option<bool> {
    use LLVMIntPredicate::*;
    match &t.kind {
        TestKind::Combined { all, leaves, cont } => {
            let answers = leaves
                .iter()
                .map(|l| at_point(l, p, hi))
                .collect::<Option<Vec<bool>>>()?;
            let v = if *all {
                answers.iter().all(|&b| b)
            } else {
                answers.iter().any(|&b| b)
            };
            Some(v == *cont)
        }
        &TestKind::VsLength { pred } => Some(match p {
            // -1 is below every length as a signed number and above it as an unsigned one.
            Point::Error => matches!(
                pred,
                LLVMIntSLT | LLVMIntSLE | LLVMIntNE | LLVMIntUGT | LLVMIntUGE
            ),
            Point::Whole => matches!(
                pred,
                LLVMIntEQ | LLVMIntSLE | LLVMIntSGE | LLVMIntULE | LLVMIntUGE
            ),
            Point::Short => matches!(
                pred,
                LLVMIntNE | LLVMIntSLT | LLVMIntSLE | LLVMIntULT | LLVMIntULE
            ),
        }),
        _ if p == Point::Error => Some(t.continues(-1)),
        _ => {
            let mut answers = probe_points(hi, std::slice::from_ref(t))
                .into_iter()
                .filter(|&r| r >= 0)
                .map(|r| t.continues(r));
            let first = answers.next()?;
            answers.all(|a| a == first).then_some(first)
        }
    }
}

/// The low `width` bits of `bits`.
fn to_width(bits: u64, width: u32) -> u64 {
    if width >= 64 {
        bits
    } else {
        bits & ((1u64 << width) - 1)
    }
}

/// `bits` of `width` bits read as a signed number.
fn signed(bits: u64, width: u32) -> i64 {
    if width >= 64 || width == 0 {
        bits as i64
    } else {
        let shift = 64 - width;
        ((bits << shift) as i64) >> shift
    }
}

/// The results at which `tests` answer as they do at every result a call can return, -1 or
/// a count from 0 to `hi`: the ends of that range and each test's constants with their
/// neighbours, within it (between consecutive constants a comparison answers the same).
pub fn probe_points(hi: i64, tests: &[Test]) -> Vec<i64> {
    let mut points = vec![-1, 0, 1, hi.saturating_sub(1), hi];
    for t in tests {
        for c in t.constants() {
            points.extend([c.saturating_sub(1), c, c.saturating_add(1)]);
        }
    }
    points.retain(|&r| r == -1 || (0..=hi).contains(&r));
    points
}
