//! `pipe(fds)` followed by `fcntl(fds[0], ...)` and `fcntl(fds[1], ...)` that set the same
//! flags (`FD_CLOEXEC`, `O_NONBLOCK`) on both ends: `pipe2(fds, flags)`.
//!
//! The `fcntl`s' descriptors are loads from the array `pipe` wrote, which no cluster passes
//! as an argument, so the form is found in the IR from each `pipe` whose edge to an `fcntl`
//! is hot, not in plans. The pass runs the code after the `pipe` with its result 0 (success):
//! computations, loads, the `fcntl`s (whose results are 0: `F_SETFD` never fails on an open
//! descriptor, and `F_SETFL` of `O_NONBLOCK` changes no bit `setfl` checks on a pipe), branches
//! it decides with those values, through blocks with no other entry. Anything else (a store,
//! another call) ends the run. The merge is exact when:
//!
//! - the run leaves on `pipe`'s failure before the first `fcntl` (with result -1 a branch goes
//!   the other way): pipe2 fails with pipe's errno (`EMFILE`, `ENFILE`, `EFAULT`), and no
//!   `fcntl` ran after the failure in the original either;
//! - each end gets the same flags: pipe2 sets them on both ends, and a fresh pipe's ends have
//!   no descriptor flag and their access mode alone as status flags, so `F_SETFL` of
//!   `O_NONBLOCK` leaves `O_RDONLY | O_NONBLOCK` and `O_WRONLY | O_NONBLOCK`, as pipe2 does;
//! - nothing between the `pipe` and the last merged `fcntl` can observe the flags: the run
//!   admits no call but the merged `fcntl`s.

use indexmap::{IndexMap, IndexSet};

use llvm_sys::core::{
    LLVMGetArrayLength2, LLVMGetConstOpcode, LLVMGetElementType, LLVMGetGEPSourceElementType,
    LLVMGetNumOperands, LLVMIsAConstantExpr, LLVMIsAGetElementPtrInst,
};
use llvm_sys::prelude::LLVMValueRef;
use llvm_sys::{LLVMOpcode, LLVMTypeKind};

use super::decide::{flag_of, Creator, Flags, Refusal, Refused};
use crate::ir;
use crate::plan::{ArgSource, Plan};
use crate::profile_map::WeightedPair;
use crate::sites::Site;

const NR_PIPE: u32 = 22;
const NR_PIPE2: u32 = 293;
const NR_FCNTL: u32 = 72;

/// A `pipe` and the `fcntl`s merged into it, with the flags both ends get.
pub(super) struct Found {
    pub creator: usize,
    pub fcntls: Vec<usize>,
    pub flags: Flags,
}

/// The `pipe` sites with a hot edge to an `fcntl`, each merged or refused with its reason.
pub(super) fn find(sites: &[Site], pairs: &[WeightedPair]) -> (Vec<Found>, Vec<Refused>) {
    let by_call: IndexMap<LLVMValueRef, usize> =
        sites.iter().enumerate().map(|(k, s)| (s.call, k)).collect();
    let (mut found, mut refused) = (Vec::new(), Vec::new());
    let mut seen = IndexSet::new();
    for pair in pairs {
        let (p, f) = (pair.a, pair.b);
        // glibc's `pipe(fds)` is `pipe2(fds, 0)`.
        if !matches!(sites[p].nr, Some(NR_PIPE | NR_PIPE2))
            || (sites[p].nr == Some(NR_PIPE2) && sites[p].callee != "pipe")
            || sites[f].nr != Some(NR_FCNTL)
            || sites[p].function != sites[f].function
            || !seen.insert(p)
        {
            continue;
        }
        let refuse = |fcntl, reason| Refused {
            creator: p,
            fcntl,
            reason,
        };
        if sites[p].callee != "pipe" {
            refused.push(refuse(
                f,
                Refusal::NotWrapper {
                    callee: sites[p].callee.clone(),
                },
            ));
            continue;
        }
        match decide(sites, &by_call, p) {
            Ok(m) => found.push(m),
            Err((at, reason)) => refused.push(refuse(at.unwrap_or(f), reason)),
        }
    }
    (found, refused)
}

/// Runs the code after `pipe` (site `p`) and decides; a refusal names the `fcntl` it is about
/// when there is one.
fn decide(
    sites: &[Site],
    by_call: &IndexMap<LLVMValueRef, usize>,
    p: usize,
) -> Result<Found, (Option<usize>, Refusal)> {
    let pipe = sites[p].call;
    let fds = sites[p]
        .args
        .first()
        .copied()
        .flatten()
        .and_then(base_offset)
        .ok_or((None, Refusal::PipeEnds))?;
    let mut known: IndexMap<LLVMValueRef, i64> = IndexMap::from([(pipe, 0)]);
    let mut visited: IndexSet<LLVMValueRef> = IndexSet::new();
    let mut left_on_error = false;
    // The merged fcntls: site, end (0 or 1), flags.
    let mut merged: Vec<(usize, usize, Flags)> = Vec::new();
    let mut stopped: Option<(usize, Refusal)> = None;
    let mut at = ir::next_instruction(pipe);
    for _ in 0..256 {
        let Some(i) = at else { break };
        if ir::is_terminator(i) {
            let next = if let Some((c, t, f)) = ir::conditional_branch(i) {
                let (Some(now), Some(on_error)) = (
                    branch(c, &known),
                    branch(c, &{
                        let mut k = known.clone();
                        k.insert(pipe, -1);
                        k
                    }),
                ) else {
                    // A branch on a value the run does not know.
                    break;
                };
                // Both edges to one block: the failed pipe goes on with the run.
                left_on_error |= now != on_error && t != f;
                if now {
                    t
                } else {
                    f
                }
            } else {
                match ir::successors(i)[..] {
                    [only] if ir::opcode(i) == LLVMOpcode::LLVMBr => only,
                    _ => break,
                }
            };
            if ir::predecessors(next).len() != 1 {
                break;
            }
            at = ir::instructions(next).first().copied();
            continue;
        }
        if ir::is_call(i) {
            if is_debug_intrinsic(i) {
                at = ir::next_instruction(i);
                continue;
            }
            let Some(&s) = by_call.get(&i) else { break };
            if sites[s].nr != Some(NR_FCNTL) {
                break;
            }
            let Some(end) = sites[s]
                .args
                .first()
                .copied()
                .flatten()
                .and_then(|v| end_of(ir::strip_extensions(v), fds, &visited))
            else {
                break;
            };
            if !left_on_error {
                return Err((Some(s), Refusal::PipeUnchecked));
            }
            match flag_of(&sites[s], Creator::Pipe, &sites[p]) {
                Ok(flags) => {
                    merged.push((s, end, flags));
                    known.insert(i, 0);
                }
                Err(reason) => {
                    stopped = Some((s, reason));
                    break;
                }
            }
            visited.insert(i);
            at = ir::next_instruction(i);
            continue;
        }
        use LLVMOpcode::*;
        match ir::opcode(i) {
            LLVMLoad | LLVMGetElementPtr | LLVMOr | LLVMAnd | LLVMXor | LLVMAdd | LLVMSub
            | LLVMShl | LLVMLShr | LLVMAShr | LLVMICmp | LLVMSExt | LLVMZExt | LLVMTrunc
            | LLVMSelect | LLVMPHI => {}
            _ => break,
        }
        visited.insert(i);
        at = ir::next_instruction(i);
    }
    let union = |end: usize| {
        merged
            .iter()
            .filter(|m| m.1 == end)
            .fold(None, |acc: Option<Flags>, m| {
                let a = acc.unwrap_or_default();
                Some(Flags {
                    cloexec: a.cloexec | m.2.cloexec,
                    nonblock: a.nonblock | m.2.nonblock,
                })
            })
    };
    let last = merged.last().map(|m| m.0);
    match (union(0), union(1)) {
        (Some(a), Some(b)) if a == b => Ok(Found {
            creator: p,
            fcntls: merged.iter().map(|m| m.0).collect(),
            flags: a,
        }),
        _ if stopped.is_some() => {
            Err(stopped.map_or((None, Refusal::PipeEnds), |(s, r)| (Some(s), r)))
        }
        (Some(a), Some(b)) => Err((
            last,
            Refusal::PipeDifferent {
                read: a.open_names(),
                write: b.open_names(),
            },
        )),
        (Some(_), None) | (None, Some(_)) => Err((last, Refusal::PipeOneEnd)),
        (None, None) => Err((None, Refusal::PipeEnds)),
    }
}

/// The outcome of the branch on `c` with the values `known`, when decided.
fn branch(c: LLVMValueRef, known: &IndexMap<LLVMValueRef, i64>) -> Option<bool> {
    let pred = ir::icmp_predicate(c)?;
    let value = |v: LLVMValueRef| {
        let v = ir::strip_int_casts(v);
        known.get(&v).copied().or_else(|| ir::const_int(v))
    };
    Some(crate::ir::icmp_holds(
        pred,
        value(ir::operand(c, 0))?,
        value(ir::operand(c, 1))?,
    ))
}

fn is_debug_intrinsic(call: LLVMValueRef) -> bool {
    ir::called_function(call).is_some_and(|f| {
        let n = ir::name(f);
        n.starts_with("llvm.dbg.") || n.starts_with("llvm.lifetime.")
    })
}

/// Which end of the pipe (0 or 1) the `i32` load `v` reads: a load the run went through
/// from `fds`'s base at its offset or 4 bytes further.
fn end_of(
    v: LLVMValueRef,
    fds: (LLVMValueRef, i64),
    visited: &IndexSet<LLVMValueRef>,
) -> Option<usize> {
    if !ir::is_instruction(v) || ir::opcode(v) != LLVMOpcode::LLVMLoad || !visited.contains(&v) {
        return None;
    }
    let ty = ir::type_of(v);
    if ir::type_kind(ty) != LLVMTypeKind::LLVMIntegerTypeKind || ir::int_width(ty) != 32 {
        return None;
    }
    let (base, off) = base_offset(ir::operand(v, 0))?;
    match (base == fds.0, off - fds.1) {
        (true, 0) => Some(0),
        (true, 4) => Some(1),
        _ => None,
    }
}

/// A pointer as a base and a constant byte offset, through `getelementptr`s (instructions or
/// constant expressions) whose indices are constants over integers and arrays of integers.
fn base_offset(mut p: LLVMValueRef) -> Option<(LLVMValueRef, i64)> {
    let mut off = 0i64;
    for _ in 0..8 {
        // SAFETY: p is a live value; the checks only classify it.
        let is_gep = unsafe {
            !LLVMIsAGetElementPtrInst(p).is_null()
                || (!LLVMIsAConstantExpr(p).is_null()
                    && LLVMGetConstOpcode(p) == LLVMOpcode::LLVMGetElementPtr)
        };
        if !is_gep {
            return Some((p, off));
        }
        // SAFETY: p is a live getelementptr (instruction or constant expression), whose
        // operands are its pointer and then its indices, and whose source element type is live.
        let (n, mut ty) = unsafe { (LLVMGetNumOperands(p), LLVMGetGEPSourceElementType(p)) };
        // The first index steps over the source type; each later one goes into an array.
        for k in 1..u32::try_from(n).ok()? {
            if k > 1 {
                if ir::type_kind(ty) != LLVMTypeKind::LLVMArrayTypeKind {
                    return None;
                }
                // SAFETY: ty is a live array type.
                ty = unsafe { LLVMGetElementType(ty) };
            }
            let idx = ir::const_int(ir::operand(p, k))?;
            off = off.checked_add(idx.checked_mul(size_of(ty)?)?)?;
        }
        p = ir::operand(p, 0);
    }
    None
}

/// The size in bytes of an integer or an array of integers.
fn size_of(ty: llvm_sys::prelude::LLVMTypeRef) -> Option<i64> {
    match ir::type_kind(ty) {
        LLVMTypeKind::LLVMIntegerTypeKind if ir::int_width(ty).is_multiple_of(8) => {
            Some(i64::from(ir::int_width(ty) / 8))
        }
        LLVMTypeKind::LLVMArrayTypeKind => {
            // SAFETY: ty is a live array type.
            let (n, elem) = unsafe { (LLVMGetArrayLength2(ty), LLVMGetElementType(ty)) };
            size_of(elem)?.checked_mul(i64::try_from(n).ok()?)
        }
        _ => None,
    }
}

/// Whether a merged site is in a plan that cannot give it up: a looped plan, or a straight
/// plan an entry of which uses a merged `fcntl`'s result.
pub(super) fn held(plans: &[Plan], place: &IndexMap<usize, (usize, usize)>, f: &Found) -> bool {
    std::iter::once(f.creator)
        .chain(f.fcntls.iter().copied())
        .filter_map(|s| place.get(&s))
        .any(|&(k, pos)| match &plans[k] {
            Plan::Looped(_) => true,
            Plan::Straight(st) => {
                f.fcntls.contains(&st.entries[pos].site)
                    && st
                        .entries
                        .iter()
                        .any(|e| e.args.contains(&ArgSource::Ref(pos)))
            }
        })
}
