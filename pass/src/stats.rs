//! The pass's counters, printed in the format of LLVM's `-stats`.
//!
//! Debian's LLVM is a release build in which `llvm::Statistic` is compiled out (`-stats` says
//! "Statistics are disabled"), so the pass keeps its own counters and prints them to stderr
//! when `-syscluster-stats`, the `stats` pass parameter, or LLVM's `-stats` is given.

/// Counters of one run over a module.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Stats {
    pub sites: u64,
    pub inline_asm: u64,
    pub nodes_matched: u64,
    pub edges_matched: u64,
    pub edges_unmatched: u64,
    pub refusals: u64,
    pub regions: u64,
    pub calls_clustered: u64,
    /// Of the multi-calls, those that run a whole loop.
    pub looped: u64,
    /// Calls of helpers inlined so that the calls of a hot edge meet in one function.
    pub inlined: u64,
    /// Calls merged with the `fcntl`s after them into one system call (`specialise`).
    pub specialised: u64,
    /// Of those, merges that were a whole multi-call: one plain system call, no batch.
    pub specialised_whole: u64,
}

impl Stats {
    /// The body of LLVM's statistics report: `value name - description` per line.
    pub fn render(&self) -> String {
        let rows: [(u64, &str); 12] = [
            (self.sites, "Number of system call sites found"),
            (
                self.inline_asm,
                "Number of inline-asm system calls left alone",
            ),
            (
                self.nodes_matched,
                "Number of profile nodes matched to sites",
            ),
            (
                self.edges_matched,
                "Number of profile edges matched to sites",
            ),
            (
                self.edges_unmatched,
                "Number of profile edges matching no site",
            ),
            (self.refusals, "Number of call pairs refused by a condition"),
            (self.regions, "Number of multi-calls formed"),
            (self.calls_clustered, "Number of system calls clustered"),
            (self.looped, "Number of looped multi-calls (whole loops)"),
            (self.inlined, "Number of helper calls inlined for hot edges"),
            (
                self.specialised,
                "Number of calls merged with their fcntls (merged flags)",
            ),
            (
                self.specialised_whole,
                "Number of merged calls run as one plain system call",
            ),
        ];
        let width = rows
            .iter()
            .map(|(v, _)| v.to_string().len())
            .max()
            .unwrap_or(1);
        rows.iter()
            .map(|(v, d)| format!("{v:>width$} syscall-cluster - {d}\n"))
            .collect()
    }
}
