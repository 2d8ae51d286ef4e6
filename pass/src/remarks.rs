//! The pass's optimization remarks (`-pass-remarks*=syscall-cluster`, `-Rpass*`): one
//! constructor per kind of remark, so that the words of each are in one place.

use llvm_sys::prelude::LLVMValueRef;

use crate::legality::Refusal;
use crate::plan::{ArgSource, Buffers, Plan, Step};
use crate::profile_map::{CrossEdge, MatchKind, NodeMatch, UnmatchedEdge};
use crate::shim::RemarkKind;
use crate::sites::Site;

/// What a load moved out of a loop reads (`Remark::hoisted`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum HoistedFrom {
    /// A global variable of the program's own.
    Global,
    /// A local array of the loop's function.
    Array,
    /// A caller's local variable, through a pointer argument.
    Pointer,
}

/// A profile edge between two sites that legality refused.
pub(crate) struct RefusedEdge<'r> {
    pub a: usize,
    pub b: usize,
    pub weight: u64,
    pub refusal: &'r Refusal,
}

/// Which way a path copied for a hot edge takes (`transform::duplicate`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CopiedWay {
    /// The path from the first call to the second, which could also be reached without it.
    Own,
    /// The way from the first call round its loop's header to the second.
    Round,
}

/// One remark, attached to an instruction (or to a function when `at` is `None`).
pub(crate) struct Remark {
    pub kind: RemarkKind,
    /// The remark's name ("Site", "Clustered", "Dominance", ...).
    pub name: &'static str,
    pub function: LLVMValueRef,
    pub at: Option<LLVMValueRef>,
    pub message: String,
}

impl Remark {
    /// A system-call site the scan found.
    pub(crate) fn site(s: &Site) -> Remark {
        let nr =
            s.nr.map(|n| n.to_string())
                .unwrap_or_else(|| "unknown".into());
        let names = if s.trace_names.is_empty() {
            "?".to_string()
        } else {
            s.trace_names.join("/")
        };
        let mut message = format!("system call site {} ({names}, nr {nr})", s.label());
        if let Some(why) = &s.not_lowerable {
            message.push_str(&format!("; not lowerable: {why}"));
        }
        Remark {
            kind: RemarkKind::Analysis,
            name: "Site",
            function: s.function,
            at: Some(s.call),
            message,
        }
    }

    /// Inline assembly that makes a system call.
    pub(crate) fn inline_asm(function: LLVMValueRef, call: LLVMValueRef) -> Remark {
        Remark {
            kind: RemarkKind::Analysis,
            name: "InlineAsm",
            function,
            at: Some(call),
            message: "inline assembly makes a system call: left alone (the pass only clusters calls of libc wrappers and syscall())".into(),
        }
    }

    /// A profile node matched to a site.
    pub(crate) fn profile_match(node: &NodeMatch, s: &Site) -> Remark {
        let how = match node.how {
            MatchKind::DebugLocation => "by debug location",
            MatchKind::TailCalledHelper => {
                "by the debug location where the helper that tail-calls it was inlined"
            }
            MatchKind::DebugLocationFileName => {
                "by debug location, file name only: the profile names another directory"
            }
            _ => "by name",
        };
        Remark {
            kind: RemarkKind::Analysis,
            name: "ProfileMatch",
            function: s.function,
            at: Some(s.call),
            message: format!(
                "profile node {} ({} calls) is {} ({how})",
                node.label,
                node.count,
                s.label()
            ),
        }
    }

    /// A hot edge that matches no call site, an analysis remark (the missed remark for them
    /// all is [`Remark::unmatched_edges`]); `elsewhere` names the functions of its missing
    /// ends that this module does not define (with one end here: the edge runs into another
    /// translation unit).
    /// `through` names the calls of the program's own code (no system-call sites) where the
    /// profile records its missing ends.
    pub(crate) fn unmatched_edge(
        e: &UnmatchedEdge,
        elsewhere: &[String],
        through: &[String],
    ) -> Remark {
        let mut message = format!(
            "hot edge {} -> {} (weight {}) matches no call site here: no site for {}",
            e.from,
            e.to,
            e.weight,
            e.missing.join(", ")
        );
        if !through.is_empty() {
            message.push_str(&format!(
                "; the profile records it at {}: the function called there makes the system call (a library's, or a helper of another translation unit that tail-calls it), and the pass clusters calls of system-call wrappers and syscall() only",
                through.join(" and ")
            ));
        }
        if !elsewhere.is_empty() {
            let names: Vec<String> = elsewhere.iter().map(|f| format!("'{f}'")).collect();
            message.push_str(&format!(
                "; its call site is in {}, which this module does not define: link-time optimisation (syscluster build --lto) brings it in reach",
                names.join(", ")
            ));
        }
        Remark {
            kind: RemarkKind::Analysis,
            name: "UnmatchedEdge",
            function: e.function,
            at: None,
            message,
        }
    }

    /// The module's one missed remark for its hot edges that match no call site: how many,
    /// their weight, the heaviest few, and how many of them link-time optimisation may bring
    /// in reach (`into_other_units`). `edges` is not empty.
    pub(crate) fn unmatched_edges(edges: &[&UnmatchedEdge], into_other_units: usize) -> Remark {
        const HEAVIEST: usize = 3;
        let mut heavy: Vec<&&UnmatchedEdge> = edges.iter().collect();
        heavy.sort_by_key(|e| std::cmp::Reverse(e.weight));
        let weight: u64 = edges
            .iter()
            .fold(0u64, |sum, e| sum.saturating_add(e.weight));
        let names: Vec<String> = heavy
            .iter()
            .take(HEAVIEST)
            .map(|e| format!("{} -> {} ({})", e.from, e.to, e.weight))
            .collect();
        let mut message = format!(
            "{} hot edges (total weight {weight}) match no call site in this module, heaviest {}: their calls run in other translation units, shared libraries, the loader, code built without -g or optnone code (-O0) (-Rpass-analysis=syscall-cluster lists each)",
            edges.len(),
            names.join(", ")
        );
        if into_other_units > 0 {
            message.push_str(&format!(
                "; {into_other_units} of them have a call site in a function of another translation unit: link-time optimisation (syscluster build --lto) brings it in reach"
            ));
        }
        Remark {
            kind: RemarkKind::Missed,
            name: "UnmatchedEdges",
            function: heavy.first().map_or(std::ptr::null_mut(), |e| e.function),
            at: None,
            message,
        }
    }

    /// A call of `helper` in `host` about to be inlined for the hot edge `edge`.
    /// The call `call` of the helper `helper`, in the loop of `first`, now behind the test of
    /// the flag `load` that the helper began with, calling `copy` (the helper past that
    /// test) (`transform/guards.rs`).
    pub(crate) fn guard_split(
        first: &Site,
        call: LLVMValueRef,
        helper: LLVMValueRef,
        (load, second): (LLVMValueRef, Option<LLVMValueRef>),
        copy: LLVMValueRef,
    ) -> Remark {
        let (tests, flags) = match second {
            None => ("test", flag_name(load)),
            Some(second) => (
                "tests",
                format!("{}, then {}", flag_name(load), flag_name(second)),
            ),
        };
        Remark {
            kind: RemarkKind::Passed,
            name: "GuardSplit",
            function: first.function,
            at: Some(call),
            message: format!(
                "made the first {tests} of '{}' (of {flags}) before its call in the loop of {}: the call, to '{}' (the helper past that test), runs only when the helper would have gone past it",
                crate::ir::name(helper),
                first.label(),
                crate::ir::name(copy),
            ),
        }
    }

    /// The call `call` of the helper `helper`, which begins with a flag's test, left as it
    /// is, and why.
    pub(crate) fn guard_not_split(
        first: &Site,
        call: LLVMValueRef,
        helper: LLVMValueRef,
        why: &str,
    ) -> Remark {
        Remark {
            kind: RemarkKind::Missed,
            name: "GuardSplit",
            function: first.function,
            at: Some(call),
            message: format!(
                "did not make the first test of '{}' before its call in the loop of {}: {why}",
                crate::ir::name(helper),
                first.label(),
            ),
        }
    }

    pub(crate) fn inlined(
        host: LLVMValueRef,
        call: LLVMValueRef,
        helper: LLVMValueRef,
        size: usize,
        edge: &CrossEdge,
    ) -> Remark {
        Remark {
            kind: RemarkKind::Passed,
            name: "Inlined",
            function: host,
            at: Some(call),
            message: format!(
                "inlined '{}' ({size} instructions) into '{}' so that the hot edge {} -> {} (weight {}) runs {}",
                crate::ir::name(helper),
                crate::ir::name(host),
                edge.from,
                edge.to,
                edge.weight,
                if edge.loop_in_caller {
                    format!("in the loop of '{}' that repeats it", crate::ir::name(host))
                } else {
                    "in one function".to_string()
                }
            ),
        }
    }

    /// An indirect call made a guarded direct call of `target` (`transform::promote`).
    pub(crate) fn promoted(
        call: LLVMValueRef,
        target: LLVMValueRef,
        global: Option<LLVMValueRef>,
        targets: &[LLVMValueRef],
    ) -> Remark {
        let all: Vec<String> = targets
            .iter()
            .map(|&f| format!("'{}'", crate::ir::name(f)))
            .collect();
        let through = match global {
            Some(g) => format!("the call through '{}'", crate::ir::name(g)),
            None => "the indirect call".to_string(),
        };
        Remark {
            kind: RemarkKind::Passed,
            name: "Promoted",
            function: crate::ir::block_function(crate::ir::parent_block(call)),
            at: Some(call),
            message: format!(
                "{through} calls '{}' directly when the pointer is that function (it may call only {}), so that the hot call it leads to can be inlined",
                crate::ir::name(target),
                all.join(", ")
            ),
        }
    }

    /// An indirect call that `transform::promote` would have made direct, and LLVM refused.
    pub(crate) fn not_promoted(call: LLVMValueRef, target: LLVMValueRef, why: &str) -> Remark {
        Remark {
            kind: RemarkKind::Missed,
            name: "NotPromoted",
            function: crate::ir::block_function(crate::ir::parent_block(call)),
            at: Some(call),
            message: format!(
                "the indirect call was not made a direct call of '{}': {why}",
                crate::ir::name(target)
            ),
        }
    }

    /// A function that makes system calls, left as it is (`sites::Scan::left_alone`): why is
    /// `ir::left_alone`'s answer.
    pub(crate) fn left_alone(
        function: LLVMValueRef,
        call: LLVMValueRef,
        why: crate::ir::LeftAlone,
    ) -> Remark {
        let name = crate::ir::name(function);
        let (remark, message) = match why {
            crate::ir::LeftAlone::OptNone => (
                "OptNone",
                format!(
                    "'{name}' is optnone (built at -O0, or marked so): its system calls are left as \
                     they are (build with -O1 or higher to cluster them)"
                ),
            ),
            crate::ir::LeftAlone::LabelAddress => (
                "LabelAddress",
                format!(
                    "'{name}' takes the address of a label (a computed goto): its control flow is \
                     not all known, so its system calls are left as they are"
                ),
            ),
            crate::ir::LeftAlone::ThreadCancel => (
                "ThreadCancel",
                format!(
                    "this module calls pthread_cancel: a multi-call's calls are no cancellation \
                     points, so a thread cancelled while one runs would run it to its end; \
                     '{name}''s system calls are left as they are"
                ),
            ),
        };
        Remark {
            kind: RemarkKind::Missed,
            name: remark,
            function,
            at: Some(call),
            message,
        }
    }

    /// An invoke of a system call's wrapper made a call (`transform::unwind`).
    pub(crate) fn invoke_to_call(
        function: LLVMValueRef,
        call: LLVMValueRef,
        callee: &str,
        pad: &str,
    ) -> Remark {
        Remark {
            kind: RemarkKind::Passed,
            name: "InvokeToCall",
            function,
            at: Some(call),
            message: format!(
                "made the invoke of '{callee}' a call: a system call's wrapper unwinds only \
                 when its thread is cancelled, which nothing in this module does, so the \
                 landing pad {pad} never runs from it"
            ),
        }
    }

    /// A call the inliner accepted and LLVM's `InlineFunction` then refused.
    pub(crate) fn not_inlined(host: LLVMValueRef, call: LLVMValueRef, why: &str) -> Remark {
        Remark {
            kind: RemarkKind::Missed,
            name: "NotInlined",
            function: host,
            at: Some(call),
            message: why.to_string(),
        }
    }

    /// The path of a hot edge that dominance refused, copied so that it has no other way in
    /// (`transform::duplicate`); with `round`, a way round a merged loop's header.
    pub(crate) fn duplicated(
        sites: &[Site],
        a: usize,
        b: usize,
        weight: u64,
        blocks: u32,
        way: CopiedWay,
    ) -> Remark {
        let (a_at, b_at) = (sites[a].label(), sites[b].label());
        let (a_call, b_call) = (&sites[a].callee, &sites[b].callee);
        let (way, why) = match way {
            CopiedWay::Round => (
                format!("way from {a_at} round the loop's header to {b_at}"),
                format!("is one iteration: the loop of {b_call} is merged with the one around it (one header for both)"),
            ),
            CopiedWay::Own => (
                format!("path from {a_at} to {b_at}"),
                format!("has a path of its own: {b_call} can also be reached without {a_call}"),
            ),
        };
        Remark::copied(
            sites,
            b,
            format!(
                "copied {blocks} block{} on the {} so that the hot edge {} -> {} (weight {weight}) {}",
                if blocks == 1 { "" } else { "s" },
                way,
                a_call,
                b_call,
                why,
            ),
        )
    }

    /// The block of `a`'s call merged with its copy on the loop's way in, so that the loop
    /// begins with the call (`transform::duplicate::run_round`).
    pub(crate) fn twin_merged(sites: &[Site], a: usize, b: usize, weight: u64) -> Remark {
        Remark {
            kind: RemarkKind::Passed,
            name: "TwinMerged",
            function: sites[a].function,
            at: Some(sites[a].call),
            message: format!(
                "merged the copy of the block of {} that the loop's way in runs into that block, so that the loop begins with {} and the hot edge {} -> {} (weight {weight}) is one iteration: the loop of {} inside it is entered from it alone",
                sites[a].label(),
                sites[a].callee,
                sites[a].callee,
                sites[b].callee,
                sites[b].callee,
            ),
        }
    }

    /// Why the block of `a`'s call was not merged with its copy on the loop's way in.
    pub(crate) fn twin_not_merged(sites: &[Site], a: usize, why: &str) -> Remark {
        Remark {
            kind: RemarkKind::Missed,
            name: "TwinNotMerged",
            function: sites[a].function,
            at: Some(sites[a].call),
            message: format!(
                "the block of {} was not merged with its copy on the loop's way in: {why}",
                sites[a].label()
            ),
        }
    }

    /// The merge a loop's way round from `site`'s call shares with a stop's way back into
    /// the loop, copied for the way round (`transform::duplicate::split_merges`).
    pub(crate) fn merge_split(site: &Site, merge: &str, blocks: u32) -> Remark {
        Remark {
            kind: RemarkKind::Passed,
            name: "Duplicated",
            function: site.function,
            at: Some(site.call),
            message: format!(
                "copied block {merge} ({blocks} block{}) for the way round the loop from {}: a stop's way back into the loop joins it there, and the way round now tests the call's result on its own",
                if blocks == 1 { "" } else { "s" },
                site.label()
            ),
        }
    }

    /// A merge of the way round that was not copied.
    pub(crate) fn merge_not_split(site: &Site, merge: &str, why: &str) -> Remark {
        Remark {
            kind: RemarkKind::Missed,
            name: "NotDuplicated",
            function: site.function,
            at: Some(site.call),
            message: format!(
                "block {merge}, where a stop's way back into the loop of {} joins its way round, was not copied: {why}",
                site.label()
            ),
        }
    }

    /// The quiet path past handlers that rejoin it, copied for the hot edges between the
    /// `calls` in order (`transform::duplicate::run_rejoined`).
    pub(crate) fn rejoined(sites: &[Site], calls: &[usize], weight: u64, blocks: u32) -> Remark {
        let (a, b) = (calls[0], calls[calls.len() - 1]);
        let chain: Vec<&str> = calls.iter().map(|&c| sites[c].callee.as_str()).collect();
        let (edges, own, ways) = if calls.len() > 2 {
            ("edges", "are one path of their own", "each way off it")
        } else {
            ("edge", "is a path of its own", "the way off it")
        };
        Remark::copied(
            sites,
            b,
            format!(
                "copied {blocks} block{} on the quiet path from {} to {} so that the hot {edges} {} (weight {weight}) {own}: {ways} that came back to it (an error handler joining the common code) now leaves for good, into the original blocks",
                if blocks == 1 { "" } else { "s" },
                sites[a].label(),
                sites[b].label(),
                chain.join(" -> "),
            ),
        )
    }

    /// A `Duplicated` remark at `b`'s call.
    fn copied(sites: &[Site], b: usize, message: String) -> Remark {
        Remark {
            kind: RemarkKind::Passed,
            name: "Duplicated",
            function: sites[b].function,
            at: Some(sites[b].call),
            message,
        }
    }

    /// A hot edge that dominance refused and whose path was not copied.
    pub(crate) fn not_duplicated(
        sites: &[Site],
        a: usize,
        b: usize,
        weight: u64,
        why: &str,
    ) -> Remark {
        Remark {
            kind: RemarkKind::Missed,
            name: "NotDuplicated",
            function: sites[b].function,
            at: Some(sites[b].call),
            message: format!(
                "the path from {} to {} (hot edge weight {weight}) was not copied: {why}",
                sites[a].label(),
                sites[b].label()
            ),
        }
    }

    /// `load` moved out of the loop of `first` (`transform::hoist`): it reads `from`, which
    /// nothing writes while the loop runs.
    pub(crate) fn hoisted(load: LLVMValueRef, first: &Site, from: HoistedFrom) -> Remark {
        let why = match from {
            HoistedFrom::Global => "the global variable it reads is written by no call or store of the loop, so it reads the same value in every iteration",
            HoistedFrom::Array => "the array it reads is written by no call or store of the loop, so it reads the same value in every iteration",
            HoistedFrom::Pointer => "it reads a caller's local variable or fresh memory through a pointer the function was given, whose bytes are always there and written by no call or store of the loop, and whose address goes nowhere else",
        };
        Remark {
            kind: RemarkKind::Passed,
            name: "Hoisted",
            function: first.function,
            at: Some(load),
            message: format!(
                "moved '{}' out of the loop of {}: {why}",
                crate::ir::describe(load),
                first.label()
            ),
        }
    }

    /// A phi of a loop's header that is the value `value` set before the loop in every
    /// iteration: its reload on the way round reads what was stored (`transform::hoist`).
    pub(crate) fn reload_folded(phi: LLVMValueRef, value: LLVMValueRef, first: &Site) -> Remark {
        Remark {
            kind: RemarkKind::Passed,
            name: "Hoisted",
            function: first.function,
            at: Some(value).filter(|&v| crate::ir::is_instruction(v)),
            message: format!(
                "'{}' in the loop of {} is '{}' in every iteration: the load on the way round reads the memory that value was stored to before the loop, which nothing in the loop writes",
                crate::ir::describe(phi),
                first.label(),
                crate::ir::describe(value)
            ),
        }
    }

    /// `value`, computed in the loop of `first` only from values set before it, moved out of
    /// the loop (`transform::hoist`).
    pub(crate) fn hoisted_value(value: LLVMValueRef, first: &Site) -> Remark {
        Remark {
            kind: RemarkKind::Passed,
            name: "Hoisted",
            function: first.function,
            at: Some(value),
            message: format!(
                "moved '{}' out of the loop of {}: it is computed only from values set before the loop, by work that reads no memory and cannot trap",
                crate::ir::describe(value),
                first.label()
            ),
        }
    }

    /// The jumps of the function of `first` threaded (LLVM's JumpThreading) because its loop
    /// holds `block`, which chooses where to go by a phi of constants.
    pub(crate) fn threaded(block: &str, constants: bool, first: &Site) -> Remark {
        let by = if constants {
            "a phi of constants (which way the loop's body came, as clang -O1 joins a loop's exits)"
        } else {
            "a condition a block before it already branched on (clang -O1 tests it again)"
        };
        Remark {
            kind: RemarkKind::Passed,
            name: "Threaded",
            function: first.function,
            at: Some(first.call),
            message: format!(
                "threaded the jumps of the function of {}: block {block} of its loop chooses where to go by {by}, and now each way goes where it leads (LLVM's JumpThreading)",
                first.label()
            ),
        }
    }

    /// A cast of a call's result that code after the loop of `first` used, recomputed there.
    pub(crate) fn recomputed(cast: &str, first: &Site) -> Remark {
        Remark {
            kind: RemarkKind::Passed,
            name: "Recomputed",
            function: first.function,
            at: Some(first.call),
            message: format!(
                "recomputed '{cast}' after the loop of {} where it is used there: a cast of a call's result, which the loop hands out",
                first.label()
            ),
        }
    }

    /// A global variable kept in a register across the loop of `first`.
    /// As [`Remark::kept_in_register`], with the calls (`calls`, none in every iteration)
    /// around which the variable goes back to memory.
    pub(crate) fn kept_in_register_but(what: &str, first: &Site, calls: &str) -> Remark {
        Remark {
            kind: RemarkKind::Passed,
            name: "KeptInRegister",
            function: first.function,
            at: Some(first.call),
            message: format!(
                "kept {what} in a register across the loop of {}: loaded once before the loop and stored at each of its exits, and stored before and loaded after {calls}, which may read or write it (not in every iteration); no other code can read or write it while the loop runs",
                first.label()
            ),
        }
    }

    pub(crate) fn kept_in_register(what: &str, first: &Site) -> Remark {
        Remark {
            kind: RemarkKind::Passed,
            name: "KeptInRegister",
            function: first.function,
            at: Some(first.call),
            message: format!(
                "kept {what} in a register across the loop of {}: loaded once before the loop and stored at each of its exits; no other code can read or write it while the loop runs",
                first.label()
            ),
        }
    }

    /// The accesses through a choice of two global variables (`what`) in the loop of `first`,
    /// split into accesses of each (`transform::chosen_global`).
    pub(crate) fn split_choice(what: &str, first: &Site) -> Remark {
        Remark {
            kind: RemarkKind::Passed,
            name: "SplitChoice",
            function: first.function,
            at: Some(first.call),
            message: format!(
                "split the accesses through a choice of {what} in the loop of {} into accesses of each, as the source wrote them, so that each may be kept in a register",
                first.label()
            ),
        }
    }

    /// A global variable the loop of `first` writes, not kept in a register, and why.
    pub(crate) fn not_kept_in_register(
        what: &str,
        first: &Site,
        why: &dyn std::fmt::Display,
    ) -> Remark {
        Remark {
            kind: RemarkKind::Missed,
            name: "KeepInRegister",
            function: first.function,
            at: Some(first.call),
            message: format!(
                "did not keep {what} in a register across the loop of {}: {why}",
                first.label()
            ),
        }
    }

    /// A loop whose start moved to `a`, so that the hot edge `a -> b` across its back edge is
    /// one iteration.
    pub(crate) fn reheadered(sites: &[Site], a: usize, b: usize) -> Remark {
        Remark {
            kind: RemarkKind::Passed,
            name: "Reheadered",
            function: sites[a].function,
            at: Some(sites[a].call),
            message: format!(
                "moved the start of the loop to {}: the part of the loop before it, with {}, runs once before the loop and at the end of each iteration, so that {} -> {} is one iteration",
                sites[a].label(),
                sites[b].label(),
                sites[a].callee,
                sites[b].callee
            ),
        }
    }

    /// A loop whose start moved to the call `first`, past a test of a flag at its top whose
    /// one way runs code of its own (`transform/reheader.rs`): `last ->
    /// first` is then one iteration with the test at its end.
    pub(crate) fn reheadered_for_flag(
        sites: &[Site],
        first: usize,
        last: usize,
        flags: usize,
    ) -> Remark {
        let (tests, reads) = match flags {
            1 => ("the test of a flag".to_string(), "the flag"),
            n => (format!("the tests of {n} flags"), "them"),
        };
        Remark {
            kind: RemarkKind::Passed,
            name: "Reheadered",
            function: sites[first].function,
            at: Some(sites[first].call),
            message: format!(
                "moved the start of the loop to {}: {tests} at the loop's top, and the code it guards, run once before the loop and at the end of each iteration, after {}, where a looped batch reads {reads}",
                sites[first].label(),
                sites[last].label(),
            ),
        }
    }

    /// A loop whose start moved to its first call `first` so that the test of `last`'s
    /// result, at the top of the loop, follows `last` in the same iteration.
    pub(crate) fn reheadered_for_test(sites: &[Site], first: usize, last: usize) -> Remark {
        Remark {
            kind: RemarkKind::Passed,
            name: "Reheadered",
            function: sites[first].function,
            at: Some(sites[first].call),
            message: format!(
                "moved the start of the loop to {}: the loop's test of the result of {}, at its top, now follows that call in the same iteration (the part of the loop before {} runs once before the loop and at the end of each iteration)",
                sites[first].label(),
                sites[last].label(),
                sites[first].callee,
            ),
        }
    }

    /// A loop whose test `result == argument 2` of `site` now follows the test `second`
    /// of the same result, on the count's next value (`transform/finished.rs`).
    pub(crate) fn finished(sites: &[Site], site: usize, second: LLVMValueRef) -> Remark {
        Remark {
            kind: RemarkKind::Passed,
            name: "Finished",
            function: sites[site].function,
            at: Some(sites[site].call),
            message: format!(
                "tested whether {} moved all it was asked for after its test '{}', as its count minus its result being 0 (the count's next value), so that the loop ends as a looped multi-call's advancing count does",
                sites[site].label(),
                crate::ir::describe(second),
            ),
        }
    }

    /// A loop on a narrow count `count` whose call's argument 2 `arg` (the count widened,
    /// or clamped to `clamp` and widened) now goes down by the result
    /// (`transform/wide_count.rs`).
    pub(crate) fn count_widened(
        sites: &[Site],
        site: usize,
        arg: LLVMValueRef,
        count: LLVMValueRef,
        bound: Option<LLVMValueRef>,
        signed: bool,
    ) -> Remark {
        let (arg, count) = (crate::ir::value_name(arg), crate::ir::value_name(count));
        // The bound as the unsigned value of its width.
        let bound = bound.and_then(|c| {
            let width = crate::ir::int_width(crate::ir::type_of(c));
            let mask = if width >= 64 {
                u64::MAX
            } else {
                (1u64 << width) - 1
            };
            crate::ir::const_int(c).map(|k| k as u64 & mask)
        });
        let range = if signed { "between 0 and" } else { "at most" };
        let versioned = match bound {
            Some(c) => format!(
                ", where {count} comes into the loop {range} {c} (tested before it; it never grows), a copy of the loop otherwise"
            ),
            None => String::new(),
        };
        Remark {
            kind: RemarkKind::Passed,
            name: "CountWidened",
            function: sites[site].function,
            at: Some(sites[site].call),
            message: format!(
                "counted what {} has left to move in its 64-bit argument {arg}, which goes down by its result, in place of the count {count} widened{versioned}",
                sites[site].label(),
            ),
        }
    }

    /// A loop on a narrow count passed widened to `site` whose argument was not made the
    /// count advanced, and why (`transform/wide_count.rs`).
    pub(crate) fn count_not_widened(sites: &[Site], site: usize, why: &str) -> Remark {
        Remark {
            kind: RemarkKind::Missed,
            name: "CountNotWidened",
            function: sites[site].function,
            at: Some(sites[site].call),
            message: format!(
                "did not count what {} has left to move in its 64-bit argument, which its loop makes of a narrower count: {why}",
                sites[site].label(),
            ),
        }
    }

    /// A `switch` on a chain of `select`s made branches (`transform/dispatch.rs`).
    pub(crate) fn dispatched(
        function: LLVMValueRef,
        switch: LLVMValueRef,
        selects: usize,
    ) -> Remark {
        Remark {
            kind: RemarkKind::Passed,
            name: "Dispatched",
            function,
            at: Some(switch),
            message: format!(
                "made the switch on {selects} select{} '{}' branches on their conditions, so that tests of a call's result read as its stop predicates",
                if selects == 1 { "" } else { "s" },
                crate::ir::describe(switch),
            ),
        }
    }

    /// A switch made a chain of `links` two-way branches (`transform/switches.rs`).
    pub(crate) fn switch_split(
        function: LLVMValueRef,
        switch: LLVMValueRef,
        links: usize,
    ) -> Remark {
        Remark {
            kind: RemarkKind::Passed,
            name: "SwitchSplit",
            function,
            at: Some(switch),
            message: format!(
                "made '{}' a chain of {links} two-way branch{} on its cases, the ways that leave the path between the calls first, so that its tests read as stop predicates and branches",
                crate::ir::describe(switch),
                if links == 1 { "" } else { "es" },
            ),
        }
    }

    /// The call of `site` whose argument `k`, `select` `value` on a value set before the
    /// calls, became a branch to a copy of the call for each choice
    /// (`transform/chosen_argument.rs`).
    pub(crate) fn argument_split(site: &Site, k: usize, value: LLVMValueRef) -> Remark {
        Remark {
            kind: RemarkKind::Passed,
            name: "ArgumentSplit",
            function: site.function,
            at: Some(site.call),
            message: format!(
                "made the choice '{}' of argument {k} of {} a branch to a copy of the call for each value, so that each copy's argument is one a multi-call can take",
                crate::ir::describe(value),
                site.label(),
            ),
        }
    }

    /// The `blocks` blocks between the calls `a` and `b` flattened into selects
    /// (`transform/flatten.rs`).
    pub(crate) fn flattened(sites: &[Site], a: usize, b: usize, blocks: usize) -> Remark {
        Remark {
            kind: RemarkKind::Passed,
            name: "Flattened",
            function: sites[b].function,
            at: Some(sites[b].call),
            message: format!(
                "computed the {blocks} block{} between {} and {} on every way and chose their values by selects, so that both ways of the branch between them no longer keep the calls apart",
                if blocks == 1 { "" } else { "s" },
                sites[a].label(),
                sites[b].label()
            ),
        }
    }

    /// The region after `branch` between the calls `a` and `b` not flattened, and why.
    pub(crate) fn not_flattened(
        sites: &[Site],
        a: usize,
        b: usize,
        branch: LLVMValueRef,
        why: &dyn std::fmt::Display,
    ) -> Remark {
        Remark {
            kind: RemarkKind::Missed,
            name: "Flattening",
            function: sites[b].function,
            at: Some(branch),
            message: format!(
                "did not flatten the code after '{}' between {} and {}: {why}",
                crate::ir::describe(branch),
                sites[a].label(),
                sites[b].label()
            ),
        }
    }

    /// `smax(n, 0)` replaced by `n` where only non-negative values reach its uses
    /// (`transform/nonneg.rs`).
    pub(crate) fn non_negative(
        function: LLVMValueRef,
        smax: LLVMValueRef,
        n: LLVMValueRef,
    ) -> Remark {
        Remark {
            kind: RemarkKind::Passed,
            name: "NonNegative",
            function,
            at: Some(smax),
            message: format!(
                "used {} for '{}': its uses are reached only where it is not negative",
                crate::ir::value_name(n),
                crate::ir::describe(smax),
            ),
        }
    }

    /// The `markers` lifetime markers of `object`, one of them `marker` in a hot loop, removed.
    pub(crate) fn lifetimes_removed(
        function: LLVMValueRef,
        marker: LLVMValueRef,
        object: LLVMValueRef,
        markers: usize,
    ) -> Remark {
        Remark {
            kind: RemarkKind::Passed,
            name: "LifetimesRemoved",
            function,
            at: Some(marker),
            message: format!(
                "removed the {markers} lifetime markers of {} (a buffer declared in the loop's \
                 body): it lives for the whole function, and no marker stands between the \
                 loop's calls",
                crate::ir::value_name(object),
            ),
        }
    }

    /// The vector store `store` of an update written lane by lane (`lanes` stores), or left
    /// as it is and why (`transform::vectors`).
    pub(crate) fn split_vector(
        function: LLVMValueRef,
        store: LLVMValueRef,
        lanes: u32,
        why: Option<&str>,
    ) -> Remark {
        let what = crate::ir::describe(store);
        let (kind, message) = match why {
            None => (
                RemarkKind::Passed,
                format!(
                    "wrote '{what}' as {lanes} stores of its lanes: each is a variable the \
                     loop updates on its own"
                ),
            ),
            Some(why) => (
                RemarkKind::Missed,
                format!("did not write '{what}' lane by lane: {why}"),
            ),
        };
        Remark {
            kind,
            name: "SplitVector",
            function,
            at: Some(store),
            message,
        }
    }

    /// The phi `count`, `base - total` on every way in, computed from `total`.
    pub(crate) fn count_from_total(
        function: LLVMValueRef,
        count: LLVMValueRef,
        total: LLVMValueRef,
        base: LLVMValueRef,
    ) -> Remark {
        Remark {
            kind: RemarkKind::Passed,
            name: "CountFromTotal",
            function,
            at: Some(count),
            message: format!(
                "computed {} as {} - {} at the top of the loop: it is that on every way in",
                crate::ir::value_name(count),
                crate::ir::operand_name(base),
                crate::ir::value_name(total),
            ),
        }
    }

    /// A latch's test on the counter `phi` written on its next value `next`.
    pub(crate) fn test_on_next(
        function: LLVMValueRef,
        test: LLVMValueRef,
        phi: LLVMValueRef,
        next: LLVMValueRef,
    ) -> Remark {
        Remark {
            kind: RemarkKind::Passed,
            name: "TestOnNext",
            function,
            at: Some(test),
            message: format!(
                "wrote the loop's test '{}' on {}'s next value {}: the same test, in the form a looped batch ends by",
                crate::ir::describe(test),
                crate::ir::value_name(phi),
                crate::ir::value_name(next),
            ),
        }
    }

    /// The loop headed by `inner`, a call's retry, sent round the loop headed by `outer`.
    pub(crate) fn retried_through_header(
        function: LLVMValueRef,
        inner: llvm_sys::prelude::LLVMBasicBlockRef,
        outer: llvm_sys::prelude::LLVMBasicBlockRef,
    ) -> Remark {
        let first = crate::ir::instructions(inner).first().copied();
        Remark {
            kind: RemarkKind::Passed,
            name: "RetriedThroughHeader",
            function,
            at: first,
            message: format!(
                "sent the retries of the loop at block {} round the loop at block {}, which it joins",
                crate::ir::block_name(inner),
                crate::ir::block_name(outer),
            ),
        }
    }

    /// A loop whose start is not moved to `a`, and why.
    pub(crate) fn not_reheadered(
        sites: &[Site],
        a: usize,
        b: usize,
        why: &dyn std::fmt::Display,
    ) -> Remark {
        Remark {
            kind: RemarkKind::Missed,
            name: "Reheader",
            function: sites[a].function,
            at: Some(sites[a].call),
            message: format!(
                "did not move the start of the loop to {} so that {} -> {} is one iteration: {why}",
                sites[a].label(),
                sites[a].callee,
                sites[b].callee
            ),
        }
    }

    /// A loop rotated so that the hot edge `b -> a` across its back edge is a straight line.
    pub(crate) fn rotated(sites: &[Site], b: usize, a: usize) -> Remark {
        Remark {
            kind: RemarkKind::Passed,
            name: "Rotated",
            function: sites[a].function,
            at: Some(sites[a].call),
            message: format!(
                "rotated the loop so that {} is followed by the next iteration's {} on a straight line; the loop's first {} runs before it",
                sites[b].label(),
                sites[a].label(),
                sites[a].callee
            ),
        }
    }

    /// A loop whose test of `tested` (a flag's variable or a count) before `first` was
    /// rotated onto the way round (`transform/flag_test.rs`).
    pub(crate) fn header_test_rotated(sites: &[Site], first: usize, tested: &str) -> Remark {
        Remark {
            kind: RemarkKind::Passed,
            name: "HeaderTestRotated",
            function: sites[first].function,
            at: Some(sites[first].call),
            message: format!(
                "rotated the loop that tests {tested} before {}: the test runs once before the loop and after each iteration, so that the loop's header begins with {}",
                sites[first].label(),
                sites[first].callee
            ),
        }
    }

    /// A loop with a test of `tested` before `first` that LLVM did not rotate.
    pub(crate) fn header_test_not_rotated(
        sites: &[Site],
        first: usize,
        tested: &str,
        why: &str,
    ) -> Remark {
        Remark {
            kind: RemarkKind::Missed,
            name: "HeaderTestRotation",
            function: sites[first].function,
            at: Some(sites[first].call),
            message: format!(
                "did not rotate the loop that tests {tested} before {}: {why}",
                sites[first].label()
            ),
        }
    }

    /// A loop of `function` unswitched on `test` (at `at`), a condition with the same value in
    /// every iteration (`transform/unswitch.rs`).
    pub(crate) fn unswitched(
        function: LLVMValueRef,
        at: Option<LLVMValueRef>,
        test: &str,
    ) -> Remark {
        Remark {
            kind: RemarkKind::Passed,
            name: "Unswitched",
            function,
            at,
            message: format!(
                "unswitched the loop on '{test}', which has the same value in every iteration: the loop, in which the test now goes the way between the calls, runs when the test would go there, a copy of it otherwise, so that what the other way does no longer stands between the calls"
            ),
        }
    }

    /// A loop of `function` not unswitched on `test` (at `at`), and why.
    pub(crate) fn not_unswitched(
        function: LLVMValueRef,
        at: Option<LLVMValueRef>,
        test: &str,
        why: &str,
    ) -> Remark {
        Remark {
            kind: RemarkKind::Missed,
            name: "NotUnswitched",
            function,
            at,
            message: format!("did not unswitch the loop on '{test}': {why}"),
        }
    }

    /// A loop of `function` versioned on the value `variable` comes in with, which the loop
    /// only ever sets to `value` (`transform/unswitch.rs`, at `at`: the test it decided).
    pub(crate) fn versioned(
        function: LLVMValueRef,
        at: Option<LLVMValueRef>,
        variable: &str,
        value: i64,
    ) -> Remark {
        Remark {
            kind: RemarkKind::Passed,
            name: "Versioned",
            function,
            at,
            message: format!(
                "versioned the loop on '{variable}', which the loop only ever sets to {value}: the loop, in which it is {value} in every iteration and the tests of it are decided, runs when it comes in as {value}, a copy of it otherwise"
            ),
        }
    }

    /// A loop of `function` not versioned on `variable` (at `at`), and why.
    pub(crate) fn not_versioned(
        function: LLVMValueRef,
        at: Option<LLVMValueRef>,
        variable: &str,
        why: &str,
    ) -> Remark {
        Remark {
            kind: RemarkKind::Missed,
            name: "NotVersioned",
            function,
            at,
            message: format!("did not version the loop on '{variable}': {why}"),
        }
    }

    /// A hot edge `b -> a` across a back edge whose loop is not rotated, and why.
    pub(crate) fn not_rotated(
        sites: &[Site],
        b: usize,
        a: usize,
        why: &dyn std::fmt::Display,
    ) -> Remark {
        Remark {
            kind: RemarkKind::Missed,
            name: "Rotation",
            function: sites[a].function,
            at: Some(sites[a].call),
            message: format!(
                "did not rotate the loop of {} -> {} across its back edge: {why}",
                sites[b].label(),
                sites[a].label()
            ),
        }
    }

    /// The first iteration of the loop headed by `header` peeled, so that `b`'s first
    /// execution follows `a` without entering the loop.
    pub(crate) fn peeled(
        sites: &[Site],
        a: usize,
        b: usize,
        header: llvm_sys::prelude::LLVMBasicBlockRef,
    ) -> Remark {
        Remark {
            kind: RemarkKind::Passed,
            name: "Peeled",
            function: sites[b].function,
            at: Some(sites[b].call),
            message: format!(
                "peeled the first iteration of the loop at block {} so that the first {} after {} does not enter the loop",
                crate::ir::block_name(header),
                sites[b].label(),
                sites[a].label()
            ),
        }
    }

    /// A loop on the path of a hot edge `a -> b` whose first iteration is not peeled, and why.
    pub(crate) fn not_peeled(
        sites: &[Site],
        a: usize,
        b: usize,
        header: llvm_sys::prelude::LLVMBasicBlockRef,
        why: &dyn std::fmt::Display,
    ) -> Remark {
        Remark {
            kind: RemarkKind::Missed,
            name: "Peeling",
            function: sites[b].function,
            at: Some(sites[b].call),
            message: format!(
                "did not peel the loop at block {} between {} and {}: {why}",
                crate::ir::block_name(header),
                sites[a].label(),
                sites[b].label()
            ),
        }
    }

    /// A loop unrolled `factor` times so that that many iterations' calls form one batch.
    pub(crate) fn unrolled(sites: &[Site], calls: &[usize], factor: u64) -> Remark {
        Remark {
            kind: RemarkKind::Passed,
            name: "Unrolled",
            function: sites[calls[0]].function,
            at: Some(sites[calls[0]].call),
            message: format!(
                "unrolled the loop of {} {factor} times, so that {factor} iterations' calls are on one straight line",
                chain_of(sites, calls)
            ),
        }
    }

    /// A loop around a straight multi-call that is not unrolled, and why.
    pub(crate) fn not_unrolled(
        sites: &[Site],
        calls: &[usize],
        why: &dyn std::fmt::Display,
    ) -> Remark {
        Remark {
            kind: RemarkKind::Missed,
            name: "Unrolling",
            function: sites[calls[0]].function,
            at: Some(sites[calls[0]].call),
            message: format!(
                "did not unroll the loop of {}: {why}",
                chain_of(sites, calls)
            ),
        }
    }

    /// A hot matched edge whose calls are in different functions only; `why` says what kept
    /// them apart.
    pub(crate) fn cross_function(sites: &[Site], e: &CrossEdge, why: &str) -> Option<Remark> {
        let a = &sites[*e.from_sites.first()?];
        let b = &sites[*e.to_sites.first()?];
        Some(Remark {
            kind: RemarkKind::Missed,
            name: "CrossFunction",
            function: a.function,
            at: Some(a.call),
            message: format!(
                "not clustered: hot edge {} -> {} (weight {}) runs from {} in '{}' to {} in '{}', different functions: {why}",
                e.from, e.to, e.weight, a.label(), a.function_name, b.label(), b.function_name
            ),
        })
    }

    /// A call that follows itself but is in a straight multi-call with `chain`.
    pub(crate) fn self_loop(sites: &[Site], s: &Site, weight: u64, chain: &[usize]) -> Remark {
        let chain: Vec<&str> = chain.iter().map(|&c| sites[c].callee.as_str()).collect();
        Remark {
            kind: RemarkKind::Missed,
            name: "SelfLoop",
            function: s.function,
            at: Some(s.call),
            message: format!(
                "hot edge {} -> {} (weight {weight}) is a loop around one call, which is in the multi-call {}: not a looped multi-call of its own",
                s.callee,
                s.callee,
                chain.join(" -> ")
            ),
        }
    }

    /// A call merged with the `fcntl`s after it into `merged` (`specialise`); `rest` is the
    /// number of the multi-call's other calls.
    pub(crate) fn specialised(
        sites: &[Site],
        creator: usize,
        fcntls: &[usize],
        merged: &str,
        rest: usize,
    ) -> Remark {
        let c = &sites[creator];
        let f: Vec<String> = fcntls.iter().map(|&s| sites[s].label()).collect();
        let rest = match rest {
            0 => "it was the whole multi-call: one plain system call, no multi-call".to_string(),
            1 => "the cluster's other call is lowered without it".to_string(),
            n => format!("the cluster's other {n} calls are lowered without it"),
        };
        Remark {
            kind: RemarkKind::Passed,
            name: "Specialised",
            function: c.function,
            at: Some(c.call),
            message: format!(
                "merged flags: {} and {} run as {merged}; {} fcntl's result is 0 where it was; {rest}",
                c.label(),
                f.join(" and "),
                if f.len() == 1 { "the" } else { "each" }
            ),
        }
    }

    /// An `fcntl` after the call that made its descriptor, not merged into it; `why` is the
    /// reason's text.
    pub(crate) fn not_specialised(
        sites: &[Site],
        creator: usize,
        fcntl: usize,
        why: &str,
    ) -> Remark {
        let c = &sites[creator];
        Remark {
            kind: RemarkKind::Missed,
            name: "NotSpecialised",
            function: c.function,
            at: Some(sites[fcntl].call),
            message: format!(
                "merged flags not applied: {} -> {}: {why}",
                c.label(),
                sites[fcntl].label()
            ),
        }
    }

    /// An edge legality refused; `reason` is the refusal's rendered text.
    pub(crate) fn refused(sites: &[Site], e: &RefusedEdge<'_>, reason: &str) -> Remark {
        Remark {
            kind: RemarkKind::Missed,
            name: e.refusal.remark_name(),
            function: sites[e.a].function,
            at: Some(e.refusal.at),
            message: format!(
                "not clustered: {} -> {} (weight {}) breaks {}: {reason}",
                sites[e.a].callee,
                sites[e.b].callee,
                e.weight,
                e.refusal.condition()
            ),
        }
    }

    /// A multi-call formed; `weight` is the heaviest hot edge between its calls.
    pub(crate) fn clustered(sites: &[Site], plan: &Plan, weight: u64) -> Remark {
        let entries = plan.entries();
        let first = &sites[entries[0].site];
        let chain: Vec<&str> = entries
            .iter()
            .map(|e| sites[e.site].callee.as_str())
            .collect();
        let stops: Vec<String> = entries.iter().map(|e| e.stop.to_string()).collect();
        let refs = entries
            .iter()
            .flat_map(|e| &e.args)
            .filter(|a| matches!(a, ArgSource::Ref(_)))
            .count();
        let what = match plan {
            Plan::Straight(_) => format!("{} system calls into one multi-call", entries.len()),
            Plan::Looped(_) => "the whole loop into one looped multi-call".to_string(),
        };
        // What the loop carries from one iteration to the next.
        let carried = match plan {
            Plan::Looped(l) if !l.carried.is_empty() => {
                let each: Vec<String> = l
                    .carried
                    .iter()
                    .enumerate()
                    .map(|(k, c)| {
                        let name = crate::ir::value_name(c.phi);
                        let bound = l
                            .tested
                            .as_ref()
                            .and_then(|t| t.counted.as_ref())
                            .filter(|counted| counted.carried == k);
                        match (&c.step, bound) {
                            (Step::Invariant(_), Some(counted)) => format!(
                                "{name} (counter, {} by 1 to its bound {}: the batch runs the iterations it has left)",
                                if counted.up { "up" } else { "down" },
                                crate::ir::operand_name(counted.limit)
                            ),
                            (Step::Invariant(_), None) => format!("{name} (counter)"),
                            (&Step::Settled { settle, value, .. }, _) => {
                                let value = crate::ir::operand_name(value);
                                let how = match settle {
                                    crate::plan::Settle::Assign => value,
                                    crate::plan::Settle::SMin => format!("smin({name}, {value})"),
                                    crate::plan::Settle::SMax => format!("smax({name}, {value})"),
                                    crate::plan::Settle::UMin => format!("umin({name}, {value})"),
                                    crate::plan::Settle::UMax => format!("umax({name}, {value})"),
                                };
                                format!("{name} (settled: {how} after the first iteration)")
                            }
                            (Step::Result { entry, .. }, _) => {
                                let callee = &sites[entries[*entry].site].callee;
                                let clamp = l
                                    .tested
                                    .as_ref()
                                    .and_then(|t| t.clamped.iter().find(|c| c.carried == k));
                                match clamp {
                                    Some(c) => {
                                        let left = match c.remaining {
                                            Some((limit, _)) => format!(
                                                "{} - {name}",
                                                crate::ir::operand_name(limit)
                                            ),
                                            None => name.clone(),
                                        };
                                        format!(
                                            "{name} (total of {callee}'s results, whose count is min({left}, {cap}): the batch passes {cap} for the iterations {left} has room for)",
                                            cap = c.cap
                                        )
                                    }
                                    None => match l
                                        .tested
                                        .as_ref()
                                        .and_then(|t| t.bounded.iter().find(|b| b.carried == k))
                                    {
                                        Some(b) if b.down => format!(
                                            "{name} (going down by {callee}'s results, above {limit}: the batch runs the iterations {name} - {limit} has room for at {cap} each)",
                                            limit = crate::ir::operand_name(b.limit),
                                            cap = b.cap
                                        ),
                                        Some(b) => format!(
                                            "{name} (total of {callee}'s results, below {limit}: the batch runs the iterations {limit} - {name} has room for at {cap} each)",
                                            limit = crate::ir::operand_name(b.limit),
                                            cap = b.cap
                                        ),
                                        None => format!("{name} (total of {callee}'s results)"),
                                    },
                                }
                            }
                        }
                    })
                    .collect();
                format!("; carries {}", each.join(", "))
            }
            _ => String::new(),
        };
        // Arguments that advance by results, and the test that ends the batch.
        let advancing = match plan {
            Plan::Looped(l) if !l.advancing.is_empty() || !l.derived.is_empty() => {
                let each: Vec<String> = l
                    .advancing
                    .iter()
                    .map(|a| (a.phi, a.uses.clone(), a.down, a.by))
                    .chain(l.derived.iter().map(|d| {
                        let down = d.kind == crate::plan::Derive::SubFrom;
                        (d.inst, vec![(d.entry, d.arg)], down, d.by)
                    }))
                    .map(|(v, uses, down, by)| {
                        let passed: Vec<String> = uses
                            .iter()
                            .map(|&(entry, arg)| {
                                format!("argument {arg} of {}", sites[entries[entry].site].callee)
                            })
                            .collect();
                        format!(
                            "{} ({}, {} {}'s result)",
                            crate::ir::value_name(v),
                            passed.join(" and "),
                            if down { "down by" } else { "up by" },
                            sites[entries[by].site].callee
                        )
                    })
                    .collect();
                let until = match l.tested.as_ref().and_then(|t| t.until) {
                    Some((which, u)) => {
                        let v = match which {
                            crate::plan::TestedArg::Advancing(k) => {
                                crate::ir::value_name(l.advancing[k].phi)
                            }
                            crate::plan::TestedArg::Derived(k) => {
                                crate::ir::value_name(l.derived[k].inst)
                            }
                        };
                        match u {
                            crate::plan::Until::Zero => format!(" until {v} == 0"),
                            crate::plan::Until::NonPos => format!(" until {v} <= 0"),
                        }
                    }
                    None => String::new(),
                };
                format!("; advances {}{until}{}", each.join(", "), real_loop(l))
            }
            _ => String::new(),
        };
        // Whether the runtime may run the loop as one in-kernel copy, and if not why.
        let advances = matches!(plan, Plan::Looped(l) if !l.advancing.is_empty());
        let copy_shape = copy_shape(sites, entries, advances);
        let buffers = match plan {
            Plan::Straight(_) => String::new(),
            Plan::Looped(l) if !l.watches.is_empty() => match &l.buffers {
                Buffers::Live(why) => format!("; no in-kernel copy: {why}"),
                _ => "; no in-kernel copy: the flag is read after each iteration".to_string(),
            },
            Plan::Looped(l) => match &l.buffers {
                Buffers::Dead if copy_shape => "; its buffers are dead after the loop: the runtime may run it as an in-kernel copy (copy_file_range, sendfile, splice)".to_string(),
                Buffers::LiveAtStop(why) if copy_shape => format!("; its buffers are dead after the loop but for a stop past the first call ({why}): the runtime may run it as an in-kernel copy that refills the buffer from a regular input at such a stop"),
                Buffers::Dead | Buffers::LiveAtStop(_) => "; its buffers are dead after the loop, but the runtime copies in the kernel only a loop of read (stopping at result <= 0) and write, or of pread and pwrite at advancing offsets, into a file or a pipe".to_string(),
                Buffers::Live(why) => format!("; no in-kernel copy: {why}"),
            },
        };
        // The flags the way round tests.
        let watches = match plan {
            Plan::Looped(l) => &l.watches[..],
            Plan::Straight(_) => &[],
        };
        let flag = |w: &crate::plan::Watch| {
            format!(
                "{} ({})",
                crate::ir::operand_name(crate::ir::operand(w.load, 0)),
                if w.leaves_on_zero { "zero" } else { "not zero" }
            )
        };
        let watched = match watches {
            [] => String::new(),
            [w] if w.after.is_none() => format!(
                "; the batch reads {} after each iteration as the loop's test does, and ends when it is {}",
                crate::ir::operand_name(crate::ir::operand(w.load, 0)),
                if w.leaves_on_zero { "zero" } else { "not zero" }
            ),
            many => {
                // Those tested between two calls, each after its call, then those of the way
                // round, after each iteration.
                let mut parts: Vec<String> = many
                    .iter()
                    .filter_map(|w| {
                        let i = w.after?;
                        let site = entries.get(i).map(|e| sites[e.site].label());
                        Some(format!("{} after {}", flag(w), site.unwrap_or_default()))
                    })
                    .collect();
                let ends: Vec<String> = many
                    .iter()
                    .filter(|w| w.after.is_none())
                    .map(flag)
                    .collect();
                if !ends.is_empty() {
                    parts.push(format!("{} after each iteration", ends.join(", then ")));
                }
                format!(
                    "; the batch reads {} as the loop's tests do, in that order, and ends when one says to go the other way",
                    parts.join(", then ")
                )
            }
        };
        // A counter's remainder the way round tests.
        let period = match plan {
            Plan::Looped(l) => l.period.as_ref().map(|p| (p, &l.carried)),
            Plan::Straight(_) => None,
        };
        let watched = match period {
            Some((p, carried)) => match &p.test {
                crate::plan::PeriodTest::Remainder { modulus, .. } => format!(
                    "{watched}; each batch runs at most the iterations until {}{} is a multiple of {modulus} again, where the original makes the test '{}' and goes on",
                    crate::ir::value_name(carried[p.carried].phi),
                    if p.tests_next { " + 1" } else { "" },
                    crate::ir::describe(p.cmp),
                ),
                crate::plan::PeriodTest::Reaches {
                    limit,
                    down,
                    per_iteration,
                    less: None,
                    ..
                } if matches!(carried[p.carried].step, crate::plan::Step::Invariant(_)) => format!(
                    "{watched}; each batch runs at most the iterations until the counter {}{} {} {}{}, where the original makes the test '{}' and goes on",
                    crate::ir::value_name(carried[p.carried].phi),
                    if p.tests_next { " after the iteration" } else { "" },
                    if *down { "comes down to" } else { "reaches" },
                    crate::ir::value_name(*limit),
                    match crate::ir::const_int(*per_iteration) {
                        Some(1) => String::new(),
                        Some(k) => format!(" (by {k} in each)"),
                        None => String::new(),
                    },
                    crate::ir::describe(p.cmp),
                ),
                crate::plan::PeriodTest::Reaches {
                    limit,
                    per_iteration,
                    less,
                    ..
                } => format!(
                    "{watched}; each batch runs at most the iterations until the total {}{}{} may reach {} (it grows by at most {} in each), where the original makes the test '{}' and goes on",
                    crate::ir::value_name(carried[p.carried].phi),
                    match less {
                        Some((base, _)) => format!(" less {}", crate::ir::value_name(*base)),
                        None => String::new(),
                    },
                    if p.tests_next { " after the iteration" } else { "" },
                    crate::ir::value_name(*limit),
                    crate::ir::value_name(*per_iteration),
                    crate::ir::describe(p.cmp),
                ),
            },
            None => watched,
        };
        // Conditions defined before the loop that its way round tests.
        let guarded = match plan {
            Plan::Looped(l) if !l.guards.is_empty() => {
                let each: Vec<String> = l
                    .guards
                    .iter()
                    .map(|&(cond, value)| guard_text(cond, value))
                    .collect();
                format!(
                    "; it runs when {} (a test in the loop of a value set before it), else the original loop does",
                    each.join(" and ")
                )
            }
            Plan::Straight(s) if !s.guards.is_empty() => {
                let each: Vec<String> = s
                    .guards
                    .iter()
                    .map(|(i, g)| {
                        format!(
                            "after {} only when {}",
                            sites[s.entries[*i].site].callee,
                            guard_text(g.cond, g.value)
                        )
                    })
                    .collect();
                format!(
                    "; it goes on {} (a test between the calls of a value set before them), else the original code does",
                    each.join(" and ")
                )
            }
            _ => String::new(),
        };
        Remark {
            kind: RemarkKind::Passed,
            name: "Clustered",
            function: first.function,
            at: Some(first.call),
            message: format!(
                "clustered {what}: {} (stop: {}; {} result reference{}){carried}{advancing}{watched}{guarded}{buffers} (weight {weight})",
                chain.join(" -> "),
                stops.join(", "),
                refs,
                if refs == 1 { "" } else { "s" }
            ),
        }
    }
}

/// The callees of `calls`, as "read -> write".
fn chain_of(sites: &[Site], calls: &[usize]) -> String {
    let names: Vec<&str> = calls.iter().map(|&c| sites[c].callee.as_str()).collect();
    names.join(" -> ")
}

/// What a rotated advancing loop's lowering does besides the batch (`legality::reentry`): the
/// store of a constant to errno it replays, the block a stop goes back into the loop at.
fn real_loop(l: &crate::plan::Looped) -> String {
    let Some(t) = &l.tested else {
        return String::new();
    };
    let mut out = String::new();
    if let Some(store) = t.errno_reset {
        let v = crate::ir::const_int(crate::ir::operand(store, 0)).unwrap_or_default();
        out += &format!("; replays errno = {v} after the iterations completed");
    }
    if let Some(exit) = l.exits.iter().find(|e| t.reentry.contains(&e.to)) {
        out += &format!(
            "; a stop goes back into the loop at {}, the original code",
            crate::ir::block_name(exit.to)
        );
    }
    out
}

/// Whether `entries` have the shape the runtime copies in the kernel (`runtime/src/copy.rs`,
/// `recognise` and `decide`): a `read` that stops at `result <= 0`, then a `write` that stops
/// on a short transfer or only on a failure (its count unchecked); or `pread64` then
/// `pwrite64` the same way, when arguments advance (`advancing`: their offsets). A `send`
/// goes only into a socket, which the runtime never copies into (`sendfile` would lose a
/// peer's reset).
fn copy_shape(sites: &[Site], entries: &[crate::plan::Entry], advancing: bool) -> bool {
    let [read, write] = entries else {
        return false;
    };
    let nr = |e: &crate::plan::Entry| sites[e.site].nr;
    let pair = match (nr(read), nr(write)) {
        (Some(0), Some(1)) => !advancing,
        (Some(17), Some(18)) => advancing,
        _ => false,
    };
    pair && read.stop == crate::plan::Stop::NonPos
        && matches!(
            write.stop,
            crate::plan::Stop::NeArg(2, _) | crate::plan::Stop::Neg
        )
}

/// A guard's condition as a remark says it: `@verbose is zero` for a comparison of a loaded
/// global with 0, `@verbose is false` for a loaded bool, else `%c is true`.
fn guard_text(cond: LLVMValueRef, value: bool) -> String {
    use crate::ir;
    let test = ir::zero_test(cond);
    let zero_if = test.map(|(_, eq)| if eq { value } else { !value });
    let flag = test.map(|(v, _)| v).filter(|&v| ir::const_int(v).is_none());
    match (zero_if, flag) {
        (Some(zero), Some(v)) => {
            let loaded = ir::is_instruction(v) && ir::opcode(v) == llvm_sys::LLVMOpcode::LLVMLoad;
            let name = if loaded {
                ir::operand_name(ir::operand(v, 0))
            } else {
                ir::operand_name(v)
            };
            format!("{name} is {}", if zero { "zero" } else { "not zero" })
        }
        _ if ir::is_instruction(cond) && ir::opcode(cond) == llvm_sys::LLVMOpcode::LLVMLoad => {
            format!("{} is {value}", ir::operand_name(ir::operand(cond, 0)))
        }
        _ => format!("{} is {value}", ir::operand_name(cond)),
    }
}

/// The flag a guard helper's `load` reads, as a remark names it: `@name` for a global
/// variable, else what the helper's argument points to.
fn flag_name(load: LLVMValueRef) -> String {
    let ptr = crate::ir::operand(load, 0);
    if crate::ir::is_global_variable(ptr) {
        return format!("@{}", crate::ir::name(ptr));
    }
    let base = if crate::ir::is_instruction(ptr) {
        crate::ir::operand(ptr, 0)
    } else {
        ptr
    };
    match crate::ir::argument_of(base) {
        Some((_, k)) if base == ptr => format!("what its argument {} points to", k + 1),
        Some((_, k)) => format!("a field of what its argument {} points to", k + 1),
        None => crate::ir::describe(load),
    }
}
