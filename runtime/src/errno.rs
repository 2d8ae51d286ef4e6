//! This thread's errno, read, set and restored in one place.
//!
//! The C entry points leave errno as they found it (a program may read it after a batch, as
//! after a short write), except when they report an error; the runtime's own system calls
//! (probing descriptors and limits) must not leave their errno behind either.

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

/// Puts errno back as it was when this guard was made, when dropped.
pub(crate) struct Saved(i32);

impl Saved {
    /// Remembers the current errno.
    pub(crate) fn new() -> Saved {
        Saved(get())
    }

    /// Leaves errno set to `value` instead of the remembered one.
    pub(crate) fn replace(mut self, value: i32) {
        self.0 = value;
    }
}

impl Drop for Saved {
    fn drop(&mut self) {
        set(self.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn saved_restores_or_replaces() {
        set(7);
        {
            let _saved = Saved::new();
            set(9);
        }
        assert_eq!(get(), 7);
        Saved::new().replace(libc::EINVAL);
        assert_eq!(get(), libc::EINVAL);
    }
}
