//! The direct backend: runs the entries one by one with the `syscall` instruction.
//!
//! Always available, and the reference semantics every other backend is tested against:
//! [`crate::batch::Batch::run`] (the header's text applied one entry at a time, from the
//! copy taken at submission) with each call made by [`raw_syscall`], but for runs of writes
//! to one regular file, which [`crate::merge`] makes one `writev` where the result is the
//! same. Restart codes never
//! reach user space here: the kernel turns them into -EINTR, or restarts the call itself
//! under `SA_RESTART`. Signal handlers run in user space after every crossing, so "a signal
//! is pending at the start of an iteration" cannot be observed here; a signal shows as an
//! interrupted call instead. For the same reason a watched word (`MC_BATCH_WATCH`), read by
//! the shared loop after each completed iteration, already holds what a handler run by one
//! of its calls (SIGPIPE, SIGXFSZ) stored there.

use crate::abi::MC_MAX_ARGS;
use crate::batch::{Batch, Calls, Outcome};
use crate::merge::Writes;
use std::convert::Infallible;

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

/// Each call made with the `syscall` instruction, from user space; consecutive writes to one
/// regular file as one `writev` where that saves crossings ([`crate::merge`]).
struct Syscalls {
    merge: Option<Writes>,
}

impl Calls for Syscalls {
    type Error = Infallible;

    unsafe fn start(&mut self, _: &[crate::abi::McEntry]) -> Result<(), Infallible> {
        if let Some(merge) = &mut self.merge {
            merge.start();
        }
        Ok(())
    }

    #[inline(always)]
    unsafe fn call(
        &mut self,
        index: usize,
        nr: u32,
        args: &[i64; MC_MAX_ARGS],
        entries: &[crate::abi::McEntry],
    ) -> i64 {
        if let Some(merge) = &mut self.merge {
            // SAFETY: the caller's contract: these are calls it could make itself.
            if let Some(result) = unsafe { merge.result(index, entries) } {
                return result;
            }
        }
        // SAFETY: the caller's contract: these are calls it could make itself.
        unsafe { raw_syscall(nr, args) }
    }
}

/// Runs the batch, looped when it is.
///
/// # Safety
///
/// The system calls the entries describe are ones the caller could make itself.
#[inline]
pub unsafe fn run(batch: &mut Batch) -> Outcome {
    // A batch too short for a group of writes is not planned at all (the plan, room for a
    // whole batch, is never moved: each way builds its own in place).
    // A word watched between two writes is read between them: they are never one writev.
    let advancing = batch.advances().is_some();
    let result =
        if batch.watches_within() || !Writes::may_group(batch.count(), batch.looped(), advancing) {
            // SAFETY: forwarded from the caller.
            unsafe { batch.run(&mut Syscalls { merge: None }) }
        } else {
            let merge = Writes::plan(batch.entries(), batch.looped(), advancing);
            // SAFETY: forwarded from the caller.
            unsafe { batch.run(&mut Syscalls { merge }) }
        };
    match result {
        Ok(outcome) => outcome,
        Err(never) => match never {},
    }
}
