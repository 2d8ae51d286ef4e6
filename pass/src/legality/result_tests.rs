//! Tests of a call's result as the path sees them, and what they answer: pure logic over
//! numbers, apart from the IR they are read from (`conditions::test_of` reads them).
//!
//! A [`Test`] is a comparison of the result (through integer casts) with a constant, a
//! `switch` on it, or an `and`/`or` of comparisons that may also compare it with the call's
//! length argument. [`Test::continues`] asks one at a result; [`Test::continues_at`] asks
//! one at a result that stands where [`Point`] says against an unknown length (an error, the
//! whole length, a count short of it), which is how tests with the length are taken for
//! `result != length` ([`whole_length_only`]); and
//! [`probe_points`] gives the results at which tests of constants answer as they do at every
//! result of a range.

use llvm_sys::{LLVMIntPredicate, LLVMOpcode};

use crate::ir;
use crate::plan::Least;

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
    /// `Combined` only: what it answers depends on the length, which [`Test::continues_at`] knows only
    /// as the result's relation to it.
    VsLength { pred: LLVMIntPredicate },
}

impl Test {
    /// Whether the path continues past this test when `a` returned `r`.
    pub fn continues(&self, r: i64) -> bool {
        self.continues_against(r, None)
    }

    /// Whether the path continues past this test when `a` returned `r`, standing at `p`
    /// against the length (which comparisons with the length answer by; without `p`, they
    /// answer false).
    pub fn continues_at(&self, r: i64, p: Point) -> bool {
        self.continues_against(r, Some(p))
    }

    fn continues_against(&self, r: i64, p: Option<Point>) -> bool {
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
                let holds = |t: &Test| t.continues_against(r, p);
                (if *all {
                    leaves.iter().all(holds)
                } else {
                    leaves.iter().any(holds)
                }) == *cont
            }
            // Asked at a number only with where it stands against the length.
            &TestKind::VsLength { pred } => p.is_some_and(|p| vs_length(pred, p)),
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

/// Whether `tests`, asked together, let the path on exactly where the result is the whole
/// length: at no error, at no count short of it, and at every whole length from 0
/// (`Least::Zero`), or from 1 only (`Least::One`: a test of zero, `w <= 0` or `n == 0`, leaves
/// at a length of 0). Asked at each result where one test may change its answer
/// ([`probe_points`], counts up to `hi`), standing at `Point::Error`, `Point::Short` or
/// `Point::Whole`, so that what one test sent the path by decides what a later one sees.
pub fn whole_length_only(tests: &[Test], hi: i64) -> Option<Least> {
    let points = probe_points(hi, tests);
    let goes = |r: i64, p: Point| tests.iter().all(|t| t.continues_at(r, p));
    let stops_short = points
        .iter()
        .filter(|&&r| (0..hi).contains(&r))
        .all(|&r| !goes(r, Point::Short));
    let whole_from = |least: i64| {
        points
            .iter()
            .filter(|&&r| r >= least)
            .all(|&r| goes(r, Point::Whole))
    };
    if goes(-1, Point::Error) || !stops_short || !whole_from(1) {
        None
    } else if whole_from(0) {
        Some(Least::Zero)
    } else {
        Some(Least::One)
    }
}

/// What `result PRED length` answers where the result stands at `p` against the length.
fn vs_length(pred: LLVMIntPredicate, p: Point) -> bool {
    use LLVMIntPredicate::*;
    match p {
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
