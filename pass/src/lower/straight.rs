//! Lowering of a straight batch (`Plan::Straight`): the paper's Figure 7.
//!
//! For a chain `x0 = s0(a0); ...; xk = sk(ak)` with first call `c0`:
//!
//! ```text
//! entry:   %mc.entries = alloca [k+1 x %struct.mc_entry]      ; on the stack, no globals
//! at c0:   store nr/stop/stop_arg/refs/args of every entry
//!          %mc.count = k+1, or i+1 when entry i's "result != argument" needs a negative argument
//!          %mc.ret = call i64 @multicall(ptr %mc.entries, i32 %mc.count)
//! at each ci (its original position, original control flow unchanged):
//!          br (i <= %mc.ret), %mc.use.i, %mc.call.i
//!   mc.use.i:  %raw = load entries[i].result
//!              br (raw in -MC_MAX_ERRNO..-1), %mc.err.i, %join
//!   mc.err.i:  store -raw to *__errno_location()                 ; errno where libc set it
//!   mc.call.i: the original call (entry i did not run: the batch stopped early or failed)
//!   join:      %xi = phi [raw, mc.use.i], [-1, mc.err.i], [call, mc.call.i]
//! ```
//!
//! Every use of the original result now sees the libc-convention value at the same place, so
//! each original check still branches to its original handler with the original value and
//! errno. The fallback call keeps the program right whenever the batch ran fewer entries than
//! the original would have (a stop predicate that fired on a value the original accepts, an
//! invalid batch): entries run as a prefix, so falling back at i means falling back after i.

use indexmap::IndexMap;

use llvm_sys::prelude::*;
use llvm_sys::{LLVMIntPredicate, LLVMOpcode, LLVMTypeKind};
use multicall_abi::{
    entry_field, BATCHES_PAY_SYMBOL, MC_MAX_ARGS, MC_MAX_ERRNO, PLAIN_MERGE_MIN_WRITES,
};

use super::builder::Builder;
use crate::ir;
use crate::plan::{ArgSource, Entry, Stop, Straight};
use crate::shim::Shim;
use crate::sites::{Check, Site};
use syscluster_profile::catalogue;

/// Where the entries live: the alloca and its array type.
pub(super) struct Entries {
    pub ptr: LLVMValueRef,
    pub ty: LLVMTypeRef,
}

impl Entries {
    /// A `[n x %struct.mc_entry]` alloca in the entry block of `function`.
    pub(super) fn alloca(b: &Builder, function: LLVMValueRef, n: usize) -> Entries {
        let ty = Builder::array(b.entry_ty, n);
        Entries {
            ptr: b.alloca_in_entry(function, ty, "mc.entries"),
            ty,
        }
    }

    /// Stores every entry at the builder's position; returns the "result != argument" guards
    /// (see `guard_stop_arguments`).
    pub(super) fn fill(
        &self,
        b: &Builder,
        entries: &[Entry],
        sites: &[Site],
        replaced: &IndexMap<LLVMValueRef, LLVMValueRef>,
    ) -> Vec<ArgGuard> {
        let mut guards = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            guards.extend(fill_entry(b, self, i, e, &sites[e.site], replaced));
        }
        guards
    }

    /// Loads entry i's raw result into a value named `name`.
    pub(super) fn raw_result(&self, b: &Builder, i: usize, name: &str) -> LLVMValueRef {
        let p = b.field(self.ptr, self.ty, i, entry_field::RESULT, None);
        b.load(b.i64t, p, name)
    }
}

/// `raw` is in -MC_MAX_ERRNO..-1: an error.
pub(super) fn is_error(b: &Builder, raw: LLVMValueRef, name: &str) -> LLVMValueRef {
    b.icmp(
        LLVMIntPredicate::LLVMIntUGT,
        raw,
        b.c64(-MC_MAX_ERRNO - 1),
        name,
    )
}

/// errno = -raw, as libc does for an error result.
pub(super) fn set_errno(b: &Builder, errno_fn: (LLVMValueRef, LLVMTypeRef), raw: LLVMValueRef) {
    let (f, ty) = errno_fn;
    let errno = b.call(ty, f, &mut [], "");
    b.store(b.neg_to_i32(raw), errno);
}

/// What every entry's hand-out needs.
struct Batch {
    entries: Entries,
    /// The `multicall` call's result: the index of the last entry that ran (its stop
    /// predicate fired), the count when all ran, -1 when none ran: entry i ran when it is >= i.
    ret: LLVMValueRef,
    errno_fn: (LLVMValueRef, LLVMTypeRef),
}

/// Rewrites one chain. The plan's legality must have been settled on unchanged IR.
/// `replaced` maps calls of chains lowered before to the values that now stand for their
/// results (an argument of this chain may be one); this chain's calls are added to it.
pub(crate) fn lower(
    b: &Builder,
    shim: &Shim,
    sites: &[Site],
    plan: &Straight,
    replaced: &mut IndexMap<LLVMValueRef, LLVMValueRef>,
) {
    let first = &sites[plan.entries[0].site];
    let entries = Entries::alloca(b, first.function, plan.entries.len());
    if let Some(check) = first.check {
        check_first(b, shim, first, &plan.entries[0], check, replaced);
    }
    let gate = (!may_merge(sites, plan)).then(|| Gate::open(b, shim, first.call));
    if gate.is_none() {
        b.position_before(first.call);
    }
    let guards = entries.fill(b, &plan.entries, sites, replaced);
    let count = guard_stop_arguments(b, plan.entries.len(), &guards);
    let (count, checks) = guard_checks(b, sites, &plan.entries, count, replaced);
    let count = guard_conditions(b, &plan.guards, count);
    let (multicall, mc_ty) = b.declare("multicall", b.i64t, &mut [b.ptrt, b.i32t]);
    let ret = b.call(mc_ty, multicall, &mut [entries.ptr, count], "mc.ret");
    let ret = if guards.is_empty() && !checks && plan.guards.is_empty() {
        ret
    } else {
        cut_result(b, ret, count, plan.entries.len())
    };
    let ret = match gate {
        Some(gate) => gate.close(b, ret),
        None => ret,
    };
    let batch = Batch {
        entries,
        ret,
        errno_fn: b.declare("__errno_location", b.ptrt, &mut []),
    };
    for (i, e) in plan.entries.iter().enumerate() {
        hand_out(b, shim, &batch, i, sites[e.site].call, replaced);
    }
}

/// Whether the runtime may merge the batch's writes into one `writev` on the direct backend
/// (it has [`PLAIN_MERGE_MIN_WRITES`] writes or more), so that it may gain there too: such a
/// batch always goes to the runtime; any other is gated ([`Gate`]).
fn may_merge(sites: &[Site], plan: &Straight) -> bool {
    writes(sites, &plan.entries) >= PLAIN_MERGE_MIN_WRITES
}

/// The test before a plain batch of the runtime's `multicall_batches_pay`
/// ([`BATCHES_PAY_SYMBOL`]): at 0 (no module, so the batch's calls would run one at a time)
/// the batch is neither built nor submitted, and its result is -1, "no entry ran", with which
/// every call runs as the original's own in its fallback block at its place: the way taken
/// after a batch that ran fewer entries. So a program on a kernel without the module pays one
/// load and one branch per batch, not the runtime's work.
///
/// ```text
/// head:      %mc.pays = load atomic i32 @multicall_batches_pay monotonic
///            br (%mc.pays != 0), %mc.batch, %mc.after
/// mc.batch:  (the entries, their count, the multicall call)  br %mc.after
/// mc.after:  %mc.ret = phi [result, mc.batch], [-1, head]    ; then the first call's place
/// ```
struct Gate {
    head: LLVMBasicBlockRef,
    after: LLVMBasicBlockRef,
}

impl Gate {
    /// Splits the block before `first` (the batch's first call) and emits the test; leaves
    /// the builder in the new batch block.
    fn open(b: &Builder, shim: &Shim, first: LLVMValueRef) -> Gate {
        let dbg = Builder::location_of(first);
        // The shim's split updates no analysis: every legality check has run by now.
        let after = shim.split_before(first, "mc.after");
        let head = Builder::previous_block(after);
        let batch = b.block_before(after, "mc.batch");
        Builder::erase_terminator(head);
        b.position_at_end(head);
        b.set_location(dbg);
        let go = batches_pay(b, LLVMIntPredicate::LLVMIntNE, "mc.go");
        b.cond_br(go, batch, after);
        b.position_at_end(batch);
        b.set_location(dbg);
        Gate { head, after }
    }

    /// Ends the batch block, whose result is `ret`; returns the batch's result where the two
    /// ways meet.
    fn close(self, b: &Builder, ret: LLVMValueRef) -> LLVMValueRef {
        let from = b.current_block();
        b.br(self.after);
        b.position_at_start(self.after);
        let phi = b.phi(b.i64t, "mc.ret.gated");
        Builder::add_incoming(phi, &[(ret, from), (b.c64(-1), self.head)]);
        phi
    }
}

/// Whether the runtime's `multicall_batches_pay` ([`BATCHES_PAY_SYMBOL`]), loaded at the
/// builder's position, compares to 0 by `pred` (`ne`: batches pay; `eq`: they do not).
pub(super) fn batches_pay(b: &Builder, pred: LLVMIntPredicate, name: &str) -> LLVMValueRef {
    let flag = b.external_i32(BATCHES_PAY_SYMBOL);
    let pays = b.load_relaxed_i32(flag, "mc.pays");
    b.icmp(pred, pays, b.c32(0), name)
}

/// How many of the plan's entries are writes.
pub(super) fn writes(sites: &[Site], entries: &[Entry]) -> usize {
    entries
        .iter()
        .filter(|e| {
            sites[e.site]
                .nr
                .and_then(catalogue::by_nr)
                .is_some_and(|s| s.name == "write")
        })
        .count()
}

/// The argument word of entry `entry`'s "result != argument" predicate, an IR value, and the
/// least value it holds for (`plan::Least`).
pub(super) struct ArgGuard {
    entry: usize,
    word: LLVMValueRef,
    least: i64,
}

impl ArgGuard {
    /// Whether the argument is below the least value its stop holds for.
    fn below(&self, b: &Builder) -> LLVMValueRef {
        b.icmp(
            LLVMIntPredicate::LLVMIntSLT,
            self.word,
            b.c64(self.least),
            "mc.negarg",
        )
    }
}

/// Stores entry `i` (arguments, then nr, stop, stop_arg, refs). Returns the guard of a
/// "result != argument" predicate whose argument is an IR value.
fn fill_entry(
    b: &Builder,
    entries: &Entries,
    i: usize,
    e: &Entry,
    site: &Site,
    replaced: &IndexMap<LLVMValueRef, LLVMValueRef>,
) -> Option<ArgGuard> {
    let arg = |k: usize| b.field(entries.ptr, entries.ty, i, entry_field::ARGS, Some(k));
    let mut guard = None;
    for (k, a) in e.args.iter().enumerate() {
        let word = match *a {
            ArgSource::Zero => b.c64(0),
            ArgSource::Value(v) if k == 1 && site.converts_sigaction() => {
                b.kernel_sigaction(site.function, *replaced.get(&v).unwrap_or(&v))
            }
            ArgSource::Value(v) => b.as_i64(*replaced.get(&v).unwrap_or(&v)),
            ArgSource::Ref(m) => b.c64(m as i64),
        };
        b.store(word, arg(k));
        if let (Stop::NeArg(j, least), ArgSource::Value(_)) = (e.stop, a) {
            if usize::from(j) == k {
                guard = Some(ArgGuard {
                    entry: i,
                    word,
                    least: least.value(),
                });
            }
        }
    }
    for k in e.args.len()..MC_MAX_ARGS {
        b.store(b.c64(0), arg(k));
    }
    let (stop, stop_arg) = e.stop.code();
    let field = |f: u32| b.field(entries.ptr, entries.ty, i, f, None);
    b.store(
        b.cu(b.i32t, u64::from(site.nr.unwrap_or(0))),
        field(entry_field::NR),
    );
    b.store(b.cu(b.i8t, u64::from(stop)), field(entry_field::STOP));
    b.store(
        b.cu(b.i8t, u64::from(stop_arg)),
        field(entry_field::STOP_ARG),
    );
    b.store(b.cu(b.i16t, u64::from(e.refs())), field(entry_field::REFS));
    guard
}

/// The entry count: "result != argument" is exact only for a non-negative argument (a
/// negative one may equal a raw error although libc's -1 does not), or a positive one
/// (`plan::Least`), so the batch ends at such an entry when its argument is below that.
pub(super) fn guard_stop_arguments(b: &Builder, n: usize, guards: &[ArgGuard]) -> LLVMValueRef {
    let mut count = b.c32(n as u32);
    for g in guards.iter().rev() {
        let below = g.below(b);
        count = b.select(below, b.c32(g.entry as u32 + 1), count, "mc.count");
    }
    count
}

/// The entry count under the plan's guards (`Straight::guards`): where a condition set
/// before the batch has the value of the way off the path after entry `i`, the original
/// code leaves the path there, so the batch ends after entry `i` (if it does not end
/// sooner) and the later calls run as the original's own.
fn guard_conditions(
    b: &Builder,
    guards: &[(usize, crate::plan::Guard)],
    mut count: LLVMValueRef,
) -> LLVMValueRef {
    for (i, g) in guards {
        // Computed from values that dominate the batch's call and loads of memory no call
        // of the batch writes: made again here.
        let off = guard_off(b, g.cond, g.value, &g.loads);
        let cut = b.c32(*i as u32 + 1);
        let below = b.icmp(LLVMIntPredicate::LLVMIntULT, cut, count, "mc.guard.below");
        let both = b.arith(LLVMOpcode::LLVMAnd, off, below, "mc.guard.cut");
        count = b.select(both, cut, count, "mc.count");
    }
    count
}

/// Whether the guard's condition `cond`, made again at the builder's position (`remake`,
/// with the guard's `loads`), has the other value than `value`, the way on's.
fn guard_off(b: &Builder, cond: LLVMValueRef, value: bool, loads: &[LLVMValueRef]) -> LLVMValueRef {
    let cond = remake(b, cond, crate::legality::GUARD_DEPTH, loads);
    let other = ir::const_of(ir::type_of(cond), i64::from(!value));
    b.icmp(LLVMIntPredicate::LLVMIntEQ, cond, other, "mc.guard.off")
}

/// `v` computed again at the builder's position: its arithmetic and comparisons
/// (`ir::pure_op`, at most `depth` deep) and its `loads` copied, from the same other values.
fn remake(b: &Builder, v: LLVMValueRef, depth: u32, loads: &[LLVMValueRef]) -> LLVMValueRef {
    if loads.contains(&v) {
        return b.clone_with(v, &IndexMap::new());
    }
    if depth == 0 || !ir::pure_op(v) {
        return v;
    }
    let map: IndexMap<LLVMValueRef, LLVMValueRef> = (0..ir::num_operands(v))
        .map(|k| ir::operand(v, k))
        .map(|op| (op, remake(b, op, depth - 1, loads)))
        .collect();
    b.clone_with(v, &map)
}

/// Whether any "result != argument" argument is below the least value its stop holds for
/// (negative, or not positive). A looped batch cannot be shortened to end at such an entry
/// (the last entry's included: at an error its stop fires, where the original's `r != arg`
/// compares -1 with the argument and may go on), so the loop runs the original body
/// instead.
pub(super) fn any_argument_below(b: &Builder, guards: &[ArgGuard]) -> Option<LLVMValueRef> {
    guards
        .iter()
        .map(|g| g.below(b))
        .reduce(|any, negative| b.arith(LLVMOpcode::LLVMOr, any, negative, "mc.anyneg"))
}

/// Whether a condition the way round of a looped batch took as it found it
/// (`Looped::guards`: defined before the loop, each with the value the batch's way needs)
/// has the other value: the loop then runs the original body instead.
pub(super) fn any_guard_off(
    b: &Builder,
    guards: &[(LLVMValueRef, bool)],
    loads: &[LLVMValueRef],
) -> Option<LLVMValueRef> {
    guards
        .iter()
        // Arithmetic and comparisons (the loop's own, of values defined before it, or some
        // before the loop) and the loop's loads of memory no call of the batch writes: made
        // again here, where the values are defined.
        .map(|&(cond, value)| guard_off(b, cond, value, loads))
        .reduce(|any, off| b.arith(LLVMOpcode::LLVMOr, any, off, "mc.guard.any"))
}

/// Either of two conditions that send the loop to its original body.
pub(super) fn either(
    b: &Builder,
    x: Option<LLVMValueRef>,
    y: Option<LLVMValueRef>,
    name: &str,
) -> Option<LLVMValueRef> {
    match (x, y) {
        (Some(x), Some(y)) => Some(b.arith(LLVMOpcode::LLVMOr, x, y, name)),
        (x, y) => x.or(y),
    }
}

/// glibc's check of a fortified first call (`__read_chk`), before the batch as before the
/// call: `len > buflen` (unsigned) calls `__chk_fail`, which aborts.
fn check_first(
    b: &Builder,
    shim: &Shim,
    site: &Site,
    entry: &Entry,
    check: Check,
    replaced: &IndexMap<LLVMValueRef, LLVMValueRef>,
) {
    let Some(ArgSource::Value(len)) = entry.args.get(check.len_arg) else {
        return;
    };
    let len = *replaced.get(len).unwrap_or(len);
    let dbg = Builder::location_of(site.call);
    let ok = shim.split_before(site.call, "mc.chk.ok");
    let head = Builder::previous_block(ok);
    let fail = b.block_before(ok, "mc.chk.fail");
    Builder::erase_terminator(head);
    b.position_at_end(head);
    b.set_location(dbg);
    let over = b.icmp(
        LLVMIntPredicate::LLVMIntUGT,
        b.as_i64(len),
        b.as_i64(check.buflen),
        "mc.chk.over",
    );
    b.cond_br(over, fail, ok);
    b.position_at_end(fail);
    b.set_location(dbg);
    b.chk_fail();
}

/// Cuts the batch before the first later fortified entry whose check would fail (its
/// fallback, the original call, then fails the check where the original did), and before one
/// whose length is an earlier entry's result (known only once the batch ran). Returns the
/// count and whether there was such an entry.
fn guard_checks(
    b: &Builder,
    sites: &[Site],
    entries: &[Entry],
    mut count: LLVMValueRef,
    replaced: &IndexMap<LLVMValueRef, LLVMValueRef>,
) -> (LLVMValueRef, bool) {
    let mut any = false;
    for (i, e) in entries.iter().enumerate().skip(1).rev() {
        let Some(check) = sites[e.site].check else {
            continue;
        };
        any = true;
        let below = b.icmp(
            LLVMIntPredicate::LLVMIntULT,
            b.c32(i as u32),
            count,
            "mc.chk.below",
        );
        let cut = match e.args.get(check.len_arg) {
            Some(ArgSource::Value(len)) => {
                let len = *replaced.get(len).unwrap_or(len);
                let over = b.icmp(
                    LLVMIntPredicate::LLVMIntUGT,
                    b.as_i64(len),
                    b.as_i64(check.buflen),
                    "mc.chk.over",
                );
                b.arith(LLVMOpcode::LLVMAnd, over, below, "mc.chk.cut")
            }
            Some(ArgSource::Zero) => continue,
            _ => below,
        };
        count = b.select(cut, b.c32(i as u32), count, "mc.count");
    }
    (count, any)
}

/// The batch's result as the hand-outs read it when the count may be less than the chain:
/// a cut batch that ran all its `count` entries returns `count`, and entry `count` (left
/// out) must see that it did not run, so the result becomes `count - 1`.
fn cut_result(b: &Builder, ret: LLVMValueRef, count: LLVMValueRef, n: usize) -> LLVMValueRef {
    let count64 = b.int_cast(LLVMOpcode::LLVMZExt, count, b.i64t);
    let all_ran = b.icmp(LLVMIntPredicate::LLVMIntEQ, ret, count64, "mc.allran");
    let cut = b.icmp(
        LLVMIntPredicate::LLVMIntULT,
        count,
        b.c32(n as u32),
        "mc.cut",
    );
    let last = b.arith(LLVMOpcode::LLVMSub, count64, b.c64(1), "mc.last");
    let both = b.arith(LLVMOpcode::LLVMAnd, all_ran, cut, "mc.cutran");
    b.select(both, last, ret, "mc.done")
}

/// Hands entry `i`'s result out at its call's original position:
/// `head -> (ran ? mc.use.i : mc.call.i)`, `mc.use.i -> (error ? mc.err.i : join)`,
/// `mc.err.i -> join`, the original call in `mc.call.i -> join`, and a phi in `join`.
fn hand_out(
    b: &Builder,
    shim: &Shim,
    batch: &Batch,
    i: usize,
    call: LLVMValueRef,
    replaced: &mut IndexMap<LLVMValueRef, LLVMValueRef>,
) {
    let dbg = Builder::location_of(call);
    let Some(after) = ir::next_instruction(call) else {
        return;
    };
    // The shim's split updates no analysis: every legality check has run by now.
    let fallback = shim.split_before(call, &format!("mc.call.{i}"));
    let join = shim.split_before(after, &format!("mc.join.{i}"));
    let head = Builder::previous_block(fallback);
    let use_b = b.block_before(fallback, &format!("mc.use.{i}"));
    let err_b = b.block_before(fallback, &format!("mc.err.{i}"));

    // head: replace "br fallback" by the test whether entry i ran.
    Builder::erase_terminator(head);
    b.position_at_end(head);
    b.set_location(dbg);
    let ran = b.icmp(
        LLVMIntPredicate::LLVMIntSGE,
        batch.ret,
        b.c64(i as i64),
        &format!("mc.ran.{i}"),
    );
    b.cond_br(ran, use_b, fallback);

    // use: the raw result, and whether it is an error.
    b.position_at_end(use_b);
    b.set_location(dbg);
    let raw = batch.entries.raw_result(b, i, &format!("mc.raw.{i}"));
    let iserr = is_error(b, raw, &format!("mc.iserr.{i}"));
    b.cond_br(iserr, err_b, join);

    // err: errno = -raw, as libc does.
    b.position_at_end(err_b);
    b.set_location(dbg);
    set_errno(b, batch.errno_fn, raw);
    b.br(join);

    let ty = ir::type_of(call);
    if ir::type_kind(ty) == LLVMTypeKind::LLVMVoidTypeKind {
        return;
    }
    // join: the libc-convention value replaces the call's result.
    b.position_before_keep_location(Builder::terminator(use_b));
    let ok_v = b.i64_as(raw, ty);
    let err_v = b.minus_one(ty);
    b.position_at_start(join);
    b.set_location(dbg);
    let phi = b.phi(ty, &format!("mc.result.{i}"));
    Builder::replace_uses(call, phi);
    replaced.insert(call, phi);
    Builder::add_incoming(phi, &[(ok_v, use_b), (err_v, err_b), (call, fallback)]);
}
