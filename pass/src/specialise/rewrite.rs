//! Rewriting a merge ([`Merge`]) into IR: the creator becomes the call that sets the flags,
//! and each merged `fcntl` is replaced by its result on a fresh descriptor, 0.
//!
//! ```text
//! socket/open/openat:  the flags argument becomes `or flags, FLAGS` (the same call)
//! accept:              %r = call i32 @accept4(fd, a, l, i32 FLAGS)   (the uses of accept's result)
//! pipe:                %r = call i32 @pipe2(fds, i32 FLAGS)          (the uses of pipe's result)
//! dup2(a, b):          %mc.dup.ne = icmp ne a, b
//!                      br %mc.dup.ne, %mc.dup3, %mc.dup2
//!   mc.dup3:           %mc.dup3.fd = call i32 @dup3(a, b, i32 O_CLOEXEC); br %mc.dup.join
//!   mc.dup2:           the original dup2; br %mc.dup.join
//!   mc.dup.join:       %mc.dup = phi [%mc.dup3.fd, %mc.dup3], [dup2, %mc.dup2]
//!   at each fcntl:     br %mc.dup.ne, %mc.fcntl.join, %mc.fcntl   ; the fcntl runs after dup2 only
//!   mc.fcntl.join:     %mc.fcntl.result = phi [0, ...], [fcntl, %mc.fcntl]
//! ```
//!
//! Each new call carries the creator's debug location. The program's checks of the creator's
//! result are unchanged and see libc's -1 and errno from the merged call, as from the
//! creator; the `fcntl`s were reached only after a valid descriptor (`decide`), where they
//! returned 0.

use llvm_sys::core::LLVMSetOperand;
use llvm_sys::prelude::LLVMValueRef;
use llvm_sys::{LLVMIntPredicate, LLVMOpcode};

use super::decide::{Creator, Merge, O_CLOEXEC};
use super::getfl::O_RDWR;
use crate::ir;
use crate::lower::builder::Builder;
use crate::shim::Shim;
use crate::sites::Site;

pub(super) fn rewrite(b: &Builder, shim: &Shim, sites: &[Site], m: &Merge) {
    let call = sites[m.creator].call;
    let fcntls: Vec<LLVMValueRef> = m.fcntls.iter().map(|&s| sites[s].call).collect();
    match m.kind {
        Creator::Socket => or_flags(b, call, 1, m.flags.mask()),
        Creator::Open { flags_arg } => or_flags(b, call, flags_arg, O_CLOEXEC),
        Creator::Accept => append_flags(b, call, "accept4", m.flags.mask()),
        Creator::Pipe => append_flags(b, call, "pipe2", m.flags.mask()),
        Creator::Dup2 => {
            dup3_guarded(b, shim, call, &fcntls);
            return;
        }
    }
    for f in fcntls {
        Builder::replace_uses(f, b.const_int(ir::type_of(f), 0));
        ir::erase(f);
    }
    if let Some(g) = m.getfl.map(|s| sites[s].call) {
        Builder::replace_uses(g, b.const_int(ir::type_of(g), O_RDWR));
        ir::erase(g);
    }
}

/// `call` becomes a call of `name` with the same arguments and `mask` (an `i32`) after them;
/// the uses of its result take the new call's.
fn append_flags(b: &Builder, call: LLVMValueRef, name: &str, mask: i64) {
    let mut args = ir::call_args(call);
    b.position_before(call);
    b.set_location(Builder::location_of(call));
    args.push(b.const_int(b.i32t, mask));
    let mut params: Vec<_> = args.iter().map(|&a| ir::type_of(a)).collect();
    let (f, fty) = b.declare(name, ir::type_of(call), &mut params);
    let merged = b.call(fty, f, &mut args, &format!("mc.{name}"));
    Builder::replace_uses(call, merged);
    ir::erase(call);
}

/// Argument `k` of `call` becomes `or arg, mask`, computed just before the call.
fn or_flags(b: &Builder, call: LLVMValueRef, k: usize, mask: i64) {
    let Some(&arg) = ir::call_args(call).get(k) else {
        return;
    };
    b.position_before(call);
    b.set_location(Builder::location_of(call));
    let with = b.arith(
        LLVMOpcode::LLVMOr,
        arg,
        b.const_int(ir::type_of(arg), mask),
        "mc.flags",
    );
    // SAFETY: `call` is a live call with more than `k` arguments, and `with` has the type of
    // its argument `k`, which it replaces.
    unsafe { LLVMSetOperand(call, k as u32, with) }
}

/// `dup2(a, b)` followed by `fcntl(b, F_SETFD, FD_CLOEXEC)`s: `dup3(a, b, O_CLOEXEC)` when
/// `a != b`, and the original calls otherwise.
fn dup3_guarded(b: &Builder, shim: &Shim, call: LLVMValueRef, fcntls: &[LLVMValueRef]) {
    let Some(after) = ir::next_instruction(call) else {
        return;
    };
    let args = ir::call_args(call);
    let [from, to] = args[..] else {
        return;
    };
    let dbg = Builder::location_of(call);
    // The shim's split updates no analysis: every decision was made before any rewrite.
    let orig = shim.split_before(call, "mc.dup2");
    let join = shim.split_before(after, "mc.dup.join");
    let head = Builder::previous_block(orig);
    let spec = b.block_before(orig, "mc.dup3");
    Builder::erase_terminator(head);
    b.position_at_end(head);
    b.set_location(dbg);
    let ne = b.icmp(LLVMIntPredicate::LLVMIntNE, from, to, "mc.dup.ne");
    b.cond_br(ne, spec, orig);

    b.position_at_end(spec);
    b.set_location(dbg);
    let ty = ir::type_of(call);
    let (f, fty) = b.declare(
        "dup3",
        ty,
        &mut [ir::type_of(from), ir::type_of(to), b.i32t],
    );
    let d3 = b.call(
        fty,
        f,
        &mut [from, to, b.const_int(b.i32t, O_CLOEXEC)],
        "mc.dup3.fd",
    );
    b.br(join);

    b.position_at_start(join);
    b.set_location(dbg);
    let phi = b.phi(ty, "mc.dup");
    Builder::replace_uses(call, phi);
    Builder::add_incoming(phi, &[(d3, spec), (call, orig)]);

    for &fc in fcntls {
        let Some(next) = ir::next_instruction(fc) else {
            continue;
        };
        let dbg = Builder::location_of(fc);
        let run = shim.split_before(fc, "mc.fcntl");
        let done = shim.split_before(next, "mc.fcntl.join");
        let at = Builder::previous_block(run);
        Builder::erase_terminator(at);
        b.position_at_end(at);
        b.set_location(dbg);
        b.cond_br(ne, done, run);
        b.position_at_start(done);
        b.set_location(dbg);
        let ty = ir::type_of(fc);
        let phi = b.phi(ty, "mc.fcntl.result");
        Builder::replace_uses(fc, phi);
        Builder::add_incoming(phi, &[(b.const_int(ty, 0), at), (fc, run)]);
    }
}
