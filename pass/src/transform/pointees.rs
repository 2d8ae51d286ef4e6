//! Variables a loop updates through a pointer it was given, kept in a register across the loop
//! (LICM's scalar promotion of memory no other code can reach).
//!
//! A copy helper keeps its running total where its caller asked: `static int copy(int in, int
//! out, long long *tot) { ... while ((n = read(in, buf, N)) > 0) { write(out, buf, n); *tot +=
//! n; } }`, called as `copy(0, fd, &total)`, or `st->bytes += n` into a caller's struct. The
//! store in each iteration keeps the loop from being one looped multi-call, and LLVM's LICM
//! leaves it because it knows nothing of what `read` and `write` touch, nor of where `tot`
//! points. As for file-scope variables (globals.rs), the value is loaded once before the loop,
//! carried in a register and stored at each of the loop's exits.
//!
//! That is exact when no code but the loop's own loads and stores can read or write those
//! bytes while the loop runs. The legality here proves it from the module, following the
//! pointer back to the local variable, the fresh memory or the static variable it points into:
//!
//! - the pointer is defined before the loop, a constant offset into an argument of the loop's
//!   function, one of its local variables (`alloca`) or fresh memory it allocated (a call
//!   whose result is `noalias`: `malloc`, `calloc`, `xmalloc`);
//! - an argument is followed to every call of its function: the function is internal to the
//!   module (`static`, or any function with `--lto`) and only called directly, each call
//!   passes a pointer into the same kind of object (a caller's local variable or fresh
//!   memory, a static variable, or the caller's own argument, followed the same way) in that
//!   argument alone;
//! - a static variable a caller passes (`pump(&job)` on a `static struct job`, where the
//!   helper is also called on other jobs) is internal to the module and defined in it, every
//!   use of its address is one `globals::address_uses` follows (a load, a store, a call that
//!   keeps no copy, such as the chain's own call to a `nocapture` parameter), none in the loop
//!   touches the bytes kept, and no function that reads or writes it may run while the loop
//!   runs (`globals::undisturbed`: a signal handler, a thread, a callback, a function the loop
//!   calls); its storage lasts the whole run;
//! - the local variable's address goes nowhere another piece of code could find it: each use
//!   of a pointer into it is a load, a store to it, a comparison, a lifetime marker, a
//!   constant offset, a `memset`/`memcpy`, a call of the next function of the chain, or an
//!   argument of a call whose parameter is `nocapture` (the callee keeps no copy once it
//!   returns): no pointer to it is stored, returned or handed to the kernel, so no signal
//!   handler, thread, callback or system call can reach it;
//! - in the loop, pointers into the object are used only by the loop's loads and stores of
//!   that variable, or by loads and stores of bytes at other constant offsets that do not
//!   overlap it: no call in the loop is given one;
//! - the variable lies inside the local variable's bytes, so the load before the loop and the
//!   stores at its exits cannot fault where the original's accesses would not have; for fresh
//!   memory (a `struct conn` a server allocates per connection), inside the bytes the
//!   allocation's constant arguments give (`allocsize`, or the library's own allocators),
//!   the pointer known not null where the chain's call (or the loop) is reached (a dominating
//!   `if (!j)`, or a dereference), and no call given a pointer to it (`free`, or a helper that
//!   may call it) able to run before that point in any function of the chain: nothing but
//!   the allocation and the chain's calls hold the memory, so it is there;
//! - no function of the chain calls a `returns_twice` function (`setjmp`): a `longjmp` from a
//!   signal handler out of the loop would skip the stores at its exits.
//!
//! The loop's accesses themselves (one type, simple, no call that may unwind past the exits)
//! are checked by the shim as it rewrites, as for globals. Each variable is a remark
//! `KeptInRegister`, or `KeepInRegister` (missed) saying which condition failed.

use indexmap::IndexSet;

use llvm_sys::prelude::{LLVMBasicBlockRef, LLVMValueRef};
use llvm_sys::{LLVMOpcode, LLVMTypeKind};

use super::extents::{self, Bytes, Touch};
use super::globals::{address_uses, undisturbed, CallGraph, Keeping};
use super::hoist::global_of;
use crate::context::Context;
use crate::ir;
use crate::shim::Shim;

/// How many functions a pointer is followed back through to the local variable it points into.
const MAX_CHAIN: usize = 4;

/// A variable the loop writes through a pointer defined before it: the pointer, what it is an
/// offset into (an argument of the loop's function or one of its local variables) and the
/// offset in bytes.
#[derive(Clone, Copy)]
pub(super) struct Pointee {
    pub(super) ptr: LLVMValueRef,
    root: LLVMValueRef,
    offset: i64,
}

impl Pointee {
    /// How a remark names it: `'*tot' (argument 3 of 'copy')`, `'st' (at byte 8; a local
    /// variable of 'main')`, by the source name of the argument or local variable when the
    /// module has debug records, else by its place.
    pub(super) fn describe(&self, shim: &Shim) -> String {
        let at = |sep: &str| {
            if self.offset == 0 {
                String::new()
            } else {
                format!("at byte {}{sep}", self.offset)
            }
        };
        let name = shim.source_name(self.root);
        match (ir::argument_of(self.root), name) {
            (Some((f, k)), Some(name)) => format!(
                "'*{name}' ({}argument {} of '{}')",
                at("; "),
                k + 1,
                ir::name(f)
            ),
            (Some((f, k)), None) => format!(
                "the variable argument {} of '{}' points to{}",
                k + 1,
                ir::name(f),
                if self.offset == 0 {
                    String::new()
                } else {
                    format!(" ({})", at(""))
                }
            ),
            (None, name) if ir::returns_fresh_memory(self.root) => {
                let function = ir::name(ir::block_function(ir::parent_block(self.root)));
                let allocator = ir::called_function(self.root)
                    .map(|a| format!("'{}'", ir::name(a)))
                    .unwrap_or_else(|| "an allocator".into());
                match name {
                    Some(name) => format!(
                        "'*{name}' ({}memory {allocator} returns in '{function}')",
                        at("; ")
                    ),
                    None => format!(
                        "the memory {allocator} returns in '{function}'{}",
                        if self.offset == 0 {
                            String::new()
                        } else {
                            format!(" ({})", at(""))
                        }
                    ),
                }
            }
            (None, name) => {
                let function = ir::name(ir::block_function(ir::parent_block(self.root)));
                match name {
                    Some(name) => {
                        format!("'{name}' ({}a local variable of '{function}')", at("; "))
                    }
                    None => format!(
                        "the local variable {} of '{function}'{}",
                        ir::value_name(self.root),
                        if self.offset == 0 {
                            String::new()
                        } else {
                            format!(" ({})", at(""))
                        }
                    ),
                }
            }
        }
    }
}

/// The variables the loop of `blocks` writes through pointers defined before it into an
/// argument, a local variable or fresh memory, in the order of their first store.
pub(super) fn written_in(shim: &Shim, blocks: &[LLVMBasicBlockRef]) -> Vec<Pointee> {
    let inside: IndexSet<LLVMBasicBlockRef> = blocks.iter().copied().collect();
    let mut out: Vec<Pointee> = Vec::new();
    for &b in blocks {
        for i in ir::instructions(b) {
            if ir::opcode(i) != LLVMOpcode::LLVMStore {
                continue;
            }
            let ptr = ir::operand(i, 1);
            if ir::is_instruction(ptr) && inside.contains(&ir::parent_block(ptr)) {
                continue;
            }
            let Some((root, offset)) = shim.strip_offsets(ptr) else {
                continue;
            };
            if !is_root(root) || out.iter().any(|p| p.ptr == ptr) {
                continue;
            }
            out.push(Pointee { ptr, root, offset });
        }
    }
    out
}

/// Why the variable `p`, written in the loop of `blocks`, may not be kept in a register across
/// that loop; `Ok` when it may.
pub(super) fn promotable(
    shim: &Shim,
    graph: &CallGraph,
    p: &Pointee,
    blocks: &IndexSet<LLVMBasicBlockRef>,
) -> Result<(), String> {
    // The bytes the loop accesses at `ptr`: the size of its stores (the shim refuses two types).
    let Some(size) = extents::first_store_at(blocks, p.ptr).and_then(|s| shim.access_bytes(s))
    else {
        return Err("the loop writes it with a store of no fixed size".into());
    };
    let here = Bytes {
        start: p.offset,
        size,
    };
    confined(shim, graph, p.root, here, p.ptr, blocks)
}

/// Why the bytes `here` of what `root` (an argument or a local variable of the loop's function)
/// points into may be reached by code other than the loop's accesses at `ptr` while the loop of
/// `blocks` runs: `follow` over the chain of callers, and no function of it calls a
/// `returns_twice` function. `Ok` when none can.
fn confined(
    shim: &Shim,
    graph: &CallGraph,
    root: LLVMValueRef,
    here: Bytes,
    ptr: LLVMValueRef,
    blocks: &IndexSet<LLVMBasicBlockRef>,
) -> Result<(), String> {
    let mut chain: Vec<LLVMValueRef> = Vec::new();
    let Some(entry) = loop_entry(blocks) else {
        return Err("the loop has no block entered from outside it".into());
    };
    follow(
        shim,
        root,
        here,
        Step {
            toward: None,
            in_loop: Some((blocks, ptr)),
            at: entry,
            blocks,
            graph,
        },
        &mut chain,
    )?;
    chain
        .into_iter()
        .try_for_each(super::globals::no_returns_twice)
}

/// Whether the load `load` of the loop of `blocks`, through a pointer defined before the loop
/// into an argument of the loop's function, reads bytes nothing writes while the loop runs,
/// and that are always there to read: the proof of `promotable` (every caller passes a pointer
/// into a local variable of its own, whose address goes nowhere another piece of code could
/// find it, and the bytes lie inside it), with no store of the loop through the load's own
/// pointer. Then the load may move to the loop's preheader (`hoist`). A local variable of the
/// loop's own function is `hoist`'s array case.
pub(super) fn invariant_load(
    shim: &Shim,
    graph: &CallGraph,
    load: LLVMValueRef,
    blocks: &IndexSet<LLVMBasicBlockRef>,
) -> bool {
    let ptr = ir::operand(load, 0);
    if ir::is_instruction(ptr) && blocks.contains(&ir::parent_block(ptr)) {
        return false;
    }
    let Some((root, offset)) = shim.strip_offsets(ptr) else {
        return false;
    };
    if ir::argument_of(root).is_none() && !ir::returns_fresh_memory(root) {
        return false;
    }
    let Some(size) = shim.access_bytes(load) else {
        return false;
    };
    if extents::first_store_at(blocks, ptr).is_some() {
        return false;
    }
    let here = Bytes {
        start: offset,
        size,
    };
    confined(shim, graph, root, here, ptr, blocks).is_ok()
}

/// Whether `root` is what a variable the loop writes may be followed back from: an argument of
/// the loop's function, one of its local variables, or fresh memory it allocated.
fn is_root(root: LLVMValueRef) -> bool {
    ir::argument_of(root).is_some() || ir::is_alloca(root) || ir::returns_fresh_memory(root)
}

/// Where the loop of `blocks` is entered: the terminator of its one block outside it that
/// branches into it (its preheader, where a value loaded before the loop is loaded), else the
/// first instruction of the block entered (several blocks lead into the loop).
fn loop_entry(blocks: &IndexSet<LLVMBasicBlockRef>) -> Option<LLVMValueRef> {
    let entry = *blocks
        .iter()
        .find(|&&b| ir::predecessors(b).iter().any(|p| !blocks.contains(p)))?;
    let outside: Vec<LLVMBasicBlockRef> = ir::predecessors(entry)
        .into_iter()
        .filter(|p| !blocks.contains(p))
        .collect();
    match outside[..] {
        [one] => ir::terminator(one),
        _ => ir::instructions(entry).first().copied(),
    }
}

/// Where `follow` stands in the chain: `toward` is the function, and its argument, that the
/// pointer is passed to on the way to the loop (none for the loop's own function); `in_loop`
/// the loop and the variable's pointer, for the loop's own function; `at` the instruction
/// before which the bytes must be there: the call on the way to the loop, or the loop's entry
/// (`loop_entry`: the preheader's terminator, before which a load moved out of the loop runs);
/// `blocks` the loop, whichever function the step is in, and `graph` the module's calls.
#[derive(Clone, Copy)]
struct Step<'a> {
    toward: Option<(LLVMValueRef, u32)>,
    in_loop: Option<(&'a IndexSet<LLVMBasicBlockRef>, LLVMValueRef)>,
    at: LLVMValueRef,
    blocks: &'a IndexSet<LLVMBasicBlockRef>,
    graph: &'a CallGraph,
}

/// What the chain of pointers ends in.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Memory {
    /// Local variables, which live until their function returns.
    Stack,
    /// Fresh memory of an allocator somewhere, which a call given a pointer to it may free.
    Heap,
}

/// Follows `root` (an argument, a local variable or fresh memory) to the local variables or
/// fresh memory the bytes `here` lie in, checking every use of a pointer into them on the way;
/// the functions passed through are added to `chain`. Fresh memory must be of a constant size
/// and known not null at the call on the way to the loop, and no call given a pointer into it
/// (`free`, a helper) may run before that call, nor in a function of the chain before the call
/// that leads on to the loop: only the allocation and the calls of the chain hold it.
fn follow(
    shim: &Shim,
    root: LLVMValueRef,
    here: Bytes,
    step: Step<'_>,
    chain: &mut Vec<LLVMValueRef>,
) -> Result<Memory, String> {
    let argument = ir::argument_of(root);
    let function = match argument {
        Some((f, _)) => f,
        None => ir::block_function(ir::parent_block(root)),
    };
    if chain.contains(&function) {
        return Err(format!(
            "'{}' passes it on to itself (a recursive call)",
            ir::name(function)
        ));
    }
    if chain.len() >= MAX_CHAIN {
        return Err(format!(
            "it comes from a chain of more than {MAX_CHAIN} calls, which is not followed"
        ));
    }
    chain.push(function);
    confined_uses(shim, root, here, step.in_loop, step.toward)?;
    let Some((f, k)) = argument else {
        // A local variable or fresh memory: the bytes must lie inside it.
        let (bytes, memory, what) = if ir::returns_fresh_memory(root) {
            if step.in_loop.is_some() && !ir::is_terminator(step.at) {
                return Err(
                    "it lies in fresh memory, and the loop is entered from more than one block: no one place before it is known to have the memory there".into(),
                );
            }
            let Some(bytes) = shim.heap_bytes(root, step.at) else {
                return Err(format!(
                    "it points into the memory {} returns, whose size is not a constant or which may be null at {}",
                    ir::describe(root),
                    ir::describe(step.at)
                ));
            };
            released_before(shim, root, step)?;
            (bytes, Memory::Heap, "memory it points into")
        } else if let Some(bytes) = shim.alloca_bytes(root) {
            (bytes, Memory::Stack, "local variable it points into")
        } else {
            return Err(format!(
                "it points into {}, a local variable of no fixed size",
                ir::value_name(root)
            ));
        };
        if !fits(here, bytes) {
            return Err(format!("it lies outside the {bytes} bytes of the {what}"));
        }
        return Ok(memory);
    };
    if !ir::has_internal_linkage(f) {
        return Err(format!(
            "'{}' is visible outside this module, so callers it cannot see may pass any pointer (declare it static, or build with --lto)",
            ir::name(f)
        ));
    }
    let callers = ir::value_users(f);
    if callers.is_empty() {
        return Err(format!("'{}' is never called", ir::name(f)));
    }
    let mut all = chain.clone();
    let mut memory = Memory::Stack;
    for u in callers {
        if !ir::calls_directly(u, f) {
            return Err(format!(
                "'{}' has its address taken ({}), so callers this module cannot see may pass any pointer",
                ir::name(f),
                ir::describe(u)
            ));
        }
        let actual = ir::call_args(u)
            .get(k as usize)
            .copied()
            .ok_or_else(|| format!("{} passes too few arguments", ir::describe(u)))?;
        let Some((base, off)) = shim.strip_offsets(actual) else {
            return Err(format!(
                "{} passes a pointer of unknown offset",
                ir::describe(u)
            ));
        };
        let there = Bytes {
            start: here.start.saturating_add(off),
            size: here.size,
        };
        if global_of(base) == Some(base) {
            static_root(shim, base, there, step).map_err(|why| {
                format!(
                    "{} passes {}: {why}",
                    ir::describe(u),
                    ir::operand_name(base)
                )
            })?;
            continue;
        }
        if !is_root(base) {
            return Err(format!(
                "{} passes {}, not a pointer into a local variable, fresh memory or a static variable",
                ir::describe(u),
                ir::operand_name(base)
            ));
        }
        let mut through = chain.clone();
        let next = Step {
            toward: Some((f, k)),
            in_loop: None,
            at: u,
            blocks: step.blocks,
            graph: step.graph,
        };
        if follow(shim, base, there, next, &mut through)? == Memory::Heap {
            memory = Memory::Heap;
        }
        for g in through {
            if !all.contains(&g) {
                all.push(g);
            }
        }
    }
    if memory == Memory::Heap {
        released_before(shim, root, step)?;
    }
    *chain = all;
    Ok(memory)
}

/// Whether the bytes `here` lie inside an object of `bytes` bytes.
fn fits(here: Bytes, bytes: u64) -> bool {
    here.start >= 0
        && here
            .start
            .checked_add(i64::try_from(here.size).unwrap_or(i64::MAX))
            .is_some_and(|end| u64::try_from(end).is_ok_and(|end| end <= bytes))
}

/// Why the bytes `here` of the global variable `global`, which a call of the chain is given
/// a pointer into, may be reached by code other than the loop's accesses while the loop of
/// `step.blocks` runs; `Ok` when none can. The proof of `globals` for a variable kept in a
/// register, without the loop's own accesses: the variable is internal to the module
/// (`static`) and defined in it, the bytes lie inside it, every use of its address is one
/// `globals::address_uses` follows (a load, a store, a call that keeps no copy: the chain's
/// call, whose parameter is `nocapture`), none in the loop touches those bytes, and no function
/// that reads or writes it may run while the loop runs (`globals::undisturbed`). Static
/// storage is there for the whole run: no call can release it.
fn static_root(
    shim: &Shim,
    global: LLVMValueRef,
    here: Bytes,
    step: Step<'_>,
) -> Result<(), String> {
    if !ir::is_internal_global(global) {
        return Err(
            "a variable visible outside this module (declare it static, or build with --lto)"
                .into(),
        );
    }
    let Some(bytes) = shim.global_bytes(global) else {
        return Err("a variable of no fixed size, thread-local or defined elsewhere".into());
    };
    if !fits(here, bytes) {
        return Err(format!(
            "the bytes kept lie outside the variable's {bytes} bytes"
        ));
    }
    let accessors = address_uses(shim, global, here, None, step.blocks, Keeping::Register)?;
    undisturbed(
        step.graph,
        &accessors,
        step.blocks,
        "reads or writes it",
        false,
    )
}

/// Every pointer derived from `root` in its function: through address computations, casts,
/// phis and selects.
pub(super) fn derived_pointers(root: LLVMValueRef) -> Result<Vec<LLVMValueRef>, String> {
    let mut derived: Vec<LLVMValueRef> = vec![root];
    let mut k = 0;
    while k < derived.len() {
        let d = derived[k];
        k += 1;
        if derived.len() > 512 {
            return Err("its address is used in too many ways to follow".into());
        }
        for u in ir::value_users(d) {
            if !ir::is_instruction(u) {
                return Err(format!(
                    "its address is used by a constant ({})",
                    ir::describe(u)
                ));
            }
            let through = match ir::opcode(u) {
                LLVMOpcode::LLVMGetElementPtr => ir::operand(u, 0) == d,
                LLVMOpcode::LLVMBitCast
                | LLVMOpcode::LLVMAddrSpaceCast
                | LLVMOpcode::LLVMPHI
                | LLVMOpcode::LLVMSelect => true,
                _ => false,
            };
            if through && !derived.contains(&u) {
                derived.push(u);
            }
        }
    }
    Ok(derived)
}

/// For a chain that ends in fresh memory: `Err` naming a call of `root`'s function, given a
/// pointer into it, that may run before `step.at` and may free the memory there (`free`, or a
/// helper that calls it). The loop's own calls are `confined_uses`' to check; lifetime
/// markers, memory intrinsics and system calls that use it only as their buffers free
/// nothing, and `step.at` itself is the next link of the chain.
fn released_before(shim: &Shim, root: LLVMValueRef, step: Step<'_>) -> Result<(), String> {
    let derived = derived_pointers(root)?;
    let into = |v: LLVMValueRef| derived.contains(&v).then_some(0);
    for &d in &derived {
        for u in ir::value_users(d) {
            if u == step.at || !ir::is_call_site(u) || derived.contains(&u) {
                continue;
            }
            if step
                .in_loop
                .is_some_and(|(blocks, _)| blocks.contains(&ir::parent_block(u)))
            {
                continue;
            }
            let name = ir::called_function(u).map(ir::name).unwrap_or_default();
            if name.starts_with("llvm.lifetime.")
                || ir::is_memory_intrinsic(u)
                || extents::call_bytes(shim, u, Touch::Any, &into).is_ok()
            {
                continue;
            }
            if ir::instruction_reaches(u, step.at) {
                return Err(format!(
                    "it lies in fresh memory, and {} is given a pointer to it before {}: it may free it",
                    ir::describe(u),
                    ir::describe(step.at)
                ));
            }
        }
    }
    Ok(())
}

/// Checks every use of a pointer into `root` in its function: see the module's documentation.
/// `next` is the function, and its argument, that `root`'s pointer is passed to on the way to
/// the loop (when `root` belongs to a caller); `in_loop` the loop and the variable's own
/// pointer.
fn confined_uses(
    shim: &Shim,
    root: LLVMValueRef,
    here: Bytes,
    in_loop: Option<(&IndexSet<LLVMBasicBlockRef>, LLVMValueRef)>,
    next: Option<(LLVMValueRef, u32)>,
) -> Result<(), String> {
    let derived = derived_pointers(root)?;
    let in_loop_block =
        |i: LLVMValueRef| in_loop.is_some_and(|(blocks, _)| blocks.contains(&ir::parent_block(i)));
    for &d in &derived {
        for u in ir::value_users(d) {
            if derived.contains(&u) {
                continue;
            }
            match ir::opcode(u) {
                LLVMOpcode::LLVMGetElementPtr if ir::operand(u, 0) != d => {
                    return Err(format!(
                        "its address is used as an index ({})",
                        ir::describe(u)
                    ))
                }
                LLVMOpcode::LLVMLoad => {
                    if in_loop_block(u) {
                        disjoint_in_loop(shim, root, d, u, here, in_loop)?;
                    }
                }
                LLVMOpcode::LLVMStore => {
                    if ir::operand(u, 0) == d {
                        return Err(format!("its address is stored ({})", ir::describe(u)));
                    }
                    if in_loop_block(u) {
                        disjoint_in_loop(shim, root, d, u, here, in_loop)?;
                    }
                }
                LLVMOpcode::LLVMICmp => {}
                LLVMOpcode::LLVMCall => {
                    let name = ir::called_function(u).map(ir::name).unwrap_or_default();
                    if name.starts_with("llvm.lifetime.") {
                        continue;
                    }
                    if in_loop_block(u) {
                        // A system call the catalogue describes touches only its buffers.
                        let into = |v: LLVMValueRef| {
                            if !derived.contains(&v) {
                                return None;
                            }
                            extents::offset_in(shim, root, v)
                        };
                        for a in ir::call_args(u) {
                            if !derived.contains(&a) || into(a).is_some() {
                                continue;
                            }
                            // A buffer a write-all loop walks stays within what it began with.
                            match extents::walked_bytes(shim, root, u, a) {
                                Some(b) if !b.overlaps(&here) => {}
                                Some(b) => {
                                    return Err(format!(
                                        "the loop passes bytes {}..{} of it to {} through a pointer at an offset that is not a constant ({})",
                                        b.start,
                                        b.end(),
                                        ir::describe(u),
                                        ir::operand_name(a)
                                    ))
                                }
                                None => {
                                    return Err(format!(
                                        "the loop passes a pointer into it at an offset that is not a constant ({}) to {}",
                                        ir::operand_name(a),
                                        ir::describe(u)
                                    ))
                                }
                            }
                        }
                        extents::call_leaves(shim, u, Touch::Any, &into, here)?;
                        continue;
                    }
                    if ir::is_memory_intrinsic(u) {
                        continue;
                    }
                    let args = ir::call_args(u);
                    if let Some((f, k)) = next.filter(|&(f, _)| ir::called_function(u) == Some(f)) {
                        // The call on the way to the loop: one argument only points into it,
                        // the one followed (another may let the callee keep the address).
                        let into: Vec<usize> = (0..args.len())
                            .filter(|&j| derived.contains(&args[j]))
                            .collect();
                        if into.len() > 1 {
                            return Err(format!(
                                "{} is given {} pointers into the same local variable",
                                ir::describe(u),
                                into.len()
                            ));
                        }
                        let followed = into == [k as usize]
                            || into.iter().all(|&j| {
                                u32::try_from(j).is_ok_and(|j| {
                                    ir::call_has_attribute(u, ir::AttrAt::Arg(j), "nocapture")
                                })
                            });
                        if !followed {
                            return Err(format!(
                                "its address is passed to {} as another argument, which '{}' may keep",
                                ir::describe(u),
                                ir::name(f)
                            ));
                        }
                        continue;
                    }
                    // The kernel keeps no pointer a system call the catalogue describes is
                    // given.
                    let into = |v: LLVMValueRef| derived.contains(&v).then_some(0);
                    let system_call = extents::call_bytes(shim, u, Touch::Any, &into).is_ok();
                    for (j, a) in args.iter().enumerate() {
                        let kept = u32::try_from(j)
                            .map(|j| ir::call_has_attribute(u, ir::AttrAt::Arg(j), "nocapture"))
                            .unwrap_or(false);
                        if *a == d && !kept && !system_call {
                            return Err(format!(
                                "its address is passed to {}, which may keep it",
                                ir::describe(u)
                            ));
                        }
                    }
                    if ir::callee_operand(u) == d {
                        return Err(format!("its address is called ({})", ir::describe(u)));
                    }
                }
                _ => return Err(format!("its address is used by {}", ir::describe(u))),
            }
        }
    }
    Ok(())
}

/// For a load or store `access` in the loop through `d`, a pointer derived from `root`: `Ok`
/// when it is the variable's own access or touches other bytes at a constant offset.
fn disjoint_in_loop(
    shim: &Shim,
    root: LLVMValueRef,
    d: LLVMValueRef,
    access: LLVMValueRef,
    here: Bytes,
    in_loop: Option<(&IndexSet<LLVMBasicBlockRef>, LLVMValueRef)>,
) -> Result<(), String> {
    if in_loop.is_some_and(|(_, ptr)| ptr == d) {
        return Ok(());
    }
    let other =
        extents::offset_in(shim, root, d).and_then(|off| Bytes::of_access(shim, access, off));
    match other {
        Some(b) if !b.overlaps(&here) => Ok(()),
        _ => Err(format!(
            "the loop also reads or writes it through another pointer ({})",
            ir::describe(access)
        )),
    }
}

/// Keeps the variables the loop of `header` writes through pointers in registers across the
/// loop; `remark` is told of each, with `Ok` or why not. A vector of integers (SLP's `<2 x
/// i64>` of two adjacent fields) is split into its elements first
/// ([`super::vectors::split_accesses`]), each then a variable.
pub(super) fn run_on_loop(
    ctx: &mut Context<'_>,
    graph: &CallGraph,
    header: LLVMBasicBlockRef,
    mut remark: impl FnMut(&mut Context<'_>, &Pointee, Result<(), String>),
) -> bool {
    let mut changed = false;
    let (mut asked, mut split): (Vec<LLVMValueRef>, Vec<LLVMValueRef>) = (Vec::new(), Vec::new());
    loop {
        // Asked again for each: promoting one gives the loop a preheader and exit blocks, and
        // splitting a vector gives it new variables.
        let blocks = crate::legality::loop_blocks(ctx.shim, header);
        let Some(p) = written_in(ctx.shim, &blocks)
            .into_iter()
            .find(|p| !asked.contains(&p.ptr))
        else {
            break;
        };
        asked.push(p.ptr);
        let blocks: IndexSet<LLVMBasicBlockRef> = blocks.into_iter().collect();
        let vector = stored_type_kind(&blocks, p.ptr) == Some(LLVMTypeKind::LLVMVectorTypeKind)
            && !split.contains(&p.ptr);
        let answer = promotable(ctx.shim, graph, &p, &blocks).map_err(|why| (why, false));
        let done = answer.and_then(|()| {
            if vector {
                let split = super::vectors::split_accesses(ctx.module, &blocks, p.ptr);
                if split.is_ok() {
                    ctx.shim.invalidate(ir::block_function(header));
                }
                split.map_err(|why| (why, false))
            } else {
                ctx.shim.promote_in_loop(header, p.ptr, &[])
            }
        });
        match done {
            // The elements are asked about in the next rounds, the first at `ptr` itself.
            Ok(()) if vector => {
                changed = true;
                split.push(p.ptr);
                asked.retain(|&q| q != p.ptr);
            }
            Ok(()) => {
                changed = true;
                remark(ctx, &p, Ok(()));
            }
            Err((why, simplified)) => {
                changed |= simplified;
                remark(ctx, &p, Err(why));
            }
        }
    }
    changed
}

/// The kind of type the loop of `blocks` stores at `ptr` (its first store's).
fn stored_type_kind(
    blocks: &IndexSet<LLVMBasicBlockRef>,
    ptr: LLVMValueRef,
) -> Option<LLVMTypeKind> {
    extents::first_store_at(blocks, ptr).map(|s| ir::type_kind(ir::type_of(ir::operand(s, 0))))
}
