//! The syscall-cluster pass: profile-directed system call clustering as an LLVM 19 pass plugin.
//!
//! The idea (Rajagopalan et al., "System Call Clustering", sections 3.1-3.3): a profile of the
//! program's system calls tells which call follows which, and how often. Where two calls that
//! often follow each other are close in the code, with only argument set-up and checks of the
//! first call's result between them, both can run in one kernel crossing, a multi-call.
//!
//! ```text
//! before                                  after
//!   n = read(in, buf, N);                   entries = {read(in,buf,N) stop if <= 0,
//!   if (n <= 0) goto done;                             write(out,buf,<result 0>) }
//!   w = write(out, buf, n);                 r = multicall(entries, 2);
//!                                           n = result of entry 0 (errno set here)
//!                                           if (n <= 0) goto done;
//!                                           w = result of entry 1 (errno set here)
//! ```
//!
//! Module map, in pass order: [`sites`] recognises calls that make system calls;
//! [`profile_map`] matches the profile's nodes to them; [`driver`] takes the edges in
//! descending weight and grows regions (Figure 6), asking [`legality`] for the five conditions
//! of section 3.2; [`lowering`] rewrites each region (Figure 7). Remarks explain every site,
//! every region and every refusal; [`stats`] counts. [`ffi`] is the boundary with LLVM and the
//! C++ shim in `pass/shim/`, [`ir`] small helpers over LLVM's C API, [`config`] the options.

pub mod config;
mod driver;
pub mod ffi;
mod ir;
pub mod legality;
mod lowering;
pub mod profile_map;
mod sites;
pub mod stats;
