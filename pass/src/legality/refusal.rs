//! Why a chain cannot be a multi-call: the condition it breaks, a typed reason naming the IR
//! values involved, and the instruction that breaks it.
//!
//! A reason holds values, not text. The text of a remark is built by [`Refusal::render`] only
//! for a refusal that is reported, and only before lowering changes the IR (block and value
//! names such as `%12` are LLVM's slot numbers of the unchanged function).

use std::fmt;

use llvm_sys::prelude::{LLVMBasicBlockRef, LLVMValueRef};
use multicall_abi::MC_MAX_ENTRIES;

use crate::ir;
use crate::sites::Site;

/// The conditions of the paper's section 3.2.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Condition {
    Dominance,
    Safety,
    Convexity,
    ArgumentSafety,
    Linearity,
    /// What a whole loop must be to run as one looped batch (section 3.4).
    WholeLoop,
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Condition::Dominance => "dominance",
            Condition::Safety => "safety",
            Condition::Convexity => "convexity",
            Condition::ArgumentSafety => "argument safety",
            Condition::Linearity => "linearity",
            Condition::WholeLoop => "whole-loop legality",
        })
    }
}

/// What makes an instruction between two calls unsafe to run after both (condition 2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Unsafe {
    InlineAsm,
    Call,
    Lifetime,
    Volatile,
    SideEffects,
    MayTrap,
}

/// Why a chain is refused. Site arguments are indices into the scan's sites; `a` and `b` are
/// the two consecutive calls whose gap breaks the condition.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Reason {
    // Dominance.
    OtherFunction {
        a: usize,
        b: usize,
    },
    NotDominating {
        a: usize,
        b: usize,
    },
    // Safety.
    NotLowerable {
        site: usize,
    },
    Unsafe {
        inst: LLVMValueRef,
        what: Unsafe,
        a: usize,
        b: usize,
    },
    ClobberedLoad {
        load: LLVMValueRef,
        by: usize,
    },
    StoreMayFault {
        store: LLVMValueRef,
        a: usize,
        b: usize,
    },
    StoreSeen {
        store: LLVMValueRef,
        by: usize,
    },
    /// A store before `by` to memory that `reader`, a function that may run at any time (a
    /// signal handler, a thread, or what they call), reads or writes.
    StoreSeenAsync {
        store: LLVMValueRef,
        by: usize,
        reader: LLVMValueRef,
    },
    /// A store before `by` to memory that may be read after a `longjmp` out of the batch
    /// (a signal handler's) back to the `setjmp` that `jumper` calls.
    StoreSkippedByJump {
        store: LLVMValueRef,
        by: usize,
        jumper: LLVMValueRef,
    },
    LoadWrittenAsync {
        load: LLVMValueRef,
        by: usize,
        writer: LLVMValueRef,
    },
    SharedLoad {
        load: LLVMValueRef,
        by: usize,
    },
    SigactionNotFirst {
        site: usize,
    },
    // Convexity.
    BothWays {
        t: LLVMBasicBlockRef,
        f: LLVMBasicBlockRef,
        b: usize,
    },
    ExitRejoins {
        off: LLVMBasicBlockRef,
        join: LLVMBasicBlockRef,
        b: usize,
    },
    ExitReachesCall {
        off: LLVMBasicBlockRef,
        b: usize,
    },
    ExitReachesLater {
        off: LLVMBasicBlockRef,
        later: usize,
    },
    // Argument safety.
    RefWithoutStop {
        site: usize,
        k: usize,
        earlier: usize,
    },
    LateArgument {
        site: usize,
        k: usize,
        value: LLVMValueRef,
        first: usize,
    },
    // Linearity.
    TooManyEntries,
    Malformed,
    SecondBranch {
        a: usize,
        b: usize,
    },
    NotStopPredicate {
        cond: LLVMValueRef,
        a: usize,
        b: usize,
    },
    NotTwoWay {
        inst: LLVMValueRef,
        a: usize,
        b: usize,
    },
    Loops,
    Join {
        block: LLVMBasicBlockRef,
        preds: usize,
        a: usize,
        b: usize,
    },
    NoStraightPath {
        a: usize,
        b: usize,
    },
    NotAdjacent {
        a: usize,
        b: usize,
    },
    Branching {
        member: usize,
        chain: Vec<usize>,
        a: usize,
        b: usize,
    },
    // Whole loop.
    NotALoop {
        site: usize,
    },
    NotOneEntry {
        entries: usize,
    },
    LoopCarried {
        value: LLVMValueRef,
        why: String,
    },
    VariantArgument {
        site: usize,
        k: usize,
        value: LLVMValueRef,
    },
    HeaderCode {
        inst: LLVMValueRef,
        first: usize,
    },
    NoStop {
        site: usize,
    },
    /// A test of the site's result between the calls comes back to the path, and the site
    /// cannot stop on every result but its length.
    NoLengthStop {
        site: usize,
    },
    ExitReentersLoop {
        off: LLVMBasicBlockRef,
    },
    LoopLoad {
        load: LLVMValueRef,
    },
    UsedAfterLoop {
        value: LLVMValueRef,
    },
    Advancing {
        value: LLVMValueRef,
        why: String,
    },
    /// A count `min(total, B)` that a batch cannot pass as `B` (`legality::clamp`).
    ClampedCount {
        value: LLVMValueRef,
        why: String,
    },
    HeaderTest {
        test: LLVMValueRef,
    },
    /// The loop's test compares a counter with a bound, but not in a way a batch's bound
    /// can express (`legality::counted`).
    CounterTest {
        test: LLVMValueRef,
        why: String,
    },
    ResultTestedLate {
        test: LLVMValueRef,
        phi: LLVMValueRef,
        site: usize,
    },
    WayRound {
        inst: LLVMValueRef,
    },
    LoopGapEffect {
        inst: LLVMValueRef,
    },
    /// A guard's load (`conditions::Guard`) that a call of the chain up to it may write, or
    /// that may read errno.
    GuardLoadWritten {
        load: LLVMValueRef,
        by: usize,
        errno: bool,
    },
    /// A guard's load (`conditions::Guard`) that may fault before the chain's first call.
    GuardLoadMayFault {
        load: LLVMValueRef,
        first: usize,
    },
    /// A store between the calls that may write what a guard's load reads
    /// (`conditions::Guard`), which the batch reads before its first call.
    GuardStore {
        store: LLVMValueRef,
        load: LLVMValueRef,
    },
    /// A guard between two calls (`conditions::Guard`) whose condition is computed in the
    /// loop.
    GuardInLoop {
        branch: LLVMValueRef,
        cond: LLVMValueRef,
    },
    SeveralExits {
        site: usize,
        second: LLVMValueRef,
    },
    StopTestUnknown {
        site: usize,
        test: LLVMValueRef,
    },
    ResumeUnknownWay {
        branch: LLVMValueRef,
        site: usize,
        stop: crate::plan::Stop,
    },
    ResumeLeaves {
        inst: LLVMValueRef,
        site: usize,
    },
    PeriodNotCounter {
        branch: LLVMValueRef,
        value: LLVMValueRef,
    },
    /// A comparison on the way round that is not a running total of a transfer's results
    /// against a limit the way round leaves alone (`legality::period::reaches`).
    PeriodNotTotal {
        branch: LLVMValueRef,
        why: &'static str,
    },
    ResumeNeeds {
        value: LLVMValueRef,
        site: usize,
    },
    /// The batch begins at the first call, after the header's tests (`resume.rs`): a value
    /// of the header is used where a stop resumes the loop, or its code is more than the
    /// batch may skip.
    HeaderTested {
        inst: LLVMValueRef,
        first: usize,
        why: &'static str,
    },
}

impl Reason {
    pub fn condition(&self) -> Condition {
        use Reason::*;
        match self {
            OtherFunction { .. } | NotDominating { .. } => Condition::Dominance,
            NotLowerable { .. }
            | Unsafe { .. }
            | ClobberedLoad { .. }
            | StoreMayFault { .. }
            | StoreSeen { .. }
            | GuardStore { .. }
            | GuardLoadWritten { .. }
            | GuardLoadMayFault { .. }
            | StoreSeenAsync { .. }
            | StoreSkippedByJump { .. }
            | LoadWrittenAsync { .. }
            | SharedLoad { .. }
            | SigactionNotFirst { .. } => Condition::Safety,
            BothWays { .. }
            | ExitRejoins { .. }
            | ExitReachesCall { .. }
            | ExitReachesLater { .. } => Condition::Convexity,
            RefWithoutStop { .. } | LateArgument { .. } => Condition::ArgumentSafety,
            TooManyEntries
            | Malformed
            | SecondBranch { .. }
            | NotStopPredicate { .. }
            | NotTwoWay { .. }
            | Loops
            | Join { .. }
            | NoStraightPath { .. }
            | NotAdjacent { .. }
            | Branching { .. } => Condition::Linearity,
            NotALoop { .. }
            | NotOneEntry { .. }
            | LoopCarried { .. }
            | VariantArgument { .. }
            | HeaderCode { .. }
            | NoStop { .. }
            | NoLengthStop { .. }
            | ExitReentersLoop { .. }
            | LoopLoad { .. }
            | UsedAfterLoop { .. }
            | Advancing { .. }
            | ClampedCount { .. }
            | HeaderTest { .. }
            | CounterTest { .. }
            | ResultTestedLate { .. }
            | WayRound { .. }
            | LoopGapEffect { .. }
            | GuardInLoop { .. }
            | SeveralExits { .. }
            | StopTestUnknown { .. }
            | ResumeUnknownWay { .. }
            | ResumeLeaves { .. }
            | PeriodNotCounter { .. }
            | PeriodNotTotal { .. }
            | ResumeNeeds { .. }
            | HeaderTested { .. } => Condition::WholeLoop,
        }
    }
}

/// A refusal: the reason and the instruction a remark points at.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Refusal {
    pub at: LLVMValueRef,
    pub reason: Reason,
}

impl Refusal {
    pub fn new(at: LLVMValueRef, reason: Reason) -> Refusal {
        Refusal { at, reason }
    }

    pub fn condition(&self) -> Condition {
        self.reason.condition()
    }

    /// Remark name: "Dominance", "ArgumentSafety", ...
    pub fn remark_name(&self) -> &'static str {
        match self.condition() {
            Condition::Dominance => "Dominance",
            Condition::Safety => "Safety",
            Condition::Convexity => "Convexity",
            Condition::ArgumentSafety => "ArgumentSafety",
            Condition::Linearity => "Linearity",
            Condition::WholeLoop => "WholeLoop",
        }
    }

    /// The reason as a remark says it. Prints IR (slot numbers of the whole function), so it
    /// is meant for refusals that are reported, on IR no lowering has changed yet.
    pub fn render(&self, sites: &[Site]) -> String {
        use Reason::*;
        let label = |s: usize| sites[s].label();
        let block = |b: LLVMBasicBlockRef| ir::block_name(b);
        match &self.reason {
            OtherFunction { a, b } => format!(
                "{} is in function '{}', {} in '{}'",
                label(*a),
                sites[*a].function_name,
                label(*b),
                sites[*b].function_name
            ),
            NotDominating { a, b } => format!(
                "{} does not dominate {}: {} can run without {} before it",
                label(*a),
                label(*b),
                sites[*b].callee,
                sites[*a].callee
            ),
            NotLowerable { site } => format!(
                "{} cannot run as a raw system call in a multi-call: {}",
                label(*site),
                sites[*site].not_lowerable.as_deref().unwrap_or_default()
            ),
            Unsafe { inst, what, a, b } => match sites.iter().position(|s| s.call == *inst) {
                // A system call of the program, not user code: the gap holds a third call.
                Some(other) if matches!(what, self::Unsafe::Call) => format!(
                    "{} runs between {} and {}: the calls of a hot edge follow each other in a multi-call, with no other system call between them",
                    label(other),
                    label(*a),
                    label(*b)
                ),
                _ => format!(
                    "'{}' between {} and {} {}",
                    ir::describe(*inst),
                    label(*a),
                    label(*b),
                    unsafe_why(*inst, *what)
                ),
            },
            SigactionNotFirst { site } => format!(
                "{} reads its new action when the batch starts, where glibc reads it at the call: it must be the first call of a straight multi-call",
                label(*site)
            ),
            ClobberedLoad { load, by } => format!(
                "'{}' reads memory that the later {} may write; in a multi-call it would see that write",
                ir::describe(*load),
                label(*by)
            ),
            StoreMayFault { store, a, b } => format!(
                "'{}' between {} and {} may fault: its address is not known to be writable there (a local, a global variable within its bounds, or errno), and in a multi-call it runs after the later calls",
                ir::describe(*store),
                label(*a),
                label(*b)
            ),
            StoreSeenAsync { store, by, reader } => format!(
                "'{}' writes memory that '{}', which may run at any time (a signal handler, a thread, or a function they call), reads or writes; in a multi-call it would see the value from before the store until {} and the calls before it return",
                ir::describe(*store),
                ir::name(*reader),
                label(*by)
            ),
            StoreSkippedByJump { store, by, jumper } => format!(
                "'{}' writes memory that may be read after a longjmp back to the setjmp that '{}' calls; in a multi-call it runs only after {} and the calls before it return, and a signal handler's longjmp out of them would skip it",
                ir::describe(*store),
                ir::name(*jumper),
                label(*by)
            ),
            SharedLoad { load, by } => format!(
                "'{}' reads memory that may be shared with another process (not a local or global variable, nor what an allocator returned: a MAP_SHARED mapping changes with its file and with what others store); in a multi-call it would run after {} returns and could see it changed meanwhile",
                ir::describe(*load),
                label(*by)
            ),
            LoadWrittenAsync { load, by, writer } => format!(
                "'{}' reads memory that '{}', which may run at any time (a signal handler, a thread, or a function they call), may write; in a multi-call it would run after {} returns and see what such a function wrote meanwhile",
                ir::describe(*load),
                ir::name(*writer),
                label(*by)
            ),
            StoreSeen { store, by } if super::facts::runs_handlers(&sites[*by]) => format!(
                "'{}' writes memory that a signal handler the later {} may run could read; in a multi-call the handler would run before the store",
                ir::describe(*store),
                label(*by)
            ),
            StoreSeen { store, by } => format!(
                "'{}' writes memory that the later {} may read or write; in a multi-call that call would run before the store",
                ir::describe(*store),
                label(*by)
            ),
            BothWays { t, f, b } => format!(
                "both ways of this branch lead to {}: the code on one of them (block {} or {}) would have to be part of the region",
                label(*b),
                block(*t),
                block(*f)
            ),
            ExitRejoins { off, join, b } => format!(
                "the path leaving at block {} comes back to block {} before {}: that code would have to be part of the region",
                block(*off),
                block(*join),
                label(*b)
            ),
            ExitReachesCall { off, b } => format!(
                "the path leaving at block {} comes back to {}: that code would have to be part of the region",
                block(*off),
                label(*b)
            ),
            ExitReachesLater { off, later } => format!(
                "the path leaving at block {} comes back to {}",
                block(*off),
                label(*later)
            ),
            RefWithoutStop { site, k, earlier } => format!(
                "argument {k} of {} is the result of {}, but an error of that call does not stop the batch (the original passes -1, a result reference the raw error)",
                label(*site),
                label(*earlier)
            ),
            LateArgument { site, k, value, first } => format!(
                "argument {k} of {} ('{}') is computed after {}: it is neither a constant, a value known before the region, nor a result of an earlier call",
                label(*site),
                ir::describe(*value),
                label(*first)
            ),
            TooManyEntries => format!("a multi-call holds at most {MC_MAX_ENTRIES} calls"),
            Malformed => "malformed block after the call".into(),
            SecondBranch { a, b } => format!(
                "a second conditional branch between {} and {}: a multi-call entry has one stop predicate",
                label(*a),
                label(*b)
            ),
            NotStopPredicate { cond, a, b } => format!(
                "branch '{}' between {} and {} is not a stop predicate on the result of '{}' (supported: r < 0, r <= 0, r > 0, r == -1, r != its length argument, r == 0 for a call that returns only 0 or -1)",
                ir::describe(*cond),
                label(*a),
                label(*b),
                sites[*a].callee
            ),
            NotTwoWay { inst, a, b } => format!(
                "'{}' between {} and {} is not a branch that reads as a stop predicate: only a two-way branch, or a switch whose cases all leave the path, is one",
                ir::describe(*inst),
                label(*a),
                label(*b)
            ),
            Loops => "the path between the calls loops".into(),
            Join { block: j, preds, a, b } => format!(
                "block {} between {} and {} is entered from {preds} places (a loop or a join), so the path is not a straight line",
                block(*j),
                label(*a),
                label(*b)
            ),
            NoStraightPath { a, b } => format!(
                "after this branch {} is not reached on a straight line from {}",
                label(*b),
                label(*a)
            ),
            NotAdjacent { a, b } => format!(
                "{} and {} are already in one multi-call, not one right after the other",
                label(*a),
                label(*b)
            ),
            Branching { member, chain, a, b } => format!(
                "{} already belongs to the multi-call {}, which a straight line through {} and {} cannot extend",
                label(*member),
                chain
                    .iter()
                    .map(|&k| sites[k].callee.as_str())
                    .collect::<Vec<_>>()
                    .join(" -> "),
                sites[*a].callee,
                sites[*b].callee
            ),
            NotALoop { site } if on_a_cycle(ir::parent_block(sites[*site].call)) => format!(
                "{} is not at the head of a loop: its block is inside a loop whose iterations begin at another block",
                label(*site)
            ),
            NotALoop { site } => format!(
                "{} is not at the head of a loop: no path comes back to its block",
                label(*site)
            ),
            NotOneEntry { entries } => format!(
                "the loop is entered from {entries} blocks outside it: a looped multi-call replaces one entry"
            ),
            LoopCarried { value, why } => format!(
                "loop-carried value {}: {why}: a looped batch carries only counters and running totals of its calls' results",
                ir::value_name(*value)
            ),
            VariantArgument { site, k, value } => format!(
                "argument {k} of {} ('{}') changes from one iteration to the next: a looped batch runs every iteration with the same arguments",
                label(*site),
                ir::describe(*value)
            ),
            HeaderCode { inst, first } => format!(
                "'{}' runs in the loop's header before {}: the header must begin with the first call",
                ir::describe(*inst),
                label(*first)
            ),
            NoLengthStop { site } => format!(
                "a test of the result of {} between the calls comes back to the path: a batch would have to stop at it on every result but its length, and its length is not known to be one no other stop takes",
                label(*site)
            ),
            NoStop { site } => format!(
                "the result of {} is not tested on the way round the loop: every call of a looped batch must be able to stop it at its own predicate",
                label(*site)
            ),
            ExitReentersLoop { off } => format!(
                "the path leaving at block {} comes back into the loop: a loop's exits must leave it",
                block(*off)
            ),
            LoopLoad { load } => format!(
                "'{}' reads memory in the loop: a looped batch does not run it between iterations",
                ir::describe(*load)
            ),
            UsedAfterLoop { value } => format!(
                "'{}' is computed in the loop and used after it: only the calls' results are handed out at the loop's exits",
                ir::describe(*value)
            ),
            Advancing { value, why } => format!(
                "argument {} changes from one iteration to the next: {why}: a looped batch advances an argument only by a result of the same iteration",
                ir::value_name(*value)
            ),
            ClampedCount { value, why } => format!(
                "the count '{}' is clamped to a constant, but {why}: a looped batch passes the constant while the total it clamps has room for it",
                ir::describe(*value)
            ),
            HeaderTest { test } => format!(
                "the loop's test '{}' does not compare an advancing 64-bit argument with 0, nor a counter with a bound, nor a clamped total with a value below its clamp, nor a total with a limit (`total < limit`, or the bytes left `left > 0` going down, the call's count a constant): a looped batch ends only when an argument reaches 0 or <= 0, after the iterations a counter has left, or after those a clamped or bounded total has room for",
                ir::describe(*test)
            ),
            CounterTest { test, why } => format!(
                "the loop's test '{}' compares a counter with a bound, but {why}: a looped batch's bound must be the iterations the counter has left",
                ir::describe(*test)
            ),
            ResultTestedLate { test, phi, site } => format!(
                "the loop's test '{}' is on {}, the result of {} from the iteration before (its first value comes from before the loop): a looped batch stops an iteration only at a predicate right after its call, not at the top of the next iteration",
                ir::describe(*test),
                ir::value_name(*phi),
                label(*site)
            ),
            LoopGapEffect { inst } => format!(
                "'{}' runs between the calls of a loop: a looped batch runs its iterations without the code between the calls, so a store or a call there is taken in straight multi-calls only",
                ir::describe(*inst)
            ),
            GuardLoadWritten { load, by, errno } => format!(
                "'{}' between the calls, which a test between them makes, reads {}: the batch would read it before that call",
                ir::describe(*load),
                if *errno {
                    format!("errno, which {} sets when it fails", label(*by))
                } else {
                    format!("memory that {} may write", label(*by))
                }
            ),
            GuardLoadMayFault { load, first } => format!(
                "'{}' between the calls, which a test between them makes, may fault before {}, where the batch would make it (its pointer is not known to be valid there)",
                ir::describe(*load),
                label(*first)
            ),
            GuardStore { store, load } => format!(
                "'{}' between the calls may write what '{}' reads, which a test between the calls makes of it: the batch reads it again before its first call",
                ir::describe(*store),
                ir::describe(*load)
            ),
            GuardInLoop { branch, cond } => format!(
                "the branch '{}' between the calls tests '{}', which is computed in the loop: a looped batch takes such a test as it finds it only on a value set before the loop",
                ir::describe(*branch),
                ir::describe(*cond)
            ),
            WayRound { inst } => format!(
                "'{}' runs on the way round the loop after the last call: only integer and address arithmetic, comparisons and the branches of a stop predicate and the loop's test may",
                ir::describe(*inst)
            ),
            SeveralExits { site, second } => format!(
                "the result of {} is tested more than once on the way on ('{}' is another test): a stop that leaves the loop must be one test, whose way out is the one the original takes",
                label(*site),
                ir::describe(*second)
            ),
            StopTestUnknown { site, test } => format!(
                "{} is tested several times on its way out of the loop, and '{}' cannot be evaluated again on the values of an iteration it stopped: only tests (conditional branches, switches) of integer arithmetic, casts and comparisons of the calls' results and the loop's phis can",
                label(*site),
                ir::describe(*test)
            ),
            ResumeUnknownWay { branch, site, stop } => format!(
                "where '{}' goes is not known from the results when {} does not stop the batch (stop: {stop}): the way round must follow from the calls' stop predicates",
                ir::describe(*branch),
                label(*site)
            ),
            PeriodNotCounter { branch, value } => format!(
                "'{}' tests the remainder of {}, which is not a counter of the loop stepping up by 1 (from its value where a batch begins, the iterations until the test goes the other way must be known)",
                ir::describe(*branch),
                ir::value_name(*value)
            ),
            PeriodNotTotal { branch, why } => format!(
                "'{}' compares two values on the way round, which is no running total of a transfer's results or counter against a limit the way round leaves alone: {why}",
                ir::describe(*branch)
            ),
            ResumeLeaves { inst, site } => format!(
                "after {} the way round leaves the loop at '{}' although no call stopped the batch",
                label(*site),
                ir::describe(*inst)
            ),
            HeaderTested { inst, first, why } => format!(
                "the loop's header tests where the way round goes before {}, so the batch begins at that call, but '{}' {why}",
                label(*first),
                ir::describe(*inst)
            ),
            ResumeNeeds { value, site } => format!(
                "'{}' is computed in the loop before {} and used after it: a stop there resumes the original loop right after the call, which gets back only the calls' results and the carried values",
                ir::describe(*value),
                label(*site)
            ),
        }
    }
}

/// Whether some path leaves `start` and comes back to it.
fn on_a_cycle(start: LLVMBasicBlockRef) -> bool {
    let mut seen = indexmap::IndexSet::new();
    let mut stack = ir::successors_of(start);
    while let Some(b) = stack.pop() {
        if b == start {
            return true;
        }
        if seen.insert(b) {
            stack.extend(ir::successors_of(b));
        }
    }
    false
}

fn unsafe_why(inst: LLVMValueRef, what: Unsafe) -> String {
    match what {
        Unsafe::InlineAsm => "is inline assembly".into(),
        Unsafe::Call => {
            let callee = ir::called_function(inst)
                .map(ir::name)
                .unwrap_or_else(|| "an indirect callee".into());
            format!("calls '{callee}': user code cannot run inside a multi-call")
        }
        Unsafe::Lifetime => {
            "is a lifetime marker that code motion could not take out of the region".into()
        }
        Unsafe::Volatile => "is a volatile or atomic access".into(),
        Unsafe::SideEffects => "has side effects".into(),
        Unsafe::MayTrap => "may trap, so it must run before the later calls".into(),
    }
}
