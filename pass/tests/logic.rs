//! Tests of the pass's logic that needs no IR: parameters, path and caller matching, stop
//! codes, counters. (The pass on IR is tested with lit: testsuite/lit.)

use llvm_sys::LLVMIntPredicate;
use syscluster_pass::config::{CommandLine, Config, ParamError, Params};
use syscluster_pass::plan::{ArgSource, Clamped, Entry, Least, Stop};
use syscluster_pass::profile_map::{node_function, same_file, unqualified};
use syscluster_pass::stats::Stats;
use syscluster_profile::format::Node;

#[test]
fn parses_llvm_parameter_form() {
    let p = Params::parse("profile=/tmp/a.json;min-weight=5;stats").unwrap();
    assert_eq!(p.profile.as_deref(), Some("/tmp/a.json"));
    assert_eq!(p.min_weight, Some(5));
    assert_eq!(p.stats, Some(true));
    assert_eq!(Params::parse("").unwrap(), Params::default());
    assert_eq!(Params::parse("no-stats").unwrap().stats, Some(false));
}

#[test]
fn rejects_bad_parameters() {
    assert!(matches!(
        Params::parse("frobnicate"),
        Err(ParamError::Unknown(_))
    ));
    assert!(matches!(
        Params::parse("min-weight=x"),
        Err(ParamError::BadWeight(_))
    ));
    assert!(matches!(
        Params::parse("min-weight"),
        Err(ParamError::MissingValue { .. })
    ));
    assert!(matches!(
        Params::parse("profile="),
        Err(ParamError::MissingValue { .. })
    ));
    assert!(matches!(
        Params::parse("stats=1"),
        Err(ParamError::Unknown(_))
    ));
}

#[test]
fn parameters_win_over_options() {
    let cl = CommandLine {
        profile: Some("cl.json".into()),
        min_weight: 7,
        stats: true,
    };
    let c = Config::resolve(&Params::default(), &cl);
    assert_eq!(
        c,
        Config {
            profile: Some("cl.json".into()),
            min_weight: 7,
            stats: true
        }
    );
    let p = Params::parse("profile=p.json;min-weight=2;no-stats").unwrap();
    let c = Config::resolve(&p, &cl);
    assert_eq!(
        c,
        Config {
            profile: Some("p.json".into()),
            min_weight: 2,
            stats: false
        }
    );
    let none = CommandLine {
        profile: None,
        min_weight: 1,
        stats: false,
    };
    assert_eq!(Config::resolve(&Params::default(), &none).profile, None);
    // Given but empty (an unset shell variable): kept, so that the pass can say so.
    let empty = CommandLine {
        profile: Some(String::new()),
        ..none
    };
    assert_eq!(
        Config::resolve(&Params::default(), &empty).profile,
        Some(String::new())
    );
}

#[test]
fn files_compare_by_path_suffix() {
    assert!(same_file(
        "/work/main/testsuite/programs/copy.c",
        "programs/copy.c"
    ));
    assert!(same_file("copy.c", "/tmp/x/copy.c"));
    assert!(same_file("./copy.c", "copy.c"));
    assert!(!same_file("/a/copy.c", "/a/xcopy.c"));
    assert!(!same_file("/a/b.c", "/a/c.c"));
}

#[test]
fn caller_frames_and_sites_name_functions() {
    let mut n = Node::new("read", 0);
    assert_eq!(node_function(&n), None);
    n.caller = Some("copy(main+0x26) [0x1189]".into());
    assert_eq!(node_function(&n).as_deref(), Some("main"));
}

#[test]
fn stop_codes_follow_the_uapi_header() {
    // MC_STOP_NEVER 0, MC_STOP_NEG 1, MC_STOP_NONPOS 2, MC_STOP_NE_ARG 3 (+ stop_arg).
    assert_eq!(Stop::Never.code(), (0, 0));
    assert_eq!(Stop::Neg.code(), (1, 0));
    assert_eq!(Stop::NonPos.code(), (2, 0));
    assert_eq!(Stop::NeArg(2, Least::Zero).code(), (3, 2));
    assert_eq!(Stop::NeArg(2, Least::One).code(), (3, 2));
}

#[test]
fn entry_refs_mark_result_references() {
    let e = Entry {
        site: 0,
        stop: Stop::Never,
        args: vec![
            ArgSource::Zero,
            ArgSource::Ref(0),
            ArgSource::Zero,
            ArgSource::Ref(1),
        ],
    };
    assert_eq!(e.refs(), 0b1010);
    let none = Entry {
        args: vec![ArgSource::Zero; 6],
        ..e
    };
    assert_eq!(none.refs(), 0);
}

#[test]
fn counters_render_like_llvm_stats() {
    let s = Stats {
        sites: 12,
        regions: 2,
        calls_clustered: 5,
        looped: 1,
        inlined: 3,
        specialised: 4,
        specialised_whole: 3,
        ..Stats::default()
    };
    let text = s.render();
    assert!(text.contains("12 syscall-cluster - Number of system call sites found\n"));
    // Values are right-aligned to the widest one.
    assert!(text.contains(" 2 syscall-cluster - Number of multi-calls formed\n"));
    assert!(text.contains(" 1 syscall-cluster - Number of looped multi-calls (whole loops)\n"));
    assert!(text.contains(" 3 syscall-cluster - Number of helper calls inlined for hot edges\n"));
    assert!(text.contains(
        " 4 syscall-cluster - Number of calls merged with their fcntls (merged flags)\n"
    ));
    assert!(
        text.contains(" 3 syscall-cluster - Number of merged calls run as one plain system call\n")
    );
    assert_eq!(text.lines().count(), 12);
}

#[test]
fn unqualified_names_of_demangled_functions() {
    assert_eq!(
        unqualified("(anonymous namespace)::Copier::run()"),
        Some("run")
    );
    assert_eq!(
        unqualified("ns::Box<std::pair<int, int>>::get(int) const"),
        Some("get")
    );
    assert_eq!(
        unqualified("sum<int>(int*, unsigned long)"),
        Some("sum<int>")
    );
    assert_eq!(
        unqualified("std::function<void (int)>::operator()(int) const"),
        Some("operator()")
    );
    assert_eq!(unqualified("main"), None);
}

/// The count of a loop bounded by a counter (`CountEnd::iterations`) against the loop itself,
/// for every 8-bit counter value and limit and every predicate that is a bound: never more
/// iterations than the first after which the loop's test leaves, at least one, and exactly
/// that many whenever the loop leaves before its counter wraps round to where it began. A
/// counter zero-extended to 16 bits is compared with every 16-bit limit the same way.
#[test]
fn counted_iterations_never_pass_the_loops_test() {
    use syscluster_pass::plan::CountEnd;
    #[derive(Clone, Copy)]
    enum P {
        Ne,
        Lt,
        Le,
        Gt,
        Ge,
    }
    let holds = |p: P, signed: bool, x: u64, limit: u64, bits: u32| {
        let key = |v: u64| {
            if signed {
                ((v << (64 - bits)) as i64 >> (64 - bits)) as i128
            } else {
                v as i128
            }
        };
        let (x, l) = (key(x), key(limit));
        match p {
            P::Ne => x != l,
            P::Lt => x < l,
            P::Le => x <= l,
            P::Gt => x > l,
            P::Ge => x >= l,
        }
    };
    let cases = [
        (true, P::Ne, CountEnd::Reaches),
        (false, P::Ne, CountEnd::Reaches),
        (true, P::Lt, CountEnd::Passes),
        (true, P::Le, CountEnd::PassesIncluding),
        (false, P::Gt, CountEnd::Passes),
        (false, P::Ge, CountEnd::PassesIncluding),
    ];
    for (up, p, end) in cases {
        for signed in [false, true] {
            for c in 0..256u64 {
                let at = |j: u64| {
                    if up {
                        c.wrapping_add(j) & 0xff
                    } else {
                        c.wrapping_sub(j) & 0xff
                    }
                };
                // Plain 8-bit counters; then zero-extended to 16 bits (unsigned, going up).
                let widths: &[u32] = if up && !signed && !matches!(p, P::Gt | P::Ge) {
                    &[8, 16]
                } else {
                    &[8]
                };
                for &bits in widths {
                    let limits = 1u64 << bits;
                    for limit in (0..limits).step_by(if bits == 8 { 1 } else { 97 }) {
                        let first = (1..=256u64).find(|&j| !holds(p, signed, at(j), limit, bits));
                        let clamped = limit.min(255);
                        let rem =
                            end.iterations(up, 8, c, clamped, holds(p, signed, at(1), limit, bits));
                        assert!(rem >= 1, "{c} {limit}: no iteration");
                        match first {
                            Some(first) => assert_eq!(
                                rem,
                                u128::from(first),
                                "counter {c}, limit {limit}, {bits} bits, up {up}, signed {signed}"
                            ),
                            None => assert!(rem <= 256),
                        }
                    }
                }
            }
        }
    }
}

/// `icmp pred v, k` on values of `width` bits.
fn icmp_holds(pred: LLVMIntPredicate, v: u64, k: u64, width: u32) -> bool {
    use LLVMIntPredicate::*;
    let signed = |x: u64| ((x << (64 - width)) as i64) >> (64 - width);
    match pred {
        LLVMIntEQ => v == k,
        LLVMIntNE => v != k,
        LLVMIntUGT => v > k,
        LLVMIntUGE => v >= k,
        LLVMIntULT => v < k,
        LLVMIntULE => v <= k,
        LLVMIntSGT => signed(v) > signed(k),
        LLVMIntSGE => signed(v) >= signed(k),
        LLVMIntSLT => signed(v) < signed(k),
        LLVMIntSLE => signed(v) <= signed(k),
    }
}

/// A clamped count (`plan::Clamped`): every test the pass takes as one the batch's bound keeps
/// true holds for every value a batch may start an iteration with (8-bit values, every
/// predicate, bound and cap), and the bound `v / cap` leaves the total at least `cap` at
/// the start of each of its iterations, each moving at most `cap`.
#[test]
fn clamped_tests_hold_while_the_total_has_room() {
    use LLVMIntPredicate::*;
    let preds = [
        LLVMIntEQ, LLVMIntNE, LLVMIntUGT, LLVMIntUGE, LLVMIntULT, LLVMIntULE, LLVMIntSGT,
        LLVMIntSGE, LLVMIntSLT, LLVMIntSLE,
    ];
    let mut taken = 0;
    for signed in [false, true] {
        let last: u64 = if signed { 127 } else { 255 };
        for cap in 1..=last {
            for k in 0..256u64 {
                for pred in preds {
                    if !Clamped::test_holds(pred, k, cap, signed, 8) {
                        continue;
                    }
                    taken += 1;
                    for v in cap..=last {
                        assert!(
                            icmp_holds(pred, v, k, 8),
                            "{pred:?} {k} taken from cap {cap} (signed {signed}) fails at {v}"
                        );
                    }
                }
            }
            for v0 in cap..=last {
                let times = v0 / cap;
                assert!(times >= 1 && v0 - (times - 1) * cap >= cap);
            }
        }
    }
    assert!(taken > 0);
    // The tests clang gives `while (left > 0)` and `while (left)` are taken, 64 bits wide.
    assert!(Clamped::test_holds(LLVMIntSGT, 0, 4096, true, 64));
    assert!(Clamped::test_holds(LLVMIntNE, 0, 4096, false, 64));
    assert!(Clamped::test_holds(LLVMIntUGT, 0, 65536, false, 64));
    assert!(!Clamped::test_holds(LLVMIntSGT, 0, 4096, false, 64));
    assert!(!Clamped::test_holds(LLVMIntUGT, 5000, 4096, false, 64));
    assert!(!Clamped::test_holds(LLVMIntNE, 4096, 4096, false, 64));
}

// Tests of a call's result that combine comparisons (legality/result_tests.rs): where the
// result stands against its length decides whether they read as `result != length`.
use syscluster_pass::legality::result_tests::{whole_length_only, Point, Test, TestKind};
use LLVMIntPredicate::*;

/// A comparison of the raw 64-bit result with `c`, answering the comparison.
fn cmp(pred: LLVMIntPredicate, c: i64) -> Test {
    Test {
        casts: Vec::new(),
        width: 64,
        kind: TestKind::Cmp {
            pred,
            c,
            value_on_left: true,
            cont: true,
        },
    }
}

fn vs_length(pred: LLVMIntPredicate) -> Test {
    Test {
        casts: Vec::new(),
        width: 64,
        kind: TestKind::VsLength { pred },
    }
}

fn combined(all: bool, leaves: Vec<Test>, cont: bool) -> Test {
    Test {
        casts: Vec::new(),
        width: 64,
        kind: TestKind::Combined { all, leaves, cont },
    }
}

#[test]
fn an_error_test_and_the_whole_length_go_on_at_the_whole_length_only() {
    // `w > -1 && w == n` goes on when true: `if (w < 0 || (size_t)w != n) fail();`.
    let t = combined(true, vec![cmp(LLVMIntSGT, -1), vs_length(LLVMIntEQ)], true);
    assert!(!t.continues_at(-1, Point::Error));
    assert!(t.continues_at(4096, Point::Whole) && !t.continues_at(4095, Point::Short));
    assert_eq!(whole_length_only(&[t], i64::MAX), Some(Least::Zero));
}

#[test]
fn an_error_or_a_short_count_leaves() {
    // `w == -1 || w < n` leaves when true (goes on when false), signed and unsigned.
    for short in [LLVMIntSLT, LLVMIntULT] {
        let t = combined(false, vec![cmp(LLVMIntEQ, -1), vs_length(short)], false);
        assert_eq!(
            whole_length_only(&[t], i64::MAX),
            Some(Least::Zero),
            "{short:?}"
        );
    }
}

#[test]
fn an_unsigned_comparison_alone_lets_an_error_on() {
    // `w <u n` leaves when true: -1 is above every length unsigned, so an error goes on.
    let t = combined(false, vec![vs_length(LLVMIntULT)], false);
    assert!(t.continues_at(-1, Point::Error));
    assert_eq!(whole_length_only(&[t], i64::MAX), None);
}

#[test]
fn a_test_of_zero_holds_only_for_a_positive_length() {
    // `w <= 0 || w != n`: a count of 0 is the whole length when n is 0, where the test
    // leaves: `result != n` holds only where n is positive.
    let t = combined(false, vec![cmp(LLVMIntSLE, 0), vs_length(LLVMIntNE)], false);
    assert!(!t.continues_at(0, Point::Whole) && t.continues_at(1, Point::Whole));
    assert_eq!(whole_length_only(&[t], i64::MAX), Some(Least::One));
}

#[test]
fn a_test_of_the_end_after_a_short_count_is_decided_where_it_stands() {
    // `if (n < 0) fail(); if (0 < n && n < len) note(n); if (n == 0) break;`: the path goes
    // past the note's test on its false way, and past the end's on its false way.
    let tests = [
        Test {
            kind: TestKind::Cmp {
                pred: LLVMIntSLT,
                c: 0,
                value_on_left: true,
                cont: false,
            },
            ..cmp(LLVMIntSLT, 0)
        },
        combined(true, vec![cmp(LLVMIntNE, 0), vs_length(LLVMIntULT)], false),
        Test {
            kind: TestKind::Cmp {
                pred: LLVMIntEQ,
                c: 0,
                value_on_left: true,
                cont: false,
            },
            ..cmp(LLVMIntEQ, 0)
        },
    ];
    assert_eq!(whole_length_only(&tests, i64::MAX), Some(Least::One));
    // Without the end's test, a count of 0 short of the length goes on past the note's.
    assert_eq!(whole_length_only(&tests[..2], i64::MAX), None);
}

#[test]
fn a_combination_of_constants_is_asked_at_numbers() {
    // `r < 0 || r == 0` as one branch that leaves when true: `result <= 0`.
    let t = combined(false, vec![cmp(LLVMIntSLT, 0), cmp(LLVMIntEQ, 0)], false);
    assert!(!t.uses_length());
    let goes_on: Vec<bool> = [-1, 0, 1, 4096].iter().map(|&r| t.continues(r)).collect();
    assert_eq!(goes_on, [false, false, true, true]);
    assert_eq!(t.constants(), vec![0, 0]);
}
