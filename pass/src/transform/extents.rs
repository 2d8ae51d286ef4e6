//! Which bytes of one object (a global variable, a local variable) a piece of code touches:
//! a load or store at a constant offset, or a system call given a pointer into the object.
//!
//! Keeping a variable in a register across a loop (`globals`, `pointees`) and moving its load
//! out of the loop (`hoist`) are exact when nothing in the loop but the variable's own loads
//! and stores touches its bytes. A program that keeps its state in one struct (`struct job {
//! int in, out; long total; char buf[N]; }`) reads into the struct's buffer in the same loop
//! that counts in its other fields: the loop's `read(j.in, j.buf, N)` is given a pointer into
//! the object, but the kernel touches only what the system call's arguments describe, here
//! `buf[0..N)`, never the counters before it. For the system calls whose arguments the
//! catalogue describes completely (`facts::MODELLED`: each pointer a buffer with its length, a
//! path or a struct of the kernel's, the kernel following no pointer stored in them, nothing
//! kept once the call returns), [`call_bytes`] gives those bytes; a length that is not a
//! constant (a write of the `n` bytes read, a path, a struct) counts as every byte from the
//! pointer on, so only what lies before the pointer is known untouched.

use indexmap::IndexSet;
use llvm_sys::prelude::{LLVMBasicBlockRef, LLVMValueRef};
use llvm_sys::LLVMOpcode;

use crate::ir;
use crate::legality::facts;
use crate::shim::Shim;
use crate::sites;

/// A range of bytes at a constant offset from the start of an object; `size` is `u64::MAX`
/// for "every byte from `start` on".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Bytes {
    pub(super) start: i64,
    pub(super) size: u64,
}

impl Bytes {
    /// The end of the range, saturated.
    fn end(&self) -> i64 {
        self.start
            .saturating_add(i64::try_from(self.size).unwrap_or(i64::MAX))
    }

    /// Whether the two ranges share a byte.
    pub(super) fn overlaps(&self, other: &Bytes) -> bool {
        self.start < other.end() && other.start < self.end()
    }

    /// The bytes a load or store at `offset` accesses, when the access has a fixed size.
    pub(super) fn of_access(shim: &Shim, access: LLVMValueRef, offset: i64) -> Option<Bytes> {
        shim.access_bytes(access).map(|size| Bytes {
            start: offset,
            size,
        })
    }
}

/// The constant offset in bytes of the pointer `ptr` into `object` (GEPs, casts and constant
/// expressions stripped); `None` when `ptr` is not a constant offset from `object`.
pub(super) fn offset_in(shim: &Shim, object: LLVMValueRef, ptr: LLVMValueRef) -> Option<i64> {
    shim.strip_offsets(ptr)
        .filter(|&(base, _)| base == object)
        .map(|(_, off)| off)
}

/// The first store of the loop of `blocks` to the address `ptr` itself.
pub(super) fn first_store_at(
    blocks: &IndexSet<LLVMBasicBlockRef>,
    ptr: LLVMValueRef,
) -> Option<LLVMValueRef> {
    blocks
        .iter()
        .flat_map(|&b| ir::instructions(b))
        .find(|&i| ir::opcode(i) == LLVMOpcode::LLVMStore && ir::operand(i, 1) == ptr)
}

/// Which of a system call's memory arguments count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Touch {
    /// Those the kernel reads or writes.
    Any,
    /// Those the kernel may write.
    Writes,
}

/// The bytes of the object that `into` recognises (the offset into it of a pointer into it,
/// `None` for any other value) that the call `call` may touch (`touch`), when it is a system
/// call whose memory arguments the catalogue describes completely: each argument that points
/// into the object must be one of those memory arguments. `Err` completes "a pointer to it is
/// passed to `call`" with why the call may do anything with the object (empty for a call that
/// is no system call).
pub(super) fn call_bytes(
    shim: &Shim,
    call: LLVMValueRef,
    touch: Touch,
    into: &dyn Fn(LLVMValueRef) -> Option<i64>,
) -> Result<Vec<Bytes>, &'static str> {
    let Some(site) = sites::site_of(shim, call) else {
        return Err("");
    };
    let Some(memory) = facts::memory_extents(&site, false) else {
        return Err(", a system call whose use of memory is not modelled");
    };
    // Every pointer into the object the call is given must be one the catalogue describes.
    for a in ir::call_args(call) {
        if into(a).is_some() && !memory.iter().any(|e| e.ptr == a) {
            return Err(" as an argument that is none of the system call's buffers");
        }
    }
    let counted = match touch {
        Touch::Any => memory,
        Touch::Writes => facts::memory_extents(&site, true).unwrap_or_default(),
    };
    Ok(counted
        .into_iter()
        .filter_map(|e| {
            into(e.ptr).map(|start| Bytes {
                start,
                size: e.size.unwrap_or(u64::MAX),
            })
        })
        .collect())
}

/// `Ok` when the call `call` of a loop touches (`touch`) none of the bytes `here` of the
/// object `into` recognises; else why it may (a reason for a remark).
pub(super) fn call_leaves(
    shim: &Shim,
    call: LLVMValueRef,
    touch: Touch,
    into: &dyn Fn(LLVMValueRef) -> Option<i64>,
    here: Bytes,
) -> Result<(), String> {
    let touched = call_bytes(shim, call, touch, into).map_err(|why| {
        format!(
            "the loop passes a pointer to it to {}{why}",
            ir::describe(call)
        )
    })?;
    match touched.iter().find(|b| b.overlaps(&here)) {
        None => Ok(()),
        Some(b) if b.size == u64::MAX => Err(format!(
            "the loop passes a pointer to byte {} of the object it lies in, with no constant length, to {}: every byte from there on may be touched",
            b.start,
            ir::describe(call)
        )),
        Some(b) => Err(format!(
            "the loop passes bytes {}..{} of the object it lies in to {}",
            b.start,
            b.end(),
            ir::describe(call)
        )),
    }
}
