//! What legality hands to lowering: a plan per multi-call, made of entries shaped like the
//! ABI's `struct mc_entry` (a site, its stop predicate, its arguments).
//!
//! A plan is an enum so that each way of forming a multi-call is one variant with its own
//! lowering file (`lower/`): a straight batch and a looped batch (a whole loop); specialised
//! or fused operations are further variants.

use std::fmt;

use llvm_sys::prelude::{LLVMBasicBlockRef, LLVMTypeRef, LLVMValueRef};
use llvm_sys::LLVMIntPredicate;
use multicall_abi::{MC_STOP_NEG, MC_STOP_NEVER, MC_STOP_NE_ARG, MC_STOP_NONPOS};

/// Stop predicate of an entry (`MC_STOP_*`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Stop {
    Never,
    Neg,
    NonPos,
    /// Stop when the result differs from this argument (a short transfer), exact where the
    /// argument is at least [`Least`]'s value: the lowering ends the batch at the entry, or
    /// runs a loop's original body, where an argument it passes is below it.
    NeArg(u8, Least),
}

/// The least argument a `result != argument` stop is exact for. Any stop holds only for a
/// non-negative one (a negative argument may equal a raw error, which libc's -1 does not);
/// tests that a result of zero would send the other way (`if (n == 0) break;` after a test of
/// a short count) hold only for a positive one, where a whole transfer is never zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Least {
    Zero,
    One,
}

impl Least {
    pub fn value(self) -> i64 {
        match self {
            Least::Zero => 0,
            Least::One => 1,
        }
    }
}

impl Stop {
    /// `(stop, stop_arg)` as `struct mc_entry` holds them.
    pub fn code(self) -> (u8, u8) {
        match self {
            Stop::Never => (MC_STOP_NEVER, 0),
            Stop::Neg => (MC_STOP_NEG, 0),
            Stop::NonPos => (MC_STOP_NONPOS, 0),
            Stop::NeArg(k, _) => (MC_STOP_NE_ARG, k),
        }
    }
    /// Whether every error result (raw < 0) stops the batch (NeArg with a non-negative
    /// argument, which the lowering guarantees at run time).
    pub fn stops_on_error(self) -> bool {
        !matches!(self, Stop::Never)
    }
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Stop::Never => f.write_str("never"),
            Stop::Neg => f.write_str("result < 0"),
            Stop::NonPos => f.write_str("result <= 0"),
            Stop::NeArg(k, Least::Zero) => write!(f, "result != argument {k}"),
            Stop::NeArg(k, Least::One) => write!(f, "result != argument {k}, when it is positive"),
        }
    }
}

/// Where an entry's argument comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ArgSource {
    /// Not passed (a missing variadic argument): 0.
    Zero,
    /// An IR value available at the first call.
    Value(LLVMValueRef),
    /// The result of an earlier entry.
    Ref(usize),
}

/// One entry of a multi-call, as `struct mc_entry` will hold it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Index of the site (`sites::Scan::sites`) whose call the entry runs.
    pub site: usize,
    pub stop: Stop,
    /// One source per system-call argument (at most `MC_MAX_ARGS`).
    pub args: Vec<ArgSource>,
}

impl Entry {
    /// The `refs` bit set: bit k when argument k is an earlier entry's result.
    pub fn refs(&self) -> u16 {
        self.args
            .iter()
            .enumerate()
            .filter(|(_, a)| matches!(a, ArgSource::Ref(_)))
            .fold(0, |bits, (k, _)| bits | 1 << k)
    }
}

/// A straight batch: entries run in order at the first call, each result handed out at its
/// call's original position (the paper's Figure 7).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Straight {
    /// In program order; the first entry's call is where the batch runs.
    pub entries: Vec<Entry>,
    /// Conditions set before the first call that the way from entry `i` to entry `i + 1`
    /// tests (`legality::conditions::Guard`), each after the position `i`. Where one has the
    /// other value, the batch ends after entry `i`.
    pub guards: Vec<(usize, Guard)>,
}

/// A test between two calls of a condition that no call of the batch changes
/// (`legality::conditions::Guard`), made again before the batch.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Guard {
    pub cond: LLVMValueRef,
    /// The value of the way on.
    pub value: bool,
    /// The loads the condition is computed from that come after the batch's first call:
    /// made again before the batch (memory no call of the batch writes).
    pub loads: Vec<LLVMValueRef>,
}

impl Straight {
    /// Site indices of the entries, in order.
    pub fn sites(&self) -> Vec<usize> {
        self.entries.iter().map(|e| e.site).collect()
    }
}

/// Where the loop goes when entry i's stop predicate fires (`kind`): in block `from`, the
/// conditional branch that tests it, and `to`, the block it leaves the loop to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoopExit {
    pub from: LLVMBasicBlockRef,
    pub to: LLVMBasicBlockRef,
    pub kind: ExitKind,
}

/// How the lowered loop goes on after entry i stopped the batch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitKind {
    /// The stop's branch leaves the loop: the batch goes to `LoopExit::to`.
    Leave,
    /// Nowhere: the last call's result is used by nothing and the original goes round
    /// whatever it is, so the batch stops only on an error or a signal (`Stop::Neg`), to set
    /// errno as the failed call did, and is run again (`from` is the call's block and `to`
    /// the loop's header).
    Round,
    /// The original loop goes on right after the call (`from` is the call's block, `to` the
    /// header), with the iteration's values: the results so far, the carried values at its
    /// start and the carried next values computed before the call (bit `k` of `nexts` for
    /// `Looped::carried[k]`). The original code then tests the result as it does; when it goes
    /// round, the batch runs again from the loop's back edges (`legality::resume`).
    Resume { nexts: u64 },
}

/// A whole loop as one looped batch (`multicall_loop`): the loop's body is exactly the entries'
/// calls, the header begins with the first, every entry stops the batch at its own predicate,
/// and the predicate of entry i is the loop's exit `exits[i]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Looped {
    /// In program order from the header; every stop is a predicate (none is `Never`).
    pub entries: Vec<Entry>,
    /// The block that begins with the first entry's call.
    pub header: LLVMBasicBlockRef,
    /// The one block outside the loop that enters it (before any lowering).
    pub preheader: LLVMBasicBlockRef,
    /// The blocks of the loop, header first.
    pub blocks: Vec<LLVMBasicBlockRef>,
    /// One per entry.
    pub exits: Vec<LoopExit>,
    /// Whether the memory the calls write is dead after the loop (`MC_BATCH_DEAD_BUFFERS`).
    pub buffers: Buffers,
    /// The values the loop carries from one iteration to the next (the header's phis).
    pub carried: Vec<Carried>,
    /// Arguments that advance by a result each iteration (`MC_BATCH_ADVANCE`).
    pub advancing: Vec<Advancing>,
    /// Arguments computed in the header from a running total, which advance with it.
    pub derived: Vec<Derived>,
    /// A loop whose header tests an advancing argument before the first call
    /// (`legality::advance`); `None` when the header begins with the first call.
    pub tested: Option<Tested>,
    /// For a loop whose stops resume it and whose own header tests where to go before the
    /// first call (`legality::looped::tested_header_start`): that header. `header` is then
    /// the first call's block, where the batch begins.
    pub tested_by: Option<LLVMBasicBlockRef>,
    /// For a loop whose stops resume it and whose header comes before the first call's
    /// block (`legality::resume`): the phis on the way from the header to the call, each with
    /// its value on that way (defined before the loop), which a stop hands back.
    pub prefix: Vec<(LLVMValueRef, LLVMValueRef)>,
    /// For a loop whose stops resume it: the phis on the ways between its calls whose value
    /// there is an entry's result (`(phi, entry, first exit)`): a stop at an entry from `first
    /// exit` on hands that result back for them.
    pub handed: Vec<(LLVMValueRef, usize, usize)>,
    /// For a loop whose stops resume it: values computed before a call from results that
    /// the earlier entries' stops pin (`legality::resume::decided`, dd's `r == bs` before
    /// the write), which the original code after the call uses: `(value, exit, constant)`,
    /// what a stop at entry `exit` hands back for it.
    pub decided: Vec<(LLVMValueRef, usize, i64)>,
    /// For a loop whose stops resume it: values computed before a call by arithmetic, casts,
    /// comparisons and selects from what a stop there hands back (the results, the carried
    /// values), which the original code after the call uses (`int n = read(..)`'s `trunc`
    /// after the write): `(value, exit)`, computed again where a stop at entry `exit`
    /// resumes (`legality::resume::needs`).
    pub remade: Vec<(LLVMValueRef, usize)>,
    /// For a loop whose stops resume it: phis between the calls with their values on the
    /// path the batch runs (a flag's handler that rejoins the path, `legality::facts`), which
    /// `remade` values stand for by those values where a stop resumes.
    pub aliases: Vec<(LLVMValueRef, LLVMValueRef)>,
    /// For a loop whose stops resume it: carried values whose value along the way round is
    /// not their phi's incoming value from the latch (a latch phi that also takes a retry's
    /// unchanged value: `(k, value)` for `carried[k]`): `reads++` between a read retried on
    /// `EINTR` and its write. A stop after the value is computed hands it back as the
    /// carried value's next one.
    pub ways: Vec<(usize, LLVMValueRef)>,
    /// Per entry, when the original tests a stopped result more than once on its way out of
    /// the loop (`if (n < 0) ...; if (n == 0) break;`): each test's conditional branch and
    /// the block it leaves to, in order (`legality::advance`). The entry's stop is exactly
    /// their union, so a stop leaves by one of them, which the lowering finds by evaluating
    /// the tests again on the stopped iteration's values. Empty when one test does.
    pub stop_tests: Vec<Vec<(LLVMValueRef, LLVMBasicBlockRef)>>,
    /// The flags the loop tests after its last call, on its way round, in the order it tests
    /// them (`legality::watch`; several only for a loop whose stops resume it).
    pub watches: Vec<Watch>,
    /// Conditions defined before the loop that branches on its way round test (`if
    /// (verbose)` on a flag LLVM loaded once), each with the value under which the way round
    /// is the batch's: the batch runs only when every one has it, and otherwise the original
    /// loop runs (`legality::resume`).
    pub guards: Vec<(LLVMValueRef, bool)>,
    /// The loads in the loop that the guards' conditions are computed from (between the
    /// calls: `if (opts->verbose)`), which the batch reads again at its start: memory no
    /// call of the batch writes.
    pub guard_loads: Vec<LLVMValueRef>,
    /// A test on the way round of a counter's remainder (`if (++blocks % 64 == 0)
    /// fprintf(..)`), whose other way runs code the batch cannot (`legality::period`).
    pub period: Option<Period>,
}

impl Looped {
    /// The exit of the test the way round makes after the last call's own tests, which
    /// resumes the original after the last call: the watched flag's or the period's.
    pub fn after_exit(&self) -> Option<&LoopExit> {
        self.watches
            .iter()
            .find(|w| w.after.is_none())
            .map(|w| &w.exit)
            .or(self.period.as_ref().map(|p| &p.exit))
    }
}

/// A flag a whole loop tests on its way round, after the last call's own tests
/// (`while (!stop)` on a `volatile sig_atomic_t` a signal handler sets): an integer of 1, 2, 4
/// or 8 bytes at an address that does not change in the loop, compared with 0. The batch
/// reads it after each iteration that completes (`MC_BATCH_WATCH`) and ends there when the
/// test would leave; the lowering then makes the test again, and leaves as the original does.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Watch {
    /// The load of the flag (volatile, atomic or plain), which only the test uses.
    pub load: LLVMValueRef,
    /// The comparison of the load with 0, which only the branch uses.
    pub cmp: LLVMValueRef,
    /// The branch: its block and the block it leaves the loop to (`LoopExit::from`, `to`).
    pub exit: LoopExit,
    /// Whether the true successor goes round.
    pub round_if_true: bool,
    /// The flag's size in bytes (`MC_WATCH_SIZE`).
    pub size: u8,
    /// Whether the loop leaves when the flag is zero (`while (running)`, `MC_WATCH_ZERO`).
    pub leaves_on_zero: bool,
    /// For a flag tested between two calls: the entry after which the batch reads it (a
    /// stop there resumes the original, which makes the test); `None` for one tested on the
    /// way round, read after each completed iteration.
    pub after: Option<usize>,
}

/// How a period test takes the remainder of the counter (`PeriodTest::Remainder`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PeriodKind {
    /// `and X, modulus - 1`, the modulus a power of 2: a remainder modulo `2^width` too, so
    /// exact for any value.
    Mask,
    /// `urem X, modulus`.
    URem,
    /// `srem X, modulus`.
    SRem,
}

/// What a period test compares (`Period::test`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PeriodTest {
    /// `icmp eq|ne (rem X, modulus), 0`, `X` a counter stepping up by 1: the way round is
    /// the one a remainder other than 0 takes.
    Remainder {
        modulus: u64,
        kind: PeriodKind,
        /// The remainder, which only the comparison uses.
        rem: LLVMValueRef,
    },
    /// `X` against `limit`, `X` a running total of a transfer's results (each at most
    /// `per_iteration` bytes: the transfer's length argument, invariant) or a counter (1 in
    /// each iteration, up or `down`): the way round is
    /// the one taken while `X` is below the limit (`X < limit`, or `X <= limit` when not
    /// `inclusive`), the other once it reaches it (`if (total >= next_report)`).
    Reaches {
        /// The limit: a value set before the loop, or a carried value the way round leaves
        /// alone (`Looped::carried[k]`, step 0), which the other way may move on.
        limit: LLVMValueRef,
        limit_carried: Option<usize>,
        /// Whether reaching means `X >= limit` (else `X > limit`).
        inclusive: bool,
        signed: bool,
        /// `X == limit` (or `!=`): only meeting the limit goes the other way; the distance
        /// to it is counted modulo `2^64` (a value past the limit meets it only after
        /// wrapping).
        equality: bool,
        per_iteration: LLVMValueRef,
        /// `X` as the total less a base the way round leaves alone (`if (total - last >=
        /// STEP)`, the report setting `last = total`): the base, set before the loop or the
        /// carried value `Looped::carried[k]` of step 0. `X` grows as the total does.
        less: Option<(LLVMValueRef, Option<usize>)>,
        /// `X` a counter stepping down by 1 towards the limit (`count-- > 0`): the way round
        /// is the one taken while `X` is above the limit, and `inclusive`, `signed` read
        /// the comparison mirrored (`-X` against `-limit`, or `~X` against `~limit`).
        down: bool,
    },
}

/// A test on the way round of a whole loop whose stops resume it whose way is known in
/// advance for a number of iterations: a counter's remainder (`if (++blocks % 64 == 0)`) or
/// a running total reaching a limit (`if (total >= next_report)`), where `X` is the carried
/// value `Looped::carried[carried]` at the iteration's start or its next value. The batch
/// runs at most the iterations up to the first whose test may go the other way, and the
/// lowering then makes the test again and, where it goes the other way, resumes the original
/// after the last call (`exit`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Period {
    pub carried: usize,
    /// Whether `X` is the carried value's next value (`++blocks % 64`), else its value at
    /// the iteration's start (`blocks++ % 64`).
    pub tests_next: bool,
    /// `X` as the comparison (or the remainder) uses it.
    pub x: LLVMValueRef,
    pub test: PeriodTest,
    /// The comparison, which only the branch uses.
    pub cmp: LLVMValueRef,
    /// The branch's block and the block of its other way (`ExitKind::Resume`).
    pub exit: LoopExit,
    /// Whether the true successor goes round.
    pub round_if_true: bool,
}

/// An argument of a whole loop's call that advances by a result of each iteration: a header
/// phi `v = phi [init, preheader], [next, latch]` with `next = v - result` or
/// `next = v + result` (`getelementptr i8, ptr v, result` for a pointer), passed unchanged as
/// the arguments `uses` and used in the loop by nothing else but `next` and the header's
/// test.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Advancing {
    pub phi: LLVMValueRef,
    pub next: LLVMValueRef,
    /// The arguments it is passed as, `(entry, argument)`: one, or several when calls of the
    /// loop share it (`pread`'s and `pwrite`'s offset in a copy at the same offsets). Each
    /// advances by the same result, so they stay equal.
    pub uses: Vec<(usize, u8)>,
    /// The entry whose result it advances by.
    pub by: usize,
    /// Whether `next` is `v - result`.
    pub down: bool,
}

/// An argument computed in the header from a carried running total `v`
/// (`Looped::carried[carried]`, the sum of entry `by`'s raw results): `base + v`
/// (`getelementptr i8` or `add`) or `base - v`, passed as argument `arg` of entry `entry`. It
/// advances by the same results as `v`, down for `base - v`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Derived {
    pub inst: LLVMValueRef,
    pub carried: usize,
    pub base: LLVMValueRef,
    pub kind: Derive,
    pub entry: usize,
    pub arg: u8,
    pub by: usize,
    /// For a 32-bit total (`int` counts): the extension to 64 bits, of the total before
    /// `getelementptr`, of `base - v` or `v + base` after (sext, or zext of a value known
    /// non-negative).
    pub widen: Option<Cast>,
}

/// How a derived argument is computed from the total.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Derive {
    /// `getelementptr i8, ptr base, i64 v`.
    Gep,
    /// `add v, base`.
    Add,
    /// `sub base, v`.
    SubFrom,
}

/// The argument a loop's test is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TestedArg {
    /// `Looped::advancing[i]`.
    Advancing(usize),
    /// `Looped::derived[i]`.
    Derived(usize),
}

/// How a loop whose arguments advance is tested. Either the loop is tested at its top: the
/// header, before the first call's block (`Looped::header`), holds only phis and
/// `br (icmp v, 0), ...` on an advancing argument; or it is rotated: the header begins with
/// the first call, and a latch after the last call's stop predicate may test an advancing
/// argument's next value, leaving by `until_exit`. The batch ends where the test would
/// leave the loop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tested {
    /// The loop's header (top) or the first call's block (rotated).
    pub block: LLVMBasicBlockRef,
    /// The tested argument and when it leaves; none for a rotated loop that goes round
    /// untested.
    pub until: Option<(TestedArg, Until)>,
    pub rotated: bool,
    /// The latch's way out (rotated loops with a test only).
    pub until_exit: Option<LoopExit>,
    /// The latch's test (an `icmp` on next values and values defined before the loop, or an
    /// `and`/`or` of such, `legality::conjunction`) and whether the loop goes round when it
    /// is true (rotated loops with a test only).
    pub latch_test: Option<(LLVMValueRef, bool)>,
    /// A store of a constant to `errno` on the way round (rotated loops), which the lowering
    /// replays once after a batch that completed an iteration (`legality::reentry`).
    pub errno_reset: Option<LLVMValueRef>,
    /// The blocks of the loop the batch never runs, entered only from a stop that goes back
    /// into the loop (rotated loops); the lowering enters them in the original code.
    pub reentry: Vec<LLVMBasicBlockRef>,
    /// A loop whose test is on a counter (`for (i = 0; i < n; i++)`), alone or as one of the
    /// tests the loop's condition combines (`legality::conjunction`, beside `until`, `bounded`
    /// or `clamped`): the batch's bound is the iterations left until the test leaves.
    pub counted: Option<Counted>,
    /// Counts clamped to a constant (`read(fd, buf, min(left, B))`): the batch passes the
    /// constant, for at most the iterations in which the clamp gives it.
    pub clamped: Vec<Clamped>,
    /// A total the loop's test bounds (`while (total < limit)`), whose call moves at most a
    /// constant count: the batch runs at most the iterations the distance leaves room for.
    pub bounded: Vec<Bounded>,
    /// Values computed in the loop from the calls' results and the header's phis alone (a
    /// stop's test that the code after the loop tests again), used after it: the lowering
    /// computes each again at the ways out from the values of the iteration that left.
    pub recomputed: Vec<LLVMValueRef>,
}

/// A running total `v = Looped::carried[carried]` that goes up by the result of a transfer
/// whose count is the constant `cap` (so by at most `cap` in each iteration), and the loop's
/// test `v < limit` (`limit` defined before the loop; signed when `signed`). Where a batch
/// begins the test held, so `limit - v0` is the exact distance when it is at least `cap`
/// (compared signed when `signed`): the first `(limit - v0) / cap` iterations each start
/// below the limit, and the test goes on after every one of them but the last, after which
/// the lowering asks it. From a distance below `cap` the original code runs the iteration.
///
/// With `down`, the bytes left: `v` goes down by the result (`left -= n`) and the test is
/// `v > limit` (`while (left > 0)`), the distance `v0 - limit`, counted the same way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bounded {
    pub carried: usize,
    pub cap: u64,
    pub signed: bool,
    pub limit: LLVMValueRef,
    pub down: bool,
}

/// An argument `min(v, cap)` (`llvm.umin` or `llvm.smin` of 64 bits, or of 32 bits extended
/// to 64 for an `int` total) passed as the count
/// of a transfer (`read`, `write`, `sendfile`...) whose result `v` goes down by:
/// `v = Looped::carried[carried]`, `next = v - result` (`left -= n`). From `v0 >= cap`
/// (signed when `signed`) the first `v0 / cap` iterations each start with `v >= cap`, as each
/// transfer moves at most `cap`: in all of them the argument is `cap`, and a test of the
/// loop on `v` that holds for every value from `cap` on (`Clamped::test_holds`) goes on.
/// The batch passes `cap` and runs at most that many iterations; from `v0 < cap` the
/// original code runs the iteration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Clamped {
    /// The `llvm.umin`/`llvm.smin` call.
    pub inst: LLVMValueRef,
    pub carried: usize,
    pub cap: u64,
    /// Whether `v`'s values are compared as signed (an `smin`, or a signed test of the loop
    /// on `v`): the batch then needs `v0 >= cap` signed, which keeps every value it starts
    /// an iteration with in `cap ..= i64::MAX`.
    pub signed: bool,
    /// For an `int` total (`v` of 32 bits, `next = v - trunc(result)`): the 32-bit `min`,
    /// which `inst` extends to 64 bits.
    pub part: Option<LLVMValueRef>,
    /// For a total that goes up towards a limit `S` defined before the loop
    /// (`min(S - v, B)`, `v` going up by the call's result): `S` and the `sub`. The count left
    /// is then `S - v`, which the batch needs at least `cap` (signed when `signed`) at its
    /// start, as it needs `v` itself otherwise.
    pub remaining: Option<(LLVMValueRef, LLVMValueRef)>,
}

impl Clamped {
    /// Whether `v pred k` (integers of `width` bits, `k` as its bits) holds for every `v`
    /// from `cap` to the last value of the range (`2^(width-1) - 1` when `signed`, else
    /// `2^width - 1`; `1 <= cap <=` that value): a test that goes on above a bound below
    /// `cap`, or while `v` differs from a value outside the range.
    pub fn test_holds(pred: LLVMIntPredicate, k: u64, cap: u64, signed: bool, width: u32) -> bool {
        use LLVMIntPredicate::*;
        let mask = u64::MAX >> (64 - width);
        let k = k & mask;
        let last = if signed { mask >> 1 } else { mask };
        if cap == 0 || cap > last {
            return false;
        }
        // `k` as a signed value of `width` bits.
        let k_signed = ((k << (64 - width)) as i64) >> (64 - width);
        match pred {
            LLVMIntNE => k < cap || k > last,
            LLVMIntUGT => k < cap,
            LLVMIntUGE => k <= cap,
            // Values from cap to 2^(width-1) - 1 are the same signed and unsigned.
            LLVMIntSGT => signed && k_signed < cap as i64,
            LLVMIntSGE => signed && k_signed <= cap as i64,
            _ => false,
        }
    }
}

/// A loop's test on a counter (`Looped::carried[carried]`, a step of 1 up or down) against
/// `limit`, defined before the loop: the header's test on the counter (top) or the latch's
/// on its next value (rotated). Either way the loop goes on after `j` iterations from a
/// counter value `c` while `round(c + j * step)` holds (`round`: the test's predicate under
/// which it goes on), so from `c` it runs the first `j >= 1` iterations for which `round`
/// fails (`legality::counted`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Counted {
    pub carried: usize,
    pub limit: LLVMValueRef,
    /// Whether the counter goes up by 1 (else down by 1).
    pub up: bool,
    /// The test (an `icmp` of the counter's value or next value and `limit`) and whether
    /// the loop goes on when it is true.
    pub test: LLVMValueRef,
    pub goes_on: bool,
    pub end: CountEnd,
    /// Whether the test compares the counter zero-extended to the limit's wider type (going
    /// up, while below, at most or other than it): the bound then counts towards the limit
    /// clamped to the counter type's last value.
    pub widened: bool,
    /// A rotated latch that tests the counter's value at the iteration's start, not its next
    /// value (clang's `count > 1` for `count-- > 0`): after `j` iterations it asks
    /// `round(c + (j - 1) * step)`, which is the next-value test from `c - step`.
    pub tests_start: bool,
}

/// Where a counter's test leaves the loop, from a value `c` in its direction: `dist` is
/// `limit - c` going up, `c - limit` going down, in the counter's width.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CountEnd {
    /// `round` is `!=`: the loop leaves at `limit`, after `dist` iterations (`2^width` when
    /// `dist` is 0).
    Reaches,
    /// `round` is `<` going up or `>` going down: after `dist` iterations when `round` holds
    /// after the first, else after one.
    Passes,
    /// `round` is `<=` going up or `>=` going down: after `dist + 1` iterations when `round`
    /// holds after the first, else after one.
    PassesIncluding,
}

/// When the header's test leaves the loop (`struct mc_advance` until bits).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Until {
    /// `v == 0`.
    Zero,
    /// `v <= 0` (signed).
    NonPos,
}

impl CountEnd {
    /// The iterations a batch may run from a counter's value `c` towards `limit` (both in
    /// `width` bits, `limit` already clamped for a zero-extended counter), given whether the
    /// loop's test goes on at the counter after one iteration (`round_after_one`): the count
    /// `lower::advance` computes in IR before each batch, before the bound of `1 << 62`.
    /// Between 1 and `2^width`.
    pub fn iterations(
        self,
        up: bool,
        width: u32,
        c: u64,
        limit: u64,
        round_after_one: bool,
    ) -> u128 {
        let modulus = 1u128 << width;
        let mask = modulus - 1;
        let (c, limit) = (u128::from(c) & mask, u128::from(limit) & mask);
        let dist = if up {
            (limit + modulus - c) & mask
        } else {
            (c + modulus - limit) & mask
        };
        let rem = match self {
            CountEnd::Reaches => dist,
            CountEnd::Passes if round_after_one => dist,
            CountEnd::PassesIncluding if round_after_one => (dist + 1) & mask,
            CountEnd::Passes | CountEnd::PassesIncluding => 1,
        };
        if rem == 0 {
            modulus
        } else {
            rem
        }
    }
}

/// A value a whole loop carries from one iteration to the next, which the lowering rebuilds at
/// each exit from the iterations the batch completed: a header phi
/// `v = phi [init, preheader], [next, latch]` with `next = v + step` (or `v - step`), used in
/// the loop by nothing but `next`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Carried {
    /// The header's phi (`v`), an integer of at most 64 bits.
    pub phi: LLVMValueRef,
    /// `v + step` or `v - step`, the phi's value from the latch.
    pub next: LLVMValueRef,
    /// Whether `next` is `v - step`.
    pub minus: bool,
    pub step: Step,
}

/// What a carried value changes by in each iteration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// A value defined before the loop (a constant: a counter): after `k` completed
    /// iterations the phi is `init + k * step`.
    Invariant(LLVMValueRef),
    /// The result of entry `entry` through `casts` (trunc, sext, zext, in order, each with the
    /// type it gives): a running total. After completed iterations the phi is `init` plus the
    /// sum of the entry's raw results (`MC_BATCH_SUMS`) truncated to its width, which legality
    /// ensures equals the sum of the cast results.
    Result {
        entry: usize,
        casts: Vec<(Cast, LLVMTypeRef)>,
    },
    /// A value that settles after one iteration, in a loop whose stops resume it: the next
    /// value is `settle(v, x)` where `x` is the same in every iteration a batch completes (a
    /// result its stop pins, `value`, or a value set before the loop), and `settle` is
    /// idempotent (`last = n`, `if (n < min) min = n`): after `k >= 1` completed iterations
    /// the phi is `settle(init, value)`. `entry` is the call whose own result `x` is, for the
    /// iteration that stopped (its result need not be the pinned one).
    Settled {
        settle: Settle,
        value: LLVMValueRef,
        entry: Option<usize>,
    },
}

/// How a [`Step::Settled`] value takes its `x`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Settle {
    /// `v = x`.
    Assign,
    /// `v = smin(v, x)`, `smax`, `umin`, `umax`.
    SMin,
    SMax,
    UMin,
    UMax,
}

/// An integer cast on the way from a call's result to a running total.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cast {
    Trunc,
    SExt,
    ZExt,
    /// `smax(r, 0)` (`if (w > 0) total += w`): the result itself in every iteration a batch
    /// completes (legality requires its entry to stop on every error), 0 for a failed call
    /// in the iteration that stopped.
    Clip,
}

/// Whether the memory a looped batch's calls write is dead after the loop
/// (`legality::dead_buffers`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Buffers {
    /// Every buffer a call writes is used by nothing but the loop's own calls: the batch may
    /// carry `MC_BATCH_DEAD_BUFFERS`.
    Dead,
    /// Dead as [`Buffers::Dead`] says, except after a stop at a call past the first: the
    /// original code the stop resumes may read them (a write-all loop finishing a short
    /// write from the buffer). The batch carries `MC_BATCH_DEAD_BUFFERS |
    /// MC_BATCH_LIVE_AT_STOP`; the reason names the first such way.
    LiveAtStop(String),
    /// Why the contents of a buffer may matter after the loop.
    Live(String),
}

/// A multi-call ready for lowering.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Plan {
    Straight(Straight),
    /// Boxed: a looped plan carries its loop's blocks, exits and values.
    Looped(Box<Looped>),
}

impl Plan {
    /// The entries, whatever the kind.
    pub fn entries(&self) -> &[Entry] {
        match self {
            Plan::Straight(s) => &s.entries,
            Plan::Looped(l) => &l.entries,
        }
    }
}
