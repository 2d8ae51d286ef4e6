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
//! kept once the call returns), [`call_bytes`] gives those bytes. A length that is not a
//! constant counts as every byte from the pointer on (a path and a struct too), so only what
//! lies before the pointer is known untouched, unless it is the count a `read` of a constant
//! length returned, known not negative at the call ([`length_bound`]): a write of the `n`
//! bytes read, `if (n <= 0) break; write(out, j.buf, n)`, touches at most as many bytes as
//! the read was given, never the counters after the buffer. A write-all loop's buffer,
//! walked with its length (`p += w; len -= w`), stays within what the loop began with
//! ([`walked_bytes`]).

use indexmap::IndexSet;
use llvm_sys::prelude::{LLVMBasicBlockRef, LLVMValueRef};
use llvm_sys::LLVMOpcode;

use syscluster_profile::catalogue;

use crate::ir;
use crate::legality::{conditions, facts};
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
    pub(super) fn end(&self) -> i64 {
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
                size: e
                    .size
                    .or_else(|| e.len.and_then(|len| length_bound(shim, len, call)))
                    .unwrap_or(u64::MAX),
            })
        })
        .collect())
}

/// The system calls that return at most their third argument, a length in bytes, or -1.
const RESULT_AT_MOST_LENGTH: &[&str] = &["read", "pread64"];

/// The transfers that move at most their third argument, a length in bytes, and return how
/// many they moved (or -1): `send` is `sendto` with that length as its third argument too.
const MOVES_AT_MOST_LENGTH: &[&str] = &["read", "pread64", "write", "pwrite64", "sendto"];

/// The bytes of `object` the system call `call` may touch through its buffer `ptr` when a
/// write-all (or read-until-full) loop walks that buffer: `ptr` and the call's length are
/// phis of one block that the loop advances together, `p += w; len -= w` with `w` the result
/// of a transfer given `len` (read, write, pread, pwrite, send) and known not negative there
/// (or leaves both as they are: a retry after `EINTR`). Then the pointer never falls below
/// where the loop began, `p + len` never changes and the length never wraps (a transfer
/// returns at most its count), so the call touches nothing outside `[p0, p0 + len0)`: a
/// constant offset into the object and a bound of the first length (`length_bound`: the
/// count of a read of at most `N` bytes). `None` when the buffer is not walked so.
pub(super) fn walked_bytes(
    shim: &Shim,
    object: LLVMValueRef,
    call: LLVMValueRef,
    ptr: LLVMValueRef,
) -> Option<Bytes> {
    let site = sites::site_of(shim, call)?;
    let extents = facts::memory_extents(&site, false)?;
    let len = extents.iter().find(|e| e.ptr == ptr)?.len?;
    if !ir::is_phi(ptr) || !ir::is_phi(len) || ir::parent_block(ptr) != ir::parent_block(len) {
        return None;
    }
    let mut entries = Vec::new();
    let mut seen = IndexSet::new();
    walk_pair(shim, (ptr, len), (ptr, len), &mut entries, &mut seen, 0)?;
    // The values the loop begins with are defined before it: one value for the whole loop,
    // which is what the bound of the first length asks about at the call.
    let inside: IndexSet<LLVMBasicBlockRef> =
        crate::legality::loop_blocks(shim, ir::parent_block(ptr))
            .into_iter()
            .collect();
    let in_loop = |v: LLVMValueRef| ir::is_instruction(v) && inside.contains(&ir::parent_block(v));
    let mut range: Option<(i64, i64)> = None;
    for (p0, len0) in entries {
        if in_loop(p0) || in_loop(len0) {
            return None;
        }
        let start = offset_in(shim, object, p0)?;
        let bound = i64::try_from(length_bound(shim, len0, call)?).ok()?;
        let end = start.checked_add(bound)?;
        range = Some(range.map_or((start, end), |(s, e)| (s.min(start), e.max(end))));
    }
    let (start, end) = range?;
    Some(Bytes {
        start,
        size: u64::try_from(end - start).ok()?,
    })
}

/// Follows the values `(p, len)` that flow into the pair of phis `walked` back to where they
/// keep `p + len` unchanged: the phis themselves, a phi pair of one block (each incoming pair
/// followed), or `(gep i8 q, w; sub l, w)` of such a pair with `w` the result of a transfer
/// whose length is `l`, not negative where both are computed. Any other pair is one the loop
/// begins with (`entries`); `None` when a pair mixes the two or the walk goes too deep.
fn walk_pair(
    shim: &Shim,
    (p, len): (LLVMValueRef, LLVMValueRef),
    walked: (LLVMValueRef, LLVMValueRef),
    entries: &mut Vec<(LLVMValueRef, LLVMValueRef)>,
    seen: &mut IndexSet<(LLVMValueRef, LLVMValueRef)>,
    depth: u32,
) -> Option<()> {
    if depth > 16 {
        return None;
    }
    if (p, len) == walked && depth > 0 {
        return Some(());
    }
    if !seen.insert((p, len)) {
        return Some(());
    }
    let phis = ir::is_phi(p) && ir::is_phi(len) && ir::parent_block(p) == ir::parent_block(len);
    if phis {
        let lens = ir::incoming(len);
        for (pv, from) in ir::incoming(p) {
            let lv = lens.iter().find(|&&(_, b)| b == from)?.0;
            walk_pair(shim, (pv, lv), walked, entries, seen, depth + 1)?;
        }
        return Some(());
    }
    let stepped = ir::is_instruction(p)
        && ir::byte_gep(p)
        && ir::is_instruction(len)
        && ir::opcode(len) == LLVMOpcode::LLVMSub;
    if stepped {
        let (q, w) = (ir::operand(p, 0), ir::operand(p, 1));
        let (l, v) = (ir::operand(len, 0), ir::operand(len, 1));
        if w != v {
            return None;
        }
        let site = sites::site_of(shim, w)?;
        let sys = site.nr.and_then(catalogue::by_nr)?;
        let counted = MOVES_AT_MOST_LENGTH.contains(&sys.name)
            && site.args.get(2).copied().flatten() == Some(l);
        let nonneg = |at: LLVMValueRef| shim.signed_min_at(w, at).is_some_and(|m| m >= 0);
        if !counted || !nonneg(p) || !nonneg(len) {
            return None;
        }
        return walk_pair(shim, (q, l), walked, entries, seen, depth + 1);
    }
    // A pair the loop begins with: neither value is computed from the walked phis.
    let derived = |v: LLVMValueRef| v == walked.0 || v == walked.1;
    if derived(p) || derived(len) {
        return None;
    }
    entries.push((p, len));
    Some(())
}

/// Where a count is known: right before an instruction, or on an edge between two blocks.
#[derive(Clone, Copy)]
enum Point {
    Before(LLVMValueRef),
    Edge(LLVMBasicBlockRef, LLVMBasicBlockRef),
}

/// An upper bound of the length `len` the system call `at` is given, when that length is the
/// count a `read` or `pread` given a length of at most `L` below 2^31 (`read_length`) returned, known not negative
/// where it was taken: then it lies in `[0, L]`. The count may come through the casts of an
/// `int n` (`conditions::result_through_casts`, which keep every value in [0, 2^31)) and
/// through a phi of such counts (a loop that clang rotated brings the first read's count and
/// the next one's to the write): either the phi is not negative where the call takes it (the
/// loop tests `n < 0` after the phi), or each count is not negative on its edge (the loop's
/// `n <= 0` test before it). Each count is -1 or in `[0, L]`, so a phi of them known not
/// negative is in `[0, L]`. Not negative: the value, or the `int` cut from it, has a smallest
/// value of 0 or more there (`Shim::signed_min_at`, `Shim::signed_min_on_edge`: the loop's
/// test went the other way), so the read did not return -1.
///
/// Else the largest value the length itself can have at the call, when a test or a clamp
/// bounds it below 2^31 (`Shim::unsigned_max_at`: `n < N ? n : N`, a `umin`, a mask).
pub(super) fn length_bound(shim: &Shim, len: LLVMValueRef, at: LLVMValueRef) -> Option<u64> {
    count_bound(shim, len, at).or_else(|| {
        shim.unsigned_max_at(len, at)
            .filter(|&bound| bound <= i32::MAX as u64)
    })
}

/// The bound of `length_bound` for a length that is a read's count.
fn count_bound(shim: &Shim, len: LLVMValueRef, at: LLVMValueRef) -> Option<u64> {
    let (count, _) = conditions::result_through_casts(len);
    if !ir::is_phi(count) {
        return read_length(shim, count).filter(|_| not_negative(shim, count, Point::Before(at)));
    }
    let block = ir::parent_block(count);
    let incoming = ir::incoming(count);
    if not_negative(shim, count, Point::Before(at)) {
        let mut bound = 0;
        for &(value, _) in &incoming {
            let (result, _) = conditions::result_through_casts(value);
            bound = bound.max(read_length(shim, result)?);
        }
        return Some(bound);
    }
    let mut bound = 0;
    for (value, from) in incoming {
        let (result, _) = conditions::result_through_casts(value);
        let edge = Point::Edge(from, block);
        bound = bound.max(read_length(shim, result).filter(|_| not_negative(shim, result, edge))?);
    }
    Some(bound)
}

/// The largest length the `read` or `pread` whose result is `result` can be given, when it is
/// below 2^31: a constant, or a length a test or a clamp bounds at the call
/// (`Shim::unsigned_max_at`). The result is then -1 or in `[0, length]`.
fn read_length(shim: &Shim, result: LLVMValueRef) -> Option<u64> {
    let site = sites::site_of(shim, result)?;
    let sys = site.nr.and_then(catalogue::by_nr)?;
    if !RESULT_AT_MOST_LENGTH.contains(&sys.name) {
        return None;
    }
    let len = site.args.get(2).copied().flatten()?;
    let bound = match ir::const_int(len) {
        Some(k) => u64::try_from(k).ok()?,
        None => shim.unsigned_max_at(len, result)?,
    };
    (bound <= i32::MAX as u64).then_some(bound)
}

/// Whether the integer `value`, or a truncation of it, is known not negative at `point`: -1
/// is -1 cut to any width, so either rules it out.
fn not_negative(shim: &Shim, value: LLVMValueRef, point: Point) -> bool {
    let Some(place) = (match point {
        Point::Before(at) => Some(at),
        Point::Edge(from, _) => ir::terminator(from),
    }) else {
        return false;
    };
    let at_point = |c: LLVMValueRef| {
        shim.dominates(c, place)
            && match point {
                Point::Before(at) => shim.signed_min_at(c, at),
                Point::Edge(from, to) => shim.signed_min_on_edge(c, from, to),
            }
            .is_some_and(|min| min >= 0)
    };
    let truncations = ir::value_users(value)
        .into_iter()
        .filter(|&u| ir::is_instruction(u) && ir::opcode(u) == LLVMOpcode::LLVMTrunc);
    std::iter::once(value).chain(truncations).any(at_point)
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
