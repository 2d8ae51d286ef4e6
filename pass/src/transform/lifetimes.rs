//! Lifetime markers of a local buffer declared inside a hot loop: gone, so that the object
//! lives for the whole function.
//!
//! A buffer declared in the loop's body (`for (;;) { char buf[4096]; n = read(in, buf, ..);
//! ... write(out, buf, n); }`, as much C declares it) gets `llvm.lifetime.start` before its
//! first use and `llvm.lifetime.end` on every way out of the body, the back edge included:
//! between the write and the next iteration's read, inside the loop, where code motion has
//! nowhere to move them (`motion.rs` moves a marker only out of a region, and a loop taken
//! whole is its own region), so the loop could not be one looped multi-call:
//!
//! ```text
//! before                                             after
//!   loop:                                              loop:
//!     call @llvm.lifetime.start(i64 4096, ptr %buf)
//!     %n = call i64 @read(i32 %in, ptr %buf, ..)         %n = call i64 @read(i32 %in, ptr %buf, ..)
//!     ...                                                ...
//!     %w = call i64 @write(i32 %out, ptr %buf, ..)       %w = call i64 @write(i32 %out, ptr %buf, ..)
//!     call @llvm.lifetime.end(i64 4096, ptr %buf)
//!     br label %loop                                     br label %loop
//! ```
//!
//! Markers only tell optimisations where an object is dead (its contents undefined after a
//! start, its stack slot free for another object outside its live ranges); LLVM's language
//! reference makes an object without markers live for its whole function. So every marker of
//! the object goes, in the whole function, never some of them (a start left alone would still
//! make the contents undefined where the others no longer say the object is dead). The cost
//! is at most the object's stack slot shared with no other. Taken for allocas of the function
//! whose markers lie in a loop that holds a call of a hot edge; each is a remark
//! `LifetimesRemoved`. But a loop that holds another (a loop over files around a copy loop
//! inlined into it, with the buffer declared in the outer body) can never be one looped
//! multi-call, and code motion takes the markers of an object with one `lifetime.start` (it
//! comes before every use) out of the straight multi-calls in it, so those stay: they tell
//! the legality of the inner loop's batch that a way out of it which comes round to a marker
//! reads nothing the batch left in the buffer (`dead_buffers::ends_contents`), which lets the
//! runtime copy in the kernel.

use indexmap::IndexSet;

use llvm_sys::prelude::LLVMValueRef;

use super::reheader::heads_loop;
use super::{hot_loops, Changed, Hot};
use crate::context::Context;
use crate::ir;
use crate::legality::loop_blocks;
use crate::remarks::Remark;

/// Removes the lifetime markers of the allocas that have one in a loop around a hot call, but
/// for an object of one start in a loop that holds another loop.
pub(crate) fn run(ctx: &mut Context<'_>, hot: &mut Hot<'_>) -> Changed {
    let mut changed = Changed::No;
    let mut done: IndexSet<LLVMValueRef> = IndexSet::new();
    for header in hot_loops(ctx, hot) {
        let func = ir::block_function(header);
        let blocks = loop_blocks(ctx.shim, header);
        let nested = blocks
            .iter()
            .any(|&b| b != header && heads_loop(ctx.shim, b));
        // The objects first, with a marker each: erasing one object's markers must not leave
        // another marker of it in hand.
        let mut objects: Vec<(LLVMValueRef, LLVMValueRef)> = Vec::new();
        for marker in blocks
            .into_iter()
            .flat_map(ir::instructions)
            .filter(|&i| ir::lifetime_marker(i).is_some())
        {
            let object = ctx.shim.underlying_object(ir::operand(marker, 1));
            if ir::is_alloca(object) && done.insert(object) {
                objects.push((object, marker));
            }
        }
        for (object, marker) in objects {
            let markers: Vec<LLVMValueRef> = ir::blocks(func)
                .into_iter()
                .flat_map(ir::instructions)
                .filter(|&i| {
                    ir::lifetime_marker(i).is_some()
                        && ctx.shim.underlying_object(ir::operand(i, 1)) == object
                })
                .collect();
            let starts = markers
                .iter()
                .filter(|&&m| ir::lifetime_marker(m) == Some(ir::LifetimeMarker::Start))
                .count();
            // In a loop around another loop, one start that comes before every use can be
            // moved out of the straight multi-calls (`motion.rs`); several (a body copied by
            // unrolling) cannot, and go as in the loop of the calls.
            if nested && starts == 1 {
                continue;
            }
            ctx.remark(Remark::lifetimes_removed(
                func,
                marker,
                object,
                markers.len(),
            ));
            for m in markers {
                ir::erase(m);
            }
            ctx.shim.invalidate(func);
            changed = Changed::Yes;
        }
    }
    changed
}
