//! A write-all loop on a 32-bit count whose call is passed that count widened: the count the
//! call advances is its 64-bit argument, which goes down by the call's result.
//!
//! gzip's `write_buf` keeps what is left in an `unsigned cnt` and passes `(size_t) cnt`,
//! clamped to `INT_MAX` by its helper `write_buffer`. Once its start is at the `write`
//! (`reheader.rs`) and its end tested on the count's next value (`finished.rs`), the loop is:
//!
//! ```text
//! head:  %arg = phi i64 [ %arg.in, %pre ], [ %arg.next, %adv ]   ; zext(umin(%cnt, C))
//!        %p   = phi ptr [ %p.in, %pre ], [ %p.next, %adv ]
//!        %cnt = phi i32 [ %cnt.in, %pre ], [ %cnt.next, %adv ]
//!        %r = call i64 @write(i32 %fd, ptr %p, i64 %arg)
//!        %n = trunc i64 %r to i32
//!        %err = icmp eq i32 %n, -1
//!        br i1 %err, label %out1, label %adv
//! adv:   %cnt.next = sub i32 %cnt, %n
//!        %m = and i64 %r, 4294967295
//!        %p.next = getelementptr i8, ptr %p, i64 %m
//!        %min = call i32 @llvm.umin.i32(i32 %cnt.next, i32 C)
//!        %arg.next = zext i32 %min to i64
//!        %finished = icmp eq i32 %cnt.next, 0
//!        br i1 %finished, label %out2, label %head
//! ```
//!
//! The argument is not itself minus a result, so a looped batch cannot advance it. It is,
//! wherever the loop begins with `%cnt <= C` (unsigned): a transfer returns -1 or between 0
//! and its count, and the test before `%adv` leaves the loop on -1, so on the way round `0 <=
//! %r <= %arg = zext(%cnt)`; then `%cnt.next = %cnt - %r` does not wrap, stays at most `C`,
//! and `zext(umin(%cnt.next, C)) = %arg - %r`; `%cnt.next == 0` exactly when `%arg - %r ==
//! 0`; and `%r` is below 2^31, so `%m` is `%r`. By induction the same holds in every
//! iteration. The rewrite, in such a loop:
//!
//! ```text
//! adv:   %cnt.next = sub i32 %cnt, %n                            ; kept: the count carried
//!        %p.next = getelementptr i8, ptr %p, i64 %r
//!        %count.next = sub i64 %arg, %r                          ; %arg's value round
//!        %count.done = icmp eq i64 %count.next, 0
//!        br i1 %count.done, label %out2, label %head
//! ```
//!
//! Where the loop makes the argument in its header of the count's phi (`%arg = zext(umin(%cnt,
//! C))` before the call, the form the link-time pipeline leaves gzip's `write_buf` in once
//! inlined), the same rewrite first makes the argument a phi of the header: the count in
//! widened (at most `C` there, below), then the value round above; the old making goes.
//!
//! Without the clamp (`%arg = zext(%cnt)`) it holds for every `%cnt`, and the loop is
//! rewritten as it is. A signed count passed sign-extended (`int left; write(fd, p, left)`:
//! `sext(%cnt)`, or `sext(smin(%cnt, C))` with `C >= 0`) is the same where it comes in not
//! negative, and so between 0 and the clamp (`%cnt.in <= C`, or at most the largest signed
//! value without one, compared unsigned): the loop is versioned on that, and the pointer's
//! step `(long)(int) n` (`ashr (shl %r, 32), 32`, `sext (trunc %r)`) is `%r` on the way round. With it, the loop is first versioned on the count it comes in with
//! (the shim's `version_loop_at_most`: `%cnt.in <= C` before the loop): the rewritten loop
//! runs where it holds, an unchanged copy of the loop otherwise (a count above `C` is the
//! original's to write in pieces of `C`), and that copy is never taken again.
//!
//! The shape taken, in the loops refused whole whose last call is the one asked about: a call
//! of `read`, `write`, `pread64` or `pwrite64` (a result of -1 or at most its count) at the
//! top of its loop, its argument 2 a header phi used by that call alone whose value round is
//! `zext(%cnt.next)` or `zext(umin(%cnt.next, C))`, and whose value in is the same of `%cnt`'s
//! value in, or that making of `%cnt` in the header, used by that call alone; the loop two blocks, the call's and one of arithmetic entered from it alone,
//! the call's ending in a test of the result (or the result cut) against a constant that
//! leaves the loop on -1, the other ending in `%cnt.next == 0` (or `!=`) that leaves on 0;
//! `%cnt.next = %cnt - trunc(%r)`. A loop whose argument round is such a `zext` but that
//! fails another condition is a remark `CountNotWidened` naming it; each rewrite a remark
//! `CountWidened`.

use indexmap::IndexSet;

use llvm_sys::prelude::{LLVMBasicBlockRef, LLVMValueRef};
use llvm_sys::{LLVMIntPredicate, LLVMOpcode, LLVMTypeKind};

use super::finished::computes_only;
use super::reheader::heads_loop;
use super::rotate::calls_in;
use super::unswitch::MAX_LOOP;
use super::{Changed, Hot};
use crate::context::Context;
use crate::ir;
use crate::legality::{conditions, loop_blocks};
use crate::lower::builder::Builder;
use crate::remarks::Remark;
use crate::shim::flags;
use crate::sites::Site;

/// `read`, `write`, `pread64`, `pwrite64`: a result of -1, or at most argument 2.
const COUNTED: [u32; 4] = [0, 1, 17, 18];

/// The loop of the module's docs.
struct Shape {
    header: LLVMBasicBlockRef,
    /// The block of arithmetic and its branch.
    advance: LLVMBasicBlockRef,
    latch_branch: LLVMValueRef,
    /// The call and its 64-bit result.
    call: LLVMValueRef,
    /// Argument 2, a header phi or made in the header of the count's phi.
    arg: LLVMValueRef,
    made: Made,
    /// The narrow count, a header phi.
    count: LLVMValueRef,
    /// The latch's test of `count_next` against 0.
    finished: LLVMValueRef,
    /// The bound the count must come in at most (unsigned) for the rewrite: the clamp's
    /// constant `C` of `zext(umin(count, C))` or `sext(smin(count, C))`, the largest signed
    /// value of a signed count's width without a clamp (the count not negative); none for
    /// `zext(count)`, which holds for every count.
    bound: Option<LLVMValueRef>,
    /// Whether the count is signed.
    signed: bool,
    /// The block the loop is entered from.
    preheader: LLVMBasicBlockRef,
}

/// How the loop makes argument 2 of the call from its narrow count.
#[derive(Clone, Copy)]
enum Made {
    /// A header phi whose value round, `next`, is the count's next value widened (the form a
    /// moved start leaves).
    Carried { next: LLVMValueRef },
    /// Widened in the header from the count's phi, `count` (the form of a loop whose test
    /// of the result follows its call, as the link-time pipeline leaves gzip's).
    InHeader { count: LLVMValueRef },
}

/// Rewrites the loops refused whole whose last call has the shape.
pub(crate) fn run(ctx: &mut Context<'_>, hot: &mut Hot<'_>) -> Changed {
    let sites = hot.sites;
    let today = hot.today(ctx);
    let mut changed = Changed::No;
    for last in today.refused_loop_ends() {
        let call = sites[last].call;
        let shape = match shape_at(ctx, call, sites[last].nr) {
            Ok(Some(s)) => s,
            Ok(None) => continue,
            Err(why) => {
                not_widened(ctx, sites, last, &why);
                continue;
            }
        };
        let shape = match shape.bound {
            None => shape,
            Some(bound) => {
                // The copy for large counts, or a loop versioned already.
                if versioned(&shape, bound) {
                    continue;
                }
                let before = calls_in(sites[last].function);
                let answer =
                    ctx.shim
                        .version_loop_at_most(shape.header, shape.count, bound, MAX_LOOP);
                // The copy's call is a copy of a site: a refusal of it is not reported.
                ctx.copies
                    .extend(calls_in(sites[last].function).difference(&before));
                if let Err((why, any)) = answer {
                    if any {
                        ctx.shim.invalidate(sites[last].function);
                        changed = Changed::Yes;
                    }
                    let why = format!("the loop cannot be versioned on its count: {why}");
                    not_widened(ctx, sites, last, &why);
                    continue;
                }
                changed = Changed::Yes;
                // The loop in simplified form, with LCSSA phis at its exits: asked again.
                match shape_at(ctx, call, sites[last].nr) {
                    Ok(Some(s)) if s.bound.is_some() => s,
                    Ok(_) => continue,
                    Err(why) => {
                        not_widened(ctx, sites, last, &why);
                        continue;
                    }
                }
            }
        };
        let Some(arg) = rewrite(ctx, &shape) else {
            continue;
        };
        ctx.shim.invalidate(sites[last].function);
        ctx.remark(Remark::count_widened(
            sites,
            last,
            arg,
            shape.count,
            shape.bound,
            shape.signed,
        ));
        changed = Changed::Yes;
    }
    changed
}

/// The remark that the loop of `site`'s call was not rewritten, and why: once per call.
fn not_widened(ctx: &mut Context<'_>, sites: &[Site], site: usize, why: &str) {
    if ctx.not_widened.insert(sites[site].call) {
        ctx.remark(Remark::count_not_widened(sites, site, why));
    }
}

/// How an argument is made of a narrow count (`widened`).
#[derive(Clone, Copy)]
pub(super) struct Widened {
    /// The narrow count.
    pub count: LLVMValueRef,
    /// The constant of a clamp of it, `min(count, C)`.
    pub clamp: Option<LLVMValueRef>,
    /// Whether the count is signed (`sext`, a clamp by `smin`), else unsigned (`zext`,
    /// `umin`).
    pub signed: bool,
}

/// How `x` is made of a narrow count: `zext(c)`, `zext(umin(c, C))`, `sext(c)` or
/// `sext(smin(c, C))` with `C >= 0`.
pub(super) fn widened(x: LLVMValueRef) -> Option<Widened> {
    if !ir::is_instruction(x) {
        return None;
    }
    let signed = match ir::opcode(x) {
        LLVMOpcode::LLVMZExt => false,
        LLVMOpcode::LLVMSExt => true,
        _ => return None,
    };
    let inner = ir::operand(x, 0);
    if ir::min_max(inner) == Some((signed, true)) {
        let (a, b) = (ir::operand(inner, 0), ir::operand(inner, 1));
        let (count, clamp) = match (ir::const_int(a), ir::const_int(b)) {
            (None, Some(k)) => (a, (b, k)),
            (Some(k), None) => (b, (a, k)),
            _ => return None,
        };
        // A signed clamp below 0 would let a negative count through.
        if signed && clamp.1 < 0 {
            return None;
        }
        return Some(Widened {
            count,
            clamp: Some(clamp.0),
            signed,
        });
    }
    Some(Widened {
        count: inner,
        clamp: None,
        signed,
    })
}

/// The shape around `call` (of system call `nr`): `Ok(None)` when its argument 2 is neither
/// a header phi whose value round is a narrow count widened nor a narrow count's header phi
/// widened in the header (no candidate), `Err` with the condition that fails when it is.
fn shape_at(
    ctx: &Context<'_>,
    call: LLVMValueRef,
    nr: Option<u32>,
) -> Result<Option<Shape>, String> {
    let header = ir::parent_block(call);
    let Some(&arg) = ir::call_args(call).get(2) else {
        return Ok(None);
    };
    if !heads_loop(ctx.shim, header)
        || !ir::is_instruction(arg)
        || ir::parent_block(arg) != header
        || ir::type_kind(ir::type_of(call)) != LLVMTypeKind::LLVMIntegerTypeKind
        || ir::int_width(ir::type_of(call)) != 64
    {
        return Ok(None);
    }
    let inside: IndexSet<LLVMBasicBlockRef> = loop_blocks(ctx.shim, header).into_iter().collect();
    // Carried (a header phi whose value round is the count's next value widened), or made
    // in the header of the count's phi.
    let (made, ins, advance, count_next, clamp, signed) = if ir::is_phi(arg) {
        let ins = ir::incoming(arg);
        let Some(&(arg_next, advance)) = ins.iter().find(|(_, from)| inside.contains(from)) else {
            return Ok(None);
        };
        let Some(w) = widened(arg_next) else {
            return Ok(None);
        };
        (
            Made::Carried { next: arg_next },
            ins,
            advance,
            w.count,
            w.clamp,
            w.signed,
        )
    } else {
        let Some(Widened {
            count,
            clamp,
            signed,
        }) = widened(arg)
        else {
            return Ok(None);
        };
        if !ir::is_instruction(count) || !ir::is_phi(count) || ir::parent_block(count) != header {
            return Ok(None);
        }
        let ins = ir::incoming(count);
        let Some(&(count_next, advance)) = ins.iter().find(|(_, from)| inside.contains(from))
        else {
            return Ok(None);
        };
        (
            Made::InHeader { count },
            ins,
            advance,
            count_next,
            clamp,
            signed,
        )
    };
    let arg_name = ir::value_name(arg);
    if !nr.is_some_and(|nr| COUNTED.contains(&nr)) {
        return Err(
            "the call is not read, write, pread64 or pwrite64, whose result is -1 or at most its count".into(),
        );
    }
    // Two blocks: the call's, and the arithmetic entered from it alone.
    if inside.len() != 2 || !inside.contains(&advance) || advance == header {
        return Err("the loop is not the call's block and one block of arithmetic after it".into());
    }
    let [preheader] = ir::predecessors(header)
        .into_iter()
        .filter(|b| !inside.contains(b))
        .collect::<Vec<_>>()[..]
    else {
        return Err("the loop has more than one way in".into());
    };
    if ins.len() != 2 || ir::predecessors(advance) != [header] {
        return Err("the loop has more than one way round".into());
    }
    // The call's test: leaves the loop on a result of -1.
    let head_term = ir::terminator(header).ok_or("the call's block has no end")?;
    let (test, t, f) = ir::conditional_branch(head_term)
        .ok_or("the call's block does not end in a two-way branch")?;
    let off = match (inside.contains(&t), inside.contains(&f)) {
        (false, true) if f == advance => t,
        (true, false) if t == advance => f,
        _ => return Err("the call's block does not leave the loop one way".into()),
    };
    if !leaves_on_minus_one(test, call, header, off == t) {
        return Err(format!(
            "the test after the call, '{}', does not leave the loop on a result of -1",
            ir::describe(test)
        ));
    }
    // The count and its next value: `%cnt.next = %cnt - trunc(%r)`.
    let narrow = ir::type_of(count_next);
    let is_trunc_of_call = |v: LLVMValueRef| {
        ir::is_instruction(v)
            && ir::opcode(v) == LLVMOpcode::LLVMTrunc
            && ir::operand(v, 0) == call
            && ir::type_of(v) == narrow
    };
    let count = if ir::is_instruction(count_next)
        && ir::opcode(count_next) == LLVMOpcode::LLVMSub
        && ir::parent_block(count_next) == advance
        && is_trunc_of_call(ir::operand(count_next, 1))
    {
        ir::operand(count_next, 0)
    } else {
        return Err(format!(
            "the count '{}' that {arg_name} is made of is not a count minus the result cut to its width",
            ir::describe(count_next)
        ));
    };
    let count_round = ir::is_instruction(count)
        && ir::is_phi(count)
        && ir::parent_block(count) == header
        && ir::incoming(count)
            .iter()
            .any(|&(v, from)| from == advance && v == count_next);
    if !count_round || matches!(made, Made::InHeader { count: c } if c != count) {
        return Err(format!(
            "'{}' is not the count {arg_name} comes round with",
            ir::describe(count_next)
        ));
    }
    match made {
        Made::Carried { next } => {
            // The argument in: the same making of the count in.
            let arg_in = ir::incoming(arg)
                .into_iter()
                .find(|&(_, from)| from == preheader)
                .map(|(v, _)| v);
            let count_in = ir::incoming(count)
                .into_iter()
                .find(|&(_, from)| from == preheader)
                .map(|(v, _)| v);
            let made_in = arg_in.and_then(widened);
            let same_clamp = |a: Option<LLVMValueRef>| match (a, clamp) {
                (None, None) => true,
                (Some(a), Some(c)) => {
                    ir::const_int(a).is_some() && ir::const_int(a) == ir::const_int(c)
                }
                _ => false,
            };
            if !made_in.is_some_and(|w| {
                Some(w.count) == count_in && same_clamp(w.clamp) && w.signed == signed
            }) {
                return Err(format!(
                    "{arg_name} does not come into the loop made of the count as it goes round"
                ));
            }
            // The argument is the call's alone; its value round is the phi's alone.
            if ir::value_users(arg) != [call] || ir::value_users(next) != [arg] {
                return Err(format!("{arg_name} is used by more than the call"));
            }
        }
        Made::InHeader { .. } => {
            // The argument and its clamp are the call's alone.
            let clamp_call = ir::operand(arg, 0);
            if ir::value_users(arg) != [call]
                || (clamp.is_some() && ir::value_users(clamp_call) != [arg])
            {
                return Err(format!("{arg_name} is used by more than the call"));
            }
        }
    }
    // The latch: `%cnt.next == 0` leaves, else round.
    let latch_branch = ir::terminator(advance).ok_or("the loop's last block has no end")?;
    let (finished, t2, f2) = ir::conditional_branch(latch_branch)
        .ok_or("the loop's last block does not end in a two-way branch")?;
    let leaves_on_true = match (t2 == header, f2 == header) {
        (false, true) if !inside.contains(&t2) => true,
        (true, false) if !inside.contains(&f2) => false,
        _ => return Err("the loop's last block does not go round or leave".into()),
    };
    let on_zero = ir::is_instruction(finished)
        && ir::parent_block(finished) == advance
        && ir::as_compare(finished, count_next).is_some_and(|(pred, k)| {
            k == 0
                && matches!(
                    (pred, leaves_on_true),
                    (LLVMIntPredicate::LLVMIntEQ, true) | (LLVMIntPredicate::LLVMIntNE, false)
                )
        });
    if !on_zero {
        return Err(format!(
            "the loop's test '{}' is not whether the count's next value is 0",
            ir::describe(finished)
        ));
    }
    // The arithmetic computes without effects.
    let pure = ir::instructions(advance)
        .into_iter()
        .filter(|&i| i != latch_branch)
        .all(|i| ctx.shim.inst_flags(i) & flags::DEBUG != 0 || computes_only(i));
    if !pure {
        return Err("the loop's last block does more than integer and address arithmetic".into());
    }
    let bound = match (clamp, signed) {
        (Some(c), _) => Some(c),
        (None, false) => None,
        (None, true) => {
            let ty = ir::type_of(count);
            let max = (1i64 << (ir::int_width(ty).min(64) - 1)).wrapping_sub(1);
            Some(Builder::new(ctx.module).const_int(ty, max))
        }
    };
    Ok(Some(Shape {
        header,
        advance,
        latch_branch,
        call,
        arg,
        made,
        count,
        finished,
        bound,
        signed,
        preheader,
    }))
}

/// Whether the branch on `test` in `header` leaves the loop (its true way when `off_true`)
/// when `call`'s result is -1: `test` compares the result, or the result cut in `header`,
/// with a constant.
fn leaves_on_minus_one(
    test: LLVMValueRef,
    call: LLVMValueRef,
    header: LLVMBasicBlockRef,
    off_true: bool,
) -> bool {
    if !ir::is_instruction(test) || ir::parent_block(test) != header {
        return false;
    }
    let Some(pred) = ir::icmp_predicate(test) else {
        return false;
    };
    let of_result = |v: LLVMValueRef| {
        v == call
            || (ir::is_instruction(v)
                && ir::opcode(v) == LLVMOpcode::LLVMTrunc
                && ir::operand(v, 0) == call)
    };
    let (l, r) = (ir::operand(test, 0), ir::operand(test, 1));
    // -1 in any width, compared as the constant is (sign-extended: the unsigned order is
    // kept too).
    let holds = match (
        of_result(l),
        ir::const_int(r),
        of_result(r),
        ir::const_int(l),
    ) {
        (true, Some(k), _, _) => ir::icmp_holds(pred, -1, k),
        (_, _, true, Some(k)) => ir::icmp_holds(pred, k, -1),
        _ => return false,
    };
    holds == off_true
}

/// Whether the loop of `s` is one side of a versioning on its count already: its preheader
/// is entered alone from a branch on `count.in <= bound` (frozen or not).
fn versioned(s: &Shape, bound: LLVMValueRef) -> bool {
    let [guard] = ir::predecessors(s.preheader)[..] else {
        return false;
    };
    let Some((cond, ..)) = ir::terminator(guard).and_then(ir::conditional_branch) else {
        return false;
    };
    let cond = if ir::is_instruction(cond) && ir::opcode(cond) == LLVMOpcode::LLVMFreeze {
        ir::operand(cond, 0)
    } else {
        cond
    };
    let count_in = ir::incoming(s.count)
        .into_iter()
        .find(|&(_, from)| from == s.preheader)
        .map(|(v, _)| v);
    ir::is_instruction(cond)
        && ir::icmp_predicate(cond) == Some(LLVMIntPredicate::LLVMIntULE)
        && Some(ir::operand(cond, 0)) == count_in
        && ir::const_int(ir::operand(cond, 1)) == ir::const_int(bound)
}

/// The rewrite of the module's docs; the argument the call is then passed (a phi of the
/// header), or `None` with nothing changed.
fn rewrite(ctx: &Context<'_>, s: &Shape) -> Option<LLVMValueRef> {
    let b = Builder::new(ctx.module);
    // An argument made in the header becomes a phi first: the count in widened (a count in
    // that the versioning's test put at most the clamp's constant, or the count itself
    // without a clamp), then its value round, below.
    let arg = match s.made {
        Made::Carried { .. } => s.arg,
        Made::InHeader { count } => {
            let count_in = ir::incoming(count)
                .into_iter()
                .find(|&(_, from)| from == s.preheader)
                .map(|(v, _)| v);
            let (Some(count_in), Some(pre_term)) = (count_in, ir::terminator(s.preheader)) else {
                return None;
            };
            b.position_before(pre_term);
            b.set_location(Builder::location_of(s.arg));
            let wide = ir::type_of(s.arg);
            let arg_in = b.int_cast(LLVMOpcode::LLVMZExt, count_in, wide);
            b.position_at_start(s.header);
            let phi = b.phi(wide, "count.left");
            Builder::add_incoming(phi, &[(arg_in, s.preheader)]);
            // SAFETY: call is a live call whose operand 2 (argument 2) has phi's type.
            unsafe { llvm_sys::core::LLVMSetOperand(s.call, 2, phi) };
            phi
        }
    };
    b.position_before(s.latch_branch);
    b.set_location(Builder::location_of(s.latch_branch));
    let next = b.arith(LLVMOpcode::LLVMSub, arg, s.call, "count.next");
    let zero = b.const_int(ir::type_of(next), 0);
    let done = b.icmp(LLVMIntPredicate::LLVMIntEQ, next, zero, "count.done");
    match s.made {
        Made::Carried { .. } => Builder::set_incoming_value(arg, s.advance, next),
        Made::InHeader { .. } => Builder::add_incoming(arg, &[(next, s.advance)]),
    }
    // The latch's test on the wide count; it leaves the same way on 0.
    let leaves_on_true = ir::icmp_predicate(s.finished) == Some(LLVMIntPredicate::LLVMIntEQ);
    let cond = if leaves_on_true {
        done
    } else {
        b.icmp(LLVMIntPredicate::LLVMIntNE, next, zero, "count.more")
    };
    // SAFETY: latch_branch is a live conditional branch and cond a live i1 before it.
    unsafe { llvm_sys::core::LLVMSetCondition(s.latch_branch, cond) };
    if !leaves_on_true {
        ir::erase(done);
    }
    // On the way round the result is below 2^31 and not negative: the result through casts
    // that keep such a value (a mask of at least its low 31 bits, `(long)(int) r` as `sext
    // (trunc r)` or `ashr (shl r, 32), 32`) is the result.
    for inst in ir::instructions(s.advance) {
        let same = inst != s.call
            && ir::type_of(inst) == ir::type_of(s.call)
            && conditions::result_through_casts(inst).0 == s.call;
        if same {
            ir::replace_uses(inst, s.call);
            erase_dead(inst);
        }
    }
    // What made the narrow count's test and the old argument (its value round, or the
    // argument made in the header), now unused.
    let old = match s.made {
        Made::Carried { next } => next,
        Made::InHeader { .. } => s.arg,
    };
    for v in [s.finished, old] {
        erase_dead(v);
    }
    Some(arg)
}

/// Deletes `v` and the instructions it alone used, when nothing uses it.
fn erase_dead(v: LLVMValueRef) {
    let mut work = vec![v];
    while let Some(x) = work.pop() {
        if !ir::is_instruction(x) || !ir::value_users(x).is_empty() || ir::is_phi(x) {
            continue;
        }
        if ir::is_call(x) && ir::min_max(x).is_none() {
            continue;
        }
        let operands: Vec<LLVMValueRef> = (0..ir::num_operands(x))
            .map(|k| ir::operand(x, k))
            .collect();
        ir::erase(x);
        work.extend(operands);
    }
}
