//! This thread's errno, read and set in one place.
//!
//! The C entry points leave errno alone (a program may read it after a batch, as after a
//! short write), except when they report an error: the runtime's own system calls (probing
//! descriptors and limits, entering io_uring or the module) are raw ([`crate::sys`]), and a
//! value a signal handler writes while a batch runs stays, as after the original calls.

/// This thread's errno.
pub(crate) fn get() -> i32 {
    // SAFETY: __errno_location returns this thread's errno slot, always valid.
    unsafe { *libc::__errno_location() }
}

/// Sets this thread's errno.
pub(crate) fn set(value: i32) {
    // SAFETY: as above.
    unsafe { *libc::__errno_location() = value };
}

/// Runs `call`, a call through the C library that writes errno only when it fails, and puts
/// errno back as it was when it failed. For the few calls the runtime cannot make raw
/// ([`crate::sys`]): the io_uring crate's ring set-up.
pub(crate) fn restored_on_failure<T, E>(call: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
    let before = get();
    let result = call();
    if result.is_err() {
        set(before);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn restored_only_on_failure() {
        set(7);
        let failed: Result<(), ()> = restored_on_failure(|| {
            set(9);
            Err(())
        });
        assert!(failed.is_err());
        assert_eq!(get(), 7);
        let ok: Result<(), ()> = restored_on_failure(|| {
            set(11);
            Ok(())
        });
        assert!(ok.is_ok());
        assert_eq!(get(), 11, "a success keeps what was written meanwhile");
    }
}
