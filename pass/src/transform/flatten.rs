//! Bookkeeping between two hot calls that branches and joins again, flattened into selects
//! (if-conversion, the paper's section 3.3.1).
//!
//! A directory walker keeps its totals between a `fstat` and the `close` after it:
//!
//! ```c
//! if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
//!         total += st.st_size;
//!         files++;
//! }
//! close(fd);
//! ```
//!
//! Both ways of the test reach the `close`, so legality refuses the hot edge `fstat -> close`
//! for convexity (`Obstacle::BothWays`): the code on one way would have to be part of the
//! region. But that code only computes values: it loads from the `struct stat` the call
//! filled and adds. Computed on every way and chosen by `select`s at the join, it is a
//! straight line, and the tests that chose it are no longer branches:
//!
//! ```text
//! before                                      after
//!   %r = call i32 @fstat(i32 %fd, ptr %st)      %r = call i32 @fstat(i32 %fd, ptr %st)
//!   %ok = icmp eq i32 %r, 0                     %ok = icmp eq i32 %r, 0
//!   br i1 %ok, label %mode, label %join         %m = load i32, ptr %st.mode
//! mode:                                         %reg = icmp eq i32 %m.fmt, 32768
//!   %m = load i32, ptr %st.mode                 %c = select i1 %ok, i1 %reg, i1 false
//!   %reg = icmp eq i32 %m.fmt, 32768            %s = load i64, ptr %st.size
//!   br i1 %reg, label %add, label %join         %t1 = add i64 %s, %total
//! add:                                          %total.j = select i1 %c, i64 %t1, i64 %total
//!   %s = load i64, ptr %st.size                 br label %join
//!   %t1 = add i64 %s, %total                  join:
//!   br label %join                              %c2 = call i32 @close(i32 %fd)
//! join:
//!   %total.j = phi [%t1, %add], [%total, %mode], [%total, %entry]
//!   %c2 = call i32 @close(i32 %fd)
//! ```
//!
//! The region is the blocks between the branch's block `A` and the first block that
//! post-dominates it (`J`), entered only from `A` and from each other, without a cycle. It is
//! flattened only when everything in it may run where it did not:
//!
//! - each instruction is safe to execute speculatively (LLVM's
//!   isSafeToSpeculativelyExecute: no side effect, no trap: no division by a value that may be
//!   zero, no call but of a function that only computes a value), or a load that is neither
//!   volatile nor atomic and that LLVM finds safe to make at the end of `A`
//!   (isSafeToLoadUnconditionally: a local's or a global's bytes); nothing in the region
//!   writes memory, so a load reads there what it read in its block;
//! - the region's blocks hold no phi and end in `br`;
//! - at most [`MAX_BLOCKS`] blocks and [`MAX_INSTS`] instructions.
//!
//! The way each block is reached becomes a condition (`select`s standing for `and` and `or`,
//! so that a value of a way not taken, which may be poison, never decides one that is), and
//! each phi of `J` a chain of `select`s over the ways into it. A speculated load keeps no
//! metadata that would make it undefined where it did not run before (`!nonnull`,
//! `!range`). Values computed on a way not taken are never chosen. The flattening is taken
//! for the hot edges whose gap legality refuses because both ways of a branch lead to the
//! later call; each one is a remark `Flattened`, each refusal a missed remark naming what
//! may not move.

use indexmap::{IndexMap, IndexSet};

use llvm_sys::prelude::{LLVMBasicBlockRef, LLVMValueRef};
use llvm_sys::LLVMOpcode;

use super::{Changed, Hot};
use crate::context::Context;
use crate::ir;
use crate::legality::facts::{self, End, Obstacle, Reach};
use crate::lower::builder::Builder;
use crate::remarks::Remark;
use crate::shim::{flags, Shim};

/// At most this many blocks in a flattened region.
const MAX_BLOCKS: usize = 8;

/// At most this many instructions in a flattened region.
const MAX_INSTS: usize = 48;

/// Why a region is not flattened.
#[derive(Clone, Debug, PartialEq, Eq)]
enum NotFlattened {
    /// An instruction that may not run where it did not.
    Unsafe(LLVMValueRef),
    /// A block with a phi, a terminator other than `br`, or a second way in from outside.
    Shape(LLVMBasicBlockRef),
    /// More blocks or instructions than the bounds.
    TooLarge,
    /// No block after the branch that every way from it reaches.
    NoJoin,
}

impl std::fmt::Display for NotFlattened {
    fn fmt(&self, out: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = match self {
            NotFlattened::Unsafe(inst) => format!(
                "'{}' may not run where it did not (it writes memory, may trap, or is a load that may fault)",
                ir::describe(*inst)
            ),
            NotFlattened::Shape(block) => format!(
                "block {} holds a phi, ends in something other than a branch, or is entered from outside the region",
                ir::block_name(*block)
            ),
            NotFlattened::TooLarge => format!(
                "the region has more than {MAX_BLOCKS} blocks or {MAX_INSTS} instructions"
            ),
            NotFlattened::NoJoin => "no block after it is reached from both ways".into(),
        };
        out.write_str(&text)
    }
}

/// A region to flatten: the branch's block, the join, and the blocks between in an order in
/// which each comes after the blocks that enter it.
struct Region {
    head: LLVMBasicBlockRef,
    join: LLVMBasicBlockRef,
    blocks: Vec<LLVMBasicBlockRef>,
}

/// Flattens the regions that keep the calls of hot edges apart.
pub(crate) fn run(ctx: &mut Context<'_>, hot: &mut Hot<'_>) -> Changed {
    let (sites, pairs) = (hot.sites, hot.pairs);
    let mut changed = Changed::No;
    let mut tried: IndexSet<LLVMValueRef> = IndexSet::new();
    for pair in pairs {
        let (sa, sb) = (&sites[pair.a], &sites[pair.b]);
        if pair.a == pair.b || sa.function != sb.function || !ctx.shim.dominates(sa.call, sb.call) {
            continue;
        }
        // Each flattening changes the function: the gaps are gathered again, at most a few
        // times per edge.
        for _ in 0..MAX_BLOCKS {
            let mut reach = Reach::default();
            // Past the flags a looped batch reads (a handler that comes back): what is
            // flattened is what still stands between the calls. A test of the result that
            // comes back is flattened where it can be (no stronger stop is needed then), and
            // passed where it cannot, to what stands after it.
            let head = ir::parent_block(sa.call);
            let flags = crate::legality::rejoinable(sa, true);
            let gap = facts::gather_rejoining(ctx.shim, &mut reach, sa, sb, head, &flags);
            let gap = match gap.end {
                End::Blocked(Obstacle::BothWays { .. }) => gap,
                _ => {
                    let tests = crate::legality::rejoinable(sa, false);
                    facts::gather_rejoining(ctx.shim, &mut reach, sa, sb, head, &tests)
                }
            };
            let End::Blocked(Obstacle::BothWays { branch, .. }) = gap.end else {
                break;
            };
            if !tried.insert(branch) {
                break;
            }
            let function = sa.function;
            match region(ctx.shim, branch) {
                Ok(r) => {
                    let n = r.blocks.len();
                    flatten(ctx.shim, &r);
                    ctx.shim.invalidate(function);
                    ctx.remark(Remark::flattened(sites, pair.a, pair.b, n));
                    changed = Changed::Yes;
                }
                Err(why) => {
                    ctx.remark(Remark::not_flattened(sites, pair.a, pair.b, branch, &why));
                    break;
                }
            }
        }
    }
    changed
}

/// The region after `branch` (a conditional branch) when it may be flattened.
fn region(shim: &Shim, branch: LLVMValueRef) -> Result<Region, NotFlattened> {
    let head = ir::parent_block(branch);
    let succ = ir::successors(branch);
    // The join: the first block, breadth first from the branch, that post-dominates its block.
    let mut order: Vec<LLVMBasicBlockRef> = Vec::new();
    let mut seen: IndexSet<LLVMBasicBlockRef> = IndexSet::new();
    let mut queue: std::collections::VecDeque<LLVMBasicBlockRef> = succ.iter().copied().collect();
    let mut join = None;
    while let Some(b) = queue.pop_front() {
        if b == head || !seen.insert(b) {
            continue;
        }
        if shim.block_postdominates(b, head) {
            join = Some(b);
            break;
        }
        order.push(b);
        if order.len() > MAX_BLOCKS {
            return Err(NotFlattened::TooLarge);
        }
        if let Some(t) = ir::terminator(b) {
            queue.extend(ir::successors(t));
        }
    }
    let join = join.ok_or(NotFlattened::NoJoin)?;
    // The blocks between: those reached from the branch without passing the join.
    let mut inside: IndexSet<LLVMBasicBlockRef> = IndexSet::new();
    let mut work: Vec<LLVMBasicBlockRef> = succ.iter().copied().filter(|&b| b != join).collect();
    while let Some(b) = work.pop() {
        if b == head {
            return Err(NotFlattened::Shape(b));
        }
        if !inside.insert(b) {
            continue;
        }
        if inside.len() > MAX_BLOCKS {
            return Err(NotFlattened::TooLarge);
        }
        let Some(t) = ir::terminator(b) else {
            return Err(NotFlattened::Shape(b));
        };
        if ir::opcode(t) != LLVMOpcode::LLVMBr {
            return Err(NotFlattened::Shape(b));
        }
        work.extend(ir::successors(t).into_iter().filter(|&s| s != join));
    }
    // Entered only from the branch's block and from each other; no phi.
    let mut insts = 0;
    let at = ir::terminator(head).ok_or(NotFlattened::Shape(head))?;
    for &b in &inside {
        let from_outside = ir::predecessors(b)
            .into_iter()
            .any(|p| p.is_null() || (p != head && !inside.contains(&p)));
        if from_outside {
            return Err(NotFlattened::Shape(b));
        }
        for inst in ir::instructions(b) {
            if ir::is_terminator(inst) {
                continue;
            }
            if ir::is_phi(inst) {
                return Err(NotFlattened::Shape(b));
            }
            insts += 1;
            if insts > MAX_INSTS {
                return Err(NotFlattened::TooLarge);
            }
            if !speculatable(shim, inst, at) {
                return Err(NotFlattened::Unsafe(inst));
            }
        }
    }
    let blocks = topological(head, &inside).ok_or(NotFlattened::Shape(head))?;
    Ok(Region { head, join, blocks })
}

/// Whether `inst` may run at the end of the region's first block (`at`, its terminator).
fn speculatable(shim: &Shim, inst: LLVMValueRef, at: LLVMValueRef) -> bool {
    let f = shim.inst_flags(inst);
    if f & flags::DEBUG != 0 {
        return true;
    }
    if f & (flags::SIDE_EFFECTS | flags::VOLATILE | flags::INLINE_ASM | flags::LIFETIME) != 0 {
        return false;
    }
    if ir::opcode(inst) == LLVMOpcode::LLVMLoad {
        return shim.safe_to_load_at(inst, at);
    }
    f & flags::SPECULATABLE != 0 && f & flags::READS_MEMORY == 0
}

/// The blocks of `inside` in an order where each comes after every block of `inside` that
/// enters it; `None` when they hold a cycle.
fn topological(
    head: LLVMBasicBlockRef,
    inside: &IndexSet<LLVMBasicBlockRef>,
) -> Option<Vec<LLVMBasicBlockRef>> {
    let mut indegree: IndexMap<LLVMBasicBlockRef, usize> = inside
        .iter()
        .map(|&b| {
            let n = ir::predecessors(b)
                .into_iter()
                .filter(|p| inside.contains(p))
                .count();
            (b, n)
        })
        .collect();
    let mut ready: Vec<LLVMBasicBlockRef> = ir::successors_of(head)
        .into_iter()
        .filter(|b| indegree.get(b) == Some(&0))
        .collect();
    ready.dedup();
    let mut order = Vec::with_capacity(inside.len());
    while let Some(b) = ready.pop() {
        if order.contains(&b) {
            continue;
        }
        order.push(b);
        for s in ir::successors_of(b) {
            if let Some(d) = indegree.get_mut(&s) {
                *d = d.saturating_sub(1);
                if *d == 0 {
                    ready.push(s);
                }
            }
        }
    }
    (order.len() == inside.len()).then_some(order)
}

/// Moves the region's code to the end of its first block, computes the way each block is
/// reached, and makes the join's phis `select`s over the ways into it.
fn flatten(shim: &Shim, r: &Region) {
    let function = ir::block_function(r.head);
    let b = Builder::new(ir::module_of(function));
    let term = Builder::terminator(r.head);
    b.position_before_keep_location(term);
    // The branch's condition gives the type of conditions.
    let Some((cond, _, _)) = ir::conditional_branch(term) else {
        return;
    };
    let i1 = ir::type_of(cond);
    let t = ir::const_of(i1, -1);
    let f = ir::const_of(i1, 0);
    let and = |x: LLVMValueRef, y: LLVMValueRef| {
        if x == t {
            y
        } else {
            b.select(x, y, f, "flat.and")
        }
    };
    let or = |x: LLVMValueRef, y: LLVMValueRef| {
        if x == f {
            y
        } else {
            b.select(x, t, y, "flat.or")
        }
    };
    // The condition of each edge out of `from`, given the condition of reaching `from`.
    let edges = |from: LLVMBasicBlockRef,
                 reached: LLVMValueRef|
     -> Vec<(LLVMBasicBlockRef, LLVMValueRef)> {
        let Some(term) = ir::terminator(from) else {
            return Vec::new();
        };
        match ir::conditional_branch(term) {
            Some((c, tt, ff)) if tt != ff => {
                let not_c = b.arith(LLVMOpcode::LLVMXor, c, t, "flat.not");
                vec![(tt, and(reached, c)), (ff, and(reached, not_c))]
            }
            _ => ir::successors(term)
                .into_iter()
                .take(1)
                .map(|s| (s, reached))
                .collect(),
        }
    };
    // Edge conditions into each block, and into the join by the block they come from.
    let mut into: IndexMap<LLVMBasicBlockRef, Vec<LLVMValueRef>> = IndexMap::new();
    let mut into_join: Vec<(LLVMBasicBlockRef, LLVMValueRef)> = Vec::new();
    let mut record =
        |from: LLVMBasicBlockRef,
         outs: Vec<(LLVMBasicBlockRef, LLVMValueRef)>,
         into: &mut IndexMap<LLVMBasicBlockRef, Vec<LLVMValueRef>>| {
            for (to, c) in outs {
                if to == r.join {
                    into_join.push((from, c));
                } else {
                    into.entry(to).or_default().push(c);
                }
            }
        };
    let outs = edges(r.head, t);
    record(r.head, outs, &mut into);
    for &blk in &r.blocks {
        let reached = into
            .get(&blk)
            .map(|cs| cs.iter().copied().fold(f, &or))
            .unwrap_or(f);
        for inst in ir::instructions(blk) {
            if ir::is_terminator(inst) {
                continue;
            }
            shim.move_before(inst, term);
            if ir::opcode(inst) == LLVMOpcode::LLVMLoad {
                shim.drop_ub_metadata(inst);
            }
        }
        let outs = edges(blk, reached);
        record(blk, outs, &mut into);
    }
    // The join's phis: a chain of selects over the ways in from the region.
    let from_region = |p: LLVMBasicBlockRef| p == r.head || r.blocks.contains(&p);
    for phi in ir::instructions(r.join)
        .into_iter()
        .take_while(|&i| ir::is_phi(i))
    {
        let incoming: IndexMap<LLVMBasicBlockRef, LLVMValueRef> = ir::incoming(phi)
            .into_iter()
            .filter(|&(_, p)| !p.is_null() && from_region(p))
            .map(|(v, p)| (p, v))
            .collect();
        let mut ways = into_join
            .iter()
            .filter_map(|&(p, c)| incoming.get(&p).map(|&v| (v, c)));
        let Some((last, _)) = ways.next() else {
            continue;
        };
        let value = ways.fold(last, |acc, (v, c)| b.select(c, v, acc, "flat.phi"));
        // The edges from the region's blocks go with the blocks (`remove_unreachable_blocks`).
        if incoming.contains_key(&r.head) {
            Builder::set_incoming_value(phi, r.head, value);
        } else {
            Builder::add_incoming(phi, &[(value, r.head)]);
        }
    }
    // The first block now goes to the join; the region's blocks are left unreachable.
    Builder::erase_terminator(r.head);
    b.position_at_end(r.head);
    b.br(r.join);
    shim.remove_unreachable_blocks(function);
}
