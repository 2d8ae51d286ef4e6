//! Global variables a loop updates, kept in a register across it (LICM's scalar promotion,
//! with the program's call graph as the proof that nothing else looks).
//!
//! Programs keep their state in file-scope variables: `static long total; ... while ((n =
//! read(in, buf, N)) > 0) { write(out, buf, n); total += n; }`. The store in each iteration
//! is a side effect between the calls, so the loop cannot be one looped multi-call, and LLVM's
//! own LICM leaves it there because `read` and `write` are calls it knows nothing of. Here the
//! variable's value is loaded once before the loop, kept in a register (a phi of the header,
//! which the looped batch carries as a running total or a counter), and stored once at each
//! of the loop's exits, before anything after the loop runs.
//!
//! That is exact when no code can read or write the variable while the loop runs, other than
//! the loop's own loads and stores. The legality here proves it from the module:
//!
//! - the variable is internal to the module (`static`; with `--lto` every variable the
//!   program's libraries do not see) and not thread-local;
//! - its address is used only by loads and stores (directly or through constant address
//!   computations): no pointer to it exists, so no system call, library function or store
//!   through a pointer can reach it; or by pointers computed from it at offsets that are not
//!   constants but have a least one (`p += w` over a struct's buffer, `w` known not negative
//!   where it is added: [`derived_uses`]), which only load, store, compare, or go to calls
//!   that keep no copy, and which in the loop reach no byte of the variable kept (it lies
//!   before that least offset);
//! - no function that reads or writes it can run while the loop runs: none is a function
//!   whose address is taken (a signal handler, a thread's start, a callback) or one they
//!   call, nor an `atexit` handler when something that may run during the loop may call
//!   `exit` (such a function, a call of the loop, code the module does not have); no call
//!   in the loop reaches one; and when the loop calls a function the module does not
//!   define (other than a system call's wrapper), none is one code outside the module can
//!   call back by name (external linkage, `main` aside). Code
//!   in another file that calls one of the module's functions from its own signal handler or
//!   thread while the loop runs would race with the loop's stores in the original program
//!   too, which C leaves undefined (C11 7.14.1.1, 5.1.2.4), as LLVM's LICM assumes;
//! - neither the loop's function nor one that may be on the stack below it (its callers in
//!   the module, directly or through others; any function when one of them may be called
//!   through a pointer) calls a `returns_twice` function (`setjmp`): a `longjmp` from a
//!   signal handler out of the loop would skip the stores at its exits;
//! - in the loop, every access to the variable is a simple load or store of one type at one
//!   address, and no call may unwind past the exits (the shim checks these as it rewrites).
//!
//! A function whose address only ever goes into the module's own function-pointer variables
//! (gzip's `work = unzip;` then `(*work)(ifd, ofd)`: local, only loaded and stored, every
//! value stored a function, every value loaded only called or compared) is not one that may
//! start at any time: nothing outside the module can see its address, so it runs only where
//! the module's own code makes an indirect call. Such a function counts as a callee of every
//! indirect call of the module instead ([`pointer_only_functions`]).
//!
//! Every loop that holds both calls of a refused hot edge has each variable it writes at a
//! constant address asked about. Each is a remark
//! `KeptInRegister`, or `KeepInRegister` (missed) saying which condition failed.

use indexmap::{IndexMap, IndexSet};

use llvm_sys::prelude::{LLVMBasicBlockRef, LLVMModuleRef, LLVMValueRef};
use llvm_sys::LLVMOpcode;

use super::extents::{self, Bytes, Touch};
use super::hoist::global_of;
use super::{Changed, Hot};
use crate::context::Context;
use crate::ir;
use crate::legality::{loop_blocks, Asynchronous};
use crate::remarks::Remark;
use crate::shim::Shim;

/// The address a load or store accesses, when it is a constant: the global variable itself
/// or a constant address computation into it; with the variable.
fn global_access(inst: LLVMValueRef) -> Option<(LLVMValueRef, LLVMValueRef)> {
    if !ir::is_instruction(inst) {
        return None;
    }
    let ptr = match ir::opcode(inst) {
        LLVMOpcode::LLVMLoad => ir::operand(inst, 0),
        LLVMOpcode::LLVMStore => ir::operand(inst, 1),
        _ => return None,
    };
    if ir::is_instruction(ptr) {
        return None;
    }
    global_of(ptr).map(|g| (g, ptr))
}

/// The functions whose address goes only into the module's own function-pointer variables
/// that the module only calls through (or compares): see the module's documentation.
fn pointer_only_functions(module: LLVMModuleRef) -> IndexSet<LLVMValueRef> {
    let called_only = |load: LLVMValueRef| {
        ir::value_users(load).into_iter().all(|u| {
            ir::is_instruction(u)
                && ((ir::is_call_site(u)
                    && ir::callee_operand(u) == load
                    && !ir::call_args(u).contains(&load))
                    || ir::opcode(u) == LLVMOpcode::LLVMICmp)
        })
    };
    let mut holders: IndexSet<LLVMValueRef> = IndexSet::new();
    let mut candidates: IndexSet<LLVMValueRef> = IndexSet::new();
    for t in super::promote::known_globals(module) {
        let loads_called = ir::value_users(t.global)
            .into_iter()
            .filter(|&u| ir::is_instruction(u) && ir::opcode(u) == LLVMOpcode::LLVMLoad)
            .all(called_only);
        if loads_called {
            holders.insert(t.global);
            candidates.extend(t.functions);
        }
    }
    // A use that keeps the address inside: a direct call of it, a comparison, the value
    // stored to (or the initialiser of) one of those variables.
    let stays = |f: LLVMValueRef, u: LLVMValueRef| {
        if holders.contains(&u) {
            return true;
        }
        if !ir::is_instruction(u) {
            return false;
        }
        match ir::opcode(u) {
            LLVMOpcode::LLVMCall | LLVMOpcode::LLVMInvoke => {
                ir::called_function(u) == Some(f) && !ir::call_args(u).contains(&f)
            }
            LLVMOpcode::LLVMICmp => true,
            LLVMOpcode::LLVMStore => ir::operand(u, 0) == f && holders.contains(&ir::operand(u, 1)),
            _ => false,
        }
    };
    candidates
        .into_iter()
        .filter(|&f| {
            ir::value_users(f).into_iter().all(|u| {
                stays(f, u)
                    || (ir::is_instruction(u)
                        && matches!(ir::opcode(u), LLVMOpcode::LLVMSelect | LLVMOpcode::LLVMPHI)
                        && ir::value_users(u).into_iter().all(|v| stays(u, v)))
            })
        })
        .collect()
}

/// The module's defined functions as a call graph of direct calls, with the functions that
/// code other than the module's direct calls may start.
pub(crate) struct CallGraph {
    /// The functions a `longjmp` may leave for a `setjmp` of the module, each with the
    /// function that calls `setjmp` ([`CallGraph::find_under_setjmp`]).
    under_setjmp: IndexMap<LLVMValueRef, LLVMValueRef>,
    callees: IndexMap<LLVMValueRef, Vec<LLVMValueRef>>,
    /// Functions only the module's function pointers hold (callees of every indirect call).
    pointer_only: Vec<LLVMValueRef>,
    /// Functions whose address is taken: signal handlers, threads' start routines, `atexit`
    /// handlers, callbacks, constructors; any of them may start while a loop runs.
    taken: Vec<LLVMValueRef>,
    /// Functions code outside the module can call by name (external linkage, `main` aside):
    /// a function the loop calls that this module does not define may call one back.
    exported: Vec<LLVMValueRef>,
    /// Functions whose address goes only to `atexit` (or `on_exit`): they run when the
    /// process calls `exit`, which the module's code, or code it calls, must do for them to
    /// run while a loop runs.
    at_exit: Vec<LLVMValueRef>,
    /// The module's functions that call `exit` (or `quick_exit`) or a function the module
    /// does not define that is not a system call's wrapper (which may call `exit`).
    may_exit: IndexSet<LLVMValueRef>,
    /// Functions of `taken` whose address only ever becomes a signal handler (see
    /// [`signal_handler_only`]) and that never return: they leave by `exit`, `abort` or a
    /// `longjmp`, so the code a signal interrupted never resumes after them.
    leaving_handlers: IndexSet<LLVMValueRef>,
}

/// The functions that install the handler they are given as their second argument.
const INSTALLS_HANDLER: &[&str] = &[
    "signal",
    "sysv_signal",
    "__sysv_signal",
    "bsd_signal",
    "sigset",
];

/// How deep [`signal_handler_only`] follows a handler through the module's own functions'
/// parameters (`set_signals(handler)` calling `signal(SIGINT, handler)`).
const HANDLER_PARAM_DEPTH: u32 = 4;

/// Whether every use of `v` (a function, or a parameter it was passed to) installs it as a
/// signal handler: it is the handler argument of `signal` (or its kin), stored into a local
/// `struct sigaction` that only `sigaction` reads ([`into_sigaction`]), a call's callee
/// (called directly), compared, or passed to a parameter of a function the module defines
/// whose uses are such in turn (at most [`HANDLER_PARAM_DEPTH`] calls deep). A store of it
/// anywhere else (a table, a global), any other call's argument or any other use is not
/// known to make a signal handler only: the function may as well be a thread or a callback.
fn signal_handler_only(v: LLVMValueRef, depth: u32) -> bool {
    ir::value_users(v).into_iter().all(|u| {
        if !ir::is_instruction(u) {
            return false;
        }
        if ir::opcode(u) == LLVMOpcode::LLVMICmp {
            return true;
        }
        if ir::opcode(u) == LLVMOpcode::LLVMStore {
            return ir::operand(u, 0) == v
                && ir::operand(u, 1) != v
                && into_sigaction(ir::operand(u, 1));
        }
        if !ir::is_call_site(u) {
            return false;
        }
        let args = ir::call_args(u);
        let positions: Vec<u32> = (0..args.len() as u32)
            .filter(|&k| args[k as usize] == v)
            .collect();
        if positions.is_empty() {
            // Only its callee.
            return ir::callee_operand(u) == v;
        }
        let Some(callee) = ir::called_function(u) else {
            return false;
        };
        if INSTALLS_HANDLER.contains(&ir::name(callee).as_str()) {
            return positions == [1];
        }
        depth > 0
            && !ir::blocks(callee).is_empty()
            && positions
                .iter()
                .all(|&k| ir::param(callee, k).is_some_and(|p| signal_handler_only(p, depth - 1)))
    })
}

/// Whether `ptr`, where a function's address is stored, is in a local `struct sigaction` that
/// only `sigaction` reads, as its new action: every use of the local (through address
/// computations) is a store into it, `memset`, a lifetime marker, `sigemptyset` and its
/// kin on its mask, or `sigaction`'s second argument. A load of it, its use as the old
/// action, or anything else may take the address elsewhere.
fn into_sigaction(ptr: LLVMValueRef) -> bool {
    let mut base = ptr;
    for _ in 0..8 {
        if !ir::is_instruction(base) || ir::opcode(base) != LLVMOpcode::LLVMGetElementPtr {
            break;
        }
        base = ir::operand(base, 0);
    }
    if !ir::is_alloca(base) {
        return false;
    }
    let mut todo = vec![base];
    let mut seen = IndexSet::new();
    while let Some(p) = todo.pop() {
        if !seen.insert(p) || seen.len() > 64 {
            return false;
        }
        for u in ir::value_users(p) {
            if !ir::is_instruction(u) {
                return false;
            }
            let fine = match ir::opcode(u) {
                LLVMOpcode::LLVMGetElementPtr => {
                    todo.push(u);
                    true
                }
                LLVMOpcode::LLVMStore => ir::operand(u, 0) != p,
                LLVMOpcode::LLVMCall => {
                    let args = ir::call_args(u);
                    let name = ir::called_function(u).map(ir::name).unwrap_or_default();
                    match name.as_str() {
                        "sigaction" => args.get(1) == Some(&p) && args.get(2) != Some(&p),
                        "sigemptyset" | "sigfillset" | "sigaddset" | "sigdelset" => true,
                        _ => name.starts_with("llvm.memset.") || name.starts_with("llvm.lifetime."),
                    }
                }
                _ => false,
            };
            if !fine {
                return false;
            }
        }
    }
    true
}

/// Whether the function `f` never returns to its caller: it has no `ret` (nor a `resume`,
/// which unwinds into it).
fn never_returns(f: LLVMValueRef) -> bool {
    ir::blocks(f).into_iter().all(|b| {
        ir::instructions(b)
            .into_iter()
            .all(|i| !matches!(ir::opcode(i), LLVMOpcode::LLVMRet | LLVMOpcode::LLVMResume))
    })
}

/// Whether `use_` of the function `f` is as the handler argument of `atexit` or `on_exit`.
fn registers_at_exit(use_: LLVMValueRef, f: LLVMValueRef) -> bool {
    ir::is_instruction(use_)
        && ir::is_call_site(use_)
        && ir::called_function(use_)
            .is_some_and(|g| matches!(ir::name(g).as_str(), "atexit" | "on_exit"))
        && ir::call_args(use_).first() == Some(&f)
        && ir::callee_operand(use_) != f
}

/// Whether `call` leaves the process by `exit` (running the `atexit` handlers), or calls
/// code this module does not have that may: any function without a body other than a system
/// call's wrapper and LLVM's intrinsics.
fn may_call_exit(call: LLVMValueRef) -> bool {
    ir::called_function(call).is_some_and(|f| matches!(ir::name(f).as_str(), "exit" | "quick_exit"))
        || calls_foreign_code(call)
}

/// Whether `call` runs code this module does not have, which may do anything: an indirect
/// call, or a function without a body other than a system call's wrapper, LLVM's
/// intrinsics and `__errno_location`.
fn calls_foreign_code(call: LLVMValueRef) -> bool {
    match ir::called_function(call) {
        Some(f) => {
            let name = ir::name(f);
            ir::blocks(f).is_empty()
                && !name.starts_with("llvm.")
                && name != "__errno_location"
                && syscluster_profile::catalogue::wrapper(&name).is_none()
        }
        None => true,
    }
}

impl CallGraph {
    pub(crate) fn of(module: LLVMModuleRef) -> CallGraph {
        let functions = ir::defined_functions(module);
        let defined: IndexSet<LLVMValueRef> = functions.iter().copied().collect();
        let mut pointer_only: Vec<LLVMValueRef> = pointer_only_functions(module)
            .into_iter()
            .filter(|f| defined.contains(f))
            .collect();
        pointer_only.sort_by_key(|&f| ir::name(f));
        let mut callees: IndexMap<LLVMValueRef, Vec<LLVMValueRef>> = IndexMap::new();
        let (mut taken, mut exported, mut at_exit) = (Vec::new(), Vec::new(), Vec::new());
        let mut may_exit = IndexSet::new();
        for &f in &functions {
            let uses = ir::value_users(f);
            // A call or an invoke of it (C++ invokes what may throw) does not take its address.
            let called = |u: LLVMValueRef| {
                ir::is_instruction(u)
                    && ir::is_call_site(u)
                    && ir::called_function(u) == Some(f)
                    && !ir::call_args(u).contains(&f)
            };
            let address_taken = uses.iter().any(|&u| !called(u));
            let only_at_exit = uses.iter().all(|&u| registers_at_exit(u, f) || called(u));
            if address_taken && only_at_exit {
                at_exit.push(f);
            } else if address_taken && !pointer_only.contains(&f) {
                taken.push(f);
            }
            if !ir::has_internal_linkage(f) && ir::name(f) != "main" {
                exported.push(f);
            }
            for b in ir::blocks(f) {
                for i in ir::instructions(b) {
                    if !ir::is_call_site(i) {
                        continue;
                    }
                    if may_call_exit(i) {
                        may_exit.insert(f);
                    }
                    match ir::called_function(i) {
                        Some(callee) if defined.contains(&callee) => {
                            callees.entry(f).or_default().push(callee);
                        }
                        Some(_) => {}
                        // An indirect call may call any function only pointers hold.
                        None => callees
                            .entry(f)
                            .or_default()
                            .extend(pointer_only.iter().copied()),
                    }
                }
            }
        }
        let leaving_handlers = taken
            .iter()
            .copied()
            .filter(|&f| {
                !ir::blocks(f).is_empty()
                    && never_returns(f)
                    && signal_handler_only(f, HANDLER_PARAM_DEPTH)
            })
            .collect();
        let mut graph = CallGraph {
            under_setjmp: IndexMap::new(),
            callees,
            pointer_only,
            taken,
            exported,
            at_exit,
            may_exit,
            leaving_handlers,
        };
        graph.under_setjmp = graph.find_under_setjmp(&functions);
        graph
    }

    /// The functions that may run at any time, asynchronously to the code around a batch:
    /// those whose address is taken (signal handlers, threads, callbacks) and what they call,
    /// and the `atexit` handlers when one of those may call `exit`; each with the function
    /// it was reached from. Apart, those of them whose writes the interrupted code may read
    /// afterwards: not what only a signal handler that never returns runs (lzip's
    /// `signal_handler`, which deletes the output and exits: the code it interrupted never
    /// resumes), nor the `atexit` handlers that only such an exit runs.
    pub(crate) fn asynchronous(&self) -> Asynchronous {
        let all = self.reach(self.taken.iter().copied());
        let resuming = self.roots(true);
        let returning = self.reach(resuming.iter().copied());
        // The `atexit` handlers count when a function that may run at any time may call
        // `exit`; for `returning`, only with a root besides the leaving handlers (a thread):
        // with nothing else running, an `exit` in a leaving handler ends the process after the
        // interrupted code's last instruction.
        let at_exit = all
            .keys()
            .any(|f| self.may_exit.contains(f))
            .then(|| self.reach(self.at_exit.iter().copied()));
        let with_at_exit = |mut set: IndexMap<LLVMValueRef, LLVMValueRef>, counts: bool| {
            for (&f, &root) in at_exit.iter().flatten().filter(|_| counts) {
                set.entry(f).or_insert(root);
            }
            set
        };
        Asynchronous {
            any: with_at_exit(all, true),
            returning: with_at_exit(returning, !resuming.is_empty()),
            under_setjmp: self.under_setjmp.clone(),
        }
    }

    /// The functions that may start at any time: those whose address is taken, without the
    /// signal handlers that never return when only writes that the interrupted code could
    /// read afterwards matter (`writes_only`).
    fn roots(&self, writes_only: bool) -> Vec<LLVMValueRef> {
        self.taken
            .iter()
            .copied()
            .filter(|f| !writes_only || !self.leaving_handlers.contains(f))
            .collect()
    }

    /// Whether one of `functions` may be called by code outside the module: one with external
    /// linkage (`main` aside), or one it calls. Such code may run it from its own signal
    /// handler.
    pub(super) fn reachable_from_outside(&self, functions: &[LLVMValueRef]) -> bool {
        let outside = self.reach(self.exported.iter().copied());
        functions.iter().any(|f| outside.contains_key(f))
    }

    /// The functions a `longjmp` may leave for a `setjmp` of the module, each with the
    /// function that calls `setjmp` (a `returns_twice` function): that function and what it
    /// may call, directly or through others, as `function` may then be on the stack above
    /// it. A timeout by `alarm` whose handler `siglongjmp`s back to `main` leaves a blocking
    /// `read` in a helper that way, and `main` then reads what the helper left in memory.
    /// When the module calls `setjmp` at all, the functions whose address is taken (and what
    /// they call) count too: they may run above it through a pointer. A `setjmp` outside the
    /// module, below a function code outside it calls, is not seen: as LLVM's LICM, which
    /// keeps a variable in a register across a loop without calls, the pass takes a
    /// handler's `longjmp` out of such code as C does (C11 7.14.1.1p5).
    fn find_under_setjmp(
        &self,
        functions: &[LLVMValueRef],
    ) -> IndexMap<LLVMValueRef, LLVMValueRef> {
        let roots: Vec<LLVMValueRef> = functions
            .iter()
            .copied()
            .filter(|&f| ir::returns_twice_call(f).is_some())
            .collect();
        let Some(&first) = roots.first() else {
            return IndexMap::new();
        };
        let mut under = self.reach(roots);
        for (f, _) in self.reach(self.taken.iter().copied()) {
            under.entry(f).or_insert(first);
        }
        under
    }

    /// `Err` when a `longjmp` may leave `function` (see [`CallGraph::find_under_setjmp`]): a loop
    /// that keeps variables in registers would skip the stores at its exits.
    pub(super) fn no_jump_out(&self, function: LLVMValueRef) -> Result<(), String> {
        match self.under_setjmp.get(&function) {
            Some(&f) => Err(format!(
                "{} calls {}, which returns twice: a longjmp out of the loop would skip the stores at its exits",
                if f == function {
                    format!("'{}'", ir::name(f))
                } else {
                    format!("'{}' (under which '{}' may run)", ir::name(f), ir::name(function))
                },
                ir::returns_twice_call(f).map_or_else(String::new, ir::describe)
            )),
            None => Ok(()),
        }
    }

    /// The functions `from` may run, directly or through direct calls, themselves included,
    /// each with the function of `from` it was first reached from.
    fn reach(
        &self,
        from: impl IntoIterator<Item = LLVMValueRef>,
    ) -> IndexMap<LLVMValueRef, LLVMValueRef> {
        let mut seen = IndexMap::new();
        let mut todo: Vec<(LLVMValueRef, LLVMValueRef)> =
            from.into_iter().map(|f| (f, f)).collect();
        while let Some((f, root)) = todo.pop() {
            if seen.insert(f, root).is_none() {
                todo.extend(
                    self.callees
                        .get(&f)
                        .into_iter()
                        .flatten()
                        .map(|&g| (g, root)),
                );
            }
        }
        seen
    }
}

/// A global variable as a remark names it: `'total'`.
fn quoted(global: LLVMValueRef) -> String {
    format!("'{}'", ir::name(global))
}

/// `'f'`, or `'f' (called from 'root')` when `f` runs because `root` does.
fn through(f: LLVMValueRef, root: LLVMValueRef) -> String {
    if f == root {
        format!("'{}'", ir::name(f))
    } else {
        format!("'{}' (called from '{}')", ir::name(f), ir::name(root))
    }
}

/// What a loop asks of the uses of a global variable's address ([`address_uses`]).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Keeping {
    /// The loop's own accesses at one address become a register: nothing else in the loop
    /// may read or write those bytes, and every function that touches the variable counts.
    Register,
    /// The loop's load moves before it: nothing in the loop may write those bytes, and only
    /// the functions that may write the variable count.
    Load,
}

/// The functions whose code touches the global variable `global` (only those that may write
/// it, for [`Keeping::Load`]), in the order of the uses, when every use of its address is one
/// the proof follows: a load, a store to it, or a call given a pointer into it that keeps no
/// copy (a system call the catalogue describes, a `nocapture` argument, a lifetime marker or
/// `memset`/`memcpy`), directly or through constant address computations; and in the loop of
/// `blocks` nothing but the accesses at `own` reads or writes (writes, for `Keeping::Load`)
/// the bytes `here` of it: other accesses and the system calls' buffers lie elsewhere
/// ([`extents`](super::extents)). `Err` says which use stops it.
pub(super) fn address_uses(
    shim: &Shim,
    global: LLVMValueRef,
    here: Bytes,
    own: Option<LLVMValueRef>,
    blocks: &IndexSet<LLVMBasicBlockRef>,
    keeping: Keeping,
) -> Result<Vec<LLVMValueRef>, String> {
    let users = match ir::global_address_users(global) {
        Ok(users) => users,
        Err(u) if u == global => {
            return Err("its address is used in too many ways to follow".into())
        }
        Err(u) => return Err(format!("its address is taken ({})", ir::describe(u))),
    };
    let offset = |v: LLVMValueRef| extents::offset_in(shim, global, v);
    let into = |v: LLVMValueRef| {
        if ir::is_instruction(v) {
            None
        } else {
            offset(v)
        }
    };
    let mut functions: Vec<LLVMValueRef> = Vec::new();
    let mut users = users;
    // Pointers computed from the address at offsets that are not constants (`p += w` in a
    // write-all loop over the variable's buffer): their uses, each at the least offset the
    // pointers have, and the functions they are in.
    let derives = |u: LLVMValueRef| {
        matches!(
            ir::opcode(u),
            LLVMOpcode::LLVMGetElementPtr
                | LLVMOpcode::LLVMPHI
                | LLVMOpcode::LLVMSelect
                | LLVMOpcode::LLVMBitCast
        )
    };
    let starts: Vec<LLVMValueRef> = users
        .iter()
        .filter(|&&(u, _)| derives(u))
        .map(|&(u, _)| u)
        .collect();
    users.retain(|&(u, _)| !derives(u));
    if !starts.is_empty() {
        for (u, from) in derived_uses(shim, global, &starts)? {
            let block = ir::parent_block(u);
            let in_loop = blocks.contains(&block);
            let at = from.start;
            let writes = match ir::opcode(u) {
                LLVMOpcode::LLVMLoad => false,
                LLVMOpcode::LLVMICmp => continue,
                _ => true,
            };
            let counts = writes || keeping == Keeping::Register;
            if in_loop && counts && from.overlaps(&here) {
                return Err(if from.size == u64::MAX {
                    format!(
                        "the loop reads or writes it from byte {at} on through a pointer at an offset that is not a constant ({})",
                        ir::describe(u)
                    )
                } else {
                    format!(
                        "the loop reads or writes bytes {at}..{} of it through a pointer at an offset that is not a constant ({})",
                        from.end(),
                        ir::describe(u)
                    )
                });
            }
            let f = ir::block_function(block);
            if (keeping == Keeping::Register || writes) && !functions.contains(&f) {
                functions.push(f);
            }
        }
    }
    for (u, p) in users {
        let block = ir::parent_block(u);
        let in_loop = blocks.contains(&block);
        let (access, writes) = match ir::opcode(u) {
            LLVMOpcode::LLVMLoad => (true, false),
            LLVMOpcode::LLVMStore if ir::operand(u, 0) != p => (true, true),
            LLVMOpcode::LLVMCall if ir::callee_operand(u) != p => (false, true),
            _ => return Err(format!("its address is taken ({})", ir::describe(u))),
        };
        if in_loop {
            if access {
                let counts = Some(p) != own && (writes || keeping == Keeping::Register);
                let apart = offset(p)
                    .and_then(|off| Bytes::of_access(shim, u, off))
                    .is_some_and(|b| !b.overlaps(&here));
                if counts && !apart {
                    return Err(format!(
                        "the loop also reads or writes another part of it ({})",
                        ir::describe(u)
                    ));
                }
            } else {
                let touch = match keeping {
                    Keeping::Register => Touch::Any,
                    Keeping::Load => Touch::Writes,
                };
                extents::call_leaves(shim, u, touch, &into, here)?;
            }
        } else if !access && !keeps_no_copy(shim, u, p, &into) {
            return Err(format!("its address is taken ({})", ir::describe(u)));
        }
        let f = ir::block_function(block);
        let counted = keeping == Keeping::Register || (writes && !in_loop);
        if counted && !functions.contains(&f) {
            functions.push(f);
        }
    }
    Ok(functions)
}

/// Follows the pointers computed from `starts` (address computations, phis, selects and
/// casts of a pointer into `global`: `pointees::derived_pointers`) and bounds each from below: a constant offset into the
/// variable, a byte offset known not negative where it is added (`p += w` after `w <= 0`
/// left), the least of a phi's or a select's values, found by iterating to a fixed point
/// (an offset that keeps falling round a loop has none). Every other use of such a pointer
/// must be a load or a store through it, a comparison, or a call that keeps no copy (a
/// system call the catalogue describes given it as a buffer, a `nocapture` parameter). `Ok`
/// gives those uses, each with the bytes it may touch: from the least offset of its pointer
/// on, or up to where a write-all loop that walks the buffer began (`extents::walked_bytes`:
/// `write(fd, p, len)` with `p += w; len -= w`); `Err` names the use that is none of them,
/// or the pointer that has no bound.
fn derived_uses(
    shim: &Shim,
    global: LLVMValueRef,
    starts: &[LLVMValueRef],
) -> Result<Vec<(LLVMValueRef, Bytes)>, String> {
    let taken = |u: LLVMValueRef| format!("its address is taken ({})", ir::describe(u));
    let mut set: IndexSet<LLVMValueRef> = IndexSet::new();
    for &start in starts {
        set.extend(super::pointees::derived_pointers(start)?);
    }
    if let Some(&v) = set.get_index(64) {
        return Err(taken(v));
    }
    // The least offset of each: from the constant offsets into the variable on, falling
    // until nothing changes.
    let mut low: indexmap::IndexMap<LLVMValueRef, i64> = indexmap::IndexMap::new();
    let of = |low: &indexmap::IndexMap<LLVMValueRef, i64>, v: LLVMValueRef| -> Option<i64> {
        if let Some(&l) = low.get(&v) {
            return Some(l);
        }
        if set.contains(&v) {
            return None;
        }
        extents::offset_in(shim, global, v)
    };
    let mut settled = false;
    for _ in 0..16 {
        let mut changed = false;
        for &v in &set {
            let next = match ir::opcode(v) {
                LLVMOpcode::LLVMPHI => ir::incoming(v)
                    .into_iter()
                    .filter_map(|(x, _)| of(&low, x))
                    .min(),
                LLVMOpcode::LLVMSelect => [ir::operand(v, 1), ir::operand(v, 2)]
                    .into_iter()
                    .filter_map(|x| of(&low, x))
                    .min(),
                LLVMOpcode::LLVMBitCast => of(&low, ir::operand(v, 0)),
                _ if ir::byte_gep(v) => {
                    let index = ir::operand(v, 1);
                    let step = match ir::const_int(index) {
                        Some(c) => Some(c),
                        None => shim.signed_min_at(index, v).filter(|&m| m >= 0).map(|_| 0),
                    };
                    of(&low, ir::operand(v, 0))
                        .zip(step)
                        .map(|(l, s)| l.saturating_add(s))
                }
                _ => None,
            };
            if let Some(n) = next {
                if low.get(&v).is_none_or(|&l| n < l) {
                    low.insert(v, n);
                    changed = true;
                }
            }
        }
        if !changed {
            settled = true;
            break;
        }
    }
    if !settled {
        return Err("a pointer into it moves back round a loop".into());
    }
    // Every value each pointer's bound was taken from must itself be bounded: a phi value
    // of unknown offset (another object, an index that may be negative) leaves it unknown.
    for &v in &set {
        let sources: Vec<LLVMValueRef> = match ir::opcode(v) {
            LLVMOpcode::LLVMPHI => ir::incoming(v).into_iter().map(|(x, _)| x).collect(),
            LLVMOpcode::LLVMSelect => vec![ir::operand(v, 1), ir::operand(v, 2)],
            _ => vec![ir::operand(v, 0)],
        };
        let bounded = low.contains_key(&v)
            && sources.iter().all(|&x| of(&low, x).is_some())
            && (ir::opcode(v) != LLVMOpcode::LLVMGetElementPtr || ir::byte_gep(v));
        if !bounded {
            return Err(format!(
                "its address is taken ({}: an offset into it that is not known not to fall)",
                ir::describe(v)
            ));
        }
    }
    let into = |x: LLVMValueRef| low.get(&x).copied();
    let mut uses = Vec::new();
    for &v in &set {
        let at = low[&v];
        for u in ir::value_users(v) {
            if set.contains(&u) {
                continue;
            }
            let ok = match ir::opcode(u) {
                LLVMOpcode::LLVMLoad | LLVMOpcode::LLVMICmp => true,
                LLVMOpcode::LLVMStore => ir::operand(u, 0) != v,
                LLVMOpcode::LLVMCall => keeps_no_copy(shim, u, v, &into),
                _ => false,
            };
            if !ok {
                return Err(taken(u));
            }
            let end = (ir::opcode(u) == LLVMOpcode::LLVMCall)
                .then(|| extents::walked_bytes(shim, global, u, v))
                .flatten()
                .map(|b| b.end())
                .filter(|&end| end >= at);
            let size = end.map_or(u64::MAX, |end| u64::try_from(end - at).unwrap_or(u64::MAX));
            uses.push((u, Bytes { start: at, size }));
        }
    }
    Ok(uses)
}

/// Whether the call `call`, given the address `p` of an object, keeps no copy of it once it
/// returns: a lifetime marker, `memset`/`memcpy`/`memmove`, a parameter marked `nocapture`
/// wherever `p` is passed, or a system call the catalogue describes (the kernel keeps no
/// pointer it is given).
fn keeps_no_copy(
    shim: &Shim,
    call: LLVMValueRef,
    p: LLVMValueRef,
    into: &dyn Fn(LLVMValueRef) -> Option<i64>,
) -> bool {
    let name = ir::called_function(call).map(ir::name).unwrap_or_default();
    let intrinsic = name.starts_with("llvm.lifetime.") || ir::is_memory_intrinsic(call);
    let args = ir::call_args(call);
    let nocapture = (0..args.len()).filter(|&k| args[k] == p).all(|k| {
        u32::try_from(k)
            .is_ok_and(|k| ir::call_has_attribute(call, ir::AttrAt::Arg(k), "nocapture"))
    });
    intrinsic || nocapture || extents::call_bytes(shim, call, Touch::Any, into).is_ok()
}

/// Why the global variable `global`, accessed at `ptr` in the loop of `blocks`, may not be kept
/// in a register across that loop; when it may, the calls of the loop that may read or write
/// it (none runs in every iteration), around which it goes back to memory: stored before
/// each, loaded again after it, as a register allocator spills around a call.
fn promotable(
    shim: &Shim,
    graph: &CallGraph,
    global: LLVMValueRef,
    ptr: LLVMValueRef,
    blocks: &IndexSet<LLVMBasicBlockRef>,
) -> Result<Vec<LLVMValueRef>, String> {
    if !ir::is_internal_global(global) {
        return Err(
            "it is visible outside this module (declare it static, or build with --lto)".into(),
        );
    }
    let Some(&any) = blocks.iter().next() else {
        return Err("the loop has no blocks".into());
    };
    let function = ir::block_function(any);
    // The bytes the loop's accesses at `ptr` touch: the size of its stores (the shim refuses
    // two types).
    let here = extents::offset_in(shim, global, ptr)
        .zip(extents::first_store_at(blocks, ptr))
        .and_then(|(off, store)| Bytes::of_access(shim, store, off))
        .ok_or("the loop writes it with a store of no fixed size")?;
    let accessors = address_uses(shim, global, here, Some(ptr), blocks, Keeping::Register)?;
    let mut spilled = Vec::new();
    undisturbed_but(
        graph,
        &accessors,
        blocks,
        "reads or writes it",
        false,
        Some((shim, &mut spilled)),
    )?;
    graph.no_jump_out(function)?;
    Ok(spilled)
}

/// `Err` when `function` calls a `returns_twice` function (`setjmp`): a `longjmp` from a
/// signal handler out of a loop whose variables are kept in registers would skip the stores
/// at its exits.
pub(super) fn no_returns_twice(function: LLVMValueRef) -> Result<(), String> {
    match ir::returns_twice_call(function) {
        Some(call) => Err(format!(
            "'{}' calls {}, which returns twice: a longjmp out of the loop would skip the stores at its exits",
            ir::name(function),
            ir::describe(call)
        )),
        None => Ok(()),
    }
}

/// Why one of `functions` (those that `what` a variable) may run while the loop of `blocks`
/// runs; `Ok` when none may: none may start at any time (a signal handler, a thread's start,
/// a callback: a function whose address is taken, or one it calls), none is reached from a
/// call of the loop, and, when the loop calls code this module does not have, none is one
/// that code may call back by name. With `writes_only` (`functions` only write the variable,
/// and the loop only reads it), a signal handler that never returns does not count: the loop
/// it interrupts never reads again.
pub(super) fn undisturbed(
    graph: &CallGraph,
    functions: &[LLVMValueRef],
    blocks: &IndexSet<LLVMBasicBlockRef>,
    what: &str,
    writes_only: bool,
) -> Result<(), String> {
    undisturbed_but(graph, functions, blocks, what, writes_only, None)
}

/// [`undisturbed`], but with `spill` the calls of the loop that may reach one of `functions`
/// (a function of the module's, code it does not have that may call back, or `exit` with an
/// `atexit` handler that does) are collected there instead of refused: the variable is
/// stored before each and loaded again after it. Such a call must not run in every
/// iteration (it would keep the variable in memory all the same): that is refused.
fn undisturbed_but(
    graph: &CallGraph,
    functions: &[LLVMValueRef],
    blocks: &IndexSet<LLVMBasicBlockRef>,
    what: &str,
    writes_only: bool,
    mut spill: Option<(&Shim, &mut Vec<LLVMValueRef>)>,
) -> Result<(), String> {
    let accessors = functions;
    let mut concurrent = graph.reach(graph.roots(writes_only));
    // The `atexit` handlers run while the loop runs when something that may run then calls
    // `exit`: a function that may start at any time, a call of the loop, or code the module
    // does not have.
    if !graph.at_exit.is_empty() {
        let loop_calls: Vec<LLVMValueRef> = blocks
            .iter()
            .flat_map(|&b| ir::instructions(b))
            .filter(|&i| ir::is_call_site(i))
            .collect();
        let reached_from_loop = graph.reach(
            loop_calls
                .iter()
                .filter_map(|&i| ir::called_function(i))
                .filter(|f| !ir::blocks(*f).is_empty()),
        );
        // Spilled around, a call of the loop that leaves by `exit` leaves the variable
        // in memory for the handlers: only code that may start at any time counts then.
        let exits = if spill.is_some() {
            concurrent.keys().any(|f| graph.may_exit.contains(f))
        } else {
            loop_calls.iter().any(|&i| may_call_exit(i))
                || concurrent
                    .keys()
                    .chain(reached_from_loop.keys())
                    .any(|f| graph.may_exit.contains(f))
        };
        if exits {
            concurrent.extend(graph.reach(graph.at_exit.iter().copied()));
        }
    }
    // Spilling only: whether an `atexit` handler reads or writes the variable.
    let exit_reaches = spill.is_some() && {
        let at_exit = graph.reach(graph.at_exit.iter().copied());
        accessors.iter().any(|f| at_exit.contains_key(f))
    };
    if let Some((&f, &root)) = accessors.iter().find_map(|f| concurrent.get_key_value(f)) {
        return Err(format!(
            "{} {what} and may run while the loop runs ('{}' has its address taken: a signal handler, a thread, a callback)",
            through(f, root),
            ir::name(root)
        ));
    }
    let foreign = blocks
        .iter()
        .flat_map(|&b| ir::instructions(b))
        .filter(|&i| ir::is_call_site(i))
        .find(|&i| calls_foreign_code(i));
    // A function of the module's that code outside it may call back, which reads or writes
    // the variable: asked only when the loop calls such code.
    let called_back = foreign.and_then(|_| {
        let back = graph.reach(graph.exported.iter().copied());
        accessors
            .iter()
            .find_map(|f| back.get(f).map(|&root| (*f, root)))
    });
    if let (Some(call), Some((f, root)), None) = (foreign, called_back, &spill) {
        return Err(format!(
            "the loop calls {}, which may call '{}' back, and {} {what}",
            ir::describe(call),
            ir::name(root),
            through(f, root)
        ));
    }
    for &b in blocks {
        for i in ir::instructions(b) {
            if !ir::is_call_site(i) {
                continue;
            }
            if ir::call_has_attribute(i, ir::AttrAt::Function, "returns_twice") {
                return Err(format!(
                    "the loop calls '{}', which returns twice",
                    ir::describe(i)
                ));
            }
            let reached = match ir::called_function(i) {
                Some(callee) => graph.reach([callee]),
                None => graph.reach(graph.pointer_only.iter().copied()),
            };
            let reaches = accessors.iter().find_map(|f| reached.get_key_value(f));
            let Some((shim, spilled)) = spill.as_mut() else {
                if let Some((&f, &root)) = reaches {
                    return Err(format!(
                        "{}, which the loop calls, {what}",
                        through(f, root)
                    ));
                }
                continue;
            };
            let by_exit = exit_reaches
                && (may_call_exit(i) || reached.keys().any(|f| graph.may_exit.contains(f)));
            let by_callback = called_back.is_some() && calls_foreign_code(i);
            if reaches.is_none() && !by_exit && !by_callback {
                continue;
            }
            let describe = || match reaches {
                Some((&f, &root)) => format!("{}, which the loop calls, {what}", through(f, root)),
                None if by_exit => format!(
                    "the loop calls {}, which may exit, and an atexit handler {what}",
                    ir::describe(i)
                ),
                None => match called_back {
                    Some((f, root)) => format!(
                        "the loop calls {}, which may call '{}' back, and {} {what}",
                        ir::describe(i),
                        ir::name(root),
                        through(f, root)
                    ),
                    None => format!("the loop calls {}", ir::describe(i)),
                },
            };
            if ir::opcode(i) != LLVMOpcode::LLVMCall {
                return Err(describe());
            }
            if in_every_iteration(shim, i, blocks) {
                return Err(format!("{}, in every iteration", describe()));
            }
            spilled.push(i);
        }
    }
    Ok(())
}

/// Whether the instruction `inst` of the loop of `blocks` runs in every iteration that comes
/// round: it dominates the end of each block that goes back to the loop's header (the first
/// of `blocks`).
fn in_every_iteration(
    shim: &Shim,
    inst: LLVMValueRef,
    blocks: &IndexSet<LLVMBasicBlockRef>,
) -> bool {
    let Some(&header) = blocks.first() else {
        return true;
    };
    ir::predecessors(header)
        .into_iter()
        .filter(|b| blocks.contains(b))
        .filter_map(ir::terminator)
        .all(|t| shim.dominates(inst, t))
}

/// The global variables the loop of `blocks` writes at a constant address, each with that
/// address, in the order of their first store.
fn written_in(blocks: &[LLVMBasicBlockRef]) -> Vec<(LLVMValueRef, LLVMValueRef)> {
    let mut out: Vec<(LLVMValueRef, LLVMValueRef)> = Vec::new();
    for &b in blocks {
        for i in ir::instructions(b) {
            if ir::opcode(i) != LLVMOpcode::LLVMStore {
                continue;
            }
            if let Some(access) = global_access(i) {
                if !out.contains(&access) {
                    out.push(access);
                }
            }
        }
    }
    out
}

/// Whether every access of the loop of `blocks` at `ptr` is one a promotion leaves around a
/// call that may read or write the variable: a store just before the call and a load just
/// after it (only other such stores or loads of file-scope variables between).
fn spilled_only(ptr: LLVMValueRef, blocks: &IndexSet<LLVMBasicBlockRef>) -> bool {
    let at_global =
        |i: LLVMValueRef, op: LLVMOpcode| ir::opcode(i) == op && global_access(i).is_some();
    let mut any = false;
    for &b in blocks {
        for i in ir::instructions(b) {
            let Some((_, p)) = global_access(i) else {
                continue;
            };
            if p != ptr {
                continue;
            }
            any = true;
            let call_next_to = |step: fn(LLVMValueRef) -> Option<LLVMValueRef>, op| {
                let mut cur = step(i);
                while let Some(j) = cur {
                    if at_global(j, op) {
                        cur = step(j);
                        continue;
                    }
                    // Not an intrinsic: LLVM's own (lifetime markers, `memcpy`) touch no
                    // variable's copy a promotion keeps.
                    return ir::opcode(j) == LLVMOpcode::LLVMCall
                        && !ir::called_function(j)
                            .is_some_and(|f| ir::name(f).starts_with("llvm."));
                }
                false
            };
            let spill = match ir::opcode(i) {
                LLVMOpcode::LLVMStore => call_next_to(ir::next_instruction, LLVMOpcode::LLVMStore),
                LLVMOpcode::LLVMLoad => {
                    call_next_to(ir::previous_instruction, LLVMOpcode::LLVMLoad)
                }
                _ => false,
            };
            if !spill {
                return false;
            }
        }
    }
    any
}

/// Keeps the global variables that hot loops write in registers across those loops, where a
/// hot edge in the loop was refused.
pub(crate) fn run(ctx: &mut Context<'_>, hot: &mut Hot<'_>) -> Changed {
    let sites = hot.sites;
    // The loops first: promoting a variable deletes its loads and stores, which other
    // refusals may name.
    let loops = super::refused_loops(ctx, hot, |_| true);
    let mut graph: Option<CallGraph> = None;
    let mut changed = Changed::No;
    for (header, a, _) in loops {
        let first = &sites[a];
        // Increments through a choice of two variables (`if (n == bs) full++; else part++;`
        // sunk by clang) first become accesses of each.
        let mut split = super::chosen_global::split(ctx, &loop_blocks(ctx.shim, header), None);
        if !split.is_empty() {
            let function = ir::block_function(header);
            super::chosen_global::split(ctx, &ir::blocks(function), Some(&split));
            split.dedup();
            ctx.shim.invalidate(ir::block_function(header));
            changed = Changed::Yes;
            let names: Vec<String> = split.iter().map(|&g| quoted(g)).collect();
            ctx.remark(Remark::split_choice(&names.join(" and "), first));
        }
        let graph = graph.get_or_insert_with(|| CallGraph::of(ctx.module));
        for (global, ptr) in written_in(&loop_blocks(ctx.shim, header)) {
            // Asked again for each: promoting one gives the loop a preheader and exit blocks.
            let blocks: IndexSet<LLVMBasicBlockRef> =
                loop_blocks(ctx.shim, header).into_iter().collect();
            // Kept in a register already (a loop seen again after a change of its shape):
            // promoting it again would only carry a second copy round the loop.
            if spilled_only(ptr, &blocks) {
                continue;
            }
            let answer =
                promotable(ctx.shim, graph, global, ptr, &blocks).map_err(|why| (why, false));
            let answer = answer.and_then(|spilled| {
                ctx.shim.promote_in_loop(header, ptr, &spilled)?;
                Ok(spilled)
            });
            match answer {
                Ok(spilled) if spilled.is_empty() => {
                    changed = Changed::Yes;
                    ctx.remark(Remark::kept_in_register(&quoted(global), first));
                }
                Ok(spilled) => {
                    changed = Changed::Yes;
                    let calls: Vec<String> = spilled.iter().map(|&c| ir::describe(c)).collect();
                    ctx.remark(Remark::kept_in_register_but(
                        &quoted(global),
                        first,
                        &calls.join(", "),
                    ));
                }
                Err((why, simplified)) => {
                    if simplified {
                        changed = Changed::Yes;
                    }
                    ctx.remark(Remark::not_kept_in_register(&quoted(global), first, &why));
                }
            }
        }
        // Then what the loop updates through pointers it was given.
        let pointees = super::pointees::run_on_loop(ctx, graph, header, |ctx, p, answer| {
            let what = p.describe(ctx.shim);
            ctx.remark(match answer {
                Ok(()) => Remark::kept_in_register(&what, first),
                Err(why) => Remark::not_kept_in_register(&what, first, &why),
            })
        });
        if pointees {
            changed = Changed::Yes;
        }
    }
    changed
}
