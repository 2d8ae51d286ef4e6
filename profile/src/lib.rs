//! System call catalogue, trace ingestion, syscall graph and the profile file format.
//!
//! - [`catalogue`]: the x86-64 Linux system call table and the libc functions that make the calls.
//! - [`format`]: the profile file (versioned JSON) with its merge.
pub mod catalogue;
pub mod format;
