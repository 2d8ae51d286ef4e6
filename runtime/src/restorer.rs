//! The signal restorer for handlers installed by a batch's `rt_sigaction` entry.
//!
//! On x86-64 a handler returns through the `sa_restorer` of its `struct sigaction`, which must
//! make the `rt_sigreturn` system call; glibc's `sigaction` always sets `SA_RESTORER` and its
//! own `__restore_rt`. The pass lowers `sigaction(sig, act, NULL)` to `rt_sigaction` with the
//! kernel's struct, as glibc builds it, and this function as the restorer: the same bytes as
//! glibc's (`mov $15, %rax; syscall`), which is what unwinders (libgcc's
//! `MD_FALLBACK_FRAME_STATE_FOR`, gdb) recognise a signal frame by. It is preceded by a `nop`
//! that no unwind entry covers, as glibc's is: an unwinder looks up the handler's return
//! address minus one, finds no entry there and falls back to that byte check.

use std::arch::global_asm;

global_asm!(
    ".pushsection .text.multicall_restore_rt,\"ax\",@progbits",
    ".p2align 4",
    "nop",
    ".globl multicall_restore_rt",
    ".hidden multicall_restore_rt",
    ".type multicall_restore_rt,@function",
    "multicall_restore_rt:",
    // mov $15 (__NR_rt_sigreturn), %rax
    ".byte 0x48, 0xc7, 0xc0, 0x0f, 0x00, 0x00, 0x00",
    // syscall
    ".byte 0x0f, 0x05",
    ".size multicall_restore_rt, . - multicall_restore_rt",
    ".popsection",
);

extern "C" {
    /// Defined above; never called as a function (the kernel jumps to it).
    fn multicall_restore_rt();
}

/// The restorer's address, for lowered code (a data symbol: a shared object built by rustc
/// exports only Rust items, not the assembly's own symbols).
#[no_mangle]
#[used]
pub static multicall_sa_restorer: unsafe extern "C" fn() = multicall_restore_rt;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_restorer_is_glibc_bytes() {
        let p = multicall_sa_restorer as usize as *const u8;
        // SAFETY: the restorer's nine bytes and the nop before it are in this object's text.
        let bytes = unsafe { std::slice::from_raw_parts(p.sub(1), 10) };
        assert_eq!(
            bytes,
            &[0x90, 0x48, 0xc7, 0xc0, 0x0f, 0x00, 0x00, 0x00, 0x0f, 0x05]
        );
    }
}
