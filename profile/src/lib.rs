//! System call catalogue, trace ingestion, syscall graph and the profile file format.
//!
//! - [`catalogue`]: the x86-64 Linux system call table and the libc functions that make the calls.
//! - [`strace`]: a streaming parser of `strace -f -k` output.
//! - [`graph`]: the syscall graph built from a trace, as a petgraph graph and a Graphviz drawing.
//! - [`symbolize`]: call sites (function, file:line:column, inlining chain) from stack frames.
//! - [`format`]: the profile file (versioned JSON) with its merge.
pub mod catalogue;
pub mod format;
mod fxhash;
pub mod graph;
pub mod strace;
pub mod symbolize;
