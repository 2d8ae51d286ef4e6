//! The direct backend: runs the entries one by one with the `syscall` instruction.
//!
//! Always available, and the reference semantics every other backend is tested against.
//! It is the header's text applied literally, one entry at a time:
//!
//! - references are substituted from the results of earlier entries of the same iteration;
//! - a denied call ([`crate::batch::is_denied`]) gets -ENOSYS without running;
//! - the result is stored, then the entry's stop predicate is tested on it;
//! - an interrupted call (-EINTR; restart codes never reach user space, the kernel turns
//!   them into -EINTR or restarts the call itself under `SA_RESTART`) stops the batch
//!   whatever its predicate, as a restart code does in the kernel module;
//! - a looped batch repeats until a predicate fires or `max_iters` iterations have begun.
//!   Signal handlers run in user space after every crossing, so "a signal is pending at
//!   the start of an iteration" cannot be observed here; a signal shows as an interrupted
//!   call instead.
//!
//! Entries are accessed through a raw pointer because a system call of the batch may write
//! anywhere in the caller's memory, the entries included.

use crate::abi::{McEntry, MC_MAX_ARGS};
use crate::batch::{fires, is_denied, is_interrupted, reported, Outcome};

#[cfg(not(all(target_os = "linux", target_arch = "x86_64")))]
compile_error!("libmulticall runs x86-64 Linux system calls: build it for x86_64-linux");

/// One raw system call: `nr` with six arguments; returns the kernel's raw result
/// (-errno on failure). errno is not touched.
///
/// # Safety
///
/// The call may do anything the kernel lets the process do, including writing to any
/// memory the arguments point to; the caller vouches for the arguments exactly as for a
/// direct `syscall(2)`.
#[inline]
pub unsafe fn raw_syscall(nr: u32, args: &[i64; MC_MAX_ARGS]) -> i64 {
    let ret: i64;
    // SAFETY: the x86-64 system call convention: number in rax, arguments in rdi, rsi, rdx,
    // r10, r8, r9; the kernel clobbers rcx and r11 and returns in rax. No stack is used.
    // The asm block is not marked nomem/readonly, so the compiler assumes it reads and
    // writes memory, as the call may. What the call does is the caller's contract.
    unsafe {
        std::arch::asm!(
            "syscall",
            inlateout("rax") nr as i64 => ret,
            in("rdi") args[0],
            in("rsi") args[1],
            in("rdx") args[2],
            in("r10") args[3],
            in("r8") args[4],
            in("r9") args[5],
            lateout("rcx") _,
            lateout("r11") _,
            options(nostack),
        );
    }
    ret
}

/// Runs `count` entries at `entries` once, in order; returns the stop index (the entry
/// whose predicate fired or that was interrupted, or `count`).
///
/// # Safety
///
/// `entries` points to `count` valid, writable entries that passed
/// [`crate::batch::validate`], and the system calls they describe are ones the caller
/// could make itself.
pub unsafe fn run_once(entries: *mut McEntry, count: usize) -> usize {
    for index in 0..count {
        // SAFETY: index < count, and the caller guarantees count valid entries.
        let entry = unsafe { entries.add(index).read() };
        let mut args = entry.args;
        if entry.refs != 0 {
            for (arg, value) in args.iter_mut().enumerate() {
                if entry.refs & (1 << arg) != 0 {
                    // validate() guaranteed 0 <= *value < index.
                    let earlier = *value as usize;
                    // SAFETY: earlier < index < count: a valid entry, already run.
                    *value = unsafe { (*entries.add(earlier)).result };
                }
            }
        }
        let raw = if is_denied(entry.nr, &args) {
            -(libc::ENOSYS as i64)
        } else {
            // SAFETY: the caller's contract: these are calls it could make itself.
            unsafe { raw_syscall(entry.nr, &args) }
        };
        let result = reported(raw);
        // SAFETY: as for the read above; written through the pointer, since the call
        // itself may have written to the entries.
        unsafe { (*entries.add(index)).result = result };
        if is_interrupted(raw) || fires(&entry, &args, result) {
            return index;
        }
    }
    count
}

/// Runs the batch once or, with `max_iters` set, as a looped batch.
///
/// # Safety
///
/// As for [`run_once`]; `max_iters`, when given, is at least 1.
pub unsafe fn run(entries: *mut McEntry, count: usize, max_iters: Option<u64>) -> Outcome {
    let max = max_iters.unwrap_or(1).max(1);
    let mut iterations = 0;
    loop {
        iterations += 1;
        // SAFETY: forwarded from the caller.
        let stop_index = unsafe { run_once(entries, count) };
        if stop_index < count || iterations >= max {
            return Outcome {
                stop_index,
                iterations,
            };
        }
    }
}
