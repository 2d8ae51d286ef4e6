//! Counts clamped to a constant in whole loops (`plan::Clamped`): a transfer of a known
//! length in chunks of at most `B` bytes, `read(fd, buf, min(left, B))`, `sendfile(out, in,
//! &off, min(left, B))`, `left -= n`, which clang gives as `llvm.umin` (or `llvm.smin`) of
//! the total `left` and `B` (of an `int` total: a 32-bit `min` extended to 64 bits).
//!
//! A looped batch runs every iteration with the same count, and `min(left, B)` changes only
//! when `left` falls below `B`. So the batch passes `B` for at most `left / B` iterations
//! from `left >= B`: each call moves at most its count, so `left` is still at least `B` when
//! each of them starts. The loop's own test on `left` must go on for every value from `B`
//! on (`left > 0`, `left != 0`), so that the batch never runs an iteration the original
//! would not; after the batch the lowering asks the test again, and from `left < B` the
//! original code runs the last chunk.

use llvm_sys::prelude::{LLVMBasicBlockRef, LLVMValueRef};
use llvm_sys::{LLVMIntPredicate, LLVMOpcode, LLVMTypeKind};

use super::advance::passed_as;
use crate::ir;
use crate::plan::{ArgSource, Carried, Cast, Clamped, Entry, Step};
use crate::sites::Site;

/// `min(phi, cap)` as `clamp_of` finds it.
pub(super) struct Clamp {
    pub phi: LLVMValueRef,
    pub cap: u64,
    pub signed: bool,
    /// For a 32-bit total, the `min` call the argument extends.
    pub part: Option<LLVMValueRef>,
}

/// The `min` of a phi of `header` and a constant between 1 and the type's largest signed
/// value that `call` computes: `llvm.umin` or `llvm.smin` of 32 or 64 bits.
fn min_of(call: LLVMValueRef, header: LLVMBasicBlockRef) -> Option<(LLVMValueRef, u64, bool)> {
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
    (is_phi && cap > 0 && cap <= top).then_some((phi, cap as u64, signed))
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
            let (phi, cap, signed) = min_of(part, header)?;
            // Either extension gives the cap itself (at most i32::MAX) where the min is it.
            (ir::int_width(ir::type_of(part)) == 32 && ir::users(part).len() == 1).then_some(
                Clamp {
                    phi,
                    cap,
                    signed,
                    part: Some(part),
                },
            )
        }
        None => {
            let (phi, cap, signed) = min_of(inst, header)?;
            (ir::int_width(ir::type_of(inst)) == 64).then_some(Clamp {
                phi,
                cap,
                signed,
                part: None,
            })
        }
    }
}

/// Whether `inst` computes a clamp's argument (`clamp_of`) or its 32-bit `min`.
pub(super) fn in_clamp(inst: LLVMValueRef, header: LLVMBasicBlockRef) -> bool {
    clamp_of(inst, header).is_some() || is_clamp_part(inst, header)
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
/// entries make them: `Err((inst, why))` names the first that is not. `nonneg(e)` says
/// whether a completed iteration's result of entry `e` is not negative (its stop fires on
/// every error).
pub(super) fn clamped(
    insts: &[LLVMValueRef],
    header: LLVMBasicBlockRef,
    carried: &[Carried],
    entries: &[Entry],
    sites: &[Site],
    nonneg: &dyn Fn(usize) -> bool,
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
        let entry = match &c.step {
            Step::Result { entry, casts } if c.minus && casts.is_empty() && width == 64 => *entry,
            Step::Result { entry, casts }
                if c.minus && width == 32 && matches!(casts[..], [(Cast::Trunc, _)]) =>
            {
                *entry
            }
            _ => {
                let why = format!("{name} does not go down by a call's result");
                return Err((inst, why));
            }
        };
        let e = &entries[entry];
        let label = sites[e.site].label();
        let Some(arg) = count_argument(e, sites) else {
            let why = format!("{label}, whose result {name} goes down by, is not a transfer that moves at most its count");
            return Err((inst, why));
        };
        // Passed elsewhere too (the write of what was read, `write(out, buf, chunk)`), it is
        // the cap there as well.
        if !passed_as(entries, inst).contains(&(entry, arg))
            || e.args.get(arg) != Some(&ArgSource::Value(inst))
        {
            let why = format!("it is not the count of {label}, whose result {name} goes down by");
            return Err((inst, why));
        }
        if !nonneg(entry) {
            let why = format!("{label} does not stop the batch on every error, so {name} may grow");
            return Err((inst, why));
        }
        out.push(Clamped {
            inst,
            carried: k,
            cap: clamp.cap,
            signed: clamp.signed,
            part: clamp.part,
        });
    }
    Ok(out)
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
