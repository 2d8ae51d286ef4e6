//! Whether the memory a looped batch's calls write is dead after the loop, so that the runtime
//! may run the loop as one in-kernel copy (`MC_BATCH_DEAD_BUFFERS`: `copy_file_range`,
//! `sendfile`, `splice`) that never fills the buffer.
//!
//! A copy loop `while ((n = read(in, buf, N)) > 0) write(out, buf, n)` moves data through
//! `buf`; whether the bytes pass through user memory is visible only to code that reads `buf`
//! afterwards. The loop's buffers are dead when every argument that a call of the loop writes
//! through (the catalogue's argument kinds) points, through address computations, into
//! memory of its own: a local array (an `alloca`), a fresh allocation (a call whose result
//! is `noalias`, as `malloc`'s and its wrappers' are: no other pointer reaches that memory)
//! or a static buffer (a global variable internal to the module that no other function
//! uses; it outlives the call, so every use of it in the function counts as after the loop,
//! unless the function runs once: `main`, or a helper `main` calls once, outside any loop),
//! that nothing but the calls of this loop uses once the loop is entered, and whose address
//! never escapes. Allowed besides the loop's calls: lifetime and debug markers,
//! `llvm.assume` of the address's alignment, `free`, and comparisons of the address (`if
//! (!buf)`), which read no memory; a merge of the address (`phi`, `select`) is followed. A
//! use that cannot run once the loop is entered (its block is not reachable from the loop's
//! header: the copy of a rotated loop's first iteration on the way in, a `memset` before the
//! loop) sees nothing the batch did and does not count, provided it only reads or writes
//! through the address (a load, a store to it, a system call, a call that does not capture
//! it). Nor does a use that reads none of the bytes the loop's calls write (`reads_none_of`): a
//! store, and a load at a constant offset outside them, so that a struct that holds the
//! buffer with the job's descriptors and counters (`read(c->in, c->buf, N)` writes only
//! `buf[0..N)`) is set up and read back around the loop, in the function or, for a static
//! struct, in any other. A buffer the function is given by its callers (an argument, at a
//! constant offset) is dead when every call, all of them in the module, passes a local array
//! or a fresh allocation of the caller's own that the caller does not read after the call
//! (`callers_leave`), or a static buffer (a `static struct job` whose other fields the caller
//! sets and reads) that no function reads the written bytes of, and that a caller which may
//! run again does not read anywhere. Nothing else is assumed: a global buffer of another module, or one a
//! caller that other modules may call gives, keeps the flag off, and the loop stays an
//! ordinary looped batch.

use indexmap::IndexSet;
use std::collections::VecDeque;

use llvm_sys::prelude::{LLVMBasicBlockRef, LLVMValueRef};
use llvm_sys::LLVMOpcode;
use syscluster_profile::catalogue;

use crate::ir::{self, AttrAt};
use crate::plan::{ArgSource, Buffers, Entry};
use crate::shim::Shim;
use crate::sites::Site;

/// Decides [`Buffers`] for the entries of a whole loop headed by `header`: dead, or live with
/// the first reason.
pub(crate) fn check(
    shim: &Shim,
    entries: &[Entry],
    sites: &[Site],
    header: LLVMBasicBlockRef,
) -> Buffers {
    match uses(shim, entries, sites, header) {
        Ok(others) => match others.first() {
            None => Buffers::Dead,
            Some(&(base, site, other)) => Buffers::Live(also_used(base, &sites[site], other)),
        },
        Err(why) => Buffers::Live(why),
    }
}

/// Why a buffer is live: `other` uses `base`, the buffer of `site`.
pub(crate) fn also_used(base: LLVMValueRef, site: &Site, other: LLVMValueRef) -> String {
    format!(
        "the buffer {} of {} is also used by '{}'",
        ir::value_name(base),
        site.label(),
        ir::describe(other)
    )
}

/// The uses of the buffers of the entries of a whole loop headed by `header` that may run
/// once the loop is entered, besides the loop's own calls and the uses the module docs allow
/// anywhere: each with its buffer and the site that writes it. Every such use only reads or
/// writes through the address. `Err` when a buffer is not memory of the loop's function's
/// own, its address escapes, or a call is unknown.
pub(crate) fn uses(
    shim: &Shim,
    entries: &[Entry],
    sites: &[Site],
    header: LLVMBasicBlockRef,
) -> Result<Vec<(LLVMValueRef, usize, LLVMValueRef)>, String> {
    let calls: IndexSet<LLVMValueRef> = entries.iter().map(|e| sites[e.site].call).collect();
    // A system call moves bytes through its pointers and keeps none of them.
    let syscalls: IndexSet<LLVMValueRef> = sites.iter().map(|s| s.call).collect();
    let after = reachable(header);
    let function = ir::block_function(header);
    // Every block of the function: where a static buffer's uses may run after the loop.
    let everywhere: IndexSet<LLVMBasicBlockRef> = ir::blocks(function).into_iter().collect();
    let mut written = 0;
    let mut others = Vec::new();
    for (e, v) in written_pointers(entries, sites)? {
        let site = &sites[e.site];
        written += 1;
        let base = match (own_memory(v), passed_in(v)) {
            (Some(base), _) => base,
            (None, Some(arg)) => {
                callers_leave(shim, arg, entries, sites, &syscalls, header).map_err(|why| {
                    format!(
                        "the buffer {} of {} is given to the function by its callers, and {why}",
                        ir::value_name(v),
                        site.label()
                    )
                })?;
                arg
            }
            (None, None) => {
                return Err(format!(
                    "the buffer {} of {} is not memory of the function's own (a local array, a fresh allocation, a static buffer) nor its callers'",
                    ir::value_name(v),
                    site.label()
                ))
            }
        };
        // A static buffer outlives the call: a use anywhere in the function may run
        // after the loop, in a later call, and a use elsewhere is another function's.
        // `main`, which nothing in the program calls again, has no later call.
        let global = is_static(base);
        let after = if seen_again(base, function) {
            &everywhere
        } else {
            &after
        };
        let only_in = global.then_some(function);
        let written = written_bytes(shim, base, entries, sites);
        let unseen = |u: LLVMValueRef| reads_none_of(shim, u, base, written.as_deref());
        let found =
            other_users(base, &calls, &syscalls, after, only_in, &unseen).map_err(|escape| {
                let elsewhere = ir::is_instruction(escape)
                    && ir::block_function(ir::parent_block(escape)) != function;
                if elsewhere {
                    format!(
                        "the static buffer {} of {} is also used in '{}': '{}'",
                        ir::value_name(base),
                        site.label(),
                        ir::name(ir::block_function(ir::parent_block(escape))),
                        ir::describe(escape)
                    )
                } else {
                    format!(
                        "the address of the buffer {} of {} escapes in '{}'",
                        ir::value_name(base),
                        site.label(),
                        ir::describe(escape)
                    )
                }
            })?;
        others.extend(
            found
                .into_iter()
                .filter(|&u| !blind(shim, u, base, sites, header) && !unseen(u))
                .map(|u| (base, e.site, u)),
        );
    }
    if written == 0 {
        return Err("no call of the loop writes memory".into());
    }
    Ok(others)
}

/// The system calls that write `result` bytes at their buffer argument (1) and nothing else
/// there: `read`, `pread64`, `recvfrom` (`recv`).
const FILLS: [u32; 3] = [0, 17, 45];
/// The system calls that read the bytes `[buf, buf + len)` of their buffer argument (1) and
/// length argument (2): `write`, `pwrite64`, `sendto` (`send`).
const DRAINS: [u32; 3] = [1, 18, 44];

/// Whether `u`, a use of the buffer `base` that may run after the loop of `header`, cannot see
/// what the loop left there: a system call that only writes into the buffer (`read`: the bytes
/// it does not fill are seen by later uses, each asked about), or one that reads only bytes a
/// later fill wrote: `write(fd, p, n)` whose count `n` is the result of `read(in, p, ..)` at
/// the same address (or a phi of such results: a rotated loop's), after which the loop cannot
/// run again before it without running the fill again (a loop over files whose copy loop
/// refills the buffer for each file), and which is not negative there (a failed read's -1 would be a count
/// past the buffer).
fn blind(
    shim: &Shim,
    u: LLVMValueRef,
    base: LLVMValueRef,
    sites: &[Site],
    header: LLVMBasicBlockRef,
) -> bool {
    let nr_of = |call: LLVMValueRef| sites.iter().find(|s| s.call == call).and_then(|s| s.nr);
    let Some(nr) = nr_of(u) else {
        return false;
    };
    let Some(call) = catalogue::by_nr(nr) else {
        return false;
    };
    let args = ir::call_args(u);
    let into: Vec<usize> = args
        .iter()
        .enumerate()
        .filter(|&(_, &a)| root_of(a) == Some(base))
        .map(|(k, _)| k)
        .collect();
    if into.is_empty() {
        return false;
    }
    // Only written: the kernel reads nothing there.
    if into
        .iter()
        .all(|&k| call.args.get(k) == Some(&catalogue::ArgKind::BufOut))
    {
        return true;
    }
    if !DRAINS.contains(&nr) || into != [1] || args.len() < 3 {
        return false;
    }
    let count = ir::strip_int_casts(args[2]);
    let Some(fills) = fills_of(count, args[1], &nr_of, 2) else {
        return false;
    };
    // The loop may run between the fill and the write when a way from the fill reaches the
    // loop's header and goes on to the write without running the fill again (which would
    // give the write a new count). A fill inside the loop is the loop's own business.
    let inside = super::loop_blocks(shim, header);
    let again = |fill: LLVMValueRef| {
        let at = ir::parent_block(fill);
        inside.contains(&at)
            || (reaches_avoiding(ir::successors_of(at), header, at)
                && reaches_avoiding(vec![header], ir::parent_block(u), at))
    };
    !fills.into_iter().any(again) && shim.signed_min_at(count, u).is_some_and(|min| min >= 0)
}

/// Whether `u`, a use of `base` that only reads or writes through the address, cannot see
/// what the loop's calls left there: a store reads nothing, and a load at a constant offset
/// reads none of the bytes `written` (offsets `[from, to)` into `base`; `None`: not known):
/// a struct's counters after its buffer (`read(c->in, c->buf, N)` writes only `buf[0..N)`),
/// its descriptors before it.
fn reads_none_of(
    shim: &Shim,
    u: LLVMValueRef,
    base: LLVMValueRef,
    written: Option<&[(i64, i64)]>,
) -> bool {
    match (ir::opcode(u), written) {
        (LLVMOpcode::LLVMStore, _) => true,
        (LLVMOpcode::LLVMLoad, Some(ranges)) => {
            let (Some((at, start)), Some(size)) =
                (shim.strip_offsets(ir::operand(u, 0)), shim.access_bytes(u))
            else {
                return false;
            };
            let end = start.saturating_add(i64::try_from(size).unwrap_or(i64::MAX));
            at == base && ranges.iter().all(|&(from, to)| end <= from || to <= start)
        }
        _ => false,
    }
}

/// The bytes of `base`, as offsets `[from, to)` into it, that the entries' calls may write
/// (`facts::memory_extents`: a buffer with a constant length is that many bytes, one whose
/// length a test or a clamp bounds at the call at most that many (`Shim::unsigned_max_at`),
/// any other every byte from the pointer on); `None` when a pointer into `base` is not at a
/// constant offset.
fn written_bytes(
    shim: &Shim,
    base: LLVMValueRef,
    entries: &[Entry],
    sites: &[Site],
) -> Option<Vec<(i64, i64)>> {
    let mut out = Vec::new();
    for (e, v) in written_pointers(entries, sites).ok()? {
        if root_of(v) != Some(base) {
            continue;
        }
        let (at, from) = shim.strip_offsets(v)?;
        if at != base {
            return None;
        }
        let extents = super::facts::memory_extents(&sites[e.site], true)?;
        let extent = extents.iter().find(|x| x.ptr == v)?;
        // A length that is not a constant may still be bounded where the call is made (a
        // count clamped to the buffer's size: `n < N ? n : N`).
        let bound = extent.size.or_else(|| {
            extent
                .len
                .and_then(|len| shim.unsigned_max_at(len, sites[e.site].call))
        });
        let to = match bound {
            Some(n) => from.saturating_add(i64::try_from(n).ok()?),
            None => i64::MAX,
        };
        out.push((from, to));
    }
    Some(out)
}

/// The argument of the loop's function that `v` points into, through constant and variable
/// address computations: a buffer the function's callers give it.
fn passed_in(mut v: LLVMValueRef) -> Option<LLVMValueRef> {
    for _ in 0..16 {
        if ir::argument_of(v).is_some() {
            return Some(v);
        }
        match ir::opcode_of_any(v) {
            Some(
                LLVMOpcode::LLVMGetElementPtr
                | LLVMOpcode::LLVMBitCast
                | LLVMOpcode::LLVMAddrSpaceCast,
            ) => v = ir::operand(v, 0),
            _ => return None,
        }
    }
    None
}

/// The memory `v` points into: the function's own ([`own_memory`]) or an argument's.
fn root_of(v: LLVMValueRef) -> Option<LLVMValueRef> {
    own_memory(v).or_else(|| passed_in(v))
}

/// `Ok` when every call of the function whose argument `arg` is passes there a pointer into
/// a local array, a fresh allocation of the caller's own or a static buffer, in that argument
/// alone, and the caller reads none of the bytes the loop's calls write once the call has
/// returned (stores and loads of other bytes of a struct, a fill before a write as `blind`
/// judges it, and `free` apart), nor lets the address escape. A static buffer outlives the
/// caller: every other function may use it only by loads and stores of other bytes (a
/// struct's descriptors and counters), and in a caller that may run again (not `main`, nor
/// a helper `main` calls once) a use anywhere counts as after the call.
/// The function is internal to the module and only called directly, so that those are all
/// its callers. `Err` completes "the buffer ... is given to the function by its callers, and".
fn callers_leave(
    shim: &Shim,
    arg: LLVMValueRef,
    entries: &[Entry],
    sites: &[Site],
    syscalls: &IndexSet<LLVMValueRef>,
    header: LLVMBasicBlockRef,
) -> Result<(), String> {
    let (function, k) = ir::argument_of(arg).ok_or("it is no argument")?;
    let fname = ir::name(function);
    if !ir::has_internal_linkage(function) {
        return Err(format!(
            "'{fname}' is visible outside this module, so callers it cannot see may pass any buffer (declare it static, or build with --lto)"
        ));
    }
    let ranges = written_bytes(shim, arg, entries, sites)
        .ok_or("the loop writes it at an offset that is not a constant")?;
    let users = ir::value_users(function);
    let calls: IndexSet<LLVMValueRef> = users.iter().copied().collect();
    for call in users {
        if !ir::calls_directly(call, function) {
            return Err(format!(
                "the address of '{fname}' is taken: '{}'",
                ir::describe(call)
            ));
        }
        let caller = ir::block_function(ir::parent_block(call));
        let cname = ir::name(caller);
        let args = ir::call_args(call);
        let given = args
            .get(k as usize)
            .copied()
            .ok_or("a call passes fewer arguments")?;
        let Some(base) = own_memory(given) else {
            return Err(format!(
                "'{cname}' passes {}, which is not a local array, a fresh allocation of its own or a static buffer",
                ir::value_name(given)
            ));
        };
        // A static buffer outlives the caller: another function may use it only through
        // loads and stores of other bytes, and a use in a caller that may run again counts
        // wherever it is.
        let global = is_static(base);
        if args
            .iter()
            .enumerate()
            .any(|(j, &a)| j != k as usize && own_memory(a) == Some(base))
        {
            return Err(format!("'{cname}' passes it to '{fname}' twice"));
        }
        let Some((_, offset)) = shim.strip_offsets(given).filter(|&(b, _)| b == base) else {
            return Err(format!(
                "'{cname}' passes it at an offset that is not a constant"
            ));
        };
        let shifted: Vec<(i64, i64)> = ranges
            .iter()
            .map(|&(from, to)| (from.saturating_add(offset), to.saturating_add(offset)))
            .collect();
        // Every use in the caller, then those that may run after this call returns: in the
        // blocks its block leads to, or after it in its own block.
        let everywhere: IndexSet<LLVMBasicBlockRef> = ir::blocks(caller).into_iter().collect();
        let unseen = |u: LLVMValueRef| reads_none_of(shim, u, base, Some(&shifted));
        let only_in = global.then_some(caller);
        let found = other_users(base, &calls, syscalls, &everywhere, only_in, &unseen).map_err(
            |escape| {
                let user_in = ir::is_instruction(escape)
                    .then(|| ir::block_function(ir::parent_block(escape)));
                match user_in {
                    Some(f) if f != caller => format!(
                        "the static buffer {} is also used in '{}': '{}'",
                        ir::value_name(base),
                        ir::name(f),
                        ir::describe(escape)
                    ),
                    _ => format!(
                        "its address escapes in '{cname}': '{}'",
                        ir::describe(escape)
                    ),
                }
            },
        )?;
        let again = global && !runs_once(caller);
        let later = reachable_from(ir::successors_of(ir::parent_block(call)));
        let after_call = |u: LLVMValueRef| {
            let b = ir::parent_block(u);
            again
                || later.contains(&b)
                || (b == ir::parent_block(call)
                    && ir::instructions(b)
                        .into_iter()
                        .skip_while(|&i| i != call)
                        .any(|i| i == u))
        };
        if let Some(u) = found
            .into_iter()
            .find(|&u| after_call(u) && !unseen(u) && !blind(shim, u, base, sites, header))
        {
            return Err(format!(
                "'{cname}' reads it after the call: '{}'",
                ir::describe(u)
            ));
        }
    }
    Ok(())
}

/// Whether a way from the blocks `from` reaches `to` without passing through `avoid`.
fn reaches_avoiding(
    from: Vec<LLVMBasicBlockRef>,
    to: LLVMBasicBlockRef,
    avoid: LLVMBasicBlockRef,
) -> bool {
    let mut seen = IndexSet::new();
    let mut todo = from;
    while let Some(b) = todo.pop() {
        if b == avoid || !seen.insert(b) {
            continue;
        }
        if b == to {
            return true;
        }
        todo.extend(ir::successors_of(b));
    }
    false
}

/// The calls whose result `count` is, each a system call of [`FILLS`] at the address `at`:
/// the call itself, or each value a phi merges (up to `depth` phis deep); `None` when a value
/// is anything else. `count` being one of their results means the call ran before its use.
fn fills_of(
    count: LLVMValueRef,
    at: LLVMValueRef,
    nr_of: &dyn Fn(LLVMValueRef) -> Option<u32>,
    depth: u32,
) -> Option<Vec<LLVMValueRef>> {
    if !ir::is_instruction(count) {
        return None;
    }
    if ir::is_phi(count) && depth > 0 {
        let mut all = Vec::new();
        for (v, _) in ir::incoming(count) {
            all.extend(fills_of(ir::strip_int_casts(v), at, nr_of, depth - 1)?);
        }
        return Some(all);
    }
    let fills = ir::is_call(count)
        && nr_of(count).is_some_and(|n| FILLS.contains(&n))
        && ir::call_args(count).get(1) == Some(&at);
    fills.then(|| vec![count])
}

/// Whether `function` runs at most once per process from its entry: `main`, when nothing in
/// the module calls it or takes its address, or a function internal to the module whose one
/// use is a direct call, outside any loop, from a function that runs once; and neither calls
/// a `returns_twice` function (a `longjmp` back to a `setjmp` before the loop would run the
/// code before it again).
fn runs_once(function: LLVMValueRef) -> bool {
    runs_once_within(function, 8)
}

fn runs_once_within(function: LLVMValueRef, depth: u32) -> bool {
    if ir::returns_twice_call(function).is_some() || depth == 0 {
        return false;
    }
    let users = ir::value_users(function);
    if ir::name(function) == "main" {
        return users.is_empty();
    }
    let internal = ir::has_internal_linkage(function);
    let [call] = users.as_slice() else {
        return false;
    };
    internal
        && ir::calls_directly(*call, function)
        && !ir::block_reaches(ir::parent_block(*call), ir::parent_block(*call))
        && runs_once_within(ir::block_function(ir::parent_block(*call)), depth - 1)
}

/// Whether a later run of `function` may see what a loop left in `base`, as [`own_memory`]
/// found it: a static buffer, in a function that may run again.
pub(crate) fn seen_again(base: LLVMValueRef, function: LLVMValueRef) -> bool {
    is_static(base) && !runs_once(function)
}

/// Whether `base`, as [`own_memory`] found it, is a static buffer (a global variable, not an
/// instruction), which outlives the call.
fn is_static(base: LLVMValueRef) -> bool {
    !ir::is_instruction(base)
}

/// The `alloca`, the call returning fresh memory (`noalias`) or the static buffer (a global
/// variable internal to the module) that `v` points into, through address computations and
/// casts.
fn own_memory(mut v: LLVMValueRef) -> Option<LLVMValueRef> {
    for _ in 0..16 {
        if ir::is_internal_global(v) {
            return Some(v);
        }
        if !ir::is_instruction(v) {
            match ir::opcode_of_any(v) {
                Some(
                    LLVMOpcode::LLVMGetElementPtr
                    | LLVMOpcode::LLVMBitCast
                    | LLVMOpcode::LLVMAddrSpaceCast,
                ) => {
                    v = ir::operand(v, 0);
                    continue;
                }
                _ => return None,
            }
        }
        // C++'s `new` where destructors are live is an invoke, which counts too.
        if ir::returns_fresh_memory(v) {
            return Some(v);
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
fn reachable(header: LLVMBasicBlockRef) -> IndexSet<LLVMBasicBlockRef> {
    reachable_from(vec![header])
}

/// The blocks reachable from `from` (themselves included).
fn reachable_from(from: Vec<LLVMBasicBlockRef>) -> IndexSet<LLVMBasicBlockRef> {
    let mut seen = IndexSet::new();
    let mut queue = VecDeque::from(from);
    while let Some(b) = queue.pop_front() {
        if seen.insert(b) {
            queue.extend(ir::successors_of(b));
        }
    }
    seen
}

/// The instructions in `after` that use `v` (or an address computed from it) other than
/// `calls` and the uses the module docs allow anywhere; each only reads or writes through
/// the address (`syscalls`, the module's system calls, capture no pointer). `Err` with a use
/// that lets the address escape, wherever it is: with `only_in` (a static buffer), also any
/// use outside that function but a load or store that `unseen` says cannot see the buffer
/// (a struct's other fields), and any constant that holds the address (an initializer).
fn other_users(
    v: LLVMValueRef,
    calls: &IndexSet<LLVMValueRef>,
    syscalls: &IndexSet<LLVMValueRef>,
    after: &IndexSet<LLVMBasicBlockRef>,
    only_in: Option<LLVMValueRef>,
    unseen: &dyn Fn(LLVMValueRef) -> bool,
) -> Result<Vec<LLVMValueRef>, LLVMValueRef> {
    let mut work = vec![v];
    let mut seen = IndexSet::new();
    let mut found = Vec::new();
    while let Some(v) = work.pop() {
        if !seen.insert(v) {
            continue;
        }
        // A constant address computation into a static buffer is followed; any other
        // constant that holds its address lets it escape.
        for user in ir::value_users(v) {
            if ir::is_instruction(user) {
                continue;
            }
            match ir::opcode_of_any(user) {
                Some(
                    LLVMOpcode::LLVMGetElementPtr
                    | LLVMOpcode::LLVMBitCast
                    | LLVMOpcode::LLVMAddrSpaceCast,
                ) if ir::operand(user, 0) == v => work.push(user),
                _ => return Err(user),
            }
        }
        for (user, at) in ir::users(v) {
            if only_in.is_some_and(|f| ir::block_function(at) != f) {
                if only_through(user, v) && unseen(user) {
                    continue;
                }
                return Err(user);
            }
            match ir::opcode(user) {
                // Address computations and merges are followed wherever they are.
                LLVMOpcode::LLVMGetElementPtr
                | LLVMOpcode::LLVMBitCast
                | LLVMOpcode::LLVMAddrSpaceCast
                | LLVMOpcode::LLVMPHI
                | LLVMOpcode::LLVMSelect => work.push(user),
                LLVMOpcode::LLVMICmp => {}
                LLVMOpcode::LLVMCall
                    if calls.contains(&user) || is_marker(user) || frees(user, v) => {}
                _ if !syscalls.contains(&user) && !only_through(user, v) => return Err(user),
                _ if after.contains(&at) => found.push(user),
                _ => {}
            }
        }
    }
    Ok(found)
}

/// The functions that end the life of the memory their first argument points to without
/// reading it: C's `free` and C++'s `operator delete` and `operator delete[]` (with their
/// size and alignment arguments).
const DEALLOCATORS: &[&str] = &[
    "free",
    "_ZdlPv",
    "_ZdlPvm",
    "_ZdaPv",
    "_ZdaPvm",
    "_ZdlPvSt11align_val_t",
    "_ZdlPvmSt11align_val_t",
    "_ZdaPvSt11align_val_t",
    "_ZdaPvmSt11align_val_t",
];

/// Whether `call` is `free(v)` (or C++'s `delete` of `v`): it ends the memory's life without
/// reading it.
fn frees(call: LLVMValueRef, v: LLVMValueRef) -> bool {
    let args = ir::call_args(call);
    ir::called_function(call).is_some_and(|f| DEALLOCATORS.contains(&ir::name(f).as_str()))
        && args.first() == Some(&v)
        && !args[1..].contains(&v)
}

/// Whether `user` only reads or writes memory through `v`, letting the address go nowhere:
/// a load from it, a store to it (not of it), a call that does not capture it.
fn only_through(user: LLVMValueRef, v: LLVMValueRef) -> bool {
    match ir::opcode(user) {
        LLVMOpcode::LLVMLoad => true,
        LLVMOpcode::LLVMStore => ir::operand(user, 0) != v,
        LLVMOpcode::LLVMCall => {
            ir::called_function(user).is_some_and(|f| f != v)
                && ir::call_args(user)
                    .iter()
                    .enumerate()
                    .filter(|(_, &a)| a == v)
                    .all(|(k, _)| ir::call_has_attribute(user, AttrAt::Arg(k as u32), "nocapture"))
        }
        _ => false,
    }
}

/// The pointers through which the entries' calls write memory, each with its entry (null
/// pointers, which the calls write nothing through, left out), or why they are not known.
fn written_pointers<'e>(
    entries: &'e [Entry],
    sites: &[Site],
) -> Result<Vec<(&'e Entry, LLVMValueRef)>, String> {
    let mut out = Vec::new();
    for e in entries {
        let site = &sites[e.site];
        let Some(call) = site.nr.and_then(catalogue::by_nr) else {
            return Err(format!("{} is not a known system call", site.label()));
        };
        for (k, kind) in call.args.iter().enumerate() {
            if !kind.may_write_memory() {
                continue;
            }
            match e.args.get(k) {
                // A null pointer (or one the wrapper does not pass, as `recv` passes no
                // address to `recvfrom`): the call writes nothing there.
                Some(ArgSource::Zero) => {}
                Some(ArgSource::Value(v)) if ir::is_null(*v) => {}
                Some(ArgSource::Value(v)) => out.push((e, *v)),
                _ => {
                    return Err(format!(
                        "argument {} of {} is not a pointer the pass can follow",
                        k + 1,
                        site.label()
                    ))
                }
            }
        }
    }
    Ok(out)
}

/// The one buffer the entries' calls write, when it is a local array (an `alloca`): the
/// memory whose `llvm.lifetime.*` markers end what it holds. `None` when they write none,
/// more than one, or other memory.
pub(crate) fn one_local_buffer(entries: &[Entry], sites: &[Site]) -> Option<LLVMValueRef> {
    let mut base = None;
    for (_, v) in written_pointers(entries, sites).ok()? {
        let v = own_memory(v)?;
        if !ir::is_alloca(v) || base.is_some_and(|b| b != v) {
            return None;
        }
        base = Some(v);
    }
    base
}

/// Whether `inst` is an `llvm.lifetime.start` or `llvm.lifetime.end` of `base`: past it the
/// memory holds nothing the program may read (undefined until written again), so no read
/// after it sees what a batch left there.
pub(crate) fn ends_contents(inst: LLVMValueRef, base: LLVMValueRef) -> bool {
    ir::lifetime_marker(inst).is_some()
        && ir::call_args(inst)
            .get(1)
            .is_some_and(|&p| own_memory(p) == Some(base))
}

/// `llvm.lifetime.*`, `llvm.dbg.*` and `llvm.assume` (an alignment the address has, in an
/// operand bundle): they neither read nor write the memory.
fn is_marker(call: LLVMValueRef) -> bool {
    ir::called_function(call).is_some_and(|f| {
        let name = ir::name(f);
        name.starts_with("llvm.lifetime.") || name.starts_with("llvm.dbg.") || name == "llvm.assume"
    })
}
