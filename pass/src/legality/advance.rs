//! Whole loops whose arguments advance by their results (`MC_BATCH_ADVANCE`): write-all and
//! read-until-full loops, in the form clang gives them at -O1 and -O2, where the loop's test
//! comes before the first call:
//!
//! ```text
//! header: %left = phi i64 [ %len, %pre ], [ %left.next, %body ]
//!         %p    = phi ptr [ %buf, %pre ], [ %p.next, %body ]
//!         %done = icmp eq i64 %left, 0            ; or sgt %left, 0 / slt %left, 1 ...
//!         br i1 %done, label %out, label %body
//! body:   %n = call i64 @write(i32 %fd, ptr %p, i64 %left)
//!         %ok = icmp sgt i64 %n, -1               ; a stop predicate of the last call
//!         %p.next = getelementptr inbounds i8, ptr %p, i64 %n
//!         %left.next = sub i64 %left, %n
//!         br i1 %ok, label %header, label %err
//! ```
//!
//! The chain `c0 .. ck` is such a loop when:
//!
//! - the block of `c0` has one predecessor, the header, whose only code is phis, debug
//!   records and one comparison of an advancing argument with 0 deciding whether the loop
//!   goes on to `c0`'s block or leaves it (`v == 0` leaves: `until_zero`; `v <= 0` signed
//!   leaves: `until_nonpos`);
//! - one block outside the loop enters the header (the preheader);
//! - each of the header's phis is an advancing argument or a carried counter or total
//!   (`looped::carried_value`). An advancing argument is an `i64` or a pointer, passed
//!   unchanged as one argument of one call of the chain, whose value from the way round is
//!   itself plus or minus a result of that iteration (`add`, `sub`, `getelementptr i8` by
//!   the raw 64-bit result, no casts), used in the loop by nothing but that call, its next
//!   value and the header's test;
//! - the walk from `ck` back to the header stays in `ck`'s block, runs nothing but integer
//!   and address arithmetic and comparisons, and ends in a branch whose condition is a stop
//!   predicate of `ck` (the way round when it holds); the other calls stop at their gaps'
//!   predicates (the straight conditions), and every predicate leaves the loop;
//! - no other argument is computed in the loop, nothing in the loop reads memory, and only
//!   the calls' results, the phis and their next values are used after it.
//!
//! The batch then runs the calls with the arguments' values at the header, each completed
//! iteration advancing them by its results, and ends where the header's test would leave;
//! the lowering (`lower::advance`) goes back to the header with the advanced values, so the
//! original test decides, in the original code.

use std::collections::HashSet;

use llvm_sys::prelude::{LLVMBasicBlockRef, LLVMValueRef};
use llvm_sys::{LLVMIntPredicate, LLVMOpcode, LLVMTypeKind};

use super::looped::{
    carried_value, leaving, loop_blocks, nothing_else_escapes, one_way_in, value_round,
};
use super::{conditions, dead_buffers, Checker, Reason, Refusal};
use crate::ir;
use crate::plan::{Advancing, ArgSource, Buffers, Entry, Looped, Stop, Tested, Until};
use crate::shim::flags;
use crate::sites::Site;

/// The header before `body` when `body` is entered only from a block that tests and either
/// goes on to `body` or leaves (a loop tested at its top), else `None`.
pub(super) fn tested_header(body: LLVMBasicBlockRef) -> Option<LLVMBasicBlockRef> {
    let [h] = ir::predecessors(body)[..] else {
        return None;
    };
    if h.is_null() || h == body {
        return None;
    }
    let (_, t, f) = ir::conditional_branch(ir::terminator(h)?)?;
    (t == body || f == body).then_some(h)
}

impl Checker<'_> {
    /// Checks the loop tested at `header` whose body begins with the chain `calls`; `entries`
    /// and `gap_stops` come from the straight check of the chain (one stop and exit per gap).
    pub(super) fn check_tested(
        &mut self,
        calls: &[usize],
        mut entries: Vec<Entry>,
        gap_exits: Vec<(Stop, Vec<(LLVMValueRef, LLVMBasicBlockRef)>)>,
        gap_loads: Vec<LLVMValueRef>,
        header: LLVMBasicBlockRef,
    ) -> Result<Looped, Refusal> {
        let sites = self.sites;
        let (c0, ck) = (calls[0], calls[calls.len() - 1]);
        let body = ir::parent_block(sites[c0].call);
        let blocks = loop_blocks(self.shim, header);
        let inside: HashSet<LLVMBasicBlockRef> = blocks.iter().copied().collect();
        if !inside.contains(&body) || !inside.contains(&ir::parent_block(sites[ck].call)) {
            return Err(Refusal::new(sites[c0].call, Reason::NotALoop { site: c0 }));
        }
        let preheader = one_way_in(header, &inside, sites[c0].call)?;
        // The header: phis, the test, its branch.
        let Some(term) = ir::terminator(header) else {
            return Err(Refusal::new(sites[c0].call, Reason::Malformed));
        };
        let Some((test, on_true, _)) = ir::conditional_branch(term) else {
            return Err(Refusal::new(sites[c0].call, Reason::Malformed));
        };
        let mut phis = Vec::new();
        for inst in ir::instructions(header) {
            if inst == term || inst == test {
                continue;
            }
            if ir::is_phi(inst) {
                phis.push(inst);
            } else if self.shim.inst_flags(inst) & flags::DEBUG == 0 {
                return Err(Refusal::new(inst, Reason::HeaderCode { inst, first: c0 }));
            }
        }
        // The phis: advancing arguments (passed to a call) or carried values.
        let mut advancing = Vec::new();
        let mut carried = Vec::new();
        for &phi in &phis {
            let passed: Vec<(usize, usize)> = entries
                .iter()
                .enumerate()
                .flat_map(|(i, e)| {
                    e.args
                        .iter()
                        .enumerate()
                        .filter(move |(_, a)| **a == ArgSource::Value(phi))
                        .map(move |(k, _)| (i, k))
                })
                .collect();
            if passed.is_empty() {
                match carried_value(phi, &inside, calls, sites) {
                    Ok(c) => carried.push(c),
                    Err(why) => {
                        return Err(Refusal::new(phi, Reason::LoopCarried { value: phi, why }))
                    }
                }
                continue;
            }
            let adv = advancing_value(phi, &passed, &inside, calls, sites, test)
                .map_err(|why| Refusal::new(phi, Reason::Advancing { value: phi, why }))?;
            advancing.push(adv);
        }
        // The test: an advancing argument compared with 0.
        let until = header_test(test, on_true == body)
            .and_then(|(v, until)| {
                advancing
                    .iter()
                    .position(|a| a.phi == v)
                    .map(|which| (which, until))
            })
            .ok_or_else(|| Refusal::new(test, Reason::HeaderTest { test }))?;
        // Arguments: invariant, results of earlier entries, or advancing.
        let advancing_phis: HashSet<LLVMValueRef> = advancing.iter().map(|a| a.phi).collect();
        for e in &entries {
            for (k, a) in e.args.iter().enumerate() {
                if let ArgSource::Value(v) = *a {
                    let variant = ir::is_instruction(v) && inside.contains(&ir::parent_block(v));
                    if variant && !advancing_phis.contains(&v) {
                        return Err(Refusal::new(
                            sites[e.site].call,
                            Reason::VariantArgument {
                                site: e.site,
                                k,
                                value: v,
                            },
                        ));
                    }
                }
            }
        }
        // The way round from ck: its own block, arithmetic only, a stop predicate of ck.
        let (back_stop, back_exit) = self.way_round(ck, header, &inside)?;
        let mut exits = Vec::with_capacity(entries.len());
        let last = entries.len() - 1;
        for (i, e) in entries.iter_mut().enumerate() {
            let (stop, exit) = if i == last {
                (back_stop, Some(back_exit))
            } else {
                let (stop, ex) = &gap_exits[i];
                (*stop, ex.first().copied())
            };
            let Some((branch, off)) = exit.filter(|_| stop != Stop::Never) else {
                return Err(Refusal::new(
                    sites[e.site].call,
                    Reason::NoStop { site: e.site },
                ));
            };
            exits.push(leaving(e, stop, (branch, off), &inside)?);
        }
        if let Some(&load) = gap_loads.first() {
            return Err(Refusal::new(load, Reason::LoopLoad { load }));
        }
        // Only the calls' results, the phis and their next values are used after the loop.
        let kept: HashSet<LLVMValueRef> = calls
            .iter()
            .map(|&c| sites[c].call)
            .chain(carried.iter().flat_map(|c| [c.phi, c.next]))
            .chain(advancing.iter().flat_map(|a| [a.phi, a.next]))
            .collect();
        nothing_else_escapes(&blocks, &inside, &kept)?;
        // The runtime's in-kernel copies take fixed arguments: advancing loops never use them.
        let buffers = match dead_buffers::check(&entries, sites) {
            Buffers::Dead => Buffers::Live("its arguments advance".into()),
            live => live,
        };
        let (which, until) = until;
        Ok(Looped {
            entries,
            header: body,
            preheader,
            blocks,
            exits,
            buffers,
            carried,
            advancing,
            tested: Some(Tested {
                block: header,
                which,
                until,
            }),
        })
    }

    /// The stop predicate of `ck` on the way back to `header` and the branch and block it
    /// leaves by.
    fn way_round(
        &self,
        ck: usize,
        header: LLVMBasicBlockRef,
        inside: &HashSet<LLVMBasicBlockRef>,
    ) -> Result<(Stop, (LLVMValueRef, LLVMBasicBlockRef)), Refusal> {
        let site = &self.sites[ck];
        let mut after = false;
        let block = ir::parent_block(site.call);
        for inst in ir::instructions(block) {
            if inst == site.call {
                after = true;
                continue;
            }
            if !after || ir::is_terminator(inst) {
                continue;
            }
            use LLVMOpcode::*;
            let plain = matches!(
                ir::opcode(inst),
                LLVMAdd | LLVMSub | LLVMGetElementPtr | LLVMICmp | LLVMTrunc | LLVMZExt | LLVMSExt
            );
            if !plain && self.shim.inst_flags(inst) & flags::DEBUG == 0 {
                return Err(Refusal::new(inst, Reason::WayRound { inst }));
            }
        }
        let term =
            ir::terminator(block).ok_or_else(|| Refusal::new(site.call, Reason::Malformed))?;
        let Some((cond, t, f)) = ir::conditional_branch(term) else {
            return Err(Refusal::new(site.call, Reason::NoStop { site: ck }));
        };
        let (round_if_true, off) = match (t == header, f == header) {
            (true, false) => (true, f),
            (false, true) => (false, t),
            _ => return Err(Refusal::new(term, Reason::WayRound { inst: term })),
        };
        if inside.contains(&off) {
            return Err(Refusal::new(term, Reason::ExitReentersLoop { off }));
        }
        let stop = conditions::stop_predicate(cond, round_if_true, site)
            .ok_or_else(|| Refusal::new(term, Reason::NoStop { site: ck }))?;
        Ok((stop, (term, off)))
    }
}

/// `(v, until)` when `test` compares `v` with 0 and the loop goes on (to the body) exactly
/// while `v != 0` (`until_zero`) or `v > 0` signed (`until_nonpos`); `on` tells whether
/// true goes on.
fn header_test(test: LLVMValueRef, on: bool) -> Option<(LLVMValueRef, Until)> {
    use LLVMIntPredicate::*;
    let pred = ir::icmp_predicate(test)?;
    let v = ir::operand(test, 0);
    let c = ir::const_int(ir::operand(test, 1))?;
    let until = match (pred, c, on) {
        (LLVMIntEQ, 0, false) | (LLVMIntNE, 0, true) | (LLVMIntUGT, 0, true) => Until::Zero,
        (LLVMIntULT, 1, false) => Until::Zero,
        (LLVMIntSGT, 0, true) | (LLVMIntSGE, 1, true) => Until::NonPos,
        (LLVMIntSLT, 1, false) | (LLVMIntSLE, 0, false) => Until::NonPos,
        _ => return None,
    };
    // The batch compares the argument as a 64-bit integer.
    (ir::type_kind(ir::type_of(v)) == LLVMTypeKind::LLVMIntegerTypeKind
        && ir::int_width(ir::type_of(v)) == 64)
        .then_some((v, until))
}

/// The advancing argument `phi` passed as `passed` (entry, argument), or why it is not one.
fn advancing_value(
    phi: LLVMValueRef,
    passed: &[(usize, usize)],
    inside: &HashSet<LLVMBasicBlockRef>,
    calls: &[usize],
    sites: &[Site],
    test: LLVMValueRef,
) -> Result<Advancing, String> {
    let &[(entry, arg)] = passed else {
        return Err("it is passed to more than one argument".into());
    };
    let ty = ir::type_of(phi);
    let kind = ir::type_kind(ty);
    let pointer = kind == LLVMTypeKind::LLVMPointerTypeKind;
    if !pointer && !(kind == LLVMTypeKind::LLVMIntegerTypeKind && ir::int_width(ty) == 64) {
        return Err("it is neither a 64-bit integer nor a pointer".into());
    }
    let next = value_round(phi, inside)?;
    let (down, step) = match ir::opcode(next) {
        LLVMOpcode::LLVMAdd if !pointer && ir::operand(next, 0) == phi => {
            (false, ir::operand(next, 1))
        }
        LLVMOpcode::LLVMAdd if !pointer && ir::operand(next, 1) == phi => {
            (false, ir::operand(next, 0))
        }
        LLVMOpcode::LLVMSub if !pointer && ir::operand(next, 0) == phi => {
            (true, ir::operand(next, 1))
        }
        LLVMOpcode::LLVMGetElementPtr
            if pointer && ir::operand(next, 0) == phi && byte_gep(next) =>
        {
            (false, ir::operand(next, 1))
        }
        _ => {
            return Err(format!(
                "its next value '{}' is not itself plus or minus a result",
                ir::describe(next)
            ))
        }
    };
    let Some(by) = calls.iter().position(|&c| sites[c].call == step) else {
        return Err(format!(
            "its step '{}' is not the 64-bit result of a call of the loop",
            ir::describe(step)
        ));
    };
    if ir::int_width(ir::type_of(step)) != 64 {
        return Err("its step is not a 64-bit result".into());
    }
    let call = sites[calls[entry]].call;
    for (v, allowed) in [(phi, [next, call, test]), (next, [phi, phi, phi])] {
        if let Some((user, _)) = ir::users(v)
            .into_iter()
            .find(|&(user, _)| inside.contains(&ir::parent_block(user)) && !allowed.contains(&user))
        {
            return Err(format!(
                "'{}' uses {} in the loop",
                ir::describe(user),
                ir::value_name(v)
            ));
        }
    }
    Ok(Advancing {
        phi,
        next,
        entry,
        arg: arg as u8,
        by,
        down,
    })
}

/// Whether the `getelementptr` `gep` is `getelementptr [inbounds] i8, ptr p, i64 off`.
fn byte_gep(gep: LLVMValueRef) -> bool {
    // SAFETY: gep is a live getelementptr instruction of the module being checked.
    let (operands, elem) = unsafe {
        (
            llvm_sys::core::LLVMGetNumOperands(gep),
            llvm_sys::core::LLVMGetGEPSourceElementType(gep),
        )
    };
    operands == 2
        && ir::type_kind(elem) == LLVMTypeKind::LLVMIntegerTypeKind
        && ir::int_width(elem) == 8
        && ir::int_width(ir::type_of(ir::operand(gep, 1))) == 64
}
