//! Whether a whole loop may become one looped multi-call (`multicall_loop`, the paper's
//! section 3.4): the straight conditions over the chain `c0 .. ck`, and what makes the loop
//! around it exactly that chain, run again and again.
//!
//! The loop's blocks are those reachable from the header (the block of `c0`) that can come
//! back to it. The chain is a whole loop when:
//!
//! - the header begins with `c0` (only debug records before it) and has no phi: a value
//!   carried from one iteration to the next (a counter, a total, an advancing pointer) is not
//!   something a looped batch keeps;
//! - one block outside the loop enters it (the preheader);
//! - the walk from `ck` goes back to the header (the back edge), safely and with at most one
//!   conditional branch, a stop predicate of `ck`;
//! - every call has a stop predicate, its gap's branch, which leaves the loop: the predicates
//!   are the loop's only exits (the walks allow no other branch, and a block outside can come
//!   back only through the preheader, the one way in);
//! - no argument is computed in the loop (every argument is invariant or, in a later entry,
//!   the result of an earlier entry of the same iteration);
//! - nothing in the loop reads memory (a flag set by a signal handler, a buffer the calls
//!   fill), and no value computed in the loop but the calls' results is used after it.

use std::collections::{HashSet, VecDeque};

use llvm_sys::prelude::{LLVMBasicBlockRef, LLVMValueRef};

use super::{conditions, dead_buffers, facts, Checker, Reason, Refusal};
use crate::ir;
use crate::plan::{ArgSource, LoopExit, Looped, Stop};
use crate::shim::{flags, Shim};

impl Checker<'_> {
    /// Checks the loop around the chain `calls` (site indices in program order, `calls[0]`
    /// first in the loop's header); on success returns its plan.
    pub(crate) fn check_loop(&mut self, calls: &[usize]) -> Result<Looped, Refusal> {
        let sites = self.sites;
        if let Some(&site) = calls.iter().find(|&&c| sites[c].converts_sigaction()) {
            return Err(Refusal::new(
                sites[site].call,
                Reason::SigactionNotFirst { site },
            ));
        }
        let straight = self.check(calls)?;
        let gaps = match self.legal.get(calls) {
            Some(l) => l.gaps.clone(),
            None => return Err(Refusal::new(sites[calls[0]].call, Reason::Malformed)),
        };
        let (c0, ck) = (calls[0], calls[calls.len() - 1]);
        let header = ir::parent_block(sites[c0].call);
        let blocks = loop_blocks(self.shim, header);
        if blocks.len() < 2 && !ir::successors_of(header).contains(&header) {
            return Err(Refusal::new(sites[c0].call, Reason::NotALoop { site: c0 }));
        }
        let inside: HashSet<LLVMBasicBlockRef> = blocks.iter().copied().collect();

        // Arguments: invariant, or results of earlier entries.
        for e in &straight.entries {
            for (k, a) in e.args.iter().enumerate() {
                if let ArgSource::Value(v) = *a {
                    if ir::is_instruction(v) && inside.contains(&ir::parent_block(v)) {
                        return Err(Refusal::new(
                            sites[e.site].call,
                            Reason::VariantArgument {
                                site: e.site,
                                k,
                                value: v,
                            },
                        ));
                    }
                }
            }
        }
        // The header: no loop-carried value, nothing before c0 but debug records.
        for inst in ir::instructions(header) {
            if inst == sites[c0].call {
                break;
            }
            if ir::is_phi(inst) {
                return Err(Refusal::new(inst, Reason::LoopCarried { value: inst }));
            }
            if self.shim.inst_flags(inst) & flags::DEBUG == 0 {
                return Err(Refusal::new(inst, Reason::HeaderCode { inst, first: c0 }));
            }
        }
        // One way in.
        let outside: Vec<LLVMBasicBlockRef> = ir::predecessors(header)
            .into_iter()
            .filter(|p| !inside.contains(p))
            .collect();
        let preheader = match outside[..] {
            [p] if !p.is_null() => p,
            _ => {
                return Err(Refusal::new(
                    sites[c0].call,
                    Reason::NotOneEntry {
                        entries: outside.len(),
                    },
                ))
            }
        };
        // The way round: the back edge from ck to the header.
        let back = facts::gather(
            self.shim,
            &mut self.reach,
            &sites[ck],
            &sites[c0],
            std::ptr::null_mut(),
        );
        let back_stop = conditions::back_edge(&back, sites, ck, c0, header)?;
        let back_exits: Vec<_> = back.exits().collect();
        let back_loads = conditions::loads(&back);

        // Every call stops the batch at its own predicate, which leaves the loop for good.
        let mut entries = straight.entries;
        let mut exits = Vec::with_capacity(entries.len());
        for (i, e) in entries.iter_mut().enumerate() {
            let (stop, gap_exits) = match gaps.get(i) {
                Some(g) => (g.stop, g.exits.clone()),
                None => (back_stop, back_exits.clone()),
            };
            let (branch, off) = match (stop, &gap_exits[..]) {
                (Stop::Never, _) | (_, []) => {
                    return Err(Refusal::new(
                        sites[e.site].call,
                        Reason::NoStop { site: e.site },
                    ))
                }
                (_, [(branch, off), ..]) => (*branch, *off),
            };
            if inside.contains(&off) {
                return Err(Refusal::new(branch, Reason::ExitReentersLoop { off }));
            }
            e.stop = stop;
            exits.push(LoopExit {
                from: ir::parent_block(branch),
                to: off,
            });
        }
        // Nothing in the loop reads memory.
        if let Some(&load) = gaps
            .iter()
            .flat_map(|g| g.loads.iter())
            .chain(back_loads.iter())
            .next()
        {
            return Err(Refusal::new(load, Reason::LoopLoad { load }));
        }
        // Only the calls' results are used after the loop.
        let calls_ir: HashSet<LLVMValueRef> = calls.iter().map(|&c| sites[c].call).collect();
        for &b in &blocks {
            for inst in ir::instructions(b) {
                if calls_ir.contains(&inst) {
                    continue;
                }
                let escapes = ir::users(inst)
                    .iter()
                    .any(|&(user, _)| !inside.contains(&ir::parent_block(user)));
                if escapes {
                    return Err(Refusal::new(inst, Reason::UsedAfterLoop { value: inst }));
                }
            }
        }
        let buffers = dead_buffers::check(&entries, sites);
        Ok(Looped {
            entries,
            header,
            preheader,
            blocks,
            exits,
            buffers,
        })
    }
}

/// The blocks of the natural loop headed by `header`: those the header dominates that can come
/// back to it, header first (only the header when nothing comes back).
fn loop_blocks(shim: &Shim, header: LLVMBasicBlockRef) -> Vec<LLVMBasicBlockRef> {
    let mut out = vec![header];
    let Some(&first) = ir::instructions(header).first() else {
        return out;
    };
    let mut seen = HashSet::from([header]);
    let mut queue: VecDeque<_> = ir::predecessors(header).into_iter().collect();
    while let Some(b) = queue.pop_front() {
        if b.is_null() || seen.contains(&b) {
            continue;
        }
        match ir::terminator(b) {
            Some(t) if shim.dominates(first, t) => {}
            _ => continue,
        }
        seen.insert(b);
        out.push(b);
        queue.extend(ir::predecessors(b));
    }
    out
}
