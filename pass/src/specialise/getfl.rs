//! The form `fl = fcntl(r, F_GETFL); fcntl(r, F_SETFL, fl | O_NONBLOCK)` after `socket` or
//! `accept`. The `F_SETFL`'s argument is computed from the `F_GETFL`'s result, so the two are
//! never in one plan: a plan ends with `r = call; fcntl(r, F_GETFL)`, and the `F_SETFL`
//! begins the next plan (perhaps followed by `fcntl(r, F_SETFD, FD_CLOEXEC)`) or is in none.
//! On a fresh socket `F_GETFL` returns `O_RDWR` alone (`sock_alloc_file`) and cannot fail
//! (`socket`'s type must be a constant without `SOCK_NONBLOCK`; `accept` gives no flag,
//! whatever the listener's), so the merged call sets `SOCK_NONBLOCK`, the `F_GETFL` becomes
//! `O_RDWR` and each merged `F_SETFL`/`F_SETFD` 0, provided the program goes from the
//! `F_GETFL` to the `F_SETFL` whenever `F_GETFL` returns `O_RDWR`: the path between them
//! (found by running it with that value) holds only computations and branches on that value,
//! through blocks with no other entry.

use indexmap::IndexMap;

use llvm_sys::prelude::LLVMValueRef;
use llvm_sys::LLVMOpcode;

use super::decide::{self, Creator, Flags, Merge, Refusal, O_ACCMODE, O_NONBLOCK};
use crate::ir;
use crate::plan::{ArgSource, Entry, Stop, Straight};
use crate::sites::Site;

/// `O_RDWR`: a fresh socket's status flags.
pub(crate) const O_RDWR: i64 = 2;
const F_GETFL: i64 = 3;
const F_SETFL: i64 = 4;
const NR_FCNTL: u32 = 72;

/// A merge across two plans: the positions it takes in each.
pub(super) struct Across {
    pub merge: Merge,
    /// The plan that ends with the call and its `F_GETFL`, and the positions merged in it.
    pub a: usize,
    pub in_a: Vec<usize>,
    /// The plan that begins with the `F_SETFL` and the positions merged in it, or `None`
    /// for an `F_SETFL` in no plan.
    pub b: Option<usize>,
    pub in_b: Vec<usize>,
}

/// The candidates: plan `a` ends with a socket or accept and its `F_GETFL`, and an `F_SETFL`
/// of that result with `O_NONBLOCK` begins plan `b` or is in no plan (`where`: the plan and
/// position of each site in a plan of any kind). A candidate that does not merge is refused
/// with its reason.
pub(super) fn find(
    sites: &[Site],
    plans: &[(usize, &Straight)],
    place: &IndexMap<usize, (usize, usize)>,
) -> (Vec<Across>, Vec<decide::Refused>) {
    let (mut found, mut refused) = (Vec::new(), Vec::new());
    for &(a, pa) in plans {
        let n = pa.entries.len();
        if n < 2 {
            continue;
        }
        let (ci, gi) = (n - 2, n - 1);
        let (creator, getfl) = (&pa.entries[ci], &pa.entries[gi]);
        let kind = match Creator::of(&sites[creator.site]) {
            Some(Ok(k @ (Creator::Socket | Creator::Accept))) => k,
            _ => continue,
        };
        if !is_fcntl(&sites[getfl.site], F_GETFL) || getfl.args.first() != Some(&ArgSource::Ref(ci))
        {
            continue;
        }
        let (create_call, getfl_call) = (sites[creator.site].call, sites[getfl.site].call);
        let Some(s) = sites.iter().position(|s| {
            is_fcntl(s, F_SETFL)
                && s.function == sites[creator.site].function
                && s.args.first().copied().flatten().map(ir::strip_extensions) == Some(create_call)
                && setfl_of(s, getfl_call).is_some()
        }) else {
            continue;
        };
        // The plan it begins, if any; in a plan but not first, it is no candidate.
        let (b, pb) = match place.get(&s) {
            None => (None, None),
            Some(&(b, 0)) => match plans.iter().find(|(k, _)| *k == b) {
                Some(&(_, pb)) => (Some(b), Some(pb)),
                None => continue,
            },
            Some(_) => continue,
        };
        let setfl = &sites[s];
        let refuse = |reason| decide::Refused {
            creator: creator.site,
            fcntl: s,
            reason,
        };
        // socket(d, t | SOCK_NONBLOCK, p) is already non-blocking: F_GETFL returns more.
        let socket_type = sites[creator.site].args.get(1).copied().flatten();
        let known_type = socket_type
            .and_then(ir::const_int)
            .is_some_and(|t| t & O_NONBLOCK == 0);
        let verdict = if kind == Creator::Socket && !known_type {
            Err(Refusal::SocketType)
        } else if creator.stop != Stop::Neg {
            Err(Refusal::CreatorUnchecked { stop: creator.stop })
        } else if let Some(Some(arg)) =
            setfl_of(setfl, getfl_call).filter(|c| !c.is_some_and(|c| c & !O_ACCMODE == O_NONBLOCK))
        {
            Err(Refusal::NotNonblock { arg })
        } else if setfl_of(setfl, getfl_call) == Some(None) {
            Err(Refusal::ArgNotConstant {
                value: "or'ed with the F_GETFL result".into(),
            })
        } else if !reaches(getfl_call, setfl.call) {
            Err(Refusal::GetflPath)
        } else if pb.is_some_and(|pb| referenced(&pb.entries, 0)) {
            Err(Refusal::ResultReferenced)
        } else {
            Ok(())
        };
        if let Err(reason) = verdict {
            refused.push(refuse(reason));
            continue;
        }
        let mut flags = Flags {
            cloexec: false,
            nonblock: true,
        };
        let mut fcntls = vec![s];
        let mut in_b = vec![0];
        let later = pb.map_or(&[][..], |pb| &pb.entries[..]);
        // F_SETFD after it on the same descriptor, as in the plan of one call.
        for (j, e) in later.iter().enumerate().skip(1) {
            let prev = &later[j - 1];
            if !is_fcntl(&sites[e.site], 2)
                || !on(e, create_call)
                || !matches!(prev.stop, Stop::Never | Stop::Neg)
                || referenced(later, j)
            {
                break;
            }
            match decide::flag_of(&sites[e.site], kind, &sites[creator.site]) {
                Ok(f) => {
                    flags.cloexec |= f.cloexec;
                    fcntls.push(e.site);
                    in_b.push(j);
                }
                Err(_) => break,
            }
        }
        let whole = n == 2 && pb.is_none_or(|pb| in_b.len() == pb.entries.len());
        if pb.is_none() {
            in_b.clear();
        }
        found.push(Across {
            merge: Merge {
                creator: creator.site,
                kind,
                fcntls,
                flags,
                first: ci,
                whole,
                getfl: Some(getfl.site),
            },
            a,
            in_a: vec![ci, gi],
            b,
            in_b,
        });
    }
    (found, refused)
}

fn is_fcntl(site: &Site, cmd: i64) -> bool {
    site.nr == Some(NR_FCNTL)
        && site.args.get(1).copied().flatten().and_then(ir::const_int) == Some(cmd)
}

/// Whether the entry's descriptor is the value `call` returned.
fn on(e: &Entry, call: LLVMValueRef) -> bool {
    matches!(e.args.first(), Some(ArgSource::Value(v)) if ir::strip_extensions(*v) == call)
}

/// Whether a later entry of `entries` uses entry `j`'s result.
fn referenced(entries: &[Entry], j: usize) -> bool {
    entries[j + 1..]
        .iter()
        .any(|e| e.args.contains(&ArgSource::Ref(j)))
}

/// For an `F_SETFL` whose argument is `or getfl, C` (either order, through integer casts):
/// `C` when it is a constant; `None` for another argument.
fn setfl_of(setfl: &Site, getfl: LLVMValueRef) -> Option<Option<i64>> {
    let arg = setfl.args.get(2).copied().flatten()?;
    let arg = ir::strip_int_casts(arg);
    if !ir::is_instruction(arg) || ir::opcode(arg) != LLVMOpcode::LLVMOr {
        return None;
    }
    let (x, y) = (ir::operand(arg, 0), ir::operand(arg, 1));
    let c = if ir::strip_int_casts(x) == getfl {
        y
    } else if ir::strip_int_casts(y) == getfl {
        x
    } else {
        return None;
    };
    Some(ir::const_int(c))
}

/// Runs the code from `getfl` with its result `O_RDWR`: whether it reaches `setfl` through
/// computations only, branches it can decide, and blocks with one predecessor.
fn reaches(getfl: LLVMValueRef, setfl: LLVMValueRef) -> bool {
    let known: IndexMap<LLVMValueRef, i64> = IndexMap::from([(getfl, O_RDWR)]);
    let value = |v: LLVMValueRef| {
        let v = ir::strip_int_casts(v);
        known.get(&v).copied().or_else(|| ir::const_int(v))
    };
    let mut at = ir::next_instruction(getfl);
    for _ in 0..64 {
        let Some(i) = at else {
            return false;
        };
        if i == setfl {
            return true;
        }
        if ir::is_terminator(i) {
            let next = if let Some((c, t, f)) = ir::conditional_branch(i) {
                let Some(pred) = ir::icmp_predicate(c) else {
                    return false;
                };
                let (Some(l), Some(r)) = (value(ir::operand(c, 0)), value(ir::operand(c, 1)))
                else {
                    return false;
                };
                if ir::icmp_holds(pred, l, r) {
                    t
                } else {
                    f
                }
            } else {
                match ir::successors(i)[..] {
                    [only] if ir::opcode(i) == LLVMOpcode::LLVMBr => only,
                    _ => return false,
                }
            };
            if ir::predecessors(next).len() != 1 {
                return false;
            }
            at = ir::instructions(next).first().copied();
            continue;
        }
        use LLVMOpcode::*;
        match ir::opcode(i) {
            LLVMOr | LLVMAnd | LLVMXor | LLVMAdd | LLVMSub | LLVMShl | LLVMLShr | LLVMAShr
            | LLVMICmp | LLVMSExt | LLVMZExt | LLVMTrunc | LLVMSelect | LLVMPHI => {}
            _ => return false,
        }
        at = ir::next_instruction(i);
    }
    false
}
