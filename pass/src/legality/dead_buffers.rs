//! Whether the memory a looped batch's calls write is dead after the loop, so that the runtime
//! may run the loop as one in-kernel copy (`MC_BATCH_DEAD_BUFFERS`: `copy_file_range`,
//! `sendfile`, `splice`) that never fills the buffer.
//!
//! A copy loop `while ((n = read(in, buf, N)) > 0) write(out, buf, n)` moves data through
//! `buf`; whether the bytes pass through user memory is visible only to code that reads `buf`
//! afterwards. The loop's buffers are dead when every argument that a call of the loop writes
//! through (the catalogue's argument kinds) points into a local array (an `alloca`, through
//! address computations) that nothing but the calls of this loop uses: no load, no store, no
//! other call, no escape of its address. Lifetime and debug markers do not read memory.
//! Nothing else is assumed: a global buffer, a heap buffer or one passed in by a caller keeps
//! the flag off, and the loop stays an ordinary looped batch. A use that cannot run once the
//! loop is entered (its block is not reachable from the loop's header: the copy of a rotated
//! loop's first iteration on the way in) sees nothing the batch did, and does not count.

use std::collections::{HashSet, VecDeque};

use llvm_sys::prelude::{LLVMBasicBlockRef, LLVMValueRef};
use llvm_sys::LLVMOpcode;
use syscluster_profile::catalogue;

use crate::ir;
use crate::plan::{ArgSource, Buffers, Entry};
use crate::sites::Site;

/// Decides [`Buffers`] for the entries of a whole loop headed by `header`.
pub(crate) fn check(entries: &[Entry], sites: &[Site], header: LLVMBasicBlockRef) -> Buffers {
    let calls: HashSet<LLVMValueRef> = entries.iter().map(|e| sites[e.site].call).collect();
    let after = reachable(header);
    let mut written = 0;
    for e in entries {
        let site = &sites[e.site];
        let Some(call) = site.nr.and_then(catalogue::by_nr) else {
            return Buffers::Live(format!("{} is not a known system call", site.label()));
        };
        for (k, kind) in call.args.iter().enumerate() {
            if !kind.may_write_memory() {
                continue;
            }
            written += 1;
            let Some(ArgSource::Value(v)) = e.args.get(k) else {
                return Buffers::Live(format!(
                    "argument {} of {} is not a pointer the pass can follow",
                    k + 1,
                    site.label()
                ));
            };
            let Some(base) = local_array(*v) else {
                return Buffers::Live(format!(
                    "the buffer {} of {} is not a local array",
                    ir::value_name(*v),
                    site.label()
                ));
            };
            if let Some(other) = other_user(base, &calls, &after) {
                return Buffers::Live(format!(
                    "the buffer {} of {} is also used by '{}'",
                    ir::value_name(base),
                    site.label(),
                    ir::describe(other)
                ));
            }
        }
    }
    if written == 0 {
        return Buffers::Live("no call of the loop writes memory".into());
    }
    Buffers::Dead
}

/// The `alloca` that `v` points into, through address computations and casts.
fn local_array(mut v: LLVMValueRef) -> Option<LLVMValueRef> {
    for _ in 0..16 {
        if !ir::is_instruction(v) {
            return None;
        }
        match ir::opcode(v) {
            LLVMOpcode::LLVMAlloca => return Some(v),
            LLVMOpcode::LLVMGetElementPtr
            | LLVMOpcode::LLVMBitCast
            | LLVMOpcode::LLVMAddrSpaceCast => v = ir::operand(v, 0),
            _ => return None,
        }
    }
    None
}

/// The blocks reachable from `header` (itself included): where code may run once the loop is
/// entered.
fn reachable(header: LLVMBasicBlockRef) -> HashSet<LLVMBasicBlockRef> {
    let mut seen = HashSet::new();
    let mut queue = VecDeque::from([header]);
    while let Some(b) = queue.pop_front() {
        if seen.insert(b) {
            queue.extend(ir::successors_of(b));
        }
    }
    seen
}

/// An instruction other than `calls`, lifetime and debug markers that uses `v` (or an address
/// computed from it) in a block of `after`.
fn other_user(
    v: LLVMValueRef,
    calls: &HashSet<LLVMValueRef>,
    after: &HashSet<LLVMBasicBlockRef>,
) -> Option<LLVMValueRef> {
    let mut work = vec![v];
    let mut seen = HashSet::new();
    while let Some(v) = work.pop() {
        if !seen.insert(v) {
            continue;
        }
        for (user, at) in ir::users(v) {
            match ir::opcode(user) {
                // Address computations are followed wherever they are.
                LLVMOpcode::LLVMGetElementPtr
                | LLVMOpcode::LLVMBitCast
                | LLVMOpcode::LLVMAddrSpaceCast => work.push(user),
                _ if !after.contains(&at) && !ir::is_phi(user) => {}
                LLVMOpcode::LLVMCall if calls.contains(&user) || is_marker(user) => {}
                _ => return Some(user),
            }
        }
    }
    None
}

/// `llvm.lifetime.*` and `llvm.dbg.*`: they neither read nor write the memory.
fn is_marker(call: LLVMValueRef) -> bool {
    ir::called_function(call).is_some_and(|f| {
        let name = ir::name(f);
        name.starts_with("llvm.lifetime.") || name.starts_with("llvm.dbg.")
    })
}
