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
//! The phases, run by [`driver`] over a `context::Context` (shim handle, settings, counters,
//! remarks), and the types between them (docs/pass.md draws the same map):
//!
//! ```text
//! sites::scan          -> sites::Scan         call sites of system calls, inline asm
//! profile_map          -> SiteGraph           weighted site pairs, self-loops, unmatched edges
//! regions::grow        -> candidate chains    Figure 6, heaviest edge first
//! legality::Checker    -> Refusal | Straight  facts per gap, one check per condition (3.2)
//! plan::Plan           -> lower::lower_all    one lowering file per plan kind (Figure 7)
//! ```
//!
//! `transform` is where enabling transformations go; `remarks` words every remark; `stats`
//! counts. `plugin` is what LLVM calls into, `shim` what the pass calls out to (the C++ shim
//! in `pass/shim/`), `ir` small helpers over LLVM's C API, `config` the options.

pub mod config;
mod context;
mod driver;
mod ir;
pub mod legality;
mod lower;
pub mod plan;
pub mod plugin;
pub mod profile_map;
mod regions;
mod remarks;
mod shim;
mod sites;
mod specialise;
pub mod stats;
mod transform;
