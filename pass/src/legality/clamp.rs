//! Counts clamped to a constant in whole loops (`plan::Clamped`): a transfer of a known
//! length in chunks of at most `B` bytes, `read(fd, buf, min(left, B))`, `sendfile(out, in,
//! &off, min(left, B))`, `left -= n`, which clang gives as `llvm.umin` (or `llvm.smin`) of
//! the total `left` and `B` (of an `int` total: a 32-bit `min` extended to 64 bits).
//!
//! The count left may also be the distance of a total that goes up to a limit `S` defined
//! before the loop: `while (got < size) { n = read(fd, buf, min(size - got, B)); ...; got +=
//! n; }`, `min(S - got, B)`. Then `S - got` plays the part of `left` (it goes down by the same
//! results), and the loop's test must be `got < S` (signed or unsigned): at the batch's start
//! it held (the batch begins after it, or after the guard a rotation copies before the loop),
//! so `S - got` there is the exact distance, and while it stays at least `B` the test goes on.
//!
//! A looped batch runs every iteration with the same count, and `min(left, B)` changes only
//! when `left` falls below `B`. So the batch passes `B` for at most `left / B` iterations
//! from `left >= B`: each call moves at most its count, so `left` is still at least `B` when
//! each of them starts. The loop's own test on `left` must go on for every value from `B`
//! on (`left > 0`, `left != 0`), so that the batch never runs an iteration the original
//! would not; after the batch the lowering asks the test again, and from `left < B` the
//! original code runs the last chunk.
//!
//! `left` may go down by the result of a later call that stops the batch unless its result
//! is the clamped call's (`n = read(in, buf, min(left, B)); if (write(out, buf, n) != n)
//! break; left -= w;`, where clang -O1 keeps `w`): in every iteration that completes the two
//! results are one value, so `left` goes down by the clamped call's result as well.

use indexmap::IndexSet;

use llvm_sys::prelude::{LLVMBasicBlockRef, LLVMValueRef};
use llvm_sys::{LLVMIntPredicate, LLVMOpcode, LLVMTypeKind};

use super::advance::passed_as;
use crate::ir;
use crate::plan::{ArgSource, Bounded, Carried, Cast, Clamped, Entry, Step, Stop};
use crate::sites::Site;

/// `min(phi, cap)` (or `min(S - phi, cap)`) as `clamp_of` finds it.
pub(super) struct Clamp {
    pub phi: LLVMValueRef,
    pub cap: u64,
    pub signed: bool,
    /// For a 32-bit total, the `min` call the argument extends.
    pub part: Option<LLVMValueRef>,
    /// For `min(S - phi, cap)`: `S` and the `sub`.
    pub remaining: Option<(LLVMValueRef, LLVMValueRef)>,
}

/// `S - phi` of a 64-bit phi of `header`, used by nothing but `user`: (phi, S).
fn remaining_of(
    v: LLVMValueRef,
    header: LLVMBasicBlockRef,
    user: LLVMValueRef,
) -> Option<(LLVMValueRef, LLVMValueRef)> {
    if !ir::is_instruction(v)
        || ir::opcode(v) != LLVMOpcode::LLVMSub
        || ir::parent_block(v) != ir::parent_block(user)
        || ir::value_users(v) != [user]
    {
        return None;
    }
    let (limit, phi) = (ir::operand(v, 0), ir::operand(v, 1));
    let is_phi = ir::is_instruction(phi)
        && ir::is_phi(phi)
        && ir::parent_block(phi) == header
        && ir::int_width(ir::type_of(phi)) == 64;
    is_phi.then_some((phi, limit))
}

/// The `min` of a phi of `header` (or of `S - phi`, 64 bits) and a constant between 1 and
/// the type's largest signed value that `call` computes: `llvm.umin` or `llvm.smin` of 32 or
/// 64 bits (as a `Clamp` without `part`).
fn min_of(call: LLVMValueRef, header: LLVMBasicBlockRef) -> Option<Clamp> {
    if !ir::is_instruction(call) || !ir::is_call(call) {
        return None;
    }
    let callee = ir::name(ir::called_function(call)?);
    let (signed, width) = match callee.as_str() {
        "llvm.umin.i64" => (false, 64),
        "llvm.smin.i64" => (true, 64),
        "llvm.umin.i32" => (false, 32),
        "llvm.smin.i32" => (true, 32),
        _ => return None,
    };
    let args = ir::call_args(call);
    let (phi, cap) = match (ir::const_int(args[0]), ir::const_int(args[1])) {
        (None, Some(c)) => (args[0], c),
        (Some(c), None) => (args[1], c),
        _ => return None,
    };
    let (phi, remaining) = match remaining_of(phi, header, call) {
        Some((total, limit)) if width == 64 => (total, Some((limit, phi))),
        _ => (phi, None),
    };
    let is_phi = ir::is_instruction(phi)
        && ir::is_phi(phi)
        && ir::parent_block(phi) == header
        && ir::type_kind(ir::type_of(phi)) == LLVMTypeKind::LLVMIntegerTypeKind
        && ir::int_width(ir::type_of(phi)) == width;
    // The constant as the type's signed value (const_int sign-extends it).
    let top = if width == 64 {
        i64::MAX
    } else {
        i64::from(i32::MAX)
    };
    (is_phi && cap > 0 && cap <= top).then_some(Clamp {
        phi,
        cap: cap as u64,
        signed,
        part: None,
        remaining,
    })
}

/// The clamp the argument `inst` computes: `llvm.umin.i64` or `llvm.smin.i64` of a phi of
/// `header` and a constant between 1 and `i64::MAX`, or a 32-bit one of an `int` total
/// extended to 64 bits (`zext` or `sext`), used by the extension alone.
pub(super) fn clamp_of(inst: LLVMValueRef, header: LLVMBasicBlockRef) -> Option<Clamp> {
    if !ir::is_instruction(inst) {
        return None;
    }
    let widened = match ir::opcode(inst) {
        LLVMOpcode::LLVMZExt | LLVMOpcode::LLVMSExt if ir::int_width(ir::type_of(inst)) == 64 => {
            Some(ir::operand(inst, 0))
        }
        _ => None,
    };
    match widened {
        Some(part) => {
            let clamp = min_of(part, header)?;
            // Either extension gives the cap itself (at most i32::MAX) where the min is it.
            (ir::int_width(ir::type_of(part)) == 32
                && ir::users(part).len() == 1
                && clamp.remaining.is_none())
            .then_some(Clamp {
                part: Some(part),
                ..clamp
            })
        }
        None => min_of(inst, header).filter(|_| ir::int_width(ir::type_of(inst)) == 64),
    }
}

/// Whether `inst` computes a clamp's argument (`clamp_of`), its 32-bit `min`, or the count
/// left `S - phi` it clamps.
pub(super) fn in_clamp(inst: LLVMValueRef, header: LLVMBasicBlockRef) -> bool {
    clamp_of(inst, header).is_some()
        || is_clamp_part(inst, header)
        || ir::value_users(inst)
            .first()
            .and_then(|&user| clamp_of(user, header))
            .is_some_and(|c| c.remaining.is_some_and(|(_, sub)| sub == inst))
}

/// Whether `inst` is the 32-bit `min` of a clamp (`Clamp::part`) whose extension is in
/// `header` too.
fn is_clamp_part(inst: LLVMValueRef, header: LLVMBasicBlockRef) -> bool {
    min_of(inst, header).is_some()
        && ir::users(inst).into_iter().any(|(user, _)| {
            ir::parent_block(user) == ir::parent_block(inst)
                && clamp_of(user, header).is_some_and(|c| c.part == Some(inst))
        })
}

/// The argument of a transfer call that counts the bytes it moves, when its result is at
/// most that argument: 2 for `read`, `write`, `pread64`, `pwrite64`, `sendto` and
/// `recvfrom` (without `MSG_TRUNC`, `advance::counted_transfer`), 3 for `sendfile`, 4 for
/// `splice` and `copy_file_range`.
fn count_argument(e: &Entry, sites: &[Site]) -> Option<usize> {
    const SENDFILE: u32 = 40;
    const SPLICE: u32 = 275;
    const COPY_FILE_RANGE: u32 = 326;
    match sites[e.site].nr? {
        SENDFILE => Some(3),
        SPLICE | COPY_FILE_RANGE => Some(4),
        _ => super::advance::counted_transfer(e, sites).then_some(2),
    }
}

/// The clamped counts `insts` (each `clamp_of` one), as the loop's carried values and
/// entries make them: `Err((inst, why))` names the first that is not. `stop_of(e)` is entry
/// `e`'s stop in the batch (the last one's is the loop's test of its result): a completed
/// iteration's result is not negative when it fires on every error.
pub(super) fn clamped(
    insts: &[LLVMValueRef],
    header: LLVMBasicBlockRef,
    inside: &IndexSet<LLVMBasicBlockRef>,
    carried: &[Carried],
    entries: &[Entry],
    sites: &[Site],
    stop_of: &dyn Fn(usize) -> Stop,
) -> Result<Vec<Clamped>, (LLVMValueRef, String)> {
    let mut out = Vec::new();
    for &inst in insts {
        let Some(clamp) = clamp_of(inst, header) else {
            continue;
        };
        let name = ir::value_name(clamp.phi);
        let Some(k) = carried.iter().position(|c| c.phi == clamp.phi) else {
            let why = format!("{name} is not a total the loop carries");
            return Err((inst, why));
        };
        let c = &carried[k];
        // A 64-bit total of the raw result, or an `int` one of the result cut to 32 bits
        // (exact: a completed iteration's result is between 0 and the cap).
        let width = ir::int_width(ir::type_of(clamp.phi));
        if let Some((limit, _)) = clamp.remaining {
            if ir::is_instruction(limit) && inside.contains(&ir::parent_block(limit)) {
                let why = format!(
                    "the limit {} of the count left is computed in the loop",
                    ir::operand_name(limit)
                );
                return Err((inst, why));
            }
        }
        // Down by the result (`left`), or up towards the limit (`S - v`).
        let down = clamp.remaining.is_none();
        let entry = match &c.step {
            Step::Result { entry, casts } if c.minus == down && casts.is_empty() && width == 64 => {
                *entry
            }
            Step::Result { entry, casts }
                if c.minus && width == 32 && matches!(casts[..], [(Cast::Trunc, _)]) =>
            {
                *entry
            }
            _ => {
                let why = if down {
                    format!("{name} does not go down by a call's result")
                } else {
                    format!("{name} does not go up by a call's result")
                };
                return Err((inst, why));
            }
        };
        let label = sites[entries[entry].site].label();
        // The call whose count the clamp is: the one whose result the total goes by, or an
        // earlier one whose result that call's result equals in every completed iteration.
        let counts = |k: usize| {
            count_argument(&entries[k], sites).is_some_and(|arg| {
                // Passed elsewhere too (the write of what was read, `write(out, buf, chunk)`),
                // it is the cap there as well.
                passed_as(entries, inst).contains(&(k, arg))
                    && entries[k].args.get(arg) == Some(&ArgSource::Value(inst))
            })
        };
        let Some(counted) = same_results(entries, stop_of, entry)
            .into_iter()
            .find(|&k| counts(k))
        else {
            let why = if count_argument(&entries[entry], sites).is_none() {
                format!("{label}, whose result {name} goes down by, is not a transfer that moves at most its count")
            } else {
                format!("it is not the count of {label}, whose result {name} goes down by")
            };
            return Err((inst, why));
        };
        let nonneg = |e: usize| stop_of(e).stops_on_error();
        if !nonneg(entry) && !nonneg(counted) {
            let why = format!("{label} does not stop the batch on every error, so {name} may grow");
            return Err((inst, why));
        }
        out.push(Clamped {
            inst,
            carried: k,
            cap: clamp.cap,
            signed: clamp.signed,
            part: clamp.part,
            remaining: clamp.remaining,
        });
    }
    Ok(out)
}

/// Entry `entry` and the earlier entries whose result its own equals in every iteration that
/// completes: an entry that stops unless its result is an argument that is an earlier
/// entry's result (`write(out, buf, n)` stopping on `w != n`, `n` the read's count) has that
/// entry's result, and so on back.
fn same_results(entries: &[Entry], stop_of: &dyn Fn(usize) -> Stop, entry: usize) -> Vec<usize> {
    let mut out = vec![entry];
    let mut k = entry;
    while let Some(e) = entries.get(k) {
        let Stop::NeArg(a, _) = stop_of(k) else {
            break;
        };
        match e.args.get(usize::from(a)) {
            Some(&ArgSource::Ref(j)) if j < k => {
                out.push(j);
                k = j;
            }
            _ => break,
        }
    }
    out
}

/// Whether the loop's `test` (true goes on when `goes_on`) is on a clamped total (its next
/// value when `rotated`) against a constant, and goes on for every value from the cap on
/// (`Clamped::test_holds`): then the batch's bound keeps it true, and it needs no until
/// bit. A signed test makes the clamp's range signed.
pub(super) fn clamp_test(
    test: LLVMValueRef,
    goes_on: bool,
    rotated: bool,
    clamped: &mut [Clamped],
    carried: &[Carried],
) -> bool {
    if !ir::is_instruction(test) || ir::opcode(test) != LLVMOpcode::LLVMICmp {
        return false;
    }
    let Some(pred) = ir::icmp_predicate(test) else {
        return false;
    };
    let (lhs, rhs) = (ir::operand(test, 0), ir::operand(test, 1));
    for cl in clamped.iter_mut() {
        let c = &carried[cl.carried];
        let v = if rotated { c.next } else { c.phi };
        // Up to a limit: the test must be `v < S` (it held where the batch begins, and holds
        // while `S - v` is at least the cap); a signed test makes the clamp's range signed.
        if let Some((limit, _)) = cl.remaining {
            let pred = if goes_on {
                pred
            } else {
                ir::inverse_predicate(pred)
            };
            let below = match (lhs == v && rhs == limit, lhs == limit && rhs == v) {
                (true, _) => Some(pred),
                (_, true) => Some(ir::swapped_predicate(pred)),
                _ => None,
            };
            match below {
                Some(LLVMIntPredicate::LLVMIntSLT) => {
                    cl.signed = true;
                    return true;
                }
                Some(LLVMIntPredicate::LLVMIntULT) => return true,
                Some(_) => return false,
                None => continue,
            }
        }
        let (pred, k) = if lhs == v {
            (pred, rhs)
        } else if rhs == v {
            (ir::swapped_predicate(pred), lhs)
        } else {
            continue;
        };
        let Some(k) = ir::const_int(k) else {
            return false;
        };
        let pred = if goes_on {
            pred
        } else {
            ir::inverse_predicate(pred)
        };
        let signed = cl.signed
            || matches!(
                pred,
                LLVMIntPredicate::LLVMIntSGT | LLVMIntPredicate::LLVMIntSGE
            );
        let width = ir::int_width(ir::type_of(v));
        if Clamped::test_holds(pred, k as u64, cl.cap, signed, width) {
            cl.signed = signed;
            return true;
        }
        return false;
    }
    false
}

/// A running total bounded by the loop's test (`plan::Bounded`): `test` (true goes on when
/// `goes_on`) is `v < S`, or `v <= K` for a constant `K` below the type's largest value
/// (`S = K + 1`), on a carried 64-bit total (its next value when `rotated`) that goes up by
/// the raw result of a transfer whose count is a constant from 1 to `i64::MAX`, which stops
/// the batch on every error (`nonneg`), `S` defined before the loop (`inside`). Or the
/// bytes left going down by that result, tested `v > S`, or `v >= K` for a constant `K`
/// above the type's least value (`S = K - 1`), or `v != 0` (unsigned `v > 0`).
#[allow(clippy::too_many_arguments)]
pub(super) fn bounded_test(
    test: LLVMValueRef,
    goes_on: bool,
    rotated: bool,
    carried: &[Carried],
    entries: &[Entry],
    sites: &[Site],
    inside: &IndexSet<LLVMBasicBlockRef>,
    nonneg: &dyn Fn(usize) -> bool,
) -> Option<Bounded> {
    use LLVMIntPredicate::*;
    if !ir::is_instruction(test) || ir::opcode(test) != LLVMOpcode::LLVMICmp {
        return None;
    }
    let pred = ir::icmp_predicate(test)?;
    let pred = if goes_on {
        pred
    } else {
        ir::inverse_predicate(pred)
    };
    let (lhs, rhs) = (ir::operand(test, 0), ir::operand(test, 1));
    let outside =
        |x: LLVMValueRef| !ir::is_instruction(x) || !inside.contains(&ir::parent_block(x));
    carried.iter().enumerate().find_map(|(k, c)| {
        let v = if rotated { c.next } else { c.phi };
        // `v pred other`, normalised.
        let (pred, other) = if lhs == v {
            (pred, rhs)
        } else if rhs == v {
            (ir::swapped_predicate(pred), lhs)
        } else {
            return None;
        };
        if !outside(other) || ir::int_width(ir::type_of(v)) != 64 {
            return None;
        }
        // `v <= K` is `v < K + 1` for a constant K below the largest value, `v >= K` is
        // `v > K - 1` for one above the least.
        let by_one = |signed: bool, up: bool| {
            let kk = ir::const_int(other)?;
            let fits = match (signed, up) {
                (true, true) => kk < i64::MAX,
                (false, true) => kk != -1,
                (true, false) => kk > i64::MIN,
                (false, false) => kk != 0,
            };
            let step = if up { 1 } else { -1 };
            fits.then(|| ir::const_of(ir::type_of(v), kk.wrapping_add(step)))
        };
        let (signed, limit, down) = match pred {
            LLVMIntSLT => (true, other, false),
            LLVMIntULT => (false, other, false),
            LLVMIntSLE => (true, by_one(true, true)?, false),
            LLVMIntULE => (false, by_one(false, true)?, false),
            LLVMIntSGT => (true, other, true),
            LLVMIntUGT => (false, other, true),
            LLVMIntSGE => (true, by_one(true, false)?, true),
            LLVMIntUGE => (false, by_one(false, false)?, true),
            // `v != 0` is `v > 0` unsigned.
            LLVMIntNE if ir::const_int(other) == Some(0) => (false, other, true),
            _ => return None,
        };
        let Step::Result { entry, casts } = &c.step else {
            return None;
        };
        if c.minus != down || !casts.is_empty() || !nonneg(*entry) {
            return None;
        }
        let e = entries.get(*entry)?;
        let arg = count_argument(e, sites)?;
        let cap = match e.args.get(arg) {
            Some(ArgSource::Value(x)) => ir::const_int(*x).filter(|&b| b > 0)?,
            _ => return None,
        };
        Some(Bounded {
            carried: k,
            cap: cap as u64,
            signed,
            limit,
            down,
        })
    })
}

/// Whether a latch of the loop headed by `header` (blocks `inside`) tests a total's next value
/// against a value defined before the loop: `add` of one of the header's phis and a value
/// that is not a constant (a total going up), or `sub` of such a value from the phi (the
/// bytes left going down): a loop that `bounded_test` may take.
pub(super) fn tests_total(header: LLVMBasicBlockRef, inside: &IndexSet<LLVMBasicBlockRef>) -> bool {
    let header_phi =
        |x: LLVMValueRef| ir::is_instruction(x) && ir::is_phi(x) && ir::parent_block(x) == header;
    super::counted::latch_compares(header, inside, |v| {
        if !ir::is_instruction(v) {
            return false;
        }
        let by_variable = || (0..2).all(|k| ir::const_int(ir::operand(v, k)).is_none());
        match ir::opcode(v) {
            LLVMOpcode::LLVMAdd => (0..2).any(|k| header_phi(ir::operand(v, k))) && by_variable(),
            LLVMOpcode::LLVMSub => header_phi(ir::operand(v, 0)) && by_variable(),
            _ => false,
        }
    })
}
