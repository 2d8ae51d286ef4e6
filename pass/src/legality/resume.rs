//! Whole loops whose stops resume the original loop (`ExitKind::Resume`): the loop around
//! coreutils' `cat` after its helpers are inlined, or `for (;;) { n = read(..); if (n == 0)
//! break; if (n < 0) { if (errno == EINTR) continue; ... } write(..); }`.
//!
//! A plain whole loop (`looped`) needs each stop predicate to be a branch that leaves the
//! loop, and at most one branch on the way back. Real loops test a result several times on
//! the way round (`safe_read`'s `r >= 0`, then `r` against -1 and 0; `full_write`'s `n == 0`,
//! `count -= n`, `done == n`), and a failed test may go back into the loop (the `EINTR`
//! retry, the rest of a short write). Here a stop continues the original loop right after
//! the call that stopped, with that iteration's values: whatever the original code then does
//! (leave, retry, finish a short write) it does as the original does, and when it goes round
//! it comes back to the batch at the loop's back edges. So a stop predicate need not say
//! exactly when the path leaves the way round; it is enough that the way round is certain
//! when no call stopped:
//!
//! - the way from each call to the next is the straight chain's (`conditions`, exact), and
//!   the way from the last call round to the first is followed by evaluating each branch on
//!   it (`Eval`) with what the stops leave known: a call that did not stop returned at least 0
//!   (`result < 0`), at least 1 (`result <= 0`), or exactly its argument (`result !=
//!   argument`), at most `MAX_RW_COUNT` for a transfer. The weakest stop for which every
//!   branch's way is known and goes round is the last call's (`way_round`);
//! - the loop's header is the first block that way enters by a back edge: the first call's
//!   block, or one before it whose way to the call passes only phis of values defined before
//!   the loop (a count clamped on `EINVAL`), which the call takes and a stop hands back;
//! - the way round only computes values (no load, store or call), but for two kinds of test
//!   no call's result decides (`walk_round`, `way_round`): a condition defined before the
//!   loop (an argument, `verbose != 0` on a flag LLVM loaded once because nothing in the loop
//!   writes it) is a guard (`Looped::guards`): the batch runs when it has the value of the
//!   way walked, and the original loop runs otherwise; and a flag loaded after the last call
//!   (`watch::flag_test`: a `volatile sig_atomic_t` a handler sets, a global a call of its
//!   other way may write) is watched (`MC_BATCH_WATCH`): the batch ends after an iteration in
//!   which it would go the other way, and the original resumes after the last call, makes the
//!   test again and does what it says. The way walked is the one a zero flag takes (`if
//!   (verbose) ..`), or, when that does not come round with only values, the other (`if
//!   (!quiet) ..`);
//! - after each call, the original code uses no value of the iteration but the calls'
//!   results, the carried values (judged along the way round, `carried`) and the phis whose
//!   value on the way is a result or defined before the loop (`needs`, `handed`): those the
//!   lowering hands back;
//! - the buffers are dead (`MC_BATCH_DEAD_BUFFERS`) only when no way from a stop reads them
//!   before a call fills them again (`dead_on_resume`), and dead but where a stop past the
//!   first call resumes the loop (`MC_BATCH_LIVE_AT_STOP`) when only such ways read them
//!   (`dead_on_resume` for the loop's own calls, `live_at_stop` for other uses, followed
//!   through the whole function).

use indexmap::{IndexMap, IndexSet};
use std::collections::VecDeque;

use llvm_sys::prelude::{LLVMBasicBlockRef, LLVMValueRef};
use llvm_sys::{LLVMIntPredicate, LLVMOpcode, LLVMTypeKind};

use super::facts::{End, Gap, Step};
use super::looped::BOUNDED_TRANSFERS;
use super::period::{AtTest, PeriodAt};
use super::{conditions, Reason, Refusal};
use crate::ir;
use crate::plan::{self, ArgSource, Buffers, Carried, Entry, Least, Stop};
use crate::shim::{flags, Shim};
use crate::sites::Site;
use multicall_abi::MC_MAX_WATCHES;

/// The kernel's bound on one transfer's result (`MAX_RW_COUNT`).
const MAX_RW_COUNT: i128 = 0x7fff_f000;

/// A value on the way round as a mathematical integer: a constant, or an entry's result plus
/// a constant. The IR value it stands for is this integer in its type's width, which every
/// evaluation checks it fits (no wrapping).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sym {
    Const(i128),
    Var { entry: usize, off: i128 },
}

/// What is known of one iteration's results when no call stopped the batch, and the values of
/// the phis on the way walked so far.
#[derive(Clone)]
struct Eval {
    /// The calls of entries `0..=k`.
    calls: Vec<LLVMValueRef>,
    /// Per entry, the range of its result when it did not stop (inclusive).
    ranges: Vec<(i128, i128)>,
    /// Per entry, its result as another value when its stop makes it one (`result !=
    /// argument`: the argument).
    alias: Vec<Option<Sym>>,
    phis: IndexMap<LLVMValueRef, Option<Sym>>,
    /// The phis on the ways between the calls, with their values on those ways
    /// (`facts::Gap::on_path`).
    on_path: IndexMap<LLVMValueRef, LLVMValueRef>,
}

/// The range of a `width`-bit integer read as signed; an `i1` is a boolean, 0 or 1.
fn bounds(width: u32) -> (i128, i128) {
    if width <= 1 {
        return (0, 1);
    }
    let w = width.min(64);
    (-(1i128 << (w - 1)), (1i128 << (w - 1)) - 1)
}

impl Eval {
    /// The facts of entries `entries` (site indices `calls`) under their stops.
    fn new(
        sites: &[Site],
        entries: &[Entry],
        on_path: &IndexMap<LLVMValueRef, LLVMValueRef>,
    ) -> Option<Eval> {
        let mut ev = Eval {
            calls: Vec::new(),
            ranges: Vec::new(),
            alias: Vec::new(),
            phis: IndexMap::new(),
            on_path: on_path.clone(),
        };
        for (j, e) in entries.iter().enumerate() {
            let site = &sites[e.site];
            let ty = ir::type_of(site.call);
            if ir::type_kind(ty) != LLVMTypeKind::LLVMIntegerTypeKind {
                return None;
            }
            let (_, max) = bounds(ir::int_width(ty));
            let hi = if site.nr.is_some_and(|nr| BOUNDED_TRANSFERS.contains(&nr)) {
                MAX_RW_COUNT.min(max)
            } else if site.zero_or_error() {
                0
            } else {
                max
            };
            let (lo, alias) = match e.stop {
                Stop::Never => return None,
                Stop::Neg => (0, None),
                Stop::NonPos => (1, None),
                Stop::NeArg(k, _) => match e.args.get(usize::from(k)) {
                    Some(ArgSource::Ref(m)) if *m < j => {
                        (0, ev.alias[*m].or(Some(Sym::Var { entry: *m, off: 0 })))
                    }
                    Some(ArgSource::Value(v)) => {
                        (0, ir::const_int(*v).map(|c| Sym::Const(c.into())))
                    }
                    _ => (0, None),
                },
            };
            if lo > hi {
                return None;
            }
            ev.calls.push(site.call);
            ev.ranges.push((lo, hi));
            ev.alias.push(alias);
        }
        Some(ev)
    }

    fn range(&self, s: Sym) -> (i128, i128) {
        match s {
            Sym::Const(c) => (c, c),
            Sym::Var { entry, off } => {
                let (lo, hi) = self.ranges[entry];
                (lo + off, hi + off)
            }
        }
    }

    fn fits(&self, s: Sym, width: u32) -> bool {
        let (lo, hi) = self.range(s);
        let (min, max) = bounds(width);
        lo >= min && hi <= max
    }

    /// Records the values of the phis of `block`, entered from `from`: all at once, each
    /// the value it takes from `from` under the facts (unknown when they do not say).
    fn enter(&mut self, block: LLVMBasicBlockRef, from: LLVMBasicBlockRef) {
        let values: Vec<(LLVMValueRef, Option<Sym>)> = ir::instructions(block)
            .into_iter()
            .take_while(|&i| ir::is_phi(i))
            .map(|phi| {
                let v = ir::incoming(phi)
                    .into_iter()
                    .find(|&(_, b)| b == from)
                    .and_then(|(v, _)| self.eval(v, 0));
                (phi, v)
            })
            .collect();
        self.phis.extend(values);
    }

    /// `v` as a `Sym`, when the facts determine it.
    fn eval(&self, v: LLVMValueRef, depth: u32) -> Option<Sym> {
        if depth > 32 {
            return None;
        }
        let ty = ir::type_of(v);
        if ir::type_kind(ty) != LLVMTypeKind::LLVMIntegerTypeKind {
            return None;
        }
        let width = ir::int_width(ty);
        if let Some(c) = ir::const_int(v) {
            // An i1 `true` reads as -1 sign-extended; booleans are 0 and 1 here.
            return Some(Sym::Const(if width == 1 {
                (c & 1).into()
            } else {
                c.into()
            }));
        }
        if !ir::is_instruction(v) {
            return None;
        }
        if let Some(&s) = self.phis.get(&v) {
            return s;
        }
        if let Some(&w) = self.on_path.get(&v) {
            return self.eval(w, depth + 1);
        }
        if let Some(j) = self.calls.iter().position(|&c| c == v) {
            return Some(self.alias[j].unwrap_or(Sym::Var { entry: j, off: 0 }));
        }
        let op = |k: u32| self.eval(ir::operand(v, k), depth + 1);
        let out = match ir::opcode(v) {
            // A boolean sign-extends to -1: not the value read here.
            LLVMOpcode::LLVMSExt if ir::int_width(ir::type_of(ir::operand(v, 0))) > 1 => op(0)?,
            LLVMOpcode::LLVMZExt => {
                let s = op(0)?;
                (self.range(s).0 >= 0).then_some(s)?
            }
            LLVMOpcode::LLVMTrunc => op(0)?,
            LLVMOpcode::LLVMAdd => match (op(0)?, op(1)?) {
                (Sym::Const(a), Sym::Const(b)) => Sym::Const(a + b),
                (Sym::Var { entry, off }, Sym::Const(c))
                | (Sym::Const(c), Sym::Var { entry, off }) => Sym::Var {
                    entry,
                    off: off + c,
                },
                _ => return None,
            },
            LLVMOpcode::LLVMSub => match (op(0)?, op(1)?) {
                (Sym::Const(a), Sym::Const(b)) => Sym::Const(a - b),
                (Sym::Var { entry, off }, Sym::Const(c)) => Sym::Var {
                    entry,
                    off: off - c,
                },
                (Sym::Var { entry: e1, off: a }, Sym::Var { entry: e2, off: b }) if e1 == e2 => {
                    Sym::Const(a - b)
                }
                _ => return None,
            },
            LLVMOpcode::LLVMICmp => {
                let pred = ir::icmp_predicate(v)?;
                let w = ir::int_width(ir::type_of(ir::operand(v, 0)));
                Sym::Const(self.compare(pred, op(0)?, op(1)?, w)?.into())
            }
            // A mask of the low bits that keeps every value the facts allow: `and i64 %r,
            // 2147483647`, clang's `(long)n` of an `int n` it knows is not negative.
            LLVMOpcode::LLVMAnd if width > 1 => match (op(0)?, op(1)?) {
                (s, Sym::Const(m)) | (Sym::Const(m), s) if m >= 0 && m & (m + 1) == 0 => {
                    let (lo, hi) = self.range(s);
                    (lo >= 0 && hi <= m).then_some(s)?
                }
                // A mask whose lowest bit is above every value the facts allow: 0 (`(int)w <
                // 0` as `and i64 %w, 2147483648` == 0, for a result below 2^31).
                (s, Sym::Const(m)) | (Sym::Const(m), s) if m > 0 => {
                    let (lo, hi) = self.range(s);
                    (lo >= 0 && hi < (m & -m)).then_some(Sym::Const(0))?
                }
                _ => return None,
            },
            // `ashr (shl x, c), c`: clang's `(long)(int)x`, x itself when it fits in the
            // low `width - c` bits as a signed value.
            LLVMOpcode::LLVMAShr => {
                let (x, c) = ir::shifted_back(v)?;
                let s = self.eval(x, depth + 1)?;
                self.fits(s, width - c).then_some(s)?
            }
            LLVMOpcode::LLVMAnd | LLVMOpcode::LLVMOr | LLVMOpcode::LLVMXor if width == 1 => {
                let (Sym::Const(a), Sym::Const(b)) = (op(0)?, op(1)?) else {
                    return None;
                };
                let (a, b) = (a != 0, b != 0);
                let r = match ir::opcode(v) {
                    LLVMOpcode::LLVMAnd => a && b,
                    LLVMOpcode::LLVMOr => a || b,
                    _ => a != b,
                };
                Sym::Const(r.into())
            }
            LLVMOpcode::LLVMSelect => match op(0)? {
                Sym::Const(c) => op(if c != 0 { 1 } else { 2 })?,
                Sym::Var { .. } => return None,
            },
            _ => return None,
        };
        self.fits(out, width).then_some(out)
    }

    /// Whether `a PRED b` holds for every value the facts allow (`Some(true)`), for none
    /// (`Some(false)`), or neither (`None`).
    fn compare(&self, pred: LLVMIntPredicate, a: Sym, b: Sym, width: u32) -> Option<bool> {
        use LLVMIntPredicate::*;
        if !self.fits(a, width) || !self.fits(b, width) {
            return None;
        }
        let nonneg = self.range(a).0 >= 0 && self.range(b).0 >= 0;
        // Unsigned order is the signed one on non-negative values.
        let pred = match pred {
            LLVMIntULT | LLVMIntULE | LLVMIntUGT | LLVMIntUGE if !nonneg => return None,
            LLVMIntULT => LLVMIntSLT,
            LLVMIntULE => LLVMIntSLE,
            LLVMIntUGT => LLVMIntSGT,
            LLVMIntUGE => LLVMIntSGE,
            p => p,
        };
        // The range of a - b: exact for two offsets of one result, else the interval.
        let (lo, hi) = match (a, b) {
            (Sym::Var { entry: e1, off: x }, Sym::Var { entry: e2, off: y }) if e1 == e2 => {
                (x - y, x - y)
            }
            _ => {
                let ((la, ha), (lb, hb)) = (self.range(a), self.range(b));
                (la - hb, ha - lb)
            }
        };
        let (all, none) = match pred {
            LLVMIntEQ => (lo == 0 && hi == 0, hi < 0 || lo > 0),
            LLVMIntNE => (hi < 0 || lo > 0, lo == 0 && hi == 0),
            LLVMIntSLT => (hi < 0, lo >= 0),
            LLVMIntSLE => (hi <= 0, lo > 0),
            LLVMIntSGT => (lo > 0, hi <= 0),
            _ => (lo >= 0, hi < 0),
        };
        if all {
            Some(true)
        } else if none {
            Some(false)
        } else {
            None
        }
    }

    /// Where a terminator goes: `Ok(Some(block))`, `Ok(None)` when the facts do not tell,
    /// `Err` for a terminator that is neither a branch nor a switch.
    fn next_block(&self, term: LLVMValueRef) -> Result<Option<LLVMBasicBlockRef>, ()> {
        if let Some((cond, t, f)) = ir::conditional_branch(term) {
            return Ok(match self.eval(cond, 0) {
                Some(Sym::Const(c)) => Some(if c != 0 { t } else { f }),
                _ => None,
            });
        }
        let succ = ir::successors(term);
        match ir::opcode(term) {
            LLVMOpcode::LLVMBr if succ.len() == 1 => Ok(Some(succ[0])),
            LLVMOpcode::LLVMSwitch => {
                let value = ir::operand(term, 0);
                let Some(s) = self.eval(value, 0) else {
                    return Ok(None);
                };
                let (lo, hi) = self.range(s);
                let mut taken = None;
                for (k, &block) in succ.iter().enumerate().skip(1) {
                    // Operand 2k of a switch is the value of its case k (operand 1 the default).
                    let Some(c) = ir::const_int(ir::operand(term, 2 * k as u32)) else {
                        return Ok(None);
                    };
                    let c = i128::from(c);
                    if lo == hi && c == lo {
                        taken = Some(block);
                    } else if (lo..=hi).contains(&c) {
                        return Ok(None);
                    }
                }
                Ok(Some(taken.unwrap_or(succ[0])))
            }
            _ => Err(()),
        }
    }
}

/// The way round from the last call back to the first: the loop's header and what the batch
/// skips on the way.
pub(super) struct Round {
    /// The way from the last call to the header (its instructions, as a gap's facts).
    pub gap: Gap,
    /// The blocks entered from the last call's block up to the header, in order (the header
    /// left out).
    pub walked: Vec<LLVMBasicBlockRef>,
    /// The loop's header: the first block the way enters by a back edge (one that dominates
    /// the block it is entered from).
    pub header: LLVMBasicBlockRef,
    /// The loop's blocks (`looped::loop_blocks` of the header).
    pub blocks: Vec<LLVMBasicBlockRef>,
    /// The phis of the blocks from the header (left out) to the first call's, with their value
    /// on the way: defined before the loop.
    pub prefix: Vec<(LLVMValueRef, LLVMValueRef)>,
    /// The instructions from the header to the first call that are not phis or debug records.
    pub prefix_code: Vec<LLVMValueRef>,
    /// The blocks from the header (included) to the first call's (left out), in order.
    pub prefix_blocks: Vec<LLVMBasicBlockRef>,
    /// Whether a branch on the way from the header to the first call tests a value (the
    /// walk decided it from the iteration's results): the header of a write-all loop clang
    /// merged into the copy loop around it, `if (left == 0) read(...) else write(...)`.
    pub prefix_decides: bool,
    /// The flags the way round tests after the last call (`if (verbose) fprintf(..)`, `if
    /// (got_int || got_usr) report()`), in order, whose other ways run code the batch cannot:
    /// the batch goes the way each says and watches them (`MC_BATCH_WATCH`, or
    /// `MC_BATCH_WATCHES` for several), ending when one would go the other way.
    pub flags: Vec<FlagAt>,
    /// Branches after the last call on a condition no call's result decides and that
    /// dominates the first call (defined before the loop, checked once the loop is known):
    /// each branch, its condition, and the value under which it goes the way round.
    pub invariant: Vec<(LLVMValueRef, LLVMValueRef, bool)>,
    /// A test of a counter's remainder after the last call (`if (++blocks % 64 == 0)
    /// fprintf(..)`): the batch goes the way a remainder other than 0 takes, and runs at most
    /// the iterations up to the one in which it would go the other (`period`).
    pub period: Option<PeriodAt>,
}

/// A flag test met on the way round (`Round::flag`).
#[derive(Clone, Copy, Debug)]
pub(super) struct FlagAt {
    /// The conditional branch, its condition (`icmp eq|ne` of the load with 0) and the load.
    pub branch: LLVMValueRef,
    pub cmp: LLVMValueRef,
    pub load: LLVMValueRef,
    /// Whether the way round is the branch's true successor.
    pub round_if_true: bool,
    /// The other successor: where the original goes when the flag says so.
    pub off: LLVMBasicBlockRef,
    /// Whether the way round is the one a zero flag takes (so the batch ends on non-zero).
    pub round_on_zero: bool,
}

/// What a walk round assumed of the tests no call's result decides.
#[derive(Default)]
struct Assumed {
    flags: Vec<FlagAt>,
    invariant: Vec<(LLVMValueRef, LLVMValueRef, bool)>,
    period: Option<PeriodAt>,
}

/// Why a walk round failed, with how far it got (steps recorded) and whether it met a flag
/// test it went one way of.
struct WalkError {
    refusal: Refusal,
    steps: usize,
    flag: bool,
}

/// Follows the way from the last call (`entries[k]`, site `ck`) round to the first call
/// under the facts of `entries`' stops, recording its instructions; every branch's way must
/// be known and stay in the loop, whose header is the first block entered by a back edge.
fn walk_round(
    shim: &Shim,
    sites: &[Site],
    entries: &[Entry],
    on_path: &IndexMap<LLVMValueRef, LLVMValueRef>,
    ck: usize,
    flag_zero: bool,
) -> Result<Round, WalkError> {
    let stop = entries[entries.len() - 1].stop;
    let c0 = sites[entries[0].site].call;
    let mut steps = Vec::new();
    let mut assumed = Assumed::default();
    let fail = |refusal: Refusal, steps: &Vec<Step>, assumed: &Assumed| WalkError {
        refusal,
        steps: steps.len(),
        flag: !assumed.flags.is_empty() || !assumed.invariant.is_empty(),
    };
    let Some(mut ev) = Eval::new(sites, entries, on_path) else {
        let refusal = Refusal::new(sites[ck].call, Reason::NoStop { site: ck });
        return Err(fail(refusal, &steps, &assumed));
    };
    let mut visited = IndexSet::new();
    let mut walked = Vec::new();
    // Once the header is entered: it and the loop's blocks; then the prefix's phis and code.
    let mut found: Option<(LLVMBasicBlockRef, IndexSet<LLVMBasicBlockRef>)> = None;
    let mut prefix: Vec<(LLVMValueRef, LLVMValueRef)> = Vec::new();
    let mut prefix_code = Vec::new();
    let mut prefix_blocks = Vec::new();
    let mut prefix_decides = false;
    let mut cur = ir::next_instruction(sites[ck].call);
    loop {
        let Some(inst) = cur else {
            return Err(fail(
                Refusal::new(sites[ck].call, Reason::Malformed),
                &steps,
                &assumed,
            ));
        };
        if inst == c0 && found.is_some() {
            break;
        }
        if !ir::is_terminator(inst) {
            let f = shim.inst_flags(inst);
            if f & flags::DEBUG == 0 {
                if found.is_some() {
                    prefix_code.push(inst);
                } else {
                    steps.push(Step::Inst { inst, flags: f });
                }
            }
            cur = ir::next_instruction(inst);
            continue;
        }
        let from = ir::parent_block(inst);
        // A flag no call's result decides, after the last call: the batch goes the way
        // `flag_zero` says it has, and watches it (as many as a batch can watch).
        let flag_here = if found.is_none()
            && assumed.flags.len() < MC_MAX_WATCHES
            && assumed.period.is_none()
        {
            // A load before the loop is no flag to watch but a value set before it.
            flag_branch(inst).filter(|&(_, load, ..)| !shim.dominates(load, c0))
        } else {
            None
        };
        let next = match (ev.next_block(inst), flag_here) {
            (Ok(Some(next)), _) => next,
            (Ok(None), Some((cmp, load, true_if_zero, t, f))) => {
                // The way the other rejoins (`if (report) { .. }`), else the assumption's.
                let round_if_true =
                    quiet_side(shim, inst, t, f).unwrap_or(true_if_zero == flag_zero);
                let (way, off) = if round_if_true { (t, f) } else { (f, t) };
                steps.retain(
                    |s| !matches!(*s, Step::Inst { inst, .. } if inst == load || inst == cmp),
                );
                assumed.flags.push(FlagAt {
                    branch: inst,
                    cmp,
                    load,
                    round_if_true,
                    off,
                    round_on_zero: round_if_true == true_if_zero,
                });
                way
            }
            // A counter's remainder (`++blocks % 64 == 0`) whose quiet way is the one a
            // remainder other than 0 takes: that way, for the iterations the counter allows.
            (Ok(None), None)
                if found.is_none() && period_here(shim, inst, c0, &assumed).is_some() =>
            {
                let (Some(p), Some((_, t, f))) = (
                    period_here(shim, inst, c0, &assumed),
                    ir::conditional_branch(inst),
                ) else {
                    return Err(fail(
                        Refusal::new(inst, Reason::Malformed),
                        &steps,
                        &assumed,
                    ));
                };
                assumed.period = Some(p);
                if p.round_if_true {
                    t
                } else {
                    f
                }
            }
            // A condition that dominates the first call (one LLVM computed before the
            // loop: a flag's load hoisted out of it): the way `flag_zero` says, on the way
            // round as between the header and the first call (`if (verbose) fprintf(..)` at
            // the top of the body: there it must be set before the loop, not by its phis).
            (Ok(None), None)
                if dominating_condition(shim, inst, c0).is_some_and(|cond| match &found {
                    None => true,
                    Some((_, blocks)) => invariant_condition(cond, blocks),
                }) =>
            {
                let Some((cond, t, f)) = ir::conditional_branch(inst) else {
                    return Err(fail(
                        Refusal::new(inst, Reason::Malformed),
                        &steps,
                        &assumed,
                    ));
                };
                let value =
                    quiet_side(shim, inst, t, f).unwrap_or_else(|| assumed_value(cond, flag_zero));
                assumed.invariant.push((inst, cond, value));
                if value {
                    t
                } else {
                    f
                }
            }
            // `verbose && total % 65536 == 0`: a part set before the loop decides the test
            // (false for an `and`, true for an `or`) the way the other way comes back to.
            (Ok(None), None) if found.is_none() && deciding_part(shim, inst, c0).is_some() => {
                let Some((part, value, way)) = deciding_part(shim, inst, c0) else {
                    return Err(fail(
                        Refusal::new(inst, Reason::Malformed),
                        &steps,
                        &assumed,
                    ));
                };
                assumed.invariant.push((inst, part, value));
                way
            }
            (Ok(None), None) => {
                let refusal = Refusal::new(
                    inst,
                    Reason::ResumeUnknownWay {
                        branch: inst,
                        site: ck,
                        stop,
                    },
                );
                return Err(fail(refusal, &steps, &assumed));
            }
            // A return (or the end of the program) before coming round: the way leaves.
            (Err(()), _) if ir::successors(inst).is_empty() => {
                let refusal = Refusal::new(inst, Reason::ResumeLeaves { inst, site: ck });
                return Err(fail(refusal, &steps, &assumed));
            }
            (Err(()), _) => {
                let refusal = Refusal::new(inst, Reason::NotTwoWay { inst, a: ck, b: ck });
                return Err(fail(refusal, &steps, &assumed));
            }
        };
        if !visited.insert(next) {
            return Err(fail(Refusal::new(inst, Reason::Loops), &steps, &assumed));
        }
        if found.is_some() {
            prefix_decides |= ir::successors(inst).len() > 1;
        }
        let phis: Vec<LLVMValueRef> = ir::instructions(next)
            .into_iter()
            .take_while(|&i| ir::is_phi(i))
            .collect();
        let incoming = |phi: LLVMValueRef| {
            ir::incoming(phi)
                .into_iter()
                .find(|&(_, b)| b == from)
                .map(|(v, _)| v)
        };
        let back_edge = found.is_none()
            && ir::instructions(next)
                .first()
                .is_some_and(|&first| shim.dominates(first, inst));
        if back_edge {
            // The header: a new iteration begins, and the results walked so far are the last
            // iteration's. The loop must hold the whole way walked.
            let blocks: IndexSet<LLVMBasicBlockRef> =
                super::looped::loop_blocks(shim, next).into_iter().collect();
            let outside = std::iter::once(ir::parent_block(sites[ck].call))
                .chain(walked.iter().copied())
                .any(|b| !blocks.contains(&b));
            if outside {
                let refusal = Refusal::new(inst, Reason::ResumeLeaves { inst, site: ck });
                return Err(fail(refusal, &steps, &assumed));
            }
            // The header's phis take this iteration's values: a test of them before the first
            // call is decided by what the calls returned.
            ev.enter(next, from);
            prefix_blocks.push(next);
            found = Some((next, blocks));
        } else if let Some((_, blocks)) = &found {
            // A block between the header and the first call: its phis' values on the way
            // must be defined before the loop (or be such a value of an earlier block).
            let inside =
                |v: LLVMValueRef| ir::is_instruction(v) && blocks.contains(&ir::parent_block(v));
            prefix_blocks.push(next);
            for phi in phis {
                let v = incoming(phi)
                    .map(|v| prefix.iter().find(|&&(p, _)| p == v).map_or(v, |&(_, w)| w));
                match v {
                    Some(v) if !inside(v) => prefix.push((phi, v)),
                    _ => {
                        let first = entries[0].site;
                        let refusal = Refusal::new(phi, Reason::HeaderCode { inst: phi, first });
                        return Err(fail(refusal, &steps, &assumed));
                    }
                }
            }
        } else {
            walked.push(next);
            ev.enter(next, from);
        }
        cur = ir::instructions(next).into_iter().find(|&i| !ir::is_phi(i));
    }
    let Some((header, inside)) = found else {
        return Err(fail(Refusal::new(c0, Reason::Malformed), &steps, &assumed));
    };
    prefix_blocks.retain(|&b| b != ir::parent_block(c0));
    let gap = Gap {
        steps,
        end: End::Reached { exit_to_b: None },
        on_path: IndexMap::new(),
        rejoins: Vec::new(),
    };
    let blocks = super::looped::loop_blocks(shim, header)
        .into_iter()
        .filter(|b| inside.contains(b))
        .collect();
    Ok(Round {
        gap,
        walked,
        header,
        blocks,
        prefix,
        prefix_code,
        prefix_blocks,
        prefix_decides,
        flags: assumed.flags,
        invariant: assumed.invariant,
        period: assumed.period,
    })
}

/// The period test `branch` makes (`period::test`), when the walk has assumed no flag or
/// period yet and the test's quiet way, if it has one, is the one a remainder other than 0
/// (a total below its limit) takes. A comparison set before the first call `c0` is no
/// period test but a condition on values set before the loop (`dominating_condition`).
///
/// A comparison of two values with no quiet way is taken when one of its ways is the back
/// edge of the loop (`i < count` in a rotated loop's latch, `count > 1` for `count-- > 0`):
/// it is read the way that goes round while the value has not reached its limit, so that
/// `looped` can find a counter or a total in it; the other way leaves as the original does.
fn period_here(
    shim: &Shim,
    branch: LLVMValueRef,
    c0: LLVMValueRef,
    assumed: &Assumed,
) -> Option<PeriodAt> {
    if !assumed.flags.is_empty() || assumed.period.is_some() {
        return None;
    }
    let p = super::period::test(branch)?;
    let (_, t, f) = ir::conditional_branch(branch)?;
    let quiet = quiet_side(shim, branch, t, f);
    let AtTest::Reaches { .. } = p.test else {
        return match quiet {
            Some(quiet) if quiet != p.round_if_true => None,
            _ => Some(p),
        };
    };
    if dominating_condition(shim, branch, c0).is_some() && !compares_carried(shim, p.cmp, c0) {
        return None;
    }
    // The way round: the `if`'s quiet way, or the back edge of a carried value's test.
    let round = match quiet {
        Some(quiet) => quiet,
        None if (0..2).any(|i| carried_like(shim, ir::operand(p.cmp, i), c0)) => {
            back_way(shim, branch, t, f)?
        }
        None => return None,
    };
    [Some(p), super::period::reaches_swapped(branch)]
        .into_iter()
        .flatten()
        .find(|q| q.round_if_true == round)
}

/// Whether the comparison `cmp` has an operand that is a value carried round the loop of the
/// first call `c0` or its next value (`carried_like`: a counter the latch tests before it
/// steps, `count > 1` for `count-- > 0`, or after a step made before the call, `count - 1
/// == 0` for `while (count--)`). Such a comparison dominates the call but is no condition
/// set before the loop.
fn compares_carried(shim: &Shim, cmp: LLVMValueRef, c0: LLVMValueRef) -> bool {
    (0..2).any(|i| carried_like(shim, ir::operand(cmp, i), c0))
}

/// Whether `v` is a phi that comes back from a block after the first call `c0` as a counter
/// or a total does: itself plus a value, or minus a constant (not what is left of a
/// transfer, `n - w`, which the advancing form takes).
fn carried_phi(shim: &Shim, v: LLVMValueRef, c0: LLVMValueRef) -> bool {
    let steps = |next: LLVMValueRef| {
        ir::is_instruction(next)
            && match ir::opcode(next) {
                LLVMOpcode::LLVMAdd => (0..2).any(|i| ir::operand(next, i) == v),
                LLVMOpcode::LLVMSub => {
                    ir::operand(next, 0) == v && ir::const_int(ir::operand(next, 1)).is_some()
                }
                _ => false,
            }
    };
    ir::is_instruction(v)
        && ir::is_phi(v)
        && ir::incoming(v).iter().any(|&(next, from)| {
            steps(next) && ir::terminator(from).is_some_and(|t| shim.dominates(c0, t))
        })
}

/// Whether `v` reads as a value the loop of the first call `c0` carries: a carried phi, or
/// its next value (an `add` with it, or a constant taken from it). `looped` checks that it
/// is a counter stepping by a constant or a running total of a transfer's results. (What is
/// left going down by a result, `left - n`, is the advancing form's.)
fn carried_like(shim: &Shim, v: LLVMValueRef, c0: LLVMValueRef) -> bool {
    carried_phi(shim, v, c0)
        || (ir::is_instruction(v)
            && match ir::opcode(v) {
                LLVMOpcode::LLVMAdd => (0..2).any(|i| carried_phi(shim, ir::operand(v, i), c0)),
                LLVMOpcode::LLVMSub => {
                    carried_phi(shim, ir::operand(v, 0), c0)
                        && ir::const_int(ir::operand(v, 1)).is_some()
                }
                _ => false,
            })
}

/// Which successor of the conditional branch `branch` (`t` when true) is a back edge, going
/// to a block that comes before the branch's (its first instruction dominates the branch)
/// while the other does not. `None` when neither or both are.
fn back_way(
    shim: &Shim,
    branch: LLVMValueRef,
    t: LLVMBasicBlockRef,
    f: LLVMBasicBlockRef,
) -> Option<bool> {
    let back = |b: LLVMBasicBlockRef| {
        ir::instructions(b)
            .first()
            .is_some_and(|&first| shim.dominates(first, branch))
    };
    match (back(t), back(f)) {
        (true, false) => Some(true),
        (false, true) => Some(false),
        _ => None,
    }
}

/// The condition of the conditional branch `branch` when it dominates the first call `c0`
/// (an argument, or an instruction before it on every way there), or is a comparison of
/// such values (`verbose != 0` on a flag loaded before the loop).
fn dominating_condition(
    shim: &Shim,
    branch: LLVMValueRef,
    c0: LLVMValueRef,
) -> Option<LLVMValueRef> {
    let (cond, ..) = ir::conditional_branch(branch)?;
    set_before(shim, cond, c0).then_some(cond)
}

/// Whether the condition `v` is set before the first call `c0` on every way there: an
/// argument or an instruction that dominates it, or a comparison of such values; not a
/// constant.
fn set_before(shim: &Shim, v: LLVMValueRef, c0: LLVMValueRef) -> bool {
    let before = |v: LLVMValueRef| !ir::is_instruction(v) || shim.dominates(v, c0);
    let compared = ir::is_instruction(v)
        && ir::opcode(v) == LLVMOpcode::LLVMICmp
        && before(ir::operand(v, 0))
        && before(ir::operand(v, 1));
    !ir::is_constant(v) && (before(v) || compared)
}

/// Which successor of the conditional branch `branch` (`t` when true) is the quiet way of an
/// `if` without an `else`: the one every way from the other comes to, without going round
/// the loop (to a block the branch's block comes after) or ending, within [`QUIET_REACH`]
/// blocks. `None` when neither or both are.
fn quiet_side(
    shim: &Shim,
    branch: LLVMValueRef,
    t: LLVMBasicBlockRef,
    f: LLVMBasicBlockRef,
) -> Option<bool> {
    let all_come_to = |from: LLVMBasicBlockRef, to: LLVMBasicBlockRef| {
        let mut seen = IndexSet::new();
        let mut stack = vec![from];
        while let Some(b) = stack.pop() {
            if b == to || !seen.insert(b) {
                continue;
            }
            // Round the loop, or before it; a return; too far.
            let before = ir::instructions(b)
                .first()
                .is_some_and(|&first| shim.dominates(first, branch));
            let next = ir::successors_of(b);
            if before || next.is_empty() || seen.len() > QUIET_REACH {
                return false;
            }
            stack.extend(next);
        }
        true
    };
    match (all_come_to(t, f), all_come_to(f, t)) {
        (true, false) => Some(false),
        (false, true) => Some(true),
        _ => None,
    }
}

/// The most blocks `quiet_side` follows from one side of a test.
const QUIET_REACH: usize = 64;

/// The value a guard's condition `cond` is taken to have when the flag it tests is zero
/// (`flag_zero`) or not: a comparison of a value with 0 by what it says of the value, any
/// other condition as the flag itself (false when zero).
fn assumed_value(cond: LLVMValueRef, flag_zero: bool) -> bool {
    match ir::zero_test(cond) {
        Some((_, true)) => flag_zero,
        _ => !flag_zero,
    }
}

/// A part of the conditional branch `branch`'s condition, a logical `and` or `or`
/// (`conjunction::logic_parts`), that dominates the first call `c0` as
/// [`dominating_condition`] asks, and whose value alone decides the condition (false for an
/// `and`, true for an `or`) the way [`quiet_side`] says: the part, its value, and that way.
fn deciding_part(
    shim: &Shim,
    branch: LLVMValueRef,
    c0: LLVMValueRef,
) -> Option<(LLVMValueRef, bool, LLVMBasicBlockRef)> {
    let (cond, t, f) = ir::conditional_branch(branch)?;
    let quiet = quiet_side(shim, branch, t, f)?;
    // The condition's value on the quiet way: false takes an `and` apart, true an `or`.
    let (a, b) = super::conjunction::logic_parts(cond, !quiet)?;
    let part = [a, b].into_iter().find(|&v| set_before(shim, v, c0))?;
    Some((part, quiet, if quiet { t } else { f }))
}

/// Whether `cond` (a guard's condition) has the same value in every iteration of the loop
/// `inside`: defined before it, or computed in it by arithmetic and comparisons
/// (`ir::computed_from`) of values defined before it.
pub(super) fn invariant_condition(
    cond: LLVMValueRef,
    inside: &IndexSet<LLVMBasicBlockRef>,
) -> bool {
    ir::computed_from(cond, super::GUARD_DEPTH, &mut |v| {
        !ir::is_instruction(v) || !inside.contains(&ir::parent_block(v))
    })
}

/// The flag test `branch` makes, when it is one (`watch::flag_test`): its comparison, the
/// load, whether the condition is true on a zero flag, and its true and false successors.
#[allow(clippy::type_complexity)]
fn flag_branch(
    branch: LLVMValueRef,
) -> Option<(
    LLVMValueRef,
    LLVMValueRef,
    bool,
    LLVMBasicBlockRef,
    LLVMBasicBlockRef,
)> {
    let (cond, t, f) = ir::conditional_branch(branch)?;
    let (load, true_if_zero) = super::watch::flag_test(branch, cond)?;
    Some((cond, load, true_if_zero, t, f))
}

/// The last entry's stop and the way round for it: the first of `result < 0`, `result <=
/// 0`, `result != argument k` (an earlier result or a constant) under which the way round to
/// the first call is certain. Refuses with the walk that got furthest.
pub(super) fn way_round(
    shim: &Shim,
    sites: &[Site],
    entries: &mut [Entry],
    on_path: &IndexMap<LLVMValueRef, LLVMValueRef>,
    strengthen: bool,
) -> Result<Round, Refusal> {
    let k = entries.len() - 1;
    let ck = entries[k].site;
    let mut candidates = vec![Stop::Neg, Stop::NonPos];
    for (a, src) in entries[k].args.iter().enumerate() {
        let fixed = match src {
            ArgSource::Ref(_) => true,
            ArgSource::Value(v) => ir::const_int(*v).is_some_and(|c| c >= 0),
            ArgSource::Zero => false,
        };
        if fixed {
            candidates.push(Stop::NeArg(a as u8, Least::Zero));
        }
    }
    // The earlier calls stop where their gaps say; failing that, one of them may stop on
    // every result but its length (`result != argument`), when the way round tests that
    // result (a loop that ends after a short read: `if (n < sizeof buf) break;` after the
    // write). A stop resumes the original code right after its call, which then does what
    // the loop does, so stopping more often is always exact. With `strengthen`, only those
    // (a count of the loop's that a stronger stop decides: `decided`).
    let gap_stops: Vec<Stop> = entries[..k].iter().map(|e| e.stop).collect();
    let mut earlier: Vec<Option<(usize, Stop)>> = if strengthen { Vec::new() } else { vec![None] };
    for (i, e) in entries[..k].iter().enumerate() {
        if matches!(e.stop, Stop::NeArg(..)) {
            continue;
        }
        let stronger = stronger_stop(shim, entries, e, &sites[e.site], Least::Zero);
        earlier.extend(stronger.map(|stop| Some((i, stop))));
    }
    let mut best: Option<WalkError> = None;
    // A flag test on the way round goes the way a zero flag takes (`if (verbose) ..`), or,
    // when no walk got round so, the other (`if (!quiet) ..`).
    let mut met_flag = false;
    for flag_zero in [true, false] {
        if !flag_zero && !met_flag {
            break;
        }
        for variant in &earlier {
            for (e, &stop) in entries[..k].iter_mut().zip(&gap_stops) {
                e.stop = stop;
            }
            if let Some((i, stop)) = *variant {
                entries[i].stop = stop;
            }
            for &stop in &candidates {
                entries[k].stop = stop;
                match walk_round(shim, sites, entries, on_path, ck, flag_zero) {
                    Ok(round) => {
                        let Some((_, refusal)) =
                            conditions::safety(&round.gap, ck, entries[0].site)
                        else {
                            return Ok(round);
                        };
                        // A way a flag's or guard's value chose: the other may do.
                        let assumed = !round.flags.is_empty() || !round.invariant.is_empty();
                        if !assumed {
                            return Err(refusal);
                        }
                        met_flag = true;
                        best = Some(WalkError {
                            refusal,
                            steps: usize::MAX,
                            flag: true,
                        });
                    }
                    Err(e) => {
                        met_flag |= e.flag;
                        if best.as_ref().is_none_or(|b| e.steps >= b.steps) {
                            best = Some(e);
                        }
                    }
                }
            }
        }
    }
    for (e, &stop) in entries[..k].iter_mut().zip(&gap_stops) {
        e.stop = stop;
    }
    Err(best.map_or_else(
        || Refusal::new(sites[ck].call, Reason::NoStop { site: ck }),
        |b| b.refusal,
    ))
}

/// `result != length` for a transfer `entry` (at `site`) that stops on errors (`result <
/// 0`), on no progress (`result <= 0`) or not at all (an unchecked call, whose result the way
/// round tests later: `if (w1 != n || w2 != n)` after two writes): that stop also stops
/// wherever the entry's own does, and adds the short transfers. The length must be one that
/// no such result equals: at least 0 for `result < 0`, at least 1 for `result <= 0` (a
/// constant, a value LazyValueInfo or the branches before the call bound so: a block size
/// checked before the loop, `Shim::signed_min_at`, or the result of an earlier entry of
/// `entries` whose own stop keeps it so: a read's count that `result <= 0` stops), or any
/// other value passed as it is, which the lowering checks before the batch (`plan::Least`).
/// `required` is the least length the tests between the calls hold for (`Least::One` where
/// they were decided only for a positive one).
pub(super) fn stronger_stop(
    shim: &Shim,
    entries: &[Entry],
    entry: &Entry,
    site: &Site,
    required: Least,
) -> Option<Stop> {
    let a = super::conditions::length_argument(site)?;
    let least = match entry.stop {
        Stop::Never | Stop::Neg => 0,
        Stop::NonPos => 1,
        // Already that stop: where the tests need no more of the length than it holds for.
        Stop::NeArg(k, l) if k == a && l.value() >= required.value() => return Some(entry.stop),
        Stop::NeArg(k, _) if k == a => 1,
        Stop::NeArg(..) => return None,
    }
    .max(required.value());
    let length = match entry.args.get(usize::from(a))? {
        ArgSource::Value(v) => ir::const_int(*v).or_else(|| shim.signed_min_at(*v, site.call)),
        ArgSource::Ref(m) => match entries.get(*m)?.stop {
            Stop::Neg => Some(0),
            Stop::NonPos => Some(1),
            _ => None,
        },
        ArgSource::Zero => None,
    };
    if length.is_some_and(|c| c >= least) {
        return Some(Stop::NeArg(a, Least::Zero));
    }
    // Any other value the lowering passes as it is: checked before the batch, which runs
    // only where it is at least `least` (`plan::Least`).
    match entry.args.get(usize::from(a))? {
        ArgSource::Value(v) if !ir::is_constant(*v) => Some(Stop::NeArg(
            a,
            if least == 0 { Least::Zero } else { Least::One },
        )),
        _ => None,
    }
}

/// `v`'s value along the way round (the blocks `walked`, entered from `from`): through the
/// phis of the walked blocks, each taken on the edge the way enters it by.
pub(super) fn along_way(
    v: LLVMValueRef,
    walked: &[LLVMBasicBlockRef],
    from: LLVMBasicBlockRef,
) -> LLVMValueRef {
    let mut way = v;
    for _ in 0..=walked.len() {
        let Some(at) = ir::is_phi(way)
            .then(|| walked.iter().position(|&b| b == ir::parent_block(way)))
            .flatten()
        else {
            break;
        };
        let before = if at == 0 { from } else { walked[at - 1] };
        match ir::incoming(way).into_iter().find(|&(_, b)| b == before) {
            Some((v, _)) => way = v,
            None => break,
        }
    }
    way
}

/// The carried value of the header phi `phi` in a loop whose stops resume it, or why the
/// batch cannot carry it. The way round is what the batch runs: the value `phi` comes back
/// with is taken along it (through the phis of the blocks `walked` after the last call's block
/// `from`, by the block the walk entered each from), and must be `phi` itself (a value the way
/// round leaves alone: a flag only a stop's code sets) or `phi` plus or minus a step, which
/// `looped::step_kind` judges. Other uses of `phi` are the original code's: a stop hands it
/// `phi`'s value at the start of the iteration.
pub(super) fn carried(
    phi: LLVMValueRef,
    inside: &IndexSet<LLVMBasicBlockRef>,
    walked: &[LLVMBasicBlockRef],
    from: LLVMBasicBlockRef,
    calls: &[usize],
    sites: &[Site],
    (pins, nonneg, on_path): (
        &Pins,
        &dyn Fn(usize) -> bool,
        &IndexMap<LLVMValueRef, LLVMValueRef>,
    ),
) -> Result<Carried, String> {
    let ty = ir::type_of(phi);
    if ir::type_kind(ty) != LLVMTypeKind::LLVMIntegerTypeKind || ir::int_width(ty) > 64 {
        return Err("it is not an integer of at most 64 bits".into());
    }
    // The block the walk entered the header from: the last one walked.
    let latch = walked.last().copied().unwrap_or(from);
    let Some((next, _)) = ir::incoming(phi).into_iter().find(|&(_, b)| b == latch) else {
        return Err("it does not come back from the way round".into());
    };
    let taken = taken_on_way(walked, from);
    // Along the way round, and through the phis between the calls by the values the path
    // between them gives (`Gap::on_path`: a flag's handler that rejoins it, a merge), which
    // are theirs in every iteration the batch completes.
    let resolve = |mut v: LLVMValueRef| {
        for _ in 0..=walked.len() + on_path.len() {
            let w = super::facts::along_path(on_path, along_way(v, walked, from));
            if w == v {
                break;
            }
            v = w;
        }
        v
    };
    // A condition the stops decide, or the way round took, as it stands or at its value on
    // the path (a choice clang made by the way into a block: `phi i1 [true, ..], [%c, ..]`).
    let known = |c: LLVMValueRef| {
        let at =
            |c: LLVMValueRef| decided(c, pins, 8).or_else(|| taken.get(&c).map(|&t| i64::from(t)));
        at(c).or_else(|| Some(resolve(c)).filter(|&r| r != c).and_then(at))
    };
    let settle = |mut v: LLVMValueRef| {
        for _ in 0..8 {
            let w = resolve(past_decided_selects(resolve(v), &known));
            if w == v {
                break;
            }
            v = w;
        }
        v
    };
    let way = settle(next);
    if way == phi {
        // Left alone: a counter of step 0.
        return Ok(Carried {
            phi,
            next,
            minus: false,
            step: plan::Step::Invariant(ir::const_of(ty, 0)),
        });
    }
    // (A `next` that is no instruction, a constant the latch brings, is no value of the loop.)
    if let Some(step) = ir::is_instruction(next)
        .then(|| settled(phi, way, inside, calls, sites, pins))
        .flatten()
    {
        return Ok(Carried {
            phi,
            next,
            minus: false,
            step,
        });
    }
    let (minus, step) = match through_decided_select(phi, way, &known, &resolve) {
        Some(stepped) => stepped,
        None => match stepped_from(phi, way, &resolve) {
            Some(stepped) => stepped,
            None => super::looped::plus_minus_step(phi, way, next)?,
        },
    };
    // A step that merges the ways into the block after the calls (`n` or the block size
    // after a padding only a stop's code runs) is the value of the way round.
    let step = resolve(step);
    // A step computed from results the stops pin (`full += (r == bs)`): the same in every
    // iteration the batch completes.
    if let Some(c) = decided(step, pins, 8) {
        return Ok(Carried {
            phi,
            next,
            minus,
            step: plan::Step::Invariant(ir::const_of(ty, c)),
        });
    }
    Ok(Carried {
        phi,
        next,
        minus,
        // An entry whose stop fires on an error (every stop of a loop whose stops resume it)
        // returned no negative result in an iteration the batch completed: `and r,
        // 2147483647` of its result is the result.
        step: super::looped::step_kind(phi, step, inside, calls, sites, nonneg, &|_| None)?,
    })
}

/// The conditions of the branches the way round goes through (the blocks `walked`, entered
/// from `from`), with the value each has on it: the way every iteration a batch completes
/// takes, so a `select` on one of them chooses as the branch did (`if (w == bs) w_full++;
/// else w_partial++;` split into a branch between two stores and kept in registers).
fn taken_on_way(
    walked: &[LLVMBasicBlockRef],
    from: LLVMBasicBlockRef,
) -> IndexMap<LLVMValueRef, bool> {
    let mut taken = IndexMap::new();
    let mut prev = from;
    for &b in walked {
        if let Some((c, t, f)) = ir::terminator(prev).and_then(ir::conditional_branch) {
            if t != f && (b == t || b == f) {
                taken.insert(c, b == t);
            }
        }
        prev = b;
    }
    taken
}

/// `way` past the `select`s whose conditions the stops decide, each taken as the value it
/// chooses in every iteration a batch completes: `if (n == bs) full++; else part++;` between
/// the calls, computed on every way by `transform::flatten`, comes back as `select (n == bs),
/// full + 1, full` for one counter and `select (n == bs), part, part + 1` for the other; with
/// `n` pinned to `bs`, the first steps by one and the second is left alone.
fn past_decided_selects(
    way: LLVMValueRef,
    known: &dyn Fn(LLVMValueRef) -> Option<i64>,
) -> LLVMValueRef {
    let mut v = way;
    // A chain of selects is as long as the branches flattened into it; a bound keeps a
    // hostile chain from costing more than the walk.
    for _ in 0..8 {
        if !ir::is_instruction(v) || ir::opcode(v) != LLVMOpcode::LLVMSelect {
            break;
        }
        match known(ir::operand(v, 0)) {
            Some(c) => v = ir::operand(v, if c != 0 { 1 } else { 2 }),
            None => break,
        }
    }
    v
}

/// `way` as `phi` plus or minus a step when one operand of the `add` (`sub`: the first) is
/// `phi`'s value on the way, through the phis `resolve` follows (a running total that passed
/// the phi of a flag's rejoin between the calls).
fn stepped_from(
    phi: LLVMValueRef,
    way: LLVMValueRef,
    resolve: &dyn Fn(LLVMValueRef) -> LLVMValueRef,
) -> Option<(bool, LLVMValueRef)> {
    ir::is_instruction(way)
        .then(|| super::looped::step_of(way, |v| resolve(v) == phi))
        .flatten()
}

/// `way` as `phi` plus or minus a step when it is `add (select %c, phi, x), step` (either
/// operand order) or `sub (select %c, ..), step` whose condition the stops decide to choose
/// `phi` in every iteration a batch completes: one of two counters that clang increments
/// through a choice of both (`if (n == bs) full++; else part++;` on file-scope counters,
/// `transform::chosen_global`, then kept in registers).
fn through_decided_select(
    phi: LLVMValueRef,
    way: LLVMValueRef,
    known: &dyn Fn(LLVMValueRef) -> Option<i64>,
    resolve: &dyn Fn(LLVMValueRef) -> LLVMValueRef,
) -> Option<(bool, LLVMValueRef)> {
    if !ir::is_instruction(way) {
        return None;
    }
    let minus = match ir::opcode(way) {
        LLVMOpcode::LLVMAdd => false,
        LLVMOpcode::LLVMSub => true,
        _ => return None,
    };
    let sides: &[u32] = if minus { &[0] } else { &[0, 1] };
    sides.iter().find_map(|&k| {
        let sel = ir::operand(way, k);
        if !ir::is_instruction(sel) || ir::opcode(sel) != LLVMOpcode::LLVMSelect {
            return None;
        }
        let c = known(ir::operand(sel, 0))?;
        let chosen = ir::operand(sel, if c != 0 { 1 } else { 2 });
        (resolve(chosen) == phi).then(|| (minus, ir::operand(way, 1 - k)))
    })
}

/// `way`, the value the carried `phi` comes back with, as a value that settles after one
/// iteration (`plan::Step::Settled`): `x` itself (`last = n`) or `llvm.smin/smax/umin/umax`
/// of `phi` and `x` (`if (n < min) min = n`), where `x` is the same in every iteration a batch
/// completes: a value defined before the loop (`inside`), a constant the stops decide, or
/// the result of one of the loop's calls whose stop pins it (of the phi's type).
fn settled(
    phi: LLVMValueRef,
    way: LLVMValueRef,
    inside: &IndexSet<LLVMBasicBlockRef>,
    calls: &[usize],
    sites: &[Site],
    pins: &Pins,
) -> Option<plan::Step> {
    use plan::Settle;
    let ty = ir::type_of(phi);
    let (settle, x) = match ir::min_max(way) {
        Some(kind) => {
            let settle = match kind {
                (true, true) => Settle::SMin,
                (true, false) => Settle::SMax,
                (false, true) => Settle::UMin,
                (false, false) => Settle::UMax,
            };
            match ir::call_args(way)[..] {
                [a, b] if a == phi => (settle, b),
                [a, b] if b == phi => (settle, a),
                _ => return None,
            }
        }
        // Another intrinsic is no settling step; a call's own result is `x` itself.
        None if is_intrinsic(way) => return None,
        None => (Settle::Assign, way),
    };
    if ir::type_of(x) != ty || x == phi {
        return None;
    }
    let entry = calls.iter().position(|&c| sites[c].call == x);
    let outside = !ir::is_instruction(x) || !inside.contains(&ir::parent_block(x));
    let value = match pins.get(&x) {
        _ if outside => x,
        Some(&Pin::Equals(w)) if ir::type_of(w) == ty => w,
        _ if entry.is_some() => ir::const_of(ty, decided(x, pins, 1)?),
        _ => return None,
    };
    Some(plan::Step::Settled {
        settle,
        value,
        entry,
    })
}

/// Whether `v` is a call of an LLVM intrinsic (`llvm.*`).
fn is_intrinsic(v: LLVMValueRef) -> bool {
    ir::is_instruction(v)
        && ir::is_call(v)
        && ir::called_function(v).is_some_and(|f| ir::name(f).starts_with("llvm."))
}

/// What an entry's result is in every iteration a batch completes ([`pins`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Pin {
    /// A constant in [0, 2^31).
    Const(i64),
    /// The value the call was passed as the argument its stop tests (a block size set
    /// before the loop, `read(in, buf, bs)`): equal to it, whatever it is.
    Equals(LLVMValueRef),
    /// Equal to that value, where it is positive (`plan::Least::One`: the batch checks it):
    /// a comparison of the result with a constant that every positive value answers alike is
    /// decided (`n != 0`, `n > 0`).
    Positive(LLVMValueRef),
}

/// Pins by call.
pub(super) type Pins = IndexMap<LLVMValueRef, Pin>;

/// The results the entries' stops pin in every iteration a batch completes: an entry that
/// stops on `result != argument m` (`Stop::NeArg`) returned that argument, a constant in
/// [0, 2^31), another value (equal to it), or the pinned result of an earlier entry. By
/// call.
pub(super) fn pins(entries: &[Entry], sites: &[Site]) -> Pins {
    entries
        .iter()
        .zip(pinned_by_entry(entries))
        .filter_map(|(e, pinned)| Some((sites[e.site].call, pinned?)))
        .collect()
}

/// What each entry pins (see [`pins`]), by entry: an entry's pin depends on the entries
/// before it alone.
fn pinned_by_entry(entries: &[Entry]) -> Vec<Option<Pin>> {
    let mut by_entry: Vec<Option<Pin>> = Vec::with_capacity(entries.len());
    for e in entries {
        let pinned = match e.stop {
            Stop::NeArg(m, _) => match e.args.get(usize::from(m)) {
                Some(ArgSource::Value(v)) => match ir::const_int(*v) {
                    Some(n) => (0..1 << 31).contains(&n).then_some(Pin::Const(n)),
                    None => Some(Pin::Equals(*v)),
                },
                Some(&ArgSource::Ref(k)) => by_entry.get(k).copied().flatten(),
                _ => None,
            },
            _ => None,
        };
        by_entry.push(pinned);
    }
    by_entry
}

/// Whether `a` and `b` are equal by the pins: one is a result pinned to the other, or both
/// are pinned to one value.
fn pinned_equal(a: LLVMValueRef, b: LLVMValueRef, pins: &Pins) -> bool {
    let to = |x: LLVMValueRef| {
        let x = through_single_way(x);
        match pins.get(&x) {
            Some(&Pin::Equals(v) | &Pin::Positive(v)) => through_single_way(v),
            _ => x,
        }
    };
    a != b && to(a) == to(b)
}

/// Whether `v` is a 64-bit result pinned to a positive value (`Pin::Positive`).
fn positive(v: LLVMValueRef, pins: &Pins) -> bool {
    let v = through_single_way(v);
    ir::int_width(ir::type_of(v)) == 64 && matches!(pins.get(&v), Some(Pin::Positive(_)))
}

/// What `holds` answers for every value from 1 to `i64::MAX`, where it answers alike: a
/// comparison with a constant `c` changes its answer only next to `c` (signed or unsigned,
/// that range is one run of values in both orders).
fn same_for_positive(c: i64, holds: impl Fn(i64) -> bool) -> Option<bool> {
    let first = holds(1);
    [i64::MAX, c.saturating_sub(1), c, c.saturating_add(1)]
        .into_iter()
        .filter(|&x| x >= 1)
        .all(|x| holds(x) == first)
        .then_some(first)
}

/// `v`, or the value a phi with one way in (LCSSA form, a loop's dedicated exit) takes,
/// followed at most 8 times.
fn through_single_way(mut v: LLVMValueRef) -> LLVMValueRef {
    for _ in 0..8 {
        match ir::is_phi(v).then(|| ir::incoming(v)).as_deref() {
            Some([(w, _)]) => v = *w,
            _ => break,
        }
    }
    v
}

/// The value of the integer `v`, sign-extended to 64 bits, where it is computed by at most
/// `depth` casts, comparisons, selects, bitwise, additive and multiplicative operations and
/// shifts from constants and the pinned results `pins` alone (a comparison of a result with
/// the value it is pinned to, `n == bs`, is decided whatever that value is): `n * 2`, `n >>
/// 1`, `n / 512` of a count pinned to 4096. `None` otherwise, and where the operation has no
/// value (a division by zero, a shift by the width or more: poison).
pub(super) fn decided(v: LLVMValueRef, pins: &Pins, depth: u32) -> Option<i64> {
    use LLVMOpcode::*;
    let v = through_single_way(v);
    if let Some(c) = ir::const_int(v) {
        return Some(c);
    }
    if let Some(&Pin::Const(n)) = pins.get(&v) {
        return Some(n);
    }
    if depth == 0
        || !ir::is_instruction(v)
        || ir::type_kind(ir::type_of(v)) != LLVMTypeKind::LLVMIntegerTypeKind
    {
        return None;
    }
    let width = ir::int_width(ir::type_of(v));
    let operand = |i: u32| decided(ir::operand(v, i), pins, depth - 1);
    let value = match ir::opcode(v) {
        LLVMZExt => {
            let from = ir::int_width(ir::type_of(ir::operand(v, 0)));
            let x = operand(0)?;
            if from >= 64 {
                x
            } else {
                x & ((1i64 << from) - 1)
            }
        }
        LLVMSExt | LLVMTrunc => operand(0)?,
        LLVMICmp => {
            use LLVMIntPredicate::*;
            let pred = ir::icmp_predicate(v)?;
            match (operand(0), operand(1)) {
                (Some(a), Some(b)) => -i64::from(ir::icmp_holds(pred, a, b)),
                _ if pinned_equal(ir::operand(v, 0), ir::operand(v, 1), pins) => {
                    -i64::from(matches!(
                        pred,
                        LLVMIntEQ | LLVMIntSLE | LLVMIntSGE | LLVMIntULE | LLVMIntUGE
                    ))
                }
                (None, Some(c)) if positive(ir::operand(v, 0), pins) => {
                    -i64::from(same_for_positive(c, |x| ir::icmp_holds(pred, x, c))?)
                }
                (Some(c), None) if positive(ir::operand(v, 1), pins) => {
                    -i64::from(same_for_positive(c, |x| ir::icmp_holds(pred, c, x))?)
                }
                _ => return None,
            }
        }
        // A choice whose two values are the same, an `and` with a zero operand and an `or`
        // with an operand of all ones are decided whatever the other (`n != 0 && n < len` is
        // false where `n` is `len`, whatever `len`).
        LLVMSelect => match operand(0) {
            Some(c) if c != 0 => operand(1)?,
            Some(_) => operand(2)?,
            None => match (operand(1)?, operand(2)?) {
                (x, y) if x == y => x,
                _ => return None,
            },
        },
        LLVMXor => operand(0)? ^ operand(1)?,
        LLVMAnd => match (operand(0), operand(1)) {
            (Some(0), _) | (_, Some(0)) => 0,
            (x, y) => x? & y?,
        },
        LLVMOr => match (operand(0), operand(1)) {
            (Some(-1), _) | (_, Some(-1)) => -1,
            (x, y) => x? | y?,
        },
        LLVMAdd => operand(0)?.wrapping_add(operand(1)?),
        LLVMSub => operand(0)?.wrapping_sub(operand(1)?),
        LLVMMul => operand(0)?.wrapping_mul(operand(1)?),
        LLVMShl | LLVMLShr | LLVMAShr | LLVMUDiv | LLVMURem | LLVMSDiv | LLVMSRem => {
            let (x, y) = (operand(0)?, operand(1)?);
            // Operands as the operation reads them: unsigned ones zero-extended from the
            // width, signed ones as they are (sign-extended).
            let unsigned = |z: i64| -> u64 {
                if width >= 64 {
                    z as u64
                } else {
                    (z as u64) & ((1u64 << width) - 1)
                }
            };
            let shift = || u32::try_from(unsigned(y)).ok().filter(|&s| s < width);
            match ir::opcode(v) {
                LLVMShl => x.wrapping_shl(shift()?),
                LLVMLShr => (unsigned(x) >> shift()?) as i64,
                LLVMAShr => x >> shift()?,
                LLVMUDiv => unsigned(x).checked_div(unsigned(y))? as i64,
                LLVMURem => unsigned(x).checked_rem(unsigned(y))? as i64,
                LLVMSDiv => x.checked_div(y)?,
                _ => x.checked_rem(y)?,
            }
        }
        _ => return None,
    };
    // The low `width` bits, sign-extended (as `ir::const_int` gives a value of that width).
    Some(if width >= 64 {
        value
    } else {
        (value << (64 - width)) >> (64 - width)
    })
}

/// The phis on the ways between the calls (`on_path`, `facts::Gap::on_path`) whose value on
/// the way is an entry's result, of the result's type: `(phi, entry, first exit)`, the first
/// exit being the first entry whose call the phi dominates (a stop there or later hands the
/// result back for the phi).
pub(super) fn handed(
    shim: &Shim,
    sites: &[Site],
    entries: &[Entry],
    on_path: &IndexMap<LLVMValueRef, LLVMValueRef>,
) -> Vec<(LLVMValueRef, usize, usize)> {
    let calls: Vec<LLVMValueRef> = entries.iter().map(|e| sites[e.site].call).collect();
    let mut out = Vec::new();
    for &phi in on_path.keys() {
        let mut v = phi;
        for _ in 0..=on_path.len() {
            match on_path.get(&v) {
                Some(&w) => v = w,
                None => break,
            }
        }
        let Some(entry) = calls.iter().position(|&c| c == v) else {
            continue;
        };
        if ir::type_of(phi) != ir::type_of(v) {
            continue;
        }
        if let Some(first) = calls.iter().position(|&c| shim.dominates(phi, c)) {
            out.push((phi, entry, first));
        }
    }
    // In the function's order, not the map's: the lowering emits the hand-backs in this
    // order, and two compilations of one program give the same code.
    let place = |phi: LLVMValueRef| {
        let block = ir::parent_block(phi);
        let blocks = ir::blocks(ir::block_function(block));
        let b = blocks
            .iter()
            .position(|&x| x == block)
            .unwrap_or(usize::MAX);
        let i = ir::instructions(block)
            .iter()
            .position(|&x| x == phi)
            .unwrap_or(usize::MAX);
        (b, i)
    };
    out.sort_by_cached_key(|&(phi, _, _)| place(phi));
    out
}

/// What the lowering hands back where a stop resumes the loop after each entry's call
/// ([`needs`]).
pub(super) struct Needs {
    /// Per entry, the carried values whose next value (or value along the way round) a stop
    /// there hands back (bit `k` for `carried[k]`).
    pub nexts: Vec<u64>,
    /// `(value, entry, constant)`: a value the entries before the call decide.
    pub decided: Vec<(LLVMValueRef, usize, i64)>,
    /// `(value, entry)`: a value computed again where a stop at the entry resumes.
    pub remade: Vec<(LLVMValueRef, usize)>,
}

/// What the lowering hands back where a stop resumes the loop after each entry's call, or
/// the first value it would have to hand back and cannot: per entry, the carried values whose
/// next value, or their value along the way round (`ways`), is computed before the call (bit
/// `k` for `carried[k]`). After call `i` the original code may use, of the values its
/// iteration computed before, only the results of entries `0..=i`, the carried phis, those
/// next values, and the phis `given` back from a stop
/// at an entry from the one each names on (those between the header and the first call, from
/// entry 0; those between the calls that are a result, from the first entry they dominate),
/// values the entries before the call decide (`decided` over their `pins`), which a stop
/// there hands back as constants, and values computed from those alone by arithmetic,
/// casts, comparisons and selects (`int n = read(..)`: the result's `trunc`, used after the
/// write), which the lowering computes again where the stop resumes. The ways after a call
/// are followed up to any of `headers`.
pub(super) fn needs(
    shim: &Shim,
    sites: &[Site],
    entries: &[Entry],
    (carried, ways): (&[Carried], &[(usize, LLVMValueRef)]),
    given: &[(LLVMValueRef, usize)],
    (blocks, headers): (&[LLVMBasicBlockRef], &[LLVMBasicBlockRef]),
    on_path: &IndexMap<LLVMValueRef, LLVMValueRef>,
) -> Result<Needs, Refusal> {
    if carried.len() > 64 {
        let at = carried[64].phi;
        return Err(Refusal::new(
            at,
            Reason::LoopCarried {
                value: at,
                why: "a loop that resumes carries at most 64 values".into(),
            },
        ));
    }
    let mut out = Vec::with_capacity(entries.len());
    let mut decided_out = Vec::new();
    let mut remade = Vec::new();
    let inside: IndexSet<LLVMBasicBlockRef> = blocks.iter().copied().collect();
    // The pins of the entries before call `i`, gathered one entry at a time.
    let pinned = pinned_by_entry(entries);
    let mut before: Pins = IndexMap::new();
    for (i, e) in entries.iter().enumerate() {
        let call = sites[e.site].call;
        // The entries before this one completed their iteration's calls.
        if let Some(k) = i.checked_sub(1) {
            if let Some(n) = pinned[k] {
                before.insert(sites[entries[k].site].call, n);
            }
        }
        let block = ir::parent_block(call);
        let way_before = |k: usize| ways.iter().any(|&(j, w)| j == k && shim.dominates(w, call));
        let nexts = carried
            .iter()
            .enumerate()
            .filter(|&(k, c)| shim.dominates(c.next, call) || way_before(k))
            .fold(0u64, |bits, (k, _)| bits | 1 << k);
        let mut allowed: IndexSet<LLVMValueRef> = entries[..=i]
            .iter()
            .map(|e| sites[e.site].call)
            .chain(carried.iter().map(|c| c.phi))
            .chain(
                given
                    .iter()
                    .filter(|&&(_, first)| first <= i)
                    .map(|&(p, _)| p),
            )
            .collect();
        allowed.extend(
            carried
                .iter()
                .enumerate()
                .filter(|(k, _)| nexts & 1 << k != 0)
                .map(|(_, c)| c.next),
        );
        allowed.extend(
            ways.iter()
                .filter(|&&(k, _)| nexts & 1 << k != 0)
                .map(|&(_, w)| w),
        );
        // Where the original code goes after the call, until it comes round to the header
        // (where the batch begins, and the loop's own header when that tests first: its
        // values are computed again there, `looped::tested_header_start`).
        let after: IndexSet<LLVMValueRef> = ir::instructions(block)
            .into_iter()
            .skip_while(|&x| x != call)
            .skip(1)
            .collect();
        let mut reached = IndexSet::new();
        let mut queue: VecDeque<LLVMBasicBlockRef> = ir::successors_of(block).into();
        while let Some(b) = queue.pop_front() {
            if headers.contains(&b) || !reached.insert(b) {
                continue;
            }
            queue.extend(ir::successors_of(b));
        }
        for &b in blocks {
            for v in ir::instructions(b) {
                if allowed.contains(&v) || v == call || !shim.dominates(v, call) {
                    continue;
                }
                let used_after = ir::users(v).into_iter().any(|(user, at)| {
                    reached.contains(&at)
                        || (at == block && (ir::is_phi(user) || after.contains(&user)))
                });
                if used_after {
                    if let Some(c) = decided(v, &before, 8) {
                        decided_out.push((v, i, c));
                        continue;
                    }
                    // A phi between the calls stands for its value on the path, which the
                    // batch ran (`aliased`).
                    let known = |x: LLVMValueRef| {
                        allowed.contains(&x) || aliased(x, on_path, &allowed, &inside)
                    };
                    if super::advance::computed_from(v, &known, &inside) {
                        remade.push((v, i));
                        continue;
                    }
                    return Err(Refusal::new(
                        v,
                        Reason::ResumeNeeds {
                            value: v,
                            site: e.site,
                        },
                    ));
                }
            }
        }
        out.push(nexts);
    }
    Ok(Needs {
        nexts: out,
        decided: decided_out,
        remade,
    })
}

/// Whether `x` is a phi between the calls whose value on the path (`Gap::on_path`, followed
/// through further such phis) is one a stop hands back (`allowed`) or one defined outside the
/// loop (`inside`): where a stop resumes, the iteration went along the path, so the phi has
/// that value.
fn aliased(
    x: LLVMValueRef,
    on_path: &IndexMap<LLVMValueRef, LLVMValueRef>,
    allowed: &IndexSet<LLVMValueRef>,
    inside: &IndexSet<LLVMBasicBlockRef>,
) -> bool {
    if !ir::is_phi(x) {
        return false;
    }
    let v = super::facts::along_path(on_path, x);
    v != x
        && (allowed.contains(&v)
            || !ir::is_instruction(v)
            || !inside.contains(&ir::parent_block(v)))
}

/// Whether the buffers of a loop whose stops resume it stay dead there (its calls' buffers
/// are dead after the loop, `dead_buffers::check`, and used by nothing but the loop's calls):
/// with `MC_BATCH_DEAD_BUFFERS` the runtime may move the data in the kernel, so that where a
/// stop resumes the loop the buffer does not hold what the original's would. The original
/// code after each call must therefore not reach a call of the loop that reads a buffer (a
/// `write`) before one that fills it again (a `read`) or the loop's header (where the batch
/// runs again). The ways are followed from the call that stopped, with what its stop says of
/// its result (an error or a signal: -1; `result <= 0`: -1 or 0; `result != argument`: -1 up
/// to its bound) and what the earlier calls' say of theirs, each branch's condition narrowing
/// the result's range on the way it sends it (`if (n == 0) break; if (n < 0) ...` leaves no
/// way to the write after a read that stopped). A stop at the first call whose ways may read
/// a buffer leaves it [`Buffers::Live`]; one at a later call (a write-all loop finishing a
/// short write) [`Buffers::LiveAtStop`]: the runtime then leaves the buffer as the plain loop
/// would at such a stop (`MC_BATCH_LIVE_AT_STOP`).
pub(super) fn dead_on_resume(
    sites: &[Site],
    entries: &[Entry],
    header: LLVMBasicBlockRef,
    blocks: &[LLVMBasicBlockRef],
    on_path: &IndexMap<LLVMValueRef, LLVMValueRef>,
) -> Buffers {
    let mut late = None;
    for i in 0..entries.len() {
        match read_after_stop(sites, entries, i, header, blocks, on_path, &[], None) {
            Ok(()) => {}
            Err(why) if i == 0 => return Buffers::Live(why),
            Err(why) => {
                late.get_or_insert(why);
            }
        }
    }
    match late {
        Some(why) => Buffers::LiveAtStop(why),
        None => Buffers::Dead,
    }
}

/// The buffers of a loop whose stops resume it, used by code other than the loop's calls
/// (`others`, from `dead_buffers::uses`: each only reads or writes through the address, which
/// does not escape), such as the second `write` of a write-all loop that finishes a short
/// write. They are [`Buffers::LiveAtStop`] when no way from a stop at the first call (end of
/// input, a read error) reaches such a use, or a call of the loop that reads a buffer,
/// before a call fills them again or the loop's header: the runtime leaves a buffer as the
/// plain loop would everywhere but there (`MC_BATCH_LIVE_AT_STOP`). The ways are followed
/// inside the loop as [`dead_on_resume`] does, then, once they leave it, through every block
/// the function may reach. A static buffer (`is_static`) outlives the call: the function may
/// return and run again, so the ways from its entry block are followed too.
#[allow(clippy::too_many_arguments)]
pub(super) fn live_at_stop(
    sites: &[Site],
    entries: &[Entry],
    header: LLVMBasicBlockRef,
    blocks: &[LLVMBasicBlockRef],
    on_path: &IndexMap<LLVMValueRef, LLVMValueRef>,
    others: &[LLVMValueRef],
    is_static: bool,
    why: String,
) -> Buffers {
    let again = is_static.then(|| ir::entry_block(ir::block_function(header)));
    match read_after_stop(sites, entries, 0, header, blocks, on_path, others, again) {
        Ok(()) => Buffers::LiveAtStop(why),
        Err(way) => Buffers::Live(way),
    }
}

/// Whether the original code after a stop at entry `i` may read a buffer before it is filled
/// again ([`dead_on_resume`]): `Err` with the way. With `others` (uses of the buffers besides
/// the loop's calls), they count as reads too, and the ways that leave the loop are followed
/// on through the function; `again` (a block where the function may run again) is followed
/// as one of them.
#[allow(clippy::too_many_arguments)]
fn read_after_stop(
    sites: &[Site],
    entries: &[Entry],
    i: usize,
    header: LLVMBasicBlockRef,
    blocks: &[LLVMBasicBlockRef],
    on_path: &IndexMap<LLVMValueRef, LLVMValueRef>,
    others: &[LLVMValueRef],
    again: Option<LLVMBasicBlockRef>,
) -> Result<(), String> {
    /// The states followed for one stop at most: a way the bound cuts short counts as one
    /// that reads the buffer.
    const MAX_STATES: usize = 256;
    let inside: IndexSet<LLVMBasicBlockRef> = blocks.iter().copied().collect();
    let writes = |e: &Entry| {
        sites[e.site]
            .nr
            .and_then(syscluster_profile::catalogue::by_nr)
            .is_some_and(|s| s.args.iter().any(|k| k.may_write_memory()))
    };
    let fills: IndexSet<LLVMValueRef> = entries
        .iter()
        .filter(|e| writes(e))
        .map(|e| sites[e.site].call)
        .collect();
    let reads: IndexSet<LLVMValueRef> = entries
        .iter()
        .filter(|e| !writes(e))
        .map(|e| sites[e.site].call)
        .chain(others.iter().copied())
        .collect();
    let reached = |inst: LLVMValueRef| {
        format!(
            "after a stop at {}, the original code may reach {}, which reads the buffer",
            sites[entries[i].site].label(),
            ir::describe(inst)
        )
    };
    // Blocks outside the loop the ways reach (followed only with `others`).
    let mut outside: Vec<LLVMBasicBlockRef> = again.into_iter().collect();
    // A local buffer's lifetime markers end what it holds: a way that comes to one reads
    // nothing the batch left (a copy loop inlined into a loop over files).
    let local = super::dead_buffers::one_local_buffer(entries, sites);
    let ends = |inst: LLVMValueRef| {
        local.is_some_and(|base| super::dead_buffers::ends_contents(inst, base))
    };
    let e = &entries[i];
    let call = sites[e.site].call;
    let Some(mut ev) = Eval::new(sites, &entries[..=i], on_path) else {
        return Err(format!(
            "the stop of {} says nothing of its result",
            sites[e.site].label()
        ));
    };
    // What the stop that fired says of the result, as the program sees it: -1 on an
    // error (errno set), else its value.
    let (_, hi) = ev.ranges[i];
    ev.ranges[i] = match e.stop {
        Stop::Neg => (-1, -1),
        Stop::NonPos => (-1, 0),
        Stop::NeArg(..) | Stop::Never => (-1, hi),
    };
    ev.alias[i] = None;
    let block = ir::parent_block(call);
    let after = ir::instructions(block)
        .into_iter()
        .skip_while(|&x| x != call)
        .skip(1)
        .collect::<Vec<_>>();
    let mut todo: Vec<(Vec<LLVMValueRef>, Eval)> = vec![(after, ev)];
    let mut states = 0;
    while let Some((insts, ev)) = todo.pop() {
        states += 1;
        if states > MAX_STATES {
            return Err(format!(
                "the ways on after a stop at {} are too many to follow",
                sites[e.site].label()
            ));
        }
        for inst in insts {
            if reads.contains(&inst) {
                return Err(reached(inst));
            }
            if fills.contains(&inst) {
                break;
            }
            if !ir::is_terminator(inst) {
                continue;
            }
            let from = ir::parent_block(inst);
            for (next, ev) in ev.ways_on(inst) {
                if next == header {
                    continue;
                }
                if !inside.contains(&next) {
                    if !others.is_empty() {
                        outside.push(next);
                    }
                    continue;
                }
                let mut ev = ev;
                ev.enter(next, from);
                let rest = ir::instructions(next)
                    .into_iter()
                    .filter(|&i| !ir::is_phi(i))
                    .collect();
                todo.push((rest, ev));
            }
        }
    }
    // Outside the loop every way is followed, each block once.
    let mut seen: IndexSet<LLVMBasicBlockRef> = IndexSet::new();
    'blocks: while let Some(block) = outside.pop() {
        if block == header || !seen.insert(block) {
            continue;
        }
        for inst in ir::instructions(block) {
            if reads.contains(&inst) {
                return Err(reached(inst));
            }
            if fills.contains(&inst) || ends(inst) {
                continue 'blocks;
            }
        }
        outside.extend(ir::successors_of(block));
    }
    Ok(())
}

impl Eval {
    /// The ways a terminator may go under the facts, each with the facts narrowed by the
    /// branch's condition where it compares a result (plus a constant) with a constant.
    fn ways_on(&self, term: LLVMValueRef) -> Vec<(LLVMBasicBlockRef, Eval)> {
        if let Ok(Some(next)) = self.next_block(term) {
            return vec![(next, self.clone())];
        }
        if ir::opcode(term) == LLVMOpcode::LLVMSwitch {
            if let Some(ways) = self.switch_ways(term) {
                return ways;
            }
        }
        let Some((cond, t, f)) = ir::conditional_branch(term) else {
            return ir::successors(term)
                .into_iter()
                .map(|s| (s, self.clone()))
                .collect();
        };
        [(t, true), (f, false)]
            .into_iter()
            .filter_map(|(s, holds)| self.narrowed(cond, holds).map(|ev| (s, ev)))
            .collect()
    }

    /// The ways a `switch` on a result (plus a constant) may go: each case the result's range
    /// holds, with the result pinned to it, and the default where a value of the range is
    /// no case (`switch i32 %n, [0, -1]` after a stop at `result <= 0` leaves no default).
    /// `None` when the switch is on something else.
    fn switch_ways(&self, term: LLVMValueRef) -> Option<Vec<(LLVMBasicBlockRef, Eval)>> {
        let Some(Sym::Var { entry, off }) = self.eval(ir::operand(term, 0), 0) else {
            return None;
        };
        let succ = ir::successors(term);
        let (mut lo, mut hi) = self.ranges[entry];
        let mut cases = Vec::with_capacity(succ.len());
        let mut ways = Vec::new();
        for (k, &block) in succ.iter().enumerate().skip(1) {
            // Operand 2k of a switch is the value of its case k (operand 1 the default).
            let c = i128::from(ir::const_int(ir::operand(term, 2 * k as u32))?) - off;
            cases.push(c);
            if (lo..=hi).contains(&c) {
                let mut ev = self.clone();
                ev.ranges[entry] = (c, c);
                ways.push((block, ev));
            }
        }
        // The default takes what no case does: the range without the cases at its ends.
        while lo <= hi && cases.contains(&lo) {
            lo += 1;
        }
        while lo <= hi && cases.contains(&hi) {
            hi -= 1;
        }
        if lo <= hi {
            let mut ev = self.clone();
            ev.ranges[entry] = (lo, hi);
            ways.push((succ[0], ev));
        }
        Some(ways)
    }

    /// The facts where `cond` is `holds`, or `None` when no value the facts allow makes it so.
    fn narrowed(&self, cond: LLVMValueRef, holds: bool) -> Option<Eval> {
        use LLVMIntPredicate::*;
        let mut out = self.clone();
        let Some(pred) = ir::icmp_predicate(cond) else {
            return Some(out);
        };
        let (l, r) = (
            self.eval(ir::operand(cond, 0), 0),
            self.eval(ir::operand(cond, 1), 0),
        );
        let (entry, off, c, swapped) = match (l, r) {
            (Some(Sym::Var { entry, off }), Some(Sym::Const(c))) => (entry, off, c, false),
            (Some(Sym::Const(c)), Some(Sym::Var { entry, off })) => (entry, off, c, true),
            _ => return Some(out),
        };
        // The predicate as `result PRED k` (k = c - off), on the way taken.
        let pred = if swapped {
            ir::swapped_predicate(pred)
        } else {
            pred
        };
        let pred = if holds {
            pred
        } else {
            ir::inverse_predicate(pred)
        };
        let k = c - off;
        let (lo, hi) = out.ranges[entry];
        let (lo, hi) = match pred {
            LLVMIntEQ => (lo.max(k), hi.min(k)),
            LLVMIntNE if lo == k => (lo + 1, hi),
            LLVMIntNE if hi == k => (lo, hi - 1),
            LLVMIntSLT => (lo, hi.min(k - 1)),
            LLVMIntSLE => (lo, hi.min(k)),
            LLVMIntSGT => (lo.max(k + 1), hi),
            LLVMIntSGE => (lo.max(k), hi),
            // Unsigned orders narrow nothing here.
            _ => (lo, hi),
        };
        if lo > hi {
            return None;
        }
        out.ranges[entry] = (lo, hi);
        Some(out)
    }
}
