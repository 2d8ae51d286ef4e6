//! Tail duplication along a hot edge (the paper's section 3.3.2): a hot edge `a -> b` whose
//! second call can also be reached without the first (dominance refuses it) is given a path
//! of its own, by copying the blocks from the first join on the way to `b`.
//!
//! ```text
//! before                                   after
//!   if (opt_stat)                            if (opt_stat) {
//!       if (fstat(fd, &st) < 0) fail();          if (fstat(fd, &st) < 0) fail();
//!   n = read(fd, buf, size);   // a join         n = read(fd, buf, size);   // the copy
//!   ...                                          ...                        // (to the join
//!                                            } else                         //  of the copies)
//!                                                n = read(fd, buf, size);
//! ```
//!
//! Afterwards `fstat` dominates the copy of `read`, which carries the original's debug location
//! (so the profile's node matches both), and legality asks again. The copy is LLVM's
//! `CloneBasicBlock` with the path's edges redirected, the copies' phis reduced to the edge
//! they are entered by, and every value of a copied block joined with its copy where both
//! reach (LLVM's `SSAUpdater`), through the shim (`syscluster_shim_duplicate_path`): the
//! program does the same thing on every path, with more code.
//!
//! The path is the shortest one from `a`'s block to `b`'s along forward edges (never into a
//! block that dominates the one it leaves: a hot edge across a back edge is rotation's), at
//! most [`MAX_PATH`] blocks; the blocks copied have at most [`MAX_COPY`] instructions, none
//! heads a loop (a copy would give the loop a second entry), is an exception-handling pad,
//! defines a token or makes a call marked `noduplicate` or `convergent`. Each duplication
//! gets a remark (`Duplicated`), each refusal one that says why (`NotDuplicated`); at most
//! [`MAX_PER_FUNCTION`] paths are copied in one function, and only for edges that ran at least
//! [`MIN_WEIGHT`] times and at least a [`HOT_SHARE`]th as often as the profile's heaviest.
//!
//! **Round paths** ([`run_round`]): clang merges a write-all loop inlined into a copy loop
//! with it, one header for both (`while ((n = read(..)) > 0) write_all(out, buf, n)`): the
//! header tests what is left to write, the read starts the count afresh and goes back to the
//! header, and the write goes back to it with what is left. The hot edge read -> write then
//! runs through the back edge and the header. The blocks from the read's way back to the
//! write, the header included, are copied for the read: the copy of the header is entered
//! from inside its loop only (the loop keeps its one entry), its test is decided by the
//! read's own (`len == 0` after `n > 0`) and folded, and read -> write is a straight line
//! inside an iteration that the header begins. When clang rotated the write-all loop (the
//! write in the shared header, its tests after it, as with gnulib's `full_write`), the copy
//! goes on from the write along the way back to the read (the likeliest way, [`likely_path`]),
//! and the read's block heads a loop of its own. A total the helper keeps across the loops
//! (`written += w`, a header phi whose way round adds to itself) does not stop the copy
//! ([`running_total`]): the copy carries it from the iteration before.
//!
//! A read-until-full helper merged into the copy loop (`read_full`: one header for both, the
//! read with the count read so far) is the same shape the other way round: the hot edge
//! write -> read goes round the header, and the write's way back sets the count to a
//! constant, 0 ([`Afresh::Reset`]). The copy then goes from the write round the header to the
//! read and on along the read's likeliest way to the write; what the count computes folds in
//! it, and the shim threads the joins the copy decides (an `EINTR` retry beside it that the
//! count, 0 there, sends back to the original loop). The loop's start then moves to the
//! copied read (`reheader.rs`).
//!
//! The same copying serves a loop whose way round shares a merge with a stop's way back
//! into the loop (`split_merges`): a read retried after `EAGAIN` inside the iteration, both
//! results merged before their tests. The merge is copied for the way round, so that the way
//! round tests the first call's result on its own and the retry joins it at the latch
//! (legality's re-entry, `legality::reentry`).

use indexmap::{IndexMap, IndexSet};
use std::collections::VecDeque;

use llvm_sys::prelude::{LLVMBasicBlockRef, LLVMValueRef};

use super::Changed;
use super::Hot;
use crate::context::Context;
use crate::ir;
use crate::legality::conditions::unsafe_kind;
use crate::legality::{loop_blocks, Reason};
use crate::remarks::{CopiedWay, Remark};
use crate::shim::{flags, NewHeader, Shim};

/// Blocks on the path from the first call's block to the second's, both included.
pub(crate) const MAX_PATH: usize = 16;
/// Instructions copied for one hot edge.
pub(crate) const MAX_COPY: u32 = 64;
/// Paths copied in one function.
pub(crate) const MAX_PER_FUNCTION: usize = 8;
/// An edge's path is copied only when the edge ran at least this often...
pub(crate) const MIN_WEIGHT: u64 = 2;
/// ... and at least a `1/HOT_SHARE` part as often as the heaviest edge of the profile: code
/// grows for the paths that run, not for the one exit of a loop.
pub(crate) const HOT_SHARE: u64 = 16;

/// Whether the edge `from -> to` goes back to a block that dominates `from` (a loop's back
/// edge).
fn back_edge(shim: &Shim, from: LLVMBasicBlockRef, to: LLVMBasicBlockRef) -> bool {
    let (Some(first), Some(term)) = (ir::instructions(to).first().copied(), ir::terminator(from))
    else {
        return true;
    };
    shim.dominates(first, term)
}

/// Whether block `a` dominates block `b`.
fn dominates_block(shim: &Shim, a: LLVMBasicBlockRef, b: LLVMBasicBlockRef) -> bool {
    match (ir::instructions(a).first(), ir::terminator(b)) {
        (Some(&first), Some(term)) => shim.dominates(first, term),
        _ => false,
    }
}

/// The path that ends at `to`, each block's predecessor on it from `before` (a search's
/// way back to where it began).
fn walk_back(
    before: &IndexMap<LLVMBasicBlockRef, LLVMBasicBlockRef>,
    to: LLVMBasicBlockRef,
) -> Vec<LLVMBasicBlockRef> {
    let mut path = vec![to];
    while let Some(&p) = path.last().and_then(|b| before.get(b)) {
        if path.len() > before.len() {
            break;
        }
        path.push(p);
    }
    path.reverse();
    path
}

/// The shortest path of forward edges from `from` to `to`, at most [`MAX_PATH`] blocks; with
/// `round`, the path may also take the back edge to that header (a block that dominates
/// `from`), once.
fn forward_path(
    shim: &Shim,
    from: LLVMBasicBlockRef,
    to: LLVMBasicBlockRef,
    round: Option<LLVMBasicBlockRef>,
) -> Option<Vec<LLVMBasicBlockRef>> {
    let (_, before) = forward_walk(shim, from, round, MAX_PATH);
    (to == from || before.contains_key(&to)).then(|| walk_back(&before, to))
}

/// The blocks `from` reaches along forward edges (with `round`, also the back edge to that
/// header) within [`MAX_PATH`] blocks, breadth first: in the order found, and each but
/// `from` with the block it was first reached from.
fn forward_walk(
    shim: &Shim,
    from: LLVMBasicBlockRef,
    round: Option<LLVMBasicBlockRef>,
    max: usize,
) -> (
    Vec<LLVMBasicBlockRef>,
    IndexMap<LLVMBasicBlockRef, LLVMBasicBlockRef>,
) {
    walk_by(from, &|block, next| walkable(shim, block, next, round), max)
}

/// The blocks `from` reaches by the edges `take` accepts, within `max` blocks,
/// breadth first: in the order found, and each but `from` with the block it was first
/// reached from.
fn walk_by(
    from: LLVMBasicBlockRef,
    take: &dyn Fn(LLVMBasicBlockRef, LLVMBasicBlockRef) -> bool,
    max: usize,
) -> (
    Vec<LLVMBasicBlockRef>,
    IndexMap<LLVMBasicBlockRef, LLVMBasicBlockRef>,
) {
    let mut before: IndexMap<LLVMBasicBlockRef, LLVMBasicBlockRef> = IndexMap::new();
    let mut depth: IndexMap<LLVMBasicBlockRef, usize> = IndexMap::from([(from, 1)]);
    let mut order = vec![from];
    let mut queue = VecDeque::from([from]);
    while let Some(block) = queue.pop_front() {
        let d = depth[&block];
        if d >= max {
            continue;
        }
        for next in ir::successors_of(block) {
            if depth.contains_key(&next) || !take(block, next) {
                continue;
            }
            depth.insert(next, d + 1);
            before.insert(next, block);
            order.push(next);
            queue.push_back(next);
        }
    }
    (order, before)
}

/// Whether the walks from a block may take the edge `block -> next`: a forward edge, or with
/// `round` the back edge to that header.
fn walkable(
    shim: &Shim,
    block: LLVMBasicBlockRef,
    next: LLVMBasicBlockRef,
    round: Option<LLVMBasicBlockRef>,
) -> bool {
    Some(next) == round || !back_edge(shim, block, next)
}

/// The blocks from which `to` is reached along forward edges (with `round`, also the back
/// edge to that header), among those `from` reaches so (at most `max` edges from `from`;
/// [`likely_path`] looks [`MAX_PATH`] far): the blocks on the ways from `from` to `to`.
pub(super) fn reaching(
    shim: &Shim,
    from: LLVMBasicBlockRef,
    to: LLVMBasicBlockRef,
    round: Option<LLVMBasicBlockRef>,
    max: usize,
) -> IndexSet<LLVMBasicBlockRef> {
    let (order, _) = forward_walk(shim, from, round, max);
    let mut reach = IndexSet::from([to]);
    loop {
        let before = reach.len();
        for &block in &order {
            if !reach.contains(&block)
                && ir::successors_of(block)
                    .into_iter()
                    .any(|next| reach.contains(&next) && walkable(shim, block, next, round))
            {
                reach.insert(block);
            }
        }
        if reach.len() == before {
            return reach;
        }
    }
}

/// The likeliest path of forward edges from `from` to `to` by LLVM's branch probabilities
/// (the product of its edges' probabilities is the largest; equal ones go to the shorter), at
/// most [`MAX_PATH`] blocks: a write's way back to the read through its success, not through
/// the retry of an `EINTR` that is shorter. Each block's probabilities are taken among its
/// edges on a way to `to` alone (the way on given that `to` comes before the loop goes round
/// again): a read-until-full loop's read goes round for more far likelier than on to the
/// write, but of the ways on to the write, a full block is likelier than the end of the file.
/// With `round`, the path may also take the back edge to that header (a block that dominates
/// `from`), as [`forward_path`].
fn likely_path(
    shim: &Shim,
    from: LLVMBasicBlockRef,
    to: LLVMBasicBlockRef,
    round: Option<LLVMBasicBlockRef>,
) -> Option<Vec<LLVMBasicBlockRef>> {
    // Cost of a block: (-log of the path's probability, blocks), smallest first; among equal
    // ones the block found first (`found` keeps the order: the answer does not depend on
    // how a hash map orders its keys).
    let mut best: IndexMap<LLVMBasicBlockRef, (f64, usize)> = IndexMap::from([(from, (0.0, 1))]);
    let mut found: Vec<LLVMBasicBlockRef> = vec![from];
    let mut before: IndexMap<LLVMBasicBlockRef, LLVMBasicBlockRef> = IndexMap::new();
    let mut done: IndexSet<LLVMBasicBlockRef> = IndexSet::new();
    let cost_of =
        |best: &IndexMap<_, (f64, usize)>, b| best.get(&b).copied().unwrap_or((f64::INFINITY, 0));
    let reach = reaching(shim, from, to, round, MAX_PATH);
    let on = |block, next| reach.contains(&next) && walkable(shim, block, next, round);
    loop {
        let block = found
            .iter()
            .copied()
            .filter(|b| !done.contains(b))
            .min_by(|&x, &y| {
                cost_of(&best, x)
                    .partial_cmp(&cost_of(&best, y))
                    .unwrap_or(std::cmp::Ordering::Equal)
            })?;
        let (cost, len) = cost_of(&best, block);
        if block == to {
            return Some(walk_back(&before, to));
        }
        done.insert(block);
        if len >= MAX_PATH {
            continue;
        }
        let nexts = ir::successors_of(block);
        let total: f64 = nexts
            .iter()
            .filter(|&&next| on(block, next))
            .map(|&next| f64::from(shim.edge_probability(block, next)))
            .sum();
        for next in nexts {
            let p = shim.edge_probability(block, next);
            if done.contains(&next) || p == 0 || !on(block, next) {
                continue;
            }
            let c = (cost - (f64::from(p) / total).ln(), len + 1);
            match best.get(&next) {
                Some(old) if c >= *old => {}
                known => {
                    if known.is_none() {
                        found.push(next);
                    }
                    best.insert(next, c);
                    before.insert(next, block);
                }
            }
        }
    }
}

/// For a whole loop refused because a stop of its last call goes back into the loop
/// (`ExitReentersLoop`): when the call's block `block` branches to that stop's block `off`
/// (entered from `block` alone) and to a merge `m` that the stop's way back joins (every
/// other predecessor of `m` is reached only through `off`), the merge, so that the way round
/// gets a copy of its own.
///
/// gzip's `read_buffer`, inlined into `fill_inbuf`'s loop, reads again after `EAGAIN`:
/// `n = read(..); if (n < 0 && errno == EAGAIN) { ...fcntl...; n = read(..); }` then tests
/// `n` (`switch`: 0 breaks, -1 fails) and goes round. The way round from the first `read`
/// passes the merge of the two results, whose phi the tests read. With the merge copied, the
/// way round tests the first read's result directly, the stop (`n < 0`) goes back into the
/// loop by the original blocks, and they join the way round at the latch, which legality
/// takes (`legality::reentry`).
fn merge_of(
    shim: &Shim,
    block: LLVMBasicBlockRef,
    off: LLVMBasicBlockRef,
) -> Option<LLVMBasicBlockRef> {
    if ir::predecessors(off) != [block] {
        return None;
    }
    let m = ir::successors_of(block).into_iter().find(|&s| s != off)?;
    let preds = ir::predecessors(m);
    if preds.len() < 2 || !preds.contains(&block) {
        return None;
    }
    let first = ir::instructions(off).first().copied()?;
    let dominated =
        |b: LLVMBasicBlockRef| ir::terminator(b).is_some_and(|t| shim.dominates(first, t));
    if !preds.iter().filter(|&&p| p != block).all(|&p| dominated(p)) {
        return None;
    }
    // The stop's way back comes into the loop at the merge only: every block of the loop it
    // reaches before the merge is its own (a way round that also leaves from `off`, such as
    // `if (n > 0) { ...; if (big) goto short; } short: ...`, is not a stop's way back).
    let header = super::innermost_loop(shim, block, block)?;
    let inside: IndexSet<LLVMBasicBlockRef> = loop_blocks(shim, header).into_iter().collect();
    let mut seen = IndexSet::from([off]);
    let mut todo = vec![off];
    while let Some(b) = todo.pop() {
        for next in ir::successors_of(b) {
            if next == m || !inside.contains(&next) || seen.contains(&next) {
                continue;
            }
            if next == header || !dominated(next) {
                return None;
            }
            seen.insert(next);
            todo.push(next);
        }
    }
    Some(m)
}

/// Folds the phis of `block` that have one incoming value (a copy entered by one edge, the
/// old header of a rotated loop), as LLVM's `FoldSingleEntryPHINodes` does.
pub(super) fn fold_single_phis(block: LLVMBasicBlockRef) {
    for phi in ir::instructions(block)
        .into_iter()
        .take_while(|&i| ir::is_phi(i))
    {
        if let [(v, _)] = ir::incoming(phi)[..] {
            if v != phi {
                ir::replace_uses(phi, v);
                ir::erase(phi);
            }
        }
    }
}

/// Copies the merges of loops' ways round that a stop's way back joins ([`merge_of`]).
fn split_merges(ctx: &mut Context<'_>, hot: &mut Hot<'_>) -> Changed {
    let sites = hot.sites;
    let heaviest = hot
        .pairs
        .iter()
        .map(|p| p.weight)
        .chain(hot.self_loops.iter().map(|&(_, w)| w))
        .max()
        .unwrap_or(0);
    let today = hot.today(ctx);
    let mut changed = Changed::No;
    let mut split: Vec<LLVMBasicBlockRef> = Vec::new();
    for r in &today.loops_refused {
        let Reason::ExitReentersLoop { off } = r.refusal.reason else {
            continue;
        };
        if r.weight < MIN_WEIGHT || r.weight.saturating_mul(HOT_SHARE) < heaviest {
            continue;
        }
        let block = ir::parent_block(r.refusal.at);
        if ir::terminator(block) != Some(r.refusal.at) {
            continue;
        }
        let Some(m) = merge_of(ctx.shim, block, off) else {
            continue;
        };
        if split.contains(&m) {
            continue;
        }
        split.push(m);
        let site = &sites[r.a];
        let name = ir::block_name(m);
        match ctx
            .shim
            .duplicate_path(&[block, m], MAX_COPY, NewHeader::No)
        {
            Ok(blocks) => {
                changed = Changed::Yes;
                if let Some(copy) = ir::successors_of(block).into_iter().find(|&s| s != off) {
                    fold_single_phis(copy);
                }
                ctx.remark(Remark::merge_split(site, &name, blocks));
            }
            Err(why) => ctx.remark(Remark::merge_not_split(site, &name, &why)),
        }
    }
    changed
}

/// The value `v` brings into a phi by the path's edge `from -> block`, through the phis of
/// the path's earlier blocks (each by the path's edge into it).
fn through_path_phis(path: &[LLVMBasicBlockRef], mut v: LLVMValueRef) -> LLVMValueRef {
    for _ in 0..path.len() {
        if !ir::is_instruction(v) || !ir::is_phi(v) {
            break;
        }
        let block = ir::parent_block(v);
        let Some(i) = path.iter().position(|&b| b == block).filter(|&i| i > 0) else {
            break;
        };
        match ir::incoming(v)
            .iter()
            .find(|&&(_, from)| from == path[i - 1])
        {
            Some(&(w, _)) => v = w,
            None => break,
        }
    }
    v
}

/// Whether `v` is computed from one of `phis` (operands followed through instructions, at
/// most 64 of them; an answer not reached in that many says yes).
fn uses_any(v: LLVMValueRef, phis: &IndexSet<LLVMValueRef>) -> bool {
    let mut seen = IndexSet::new();
    let mut todo = vec![v];
    while let Some(v) = todo.pop() {
        if phis.contains(&v) {
            return true;
        }
        if !ir::is_instruction(v) || !seen.insert(v) {
            continue;
        }
        if seen.len() > 64 {
            return true;
        }
        todo.extend((0..ir::num_operands(v)).map(|k| ir::operand(v, k)));
    }
    false
}

/// Whether the round path into `header` (at `path[h]`) starts the loop's state afresh: the
/// header has phis and a conditional branch (or the path goes `through` to the way back) and,
/// before the second call, nothing a multi-call could not skip (its copy runs between the
/// calls), every value the path brings into its phis is computed without them, and one is
/// the first call's result (through integer casts): the way of an outer loop's iteration (a
/// read that sets what is left to write), not the inner loop's way back (a write that leaves
/// what is left of the count). On a path that goes `through`, a phi set to a constant does
/// too (`got = 0` after the write of a block that a read-until-full loop filled). `None`
/// when it does not.
fn starts_afresh(
    shim: &Shim,
    path: &[LLVMBasicBlockRef],
    h: usize,
    header: LLVMBasicBlockRef,
    (first, second): (LLVMValueRef, LLVMValueRef),
    through: bool,
) -> Option<Afresh> {
    let phis: Vec<LLVMValueRef> = ir::instructions(header)
        .into_iter()
        .take_while(|&i| ir::is_phi(i))
        .collect();
    let conditional = ir::terminator(header).is_some_and(|t| ir::conditional_branch(t).is_some());
    if phis.is_empty() || !(conditional || through) || h == 0 {
        return None;
    }
    // Its copy runs between the calls (up to the second when that is in it): only what a
    // multi-call may skip.
    let between = ir::instructions(header)
        .into_iter()
        .take_while(|&i| i != second);
    let effect = between.into_iter().any(|i| {
        let f = shim.inst_flags(i);
        !ir::is_phi(i)
            && !ir::is_terminator(i)
            && f & flags::DEBUG == 0
            && unsafe_kind(i, f).is_some()
    });
    if effect {
        return None;
    }
    let own: IndexSet<LLVMValueRef> = phis.iter().copied().collect();
    let (mut from_call, mut reset) = (false, false);
    for &phi in &phis {
        let &(v, _) = ir::incoming(phi).iter().find(|&&(_, b)| b == path[h - 1])?;
        let v = through_path_phis(path, v);
        if uses_any(v, &own) && !running_total(phi, v, second) {
            return None;
        }
        from_call |= ir::strip_int_casts(v) == first;
        reset |= through && ir::const_int(v).is_some();
    }
    match (from_call, reset) {
        (true, _) => Some(Afresh::FromCall),
        (false, true) => Some(Afresh::Reset),
        (false, false) => None,
    }
}

/// Whether the header phi `phi`, brought `v` by the round path, is a running total that
/// goes on across the loop's iterations (`written += w` in a write-all helper, kept in a
/// register): `v` is `phi` plus the results of `second` (the write), through adds and phis
/// (the write-all loop's own phis of the total where it is nested, an `EINTR` retry that
/// adds nothing), at most 32 of them, and nothing reads those values but one another, stores
/// and phis (the total stored back at the loop's exits). A count of the loop's own
/// iterations (`blocks++`) is not one: that loop is not a write-all loop merged into it. A
/// running total decides nothing in the loop; its copy carries the total from the way round,
/// and whole-loop legality asks of it again (a sum of a call's results).
fn running_total(phi: LLVMValueRef, v: LLVMValueRef, second: LLVMValueRef) -> bool {
    let alone = IndexSet::from([phi]);
    let mut web = IndexSet::from([phi]);
    let mut todo = vec![v];
    while let Some(x) = todo.pop() {
        if web.contains(&x) {
            continue;
        }
        if web.len() >= 32 || !ir::is_instruction(x) {
            return false;
        }
        if ir::is_phi(x) {
            todo.extend(ir::incoming(x).iter().map(|&(y, _)| y));
        } else if ir::opcode(x) == llvm_sys::LLVMOpcode::LLVMAdd {
            let (l, r) = (ir::operand(x, 0), ir::operand(x, 1));
            let (sum, step) = if uses_any(r, &alone) { (r, l) } else { (l, r) };
            if ir::strip_int_casts(step) != second {
                return false;
            }
            todo.push(sum);
        } else {
            return false;
        }
        web.insert(x);
    }
    web.iter().all(|&m| {
        ir::users(m).iter().all(|&(u, _)| {
            web.contains(&u) || ir::is_phi(u) || ir::opcode(u) == llvm_sys::LLVMOpcode::LLVMStore
        })
    })
}

/// The block other than `latch` by which `header` is entered, when `header` has two
/// predecessors, `latch` inside its loop and that one outside: where rotation put the copy
/// of the loop's first block for the way in.
fn way_in_twin(
    shim: &Shim,
    header: LLVMBasicBlockRef,
    latch: LLVMBasicBlockRef,
) -> Option<LLVMBasicBlockRef> {
    match ir::predecessors(header)[..] {
        [p, q] if p != q && (p == latch || q == latch) => {
            let twin = if p == latch { q } else { p };
            (!dominates_block(shim, header, twin) && dominates_block(shim, header, latch))
                .then_some(twin)
        }
        _ => None,
    }
}

/// A hot edge that dominance refuses, ran at least [`MIN_WEIGHT`] times and at least a
/// [`HOT_SHARE`]th as often as the heaviest, between calls of one function in two blocks.
struct Refused {
    a: usize,
    b: usize,
    weight: u64,
    function: LLVMValueRef,
    from: LLVMBasicBlockRef,
    to: LLVMBasicBlockRef,
}

/// The hot edges whose paths are worth copying, as legality refused them today: those
/// dominance refuses ([`dominance_refused`]), or those `pick` takes (their calls `a` and `b`
/// and what the caller needs of the refusal).
fn refused_edges<T>(
    ctx: &Context<'_>,
    hot: &mut Hot<'_>,
    pick: impl Fn(&crate::regions::Refused) -> Option<(usize, usize, T)>,
) -> Vec<(Refused, T)> {
    let sites = hot.sites;
    let heaviest = hot.pairs.iter().map(|p| p.weight).max().unwrap_or(0);
    let today = hot.today(ctx);
    today
        .refused
        .iter()
        .filter_map(|r| {
            let (a, b, picked) = pick(r)?;
            let function = sites[a].function;
            let (from, to) = (
                ir::parent_block(sites[a].call),
                ir::parent_block(sites[b].call),
            );
            let hot_enough =
                r.weight >= MIN_WEIGHT && r.weight.saturating_mul(HOT_SHARE) >= heaviest;
            (hot_enough && sites[b].function == function && from != to).then_some((
                Refused {
                    a,
                    b,
                    weight: r.weight,
                    function,
                    from,
                    to,
                },
                picked,
            ))
        })
        .collect()
}

/// The hot edges that dominance refuses, worth copying a path for ([`refused_edges`]).
fn dominance_refused(ctx: &Context<'_>, hot: &mut Hot<'_>) -> Vec<Refused> {
    refused_edges(ctx, hot, |r| match r.refusal.reason {
        Reason::NotDominating { a, b } => Some((a, b, ())),
        _ => None,
    })
    .into_iter()
    .map(|(e, ())| e)
    .collect()
}

/// A hot edge's way round its loop's header (the module doc's round paths): the blocks from
/// `a`'s to `b`'s (and on back to `a`'s with `inner`), the header at `path[h]`.
struct RoundPath {
    path: Vec<LLVMBasicBlockRef>,
    h: usize,
    header: LLVMBasicBlockRef,
}

/// How a round path's way into the header starts the loop's state afresh
/// ([`starts_afresh`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Afresh {
    /// A header phi takes the first call's result (a read that sets what is left to write).
    FromCall,
    /// A header phi is set to a constant on the way round from `b` back to `a` (a
    /// read-until-full loop merged into the copy loop: the count read so far is 0 again
    /// after the write).
    Reset,
}

/// The way round for the hot edge `e`, where the way into the header starts the loop's state
/// afresh ([`starts_afresh`]).
fn round_path(
    ctx: &Context<'_>,
    sites: &[crate::sites::Site],
    loops: &mut super::LoopIndex,
    e: &Refused,
) -> Option<RoundPath> {
    let header = loops.innermost(ctx.shim, e.from, e.to)?;
    if header == e.from {
        return None;
    }
    // Two loops in one: `b` runs again without `a` (the write-all loop's next write, the
    // read-until-full loop's next read). A loop that clang merely rotated (a copy loop whose
    // read it moved to the latch, every way from the write back to it through the read) is
    // not one: moving its start (`reheader.rs`) makes it one iteration.
    if !runs_again_without(ctx.shim, header, e.to, e.from) {
        return None;
    }
    let mut path = likely_path(ctx.shim, e.from, e.to, Some(header))?;
    let outer = path.iter().position(|&b| b == header)?;
    // The header whose state the way starts afresh: the innermost loop's, or the header of a
    // loop nested in it that the path enters after it and that dominates `a` (clang kept a
    // write-all loop apart from a copy loop that keeps counts of its own: the copy loop's
    // header only adds, the write-all loop's tests what is left, and the read goes back
    // through it).
    let calls = (sites[e.a].call, sites[e.b].call);
    // `b` heads a loop of its own inside that dominates `a` (see `inner` below).
    let to_heads =
        super::reheader::heads_loop(ctx.shim, e.to) && dominates_block(ctx.shim, e.to, e.from);
    // A nested loop whose header the path goes through to the way back (`inner`) may also
    // start afresh by a count reset to a constant (a read-until-full loop that clang kept
    // apart from the copy loop, which counts its blocks, entered with nothing read).
    let nested = || {
        (outer + 1..path.len()).find(|&i| {
            super::reheader::heads_loop(ctx.shim, path[i])
                && dominates_block(ctx.shim, path[i], e.from)
                && (starts_afresh(ctx.shim, &path, i, path[i], calls, false).is_some()
                    || ((path[i] == e.to || to_heads)
                        && starts_afresh(ctx.shim, &path, i, path[i], calls, true)
                            == Some(Afresh::Reset)))
        })
    };
    let (h, header) = if starts_afresh(ctx.shim, &path, outer, header, calls, false).is_some() {
        (outer, header)
    } else {
        nested().map_or((outer, header), |i| (i, path[i]))
    };
    // `b` in the header (clang rotated the write-all loop: its test of what is left follows
    // the write), or in the header of a loop of its own inside (clang kept the write-all loop
    // apart, its header entered from the copy loop's): the copy goes on along the way from `b`
    // back to `a`, so that the copied write's way back to the read leaves the original header
    // out.
    let inner = header == e.to || to_heads;
    if inner {
        match likely_path(ctx.shim, e.to, e.from, None) {
            Some(back) if back.len() > 2 => path.extend(&back[1..back.len() - 1]),
            _ => return None,
        }
    }
    starts_afresh(ctx.shim, &path, h, header, calls, inner)?;
    // Another loop the way goes through and leaves, whose values are used after it (work
    // over the buffer between the read and the write-all loop that counts what it changed):
    // its header dominates `a` without its loop holding `a`, and the copy would join those
    // values wrongly where the copied way and the original meet (the module would not
    // verify). A loop that leaves no value behind (a first write-all loop before a second,
    // framecopy's) is copied as any block.
    let loop_left = path.iter().enumerate().skip(1).any(|(i, &p)| {
        if i == h || i == outer || p == e.to || !super::reheader::heads_loop(ctx.shim, p) {
            return false;
        }
        let inside: IndexSet<LLVMBasicBlockRef> = loop_blocks(ctx.shim, p).into_iter().collect();
        !inside.contains(&e.from) && leaves_values(&inside)
    });
    if loop_left {
        return None;
    }
    Some(RoundPath { path, h, header })
}

/// Whether an instruction of the blocks `inside` (a loop) is used outside them.
fn leaves_values(inside: &IndexSet<LLVMBasicBlockRef>) -> bool {
    inside.iter().flat_map(|&b| ir::instructions(b)).any(|i| {
        ir::value_users(i)
            .into_iter()
            .any(|u| ir::is_instruction(u) && !inside.contains(&ir::parent_block(u)))
    })
}

/// Whether, inside the loop of `header`, a way leads from block `to` back to itself without
/// passing block `avoid`.
fn runs_again_without(
    shim: &Shim,
    header: LLVMBasicBlockRef,
    to: LLVMBasicBlockRef,
    avoid: LLVMBasicBlockRef,
) -> bool {
    let inside: IndexSet<LLVMBasicBlockRef> = loop_blocks(shim, header).into_iter().collect();
    let mut seen: IndexSet<LLVMBasicBlockRef> = IndexSet::new();
    let mut queue: VecDeque<LLVMBasicBlockRef> = ir::successors_of(to).into();
    while let Some(b) = queue.pop_front() {
        if b == to {
            return true;
        }
        if b == avoid || !inside.contains(&b) || !seen.insert(b) {
            continue;
        }
        queue.extend(ir::successors_of(b));
    }
    false
}

/// Merges back the copy clang's rotation made of a copy loop's first block (`a`'s, a read)
/// for the way in, where the way round from `a` to `b` passes the header of a loop of its own
/// that does not dominate `a` (a write-all loop whose header a read retried on `EINTR` also
/// enters without the read): no copy of that way keeps the loops reducible while the copy
/// loop is entered below `a`; once merged, the loop begins at `a`, whose block then
/// dominates the loop inside. At most one per function and run.
pub(crate) fn run_twins(ctx: &mut Context<'_>, hot: &mut Hot<'_>) -> Changed {
    let sites = hot.sites;
    let mut changed = Changed::No;
    let mut functions: IndexSet<LLVMValueRef> = IndexSet::new();
    for e in dominance_refused(ctx, hot) {
        if functions.contains(&e.function) {
            continue;
        }
        let Some(round) = round_path(ctx, sites, &mut hot.loops, &e) else {
            continue;
        };
        let nested_apart = round.path[round.h + 1..].iter().any(|&b| {
            super::reheader::heads_loop(ctx.shim, b) && !dominates_block(ctx.shim, b, e.from)
        });
        if !nested_apart {
            continue;
        }
        let Some(twin) = way_in_twin(ctx.shim, round.header, e.from) else {
            continue;
        };
        match ctx.shim.merge_twin(e.from, twin) {
            Ok(()) => {
                // The twin's call is gone: the function waits for the sites scanned again.
                functions.insert(e.function);
                changed = Changed::Yes;
                ctx.remark(Remark::twin_merged(sites, e.a, e.b, e.weight));
            }
            Err(why) => ctx.remark(Remark::twin_not_merged(sites, e.a, &why)),
        }
    }
    changed
}

/// Copies, for hot edges that dominance refuses, a path that goes round its loop's header
/// between the calls (the module doc's round paths): at most one copied per function and run
/// (a refused one changes nothing, and the next is tried), and
/// only where the way into the header starts the loop's state afresh ([`starts_afresh`]).
pub(crate) fn run_round(ctx: &mut Context<'_>, hot: &mut Hot<'_>) -> Changed {
    let sites = hot.sites;
    let mut changed = Changed::No;
    let mut functions: IndexSet<LLVMValueRef> = IndexSet::new();
    for e in dominance_refused(ctx, hot) {
        if functions.contains(&e.function) {
            continue;
        }
        let Some(round) = round_path(ctx, sites, &mut hot.loops, &e) else {
            continue;
        };
        if copy_path(
            ctx,
            sites,
            (e.a, e.b, e.weight),
            &round.path,
            CopiedWay::Round,
        ) {
            // The function changed: its other candidates wait for the next run.
            functions.insert(e.function);
            changed = Changed::Yes;
        }
    }
    changed
}

/// Copies the paths of the hot edges that dominance refuses (heaviest first), and the merges
/// of loops' ways round that a stop's way back joins (`split_merges`).
pub(crate) fn run(ctx: &mut Context<'_>, hot: &mut Hot<'_>) -> Changed {
    if split_merges(ctx, hot) == Changed::Yes {
        return Changed::Yes;
    }
    let sites = hot.sites;
    let mut changed = Changed::No;
    let mut per_function: IndexMap<LLVMValueRef, usize> = IndexMap::new();
    for e in dominance_refused(ctx, hot) {
        let Some(path) = forward_path(ctx.shim, e.from, e.to, None) else {
            continue;
        };
        let done = per_function.entry(e.function).or_default();
        if *done >= MAX_PER_FUNCTION {
            continue;
        }
        if copy_path(ctx, sites, (e.a, e.b, e.weight), &path, CopiedWay::Own) {
            *done += 1;
            changed = Changed::Yes;
        }
    }
    changed
}

/// Whether block `block` does nothing a multi-call could not skip on the way between two of
/// its calls: no call but debug and lifetime markers and calls that only compute a value, no
/// inline assembly, nothing volatile. (Stores and loads are legality's to judge.)
fn quiet(shim: &Shim, block: LLVMBasicBlockRef) -> bool {
    ir::instructions(block).into_iter().all(|i| {
        let f = shim.inst_flags(i);
        let marker = f & (flags::DEBUG | flags::LIFETIME | flags::PURE_CALL) != 0;
        f & (flags::INLINE_ASM | flags::VOLATILE) == 0 && (!ir::is_call_site(i) || marker)
    })
}

/// The shortest path of forward edges from `from` to `to` (at most [`MAX_PATH`] blocks) that
/// enters none of `avoid` and whose blocks between the two are [`quiet`].
fn quiet_path(
    shim: &Shim,
    from: LLVMBasicBlockRef,
    to: LLVMBasicBlockRef,
    avoid: &[LLVMBasicBlockRef],
) -> Option<Vec<LLVMBasicBlockRef>> {
    let take = |block, next| {
        !avoid.contains(&next)
            && !back_edge(shim, block, next)
            && (block == from || quiet(shim, block))
    };
    let (_, before) = walk_by(from, &take, MAX_PATH);
    before.contains_key(&to).then(|| walk_back(&before, to))
}

/// The section 3.3.2 case of a handler that joins the common code again: a hot edge that
/// convexity refuses because a way off the path between its calls comes back to it
/// (`n = read(..); if (n < 0) warn(..); close(fd);`: both ways of the test lead to `close`).
/// The path that does nothing a multi-call cannot skip ([`quiet_path`]: here the way past
/// the handler) gets its own copy of the blocks from the join on to the second call, so that
/// the handler's way leaves the path for good, into the original blocks, where the program
/// goes on as before; legality then asks whether the way off is a stop predicate. Edges that
/// follow one another (`fstat -> read` then `read -> write`, each past its own handler) are
/// copied as one path, so that the copy holds the whole chain. The program does the same
/// thing on every path, with more code. At most [`MAX_PER_FUNCTION`] copies in one function
/// and run, for edges as hot as [`run`]'s.
pub(crate) fn run_rejoined(ctx: &mut Context<'_>, hot: &mut Hot<'_>) -> Changed {
    let sites = hot.sites;
    let edges = refused_edges(ctx, hot, |r| match r.refusal.reason {
        Reason::BothWays { .. } => Some((r.a, r.b, Vec::new())),
        Reason::ExitRejoins { off, .. } | Reason::ExitReachesCall { off, .. } => {
            Some((r.a, r.b, vec![off]))
        }
        _ => None,
    });
    let mut found: Vec<Rejoined> = Vec::new();
    for (e, avoid) in edges {
        if found.iter().any(|f| (f.a, f.b) == (e.a, e.b)) {
            continue;
        }
        let Some(path) = quiet_path(ctx.shim, e.from, e.to, &avoid) else {
            continue;
        };
        // A path no other way joins before the second call's block needs no copy: the
        // refusal is about something else.
        if path[1..].iter().all(|&blk| ir::predecessors(blk).len() < 2) {
            continue;
        }
        found.push(Rejoined {
            a: e.a,
            b: e.b,
            weight: e.weight,
            path,
        });
    }
    let mut changed = Changed::No;
    let mut per_function: IndexMap<LLVMValueRef, usize> = IndexMap::new();
    for (calls, weight, path) in chains(&found) {
        let done = per_function.entry(sites[calls[0]].function).or_default();
        if *done >= MAX_PER_FUNCTION {
            continue;
        }
        let (a, b) = (calls[0], calls[calls.len() - 1]);
        match ctx.shim.duplicate_path(&path, MAX_COPY, NewHeader::No) {
            Ok(blocks) => {
                *done += 1;
                changed = Changed::Yes;
                ctx.remark(Remark::rejoined(sites, &calls, weight, blocks));
            }
            Err(why) => ctx.remark(Remark::not_duplicated(sites, a, b, weight, &why)),
        }
    }
    changed
}

/// A hot edge `a -> b` whose quiet path [`run_rejoined`] would copy.
struct Rejoined {
    a: usize,
    b: usize,
    weight: u64,
    path: Vec<LLVMBasicBlockRef>,
}

/// The edges of `found` joined where one's second call is the next one's first, each chain's
/// paths one path (at most [`MAX_PATH`] blocks): the calls in order, the first edge's weight,
/// and the path. An edge no other one leads to begins a chain, then the rest in order.
fn chains(found: &[Rejoined]) -> Vec<(Vec<usize>, u64, Vec<LLVMBasicBlockRef>)> {
    let mut used = vec![false; found.len()];
    let led_to = |e: &Rejoined| found.iter().any(|f| f.b == e.a);
    let starts = (0..found.len())
        .filter(|&i| !led_to(&found[i]))
        .chain(0..found.len());
    let mut out = Vec::new();
    for start in starts.collect::<Vec<_>>() {
        if used[start] {
            continue;
        }
        used[start] = true;
        let first = &found[start];
        let (mut calls, mut path) = (vec![first.a, first.b], first.path.clone());
        while let Some(k) = (0..found.len()).find(|&k| {
            !used[k]
                && Some(&found[k].a) == calls.last()
                && path.len() + found[k].path.len() - 1 <= MAX_PATH
                && !found[k].path[1..].iter().any(|blk| path.contains(blk))
        }) {
            used[k] = true;
            calls.push(found[k].b);
            path.extend_from_slice(&found[k].path[1..]);
        }
        out.push((calls, first.weight, path));
    }
    out
}

/// Copies `path` for the hot edge `(a, b, weight)` (the shim's `duplicate_path`), with the
/// remark that says which way was copied, or the one that says why not; whether it copied.
fn copy_path(
    ctx: &mut Context<'_>,
    sites: &[crate::sites::Site],
    (a, b, weight): (usize, usize, u64),
    path: &[LLVMBasicBlockRef],
    way: CopiedWay,
) -> bool {
    match ctx.shim.duplicate_path(path, MAX_COPY, NewHeader::No) {
        Ok(blocks) => {
            ctx.remark(Remark::duplicated(sites, a, b, weight, blocks, way));
            true
        }
        Err(why) => {
            ctx.remark(Remark::not_duplicated(sites, a, b, weight, &why));
            false
        }
    }
}
